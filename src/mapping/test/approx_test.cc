// The approximations of thesis ch. 6: the two-step mapping (6.3.1) and the
// clustering approximation (6.4.1 clustering, 6.4.2 cluster selection), on
// hand-built substrates with known clusters and against the independent
// checker and the exhaustive reference solver on random instances.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "mapping/checker.h"
#include "mapping/clustering.h"
#include "mapping/exhaustive.h"
#include "mapping/fast.h"
#include "mapping/formulation.h"
#include "mapping/objective.h"
#include "mapping/random_instance.h"
#include "mapping/two_step.h"

namespace cloudnet::mapping {
namespace {

using Nodes = std::vector<int>;

std::size_t at(int i) {
  return static_cast<std::size_t>(i);
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += x + "; ";
  return s;
}

// Built with += : GCC 12 warns (-Wrestrict, a false positive) about
// "literal" + std::string once inlined.
template <class... T>
std::string cat(const T&... parts) {
  std::string s;
  ((s += parts), ...);
  return s;
}

std::string num(std::uint64_t i) {
  return std::to_string(i);
}

double tolerance(double reference) {
  return 1e-6 * std::max(1.0, std::fabs(reference));
}

Nodes range(int first, int last) {  // inclusive
  Nodes v;
  for (int i = first; i <= last; ++i) v.push_back(i);
  return v;
}

Nodes sorted(Nodes v) {
  std::sort(v.begin(), v.end());
  return v;
}

// Substrate nodes first (element index = node number), then links.
Problem substrate_with_nodes(int n, double cpu = 10) {
  Problem p;
  for (int i = 0; i < n; ++i) add_substrate_node(p, cat("n", num(i)));
  for (int i = 0; i < n; ++i) add_substrate_resource(p, cat("cpu", num(i)), "/node/cpu", cpu, {i});
  return p;
}

void connect(Problem& p, int a, int b, double bw = 10) {
  const int l = add_substrate_link(p, cat("l", num(a)) + cat("_", num(b)), {a, b});
  add_bandwidth(p, cat("bw", num(l)), l, bw);
}

// n0 - n1 - ... - n(n-1).
Problem line(int n, double cpu = 10, double bw = 10) {
  Problem p = substrate_with_nodes(n, cpu);
  for (int i = 0; i + 1 < n; ++i) connect(p, i, i + 1, bw);
  return p;
}

// Two 5-cliques (nodes 0-4 and 5-9) joined by the path 0 - 10 - 11 - ... -
// 15 - 5.
Problem two_cliques() {
  Problem p = substrate_with_nodes(16);
  for (int base : {0, 5})
    for (int i = 0; i < 5; ++i)
      for (int j = i + 1; j < 5; ++j) connect(p, base + i, base + j);
  connect(p, 0, 10);
  for (int k = 10; k < 15; ++k) connect(p, k, k + 1);
  connect(p, 15, 5);
  return p;
}

std::vector<Nodes> leaves(const std::vector<Cluster>& h) {
  std::vector<Nodes> out;
  for (const auto& c : h)
    if (c.children.empty()) out.push_back(c.nodes);
  return out;
}

// --- 6.4.1: distances ------------------------------------------------------

TEST(Distances, CountSubstrateLinksCrossed) {
  Problem p = line(20);
  // A direct node-to-node connection (no link element) counts as one link.
  add_substrate_node(p, "direct");  // element 39
  SubstrateArc a;
  a.from = 19;
  a.to = 39;
  p.arcs.push_back(a);
  // A three-interface shared medium: one link between any two of its ends.
  const int m0 = add_substrate_node(p, "m0");
  const int m1 = add_substrate_node(p, "m1");
  const int m2 = add_substrate_node(p, "m2");
  add_substrate_link(p, "medium", {m0, m1, m2});
  const int lonely = add_substrate_node(p, "lonely");
  finalize(p);
  const NodeDistances d = node_distances(p);
  EXPECT_EQ(d.nodes.size(), 25u);
  EXPECT_EQ(d.between(0, 19), 19);
  EXPECT_EQ(d.between(19, 0), 19);
  EXPECT_EQ(d.between(3, 7), 4);
  EXPECT_EQ(d.between(5, 5), 0);
  EXPECT_EQ(d.between(0, 39), 20);
  EXPECT_EQ(d.between(39, 0), 20);  // the arc was one-way: direction is ignored
  EXPECT_EQ(d.between(m0, m2), 1);
  EXPECT_EQ(d.between(m1, m2), 1);
  EXPECT_EQ(d.between(0, lonely), d.unreachable);
  EXPECT_EQ(d.between(m0, 0), d.unreachable);
  EXPECT_GT(d.unreachable, 20);
}

// --- 6.4.1: k-clustering -------------------------------------------------------

TEST(Clustering, LineOfTwentySplitsInHalves) {
  const Problem p = line(20);
  const auto h = cluster_substrate(p, ClusterOptions{});  // x = 2, y = 10
  ASSERT_EQ(h.size(), 3u);
  EXPECT_EQ(h[0].nodes, range(0, 19));
  EXPECT_EQ(h[0].level, 0);
  EXPECT_EQ(h[0].parent, -1);
  EXPECT_EQ(h[0].representative, -1);
  EXPECT_EQ(h[0].children, (Nodes{1, 2}));
  // The ends are the farthest pair; nodes 0-9 are closer to node 0.
  EXPECT_EQ(h[1].nodes, range(0, 9));
  EXPECT_EQ(h[1].representative, 0);
  EXPECT_EQ(h[2].nodes, range(10, 19));
  EXPECT_EQ(h[2].representative, 19);
  for (int i : {1, 2}) {
    EXPECT_EQ(h[at(i)].level, 1);
    EXPECT_EQ(h[at(i)].parent, 0);
    EXPECT_TRUE(h[at(i)].children.empty());
  }
}

TEST(Clustering, LineRecursionTiesGoToTheLowestRepresentative) {
  const Problem p = line(20);
  ClusterOptions o;
  o.max_size = 4;
  const auto h = cluster_substrate(p, o);
  // 0-9 splits into 0-4 / 5-9; in 0-4 node 2 is as far from 0 as from 4
  // and joins 0, the lower representative.
  const std::vector<Nodes> expected = {{0, 1, 2},    {3, 4},   {5, 6, 7},    {8, 9},
                                       {10, 11, 12}, {13, 14}, {15, 16, 17}, {18, 19}};
  EXPECT_EQ(leaves(h), expected);
  // Depth first, parents before children.
  ASSERT_GE(h.size(), 4u);
  EXPECT_EQ(h[1].nodes, range(0, 9));
  EXPECT_EQ(h[2].nodes, range(0, 4));
  EXPECT_EQ(h[2].level, 2);
  EXPECT_EQ(h[2].parent, 1);
  EXPECT_EQ(h[3].nodes, (Nodes{0, 1, 2}));
  EXPECT_EQ(h[3].level, 3);
  EXPECT_EQ(h.size(), 15u);  // 1 + 2 + 4 + 8
}

TEST(Clustering, ThirdRepresentativeByLargestDistanceSum) {
  // A star with a long arm: centre 0, leaves 1-3, arm 0 - 4 - 5 - 6.
  Problem p = substrate_with_nodes(7);
  for (int leaf : {1, 2, 3}) connect(p, 0, leaf);
  connect(p, 0, 4);
  connect(p, 4, 5);
  connect(p, 5, 6);
  ClusterOptions o;
  o.representatives = 3;
  o.max_size = 3;
  const auto h = cluster_substrate(p, o);
  ASSERT_GE(h.size(), 4u);
  // Farthest pair: 1 and 6 (4 links). Sums to {1, 6}: node 2 and 3 have
  // 2 + 4 = 6, node 5 has 3 + 1 = 4: node 2 (lowest index among the best).
  ASSERT_EQ(h[0].children.size(), 3u);
  EXPECT_EQ(h[at(h[0].children[0])].representative, 1);
  EXPECT_EQ(h[at(h[0].children[1])].representative, 6);
  EXPECT_EQ(h[at(h[0].children[2])].representative, 2);
  // 0 is one link from 1 and from 2: the lower representative, 1, gets it;
  // 3 likewise; 4 is 2 from 1, 2 from 6: to 1.
  EXPECT_EQ(h[at(h[0].children[0])].nodes, (Nodes{0, 1, 3, 4}));
  EXPECT_EQ(h[at(h[0].children[1])].nodes, (Nodes{5, 6}));
  EXPECT_EQ(h[at(h[0].children[2])].nodes, (Nodes{2}));
}

TEST(Clustering, TwoCliquesJoinedByALongPath) {
  const Problem p = two_cliques();
  const auto h = cluster_substrate(p, ClusterOptions{});
  // Farthest pair: a clique node other than 0 and one other than 5 (9
  // links); lowest indices 1 and 6. The path splits in the middle.
  ASSERT_EQ(h.size(), 3u);
  EXPECT_EQ(h[1].representative, 1);
  EXPECT_EQ(h[2].representative, 6);
  EXPECT_EQ(h[1].nodes, (Nodes{0, 1, 2, 3, 4, 10, 11, 12}));
  EXPECT_EQ(h[2].nodes, (Nodes{5, 6, 7, 8, 9, 13, 14, 15}));

  ClusterOptions o;
  o.max_size = 6;
  const std::vector<Nodes> expected = {
      {0, 1, 2, 3, 4, 10}, {11, 12}, {5, 6, 7, 8, 9, 15}, {13, 14}};
  EXPECT_EQ(leaves(cluster_substrate(p, o)), expected);
}

TEST(Clustering, ComponentsSeparateFirst) {
  Problem p = substrate_with_nodes(6);
  connect(p, 0, 2);
  connect(p, 2, 4);
  connect(p, 1, 3);
  connect(p, 3, 5);
  ClusterOptions o;
  o.max_size = 3;
  const auto h = cluster_substrate(p, o);
  EXPECT_EQ(leaves(h), (std::vector<Nodes>{{0, 2, 4}, {1, 3, 5}}));
}

// Structural invariants on many random substrates and (x, y).
void expect_valid_hierarchy(const Problem& p, const std::vector<Cluster>& h, int x, int y) {
  const Nodes all = p.substrate_nodes();
  ASSERT_FALSE(h.empty());
  EXPECT_EQ(h[0].nodes, all);
  EXPECT_EQ(h[0].parent, -1);
  std::size_t leaf_total = 0;
  for (std::size_t i = 0; i < h.size(); ++i) {
    const Cluster& c = h[i];
    ASSERT_FALSE(c.nodes.empty());
    EXPECT_EQ(c.nodes, sorted(c.nodes));
    if (i > 0) {
      ASSERT_GE(c.parent, 0);
      ASSERT_LT(at(c.parent), i);
      EXPECT_EQ(c.level, h[at(c.parent)].level + 1);
      EXPECT_TRUE(std::binary_search(c.nodes.begin(), c.nodes.end(), c.representative));
    }
    if (c.nodes.size() <= static_cast<std::size_t>(y)) {
      EXPECT_TRUE(c.children.empty()) << "cluster " << i << " has " << c.nodes.size();
      leaf_total += c.nodes.size();
      continue;
    }
    // The recursion respects y: bigger clusters are split into
    // min(x, size) parts that partition them.
    EXPECT_EQ(c.children.size(), std::min(static_cast<std::size_t>(x), c.nodes.size()));
    Nodes un;
    for (int ch : c.children) {
      EXPECT_EQ(h[at(ch)].parent, static_cast<int>(i));
      EXPECT_LT(h[at(ch)].nodes.size(), c.nodes.size());
      un.insert(un.end(), h[at(ch)].nodes.begin(), h[at(ch)].nodes.end());
    }
    EXPECT_EQ(sorted(un), c.nodes);
  }
  EXPECT_EQ(leaf_total, all.size());
}

TEST(Clustering, RecursionRespectsMaxSize) {
  std::mt19937_64 rng(42);
  int checked = 0;
  for (int round = 0; round < 40; ++round) {
    const int n = 5 + static_cast<int>(rng() % 40);
    Problem p = substrate_with_nodes(n);
    // A random tree plus some extra links; sometimes a second component.
    const int split = rng() % 4 == 0 ? n / 2 : n;
    for (int i = 1; i < n; ++i) {
      const int lo = i < split ? 0 : split;
      if (i == lo) continue;
      connect(p, lo + static_cast<int>(rng() % static_cast<std::uint64_t>(i - lo)), i);
    }
    for (int e = 0; e < n / 3; ++e) {
      const int a = static_cast<int>(rng() % static_cast<std::uint64_t>(n));
      const int b = static_cast<int>(rng() % static_cast<std::uint64_t>(n));
      if (a != b && (a < split) == (b < split)) connect(p, a, b);
    }
    for (int x : {2, 3, 4}) {
      for (int y : {1, 2, 3, 5, 10}) {
        ClusterOptions o;
        o.representatives = x;
        o.max_size = y;
        SCOPED_TRACE(cat("round ", num(round), " x ", num(x), " y ", num(y)));
        expect_valid_hierarchy(p, cluster_substrate(p, o), x, y);
        ++checked;
      }
    }
  }
  // Random problems have substrates with link elements of 2 and 3 ends.
  for (std::uint64_t seed = 0; seed < 30; ++seed) {
    const Problem p = random_problem(seed);
    ClusterOptions o;
    o.max_size = 2;
    expect_valid_hierarchy(p, cluster_substrate(p, o), 2, 2);
  }
  EXPECT_EQ(checked, 600);
}

// --- 6.4.2: cluster selection ---------------------------------------------------

// Isolated substrate nodes with the given free CPU (capacity 10, the rest
// used), a request of two virtual nodes needing 3 and 2 CPU.
Problem selection_problem(const std::vector<double>& free_cpu) {
  Problem p;
  for (std::size_t i = 0; i < free_cpu.size(); ++i) add_substrate_node(p, cat("n", num(i)));
  for (std::size_t i = 0; i < free_cpu.size(); ++i)
    add_substrate_resource(p, cat("cpu", num(i)), "/node/cpu", 10, {static_cast<int>(i)},
                           10 - free_cpu[i]);
  add_virtual_node(p, "a", {make_demand("cpu", "/node/cpu", 3)});
  add_virtual_node(p, "b", {make_demand("cpu", "/node/cpu", 2)});
  finalize(p);
  return p;
}

Cluster cluster_of(Nodes nodes) {
  Cluster c;
  c.nodes = std::move(nodes);
  c.level = 1;
  c.parent = 0;
  c.representative = c.nodes.front();
  return c;
}

std::vector<int> order_of(const Problem& p, const std::vector<Cluster>& clusters) {
  std::vector<int> out;
  for (const auto& c : candidate_clusters(p, clusters)) out.push_back(c.cluster);
  return out;
}

TEST(Selection, Rule1ExactFitBeforeSmallerClusters) {
  //                                    0  1  2  3  4
  const Problem p = selection_problem({3, 2, 0, 4, 4});
  const std::vector<Cluster> cl = {cluster_of({3, 4}), cluster_of({0, 1, 2})};
  const auto cands = candidate_clusters(p, cl);
  ASSERT_EQ(cands.size(), 2u);
  EXPECT_EQ(cands[0].cluster, 1);  // free 5 = required 5, though larger
  EXPECT_TRUE(cands[0].exact);
  EXPECT_EQ(cands[0].size, 3);
  EXPECT_DOUBLE_EQ(cands[0].residual, 0);
  EXPECT_FALSE(cands[1].exact);
  EXPECT_DOUBLE_EQ(cands[1].residual, 3.0 / 5.0);
}

TEST(Selection, Rule2FewerNodesBeforeLessResidual) {
  const Problem p = selection_problem({10, 10, 3, 2, 1});
  const std::vector<Cluster> cl = {cluster_of({2, 3, 4}), cluster_of({0, 1})};
  EXPECT_EQ(order_of(p, cl), (std::vector<int>{1, 0}));
}

TEST(Selection, Rule3LeastResidualAmongEqualSizes) {
  const Problem p = selection_problem({4, 4, 3, 3, 9, 9});
  const std::vector<Cluster> cl = {cluster_of({0, 1}), cluster_of({4, 5}), cluster_of({2, 3})};
  EXPECT_EQ(order_of(p, cl), (std::vector<int>{2, 0, 1}));
  // Equal in everything: the given (hierarchy) order.
  const std::vector<Cluster> twins = {cluster_of({2, 3}), cluster_of({3, 2})};
  EXPECT_EQ(order_of(p, twins), (std::vector<int>{0, 1}));
}

TEST(Selection, OnlyClustersThatCanSupportTheNodeResources) {
  //                                    0  1  2  3  4  5  6  7
  Problem p = selection_problem({2, 2, 2, 1, 3, 3, 2, 9});
  p.node_suitable[0][7] = 0;  // "a" may not use node 7
  const std::vector<Cluster> cl = {
      cluster_of({3, 4}),     // free 4 < 5 in total
      cluster_of({0, 1, 2}),  // 6 in total, but no node has the 3 "a" needs
      cluster_of({6, 7}),     // 11, but the only node with 3 is unsuitable for "a"
      cluster_of({4, 5}),     // 6: fits
  };
  EXPECT_EQ(order_of(p, cl), (std::vector<int>{3}));
  // `used` counts: with node 5 fully used, {4, 5} has only 3 free.
  p.substrate_resources[5].used = 10;
  EXPECT_TRUE(order_of(p, cl).empty());
}

TEST(Selection, ExactMeansEveryRequestedAttribute) {
  Problem p = selection_problem({3, 2, 3, 2});
  for (int v = 0; v < 4; ++v)
    add_substrate_resource(p, cat("ram", num(v)), "/node/ram", v < 2 ? 4 : 8, {v});
  p.nodes[0].demands.push_back(make_demand("ram", "/node/ram", 4));
  p.nodes[1].demands.push_back(make_demand("ram", "/node/ram", 4));
  p.demand_hosts.clear();
  finalize(p);
  const std::vector<Cluster> cl = {cluster_of({2, 3}), cluster_of({0, 1})};
  const auto cands = candidate_clusters(p, cl);
  ASSERT_EQ(cands.size(), 2u);
  EXPECT_EQ(cands[0].cluster, 1);  // CPU 5 of 5, RAM 8 of 8
  EXPECT_TRUE(cands[0].exact);
  EXPECT_FALSE(cands[1].exact);  // CPU exact, RAM 16 of 8
  EXPECT_DOUBLE_EQ(cands[1].residual, 1.0);
}

// --- 6.4: restricted problems and solve_clustered ------------------------------

// line(n) with a request of two virtual nodes (1 CPU each) and a link of
// bandwidth 1 between them.
Problem line_request(int n, double cpu = 10, double bw = 10) {
  Problem p = line(n, cpu, bw);
  const int a = add_virtual_node(p, "a", {make_demand("cpu", "/node/cpu", 1)});
  const int b = add_virtual_node(p, "b", {make_demand("cpu", "/node/cpu", 1)});
  add_virtual_link(p, "ab", {a, b}, make_demand("bw", "/link/symmetric/bandwidth", 1));
  finalize(p);
  return p;
}

TEST(Restriction, KeepsIndicesAndMakesTheMipSmall) {
  const Problem p = line_request(20);
  const Problem q = restrict_to_cluster(p, {3, 4, 5});
  ASSERT_EQ(q.substrate.size(), p.substrate.size());
  for (std::size_t v = 0; v < p.substrate.size(); ++v) {
    const bool node_inside = v >= 3 && v <= 5;
    EXPECT_EQ(q.node_suitable[0][v] != 0, node_inside) << v;
  }
  // Links 3-4 and 4-5 (elements 23, 24) are inside, 2-3 and 5-6 are not.
  EXPECT_TRUE(q.link_allowed[0][23]);
  EXPECT_TRUE(q.link_allowed[0][24]);
  EXPECT_FALSE(q.link_allowed[0][22]);
  EXPECT_FALSE(q.link_allowed[0][25]);
  EXPECT_FALSE(q.link_allowed[0][2]);
  // Variables only inside: x for 2 x 3 placements, y on the 8 arcs of the
  // two inner links.
  const Formulation whole(p), part(q);
  EXPECT_EQ(whole.node_binaries(), 40);
  EXPECT_EQ(whole.flow_variables(), 76);
  EXPECT_EQ(part.node_binaries(), 6);
  EXPECT_EQ(part.flow_variables(), 8);
}

TEST(Restriction, LinkChainsLeavingTheClusterAreOutside) {
  // 0 = L1 = L2 - 1, where L1-L2 is a link-to-link connection.
  Problem p = substrate_with_nodes(3);
  const int l1 = add_substrate_link(p, "L1", {0});
  const int l2 = add_substrate_link(p, "L2", {l1, 1});
  const int l3 = add_substrate_link(p, "L3", {0, 2});
  const int a = add_virtual_node(p, "a");
  const int b = add_virtual_node(p, "b");
  add_virtual_link(p, "ab", {a, b}, make_demand("bw", "/link/symmetric/bandwidth", 1));
  finalize(p);
  const Problem q = restrict_to_cluster(p, {0, 2});
  EXPECT_FALSE(q.link_allowed[0][at(l1)]);  // leads to node 1 through L2
  EXPECT_FALSE(q.link_allowed[0][at(l2)]);
  EXPECT_TRUE(q.link_allowed[0][at(l3)]);
  const Problem r = restrict_to_cluster(p, {0, 1});
  EXPECT_TRUE(r.link_allowed[0][at(l1)]);
  EXPECT_TRUE(r.link_allowed[0][at(l2)]);
  EXPECT_FALSE(r.link_allowed[0][at(l3)]);
}

bool hosts_within(const Solution& s, const Nodes& cluster) {
  for (int h : s.node_host)
    if (!std::binary_search(cluster.begin(), cluster.end(), h)) return false;
  return true;
}

TEST(Clustered, MapsIntoTheFirstCandidate) {
  const Problem p = line_request(20);
  ClusterOptions o;
  o.max_size = 4;
  const MappingResult r = solve_clustered(p, o, SolveSettings{});
  ASSERT_EQ(r.status, Status::kFeasible) << joined(r.explanation);
  EXPECT_EQ(r.strategy, "cluster(2)/mip/cbc");
  // The 2-node leaves come first (rule 2), equal residual: hierarchy order.
  EXPECT_TRUE(hosts_within(r.solution, {3, 4}));
  EXPECT_TRUE(check(p, r.solution).ok()) << check(p, r.solution).format();
  EXPECT_NEAR(r.objective, evaluate(p, r.solution), tolerance(r.objective));
  EXPECT_GT(r.seconds, 0);
}

TEST(Clustered, ExactFitIsTriedFirst) {
  Problem p = line_request(20);
  // Nodes 15-17 have exactly the 2 CPU the request needs.
  for (int v = 15; v <= 17; ++v) p.substrate_resources[at(v)].used = v == 16 ? 10 : 9;
  ClusterOptions o;
  o.max_size = 4;
  const MappingResult r = solve_clustered(p, o, SolveSettings{});
  ASSERT_EQ(r.status, Status::kFeasible) << joined(r.explanation);
  EXPECT_EQ(r.strategy, "cluster(3)/mip/cbc");
  EXPECT_TRUE(hosts_within(r.solution, {15, 16, 17}));
  EXPECT_TRUE(check(p, r.solution).ok());
}

TEST(Clustered, NextCandidateWhenTheFirstCannotMapTheLinks) {
  // Node CPU 1 each: the two virtual nodes need two hosts; the link of the
  // first candidate {3, 4} cannot carry the bandwidth.
  Problem p = line_request(20, 1, 10);
  const int l34 = 20 + 3;
  p.substrate_resources[p.substrate[at(l34)].resources[0]].capacity = 0.5;
  ClusterOptions o;
  o.max_size = 4;
  const MappingResult r = solve_clustered(p, o, SolveSettings{});
  ASSERT_EQ(r.status, Status::kFeasible) << joined(r.explanation);
  EXPECT_EQ(r.strategy, "cluster(2)/mip/cbc");
  EXPECT_TRUE(hosts_within(r.solution, {8, 9}));
  EXPECT_TRUE(check(p, r.solution).ok());

  // The candidate limit holds: with one try and no fallback, nothing.
  o.max_candidates = 1;
  o.fallback_whole = false;
  const MappingResult none = solve_clustered(p, o, SolveSettings{});
  EXPECT_EQ(none.status, Status::kNoSolution);
  EXPECT_EQ(none.explanation.size(), 2u) << joined(none.explanation);
}

TEST(Clustered, FallsBackToTheWholeSubstrate) {
  // Four virtual nodes of 1 CPU on six 1-CPU nodes: no 3-node cluster fits.
  Problem p = line(6, 1);
  for (int i = 0; i < 4; ++i)
    add_virtual_node(p, cat("v", num(i)), {make_demand("cpu", "/node/cpu", 1)});
  finalize(p);
  ClusterOptions o;
  o.max_size = 3;
  ASSERT_EQ(cluster_substrate(p, o).size(), 3u);
  const MappingResult r = solve_clustered(p, o, SolveSettings{});
  EXPECT_EQ(r.status, Status::kOptimal) << joined(r.explanation);
  EXPECT_EQ(r.strategy, "cluster(6)/mip/cbc");
  EXPECT_TRUE(check(p, r.solution).ok());

  o.fallback_whole = false;
  const MappingResult none = solve_clustered(p, o, SolveSettings{});
  EXPECT_EQ(none.status, Status::kNoSolution);
  EXPECT_FALSE(none.has_solution());
  EXPECT_FALSE(none.explanation.empty());

  // A node without any candidate host: infeasible before any cluster.
  p.node_suitable[0].assign(p.substrate.size(), 0);
  const MappingResult inf = solve_clustered(p, o, SolveSettings{});
  EXPECT_EQ(inf.status, Status::kInfeasible);
  EXPECT_FALSE(inf.explanation.empty());
}

TEST(Clustered, PluggableInnerSolvers) {
  const Problem p = line_request(20);
  ClusterOptions o;
  o.max_size = 4;
  const MappingResult fast =
      solve_clustered(p, o, [](const Problem& q) { return solve_fast(q, FastOptions{}); });
  ASSERT_EQ(fast.status, Status::kFeasible) << joined(fast.explanation);
  EXPECT_EQ(fast.strategy, "cluster(2)/fast/coordinated");
  EXPECT_TRUE(hosts_within(fast.solution, {3, 4}));
  EXPECT_TRUE(check(p, fast.solution).ok());

  SolveSettings glpk;
  glpk.solver = "glpk";
  const MappingResult two =
      solve_clustered(p, o, [&](const Problem& q) { return solve_two_step(q, glpk); });
  ASSERT_EQ(two.status, Status::kFeasible) << joined(two.explanation);
  EXPECT_EQ(two.strategy, "cluster(2)/two-step/glpk");
  EXPECT_TRUE(check(p, two.solution).ok());

  SolveSettings bad;
  bad.solver = "no-such-solver";
  const MappingResult err = solve_clustered(p, o, bad);
  EXPECT_EQ(err.status, Status::kError);
  EXPECT_FALSE(err.explanation.empty());
}

// --- 6.3.1: two-step ---------------------------------------------------------------

TEST(TwoStep, FixPlacementKeepsOnlyTheChosenHost) {
  const Problem p = line_request(5);
  const Problem q = fix_placement(p, {2, -1});
  for (std::size_t v = 0; v < p.substrate.size(); ++v) {
    EXPECT_EQ(q.node_suitable[0][v] != 0, v == 2) << v;
    EXPECT_EQ(q.node_suitable[1][v], p.node_suitable[1][v]) << v;
  }
}

TEST(TwoStep, BothBackendsOnALargerInstance) {
  // A ring of 6 virtual nodes on the two-clique substrate.
  Problem p = two_cliques();
  for (int i = 0; i < 6; ++i)
    add_virtual_node(p, cat("v", num(i)), {make_demand("cpu", "/node/cpu", 4)});
  for (int i = 0; i < 6; ++i)
    add_virtual_link(p, cat("e", num(i)), {i, (i + 1) % 6},
                     make_demand("bw", "/link/symmetric/bandwidth", 3));
  finalize(p);
  for (const char* backend : {"cbc", "glpk"}) {
    SCOPED_TRACE(backend);
    SolveSettings s;
    s.solver = backend;
    int reports = 0;
    s.progress = [&](const solver::Progress&) { ++reports; };
    const MappingResult r = solve_two_step(p, s);
    ASSERT_EQ(r.status, Status::kFeasible) << joined(r.explanation);
    EXPECT_EQ(r.strategy, std::string("two-step/") + backend);
    EXPECT_TRUE(check(p, r.solution).ok()) << check(p, r.solution).format();
    EXPECT_NEAR(r.objective, evaluate(p, r.solution), tolerance(r.objective));
    EXPECT_TRUE(std::isnan(r.bound));
    EXPECT_GT(reports, 0);
    const MappingResult mip = solve_mip(p, s);
    ASSERT_TRUE(mip.has_solution());
    EXPECT_GE(r.objective, mip.objective - tolerance(mip.objective));
    std::printf("%s: two-step %.3f s objective %g, MIP %.3f s objective %g\n", backend, r.seconds,
                r.objective, mip.seconds, mip.objective);
  }
}

TEST(TwoStep, OptimalOnlyWhenThePlacementIsForced) {
  Problem p = line_request(5);
  p.node_suitable[0].assign(p.substrate.size(), 0);
  p.node_suitable[1].assign(p.substrate.size(), 0);
  p.node_suitable[0][1] = 1;
  p.node_suitable[1][3] = 1;
  const MappingResult r = solve_two_step(p, SolveSettings{});
  EXPECT_EQ(r.status, Status::kOptimal);
  EXPECT_NEAR(r.objective, 2 + 2, 1e-6);  // 2 CPU + bandwidth 1 on links 1-2, 2-3
  p.node_suitable[1][4] = 1;
  const MappingResult f = solve_two_step(p, SolveSettings{});
  EXPECT_EQ(f.status, Status::kFeasible);
  p.node_suitable[1].assign(p.substrate.size(), 0);
  const MappingResult inf = solve_two_step(p, SolveSettings{});
  EXPECT_EQ(inf.status, Status::kInfeasible);
  EXPECT_FALSE(inf.explanation.empty());
}

// --- Random instances against the exhaustive reference ----------------------------

struct Counts {
  int instances = 0;
  int infeasible = 0;
  int mapped = 0;
  int in_cluster = 0;  // clustered: mapped inside a proper cluster
  int optimal = 0;     // reached the exhaustive optimum
};

bool forced(const Problem& p) {
  for (const auto& row : p.node_suitable)
    if (std::count(row.begin(), row.end(), char{1}) != 1) return false;
  return true;
}

// A mapping is valid, its objective is what evaluate() says and no better
// than the optimum; without one the instance is not feasible.
void expect_sound(const Problem& p, const MappingResult& ref, const MappingResult& r, Counts& n,
                  bool must_map) {
  ASSERT_NE(r.status, Status::kError) << joined(r.explanation);
  if (ref.status == Status::kInfeasible) {
    EXPECT_FALSE(r.has_solution()) << r.strategy << " maps an infeasible instance";
    if (must_map) {
      EXPECT_EQ(r.status, Status::kInfeasible);
      EXPECT_FALSE(r.explanation.empty());
    }
    ++n.infeasible;
    return;
  }
  ASSERT_EQ(ref.status, Status::kOptimal);
  if (must_map) {
    ASSERT_TRUE(r.has_solution()) << r.strategy << ": " << joined(r.explanation);
  }
  if (!r.has_solution()) return;
  const CheckReport rep = check(p, r.solution);
  EXPECT_TRUE(rep.ok()) << r.strategy << ": " << rep.format();
  const double value = evaluate(p, r.solution);
  EXPECT_NEAR(r.objective, value, 1e-5 * std::max(1.0, std::fabs(value))) << r.strategy;
  EXPECT_GE(value, ref.objective - tolerance(ref.objective)) << r.strategy;
  ++n.mapped;
  if (value <= ref.objective + tolerance(ref.objective)) ++n.optimal;
}

TEST(RandomAgainstExhaustive, TwoStepBothBackends) {
  Counts cbc, glpk;
  int fixed_checked = 0;
  for (std::uint64_t seed = 7000; seed < 7120; ++seed) {
    const Problem p = random_problem(seed);
    ExhaustiveOptions eo;
    eo.time_limit_s = 10;
    const MappingResult ref = solve_exhaustive(p, eo);
    if (ref.status != Status::kOptimal && ref.status != Status::kInfeasible) continue;
    for (const char* backend : {"cbc", "glpk"}) {
      SCOPED_TRACE(cat("seed ", num(seed), " ", backend));
      Counts& n = std::string(backend) == "cbc" ? cbc : glpk;
      ++n.instances;
      SolveSettings s;
      s.solver = backend;
      s.relative_gap = 1e-9;
      const MappingResult r = solve_two_step(p, s);
      // Step 1 is the whole feasibility problem: it maps every feasible
      // instance and proves every infeasible one.
      expect_sound(p, ref, r, n, /*must_map=*/true);
      if (!r.has_solution()) continue;
      EXPECT_EQ(r.strategy, std::string("two-step/") + backend);
      if (!forced(p)) {
        EXPECT_EQ(r.status, Status::kFeasible);
      }
      // Step 2 is optimal for the placement of step 1.
      const MappingResult fixed = solve_exhaustive(fix_placement(p, r.solution.node_host), eo);
      if (fixed.status == Status::kOptimal) {
        EXPECT_NEAR(r.objective, fixed.objective, 1e-5 * std::max(1.0, fixed.objective));
        ++fixed_checked;
      }
    }
  }
  EXPECT_GE(cbc.instances, 100);
  EXPECT_GE(cbc.mapped, 60);
  EXPECT_GE(glpk.mapped, 60);
  EXPECT_GE(fixed_checked, 100);
  RecordProperty("cbc_mapped", cbc.mapped);
  RecordProperty("cbc_at_optimum", cbc.optimal);
  RecordProperty("glpk_mapped", glpk.mapped);
  RecordProperty("glpk_at_optimum", glpk.optimal);
  std::printf(
      "two-step: %d instances, %d infeasible; cbc %d mapped (%d at the optimum), glpk %d "
      "(%d)\n",
      cbc.instances, cbc.infeasible, cbc.mapped, cbc.optimal, glpk.mapped, glpk.optimal);
}

TEST(RandomAgainstExhaustive, ClusteredWithAndWithoutFallback) {
  Counts mip, strict, fast;
  for (std::uint64_t seed = 7000; seed < 7120; ++seed) {
    const Problem p = random_problem(seed);
    ExhaustiveOptions eo;
    eo.time_limit_s = 10;
    const MappingResult ref = solve_exhaustive(p, eo);
    if (ref.status != Status::kOptimal && ref.status != Status::kInfeasible) continue;
    SCOPED_TRACE(cat("seed ", num(seed)));
    ClusterOptions o;
    o.max_size = 2;  // random substrates have 3-6 nodes
    const auto hierarchy = cluster_substrate(p, o);
    const int all = static_cast<int>(p.substrate_nodes().size());
    SolveSettings s;
    s.relative_gap = 1e-9;

    // With the fallback the whole substrate decides the hard cases: it maps
    // every feasible instance and proves every infeasible one.
    ++mip.instances;
    const MappingResult r = solve_clustered(p, o, s);
    expect_sound(p, ref, r, mip, /*must_map=*/true);
    if (r.has_solution() && r.strategy != cat("cluster(", num(all), ")/mip/cbc")) {
      ++mip.in_cluster;
      EXPECT_EQ(r.status, Status::kFeasible);
      // The whole mapping (hosts and every arc its flows use) lies inside
      // one cluster of the hierarchy of the size the strategy names.
      bool inside = false;
      for (const auto& c : hierarchy)
        inside = inside || (c.parent >= 0 && hosts_within(r.solution, c.nodes) &&
                            r.strategy == cat("cluster(", num(c.nodes.size()), ")/mip/cbc") &&
                            check(restrict_to_cluster(p, c.nodes), r.solution).ok());
      EXPECT_TRUE(inside) << r.strategy;
    }

    // Without it: never a mapping the exhaustive solver rules out, and
    // whatever is found lies in a proper cluster.
    o.fallback_whole = false;
    ++strict.instances;
    const MappingResult c = solve_clustered(p, o, s);
    expect_sound(p, ref, c, strict, /*must_map=*/false);
    if (c.has_solution()) {
      ++strict.in_cluster;
      EXPECT_EQ(c.status, Status::kFeasible);
      EXPECT_EQ(c.strategy.substr(0, 8), "cluster(");
    } else if (ref.status == Status::kOptimal) {
      EXPECT_EQ(c.status, Status::kNoSolution);
    }

    // The fast embedder inside clusters.
    ++fast.instances;
    const MappingResult f =
        solve_clustered(p, o, [](const Problem& q) { return solve_fast(q, FastOptions{}); });
    expect_sound(p, ref, f, fast, /*must_map=*/false);
  }
  EXPECT_GE(mip.instances, 100);
  EXPECT_GE(mip.in_cluster, 20);  // the clusters are really used
  EXPECT_EQ(strict.in_cluster, strict.mapped);
  EXPECT_GE(strict.mapped, 20);
  EXPECT_GE(fast.mapped, 20);
  std::printf(
      "clustered: %d instances, %d infeasible; mip+fallback %d mapped (%d in a cluster, %d "
      "at the optimum); no fallback %d; fast inside %d\n",
      mip.instances, mip.infeasible, mip.mapped, mip.in_cluster, mip.optimal, strict.mapped,
      fast.mapped);
}

}  // namespace
}  // namespace cloudnet::mapping
