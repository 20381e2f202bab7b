#include "api/json.h"

#include <gtest/gtest.h>

namespace cloudnet::api {
namespace {

TEST(ApiJson, VNetInfoRoundTrip) {
  roles::VNetInfo v;
  v.id = "vn1";
  v.customer = "alice";
  v.state = "tentative";
  v.created_at_ms = 1700000000123;
  v.expires_at_ms = 1700000030123;
  v.elements = {{"c:a", "node", "tentative", "pip1"}, {"c:l", "link", "tentative", ""}};
  v.completion = {{"c:a/cpu", "2"}};
  v.detail = "why";
  auto back = vnet_info_from_json(to_json(v));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->id, v.id);
  EXPECT_EQ(back->customer, v.customer);
  EXPECT_EQ(back->created_at_ms, v.created_at_ms);
  EXPECT_EQ(back->expires_at_ms, v.expires_at_ms);
  ASSERT_EQ(back->elements.size(), 2u);
  EXPECT_EQ(back->elements[0].site, "pip1");
  EXPECT_EQ(back->elements[1].kind, "link");
  EXPECT_EQ(back->completion, v.completion);
  EXPECT_EQ(back->detail, "why");
  v.expires_at_ms.reset();
  EXPECT_FALSE(to_json(v).contains("expires_at_ms"));
  EXPECT_FALSE(vnet_info_from_json(to_json(v))->expires_at_ms.has_value());
}

TEST(ApiJson, StrictAboutTypesAndRequiredFields) {
  EXPECT_FALSE(vnet_info_from_json(nlohmann::json::array()).ok());
  EXPECT_FALSE(vnet_info_from_json({{"state", "x"}}).ok());
  auto e = vnet_info_from_json({{"id", 3}, {"state", "x"}});
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().code, Error::Code::kParse);
  EXPECT_NE(e.error().message.find("\"id\""), std::string::npos);
  EXPECT_FALSE(
      vnet_info_from_json({{"id", "a"}, {"state", "x"}, {"elements", {{{"id", "n"}}}}}).ok());
  EXPECT_TRUE(vnet_info_from_json({{"id", "a"}, {"state", "x"}, {"future_field", 1}}).ok());
  EXPECT_FALSE(vnet_list_from_json({{"vnets", 1}}).ok());
  EXPECT_FALSE(console_access_from_json({{"host", "h"}, {"port", 70000}, {"token", "t"}}).ok());
  EXPECT_FALSE(metrics_from_json({{"resources", {{"/cpu", {{"capacity", "big"}}}}}}).ok());
}

TEST(ApiJson, MetricsAndConsoleRoundTrip) {
  roles::Metrics m;
  m.provider = "pip1";
  m.resources["/host/generic/CPU/amount"] = {400, 350.5, 16};
  m.features["/virtualization"] = "sim";
  m.vnets = 3;
  auto mb = metrics_from_json(to_json(m));
  ASSERT_TRUE(mb.ok());
  EXPECT_EQ(mb->provider, "pip1");
  EXPECT_DOUBLE_EQ(mb->resources.at("/host/generic/CPU/amount").available, 350.5);
  EXPECT_DOUBLE_EQ(mb->resources.at("/host/generic/CPU/amount").largest_available, 16);
  EXPECT_EQ(mb->features, m.features);
  EXPECT_EQ(mb->vnets, 3);

  roles::ConsoleAccess c{"127.0.0.1", 4000, "abc", 99};
  auto cb = console_access_from_json(to_json(c));
  ASSERT_TRUE(cb.ok());
  EXPECT_EQ(cb->host, c.host);
  EXPECT_EQ(cb->port, c.port);
  EXPECT_EQ(cb->token, c.token);
  EXPECT_EQ(cb->expires_at_ms, 99);
}

TEST(ApiJson, ActionNames) {
  for (roles::Action a : all_actions()) EXPECT_EQ(action_from_name(action_name(a)), a);
  EXPECT_FALSE(action_from_name("Start").has_value());
  EXPECT_FALSE(action_from_name("").has_value());
}

}  // namespace
}  // namespace cloudnet::api
