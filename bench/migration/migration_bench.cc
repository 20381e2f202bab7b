// Benchmark and evaluation reproduction for the migration algorithms of
// thesis ch. 7 (issue 7).
//
//   migration_bench opt        OPT's running time against its bound
//                              O(n³ + n²·Σ|σ_t|) (Theorem 7.3.1), for 130
//                              nodes × 400 rounds and a 1000-node substrate,
//                              against a naive OPT without the all-pairs tables
//   migration_bench reproduce  the evaluation of thesis 7.5 (Figs. 7.1-7.6)
//                              and the Rocketfuel runs, as markdown tables;
//                              with --out DIR also PNG plots (gnuplot)
//   migration_bench all        both
//
// Options: --out DIR (plots), --rocketfuel DIR (Rocketfuel maps, default the
// shared topologies folder), --quick (fewer runs, for a smoke test).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "migration/experiment.h"
#include "migration/opt.h"
#include "migration/plot.h"
#include "migration/requests.h"

namespace mig = cloudnet::migration;

namespace {

struct Config {
  std::string out;
  std::string rocketfuel;
  bool quick = false;
};

double seconds_of(const std::function<void()>& f, int repeat = 1) {
  std::vector<double> times;
  for (int i = 0; i < repeat; ++i) {
    const auto began = std::chrono::steady_clock::now();
    f();
    times.push_back(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count());
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];  // median
}

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "migration_bench: %s\n", what.c_str());
  std::exit(1);
}

template <class T>
T need(cloudnet::Result<T> r, const std::string& what) {
  if (!r) die(what + ": " + r.error().message);
  return std::move(r).value();
}

// ---------------------------------------------------------------- OPT timing

struct OptInstance {
  std::shared_ptr<const mig::CostModel> costs;
  mig::Trace trace;
  mig::NodeId start = 0;
  long long requests = 0;
  int active_rounds = 0;
};

OptInstance opt_instance(int nodes, int rounds, mig::MigrationCostMode mode, double* build_s) {
  mig::ZonedGraphParams g;
  g.nodes = nodes;
  g.seed = 42;
  mig::Substrate s = need(mig::zoned_erdos_renyi(g), "substrate");
  mig::TimeZoneParams tz;
  tz.rounds = rounds;
  tz.p = 0.6;
  tz.seed = 42;
  OptInstance inst;
  inst.trace = need(mig::time_zone_trace(s, tz), "trace");
  mig::CostParams p;
  p.mode = mode;
  *build_s = seconds_of([&] { inst.costs = need(mig::CostModel::build(s, p), "costs"); });
  inst.start = mig::weighted_center(*inst.costs);
  for (const auto& r : inst.trace) {
    inst.requests += static_cast<long long>(r.size());
    inst.active_rounds += r.empty() ? 0 : 1;
  }
  return inst;
}

