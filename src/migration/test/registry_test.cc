#include <gtest/gtest.h>

#include <set>

#include "migration/registry.h"
#include "migration/simulator.h"
#include "migration/test/helpers.h"

namespace cloudnet::migration {
namespace {

TEST(Registry, EveryRegisteredNameMakesItsPolicy) {
  std::set<std::string_view> names;
  for (const PolicyInfo& info : registered_policies()) {
    auto p = make_policy(info.name, {});
    ASSERT_TRUE(p.ok()) << info.name;
    EXPECT_EQ((*p)->name(), info.name);
    names.insert(info.name);
  }
  for (const char* expected : {"opt", "mix", "cen", "mix_k", "cen_k", "stat", "timm", "onconf"}) {
    EXPECT_TRUE(names.count(expected)) << expected;
  }
  auto missing = make_policy("nope", {});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Error::Code::kNotFound);
}

TEST(Simulator, ChargesAccessBeforeAndMigrationAfterEachDecision) {
  // Path 0-1-2, β = 4; requests at 2. STAT pays 2 a round; TIMM needs zones.
  Substrate s = testing::line(3);
  for (int v = 0; v < 3; ++v) s.zone[v] = v;
  auto c = testing::costs(s, 4);
  auto stat = make_policy("stat", {});
  auto r = simulate(**stat, testing::instance(c, 0), Trace(5, testing::at(2)), true);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->access, 10);
  EXPECT_EQ(r->migration, 0);
  EXPECT_EQ(r->cumulative, (std::vector<double>{2, 4, 6, 8, 10}));
  // TIMM with period 2 moves into zone 1 before round 2 and zone 2 before 4.
  auto timm = make_policy("timm", {});
  r = simulate(**timm, testing::instance(c, 0, 2), Trace(5, testing::at(2)), true);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->migrations, 2);
  EXPECT_EQ(r->migration, 8);
  EXPECT_EQ(r->access, 2 + 2 + 1 + 1 + 0);
  EXPECT_EQ(r->placements[4], Placement::single(2));
  // TIMM without a zone period cannot run.
  EXPECT_FALSE(simulate(**timm, testing::instance(c, 0, 0), Trace(1)).ok());
}

}  // namespace
}  // namespace cloudnet::migration
