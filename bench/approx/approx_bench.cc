// The approximations of thesis ch. 6 measured the way the thesis measured
// them, with CBC instead of CPLEX:
//
//   approx_bench [--quick] [--reps N] [--time-limit S] [--seed N] [--as AS]
//                [--substrate N] [--vnets N] [--only LETTERS] [--log-level N]
//
//   --quick         about two minutes: fewer repetitions and sizes
//   --reps N        repetitions of (a) per capacity setting (default 4)
//   --time-limit S  per-solve limit (default 10 s; 4 s with --quick). The
//                   thesis aborted a whole test run after 30 min of CPLEX.
//   --seed N        base seed (default 1)
//   --as AS         Rocketfuel map for (a) (default 1755, EBONE; the
//                   connected `<AS>/` variant of ../shared/topologies)
//   --substrate N   routers of the (a) substrate (default 12)
//   --vnets N       VNet requests per run of (a) (default 8)
//   --only L        experiments by letter: a, b (default both)
//
// (a) Iterative placement, thesis 6.4.3 / Figure 6.12. A connected
//     Rocketfuel subgraph is filled with VNets of 3-15 nodes (uniform),
//     topologies line, star, ring, binary tree (grown by random descent, as
//     the thesis describes) or ring with extra links (each further pair with
//     probability 0.1), accepted greedily whenever they can be supported.
//     Capacity settings 3n_1l, 3n_2l, 3n_5l: a substrate node hosts 3 virtual
//     nodes, a substrate link carries 1, 2 or 5 virtual links (every virtual
//     element demands 1 unit). Objective: resource minimisation (kMinCost,
//     6.1.1), flows splittable, co-location allowed. Variants:
//       unmodified   every accepted VNet is re-mapped together with the new
//                    one (migration allowed, 6.4.3 "Unmodified");
//       no-migration the new VNet alone on the residual substrate;
//       deltagap     as unmodified, stopped by the DeltaGAP rule (6.2.4;
//                    dt = 5x the time to the first solution, as in 6.4.3);
//       clustering   the new VNet alone, in a cluster chosen by the 6.4.2
//                    rules (k-clustering x = 2, y = 10; mapping/clustering.h);
//       two-step     the new VNet alone, placement first, then flows (6.3.1);
//       fast         the new VNet alone with our fast embedder (mapping/fast.h).
//     A solve that hits the time limit without a mapping counts as a
//     rejection ("aborted"), as in the thesis. Reported: hosted virtual nodes
//     (the thesis's quality measure), accepted VNets, virtual nodes moved,
//     solver seconds per run and the longest single solve; ratios against
//     unmodified (the in-run baseline).
// (b) Solver approximations, thesis 6.2.2-6.2.4 (Figures 6.6-6.8): a line
//     VNet on a 15-node line substrate and a ring on a ring, 3n_30l, sizes
//     growing. Variants: plain (capped at --time-limit x 3), a time limit of
//     (|V_s| + |V_vnr| + |E_s| + |E_vnr|) x 0.1 s (the thesis's rule in
//     seconds, scaled by 0.1 for this machine), relative GAP 0.1, DeltaGAP
//     (dt = 10x the time to the first solution, 6.2.4). Reported: seconds,
//     status and the quality Q of eq. 6.3 (mapping/objective.h); ratios
//     against plain.
//
// Every mapping goes through mapping::check(); a violation aborts.
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "bench_graph.h"
#include "mapping/checker.h"
#include "mapping/clustering.h"
#include "mapping/engine.h"
#include "mapping/fast.h"
#include "mapping/objective.h"
#include "mapping/random_instance.h"
#include "mapping/two_step.h"
#include "mapping/usage.h"

namespace mp = cloudnet::mapping;
using cloudnet::bench::at;
using cloudnet::bench::die;
using cloudnet::bench::Graph;
using cloudnet::bench::name;
using cloudnet::bench::Rng;