void bench_opt(const Config& cfg) {
  std::printf("## OPT running time (thesis Theorem 7.3.1: O(n^3 + n^2 * sum|sigma_t|))\n\n");
  std::printf(
      "Zoned Erdős–Rényi substrates (8 zones, mesh), time-zone requests (p = 0.6, lambda = 1, "
      "n/5 requests per round). `tables` = all-pairs latencies and migration costs (n Dijkstra "
      "runs, plus n widest-path runs in bottleneck mode); `DP` = the dynamic program with "
      "argmin pointers and recovery; `naive` = the same recursion recomputing every access "
      "and migration cost of a round by graph searches from each candidate node "
      "(`solve_opt_naive`). Naive times marked * are extrapolated linearly from the first "
      "rounds. Times are medians.\n\n");
  std::printf(
      "| nodes | rounds | sum sigma | mode | tables [s] | DP [s] | OPT total [s] | naive [s] | "
      "naive / OPT | DP ns per n^2 round | OPT ns per (n^3 + n^2 sum sigma) |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|---|\n");
  struct Case {
    int nodes;
    int rounds;
    mig::MigrationCostMode mode;
    int naive_rounds;  // rounds the naive OPT really runs (extrapolated beyond)
  };
  std::vector<Case> cases = {
      {130, 400, mig::MigrationCostMode::kConstant, 400},
      {130, 400, mig::MigrationCostMode::kBottleneck, 400},
      {250, 400, mig::MigrationCostMode::kConstant, 100},
      {500, 400, mig::MigrationCostMode::kConstant, 20},
      {1000, 400, mig::MigrationCostMode::kConstant, 5},
      {1000, 400, mig::MigrationCostMode::kBottleneck, 5},
  };
  if (cfg.quick) cases.resize(2);
  for (const Case& c : cases) {
    double build_s = 0;
    const OptInstance inst = opt_instance(c.nodes, c.rounds, c.mode, &build_s);
    double cost = 0;
    const double dp_s = seconds_of(
        [&] { cost = need(mig::solve_opt(*inst.costs, inst.start, inst.trace), "opt").cost; },
        c.nodes <= 250 ? 5 : 3);
    const mig::Trace prefix(inst.trace.begin(), inst.trace.begin() + c.naive_rounds);
    double naive_cost = 0;
    const double naive_part = seconds_of([&] {
      naive_cost = need(mig::solve_opt_naive(*inst.costs, inst.start, prefix), "naive").cost;
    });
    if (c.naive_rounds == c.rounds && std::abs(naive_cost - cost) > 1e-6 * cost) {
      die("naive and table OPT disagree");
    }
    const double naive_s = naive_part * c.rounds / c.naive_rounds;
    const double n = c.nodes;
    const double bound = n * n * n + n * n * static_cast<double>(inst.requests);
    const double total = build_s + dp_s;
    std::printf("| %d | %d | %lld | %s | %.3f | %.3f | %.3f | %.2f%s | %.0f | %.2f | %.3f |\n",
                c.nodes, c.rounds, inst.requests,
                c.mode == mig::MigrationCostMode::kConstant ? "constant" : "bottleneck", build_s,
                dp_s, total, naive_s, c.naive_rounds < c.rounds ? "*" : "", naive_s / total,
                dp_s * 1e9 / (n * n * inst.active_rounds), total * 1e9 / bound);
    std::fflush(stdout);
  }
  std::printf("\n");
}

// ------------------------------------------------------------- reproduction

const std::vector<double> kAllP = {0, 0.2, 0.4, 0.6, 0.8, 1};

mig::ScenarioParams base(const Config& cfg) {
  mig::ScenarioParams p;  // thesis 7.5.2 defaults: 400 rounds, k = 16, c = 1, x = 3
  p.runs = cfg.quick ? 1 : 5;
  p.algorithms = {"mix", "cen", "stat", "timm"};
  return p;
}

mig::ScenarioParams multi(const Config& cfg, int pips = 8) {
  mig::ScenarioParams p = base(cfg);
  p.graph.layout = mig::ZonedGraphParams::Layout::kRing;
  p.graph.pips = pips;
  p.algorithms = {"mix_k", "cen_k", "mix", "cen", "stat", "timm"};
  return p;
}

struct Sweep {
  std::string param;
  std::vector<double> values;
  std::vector<mig::ScenarioResult> results;
};

Sweep sweep(const mig::ScenarioParams& p, const std::string& param,
            const std::vector<double>& values, const std::vector<double>& p_avg) {
  Sweep s{param, values, {}};
  for (double v : values) {
    mig::ScenarioParams one = p;
    if (auto st = mig::set_parameter(one, param, v); !st) die(st.error().message);
    s.results.push_back(need(mig::run_scenario_over_p(one, p_avg), param));
  }
  return s;
}

const mig::AlgorithmStats& stat_of(const mig::ScenarioResult& r, const std::string& name) {
  for (const auto& a : r.algorithms) {
    if (a.name == name) return a;
  }
  die("no result for " + name);
}

void print_ratio_table(const std::string& title, const Sweep& s,
                       const std::vector<std::string>& algos) {
  const bool nodes = s.param == "nodes";  // no second node column then
  std::printf("### %s\n\n| %s |%s OPT cost |", title.c_str(), s.param.c_str(),
              nodes ? "" : " nodes |");
  for (const auto& a : algos) std::printf(" %s |", a.c_str());
  std::printf("\n|---|%s---|", nodes ? "" : "---|");
  for (std::size_t i = 0; i < algos.size(); ++i) std::printf("---|");
  std::printf("\n");
  for (std::size_t i = 0; i < s.values.size(); ++i) {
    std::printf("| %g |", s.values[i]);
    if (!nodes) std::printf(" %d |", s.results[i].nodes);
    std::printf(" %.0f |", stat_of(s.results[i], "opt").total);
    for (const auto& a : algos) std::printf(" %.3f |", stat_of(s.results[i], a).ratio);
    std::printf("\n");
  }
  std::printf("\n");
  std::fflush(stdout);
}

