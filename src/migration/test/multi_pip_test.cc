// One test per rule of MIX_k (thesis 7.2.1.2) and CEN_k (7.2.2.2).
// Substrate: two PIPs, 0-1-2 | 3-4-5 (a path), β = 10, c = 1, φ = φ' = 1/2.
#include <gtest/gtest.h>

#include "migration/cen_k.h"
#include "migration/mix_k.h"
#include "migration/test/helpers.h"

namespace cloudnet::migration {
namespace {

using testing::at;
using testing::costs;
using testing::instance;
using testing::two_pips;

TEST(MixK, SmallEpochsPerLargeEpochIsCeilPiOverBeta) {
  for (auto [x, expected] : {std::pair{1.0, 1}, {2.0, 2}, {2.5, 3}, {0.0, 1}}) {
    MixKPolicy mix{PolicyParams{}};
    ASSERT_TRUE(mix.reset(instance(costs(two_pips(3), 10, x), 0)).ok());
    EXPECT_EQ(mix.small_epochs_per_large(), expected) << x;
    CenKPolicy cen{PolicyParams{}};
    ASSERT_TRUE(cen.reset(instance(costs(two_pips(3), 10, x), 0)).ok());
    EXPECT_EQ(cen.small_epochs_per_large(), expected) << x;
  }
}

TEST(MixK, TriggersAtPhiCBetaAndMovesWithinThePip) {
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    PolicyParams p;
    p.seed = seed;
    MixKPolicy mix(p);
    ASSERT_TRUE(mix.reset(instance(costs(two_pips(3), 10, 1), 0)).ok());
    EXPECT_DOUBLE_EQ(mix.threshold(), 5);
    // C = 5, 4, 3, 2, 1, 0: C(0) reached φ·c·β; PIP 1 is cheaper, but only
    // nodes 1 and 2 of the current PIP are candidates.
    const NodeId next = mix.decide(at(5)).server();
    EXPECT_TRUE(next == 1 || next == 2) << next;
  }
}

TEST(MixK, SmallEpochEndsWhenThePipHasNoActiveNode) {
  MixKPolicy mix{PolicyParams{}};
  ASSERT_TRUE(mix.reset(instance(costs(two_pips(3), 10, 2), 0)).ok());  // 2 small per large
  (void)mix.decide(at(5));                                              // to 1 or 2
  // C = 10, 8, 6, 4, 2, 0: nothing below 5 in PIP 0: the small epoch ends,
  // but the large epoch has a second one, so the server stays in PIP 0.
  const NodeId where = mix.decide(at(5)).server();
  EXPECT_LT(where, 3);
  EXPECT_EQ(mix.small_epoch(), 1);
  EXPECT_EQ(mix.large_epoch(), 0);
  for (double c : mix.counters()) EXPECT_EQ(c, 0);
  EXPECT_EQ(mix.large_counters()[0], 10);  // C_L carries on through the large epoch
}

TEST(MixK, LargeEpochDeactivatesExpensivePipsAndMovesToAnActiveOne) {
  MixKPolicy mix{PolicyParams{}};
  ASSERT_TRUE(mix.reset(instance(costs(two_pips(3), 10, 1), 0)).ok());
  EXPECT_DOUBLE_EQ(mix.large_threshold(), 5);
  (void)mix.decide(at(5));
  // C_L = 10, 8, 6, 4, 2, 0: PIP 0 has no node below φ'·π = 5 and becomes
  // inactive; PIP 1 is the only choice, node 5 its cheapest.
  EXPECT_EQ(mix.decide(at(5)).server(), 5);
  EXPECT_EQ(mix.pip_active(), (std::vector<bool>{false, true}));
  EXPECT_EQ(mix.large_epoch(), 1);
  EXPECT_EQ(mix.small_epoch(), 0);
  for (double c : mix.large_counters()) EXPECT_EQ(c, 0);
}

TEST(MixK, HugeEpochEndsWhenNoPipIsActive) {
  MixKPolicy mix{PolicyParams{}};
  ASSERT_TRUE(mix.reset(instance(costs(two_pips(3), 10, 1), 0)).ok());
  (void)mix.decide(at(5));
  ASSERT_EQ(mix.decide(at(5)).server(), 5);  // PIP 0 inactive now
  (void)mix.decide(at(0));                   // to 3 or 4: stays in PIP 1
  // C_L = 0, 2, 4, 6, 8, 10: PIP 0 is cheap but inactive for this huge
  // epoch, PIP 1 is expensive: no PIP left, the server stays.
  const NodeId where = mix.decide(at(0)).server();
  EXPECT_TRUE(where == 3 || where == 4);
  EXPECT_EQ(mix.huge_epoch(), 1);
  EXPECT_EQ(mix.large_epoch(), 0);
  EXPECT_EQ(mix.pip_active(), (std::vector<bool>{true, true}));
  // In the new huge epoch PIP 0 is eligible again.
  (void)mix.decide(at(0));
  EXPECT_EQ(mix.decide(at(0)).server(), 0);
}

TEST(CenK, TriggersAtCBetaAndStaysInThePipWithinASmallEpoch) {
  CenKPolicy cen{PolicyParams{}};
  ASSERT_TRUE(cen.reset(instance(costs(two_pips(3), 10, 2), 0)).ok());
  EXPECT_DOUBLE_EQ(cen.migrate_threshold(), 10);
  EXPECT_EQ(cen.decide(at(5)).server(), 0);  // C(0) = 5 < c·β
  // C = 10, 8, 6, 4, 2, 0: PIP 0 has no node below τ = 5; the small epoch
  // ends without leaving the PIP although PIP 1 is cheaper.
  EXPECT_EQ(cen.decide(at(5)).server(), 0);
  EXPECT_EQ(cen.small_epoch(), 1);
  EXPECT_EQ(cen.large_epoch(), 0);
}

TEST(CenK, MovesToTheGravityCentreOfTheActiveNodesOfThePip) {
  // PIPs 0-1-2-3 | 4-5-6-7.
  CenKPolicy cen{PolicyParams{}};
  ASSERT_TRUE(cen.reset(instance(costs(two_pips(4), 10, 1), 0)).ok());
  // C(0) = 11; in PIP 0: C(1) = 7, C(2) = 3, C(3) = 1 → active {2, 3}, centre 2.
  EXPECT_EQ(cen.decide(Round{3, 3, 3, 2}).server(), 2);
}

TEST(CenK, LargeEpochMovesToThePipOfTheCentreOfActiveNodes) {
  CenKPolicy cen{PolicyParams{}};
  ASSERT_TRUE(cen.reset(instance(costs(two_pips(3), 10, 1), 0)).ok());
  (void)cen.decide(at(5));
  // C_L = 10, 8, 6, 4, 2, 0: active {3, 4, 5} (C_L < φ'·π = 5), centre 4.
  EXPECT_EQ(cen.decide(at(5)).server(), 4);
  EXPECT_EQ(cen.large_epoch(), 1);
  EXPECT_EQ(cen.node_active(), (std::vector<bool>{false, false, false, true, true, true}));
}

TEST(CenK, InactiveNodesStayInactiveForTheHugeEpoch) {
  CenKPolicy cen{PolicyParams{}};
  ASSERT_TRUE(cen.reset(instance(costs(two_pips(3), 10, 1), 0)).ok());
  (void)cen.decide(at(5));
  ASSERT_EQ(cen.decide(at(5)).server(), 4);
  // Requests move to 0. After three rounds C(4) = 12: small and large epoch
  // end; nodes 0 and 1 are cheap but were deactivated, 3..5 are expensive
  // now: the huge epoch ends and the server stays.
  EXPECT_EQ(cen.decide(at(0)).server(), 4);
  EXPECT_EQ(cen.decide(at(0)).server(), 4);
  EXPECT_EQ(cen.decide(at(0)).server(), 4);
  EXPECT_EQ(cen.huge_epoch(), 1);
  EXPECT_EQ(cen.node_active(), std::vector<bool>(6, true));
  // Next huge epoch: after three more rounds the centre of {0, 1} is 0.
  (void)cen.decide(at(0));
  (void)cen.decide(at(0));
  EXPECT_EQ(cen.decide(at(0)).server(), 0);
}

}  // namespace
}  // namespace cloudnet::migration
