#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "migration/cost_model.h"
#include "migration/substrate.h"
#include "migration/test/helpers.h"

namespace cloudnet::migration {
namespace {

using testing::line;

TEST(EdgeList, KeepsEachLinkOnceAndReadsBandwidth) {
  auto s = parse_edge_list("a b 3 10\nb a 3 10\n# comment\n\nb c 2\nc b 2\n", {});
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->num_nodes(), 3);
  ASSERT_EQ(s->links.size(), 2u);
  EXPECT_EQ(s->links[0].latency, 3);
  EXPECT_EQ(s->links[0].bandwidth, 10);
  // Without a fourth field: one of the T1/T2 rates of thesis 7.5.2.
  EXPECT_TRUE(s->links[1].bandwidth == 1.544 || s->links[1].bandwidth == 6.312);
  EXPECT_EQ(s->access_points.size(), 3u);
}

TEST(EdgeList, RejectsMalformedAndDisconnectedInput) {
  EXPECT_EQ(parse_edge_list("a b\n", {}).error().code, Error::Code::kParse);
  EXPECT_EQ(parse_edge_list("a b x\n", {}).error().code, Error::Code::kParse);
  EXPECT_EQ(parse_edge_list("a a 1\n", {}).error().code, Error::Code::kParse);
  EXPECT_EQ(parse_edge_list("a b -1\n", {}).error().code, Error::Code::kParse);
  EXPECT_EQ(parse_edge_list("a b 1 0\n", {}).error().code, Error::Code::kParse);
  EXPECT_EQ(parse_edge_list("a b 1 2 3\n", {}).error().code, Error::Code::kParse);
  EXPECT_EQ(parse_edge_list("a b 1\nc d 1\n", {}).error().code, Error::Code::kInvalidArgument);
  EXPECT_EQ(parse_edge_list("", {}).error().code, Error::Code::kInvalidArgument);
  EXPECT_EQ(read_edge_list("/nonexistent/file", {}).error().code, Error::Code::kIo);
}

TEST(Rocketfuel, ConnectedVariantsLoad) {
  const std::map<std::string, int> nodes = {{"1221", 108}, {"1239", 315}, {"1755", 87},
                                            {"3257", 161}, {"3967", 79},  {"6461", 141}};
  for (const auto& [as, count] : nodes) {
    auto s = read_edge_list(
        std::string(CLOUDNET_SHARED_DIR) + "/topologies/rocketfuel/" + as + "/latencies.intra", {});
    ASSERT_TRUE(s.ok()) << as << ": " << s.error().message;
    EXPECT_EQ(s->num_nodes(), count) << as;
  }
  // The pristine AS1221 map has three components: refused, not silently cut.
  auto pristine = read_edge_list(std::string(CLOUDNET_SHARED_DIR) +
                                     "/topologies/rocketfuel/original-topos/1221/latencies.intra",
                                 {});
  ASSERT_FALSE(pristine.ok());
  EXPECT_NE(pristine.error().message.find("not connected"), std::string::npos);
}

TEST(Zones, FarthestPointClusteringCoversEveryZone) {
  Substrate s = line(20);
  ASSERT_TRUE(assign_zones_by_distance(s, 4).ok());
  for (int z = 0; z < 4; ++z) EXPECT_FALSE(s.zone_nodes(z).empty()) << z;
  // On a path, zones are contiguous segments.
  for (int v = 1; v < 20; ++v) {
    if (s.zone[v] != s.zone[v - 1]) {
      for (int w = v + 1; w < 20; ++w) EXPECT_NE(s.zone[w], s.zone[v - 1]);
    }
  }
  ASSERT_TRUE(assign_pips_round_robin(s, 2).ok());
  for (int v = 0; v < 20; ++v) EXPECT_EQ(s.pip[v], s.zone[v] % 2);
  EXPECT_FALSE(assign_zones_by_distance(s, 0).ok());
  EXPECT_FALSE(assign_pips_round_robin(s, 5).ok());
}

TEST(ZonedErdosRenyi, MeshLayoutFollowsTheSetUp) {
  ZonedGraphParams p;
  p.nodes = 130;
  p.seed = 7;
  auto s = zoned_erdos_renyi(p);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_TRUE(validate(*s).ok());  // connected
  EXPECT_EQ(s->num_zones(), 8);
  EXPECT_EQ(s->num_pips(), 1);
  std::size_t smallest = 1000, largest = 0;
  for (int z = 0; z < 8; ++z) {
    smallest = std::min(smallest, s->zone_nodes(z).size());
    largest = std::max(largest, s->zone_nodes(z).size());
  }
  EXPECT_LE(largest - smallest, 1u);  // zones of equal size
  int inter = 0;
  for (const Link& l : s->links) {
    const bool crosses = s->zone[l.a] != s->zone[l.b];
    EXPECT_EQ(l.latency, crosses ? 100.0 : 1.0);
    EXPECT_TRUE(l.bandwidth == 1.544 || l.bandwidth == 6.312);
    inter += crosses ? 1 : 0;
  }
  EXPECT_EQ(inter, 8 * 7 / 2);  // one link per pair of zones
  auto again = zoned_erdos_renyi(p);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->links.size(), s->links.size());  // same seed, same graph
}