namespace {

constexpr const char* kCpu = "/node/cpu";
constexpr const char* kBw = "/link/symmetric/bandwidth";

struct Config {
  bool quick = false;
  int reps = -1;
  double time_limit = -1;
  std::uint64_t seed = 1;
  std::string as = "1755";
  int substrate = 12;
  int vnets = 8;
  std::string only;
  int log_level = 0;
  bool runs(char e) const { return only.empty() || only.find(e) != std::string::npos; }
};

// ------------------------------------------------------------- topologies

Graph empty_graph(int n) {
  Graph g;
  for (int i = 0; i < n; ++i) g.names.push_back(name("v", at(i)));
  g.adj.assign(at(n), {});
  return g;
}

Graph line(int n) {
  Graph g = empty_graph(n);
  for (int i = 0; i + 1 < n; ++i) g.add_edge(i, i + 1);
  return g;
}

Graph ring(int n) {
  Graph g = line(n);
  if (n > 2) g.add_edge(n - 1, 0);
  return g;
}

Graph star(int n) {
  Graph g = empty_graph(n);
  for (int i = 1; i < n; ++i) g.add_edge(0, i);
  return g;
}

// Thesis 6.4.3: "traversing the partially created tree, choosing edges at
// random and adding new VNode when attempting to traverse a non-existing
// edge".
Graph binary_tree(int n, Rng& rng) {
  Graph g = empty_graph(1);
  std::vector<std::array<int, 2>> child(1, {-1, -1});
  while (g.size() < n) {
    int v = 0;
    for (;;) {
      const int side = rng.uniform(0, 1);
      if (child[at(v)][at(side)] < 0) {
        const int w = g.size();
        g.names.push_back(name("v", at(w)));
        g.adj.emplace_back();
        child.push_back({-1, -1});
        child[at(v)][at(side)] = w;
        g.add_edge(v, w);
        break;
      }
      v = child[at(v)][at(side)];
    }
  }
  return g;
}

Graph ring_plus(int n, Rng& rng) {
  Graph g = ring(n);
  for (int i = 0; i < n; ++i)
    for (int j = i + 2; j < n; ++j)
      if (!(i == 0 && j == n - 1) && rng.unit() < 0.1) g.add_edge(i, j);
  return g;
}

Graph random_vnet(int n, Rng& rng) {
  switch (rng.uniform(0, 4)) {
    case 0: return line(n);
    case 1: return star(n);
    case 2: return ring(n);
    case 3: return binary_tree(n, rng);
    default: return ring_plus(n, rng);
  }
}

// ------------------------------------------------------------- problems

// A substrate with `node_cap` units per node and `link_cap` per link.
mp::Problem substrate_problem(const Graph& g, double node_cap, double link_cap) {
  mp::Problem p;
  std::vector<int> node;
  for (int i = 0; i < g.size(); ++i) {
    const std::string id = name("n", at(i));
    node.push_back(mp::add_substrate_node(p, id));
    mp::add_substrate_resource(p, id + "cpu", kCpu, node_cap, {node.back()});
  }
  for (std::size_t j = 0; j < g.edges.size(); ++j) {
    const std::string id = name("l", j);
    const int e =
        mp::add_substrate_link(p, id, {node[at(g.edges[j].first)], node[at(g.edges[j].second)]});
    mp::add_bandwidth(p, id + "bw", e, link_cap);
  }
  p.options.objective = mp::Objective::kMinCost;  // thesis 6.1.1
  mp::finalize(p);
  return p;
}

// `base` plus the VNets, every virtual element demanding 1 unit; `used`
// per substrate resource (empty = as in base).
mp::Problem with_vnets(const mp::Problem& base, const std::vector<const Graph*>& vnets,
                       const std::vector<double>& used = {}) {
  mp::Problem p = base;
  for (std::size_t i = 0; i < used.size(); ++i) p.substrate_resources[i].used = used[i];
  for (std::size_t k = 0; k < vnets.size(); ++k) {
    const Graph& v = *vnets[k];
    const int first = static_cast<int>(p.nodes.size());
    const std::string tag = name("r", k, "v");
    for (int i = 0; i < v.size(); ++i)
      mp::add_virtual_node(p, tag + std::to_string(i), {mp::make_demand("cpu", kCpu, 1)});
    for (std::size_t j = 0; j < v.edges.size(); ++j)
      mp::add_virtual_link(p, tag + name("l", j),
                           {first + v.edges[j].first, first + v.edges[j].second},
                           mp::make_demand("bw", kBw, 1));
  }
  // finalize() sizes suitability etc. for the new virtual elements.
  p.node_suitable.clear();
  p.node_weight.clear();
  p.link_allowed.clear();
  p.demand_hosts.clear();
  mp::finalize(p);
  return p;
}

void verify(const mp::Problem& p, const mp::MappingResult& r, const std::string& what) {
  if (!r.has_solution()) return;
  const mp::CheckReport rep = mp::check(p, r.solution);
  if (!rep.ok()) die(what + " produced a mapping that fails the checker:\n" + rep.format());
}

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// ------------------------------------------------------------- (a)

enum class Variant { kUnmodified, kNoMigration, kDeltaGap, kClustering, kTwoStep, kFast };
const char* variant_name(Variant v) {
  switch (v) {
    case Variant::kUnmodified: return "unmodified";
    case Variant::kNoMigration: return "no-migration";
    case Variant::kDeltaGap: return "deltagap";
    case Variant::kClustering: return "clustering";
    case Variant::kTwoStep: return "two-step";
    case Variant::kFast: return "fast";
  }
  return "?";
}

struct RunStats {
  double hosted = 0, accepted = 0, moved = 0, seconds = 0, longest = 0, aborted = 0;
};

mp::SolveSettings settings(const Config& cfg, double time_limit) {
  mp::SolveSettings s;
  s.time_limit_s = time_limit;
  s.relative_gap = 1e-4;
  s.log_level = cfg.log_level;
  return s;
}

RunStats iterative_run(const Config& cfg, const mp::Problem& base, const std::vector<Graph>& reqs,
                       Variant variant, double time_limit) {
  RunStats st;
  std::vector<const Graph*> accepted;
  std::vector<int> hosts;  // per virtual node of `accepted`, in order
  std::vector<double> used(base.substrate_resources.size(), 0);
  const bool joint = variant == Variant::kUnmodified || variant == Variant::kDeltaGap;
  for (std::size_t k = 0; k < reqs.size(); ++k) {
    mp::Problem p;
    if (joint) {
      std::vector<const Graph*> all = accepted;
      all.push_back(&reqs[k]);
      p = with_vnets(base, all);
    } else {
      p = with_vnets(base, {&reqs[k]}, used);
    }
    mp::SolveSettings ss = settings(cfg, time_limit);
    mp::MappingResult r;
    const double t0 = now_s();
    switch (variant) {
      case Variant::kUnmodified:
      case Variant::kNoMigration: r = mp::solve_mip(p, ss); break;
      case Variant::kDeltaGap:
        ss.delta_gap = mp::DeltaGap{};
        ss.delta_gap->window_factor = 5;  // thesis 6.4.3
        r = mp::solve_mip(p, ss);
        break;
      case Variant::kClustering: r = mp::solve_clustered(p, mp::ClusterOptions{}, ss); break;
      case Variant::kTwoStep: r = mp::solve_two_step(p, ss); break;
      case Variant::kFast: r = mp::solve_fast(p); break;
    }
    const double dt = now_s() - t0;
    st.seconds += dt;
    st.longest = std::max(st.longest, dt);
    verify(p, r, variant_name(variant));
    if (!r.has_solution()) {
      if (r.status == mp::Status::kNoSolution) ++st.aborted;
      continue;
    }
    ++st.accepted;
    st.hosted += reqs[k].size();
    if (joint) {
      // Virtual nodes of earlier VNets whose host changed were migrated.
      for (std::size_t u = 0; u < hosts.size(); ++u)
        if (r.solution.node_host[u] != hosts[u]) ++st.moved;
      hosts = r.solution.node_host;
    } else {
      const mp::Usage use = mp::compute_usage(p, r.solution);
      for (std::size_t i = 0; i < used.size(); ++i) used[i] += use.resource_use[i];
    }
    accepted.push_back(&reqs[k]);
  }
  return st;
}

void experiment_a(const Config& cfg) {
  const int reps = cfg.reps > 0 ? cfg.reps : (cfg.quick ? 2 : 4);
  const double tl = cfg.time_limit > 0 ? cfg.time_limit : (cfg.quick ? 4 : 10);
  const Graph map = cloudnet::bench::load_rocketfuel(
      std::string(CLOUDNET_SHARED_DIR) + "/topologies/rocketfuel", cfg.as);
  std::printf(
      "## (a) iterative placement, thesis 6.4.3 / Figure 6.12\n\nRocketfuel AS %s, %d-router "
      "subgraphs, %d VNets of 3-15 nodes per run, %d runs per setting, %.0f s per solve\n\n",
      cfg.as.c_str(), cfg.substrate, cfg.vnets, reps, tl);
  const std::vector<Variant> variants = {Variant::kUnmodified, Variant::kNoMigration,
                                         Variant::kDeltaGap,   Variant::kClustering,
                                         Variant::kTwoStep,    Variant::kFast};
  for (const int links : {1, 2, 5}) {
    std::map<Variant, RunStats> sum;
    for (int rep = 0; rep < reps; ++rep) {
      Rng rng(cfg.seed * 1000 + static_cast<std::uint64_t>(rep));
      const Graph sub = cloudnet::bench::random_connected_subgraph(map, cfg.substrate, rng);
      const mp::Problem base = substrate_problem(sub, 3, links);
      std::vector<Graph> reqs;
      for (int k = 0; k < cfg.vnets; ++k) reqs.push_back(random_vnet(rng.uniform(3, 15), rng));
      for (const Variant v : variants) {
        const RunStats s = iterative_run(cfg, base, reqs, v, tl);
        RunStats& t = sum[v];
        t.hosted += s.hosted;
        t.accepted += s.accepted;
        t.moved += s.moved;
        t.seconds += s.seconds;
        t.longest = std::max(t.longest, s.longest);
        t.aborted += s.aborted;
      }
    }
    std::printf(
        "### 3n_%dl (capacity: %d virtual nodes per substrate node, %d virtual links per substrate "
        "link)\n\n",
        links, 3, links);
    std::printf(
        "| variant | hosted VNodes | accepted VNets | VNodes moved | solver s per run | longest "
        "solve s | aborted | hosted / unmodified | time / unmodified |\n");
    std::printf("|---|---|---|---|---|---|---|---|---|\n");
    const RunStats& ref = sum[Variant::kUnmodified];
    for (const Variant v : variants) {
      const RunStats& s = sum[v];
      std::printf("| %s | %.1f | %.1f | %.1f | %.2f | %.2f | %.0f | %.3f | %.3f |\n",
                  variant_name(v), s.hosted / reps, s.accepted / reps, s.moved / reps,
                  s.seconds / reps, s.longest, s.aborted, s.hosted / std::max(1e-9, ref.hosted),
                  s.seconds / std::max(1e-9, ref.seconds));
    }
    std::printf("\n");
    std::fflush(stdout);
  }
}

// ------------------------------------------------------------- (b)

void experiment_b(const Config& cfg) {
  const double cap = (cfg.time_limit > 0 ? cfg.time_limit : (cfg.quick ? 4 : 10)) * 3;
  const std::vector<int> sizes =
      cfg.quick ? std::vector<int>{4, 8, 12} : std::vector<int>{4, 8, 12, 16, 20, 24};
  std::printf(
      "## (b) solver approximations, thesis 6.2.2-6.2.4 (Figures 6.6-6.8)\n\n15-node substrate, "
      "3n_30l, plain capped at %.0f s\n\n",
      cap);
  struct Case {
    const char* name;
    Graph (*topo)(int);
  };
  for (const Case c : {Case{"line on line", line}, Case{"ring on ring", ring}}) {
    const Graph sub = c.topo(15);
    const mp::Problem base = substrate_problem(sub, 3, 30);
    std::printf("### %s\n\n", c.name);
    std::printf(
        "| VNodes | plain s | plain Q | limit s | limit: s | limit: Q | gap 0.1: s | gap 0.1: Q | "
        "deltagap: s | deltagap: Q | time ratio limit / gap / deltagap vs plain |\n");
    std::printf("|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (const int n : sizes) {
      const Graph v = c.topo(n);
      const mp::Problem p = with_vnets(base, {&v});
      const double rule = 0.1 * (sub.size() + v.size() + static_cast<double>(sub.edges.size()) +
                                 static_cast<double>(v.edges.size()));
      auto run = [&](const char* what, mp::SolveSettings ss) {
        const double t0 = now_s();
        mp::MappingResult r = mp::solve_mip(p, ss);
        const double dt = now_s() - t0;
        verify(p, r, what);
        const double q = r.has_solution() ? mp::quality_q(p, r.solution) : NAN;
        return std::pair<double, double>{dt, q};
      };
      mp::SolveSettings plain = settings(cfg, cap);
      mp::SolveSettings limited = settings(cfg, std::min(rule, cap));
      mp::SolveSettings gap = settings(cfg, cap);
      gap.relative_gap = 0.1;
      mp::SolveSettings dg = settings(cfg, cap);
      dg.delta_gap = mp::DeltaGap{};
      dg.delta_gap->window_factor = 10;  // thesis 6.2.4
      const auto a = run("plain", plain);
      const auto b = run("time limit", limited);
      const auto g = run("gap 0.1", gap);
      const auto d = run("deltagap", dg);
      auto q = [](double x) {
        return std::isnan(x) ? std::string("-") : std::to_string(x).substr(0, 5);
      };
      std::printf(
          "| %d | %.2f | %s | %.1f | %.2f | %s | %.2f | %s | %.2f | %s | %.2f / %.2f / %.2f |\n", n,
          a.first, q(a.second).c_str(), rule, b.first, q(b.second).c_str(), g.first,
          q(g.second).c_str(), d.first, q(d.second).c_str(), b.first / a.first, g.first / a.first,
          d.first / a.first);
      std::fflush(stdout);
    }
    std::printf("\n");
  }
  std::printf(
      "Q (eq. 6.3): 1 + link resources consumed / requested; '-' = no mapping within the "
      "limit.\n\n");
}

}  // namespace

int main(int argc, char** argv) {
  cloudnet::bench::set_program_name("approx_bench");
  Config cfg;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) die("missing value after " + a);
      return argv[++i];
    };
    if (a == "--quick")
      cfg.quick = true;
    else if (a == "--reps")
      cfg.reps = std::stoi(next());
    else if (a == "--time-limit")
      cfg.time_limit = std::stod(next());
    else if (a == "--seed")
      cfg.seed = std::stoull(next());
    else if (a == "--as")
      cfg.as = next();
    else if (a == "--substrate")
      cfg.substrate = std::stoi(next());
    else if (a == "--vnets")
      cfg.vnets = std::stoi(next());
    else if (a == "--only")
      cfg.only = next();
    else if (a == "--log-level")
      cfg.log_level = std::stoi(next());
    else
      die("unknown option " + a + " (see the header of approx_bench.cc)");
  }
  if (cfg.runs('a')) experiment_a(cfg);
  if (cfg.runs('b')) experiment_b(cfg);
  return 0;
}
