// The exact MIP path: warm starts, the DeltaGAP stall rule (thesis 6.2.4),
// time limits that hold on larger substrates, and the strengthened
// formulation (FormulationOptions) against the exhaustive reference solver.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "mapping/checker.h"
#include "mapping/engine.h"
#include "mapping/exhaustive.h"
#include "mapping/fast.h"
#include "mapping/formulation.h"
#include "mapping/objective.h"
#include "mapping/random_instance.h"

namespace cloudnet::mapping {
namespace {

// Wall-clock bounds are what the time-limit tests are about; sanitized
// builds run the solvers several times slower, so their slack grows.
#if defined(__SANITIZE_ADDRESS__)
constexpr double kSlow = 4.0;
#else
constexpr double kSlow = 1.0;
#endif
// The random-instance comparisons below solve hundreds of MIPs with two
// solvers; sanitized builds (CI) run a third of them (about 9x slower per
// solve), the plain build (scripts/test.sh) all.
#if defined(__SANITIZE_ADDRESS__)
constexpr int kShare = 3;
#else
constexpr int kShare = 1;
#endif

bool close(double a, double b) {
  return std::abs(a - b) <= 1e-5 * std::max(1.0, std::abs(b));
}

std::size_t at(int i) {
  return static_cast<std::size_t>(i);
}

// prefix + i (appending avoids GCC 12's -Wrestrict false positive on
// "literal" + std::string).
std::string id(const char* prefix, int i, const char* suffix = "") {
  std::string s = prefix;
  s += std::to_string(i);
  s += suffix;
  return s;
}

// ------------------------------------------------------------ instances

// A Waxman-like substrate (as virne's WX100 data set): `n` nodes at random
// points of the unit square, an edge with probability alpha *
// exp(-d / (beta * L)), connected by a random spanning tree first; CPU and
// bandwidth uniform in [50, 100]. A request of `k` nodes (CPU 0-20) with
// random links (bandwidth 0-50, probability 0.5, connected); no_split,
// no_colocate, kMinCost: the online setting of bench/online.
Problem waxman_problem(int n, int k, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto unit = [&] { return static_cast<double>(rng() >> 11) * 0x1.0p-53; };
  auto pick = [&](int lo, int hi) { return lo + static_cast<int>(rng() % (hi - lo + 1)); };
  Problem p;
  std::vector<double> x(at(n)), y(at(n));
  std::vector<int> node(at(n));
  for (int i = 0; i < n; ++i) {
    x[at(i)] = unit();
    y[at(i)] = unit();
    node[at(i)] = add_substrate_node(p, id("n", i));
    add_substrate_resource(p, id("n", i, "cpu"), "/node/cpu", pick(50, 100), {node[at(i)]});
  }
  int links = 0;
  auto link = [&](int a, int b) {
    const int e = add_substrate_link(p, id("l", links), {node[at(a)], node[at(b)]});
    add_bandwidth(p, id("l", links, "bw"), e, pick(50, 100));
    ++links;
  };
  std::vector<std::vector<char>> has(at(n), std::vector<char>(at(n), 0));
  for (int i = 1; i < n; ++i) {
    const int j = pick(0, i - 1);
    has[at(i)][at(j)] = has[at(j)][at(i)] = 1;
    link(i, j);
  }
  for (int i = 0; i < n; ++i) {
    for (int j = i + 1; j < n; ++j) {
      if (has[at(i)][at(j)]) continue;
      const double d = std::hypot(x[at(i)] - x[at(j)], y[at(i)] - y[at(j)]);
      if (unit() < 0.5 * std::exp(-d / (0.2 * std::sqrt(2.0)))) link(i, j);
    }
  }
  std::vector<int> vnode(at(k));
  for (int i = 0; i < k; ++i)
    vnode[at(i)] = add_virtual_node(p, id("v", i), {make_demand("cpu", "/node/cpu", pick(0, 20))});
  int vlinks = 0;
  for (int i = 0; i < k; ++i) {
    for (int j = i + 1; j < k; ++j) {
      if (j == i + 1 || unit() < 0.5)
        add_virtual_link(p, id("e", vlinks++), {vnode[at(i)], vnode[at(j)]},
                         make_demand("bw", "/link/symmetric/bandwidth", pick(1, 50)));
    }
  }
  p.options.objective = Objective::kMinCost;
  p.options.no_split = true;
  p.options.no_colocate = true;
  finalize(p);
  return p;
}

// Small instances with interchangeable virtual nodes, for symmetry
// breaking: a ring or line substrate of 4-6 nodes, a star request whose
// leaves (2-3 of them) have equal demands and equal links to the centre;
// sometimes no_colocate, no_split, load balancing, a second centre.
Problem symmetric_problem(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto pick = [&](int lo, int hi) { return lo + static_cast<int>(rng() % (hi - lo + 1)); };
  Problem p;
  const int n = pick(4, 6);
  std::vector<int> node;
  for (int i = 0; i < n; ++i) {
    node.push_back(add_substrate_node(p, id("n", i)));
    add_substrate_resource(p, id("c", i), "/node/cpu", pick(2, 6), {node.back()});
  }
  const bool ring = pick(0, 1) == 1;
  for (int i = 0; i + (ring ? 0 : 1) < n; ++i) {
    const int e = add_substrate_link(p, id("l", i), {node[at(i)], node[at((i + 1) % n)]});
    add_bandwidth(p, id("l", i, "bw"), e, pick(2, 8));
  }
  if (pick(0, 1)) {  // a chord
    const int e = add_substrate_link(p, "chord", {node[0], node[at(n / 2)]});
    add_bandwidth(p, "chordbw", e, pick(2, 8));
  }
  const int centre = add_virtual_node(p, "c", {make_demand("cpu", "/node/cpu", pick(1, 3))});
  const int leaves = pick(2, 3);
  const double leaf_cpu = pick(1, 2);
  const double leaf_bw = pick(1, 3);
  for (int i = 0; i < leaves; ++i) {
    const int u = add_virtual_node(p, id("leaf", i), {make_demand("cpu", "/node/cpu", leaf_cpu)});
    add_virtual_link(p, id("e", i), {centre, u},
                     make_demand("bw", "/link/symmetric/bandwidth", leaf_bw));
  }
  if (pick(0, 2) == 0) {  // an odd one out
    const int u = add_virtual_node(p, "odd", {make_demand("cpu", "/node/cpu", leaf_cpu + 1)});
    add_virtual_link(p, "eodd", {centre, u},
                     make_demand("bw", "/link/symmetric/bandwidth", leaf_bw));
  }
  p.options.no_colocate = pick(0, 2) == 0;
  p.options.no_split = pick(0, 2) == 0;
  p.options.objective = pick(0, 1) ? Objective::kMinCost : Objective::kLoadBalance;
  finalize(p);
  // Same random weights for all leaves, different per substrate node.
  for (std::size_t v = 0; v < p.substrate.size(); ++v) {
    const double w = pick(1, 3);
    for (std::size_t u = 1; u < p.nodes.size(); ++u) p.node_weight[u][v] = w;
  }
  return p;
}

// ------------------------------------------------------------ strengthening

struct Config {
  const char* name;
  FormulationOptions options;
};

std::vector<Config> exact_configs() {
  FormulationOptions plain;
  plain.distance_cuts = false;
  plain.load_cuts = false;
  plain.host_flow_cuts = false;
  plain.symmetry_breaking = false;
  FormulationOptions host = plain, dist = plain, load = plain, sym = plain, all = plain;
  host.host_flow_cuts = true;
  dist.distance_cuts = true;
  load.load_cuts = true;
  sym.symmetry_breaking = true;
  all.host_flow_cuts = all.distance_cuts = all.load_cuts = all.symmetry_breaking = true;
  return {{"host_flow_cuts", host},
          {"distance_cuts", dist},
          {"load_cuts", load},
          {"symmetry_breaking", sym},
          {"all", all},
          {"default", FormulationOptions{}}};
}

// Every exact option, alone and together, on 300 random instances (both
// objectives, migration, shared media, groups, latency, no-split, ...) and
// both backends: the optimum equals the exhaustive one, the mapping passes
// the checker, and the exhaustive optimum itself satisfies every added row
// (only symmetry breaking may cut off a particular optimum, never all).
class StrengtheningAgainstExhaustive : public ::testing::TestWithParam<int> {};

TEST_P(StrengtheningAgainstExhaustive, OptimumUnchanged) {
  const Config cfg = exact_configs()[at(GetParam())];
  SCOPED_TRACE(cfg.name);
  int compared = 0, with_rows = 0;
  for (std::uint64_t seed = 0; seed < 300 / kShare; ++seed) {
    const Problem p = random_problem(50000 + seed);
    const MappingResult ref = solve_exhaustive(p);
    if (ref.status != Status::kOptimal && ref.status != Status::kInfeasible) continue;
    const Formulation f(p, cfg.options);
    if (f.strengthening_rows() > 0) ++with_rows;
    if (ref.status == Status::kOptimal && !cfg.options.symmetry_breaking) {
      const std::vector<double> x = f.encode(ref.solution);
      EXPECT_LE(f.model().max_violation(x), 1e-6) << "seed " << seed << ": the optimum is cut off";
    }
    for (const char* backend : {"cbc", "glpk"}) {
      SolveSettings s;
      s.solver = backend;
      s.relative_gap = 1e-9;
      s.formulation = cfg.options;
      const MappingResult mip = solve_mip(p, s);
      SCOPED_TRACE(std::string("seed ") + std::to_string(seed) + " " + backend);
      if (ref.status == Status::kInfeasible) {
        EXPECT_EQ(mip.status, Status::kInfeasible);
        continue;
      }
      ASSERT_EQ(mip.status, Status::kOptimal)
          << (mip.explanation.empty() ? "" : mip.explanation[0]);
      EXPECT_TRUE(check(p, mip.solution).ok()) << check(p, mip.solution).format();
      EXPECT_TRUE(close(mip.objective, ref.objective))
          << "MIP " << mip.objective << " vs exhaustive " << ref.objective;
      ++compared;
    }
  }
  EXPECT_GE(compared, 200 / kShare);
  if (!cfg.options.symmetry_breaking || cfg.options.distance_cuts) {
    EXPECT_GT(with_rows, 20 / kShare) << "the option hardly ever applies: the test proves little";
  }
  RecordProperty("compared", compared);
  RecordProperty("instances_with_rows", with_rows);
}

INSTANTIATE_TEST_SUITE_P(Options, StrengtheningAgainstExhaustive, ::testing::Range(0, 6),
                         [](const auto& param_info) {
                           return std::string(exact_configs()[at(param_info.param)].name);
                         });

// Symmetry breaking where it applies: interchangeable leaves of a star.
TEST(SymmetryBreaking, InterchangeableNodesKeepTheOptimum) {
  FormulationOptions sym;
  sym.symmetry_breaking = true;
  int compared = 0, broken = 0;
  for (std::uint64_t seed = 0; seed < 80 / kShare; ++seed) {
    const Problem p = symmetric_problem(seed);
    const MappingResult ref = solve_exhaustive(p);
    if (ref.status != Status::kOptimal && ref.status != Status::kInfeasible) continue;
    if (Formulation(p, sym).strengthening_rows() > 0) ++broken;
    for (const char* backend : {"cbc", "glpk"}) {
      SolveSettings s;
      s.solver = backend;
      s.relative_gap = 1e-9;
      s.formulation = sym;
      const MappingResult mip = solve_mip(p, s);
      SCOPED_TRACE(std::string("seed ") + std::to_string(seed) + " " + backend);
      if (ref.status == Status::kInfeasible) {
        EXPECT_EQ(mip.status, Status::kInfeasible);
        continue;
      }
      ASSERT_EQ(mip.status, Status::kOptimal);
      EXPECT_TRUE(check(p, mip.solution).ok());
      EXPECT_TRUE(close(mip.objective, ref.objective))
          << "MIP " << mip.objective << " vs exhaustive " << ref.objective;
      ++compared;
    }
  }
  EXPECT_GE(compared, 120 / kShare);
  EXPECT_GE(broken, 60 / kShare);
}

// The candidate restriction is an approximation and says so.
TEST(CandidateRestriction, NeverClaimsOptimality) {
  FormulationOptions cand;
  cand.candidate_limit = 2;
  int restricted = 0;
  for (std::uint64_t seed = 0; seed < 60; ++seed) {
    const Problem p = random_problem(70000 + seed);
    const MappingResult ref = solve_exhaustive(p);
    if (ref.status != Status::kOptimal) continue;
    SolveSettings s;
    s.relative_gap = 1e-9;
    s.formulation = cand;
    const MappingResult mip = solve_mip(p, s);
    if (mip.strategy.find("+cand2") == std::string::npos) {
      EXPECT_EQ(mip.status, Status::kOptimal);
      continue;
    }
    ++restricted;
    EXPECT_NE(mip.status, Status::kOptimal) << seed;
    EXPECT_NE(mip.status, Status::kInfeasible) << seed;
    if (mip.has_solution()) {
      EXPECT_TRUE(check(p, mip.solution).ok());
      EXPECT_GE(mip.objective, ref.objective - 1e-6 * std::max(1.0, std::abs(ref.objective)));
    }
  }
  EXPECT_GT(restricted, 10);
}

// ------------------------------------------------------------ warm starts

// encode() completes every auxiliary variable: an exhaustive optimum (and a
// fast embedder's mapping) is a feasible point of the model with the same
// objective.
TEST(WarmStart, EncodedMappingsSatisfyTheModel) {
  int encoded = 0, fast_encoded = 0;
  for (std::uint64_t seed = 0; seed < 300; ++seed) {
    const Problem p = random_problem(60000 + seed);
    const MappingResult ref = solve_exhaustive(p);
    const Formulation f(p);
    if (ref.status == Status::kOptimal) {
      const std::vector<double> x = f.encode(ref.solution);
      EXPECT_LE(f.model().max_violation(x), 1e-6) << "seed " << seed;
      EXPECT_TRUE(close(f.model().evaluate_objective(x), ref.objective))
          << "seed " << seed << ": " << f.model().evaluate_objective(x) << " vs " << ref.objective;
      ++encoded;
    }
    const MappingResult fast = solve_fast(p);
    if (fast.has_solution()) {
      const std::vector<double> x = f.encode(fast.solution);
      EXPECT_LE(f.model().max_violation(x), 1e-6) << "seed " << seed << " (fast)";
      EXPECT_TRUE(close(f.model().evaluate_objective(x), evaluate(p, fast.solution)))
          << "seed " << seed << " (fast)";
      ++fast_encoded;
    }
  }
  EXPECT_GT(encoded, 200);
  EXPECT_GT(fast_encoded, 100);
}

// With a start (the exhaustive optimum, a fast mapping, or the fast stage
// itself) the optimum is unchanged, and the first progress report already
// carries the start's objective.
TEST(WarmStart, OptimumUnchangedAndIncumbentAtOnce) {
  int started = 0;
  for (std::uint64_t seed = 0; seed < 120 / kShare; ++seed) {
    const Problem p = random_problem(61000 + seed);
    const MappingResult ref = solve_exhaustive(p);
    if (ref.status != Status::kOptimal) continue;
    const MappingResult fast = solve_fast(p);
    for (const char* backend : {"cbc", "glpk"}) {
      for (int mode = 0; mode < 3; ++mode) {
        SolveSettings s;
        s.solver = backend;
        s.relative_gap = 1e-9;
        if (mode == 0) s.start = ref.solution;
        if (mode == 1) {
          if (!fast.has_solution()) continue;
          s.start = fast.solution;
        }
        if (mode == 2) s.warm_start_fast = true;
        std::vector<solver::Progress> reports;
        s.progress = [&](const solver::Progress& pr) { reports.push_back(pr); };
        const MappingResult mip = solve_mip(p, s);
        SCOPED_TRACE(std::string("seed ") + std::to_string(seed) + " " + backend + " mode " +
                     std::to_string(mode));
        ASSERT_EQ(mip.status, Status::kOptimal)
            << (mip.explanation.empty() ? "" : mip.explanation.back());
        EXPECT_TRUE(check(p, mip.solution).ok());
        EXPECT_TRUE(close(mip.objective, ref.objective))
            << "MIP " << mip.objective << " vs exhaustive " << ref.objective;
        EXPECT_NE(mip.strategy.find(mode == 2 ? "+fast-start" : "+start"), std::string::npos)
            << mip.strategy;
        const double start_objective =
            mode == 0 ? ref.objective
                      : (mode == 1 ? evaluate(p, fast.solution)
                                   : (fast.has_solution() ? evaluate(p, fast.solution) : NAN));
        if (std::isnan(start_objective)) continue;
        for (const auto& e : mip.explanation) EXPECT_EQ(e.find("ignored"), std::string::npos) << e;
        ASSERT_FALSE(reports.empty());
        ASSERT_TRUE(reports.front().incumbent.has_value());
        EXPECT_TRUE(close(*reports.front().incumbent, start_objective))
            << *reports.front().incumbent << " vs start " << start_objective;
        ++started;
      }
    }
  }
  EXPECT_GT(started, 300 / kShare);
}

// A start that breaks the model is ignored, with a message, and changes
// nothing.
TEST(WarmStart, InvalidStartIsIgnored) {
  int tried = 0;
  for (std::uint64_t seed = 0; seed < 80 / kShare; ++seed) {
    const Problem p = random_problem(62000 + seed);
    const MappingResult ref = solve_exhaustive(p);
    if (ref.status != Status::kOptimal) continue;
    // Move a virtual node to a host it is not suitable for, or drop a flow.
    Solution bad = ref.solution;
    bool broken = false;
    for (std::size_t u = 0; u < p.nodes.size() && !broken; ++u) {
      for (std::size_t v = 0; v < p.substrate.size(); ++v) {
        if (!p.substrate[v].is_link && !p.node_suitable[u][v]) {
          bad.node_host[u] = static_cast<int>(v);
          broken = true;
          break;
        }
      }
    }
    if (!broken) {
      for (auto& fl : bad.flow_arcs) {
        if (!fl.empty()) {
          fl.clear();
          broken = true;
          break;
        }
      }
    }
    if (!broken) continue;
    for (const char* backend : {"cbc", "glpk"}) {
      SolveSettings s;
      s.solver = backend;
      s.relative_gap = 1e-9;
      s.start = bad;
      const MappingResult mip = solve_mip(p, s);
      SCOPED_TRACE(std::string("seed ") + std::to_string(seed) + " " + backend);
      ASSERT_EQ(mip.status, Status::kOptimal);
      EXPECT_TRUE(close(mip.objective, ref.objective));
      bool said = false;
      for (const auto& e : mip.explanation)
        said = said || e.find("start mapping was ignored") != std::string::npos;
      EXPECT_TRUE(said);
      ++tried;
    }
  }
  EXPECT_GT(tried, 40 / kShare);
}

// ------------------------------------------------------------ time limits

// Thesis-scale online requests on a 100-node substrate: CBC's root dive
// heuristic used to run for minutes with a 5 s limit. The whole call
// (formulation included) now ends close to the limit, and with the fast
// stage as a start it always has a mapping.
TEST(TimeLimit, HoldsOnAHundredNodeSubstrate) {
  for (std::uint64_t seed : {1, 2}) {
    const Problem p = waxman_problem(100, 8, seed);
    for (const bool warm : {false, true}) {
      SolveSettings s;
      s.time_limit_s = 2;
      s.relative_gap = 1e-4;
      s.warm_start_fast = warm;
      const auto t0 = std::chrono::steady_clock::now();
      const MappingResult r = solve_mip(p, s);
      const double wall =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      SCOPED_TRACE("seed " + std::to_string(seed) + (warm ? " warm" : " cold"));
      // Before the hard stop such requests ran for 18 s to 13 min with a
      // 5 s limit; what is left is CBC's clean-up on a 50,000-variable model
      // (about 0.5 s, more on a loaded machine).
      EXPECT_LT(wall, s.time_limit_s + 3.0 * kSlow);
      EXPECT_NEAR(r.seconds, wall, 0.05 * kSlow);
      EXPECT_NE(r.status, Status::kError);
      EXPECT_NE(r.status, Status::kInfeasible);
      if (warm) {
        EXPECT_TRUE(r.has_solution()) << to_string(r.status);
      }
      if (r.has_solution()) {
        EXPECT_TRUE(check(p, r.solution).ok());
      }
    }
  }
}

TEST(TimeLimit, InterruptStopsPromptly) {
  const Problem p = waxman_problem(100, 8, 3);
  std::atomic<bool> stop{false};
  SolveSettings s;
  s.time_limit_s = 60;
  s.warm_start_fast = true;
  s.interrupt = &stop;
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    stop = true;
  });
  const MappingResult r = solve_mip(p, s);
  stopper.join();
  EXPECT_LT(r.seconds, 1.5 + 2.5 * kSlow);
  ASSERT_TRUE(r.has_solution()) << to_string(r.status);
  EXPECT_TRUE(check(p, r.solution).ok());
}

