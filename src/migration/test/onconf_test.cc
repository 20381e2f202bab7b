// One test per rule of ONCONF (thesis 7.4).
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "migration/configuration.h"
#include "migration/onconf.h"
#include "migration/test/helpers.h"

namespace cloudnet::migration {
namespace {

using testing::at;
using testing::instance;
using testing::line;

std::shared_ptr<const CostModel> model(int n, double beta, double creation, double active = 0,
                                       double inactive = 0) {
  CostParams p;
  p.beta = beta;
  p.creation_cost = creation;
  p.active_cost = active;
  p.inactive_cost = inactive;
  auto c = CostModel::build(line(n), p);
  EXPECT_TRUE(c.ok());
  return *c;
}

TEST(Configurations, CountAndEnumerationAgree) {
  for (int n = 1; n <= 6; ++n) {
    for (int k = 1; k <= 3; ++k) {
      auto all = enumerate_configurations(n, k, 100000);
      ASSERT_TRUE(all.ok());
      EXPECT_EQ(all->size(), configuration_count(n, k)) << n << " " << k;
      // thesis 7.4: |C| ≤ k·(2n)^k.
      EXPECT_LE(static_cast<double>(all->size()), k * std::pow(2.0 * n, k));
      std::set<std::pair<std::vector<NodeId>, std::vector<NodeId>>> distinct;
      for (const Placement& p : *all) {
        EXPECT_FALSE(p.active.empty());
        EXPECT_LE(p.servers(), k);
        distinct.insert({p.active, p.inactive});
      }
      EXPECT_EQ(distinct.size(), all->size());
    }
  }
  EXPECT_EQ(configuration_count(3, 2), 3u + 3u * 3u);
  EXPECT_EQ(enumerate_configurations(200, 3, 1000).error().code, Error::Code::kUnavailable);
}

TEST(OnConf, ThresholdIsMaxOfBetaKHalfAndKMinusOneC) {
  PolicyParams p;
  p.servers = 2;
  OnConfPolicy a(p);
  ASSERT_TRUE(a.reset(instance(model(4, 10, 3), 0)).ok());
  EXPECT_DOUBLE_EQ(a.tau(), 10);  // max{10·2/2, 1·3}
  OnConfPolicy b(p);
  ASSERT_TRUE(b.reset(instance(model(4, 10, 25), 0)).ok());
  EXPECT_DOUBLE_EQ(b.tau(), 25);  // max{10, 1·25}
  p.servers = 3;
  OnConfPolicy c(p);
  ASSERT_TRUE(c.reset(instance(model(4, 10, 3), 0)).ok());
  EXPECT_DOUBLE_EQ(c.tau(), 15);
}

TEST(OnConf, StartsWithOneActiveServerAtTheStart) {
  OnConfPolicy on{PolicyParams{}};
  ASSERT_TRUE(on.reset(instance(model(4, 10, 3), 2)).ok());
  EXPECT_EQ(on.initial(), Placement::single(2));
}

TEST(OnConf, CountersHoldAccessPlusRunningCostOfEachConfiguration) {
  auto c = model(4, 10, 3, 2, 1);
  OnConfPolicy on{PolicyParams{}};
  ASSERT_TRUE(on.reset(instance(c, 0)).ok());
  const Round r = {0, 3};
  (void)on.decide(r);
  for (std::size_t i = 0; i < on.configurations().size(); ++i) {
    const Placement& g = on.configurations()[i];
    EXPECT_DOUBLE_EQ(on.counters()[i], c->access(r, g) + c->running(g));
  }
}

TEST(OnConf, SwitchesToAConfigurationBelowTauWhenTheCurrentReachesIt) {
  for (std::uint64_t seed = 0; seed < 30; ++seed) {
    PolicyParams p;
    p.seed = seed;
    OnConfPolicy on(p);
    ASSERT_TRUE(on.reset(instance(model(4, 10, 3), 0)).ok());  // τ = 10
    // Requests at 3: the single server at 0 pays 3 per round.
    for (int t = 0; t < 3; ++t) EXPECT_EQ(on.decide(at(3)), Placement::single(0));
    const Placement next = on.decide(at(3));  // C = 12 ≥ 10
    EXPECT_NE(next, Placement::single(0));
    EXPECT_LT(on.counters()[on.current()], on.tau());
    EXPECT_EQ(on.epoch(), 0);
  }
}

TEST(OnConf, EpochEndsWhenNoConfigurationIsBelowTau) {
  // Running cost 4 per active server: every configuration pays ≥ 4 a round.
  OnConfPolicy on{PolicyParams{}};
  ASSERT_TRUE(on.reset(instance(model(3, 10, 3, 4), 0)).ok());
  (void)on.decide(Round{});
  (void)on.decide(Round{});
  const Placement stay = on.decide(Round{});  // every C ≥ 12 ≥ τ = 10
  EXPECT_EQ(stay, Placement::single(0));
  EXPECT_EQ(on.epoch(), 1);
  for (double c : on.counters()) EXPECT_EQ(c, 0);
}

TEST(OnConf, RefusesHugeStateSpaces) {
  PolicyParams p;
  p.servers = 3;
  p.max_configurations = 1000;
  OnConfPolicy on(p);
  EXPECT_EQ(on.reset(instance(model(50, 10, 3), 0)).error().code, Error::Code::kUnavailable);
}

}  // namespace
}  // namespace cloudnet::migration
