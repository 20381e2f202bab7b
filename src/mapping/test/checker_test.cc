// The independent checker and the objective evaluator on hand-made problems:
// a valid solution is accepted, and each rule rejects a mutation of it with a
// message naming the element and the numbers.
#include "mapping/checker.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mapping/objective.h"
#include "mapping/random_instance.h"

namespace cloudnet::mapping {
namespace {

using Direction = SubstrateResource::Direction;

// n0 --l0-- n1 --l1-- n2, and n0 --l2-- n2 with directional up/down
// bandwidth. Latencies: n1 1, l0 2, l1 3, l2 10. Virtual nodes a (cpu 2,
// minimum) and b (cpu 1, constant), one symmetric link v a-b of 5.
struct Line {
  Problem p;
  int n0, n1, n2, l0, l1, l2;
  int cpu0, cpu1, cpu2, bw0, bw1, up2, down2;
  int a, b, v;

  Line() {
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
    a = add_virtual_node(p, "a", {make_demand("cpu", "/node/cpu", 2)});
    b = add_virtual_node(p, "b", {make_demand("cpu", "/node/cpu", 1, ValueType::kConstant)});
    v = add_virtual_link(p, "v", {a, b}, make_demand("bw", "/link/symmetric/bandwidth", 5));
    finalize(p);
  }

  int arc(int from, int to) const { return find_arc(p, from, to); }

