// The configuration of `cloudnetd pip`: paths relative to the file, errors
// naming file, line and key.
#include "daemon/config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace cloudnet::daemon {
namespace {

const std::string kExamples = std::string(CLOUDNET_SOURCE_DIR) + "/examples";

std::string base() {
  return "name: pip1\n"
         "substrate: substrate-pip1.yaml\n"
         "store: sqlite:state/pip1.db\n"
         "listen: 127.0.0.1:0\n"
         "customers:\n"
         "  - {name: alice, token: alice-secret}\n"
         "  - {name: bob, token_sha256: " +
         sha256_hex("bob-secret-token") + "}\n";
}

TEST(PipConfig, ParsesAndResolvesRelativePaths) {
  auto c = parse_pip_config(base() +
                                "ttl: {default: 30, max: 120}\n"
                                "mapping: {strategy: fast, time_budget: 2}\n"
                                "plugins:\n  sim: {enabled: true, delays_ms: {apply: 5}}\n"
                                "console: {bind: 127.0.0.1, port: 0, ticket_ttl: 30}\n",
                            "pip.yaml", kExamples);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->pip.name, "pip1");
  EXPECT_EQ(c->pip.store_url, "sqlite:" + kExamples + "/state/pip1.db");
  EXPECT_EQ(c->substrate_path, kExamples + "/substrate-pip1.yaml");
  EXPECT_FALSE(c->pip.substrate.topologies.empty());
  EXPECT_EQ(c->listen_port, 0);
  EXPECT_DOUBLE_EQ(c->pip.default_ttl_s, 30);
  EXPECT_DOUBLE_EQ(c->pip.max_ttl_s, 120);
  EXPECT_EQ(c->pip.strategy, "fast");
  EXPECT_EQ(c->pip.plugins.sim.delays.at(embed::SimOp::kApply).count(), 5);
  EXPECT_EQ(authenticate(c->customers, "alice-secret"), "alice");
  EXPECT_EQ(authenticate(c->customers, "bob-secret-token"), "bob");
  EXPECT_EQ(authenticate(c->customers, "wrong"), std::nullopt);
}

TEST(PipConfig, KeepsOtherStoreUrls) {
  std::string t = base();
  t.replace(t.find("sqlite:state/pip1.db"), 20, "postgresql://pip@/pip?host=/run/pg");
  auto c = parse_pip_config(t, "pip.yaml", kExamples);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->pip.store_url, "postgresql://pip@/pip?host=/run/pg");
}

void expect_error(const std::string& text, const std::string& fragment) {
  auto c = parse_pip_config(text, "pip.yaml", kExamples);
  ASSERT_FALSE(c.ok()) << "accepted: " << text;
  EXPECT_NE(c.error().message.find(fragment), std::string::npos)
      << "'" << c.error().message << "' lacks '" << fragment << "'";
}

TEST(PipConfig, ErrorsNameLineAndKey) {
  expect_error(base() + "ttl: {default: 300, max: 10}\n", "pip.yaml:8: ttl.max: must be >=");
  expect_error(base() + "ttl: {default: -1}\n", "pip.yaml:8: ttl.default: must be > 0");
  expect_error(base() + "tll: 3\n", "pip.yaml:8: tll: unknown key");
  expect_error(base() + "mapping: {strategy: magic}\n",
               "mapping.strategy: unknown strategy 'magic'");
  expect_error(base() + "plugins: {sim: {delays_ms: {teleport: 3}}}\n",
               "plugins.sim.delays_ms.teleport: unknown operation");
  expect_error(base() + "plugins: {sim: {enabled: false}}\n", "plugins: no plugin enabled");
  std::string t = base();
  t.replace(t.find("127.0.0.1:0"), 11, "localhost");
  expect_error(t, "pip.yaml:4: listen: must be host:port");
  t = base();
  t.replace(t.find("substrate-pip1.yaml"), 19, "missing.yaml");
  expect_error(t, "pip.yaml:2: substrate: cannot use '" + kExamples + "/missing.yaml'");
  t = base();
  t.replace(t.find("substrate-pip1.yaml"), 19, "request-webservice.yaml");
  expect_error(t, "substrate: '" + kExamples + "/request-webservice.yaml' has no UL topology");
  expect_error("name: x\n", "substrate: missing");
  expect_error(base() + "  - {name: alice, token: another-secret}\n",
               "customers[2].name: customer 'alice' is listed twice");
  expect_error(base() + "  - {name: carol, token: short}\n", "customers[2].token: must have 8");
  expect_error(base() + "  - {name: dave, token_sha256: XYZ}\n",
               "customers[2].token_sha256: must be 64");
  expect_error(base() + "tls: {cert: nope.crt, key: nope.key}\n", "tls.cert: no such file");
  expect_error("name: [oops\n", "pip.yaml:");
}

}  // namespace
}  // namespace cloudnet::daemon