// ------------------------------------------------------------ DeltaGAP

solver::Progress report(double t, double incumbent, double bound) {
  solver::Progress p;
  p.seconds = t;
  p.incumbent = incumbent;
  p.bound = bound;
  p.gap = solver::relative_gap(incumbent, bound);
  return p;
}

TEST(DeltaGapRule, WindowFromTheFirstSolutionAndResets) {
  DeltaGap rule;  // 5x the time to the first solution, >= 5 % relative
  DeltaGapMonitor m(rule);
  EXPECT_FALSE(m.expired(100));     // no solution yet: only the time limit applies
  m.observe(report(2.0, 100, 50));  // gap 0.5, window 10 s
  EXPECT_EQ(m.window(), 10.0);
  EXPECT_FALSE(m.expired(11.9));
  m.observe(report(5.0, 100, 51));  // gap 0.49: < 5 % better, no reset
  EXPECT_EQ(m.resets(), 0);
  EXPECT_TRUE(m.expired(12.1));
  m.observe(report(12.0, 100, 53));  // gap 0.47 <= 0.475: reset at 12 s
  EXPECT_EQ(m.resets(), 1);
  EXPECT_FALSE(m.expired(21.9));
  EXPECT_TRUE(m.expired(22.1));
}

TEST(DeltaGapRule, FixedWindowFloorAndUnknownBound) {
  DeltaGap fixed;
  fixed.window_s = 3;
  DeltaGapMonitor a(fixed);
  a.observe(report(0.5, 10, std::nan("")));  // no bound yet: infinite gap
  EXPECT_EQ(a.window(), 3.0);
  a.observe(report(3.0, 10, 1));  // the first finite gap is an improvement
  EXPECT_EQ(a.resets(), 1);
  EXPECT_FALSE(a.expired(5.9));
  EXPECT_TRUE(a.expired(6.1));
  DeltaGap factor;
  factor.window_factor = 10;  // thesis 6.2.4's second experiment
  DeltaGapMonitor b(factor);
  b.observe(report(0.01, 10, 1));  // a warm start: found at once
  EXPECT_EQ(b.window(), factor.min_window_s);
}

