// The exhaustive reference solver on tiny instances with known optima, and on
// random instances checked by the independent checker and evaluate().
#include "mapping/exhaustive.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "mapping/checker.h"
#include "mapping/objective.h"
#include "mapping/random_instance.h"

namespace cloudnet::mapping {
namespace {

using Direction = SubstrateResource::Direction;

// n0 --l0-- n1 --l1-- n2 and n0 --l2-- n2 (directional); latencies n1 1,
// l0 2, l1 3, l2 10. a (cpu 2) may go on n0 or n1, b (cpu 1) on n2; one
// symmetric link of `bw`.
struct Line {
  Problem p;
  int n0, n1, n2, l0, l1, l2, cpu0, cpu1, cpu2, bw0, bw1, up2, down2;

  explicit Line(double bw = 5) {
    n0 = add_substrate_node(p, "n0");
    n1 = add_substrate_node(p, "n1", 1);
    n2 = add_substrate_node(p, "n2");
    l0 = add_substrate_link(p, "l0", {n0, n1}, 2);
    l1 = add_substrate_link(p, "l1", {n1, n2}, 3);
    l2 = add_substrate_link(p, "l2", {n0, n2}, 10);
    cpu0 = add_substrate_resource(p, "n0cpu", "/node/cpu", 10, {n0});
    cpu1 = add_substrate_resource(p, "n1cpu", "/node/cpu", 10, {n1}, 2);
    cpu2 = add_substrate_resource(p, "n2cpu", "/node/cpu", 4, {n2});
    bw0 = add_bandwidth(p, "l0bw", l0, 100);
    bw1 = add_bandwidth(p, "l1bw", l1, 100);
    up2 = add_bandwidth(p, "l2up", l2, 10, Direction::kUp);
    down2 = add_bandwidth(p, "l2down", l2, 10, Direction::kDown);
    const int a = add_virtual_node(p, "a", {make_demand("cpu", "/node/cpu", 2)});
    const int b =
        add_virtual_node(p, "b", {make_demand("cpu", "/node/cpu", 1, ValueType::kConstant)});
    add_virtual_link(p, "v", {a, b}, make_demand("bw", "/link/symmetric/bandwidth", bw));
    finalize(p);
    p.node_suitable[0][static_cast<std::size_t>(n2)] = 0;
    p.node_suitable[1][static_cast<std::size_t>(n0)] = 0;
    p.node_suitable[1][static_cast<std::size_t>(n1)] = 0;
  }
  void only_a_on_n0() { p.node_suitable[0][static_cast<std::size_t>(n1)] = 0; }
  void set_capacity(int r, double c) {
    p.substrate_resources[static_cast<std::size_t>(r)].capacity = c;
  }
};

std::string joined(const std::vector<std::string>& lines) {
  std::string s;
  for (const std::string& l : lines) s += l + "\n";
  return s;
}

// The solution is valid and its objective is what evaluate() computes.
void expect_consistent(const Problem& p, const MappingResult& r) {
  ASSERT_TRUE(r.has_solution()) << to_string(r.status) << ": " << joined(r.explanation);
  const CheckReport report = check(p, r.solution);
  EXPECT_TRUE(report.ok()) << report.format();
  EXPECT_NEAR(evaluate(p, r.solution), r.objective, 1e-6 * (1 + std::fabs(r.objective)));
}

bool uses_element(const Problem& p, const Solution& s, int e) {
  for (const auto& arcs : s.flow_arcs) {
    for (const auto& [a, x] : arcs) {
      const SubstrateArc& arc = p.arcs[static_cast<std::size_t>(a)];
      if (x > 1e-9 && (arc.from == e || arc.to == e)) return true;
    }
  }
  return false;
}

// A random candidate solution: random hosts among the suitable nodes,
// random hosting resources and amounts, one or two random simple paths per
// flow. Often invalid; the checker decides.
class Sampler {
 public:
  explicit Sampler(std::uint64_t seed) : g_(seed) {}

