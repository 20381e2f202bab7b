// The fast embedder (fast.h) against the independent checker and the
// exhaustive reference solver on random small instances, plus a hand-built
// case per steering rule.
#include "mapping/fast.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "mapping/checker.h"
#include "mapping/exhaustive.h"
#include "mapping/objective.h"
#include "mapping/random_instance.h"

namespace cloudnet::mapping {
namespace {

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += x + "; ";
  return s;
}

struct Tally {
  int found = 0;          // fast gave a checked mapping
  int infeasible = 0;     // fast failed, the oracle says infeasible
  int split_only = 0;     // fast failed, feasible only with split flows (fast routes one path)
  int missed = 0;         // fast failed on a single-path-feasible instance
  int unknown = 0;        // the oracle hit a limit or does not support the instance
  int equal_optimum = 0;  // fast reached the oracle's optimum
};

// What a missed instance has that the greedy handles only conservatively or
// not at all (fast.h), for the miss log.
std::string features(const Problem& p) {
  std::string s;
  for (const auto& r : p.substrate_resources) {
    if (r.direction != SubstrateResource::Direction::kBoth) s += " directional";
    if (r.elements.size() > 1) s += " shared";
    if (r.is_interface) s += " interface";
    if (r.is_bandwidth && !r.elements.empty() &&
        !p.substrate[static_cast<std::size_t>(r.elements[0])].is_link)
      s += " node-bw";
  }
  for (const auto& l : p.links) {
    if (l.max_latency || l.min_latency) s += " latency";
    if (l.endpoints.size() > 2) s += " multi-endpoint";
  }
  for (const auto& g : p.groups) {
    if (g.kind == GroupConstraint::Kind::kEquals) s += " equals";
    if (!g.links.empty()) s += " link-group";
  }
  return s;
}

void run_seed(const Problem& p, const FastOptions& fo, Tally& t) {
  const MappingResult f = solve_fast(p, fo);
  ASSERT_NE(f.status, Status::kError) << joined(f.explanation);
  ASSERT_NE(f.status, Status::kOptimal);
  ASSERT_NE(f.status, Status::kInfeasible);
  ExhaustiveOptions eo;
  eo.time_limit_s = 20;
  const MappingResult ex = solve_exhaustive(p, eo);
  if (f.has_solution()) {
    const CheckReport rep = check(p, f.solution);
    ASSERT_TRUE(rep.ok()) << rep.format();
    EXPECT_NEAR(f.objective, evaluate(p, f.solution), 1e-6 * (1 + std::fabs(f.objective)));
    ++t.found;
    if (ex.status == Status::kOptimal) {
      EXPECT_GE(f.objective, ex.objective - 1e-6 * (1 + std::fabs(ex.objective)));
      if (f.objective <= ex.objective + 1e-6 * (1 + std::fabs(ex.objective))) ++t.equal_optimum;
    } else {
      // The oracle must not call a checked mapping infeasible.
      EXPECT_NE(ex.status, Status::kInfeasible);
    }
    return;
  }
  if (ex.status == Status::kInfeasible) {
    ++t.infeasible;
    return;
  }
  if (ex.status != Status::kOptimal) {
    ++t.unknown;
    return;
  }
  if (!p.options.no_split) {
    Problem q = p;
    q.options.no_split = true;
    const MappingResult eq = solve_exhaustive(q, eo);
    if (eq.status == Status::kInfeasible) {
      ++t.split_only;
      return;
    }
  }
  ++t.missed;
  std::printf("  miss: %s [%s ]\n", joined(f.explanation).c_str(), features(p).c_str());
}

// Several hundred random instances, the generator's mix of options
// (no_split 30%, no_colocate 20%, latency bounds, groups, existing mappings).
TEST(Fast, RandomInstancesPassTheChecker) {
  Tally t;
  for (std::uint64_t seed = 0; seed < 400; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    run_seed(random_problem(seed), FastOptions{}, t);
  }
  std::printf(
      "fast, mixed: %d found (%d at the optimum), %d infeasible, %d split-only, "
      "%d missed, %d oracle unknown\n",
      t.found, t.equal_optimum, t.infeasible, t.split_only, t.missed, t.unknown);
  EXPECT_GE(t.found, 150);
  // A greedy with a budgeted backtracking is no complete search: rare
  // misses are expected and bounded (0 of 400 when written).
  EXPECT_LE(t.missed, 3);
}

// Every instance with no_split and no_colocate (the online setting), with
// frequent groups and latency bounds.
TEST(Fast, RandomNoSplitNoColocate) {
  RandomSpec spec;
  spec.p_no_split = 1;
  spec.p_no_colocate = 1;
  spec.p_distinct = 0.4;
  spec.p_latency = 0.4;
  Tally t;
  for (std::uint64_t seed = 5000; seed < 5300; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    // The generator does not always honour p_no_colocate (small
    // substrates); both options only restrict, so they are forced here.
    Problem p = random_problem(seed, spec);
    p.options.no_split = true;
    p.options.no_colocate = true;
    run_seed(p, FastOptions{}, t);
  }
  std::printf(
      "fast, no_split+no_colocate: %d found (%d at the optimum), %d infeasible, "
      "%d missed, %d oracle unknown\n",
      t.found, t.equal_optimum, t.infeasible, t.missed, t.unknown);
  EXPECT_GE(t.found, 100);
  // 1 of 300 when written: a three-endpoint link in a distinct link group
  // with node bandwidth, where placement backtracking without path
  // alternatives does not find the one feasible routing.
  EXPECT_LE(t.missed, 3);
}

// The baseline strategy also yields only checked mappings.
TEST(Fast, NodeRankBaselinePassesTheChecker) {
  FastOptions fo;
  fo.strategy = FastOptions::Strategy::kNodeRank;
  int found = 0;
  for (std::uint64_t seed = 0; seed < 300; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    const Problem p = random_problem(seed);
    const MappingResult f = solve_fast(p, fo);
    if (!f.has_solution()) continue;
    ++found;
    const CheckReport rep = check(p, f.solution);
    ASSERT_TRUE(rep.ok()) << rep.format();
  }
  EXPECT_GE(found, 50);
}

// A line n0 - n1 - n2 - n3: two connected virtual nodes go on adjacent
// substrate nodes (one hop), not across the line.
TEST(Fast, PlacesNeighboursClose) {
  Problem p;
  std::vector<int> n;
  // Fixed names: GCC 12 warns (-Wrestrict, a known false positive) on
  // "literal" + std::to_string(i) here.
  const char* node_names[] = {"n0", "n1", "n2", "n3"};
  const char* cpu_names[] = {"c0", "c1", "c2", "c3"};
  const char* link_names[] = {"l0", "l1", "l2"};
  const char* bw_names[] = {"b0", "b1", "b2"};
  for (int i = 0; i < 4; ++i) {
    n.push_back(add_substrate_node(p, node_names[i]));
    add_substrate_resource(p, cpu_names[i], "/node/cpu", 10, {n.back()});
  }
  for (std::size_t i = 0; i < 3; ++i) {
    const int l = add_substrate_link(p, link_names[i], {n[i], n[i + 1]});
    add_bandwidth(p, bw_names[i], l, 10);
  }
  const int a = add_virtual_node(p, "a", {make_demand("cpu", "/node/cpu", 5)});
  const int b = add_virtual_node(p, "b", {make_demand("cpu", "/node/cpu", 5)});
  add_virtual_link(p, "ab", {a, b}, make_demand("bw", "/link/symmetric/bandwidth", 4));
  p.options.no_split = true;
  p.options.no_colocate = true;
  finalize(p);
  const MappingResult f = solve_fast(p);
  ASSERT_TRUE(f.has_solution()) << joined(f.explanation);
  ASSERT_EQ(f.solution.flow_arcs.size(), 1u);
  EXPECT_EQ(f.solution.flow_arcs[0].size(), 2u);  // node -> link -> node
  EXPECT_TRUE(check(p, f.solution).ok());
  // Without no_colocate both share one host and the link costs nothing.
  p.options.no_colocate = false;
  const MappingResult g = solve_fast(p);
  ASSERT_TRUE(g.has_solution());
  EXPECT_EQ(g.solution.node_host[0], g.solution.node_host[1]);
  EXPECT_TRUE(g.solution.flow_arcs[0].empty());
}

}  // namespace
}  // namespace cloudnet::mapping