// A request that CBC cannot prove optimal quickly: DeltaGAP stops it with the
// incumbent long before the time limit; the plain run uses the whole limit.
TEST(DeltaGap, StopsAStalledSearchEarly) {
  const Problem p = waxman_problem(40, 8, 7);
  SolveSettings plain;
  plain.time_limit_s = 8;
  plain.warm_start_fast = true;
  const MappingResult base = solve_mip(p, plain);
  ASSERT_TRUE(base.has_solution());
  if (base.status == Status::kOptimal) GTEST_SKIP() << "instance solved in " << base.seconds;
  SolveSettings dg = plain;
  dg.delta_gap = DeltaGap{};
  dg.delta_gap->window_s = 1;
  const MappingResult r = solve_mip(p, dg);
  ASSERT_EQ(r.status, Status::kFeasible) << to_string(r.status);
  EXPECT_NE(r.strategy.find("+deltagap"), std::string::npos) << r.strategy;
  EXPECT_LT(r.seconds, 0.75 * plain.time_limit_s);
  bool said = false;
  for (const auto& e : r.explanation) said = said || e.find("DeltaGAP") == 0;
  EXPECT_TRUE(said);
  EXPECT_TRUE(check(p, r.solution).ok());
}

TEST(DeltaGap, EasyInstancesAreStillProvenOptimal) {
  int compared = 0;
  for (std::uint64_t seed = 0; seed < 40; ++seed) {
    const Problem p = random_problem(63000 + seed);
    const MappingResult ref = solve_exhaustive(p);
    if (ref.status != Status::kOptimal) continue;
    for (const char* backend : {"cbc", "glpk"}) {
      SolveSettings s;
      s.solver = backend;
      s.relative_gap = 1e-9;
      s.delta_gap = DeltaGap{};
      // The window is measured in wall-clock time: a sanitized build on a
      // busy machine needs a longer one to see the same progress.
      s.delta_gap->min_window_s *= kSlow;
      const MappingResult mip = solve_mip(p, s);
      ASSERT_EQ(mip.status, Status::kOptimal) << seed << " " << backend;
      EXPECT_TRUE(close(mip.objective, ref.objective));
      ++compared;
    }
  }
  EXPECT_GT(compared, 40);
}

}  // namespace
}  // namespace cloudnet::mapping