TEST(ZonedErdosRenyi, RingLayoutAttributesZonesToPipsRoundRobin) {
  ZonedGraphParams p;
  p.nodes = 64;
  p.layout = ZonedGraphParams::Layout::kRing;
  p.pips = 4;
  auto s = zoned_erdos_renyi(p);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->num_pips(), 4);
  int inter = 0;
  std::set<std::pair<int, int>> joined;
  for (const Link& l : s->links) {
    EXPECT_EQ(s->pip[l.a], s->zone[l.a] % 4);
    if (s->zone[l.a] != s->zone[l.b]) {
      ++inter;
      joined.insert(std::minmax(s->zone[l.a], s->zone[l.b]));
    }
  }
  EXPECT_EQ(inter, 8);  // a ring of 8 zones, one gateway pair each
  for (int z = 0; z < 8; ++z) EXPECT_TRUE(joined.count(std::minmax(z, (z + 1) % 8))) << z;
  p.layout = ZonedGraphParams::Layout::kMesh;
  EXPECT_FALSE(zoned_erdos_renyi(p).ok());  // multi-PIP needs the ring
}

TEST(CostModel, ConstantMigrationCostAndPipBorders) {
  // Ring of 4 PIPs with 2 nodes each: 0-1 | 2-3 | 4-5 | 6-7 | back to 0.
  Substrate s = line(8);
  s.links.push_back({7, 0, 1.0, 1.0});
  for (int v = 0; v < 8; ++v) s.pip[v] = v / 2;
  CostParams p;
  p.server_size_mb = 1;  // 8 Mbit over mean bandwidth 1: β = 8
  p.pi_factor = 3;
  auto c = CostModel::build(s, p);
  ASSERT_TRUE(c.ok()) << c.error().message;
  const CostModel& m = **c;
  EXPECT_DOUBLE_EQ(m.beta(), 8);
  EXPECT_DOUBLE_EQ(m.pi(), 24);
  EXPECT_EQ(m.migration(3, 3), 0);
  EXPECT_DOUBLE_EQ(m.migration(0, 1), 8);           // same PIP: β
  EXPECT_DOUBLE_EQ(m.migration(1, 2), 8 + 24);      // one border
  EXPECT_DOUBLE_EQ(m.migration(0, 5), 8 + 2 * 24);  // two borders either way round
  EXPECT_EQ(m.pip_borders(0, 7), 1);
  EXPECT_EQ(m.pip_diameter(), 2);
  EXPECT_DOUBLE_EQ(m.distance(0, 4), 4);
}