void plot(const Config& cfg, const std::string& file, const std::string& title,
          const std::string& xlabel, const std::string& ylabel,
          const std::vector<mig::PlotSeries>& series) {
  if (cfg.out.empty()) return;
  mig::PlotSpec spec{title, xlabel, ylabel, series, false};
  if (auto st = mig::write_png_plot(spec, cfg.out + "/" + file); !st) die(st.error().message);
}

std::vector<mig::PlotSeries> ratio_series(const Sweep& s, const std::vector<std::string>& algos,
                                          const std::string& suffix = "") {
  std::vector<mig::PlotSeries> out;
  for (const auto& a : algos) {
    mig::PlotSeries series{a + suffix, s.values, {}};
    for (const auto& r : s.results) series.y.push_back(stat_of(r, a).ratio);
    out.push_back(std::move(series));
  }
  return out;
}

void fig_7_1(const Config& cfg) {
  const std::vector<std::string> algos = {"mix", "cen", "stat", "timm"};
  const std::vector<double> sizes = {30, 50, 70, 90, 110, 130};
  for (double lambda : {1.0, 10.0}) {
    mig::ScenarioParams p = base(cfg);
    p.requests.lambda = lambda;
    const Sweep s = sweep(p, "nodes", sizes, kAllP);
    const std::string tag = lambda == 1 ? "a" : "b";
    print_ratio_table("Fig. 7.1(" + tag + "): ratio by network size, lambda = " +
                          std::to_string(static_cast<int>(lambda)) + ", averaged over p",
                      s, algos);
    plot(cfg, "migration-fig7-1" + tag + ".png",
         "Fig. 7.1(" + tag + "): lambda = " + std::to_string(static_cast<int>(lambda)) +
             ", averaged over p",
         "network size (nodes)", "competitive ratio", ratio_series(s, algos));
  }
}

void fig_7_2(const Config& cfg) {
  const std::vector<double> lambdas = {1, 2, 5, 10, 20, 50};
  std::vector<mig::PlotSeries> cen, timm;
  for (double n : {30.0, 80.0, 130.0}) {
    mig::ScenarioParams p = base(cfg);
    p.graph.nodes = static_cast<int>(n);
    p.requests.p = 0.6;
    const Sweep s = sweep(p, "lambda", lambdas, {});
    print_ratio_table(
        "Fig. 7.2: ratio by lambda, p = 0.6, " + std::to_string(static_cast<int>(n)) + " nodes", s,
        {"mix", "cen", "stat", "timm"});
    const std::string suffix = " n=" + std::to_string(static_cast<int>(n));
    cen.push_back(ratio_series(s, {"cen"}, suffix).front());
    timm.push_back(ratio_series(s, {"timm"}, suffix).front());
  }
  plot(cfg, "migration-fig7-2a.png", "Fig. 7.2(a): CEN, p = 0.6", "lambda", "competitive ratio",
       cen);
  plot(cfg, "migration-fig7-2b.png", "Fig. 7.2(b): TIMM, p = 0.6", "lambda", "competitive ratio",
       timm);
}

void fig_7_3(const Config& cfg) {
  const std::vector<std::string> algos = {"mix", "cen", "stat", "timm"};
  for (double lambda : {1.0, 10.0}) {
    mig::ScenarioParams p = base(cfg);
    p.graph.nodes = 130;
    p.requests.lambda = lambda;
    const Sweep s = sweep(p, "p", kAllP, {});
    const std::string tag = lambda == 1 ? "a" : "b";
    print_ratio_table("Fig. 7.3(" + tag + "): ratio by p, 130 nodes, lambda = " +
                          std::to_string(static_cast<int>(lambda)),
                      s, algos);
    // Migrations show where CEN/MIX imitate STAT.
    std::printf("migrations per run (CEN / MIX / TIMM / OPT):");
    for (const auto& r : s.results) {
      std::printf(" %.1f/%.1f/%.0f/%.1f", stat_of(r, "cen").migrations,
                  stat_of(r, "mix").migrations, stat_of(r, "timm").migrations,
                  stat_of(r, "opt").migrations);
    }
    std::printf("\n\n");
    plot(cfg, "migration-fig7-3" + tag + ".png",
         "Fig. 7.3(" + tag + "): 130 nodes, lambda = " + std::to_string(static_cast<int>(lambda)),
         "p (fraction of requests from the current zone)", "competitive ratio",
         ratio_series(s, algos));
  }
}

