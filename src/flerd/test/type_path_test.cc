#include "flerd/type_path.h"

#include <gtest/gtest.h>

namespace cloudnet::flerd {
namespace {

TypePath P(const char* s) {
  auto p = TypePath::parse(s);
  EXPECT_TRUE(p.has_value()) << s;
  return p.value_or(TypePath{});
}

TEST(TypePath, ParsesLevels) {
  const TypePath p = P("/node/host/generic");
  ASSERT_EQ(p.depth(), 3u);
  EXPECT_EQ(p.category(), "node");
  EXPECT_EQ(p.levels()[2], "generic");
  EXPECT_EQ(p.str(), "/node/host/generic");
}

TEST(TypePath, RejectsMalformedPaths) {
  for (const char* bad : {"", "node/host", "/node//host", "/node/host/", "/node/ho st", "/"}) {
    std::string why;
    EXPECT_FALSE(TypePath::parse(bad, &why).has_value()) << bad;
    EXPECT_FALSE(why.empty()) << bad;
  }
}

// CloudNet paper 2.4: /node/host/server and /node/host/mainframe are both
// suitable for a /node/host/generic request.
TEST(TypePath, GenericIsHostedBySiblings) {
  EXPECT_TRUE(P("/node/host/generic").hostable_by(P("/node/host/server")));
  EXPECT_TRUE(P("/node/host/generic").hostable_by(P("/node/host/mainframe")));
  EXPECT_TRUE(P("/node/host/generic").hostable_by(P("/node/host/generic")));
  EXPECT_TRUE(P("/node/generic").hostable_by(P("/node/host/server/xen")));
}

TEST(TypePath, SpecificRequestNeedsSameBranch) {
  EXPECT_TRUE(P("/node/host/server").hostable_by(P("/node/host/server")));
  EXPECT_TRUE(P("/node/host/server").hostable_by(P("/node/host/server/xen")));
  EXPECT_FALSE(P("/node/host/server").hostable_by(P("/node/host/mainframe")));
  EXPECT_FALSE(P("/node/host/generic").hostable_by(P("/link/generic")));
  EXPECT_FALSE(P("/node/host/generic").hostable_by(P("/node/host")));  // host less specific
}

TEST(TypePath, GenericMidPathMatchesAnySiblingForAttributes) {
  // Resource attributes: /host/generic/RAM/real/amount is the RAM of any host.
  EXPECT_TRUE(P("/host/generic/RAM/real/amount").hostable_by(P("/host/server/RAM/real/amount")));
  EXPECT_FALSE(P("/host/generic/RAM/real/amount").hostable_by(P("/host/server/HDD/space")));
}

TEST(TypePath, PluginLevelsAreTheHostsLowerLevels) {
  const auto levels = P("/node/host/generic").plugin_levels(P("/node/host/server/xen"));
  ASSERT_EQ(levels.size(), 1u);
  EXPECT_EQ(levels[0], "xen");
  EXPECT_TRUE(P("/node/host/generic").plugin_levels(P("/node/host/server")).empty());
}

TEST(TypePath, NegatedBlackListAttributes) {
  const TypePath p = P("/not/position/continent/country");
  EXPECT_TRUE(p.is_negated());
  EXPECT_EQ(p.negated().str(), "/position/continent/country");
  EXPECT_FALSE(P("/position/continent/country").is_negated());
}

TEST(TypePath, ContainsIsPrefix) {
  EXPECT_TRUE(P("/node").contains(P("/node/host/server")));
  EXPECT_FALSE(P("/node/host/server").contains(P("/node/host")));
}

TEST(FeatureValue, HierarchicalValuesMatchByContainment) {
  EXPECT_TRUE(feature_value_matches("/NA/USA", "/NA/USA"));
  EXPECT_TRUE(feature_value_matches("/NA", "/NA/USA"));
  EXPECT_TRUE(feature_value_matches("NA/USA", "/NA/USA"));  // the thesis writes both
  EXPECT_FALSE(feature_value_matches("/NA/USA", "/NA/Canada"));
  EXPECT_FALSE(feature_value_matches("/NA/USA", "/NA"));
  EXPECT_FALSE(feature_value_matches("/Asia/Afghanistan", "/Europe/Germany"));
}

}  // namespace
}  // namespace cloudnet::flerd
