// One test per rule of MIX (thesis 7.2.1.1).
#include <gtest/gtest.h>

#include <map>

#include "migration/mix.h"
#include "migration/test/helpers.h"

namespace cloudnet::migration {
namespace {

using testing::at;
using testing::costs;
using testing::instance;
using testing::line;

// Path 0..4, β = 10, c = 1, φ = 1/2: migrate at C ≥ 10, candidates C < 5.
class MixRules : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(mix.reset(instance(costs(line(5), 10), 0)).ok()); }
  MixPolicy mix{PolicyParams{}};
};

TEST_F(MixRules, CountersAccumulateTheAccessCostOfEveryNode) {
  (void)mix.decide(Round{4});
  (void)mix.decide(Round{3, 4});
  // C(v) = d(4, v) + d(3, v) + d(4, v).
  const std::vector<double> expected = {4 + 3 + 4, 3 + 2 + 3, 2 + 1 + 2, 1 + 0 + 1, 0 + 1 + 0};
  EXPECT_EQ(mix.counters(), expected);
}

TEST_F(MixRules, StaysUntilTheCurrentCounterReachesCBeta) {
  EXPECT_DOUBLE_EQ(mix.migrate_threshold(), 10);
  EXPECT_EQ(mix.decide(at(4)).server(), 0);  // C(0) = 4
  EXPECT_EQ(mix.decide(at(4)).server(), 0);  // C(0) = 8: others are cheaper, still stays
  EXPECT_EQ(mix.phase(), 0);
  EXPECT_NE(mix.decide(at(4)).server(), 0);  // C(0) = 12 >= 10
  EXPECT_EQ(mix.phase(), 1);
}

TEST_F(MixRules, MigratesOnlyToNodesBelowPhiCBeta) {
  EXPECT_DOUBLE_EQ(mix.active_threshold(), 5);
  for (int i = 0; i < 2; ++i) (void)mix.decide(at(4));
  const NodeId next = mix.decide(at(4)).server();  // C = 12, 9, 6, 3, 0
  EXPECT_TRUE(next == 3 || next == 4) << next;
  EXPECT_LT(mix.counters()[next], 5);
}

TEST(MixRule, DestinationIsUniformAmongCandidates) {
  std::map<NodeId, int> seen;
  for (std::uint64_t seed = 0; seed < 2000; ++seed) {
    PolicyParams p;
    p.seed = seed;
    MixPolicy mix(p);
    ASSERT_TRUE(mix.reset(instance(costs(line(5), 10), 0)).ok());
    // Nodes 2, 3 and 4 stay below 5 when C(0) hits 10.
    const NodeId next = mix.decide(Round{3, 3, 4}).server();  // C = 10, 7, 4, 1, 2
    ++seen[next];
  }
  ASSERT_EQ(seen.size(), 3u);
  for (auto [node, count] : seen) {
    EXPECT_GE(node, 2);
    EXPECT_NEAR(count, 2000.0 / 3, 100) << node;  // > 5 standard deviations
  }
}

TEST_F(MixRules, WithoutCandidatesTheEpochEndsAndCountersReset) {
  // Requests at both ends: every node pays at least 4 per round.
  const Round both = {0, 4};
  (void)mix.decide(both);                   // C(0) = 4, all >= 4
  EXPECT_EQ(mix.decide(both).server(), 0);  // C(0) = 8
  EXPECT_EQ(mix.epoch(), 0);
  EXPECT_EQ(mix.decide(both).server(), 0);  // C(0) = 12 >= 10, nobody below 5: no migration
  EXPECT_EQ(mix.epoch(), 1);
  EXPECT_EQ(mix.phase(), 0);
  for (double c : mix.counters()) EXPECT_EQ(c, 0);
  // The next epoch counts afresh.
  (void)mix.decide(at(4));
  EXPECT_EQ(mix.counters()[0], 4);
}

TEST_F(MixRules, EachMigrationStartsANewPhaseWithinTheEpoch) {
  // On a long path requests at the far end drive MIX forward phase by phase.
  MixPolicy m{PolicyParams{}};
  ASSERT_TRUE(m.reset(instance(costs(line(30), 10), 0)).ok());
  int migrations = 0;
  NodeId where = 0;
  for (int t = 0; t < 40 && m.epoch() == 0; ++t) {
    const NodeId next = m.decide(at(29)).server();
    if (next != where && m.epoch() == 0) ++migrations;
    where = next;
    if (m.epoch() == 0) {
      EXPECT_EQ(m.phase(), migrations);
    }
  }
}

TEST(MixRule, GeneralBandwidthThresholdIsSizeOverMinimumBandwidth) {
  // thesis Theorem 7.2.2: with bottleneck costs MIX migrates at size / min ω.
  Substrate s = line(3);
  s.links[0].bandwidth = 4;
  s.links[1].bandwidth = 1;
  CostParams p;
  p.server_size_mb = 1;
  p.mode = MigrationCostMode::kBottleneck;
  auto c = CostModel::build(s, p);
  ASSERT_TRUE(c.ok());
  MixPolicy mix{PolicyParams{}};
  ASSERT_TRUE(mix.reset(instance(*c, 0)).ok());
  EXPECT_DOUBLE_EQ(mix.migrate_threshold(), 8);
}

TEST(MixRule, ParametersAreChecked) {
  PolicyParams p;
  p.phi = 1;
  MixPolicy mix(p);
  EXPECT_FALSE(mix.reset(instance(costs(line(3), 10), 0)).ok());
  p.phi = 0.5;
  p.c = 0;
  MixPolicy mix2(p);
  EXPECT_FALSE(mix2.reset(instance(costs(line(3), 10), 0)).ok());
}

TEST(MixRule, ResetStartsOver) {
  MixPolicy mix{PolicyParams{}};
  auto inst = instance(costs(line(5), 10), 2);
  ASSERT_TRUE(mix.reset(inst).ok());
  for (int i = 0; i < 10; ++i) (void)mix.decide(Round{0, 4});
  ASSERT_TRUE(mix.reset(inst).ok());
  EXPECT_EQ(mix.current(), 2);
  EXPECT_EQ(mix.epoch(), 0);
  for (double c : mix.counters()) EXPECT_EQ(c, 0);
}

}  // namespace
}  // namespace cloudnet::migration