void fig_7_4_and_7_5(const Config& cfg) {
  const std::vector<std::string> algos = {"mix_k", "cen_k", "mix", "cen", "stat", "timm"};
  const std::vector<double> pip_sizes = {4, 6, 8, 10, 12, 14, 16};
  const Sweep m = sweep(multi(cfg), "pip-size", pip_sizes, kAllP);
  print_ratio_table(
      "Fig. 7.4: multi-PIP ratio by PIP size (8 PIPs in a ring, x = 3, lambda = 1), "
      "averaged over p",
      m, algos);
  plot(cfg, "migration-fig7-4.png", "Fig. 7.4: 8 PIPs, x = 3, lambda = 1, averaged over p",
       "PIP size (nodes per PIP)", "competitive ratio", ratio_series(m, algos));

  mig::ScenarioParams single = base(cfg);
  single.algorithms = {"mix", "cen", "stat", "timm"};
  const Sweep s = sweep(single, "pip-size", pip_sizes, kAllP);
  std::printf(
      "### Fig. 7.5: cost multi-PIP / single-PIP by PIP size (same node count), averaged over p\n\n"
      "| PIP size | nodes | OPT | CEN_k/CEN | MIX_k/MIX | STAT | TIMM | OPT multi: access share |\n"
      "|---|---|---|---|---|---|---|---|\n");
  std::vector<mig::PlotSeries> series = {{"opt", pip_sizes, {}},
                                         {"cen_k / cen", pip_sizes, {}},
                                         {"mix_k / mix", pip_sizes, {}},
                                         {"stat", pip_sizes, {}},
                                         {"timm", pip_sizes, {}}};
  for (std::size_t i = 0; i < pip_sizes.size(); ++i) {
    const auto& mr = m.results[i];
    const auto& sr = s.results[i];
    const double v[5] = {stat_of(mr, "opt").total / stat_of(sr, "opt").total,
                         stat_of(mr, "cen_k").total / stat_of(sr, "cen").total,
                         stat_of(mr, "mix_k").total / stat_of(sr, "mix").total,
                         stat_of(mr, "stat").total / stat_of(sr, "stat").total,
                         stat_of(mr, "timm").total / stat_of(sr, "timm").total};
    for (int k = 0; k < 5; ++k) series[k].y.push_back(v[k]);
    std::printf("| %g | %d | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f |\n", pip_sizes[i], mr.nodes,
                v[0], v[1], v[2], v[3], v[4], stat_of(mr, "opt").access / stat_of(mr, "opt").total);
  }
  std::printf("\n");
  plot(cfg, "migration-fig7-5.png", "Fig. 7.5: cost multi-PIP / single-PIP, averaged over p",
       "PIP size (nodes per PIP)", "cost ratio multi / single", series);
}

void fig_7_6(const Config& cfg) {
  const std::vector<std::string> algos = {"mix_k", "cen_k", "stat", "timm"};
  {
    std::vector<mig::PlotSeries> cen, timm;
    for (double size : {6.0, 16.0}) {
      mig::ScenarioParams p = multi(cfg);
      p.graph.nodes = static_cast<int>(size) * 8;
      const Sweep s = sweep(p, "p", kAllP, {});
      print_ratio_table("Fig. 7.6(a): multi-PIP ratio by p, PIP size " +
                            std::to_string(static_cast<int>(size)) + ", lambda = 1",
                        s, algos);
      const std::string suffix = " size " + std::to_string(static_cast<int>(size));
      cen.push_back(ratio_series(s, {"cen_k"}, suffix).front());
      timm.push_back(ratio_series(s, {"timm"}, suffix).front());
    }
    cen.insert(cen.end(), timm.begin(), timm.end());
    plot(cfg, "migration-fig7-6a.png", "Fig. 7.6(a): 8 PIPs, lambda = 1", "p", "competitive ratio",
         cen);
  }
  {
    mig::ScenarioParams p = multi(cfg);
    p.graph.nodes = 128;
    p.requests.p = 0.6;
    const Sweep s = sweep(p, "lambda", {1, 2, 5, 10, 20, 50}, {});
    print_ratio_table("Fig. 7.6(b): multi-PIP ratio by lambda, p = 0.6, 128 nodes", s, algos);
    plot(cfg, "migration-fig7-6b.png", "Fig. 7.6(b): 8 PIPs, 128 nodes, p = 0.6", "lambda",
         "competitive ratio", ratio_series(s, algos));
  }
  {
    mig::ScenarioParams p = multi(cfg);
    p.graph.nodes = 128;
    p.requests.p = 0.6;
    const Sweep s = sweep(p, "x", {1, 2, 3, 5, 8}, {});
    print_ratio_table("Fig. 7.6(c): multi-PIP ratio by x = pi/beta, p = 0.6, 128 nodes", s, algos);
    plot(cfg, "migration-fig7-6c.png", "Fig. 7.6(c): 8 PIPs, 128 nodes, p = 0.6", "x = pi / beta",
         "competitive ratio", ratio_series(s, algos));
  }
  {
    mig::ScenarioParams p = multi(cfg);
    p.graph.nodes = 128;
    p.requests.p = 0.6;
    const Sweep s = sweep(p, "pips", {2, 4, 8}, {});
    print_ratio_table(
        "Fig. 7.6(d): ratio by number of PIPs (8 zones round-robin), p = 0.6, "
        "128 nodes",
        s, algos);
    plot(cfg, "migration-fig7-6d.png", "Fig. 7.6(d): 128 nodes, p = 0.6", "PIPs",
         "competitive ratio", ratio_series(s, algos));
  }
}

