// Plugin selection by the longest registered prefix of the substrate type
// (CloudNet paper 2.4) and the registry's refusals.
#include "embed/registry.h"

#include <gtest/gtest.h>

#include "embed/test/fixture.h"

namespace cloudnet::embed {
namespace {

flerd::TypePath tp(const char* s) {
  return flerd::TypePath::parse_lenient(s);
}

std::shared_ptr<SimPlugin> plugin(std::string name, std::vector<std::string> prefixes) {
  SimOptions o;
  o.name = std::move(name);
  o.type_prefixes = std::move(prefixes);
  return std::make_shared<SimPlugin>(o);
}

TEST(Registry, LongestPrefixWins) {
  PluginRegistry r;
  ASSERT_TRUE(r.add(plugin("sim", {"/node", "/link"})).ok());
  ASSERT_TRUE(r.add(plugin("linux", {"/node/host/server/linux"})).ok());
  ASSERT_TRUE(r.add(plugin("switch", {"/node/switch"})).ok());
  auto name_for = [&](const char* type) {
    auto p = r.select(tp(type), "x");
    return p.ok() ? (*p)->name() : "<" + p.error().message + ">";
  };
  EXPECT_EQ(name_for("/node/host/server/linux"), "linux");
  EXPECT_EQ(name_for("/node/host/server/linux/kvm"), "linux");
  EXPECT_EQ(name_for("/node/host/server"), "sim");
  EXPECT_EQ(name_for("/node/host/server/xen"), "sim");
  // A prefix matches whole levels only.
  EXPECT_EQ(name_for("/node/host/server/linuxish"), "sim");
  EXPECT_EQ(name_for("/node/switch/router"), "switch");
  EXPECT_EQ(name_for("/link/ethernet"), "sim");
  EXPECT_EQ(r.describe(),
            "/link -> sim, /node -> sim, /node/host/server/linux -> linux, /node/switch -> switch");
  EXPECT_EQ(r.plugins().size(), 3u);
  ASSERT_NE(r.find("linux"), nullptr);
  EXPECT_EQ(r.find("xen"), nullptr);
}

TEST(Registry, UnknownTypeNamesElementAndType) {
  PluginRegistry r;
  ASSERT_TRUE(r.add(plugin("linux", {"/node/host/server/linux"})).ok());
  auto p = r.select(tp("/link/ethernet"), "s:link1");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code, Error::Code::kNotFound);
  EXPECT_NE(p.error().message.find("'s:link1'"), std::string::npos) << p.error().message;
  EXPECT_NE(p.error().message.find("/link/ethernet"), std::string::npos);
  EXPECT_NE(p.error().message.find("/node/host/server/linux -> linux"), std::string::npos);
  // A shorter type than the prefix is not under it.
  EXPECT_FALSE(r.select(tp("/node/host/server"), "s:host1").ok());
  EXPECT_FALSE(PluginRegistry().select(tp("/node"), "n").ok());
}

TEST(Registry, RefusesAmbiguousRegistrations) {
  PluginRegistry r;
  ASSERT_TRUE(r.add(plugin("sim", {"/node", "/link"})).ok());
  auto same_name = r.add(plugin("sim", {"/node/other"}));
  EXPECT_EQ(same_name.error().code, Error::Code::kConflict);
  auto same_prefix = r.add(plugin("other", {"/link"}));
  ASSERT_FALSE(same_prefix.ok());
  EXPECT_EQ(same_prefix.error().code, Error::Code::kConflict);
  EXPECT_NE(same_prefix.error().message.find("'sim'"), std::string::npos);
  EXPECT_EQ(r.add(plugin("none", {})).error().code, Error::Code::kInvalidArgument);
  EXPECT_EQ(r.add(nullptr).error().code, Error::Code::kInvalidArgument);
  EXPECT_EQ(r.add(plugin("", {"/x"})).error().code, Error::Code::kInvalidArgument);
  // A refused plugin registered nothing.
  EXPECT_EQ(r.plugins().size(), 1u);
}

TEST(Registry, DefaultRegistryHasTheSimulation) {
  auto r = make_registry();
  ASSERT_TRUE(r.ok());
  auto p = (*r)->select(tp("/node/host/mainframe"), "s:host3");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ((*p)->name(), "sim");
  EXPECT_NE(std::dynamic_pointer_cast<SimPlugin>(*p), nullptr);
  PluginConfig none;
  none.simulation = false;
  auto empty = make_registry(none);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE((*empty)->plugins().empty());
}

// The embedder picks plugins per unit: the Linux plugin for its servers, the
// simulation for the rest.
TEST(Registry, EmbedderPlansPluginsPerSubstrateElement) {
  auto r = std::make_shared<PluginRegistry>();
  ASSERT_TRUE(r->add(plugin("sim", {"/node", "/link"})).ok());
  ASSERT_TRUE(r->add(plugin("server", {"/node/host/server"})).ok());
  Embedder e(r);
  auto plan = e.plan(testing::webservice_mapping());
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  ASSERT_FALSE(plan->empty());
  for (const auto& pu : *plan) {
    const bool server = tp("/node/host/server").contains(pu.unit.substrate_type);
    EXPECT_EQ(pu.plugin->name(), server ? "server" : "sim") << pu.unit.substrate;
  }
}

TEST(Registry, EmbedderRefusesUnknownTypesBeforeCallingAnyPlugin) {
  auto r = std::make_shared<PluginRegistry>();
  auto hosts = plugin("hosts", {"/node/host"});
  ASSERT_TRUE(r->add(hosts).ok());
  Embedder e(r);
  auto s = e.embed(testing::webservice_mapping());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Error::Code::kNotFound);
  EXPECT_NE(s.error().message.find("of type /node/switch/router"), std::string::npos)
      << s.error().message;
  EXPECT_TRUE(hosts->journal().empty());
  EXPECT_TRUE(e.vnets().empty());
}

}  // namespace
}  // namespace cloudnet::embed