  Solution sample(const Problem& p) {
    Solution s;
    for (std::size_t u = 0; u < p.nodes.size(); ++u) {
      std::vector<int> cands;
      for (std::size_t e = 0; e < p.substrate.size(); ++e) {
        if (p.node_suitable[u][e]) cands.push_back(static_cast<int>(e));
      }
      s.node_host.push_back(cands.empty() ? 0 : cands[pick(cands.size())]);
    }
    s.node_alloc.resize(p.nodes.size());
    for (std::size_t u = 0; u < p.nodes.size(); ++u) {
      const auto& listed = p.substrate[static_cast<std::size_t>(s.node_host[u])].resources;
      for (std::size_t k = 0; k < p.nodes[u].demands.size(); ++k) {
        const Demand& d = p.nodes[u].demands[k];
        std::vector<Problem::Host> hosts;
        for (const Problem::Host& h : p.demand_hosts[u][k]) {
          if (h.factor > 0 && std::find(listed.begin(), listed.end(), h.resource) != listed.end()) {
            hosts.push_back(h);
          }
        }
        double need = d.amount;
        if (d.value_type == ValueType::kMinimum)
          need = std::max(need, p.options.min_alloc) + pick(2);
        if (d.value_type == ValueType::kMaximum) {
          need = p.options.min_alloc + (d.amount - p.options.min_alloc) * 0.5 * pick(3);
        }
        std::vector<Solution::Alloc> alloc;
        if (!hosts.empty() && need > 0) {
          const Problem::Host& h = hosts[pick(hosts.size())];
          alloc.push_back({h.resource, need / h.factor});
        }
        s.node_alloc[u].push_back(alloc);
      }
    }
    for (const Flow& f : p.flows) {
      const int a = s.node_host[static_cast<std::size_t>(f.source)];
      const int b = s.node_host[static_cast<std::size_t>(f.sink)];
      std::map<int, double> arcs;
      if (a != b && f.amount > 0) {
        const bool split = pick(3) == 0;
        const double share = split ? 0.25 * static_cast<double>(1 + pick(3)) : 1.0;
        for (const int arc : path(p, f.link, a, b)) arcs[arc] += share * f.amount;
        if (split) {
          for (const int arc : path(p, f.link, a, b)) arcs[arc] += (1 - share) * f.amount;
        }
      }
      s.flow_arcs.emplace_back(arcs.begin(), arcs.end());
    }
    return s;
  }

 private:
  std::size_t pick(std::size_t n) { return static_cast<std::size_t>(g_() % n); }

  // A random simple path over allowed elements (random depth-first search).
  std::vector<int> path(const Problem& p, int link, int from, int to) {
    std::vector<char> seen(p.substrate.size(), 0);
    std::vector<int> arcs;
    const auto& allowed = p.link_allowed[static_cast<std::size_t>(link)];
    const auto rec = [&](const auto& self, int v) -> bool {
      if (v == to) return true;
      seen[static_cast<std::size_t>(v)] = 1;
      std::vector<int> out = p.out_arcs[static_cast<std::size_t>(v)];
      std::shuffle(out.begin(), out.end(), g_);
      for (const int a : out) {
        const int w = p.arcs[static_cast<std::size_t>(a)].to;
        if (seen[static_cast<std::size_t>(w)] || !allowed[static_cast<std::size_t>(w)]) continue;
        arcs.push_back(a);
        if (self(self, w)) return true;
        arcs.pop_back();
      }
      return false;
    };
    rec(rec, from);
    return arcs;
  }