TEST(CostModel, BottleneckMigrationCostUsesTheWidestPath) {
  // 0 -(bw 2)- 1 -(bw 8)- 2, and a direct 0-2 link with bw 1.
  Substrate s = line(3);
  s.links[0].bandwidth = 2;
  s.links[1].bandwidth = 8;
  s.links.push_back({0, 2, 5.0, 1.0});
  CostParams p;
  p.server_size_mb = 1;
  p.mode = MigrationCostMode::kBottleneck;
  auto c = CostModel::build(s, p);
  ASSERT_TRUE(c.ok());
  EXPECT_DOUBLE_EQ((*c)->migration(0, 2), 8.0 / 2);  // via 1: bottleneck 2
  EXPECT_DOUBLE_EQ((*c)->migration(1, 2), 8.0 / 8);
  // Theorems 7.2.2/7.2.7: thresholds use size / min_e ω(e).
  EXPECT_DOUBLE_EQ((*c)->beta(), 8.0 / 1);
}

TEST(CostModel, AccessCostWithLoadAndSeveralServers) {
  Substrate s = line(5);
  s.strength[4] = 2;
  CostParams p;
  p.beta = 1;
  p.load_weight = 1;
  auto c = CostModel::build(s, p);
  ASSERT_TRUE(c.ok());
  const CostModel& m = **c;
  const Round r = {0, 0, 4};
  // Latency 4+4+0, load: 3 requests each paying η/ω = 3/2.
  EXPECT_DOUBLE_EQ(m.access(r, 4), 8 + 3 * 1.5);
  std::vector<double> counters(5, 0.0);
  m.add_access(r, counters);
  for (int v = 0; v < 5; ++v) EXPECT_DOUBLE_EQ(counters[v], m.access(r, v)) << v;
  // Two active servers: requests go to the closest, each server's load counts.
  const Placement two{{0, 4}, {2}};
  EXPECT_DOUBLE_EQ(m.access(r, two), 0 + 0 + 0 + (2.0 * 2 / 1) + (1.0 * 1 / 2));
  EXPECT_TRUE(std::isinf(m.access(r, Placement{{}, {1}})));
  EXPECT_EQ(m.access({}, Placement{{}, {1}}), 0);
}

TEST(CostModel, RunningAndTransitionCosts) {
  Substrate s = line(4);
  CostParams p;
  p.beta = 10;
  p.active_cost = 3;
  p.inactive_cost = 1;
  p.creation_cost = 4;
  auto c = CostModel::build(s, p);
  ASSERT_TRUE(c.ok());
  const CostModel& m = **c;
  EXPECT_DOUBLE_EQ(m.running(Placement{{0, 1}, {3}}), 3 + 3 + 1);
  // A single server always migrates (even if creating one would be cheaper).
  EXPECT_DOUBLE_EQ(m.transition(Placement::single(0), Placement::single(2)), 10);
  // One server moves, the second is created.
  EXPECT_DOUBLE_EQ(m.transition(Placement::single(0), Placement{{1}, {2}}), 10 + 4);
  // Keeping a location and switching it inactive is free.
  EXPECT_DOUBLE_EQ(m.transition(Placement{{0}, {1}}, Placement{{1}, {0}}), 0);
  EXPECT_DOUBLE_EQ(m.transition(Placement{{0, 1}, {}}, Placement::single(1)), 0);
  EXPECT_EQ(CostModel::transition_moves(Placement::single(0), Placement{{1}, {2}}), 2);
}

TEST(CostModel, RejectsBadParameters) {
  CostParams p;
  p.server_size_mb = 0;
  EXPECT_FALSE(CostModel::build(line(2), p).ok());
  p = {};
  p.pi_factor = -1;
  EXPECT_FALSE(CostModel::build(line(2), p).ok());
  EXPECT_FALSE(CostModel::build(Substrate{}, {}).ok());
}

TEST(CostModel, WeightedCenterIsTheOneMedian) {
  auto c = testing::costs(line(7), 1);
  EXPECT_EQ(weighted_center(*c), 3);
}

}  // namespace
}  // namespace cloudnet::migration