void rocketfuel(const Config& cfg) {
  const std::vector<std::string> ases = {"1221", "1239", "1755", "3257", "3967", "6461"};
  struct Variant {
    std::string name;
    bool zone_weights;
    double beta;
  };
  const std::vector<Variant> variants = {
      {"latencies (ms), beta = size / mean bandwidth", false, 0},
      {"latencies (ms), beta = 500", false, 500},
      {"zone weighting of 7.5.2 (1 within, 100 between zones)", true, 0},
  };
  std::printf(
      "### Rocketfuel maps (connected variants), 8 zones by latency clustering, 100 rounds, "
      "%s runs per p, averaged over p in {0, 0.2, ..., 1}, lambda = 1\n\n"
      "ratio = mean ALG cost / mean OPT cost, as the thesis computes it for AS7018; in brackets "
      "the mean of per-run ratios.\n\n",
      cfg.quick ? "2" : "50");
  for (const Variant& v : variants) {
    std::printf(
        "#### %s\n\n| AS | nodes | OPT cost | MIX | CEN | STAT | TIMM | OPT migr. | CEN migr. |\n"
        "|---|---|---|---|---|---|---|---|---|\n",
        v.name.c_str());
    for (const auto& as : ases) {
      mig::ScenarioParams p = base(cfg);
      p.substrate_path = cfg.rocketfuel + "/" + as + "/latencies.intra";
      p.zone_weights = v.zone_weights;
      p.costs.beta = v.beta;
      p.requests.rounds = 100;
      p.runs = cfg.quick ? 2 : 50;
      const auto r = need(mig::run_scenario_over_p(p, kAllP), "AS" + as);
      const double opt = stat_of(r, "opt").total;
      std::printf("| %s | %d | %.0f |", as.c_str(), r.nodes, opt);
      for (const char* a : {"mix", "cen", "stat", "timm"}) {
        std::printf(" %.2f (%.2f) |", stat_of(r, a).total / opt, stat_of(r, a).ratio);
      }
      std::printf(" %.1f | %.1f |\n", stat_of(r, "opt").migrations, stat_of(r, "cen").migrations);
      std::fflush(stdout);
    }
    std::printf("\n");
  }
}

void reproduce(const Config& cfg) {
  std::printf("## Evaluation of thesis 7.5 (%s)\n\n", cfg.quick ? "quick" : "5 runs per point");
  fig_7_1(cfg);
  fig_7_2(cfg);
  fig_7_3(cfg);
  fig_7_4_and_7_5(cfg);
  fig_7_6(cfg);
  rocketfuel(cfg);
}

}  // namespace

int main(int argc, char** argv) {
  Config cfg;
#ifdef CLOUDNET_SHARED_DIR
  cfg.rocketfuel = std::string(CLOUDNET_SHARED_DIR) + "/topologies/rocketfuel";
#endif
  std::string mode = "all";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--out" && i + 1 < argc) {
      cfg.out = argv[++i];
    } else if (a == "--rocketfuel" && i + 1 < argc) {
      cfg.rocketfuel = argv[++i];
    } else if (a == "--quick") {
      cfg.quick = true;
    } else if (a == "opt" || a == "reproduce" || a == "all") {
      mode = a;
    } else {
      std::fprintf(stderr,
                   "usage: migration_bench [opt|reproduce|all] [--out DIR] [--rocketfuel DIR] "
                   "[--quick]\n");
      return 2;
    }
  }
  if (!cfg.out.empty()) std::filesystem::create_directories(cfg.out);
  if (mode == "opt" || mode == "all") bench_opt(cfg);
  if (mode == "reproduce" || mode == "all") reproduce(cfg);
  return 0;
}