  std::mt19937_64 g_;
};

TEST(Exhaustive, MinCostPicksTheShortLink) {
  Line t;
  const MappingResult r = solve_exhaustive(t.p);
  expect_consistent(t.p, r);
  EXPECT_EQ(r.status, Status::kOptimal);
  EXPECT_EQ(r.strategy, "exhaustive");
  // a on n1: cpu 2 + 1, bandwidth 5 on l1 only.
  EXPECT_NEAR(r.objective, 8, 1e-9);
  EXPECT_EQ(r.solution.node_host, (std::vector<int>{t.n1, t.n2}));
}

TEST(Exhaustive, SameOptimumWithNoSplit) {
  Line t;
  t.p.options.no_split = true;
  const MappingResult r = solve_exhaustive(t.p);
  expect_consistent(t.p, r);
  EXPECT_NEAR(r.objective, 8, 1e-9);
}

TEST(Exhaustive, SplitsWhenNoSinglePathFits) {
  Line t(8);
  t.only_a_on_n0();
  t.set_capacity(t.bw0, 5);
  t.set_capacity(t.bw1, 5);
  t.set_capacity(t.up2, 5);
  t.set_capacity(t.down2, 5);
  const MappingResult r = solve_exhaustive(t.p);
  expect_consistent(t.p, r);
  // Every unit costs 2 on either route: 3 + 16.
  EXPECT_NEAR(r.objective, 19, 1e-7);
  EXPECT_TRUE(uses_element(t.p, r.solution, t.l1));
  EXPECT_TRUE(uses_element(t.p, r.solution, t.l2));

  t.p.options.no_split = true;
  const MappingResult ns = solve_exhaustive(t.p);
  EXPECT_EQ(ns.status, Status::kInfeasible);
  EXPECT_NE(joined(ns.explanation).find("exceed a resource's free capacity"), std::string::npos)
      << joined(ns.explanation);
}

TEST(Exhaustive, LatencyBoundsSelectThePath) {
  Line t;
  t.only_a_on_n0();
  t.p.links[0].min_latency = 7;  // over n1: 6, over l2: 10
  MappingResult r = solve_exhaustive(t.p);
  expect_consistent(t.p, r);
  EXPECT_TRUE(uses_element(t.p, r.solution, t.l2));
  EXPECT_FALSE(uses_element(t.p, r.solution, t.l1));
  EXPECT_NEAR(r.objective, 3 + 10, 1e-9);

  t.p.links[0].min_latency.reset();
  t.p.links[0].max_latency = 5;
  r = solve_exhaustive(t.p);
  EXPECT_EQ(r.status, Status::kInfeasible);
  EXPECT_NE(joined(r.explanation).find("no allowed path from s:n0 to s:n2"), std::string::npos)
      << joined(r.explanation);
}

TEST(Exhaustive, DirectionalLinkForUpstreamTraffic) {
  Line t;
  t.only_a_on_n0();
  t.p.links[0].bandwidth.reset();
  t.p.links[0].upstream = make_demand("up", "/link/upstream/bandwidth", 4);
  derive_flows(t.p);
  // Over l2 the upstream flow takes l2up only (4); over n1 it takes l0 and l1 (8).
  const MappingResult r = solve_exhaustive(t.p);
  expect_consistent(t.p, r);
  EXPECT_NEAR(r.objective, 3 + 4, 1e-9);
  EXPECT_TRUE(uses_element(t.p, r.solution, t.l2));
}

TEST(Exhaustive, LoadBalanceSpreads) {
  Line t;
  t.p.options.objective = Objective::kLoadBalance;
  const MappingResult r = solve_exhaustive(t.p);
  expect_consistent(t.p, r);
  EXPECT_EQ(r.status, Status::kOptimal);
}

TEST(Exhaustive, EnergyNeedsNoSplit) {
  Line t;
  t.p.options.objective = Objective::kEnergy;
  MappingResult r = solve_exhaustive(t.p);
  EXPECT_EQ(r.status, Status::kError);
  EXPECT_NE(joined(r.explanation).find("needs no_split"), std::string::npos);
  t.p.options.no_split = true;
  r = solve_exhaustive(t.p);
  expect_consistent(t.p, r);
  // a on n1 (already in use): switches on l1 and n2 only.
  EXPECT_NEAR(r.objective, 2 + 1e-3 * 8, 1e-9);
}

TEST(Exhaustive, MigrationPenaltyKeepsNode) {
  Line t;
  Existing ex;
  ex.node_host = {t.n0, t.n2};
  ex.node_penalty = {10, 10};
  t.p.existing = ex;
  MappingResult r = solve_exhaustive(t.p);
  expect_consistent(t.p, r);
  EXPECT_EQ(r.solution.node_host[0], t.n0);
  EXPECT_NEAR(r.objective, 13, 1e-9);
  t.p.existing->node_penalty = {4, 10};
  r = solve_exhaustive(t.p);
  expect_consistent(t.p, r);
  EXPECT_EQ(r.solution.node_host[0], t.n1);
  EXPECT_NEAR(r.objective, 12, 1e-9);
}

TEST(Exhaustive, LinkMigrationWithNoSplit) {
  Line t;
  t.only_a_on_n0();
  t.p.options.no_split = true;
  Existing ex;
  ex.link_elements = {{t.n0, t.l2, t.n2}};
  ex.link_penalty = {0.5};
  t.p.existing = ex;
  // Both routes cost 10; the old one avoids the penalty.
  const MappingResult r = solve_exhaustive(t.p);
  expect_consistent(t.p, r);
  EXPECT_NEAR(r.objective, 13, 1e-9);
  EXPECT_TRUE(uses_element(t.p, r.solution, t.l2));
  t.p.options.no_split = false;
  EXPECT_EQ(solve_exhaustive(t.p).status, Status::kError);
}

TEST(Exhaustive, AllocationSplitAcrossHostingResources) {
  Problem p;
  const int n0 = add_substrate_node(p, "n0");
  const int n1 = add_substrate_node(p, "n1");
  const int disk = add_substrate_resource(p, "n0disk", "/node/disk", 4, {n0});
  const int nfs = add_substrate_resource(p, "nfs", "/node/disk", 10, {n0, n1});
  add_virtual_node(p, "a", {make_demand("disk", "/node/disk", 6)});
  finalize(p);
  p.node_suitable[0][static_cast<std::size_t>(n1)] = 0;
  for (Problem::Host& h : p.demand_hosts[0][0]) {
    if (h.resource == nfs) h.factor = 0.5;  // two NFS units per virtual unit
  }
  const MappingResult r = solve_exhaustive(p);
  expect_consistent(p, r);
  EXPECT_NEAR(r.objective, 4 + 4, 1e-7);
  std::map<int, double> alloc;
  for (const Solution::Alloc& a : r.solution.node_alloc[0][0]) alloc[a.resource] += a.amount;
  EXPECT_NEAR(alloc[disk], 4, 1e-7);
  EXPECT_NEAR(alloc[nfs], 4, 1e-7);
}

TEST(Exhaustive, SharedMedium) {
  Problem p;
  const int n0 = add_substrate_node(p, "n0");
  const int n1 = add_substrate_node(p, "n1");
  const int n2 = add_substrate_node(p, "n2");
  const int bus = add_substrate_link(p, "bus", {n0, n1, n2}, 1);
  add_bandwidth(p, "busbw", bus, 5);
  const int a = add_virtual_node(p, "a");
  const int b = add_virtual_node(p, "b");
  const int c = add_virtual_node(p, "c");
  add_virtual_link(p, "v", {a, b, c}, make_demand("bw", "/link/symmetric/bandwidth", 4));
  finalize(p);
  p.options.no_colocate = true;
  for (const bool no_split : {false, true}) {
    p.options.no_split = no_split;
    const MappingResult r = solve_exhaustive(p);
    expect_consistent(p, r);
    EXPECT_NEAR(r.objective, 4, 1e-7);  // one reservation for the three pairs
  }
}

TEST(Exhaustive, InfeasibleExplanations) {
  Line t;
  t.p.node_suitable[1][static_cast<std::size_t>(t.n2)] = 0;
  MappingResult r = solve_exhaustive(t.p);
  EXPECT_EQ(r.status, Status::kInfeasible);
  EXPECT_NE(joined(r.explanation).find("virtual node v:b has no suitable substrate node"),
            std::string::npos);

  Line u;
  u.p.node_suitable[1] = u.p.node_suitable[0];
  u.only_a_on_n0();
  u.p.node_suitable[1][static_cast<std::size_t>(u.n1)] = 0;
  u.p.options.no_colocate = true;  // both only on n0
  r = solve_exhaustive(u.p);
  EXPECT_EQ(r.status, Status::kInfeasible);
  EXPECT_NE(joined(r.explanation).find("no placement"), std::string::npos);

  Line w;
  w.set_capacity(w.cpu2, 0.5);
  r = solve_exhaustive(w.p);
  EXPECT_EQ(r.status, Status::kInfeasible);
  EXPECT_NE(joined(r.explanation).find("exceed a resource's free capacity"), std::string::npos)
      << joined(r.explanation);
}

TEST(Exhaustive, LimitsGiveNoSolution) {
  Line t;
  ExhaustiveOptions o;
  o.max_placements = 1;
  const MappingResult r = solve_exhaustive(t.p, o);
  EXPECT_EQ(r.status, Status::kNoSolution);
  EXPECT_NE(joined(r.explanation).find("more than 1 placements"), std::string::npos);
}

// 200 random instances: every optimum passes the checker, evaluate() agrees
// with the reported objective, and the splittable optimum is never worse than
// the no_split optimum of the same instance (path enumeration vs LP).
TEST(Exhaustive, RandomInstances) {
  std::map<Status, int> count;
  int compared = 0;
  const auto start = std::chrono::steady_clock::now();
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    const Problem p = random_problem(seed);
    const MappingResult r = solve_exhaustive(p);
    ++count[r.status];
    ASSERT_TRUE(r.status == Status::kOptimal || r.status == Status::kInfeasible)
        << to_string(r.status) << ": " << joined(r.explanation);
    if (r.status == Status::kInfeasible) {
      EXPECT_FALSE(r.explanation.empty());
      continue;
    }
    expect_consistent(p, r);
    if (!p.options.no_split && p.options.objective != Objective::kEnergy) {
      Problem q = p;
      q.options.no_split = true;
      const MappingResult rq = solve_exhaustive(q);
      ASSERT_TRUE(rq.status == Status::kOptimal || rq.status == Status::kInfeasible)
          << joined(rq.explanation);
      if (rq.status == Status::kOptimal) {
        expect_consistent(q, rq);
        EXPECT_LE(r.objective, rq.objective + 1e-6 * (1 + std::fabs(rq.objective)));
        ++compared;
      }
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("random: %d optimal, %d infeasible, %d split/no_split comparisons, %.1f s\n",
              count[Status::kOptimal], count[Status::kInfeasible], compared, seconds);
  EXPECT_GE(count[Status::kOptimal], 100);
}

// Random candidate solutions that the checker accepts never beat the oracle,
// and none exists where the oracle says infeasible.
TEST(Exhaustive, RandomValidSolutionsNeverBeatTheOracle) {
  int valid = 0;
  Sampler sampler(7);
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    const Problem p = random_problem(seed);
    const MappingResult r = solve_exhaustive(p);
    ASSERT_TRUE(r.status == Status::kOptimal || r.status == Status::kInfeasible);
    for (int i = 0; i < 300; ++i) {
      const Solution s = sampler.sample(p);
      const CheckReport report = check(p, s);
      if (!report.ok()) continue;
      ++valid;
      ASSERT_EQ(r.status, Status::kOptimal) << "the checker accepts a solution of an instance the "
                                               "oracle calls infeasible";
      EXPECT_GE(evaluate(p, s), r.objective - 1e-6 * (1 + std::fabs(r.objective)));
    }
  }
  std::printf("random samples accepted by the checker: %d\n", valid);
  EXPECT_GE(valid, 1000);
}

// Path enumeration: 150 no_split instances with frequent distinct link groups,
// link migration, other groups and the energy objective, each optimum checked
// and compared with random valid solutions.
TEST(Exhaustive, RandomNoSplitInstances) {
  RandomSpec spec;
  spec.p_no_split = 1;
  spec.p_distinct = 0.6;
  spec.p_existing = 0.6;
  spec.p_other_group = 0.3;
  std::map<Status, int> count;
  int valid = 0;
  Sampler sampler(11);
  for (std::uint64_t seed = 1000; seed < 1150; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    const Problem p = random_problem(seed, spec);
    ASSERT_TRUE(p.options.no_split);
    const MappingResult r = solve_exhaustive(p);
    ++count[r.status];
    ASSERT_TRUE(r.status == Status::kOptimal || r.status == Status::kInfeasible)
        << to_string(r.status) << ": " << joined(r.explanation);
    if (r.status == Status::kOptimal) expect_consistent(p, r);
    for (int i = 0; i < 200; ++i) {
      const Solution s = sampler.sample(p);
      if (!check(p, s).ok()) continue;
      ++valid;
      ASSERT_EQ(r.status, Status::kOptimal);
      EXPECT_GE(evaluate(p, s), r.objective - 1e-6 * (1 + std::fabs(r.objective)));
    }
  }
  std::printf("no_split random: %d optimal, %d infeasible, %d valid samples\n",
              count[Status::kOptimal], count[Status::kInfeasible], valid);
  EXPECT_GE(count[Status::kOptimal], 75);
}

}  // namespace
}  // namespace cloudnet::mapping