  // a on n0, b on n2, the flow over n1.
  Solution valid() const {
    Solution s;
    s.node_host = {n0, n2};
    s.node_alloc = {{{{cpu0, 2}}}, {{{cpu2, 1}}}};
    s.flow_arcs = {{{arc(n0, l0), 5}, {arc(l0, n1), 5}, {arc(n1, l1), 5}, {arc(l1, n2), 5}}};
    return s;
  }
  // The same flow split: 3 over n1, 2 over l2.
  Solution split() const {
    Solution s = valid();
    s.flow_arcs = {{{arc(n0, l0), 3},
                    {arc(l0, n1), 3},
                    {arc(n1, l1), 3},
                    {arc(l1, n2), 3},
                    {arc(n0, l2), 2},
                    {arc(l2, n2), 2}}};
    return s;
  }
};

// Exactly one violation, containing every fragment.
void expect_violation(const CheckReport& r, const std::vector<std::string>& fragments) {
  ASSERT_EQ(r.violations.size(), 1u) << r.format();
  for (const std::string& f : fragments) {
    EXPECT_NE(r.violations[0].find(f), std::string::npos)
        << "missing '" << f << "' in: " << r.violations[0];
  }
}

bool any_contains(const CheckReport& r, const std::string& fragment) {
  for (const std::string& v : r.violations) {
    if (v.find(fragment) != std::string::npos) return true;
  }
  return false;
}

TEST(Checker, AcceptsValidSolutionAndRecomputesUse) {
  Line t;
  const CheckReport r = check(t.p, t.valid());
  EXPECT_TRUE(r.ok()) << r.format();
  EXPECT_EQ(r.format(), "valid");
  EXPECT_DOUBLE_EQ(r.node_resource_use, 3);
  EXPECT_DOUBLE_EQ(r.link_resource_use, 10);  // l0 and l1; nodes have no bandwidth
  ASSERT_EQ(r.resource_use.size(), t.p.substrate_resources.size());
  EXPECT_DOUBLE_EQ(r.resource_use[static_cast<std::size_t>(t.bw0)], 5);
  EXPECT_DOUBLE_EQ(r.resource_use[static_cast<std::size_t>(t.up2)], 0);
}

TEST(Checker, AcceptsSplitFlowAndSymmetricFlowTakesBothDirections) {
  Line t;
  const CheckReport r = check(t.p, t.split());
  EXPECT_TRUE(r.ok()) << r.format();
  // Figure 5.3 a: a symmetric flow reserves both directions of l2.
  EXPECT_DOUBLE_EQ(r.resource_use[static_cast<std::size_t>(t.up2)], 2);
  EXPECT_DOUBLE_EQ(r.resource_use[static_cast<std::size_t>(t.down2)], 2);
  EXPECT_DOUBLE_EQ(r.link_resource_use, 3 + 3 + 2 + 2);
}

TEST(Checker, ShapeMismatch) {
  Line t;
  Solution s = t.valid();
  s.node_host.pop_back();
  expect_violation(check(t.p, s), {"1 node hosts for 2 virtual nodes"});
  s = t.valid();
  s.flow_arcs.clear();
  expect_violation(check(t.p, s), {"0 flow arc lists for 1 flows"});
  s = t.valid();
  s.node_alloc[0].clear();
  expect_violation(check(t.p, s), {"v:a", "0 allocation lists for 1 demands"});
}

TEST(Checker, HostInvalid) {
  Line t;
  Solution s = t.valid();
  s.node_host[0] = 99;
  const CheckReport r = check(t.p, s);
  EXPECT_TRUE(any_contains(r, "virtual node v:a has no valid host (index 99)")) << r.format();
}

TEST(Checker, HostIsSubstrateLink) {
  Line t;
  Solution s = t.valid();
  s.node_host[0] = t.l0;
  const CheckReport r = check(t.p, s);
  EXPECT_TRUE(any_contains(r, "virtual node v:a placed on s:l0, a substrate link")) << r.format();
}

TEST(Checker, HostNotSuitable) {
  Line t;
  t.p.node_suitable[0][static_cast<std::size_t>(t.n0)] = 0;
  expect_violation(check(t.p, t.valid()),
                   {"virtual node v:a placed on s:n0, which is not suitable for it"});
}

TEST(Checker, NoColocate) {
  Line t;
  Solution s = t.valid();
  s.node_host = {t.n0, t.n0};
  s.node_alloc[1] = {{{t.cpu0, 1}}};
  s.flow_arcs = {{}};
  EXPECT_TRUE(check(t.p, s).ok()) << check(t.p, s).format();  // local link: amount 0
  t.p.options.no_colocate = true;
  expect_violation(check(t.p, s), {"no_colocate", "v:a", "v:b", "s:n0"});
}

TEST(Checker, AllocationOnResourceTheHostDoesNotOffer) {
  Line t;
  Solution s = t.valid();
  t.p.demand_hosts[0][0].push_back({t.cpu1, 1});
  s.node_alloc[0] = {{{t.cpu1, 2}}};
  expect_violation(check(t.p, s), {"v:a", "s:n1cpu", "host s:n0 does not offer"});
}

TEST(Checker, AllocationOnResourceThatCannotHostTheDemand) {
  Line t;
  const int ram = add_substrate_resource(t.p, "n0ram", "/node/memory", 8, {t.n0});
  Solution s = t.valid();
  s.node_alloc[0] = {{{t.cpu0, 2}, {ram, 1}}};
  expect_violation(check(t.p, s), {"v:a", "s:n0ram", "cannot host it"});
}

TEST(Checker, MinimumDemandNotMet) {
  Line t;
  Solution s = t.valid();
  s.node_alloc[0][0][0].amount = 1.5;
  expect_violation(check(t.p, s), {"v:a demand cpu", "minimum 2", "on s:n0: allocated 1.5 < 2"});
  s.node_alloc[0][0][0].amount = 7;  // more is fine for a minimum
  EXPECT_TRUE(check(t.p, s).ok());
}

TEST(Checker, MaximumDemandAndMinAlloc) {
  Line t;
  t.p.nodes[0].demands[0].value_type = ValueType::kMaximum;
  Solution s = t.valid();
  s.node_alloc[0][0][0].amount = 3;
  expect_violation(check(t.p, s), {"v:a demand cpu", "allocated 3 > 2"});
  s.node_alloc[0][0].clear();  // 0 is a valid maximum allocation without min_alloc
  EXPECT_TRUE(check(t.p, s).ok()) << check(t.p, s).format();
  t.p.options.min_alloc = 0.5;  // relate_V
  expect_violation(check(t.p, s), {"v:a demand cpu", "allocated 0 < min_alloc 0.5"});
}

TEST(Checker, ConstantDemand) {
  Line t;
  Solution s = t.valid();
  s.node_alloc[1][0][0].amount = 2;
  expect_violation(check(t.p, s), {"v:b demand cpu", "constant 1", "allocated 2 != 1"});
}

TEST(Checker, PropFactorScalesAllocation) {
  Line t;
  t.p.demand_hosts[0][0][0].factor = 2;  // one substrate unit hosts two virtual ones
  Solution s = t.valid();
  s.node_alloc[0][0][0].amount = 1;
  EXPECT_TRUE(check(t.p, s).ok()) << check(t.p, s).format();
  s.node_alloc[0][0][0].amount = 0.9;
  expect_violation(check(t.p, s), {"allocated 1.8 < 2"});
}

TEST(Checker, FlowConservation) {
  Line t;
  Solution s = t.valid();
  s.flow_arcs[0].erase(s.flow_arcs[0].begin() + 2);  // drop n1->l1
  const CheckReport r = check(t.p, s);
  EXPECT_TRUE(any_contains(r, "flow conservation violated at s:n1: in 5, out 0")) << r.format();
  EXPECT_TRUE(any_contains(r, "flow conservation violated at s:l1: in 0, out 5")) << r.format();
}

TEST(Checker, FlowAmountAtSourceAndSink) {
  Line t;
  Solution s = t.valid();
  for (auto& [a, x] : s.flow_arcs[0]) x = 4;
  const CheckReport r = check(t.p, s);
  ASSERT_EQ(r.violations.size(), 2u) << r.format();
  EXPECT_TRUE(any_contains(r,
                           "flow 0 of v:v (v:a->v:b): amount leaving source host s:n0 is 4, "
                           "expected 5"))
      << r.format();
  EXPECT_TRUE(any_contains(r, "amount reaching sink host s:n2 is 4, expected 5")) << r.format();
}

TEST(Checker, FlowOnForbiddenElement) {
  Line t;
  t.p.link_allowed[0][static_cast<std::size_t>(t.l0)] = 0;
  const CheckReport r = check(t.p, t.valid());
  ASSERT_EQ(r.violations.size(), 2u) << r.format();  // both arcs touching l0
  EXPECT_TRUE(any_contains(r, "uses arc s:n0->s:l0 (5) but s:l0 is not allowed for v:v"));
}

TEST(Checker, NegativeArcAmountAndBadArc) {
  Line t;
  Solution s = t.valid();
  s.flow_arcs[0].push_back({t.arc(t.n0, t.l2), -1});
  EXPECT_TRUE(any_contains(check(t.p, s), "amount -1 on arc s:n0->s:l2"));
  s = t.valid();
  s.flow_arcs[0].push_back({1000, 1});
  EXPECT_TRUE(any_contains(check(t.p, s), "invalid arc index 1000"));
}

TEST(Checker, NoSplit) {
  Line t;
  t.p.options.no_split = true;
  EXPECT_TRUE(check(t.p, t.valid()).ok());
  const CheckReport r = check(t.p, t.split());
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(any_contains(r, "no_split")) << r.format();
  EXPECT_TRUE(any_contains(r, "flow is split")) << r.format();
}

TEST(Checker, NoSplitRejectsDetachedCycle) {
  Line t;
  t.p.options.no_split = true;
  Solution s = t.valid();
  // A circulation n0 -> l2 -> n0 next to the path keeps conservation intact.
  s.flow_arcs[0].push_back({t.arc(t.n0, t.l2), 5});
  s.flow_arcs[0].push_back({t.arc(t.l2, t.n0), 5});
  EXPECT_TRUE(any_contains(check(t.p, s), "no_split"));
}

TEST(Checker, LatencyBoundSinglePath) {
  Line t;
  // Path over n1: intermediate l0 (2) + n1 (1) + l1 (3) = 6; hosts do not count.
  t.p.links[0].max_latency = 6;
  EXPECT_TRUE(check(t.p, t.valid()).ok()) << check(t.p, t.valid()).format();
  t.p.links[0].max_latency = 5.5;
  expect_violation(check(t.p, t.valid()),
                   {"path s:n0->s:l0->s:n1->s:l1->s:n2 has latency 6", "max 5.5"});
  t.p.links[0].max_latency.reset();
  t.p.links[0].min_latency = 7;
  expect_violation(check(t.p, t.valid()), {"has latency 6", "min 7"});
}

TEST(Checker, LatencyBoundWithPathPartsOneForbidsSplitting) {
  Line t;
  t.p.links[0].max_latency = 20;
  const CheckReport r = check(t.p, t.split());
  EXPECT_TRUE(any_contains(r, "latency bound with path_parts 1")) << r.format();
}

TEST(Checker, LatencyBoundWithPathParts) {
  Line t;
  t.p.options.path_parts = 2;
  t.p.links[0].max_latency = 10;  // path over n1: 6, over l2: 10
  EXPECT_TRUE(check(t.p, t.split()).ok()) << check(t.p, t.split()).format();
  t.p.links[0].max_latency = 8;
  expect_violation(check(t.p, t.split()),
                   {"does not decompose into at most 2 paths", "s:n0->s:l2->s:n2 has latency 10"});
  t.p.links[0].max_latency = 10;
  t.p.options.path_parts = 3;
  EXPECT_TRUE(check(t.p, t.split()).ok());
}

TEST(Checker, LatencyDecompositionAcrossCrossingPaths) {
  // Two subflows s->x->m->y->t and s->x'->m->y'->t cross at m; the support
  // also holds s->x->m->y'->t. Only the decomposition matters.
  Problem p;
  const int s = add_substrate_node(p, "s");
  const int m = add_substrate_node(p, "m");
  const int t = add_substrate_node(p, "t");
  const int x1 = add_substrate_link(p, "x1", {s, m}, 1);
  const int x2 = add_substrate_link(p, "x2", {s, m}, 5);
  const int y1 = add_substrate_link(p, "y1", {m, t}, 5);
  const int y2 = add_substrate_link(p, "y2", {m, t}, 1);
  const int u = add_virtual_node(p, "u");
  const int w = add_virtual_node(p, "w");
  add_virtual_link(p, "v", {u, w}, make_demand("bw", "/link/symmetric/bandwidth", 2));
  finalize(p);
  p.options.path_parts = 2;
  p.links[0].max_latency = 6;  // x1+y1 = 6, x2+y2 = 6, x2+y1 = 10 (in the support only)
  Solution sol;
  sol.node_host = {s, t};
  sol.node_alloc = {{}, {}};
  sol.flow_arcs = {{{find_arc(p, s, x1), 1},
                    {find_arc(p, x1, m), 1},
                    {find_arc(p, s, x2), 1},
                    {find_arc(p, x2, m), 1},
                    {find_arc(p, m, y1), 1},
                    {find_arc(p, y1, t), 1},
                    {find_arc(p, m, y2), 1},
                    {find_arc(p, y2, t), 1}}};
  // Latency 6 each: x1 (1) + m (0) + y1 (5), x2 (5) + y2 (1).
  EXPECT_TRUE(check(p, sol).ok()) << check(p, sol).format();
  p.links[0].max_latency = 5.5;
  EXPECT_FALSE(check(p, sol).ok());
}

TEST(Checker, CapacityAgainstFreeCapacity) {
  Line t;
  t.p.substrate_resources[static_cast<std::size_t>(t.bw0)].capacity = 4;
  expect_violation(check(t.p, t.valid()),
                   {"resource s:l0bw over capacity: 5 > 4 free (capacity 4, used 0)"});
  t.p.substrate_resources[static_cast<std::size_t>(t.bw0)].capacity = 100;
  t.p.substrate_resources[static_cast<std::size_t>(t.bw0)].used = 97;
  expect_violation(check(t.p, t.valid()),
                   {"resource s:l0bw over capacity: 5 > 3 free (capacity 100, used 97)"});
}

TEST(Checker, NodeCapacity) {
  Line t;
  Solution s = t.valid();
  s.node_host[0] = t.n1;
  s.node_alloc[0] = {{{t.cpu1, 9}}};  // n1cpu: 10 - 2 used
  s.flow_arcs = {{{t.arc(t.n1, t.l1), 5}, {t.arc(t.l1, t.n2), 5}}};
  expect_violation(check(t.p, s), {"resource s:n1cpu over capacity: 9 > 8 free"});
}

TEST(Checker, SharedResourceCountedOnce) {
  Line t;
  const int nfs = add_substrate_resource(t.p, "nfs", "/node/disk", 5, {t.n0, t.n2});
  t.p.nodes[0].demands.push_back(make_demand("disk", "/node/disk", 3));
  t.p.nodes[1].demands.push_back(make_demand("disk", "/node/disk", 3));
  t.p.demand_hosts[0].push_back({{nfs, 1}});
  t.p.demand_hosts[1].push_back({{nfs, 1}});
  Solution s = t.valid();
  s.node_alloc[0].push_back({{nfs, 3}});
  s.node_alloc[1].push_back({{nfs, 3}});
  expect_violation(check(t.p, s), {"resource s:nfs over capacity: 6 > 5 free"});
}

TEST(Checker, DirectionalBandwidthForUpstreamAndDownstreamFlows) {
  Line t;
  t.p.links[0].bandwidth.reset();
  t.p.links[0].upstream = make_demand("up", "/link/upstream/bandwidth", 8);
  t.p.links[0].downstream = make_demand("down", "/link/downstream/bandwidth", 3);
  derive_flows(t.p);
  ASSERT_EQ(t.p.flows.size(), 2u);
  Solution s = t.valid();
  // Upstream a->b enters l2 through its first interface (n0): kUp only.
  // Downstream b->a enters through the second (n2): kDown only.
  s.flow_arcs = {{{t.arc(t.n0, t.l2), 8}, {t.arc(t.l2, t.n2), 8}},
                 {{t.arc(t.n2, t.l2), 3}, {t.arc(t.l2, t.n0), 3}}};
  CheckReport r = check(t.p, s);
  EXPECT_TRUE(r.ok()) << r.format();
  EXPECT_DOUBLE_EQ(r.resource_use[static_cast<std::size_t>(t.up2)], 8);
  EXPECT_DOUBLE_EQ(r.resource_use[static_cast<std::size_t>(t.down2)], 3);
  t.p.links[0].upstream->amount = 12;
  derive_flows(t.p);
  for (auto& [a, x] : s.flow_arcs[0]) x = 12;
  expect_violation(check(t.p, s), {"resource s:l2up over capacity: 12 > 10 free"});
}

TEST(Checker, UpstreamAndDownstreamAddUpOnBothWaysResource) {
  Line t;
  t.p.links[0].bandwidth.reset();
  t.p.links[0].upstream = make_demand("up", "/link/upstream/bandwidth", 3);
  t.p.links[0].downstream = make_demand("down", "/link/downstream/bandwidth", 2);
  derive_flows(t.p);
  Solution s = t.valid();
  s.flow_arcs = {{{t.arc(t.n0, t.l0), 3},
                  {t.arc(t.l0, t.n1), 3},
                  {t.arc(t.n1, t.l1), 3},
                  {t.arc(t.l1, t.n2), 3}},
                 {{t.arc(t.n2, t.l1), 2},
                  {t.arc(t.l1, t.n1), 2},
                  {t.arc(t.n1, t.l0), 2},
                  {t.arc(t.l0, t.n0), 2}}};
  const CheckReport r = check(t.p, s);
  EXPECT_TRUE(r.ok()) << r.format();
  EXPECT_DOUBLE_EQ(r.resource_use[static_cast<std::size_t>(t.bw0)], 5);
}

TEST(Checker, InterfaceBottleneck) {
  Line t;
  add_interface_bandwidth(t.p, "n0if", t.n0, t.l0, 3);
  finalize(t.p);
  expect_violation(check(t.p, t.valid()), {"resource s:n0if over capacity: 5 > 3 free"});
}

TEST(Checker, SharedMediumSymmetricFlowsShareOneReservation) {
  Problem p;
  const int n0 = add_substrate_node(p, "n0");
  const int n1 = add_substrate_node(p, "n1");
  const int n2 = add_substrate_node(p, "n2");
  const int bus = add_substrate_link(p, "bus", {n0, n1, n2}, 1);
  const int bw = add_bandwidth(p, "busbw", bus, 5);
  const int a = add_virtual_node(p, "a");
  const int b = add_virtual_node(p, "b");
  const int c = add_virtual_node(p, "c");
  add_virtual_link(p, "v", {a, b, c}, make_demand("bw", "/link/symmetric/bandwidth", 4));
  finalize(p);
  ASSERT_EQ(p.flows.size(), 3u);  // a-b, a-c, b-c
  Solution s;
  s.node_host = {n0, n1, n2};
  s.node_alloc = {{}, {}, {}};
  const int hosts[3] = {n0, n1, n2};
  for (const Flow& f : p.flows) {
    const int from = hosts[f.source];
    const int to = hosts[f.sink];
    s.flow_arcs.push_back({{find_arc(p, from, bus), 4}, {find_arc(p, bus, to), 4}});
  }
  const CheckReport r = check(p, s);
  EXPECT_TRUE(r.ok()) << r.format();
  EXPECT_DOUBLE_EQ(r.resource_use[static_cast<std::size_t>(bw)], 4);  // max, not 12
}

TEST(Checker, SameHostNeedsNoFlow) {
  Line t;
  Solution s = t.valid();
  s.node_host = {t.n0, t.n0};
  s.node_alloc[1] = {{{t.cpu0, 1}}};
  s.flow_arcs = {{}};
  EXPECT_TRUE(check(t.p, s).ok());
  s.flow_arcs = {{{t.arc(t.n0, t.l0), 5}}};
  const CheckReport r = check(t.p, s);
  EXPECT_TRUE(any_contains(r, "amount 0")) << r.format();
}

TEST(Checker, DistinctNodes) {
  Line t;
  GroupConstraint g;
  g.kind = GroupConstraint::Kind::kDistinct;
  g.nodes = {t.a, t.b};
  g.relation = "anti";
  t.p.groups.push_back(g);
  EXPECT_TRUE(check(t.p, t.valid()).ok());
  Solution s = t.valid();
  s.node_host = {t.n0, t.n0};
  s.node_alloc[1] = {{{t.cpu0, 1}}};
  s.flow_arcs = {{}};
  expect_violation(check(t.p, s), {"group 0 (anti) distinct", "v:a", "v:b", "share s:n0"});
}

TEST(Checker, Colocate) {
  Line t;
  GroupConstraint g;
  g.kind = GroupConstraint::Kind::kColocate;
  g.nodes = {t.a, t.b};
  t.p.groups.push_back(g);
  expect_violation(check(t.p, t.valid()), {"group 0 colocate", "v:b on s:n2", "v:a on s:n0"});
}

TEST(Checker, EqualsFeature) {
  Line t;
  GroupConstraint g;
  g.kind = GroupConstraint::Kind::kEquals;
  g.nodes = {t.a, t.b};
  g.attribute = flerd::TypePath::parse_lenient("/arch");
  t.p.groups.push_back(g);
  t.p.substrate[static_cast<std::size_t>(t.n0)].features.push_back({"/arch", "x86", 0, false, {}});
  expect_violation(check(t.p, t.valid()), {"host s:n2 of virtual node v:b has no feature /arch"});
  t.p.substrate[static_cast<std::size_t>(t.n2)].features.push_back({"/arch", "arm", 0, false, {}});
  expect_violation(check(t.p, t.valid()), {"/arch is 'arm' on s:n2", "'x86' on s:n0"});
  t.p.substrate[static_cast<std::size_t>(t.n2)].features.back().value = "x86";
  EXPECT_TRUE(check(t.p, t.valid()).ok());
}

TEST(Checker, DistinctLinks) {
  Line t;
  const int c = add_virtual_node(t.p, "c", {});
  add_virtual_link(t.p, "w", {t.a, c}, make_demand("bw", "/link/symmetric/bandwidth", 1));
  t.p.node_suitable.clear();
  t.p.node_weight.clear();
  t.p.link_allowed.clear();
  t.p.demand_hosts.clear();
  finalize(t.p);
  GroupConstraint g;
  g.kind = GroupConstraint::Kind::kDistinct;
  g.links = {0, 1};
  t.p.groups.push_back(g);
  Solution s = t.valid();
  s.node_host.push_back(t.n1);
  s.node_alloc.push_back({});
  // w: a (n0) -> c (n1) over l0 shares l0 with v.
  s.flow_arcs.push_back({{t.arc(t.n0, t.l0), 1}, {t.arc(t.l0, t.n1), 1}});
  const CheckReport r = check(t.p, s);
  EXPECT_TRUE(any_contains(r, "distinct: virtual links v:v and v:w both use s:l0")) << r.format();
  EXPECT_FALSE(any_contains(r, "s:n0")) << r.format();  // a common endpoint host
  // Over l2 and n2 -> l1 -> n1 instead: shares only hosts of endpoints.
  s.flow_arcs[1] = {{t.arc(t.n0, t.l2), 1},
                    {t.arc(t.l2, t.n2), 1},
                    {t.arc(t.n2, t.l1), 1},
                    {t.arc(t.l1, t.n1), 1}};
  const CheckReport r2 = check(t.p, s);
  EXPECT_TRUE(any_contains(r2, "both use s:l1")) << r2.format();
}

TEST(Objective, MinCost) {
  Line t;
  t.p.node_weight[0][static_cast<std::size_t>(t.n0)] = 0.5;
  // 0.5 * 2 + 1 * 1 + (5 on l0 + 5 on l1).
  EXPECT_DOUBLE_EQ(evaluate(t.p, t.valid()), 12);
  EXPECT_DOUBLE_EQ(evaluate(t.p, t.split()), 1 + 1 + 3 + 3 + 2 + 2);
}

TEST(Objective, Migration) {
  Line t;
  Existing ex;
  ex.node_host = {t.n1, t.n2};
  ex.node_penalty = {3, 7};
  ex.node_transit = {std::vector<double>(t.p.substrate.size(), 0.0),
                     std::vector<double>(t.p.substrate.size(), 0.0)};
  ex.node_transit[0][static_cast<std::size_t>(t.n0)] = 1;
  ex.node_transit[1][static_cast<std::size_t>(t.n2)] = 0.25;  // counted though b stays
  ex.link_elements = {{t.n0, t.l0, t.n1, t.l1, t.n2}};
  ex.link_penalty = {0.5};
  t.p.existing = ex;
  // Nodes: a moved (3 + 1), b stayed (0.25); link v unchanged.
  EXPECT_DOUBLE_EQ(migration_cost(t.p, t.valid()), 4.25);
  EXPECT_DOUBLE_EQ(evaluate(t.p, t.valid()), 3 + 10 + 4.25);
  // The split flow also touches l2: the link migrates.
  EXPECT_DOUBLE_EQ(migration_cost(t.p, t.split()), 4.75);
}

TEST(Objective, LoadBalance) {
  Line t;
  t.p.options.objective = Objective::kLoadBalance;
  t.p.options.load_c = 2;
  // Loads: n0cpu 2/10, n1cpu 2/10 (used), n2cpu 1/4, l0bw 5/100, l1bw 5/100,
  // l2 0; max 0.25.
  const double sum = 0.2 + 0.2 + 0.25 + 0.05 + 0.05;
  EXPECT_NEAR(evaluate(t.p, t.valid()), 2 * 0.25 + sum, 1e-12);
  t.p.options.load_c = -1;  // 1 + sum of weights (7 resources)
  EXPECT_NEAR(evaluate(t.p, t.valid()), 8 * 0.25 + sum, 1e-12);
  t.p.substrate_resources[static_cast<std::size_t>(t.cpu2)].load_weight = 0.5;
  EXPECT_NEAR(evaluate(t.p, t.valid()), 7.5 * 0.2 + sum - 0.125, 1e-12);
}

TEST(Objective, Energy) {
  Line t;
  t.p.options.objective = Objective::kEnergy;
  // Hosting: n0, l0, n1, l1, n2; n1 was in use already (n1cpu used 2).
  EXPECT_DOUBLE_EQ(evaluate(t.p, t.valid()), 4 + 1e-3 * 13);
  EXPECT_DOUBLE_EQ(evaluate(t.p, t.split()), 5 + 1e-3 * 13);
}

TEST(Objective, QualityQ) {
  Line t;
  // Node part 3 / 3; link part (5 + 5) / 5.
  EXPECT_DOUBLE_EQ(quality_q(t.p, t.valid()), 3);
  Solution s = t.valid();
  s.node_alloc[0][0][0].amount = 5;
  EXPECT_DOUBLE_EQ(quality_q(t.p, s), 6.0 / 3 + 2);
}

TEST(Checker, RandomInstancesAreConsistent) {
  for (std::uint64_t seed = 0; seed < 300; ++seed) {
    const Problem p = random_problem(seed);
    ASSERT_EQ(p.out_arcs.size(), p.substrate.size());
    for (std::size_t a = 0; a < p.arcs.size(); ++a) {
      const SubstrateArc& arc = p.arcs[a];
      ASSERT_GE(arc.reverse, 0);
      EXPECT_EQ(p.arcs[static_cast<std::size_t>(arc.reverse)].reverse, static_cast<int>(a));
      EXPECT_EQ(p.arcs[static_cast<std::size_t>(arc.reverse)].from, arc.to);
      EXPECT_NE(p.substrate[static_cast<std::size_t>(arc.from)].is_link,
                p.substrate[static_cast<std::size_t>(arc.to)].is_link);
    }
    EXPECT_GE(p.nodes.size(), 2u);
    EXPECT_LE(p.nodes.size(), 4u);
    EXPECT_GE(p.links.size(), 1u);
    for (const Flow& f : p.flows) EXPECT_NE(f.source, f.sink);
    const Problem q = random_problem(seed);
    EXPECT_EQ(q.substrate.size(), p.substrate.size());
    EXPECT_EQ(q.flows.size(), p.flows.size());
  }
}

}  // namespace
}  // namespace cloudnet::mapping
