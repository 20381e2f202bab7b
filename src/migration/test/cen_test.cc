// One test per rule of CEN (thesis 7.2.2.1).
#include <gtest/gtest.h>

#include "migration/cen.h"
#include "migration/test/helpers.h"

namespace cloudnet::migration {
namespace {

using testing::at;
using testing::costs;
using testing::instance;
using testing::line;

TEST(GravityCenter, MinimisesTheDistanceSumWithinTheSet) {
  auto c = costs(line(5), 10);
  const std::vector<NodeId> all = {0, 1, 2, 3, 4};
  EXPECT_EQ(gravity_center(*c, all), 2);
  const std::vector<NodeId> some = {0, 3, 4};  // sums 7, 4, 5
  EXPECT_EQ(gravity_center(*c, some), 3);
  const std::vector<NodeId> tie = {1, 0};  // equal sums: smallest id
  EXPECT_EQ(gravity_center(*c, tie), 0);
  EXPECT_EQ(gravity_center(*c, std::vector<NodeId>{}), -1);
}

// Path 0..4, β = 10, c = 1, φ = 1/2: migrate at C ≥ 10, active while C < τ = 5.
class CenRules : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(cen.reset(instance(costs(line(5), 10), 0)).ok()); }
  CenPolicy cen{PolicyParams{}};
};

TEST_F(CenRules, CountersAccumulateTheAccessCostOfEveryNode) {
  (void)cen.decide(Round{1, 4});
  const std::vector<double> expected = {5, 3, 3, 3, 3};
  EXPECT_EQ(cen.counters(), expected);
  EXPECT_EQ(cen.active_nodes(), (std::vector<NodeId>{1, 2, 3, 4}));
}

TEST_F(CenRules, StaysUntilTheCurrentCounterReachesCBeta) {
  EXPECT_DOUBLE_EQ(cen.migrate_threshold(), 10);
  EXPECT_EQ(cen.decide(at(4)).server(), 0);  // C(0) = 4
  EXPECT_EQ(cen.decide(at(4)).server(), 0);  // C(0) = 8
  EXPECT_NE(cen.decide(at(4)).server(), 0);  // C(0) = 12
}

TEST_F(CenRules, MigratesToTheGravityCentreOfTheActiveNodes) {
  EXPECT_DOUBLE_EQ(cen.tau(), 5);
  // C = 10, 7, 4, 1, 2: active {2, 3, 4}, centre 3.
  EXPECT_EQ(cen.decide(Round{3, 3, 4}).server(), 3);
  EXPECT_EQ(cen.phase(), 1);
  EXPECT_EQ(cen.epoch(), 0);
}

TEST_F(CenRules, ANewPhaseStartsAtEveryMigrationAndCountersCarryOn) {
  EXPECT_EQ(cen.decide(Round{3, 3, 4}).server(), 3);  // C = 10, 7, 4, 1, 2
  // Requests at 0 now: C(3) reaches 10 after three rounds (1 + 3·3).
  EXPECT_EQ(cen.decide(at(0)).server(), 3);  // C = 10, 8, 6, 4, 6
  EXPECT_EQ(cen.decide(at(0)).server(), 3);  // C = 10, 9, 8, 7, 10
  // C = 10, 10, 10, 10, 14: no active node left, so the epoch ends in place.
  EXPECT_EQ(cen.decide(at(0)).server(), 3);
  EXPECT_EQ(cen.epoch(), 1);
  EXPECT_EQ(cen.phase(), 0);
  for (double c : cen.counters()) EXPECT_EQ(c, 0);
}

TEST(CenRule, SecondPhaseGoesToTheCentreOfTheRemainingActiveNodes) {
  CenPolicy cen{PolicyParams{}};
  ASSERT_TRUE(cen.reset(instance(costs(line(7), 10), 0)).ok());
  // C = 10, 8, 6, 4, 2, 0, 2: active {3, 4, 5, 6}, centre 4 (tie with 5).
  EXPECT_EQ(cen.decide(at(5, 2)).server(), 4);
  // C = 28, 23, 18, 13, 8, 3, 2: C(4) = 8, stay.
  EXPECT_EQ(cen.decide(at(6, 3)).server(), 4);
  // C = 34, 28, 22, 16, 10, 4, 2: active {5, 6}, centre 5.
  EXPECT_EQ(cen.decide(at(6)).server(), 5);
  EXPECT_EQ(cen.phase(), 2);
}

TEST_F(CenRules, NeverMovesToAnInactiveNode) {
  // Deterministic walk over many rounds: each destination had C < τ.
  CenPolicy c{PolicyParams{}};
  ASSERT_TRUE(c.reset(instance(costs(line(12), 10), 0)).ok());
  NodeId where = 0;
  for (int t = 0; t < 200; ++t) {
    const Round r = at((t / 7) % 2 == 0 ? 11 : 0, 1 + t % 3);
    const NodeId next = c.decide(r).server();
    if (next != where) {
      // The destination's counter after this round's requests was below τ.
      EXPECT_LT(c.counters()[next], c.tau()) << t;
    }
    where = next;
  }
}

TEST(CenRule, IsDeterministic) {
  auto inst = instance(costs(line(9), 6), 4);
  CenPolicy a{PolicyParams{}}, b{PolicyParams{}};
  ASSERT_TRUE(a.reset(inst).ok());
  ASSERT_TRUE(b.reset(inst).ok());
  for (int t = 0; t < 100; ++t) {
    const Round r = at((t * 7) % 9);
    EXPECT_EQ(a.decide(r), b.decide(r));
  }
}

TEST(CenRule, PhiMustBeAtMostOneHalf) {
  PolicyParams p;
  p.phi = 0.6;
  CenPolicy cen(p);
  EXPECT_FALSE(cen.reset(instance(costs(line(3), 10), 0)).ok());
}

}  // namespace
}  // namespace cloudnet::migration
