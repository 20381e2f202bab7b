// The configurations of `cloudnetd pip` and `cloudnetd vnp`: paths relative
// to the file, errors naming file, line and key.
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

// --- the VNP ----------------------------------------------------------------

std::string vnp_base() {
  return "name: vnp1\n"                                                      // 1
         "store: sqlite:state/vnp1.db\n"                                     // 2
         "listen: 127.0.0.1:0\n"                                             // 3
         "customers:\n"                                                      // 4
         "  - {name: alice, token: alice-secret}\n"                          // 5
         "providers:\n"                                                      // 6
         "  - {name: pip1, url: http://127.0.0.1:8441, token: t1-secret}\n"  // 7
         "  - {name: pip2, url: http://127.0.0.1:8442, token: t2-secret}\n"  // 8
         "  - {name: vnp0, url: http://127.0.0.1:8443, token: t3-secret}\n"  // 9
         "transit:\n"                                                        // 10
         "  - id: t12\n"                                                     // 11
         "    a: pip1\n"                                                     // 12
         "    b: pip2\n"                                                     // 13
         "    capacity: 500\n"                                               // 14
         "    identifiers: {first: 100, last: 109}\n"                        // 15
         "    endpoints: {a: 192.0.2.1, b: 198.51.100.1}\n"                  // 16
         "  - {id: t23, a: pip2, b: vnp0}\n";                                // 17
}

TEST(VnpConfig, ParsesEveryKey) {
  auto c = parse_vnp_config(vnp_base() +
                                "ttl: {default: 20, max: 60}\n"
                                "mapping: {strategy: fast, time_budget: 3, solver: glpk}\n"
                                "negotiation: {parallel: false, call_timeout: 2.5, "
                                "split_attempts: 5, start_on_confirm: false, retry_interval: 0.5}\n"
                                "console: {enabled: true, bind: 127.0.0.1, port: 0, "
                                "advertise: 127.0.0.1, ticket_ttl: 30}\n",
                            "vnp.yaml", kExamples);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->vnp.name, "vnp1");
  EXPECT_EQ(c->vnp.store_url, "sqlite:" + kExamples + "/state/vnp1.db");
  EXPECT_EQ(c->listen_host, "127.0.0.1");
  EXPECT_EQ(c->listen_port, 0);
  EXPECT_EQ(authenticate(c->customers, "alice-secret"), "alice");
  ASSERT_EQ(c->providers.size(), 3u);
  EXPECT_EQ(c->providers[0].name, "pip1");
  EXPECT_EQ(c->providers[0].url, "http://127.0.0.1:8441");
  EXPECT_EQ(c->providers[0].token, "t1-secret");
  EXPECT_EQ(c->providers[0].ca_file, "");
  EXPECT_TRUE(c->vnp.providers.empty());  // the clients are cloudnetd's to make
  ASSERT_EQ(c->vnp.transit.size(), 2u);
  const auto& t = c->vnp.transit[0];
  EXPECT_EQ(t.id, "t12");
  EXPECT_EQ(t.a, "pip1");
  EXPECT_EQ(t.b, "pip2");
  EXPECT_DOUBLE_EQ(t.capacity, 500);
  EXPECT_EQ(t.first_identifier, 100);
  EXPECT_EQ(t.last_identifier, 109);
  EXPECT_EQ(t.endpoint_a, "192.0.2.1");
  EXPECT_EQ(t.endpoint_b, "198.51.100.1");
  // Defaults of an entry that names only its ends.
  EXPECT_DOUBLE_EQ(c->vnp.transit[1].capacity, 1000);
  EXPECT_EQ(c->vnp.transit[1].first_identifier, 100);
  EXPECT_EQ(c->vnp.transit[1].last_identifier, 199);
  EXPECT_DOUBLE_EQ(c->vnp.default_ttl_s, 20);
  EXPECT_DOUBLE_EQ(c->vnp.max_ttl_s, 60);
  EXPECT_EQ(c->vnp.strategy, "fast");
  EXPECT_DOUBLE_EQ(c->vnp.time_budget_s, 3);
  EXPECT_EQ(c->vnp.solver, "glpk");
  EXPECT_FALSE(c->vnp.parallel);
  EXPECT_DOUBLE_EQ(c->vnp.call_timeout_s, 2.5);
  EXPECT_EQ(c->vnp.split_attempts, 5);
  EXPECT_FALSE(c->vnp.start_on_confirm);
  EXPECT_DOUBLE_EQ(c->vnp.retry_interval_s, 0.5);
  EXPECT_TRUE(c->vnp.console);
  EXPECT_DOUBLE_EQ(c->vnp.console_ticket_ttl_s, 30);
  EXPECT_DOUBLE_EQ(c->read_timeout_s(), 60);  // at least 60 s
}

TEST(VnpConfig, DefaultsAndReadTimeout) {
  auto c =
      parse_vnp_config(vnp_base() + "negotiation: {call_timeout: 45}\n", "vnp.yaml", kExamples);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_TRUE(c->vnp.parallel);
  EXPECT_TRUE(c->vnp.start_on_confirm);
  EXPECT_EQ(c->vnp.split_attempts, 3);
  // A grant arriving after call_timeout must still be read (and cancelled).
  EXPECT_DOUBLE_EQ(c->read_timeout_s(), 90);
}

TEST(VnpConfig, TheExampleLoads) {
  auto c = load_vnp_config(kExamples + "/daemon/vnp1.yaml");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->providers.size(), 2u);
  EXPECT_EQ(c->vnp.transit.size(), 1u);
  auto p = load_pip_config(kExamples + "/daemon/pip2.yaml");
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->pip.name, "pip2");
}

void expect_vnp_error(const std::string& text, const std::string& fragment) {
  auto c = parse_vnp_config(text, "vnp.yaml", kExamples);
  ASSERT_FALSE(c.ok()) << "accepted: " << text;
  EXPECT_NE(c.error().message.find(fragment), std::string::npos)
      << "'" << c.error().message << "' lacks '" << fragment << "'";
}

// `text` with the first `from` replaced by `to`.
std::string with(std::string text, const std::string& from, const std::string& to) {
  text.replace(text.find(from), from.size(), to);
  return text;
}

TEST(VnpConfig, ErrorsNameLineAndKey) {
  const std::string b = vnp_base();
  expect_vnp_error(b + "substrate: x.yaml\n", "vnp.yaml:18: substrate: unknown key (known: ");
  expect_vnp_error(b + "negotiation: {paralel: true}\n",
                   "vnp.yaml:18: negotiation.paralel: unknown key");
  expect_vnp_error(b + "negotiation: {parallel: maybe}\n",
                   "vnp.yaml:18: negotiation.parallel: must be true or false");
  expect_vnp_error(b + "negotiation: {call_timeout: 0}\n",
                   "vnp.yaml:18: negotiation.call_timeout: must be > 0");
  expect_vnp_error(b + "negotiation: {split_attempts: 1.5}\n",
                   "negotiation.split_attempts: must be a whole number 1..100");
  expect_vnp_error(b + "negotiation: {retry_interval: -1}\n",
                   "vnp.yaml:18: negotiation.retry_interval: must be >= 0");
  expect_vnp_error(b + "ttl: {default: 300, max: 10}\n", "vnp.yaml:18: ttl.max: must be >=");
  expect_vnp_error(b + "mapping: {strategy: magic}\n", "mapping.strategy: unknown strategy");
  expect_vnp_error(b + "console: {port: 70000}\n", "console.port: must be 0..65535");
  expect_vnp_error(with(b, "name: vnp1\n", ""), "vnp.yaml: name: missing (required)");
  expect_vnp_error(with(b, "store: sqlite:state/vnp1.db\n", ""), "store: missing (required)");
  expect_vnp_error(with(b, "127.0.0.1:0", "localhost"), "vnp.yaml:3: listen: must be host:port");
  expect_vnp_error("name: v\nstore: sqlite:v.db\ncustomers: [{name: a, token: aaaaaaaa}]\n",
                   "providers: missing (required)");
  expect_vnp_error(with(b, "  - {name: vnp0, url: http://127.0.0.1:8443, token: t3-secret}\n",
                        "  - {name: pip1, url: http://127.0.0.1:8443, token: t3-secret}\n"),
                   "vnp.yaml:9: providers[2].name: provider 'pip1' is listed twice");
  expect_vnp_error(with(b, "http://127.0.0.1:8442", "127.0.0.1:8442"),
                   "vnp.yaml:8: providers[1].url: must be http://host:port or https://");
  expect_vnp_error(with(b, ", token: t2-secret}", "}"), "vnp.yaml:8: providers[1].token: missing");
  expect_vnp_error(with(b, ", token: t2-secret}", ", token: t2-secret, colour: red}"),
                   "vnp.yaml:8: providers[1].colour: unknown key");
  expect_vnp_error(with(b, ", token: t2-secret}", ", token: t2-secret, ca_file: ca.pem}"),
                   "providers[1].ca_file: only for an https:// url");
  expect_vnp_error(with(with(b, "http://127.0.0.1:8442", "https://127.0.0.1:8442"),
                        ", token: t2-secret}", ", token: t2-secret, ca_file: nope.pem}"),
                   "providers[1].ca_file: no such file '" + kExamples + "/nope.pem'");
  expect_vnp_error(with(b, "    b: pip2\n", "    b: pip9\n"),
                   "vnp.yaml:13: transit[0].b: 'pip9' is not a configured provider (providers: "
                   "pip1, pip2, vnp0)");
  expect_vnp_error(with(b, "    b: pip2\n", "    b: pip1\n"),
                   "vnp.yaml:13: transit[0].b: must differ from a ('pip1')");
  expect_vnp_error(with(b, "{id: t23,", "{id: t12,"),
                   "vnp.yaml:17: transit[1].id: transit link 't12' is listed twice");
  expect_vnp_error(with(b, "    a: pip1\n", ""), "transit[0].a: missing");
  expect_vnp_error(with(b, "last: 109", "last: 99"),
                   "vnp.yaml:15: transit[0].identifiers.last: must be >= identifiers.first (100)");
  expect_vnp_error(with(b, "last: 109", "last: 10000"),
                   "transit[0].identifiers: at most 4096 identifiers per link");
  expect_vnp_error(with(b, "first: 100", "first: -3"),
                   "transit[0].identifiers.first: must be >= 0");
  expect_vnp_error(with(b, "{first: 100, last: 109}", "{first: 100}"),
                   "transit[0].identifiers: needs both first and last");
  expect_vnp_error(with(b, "capacity: 500", "capacity: lots"),
                   "vnp.yaml:14: transit[0].capacity: must be a number, is 'lots'");
  expect_vnp_error(with(b, "{a: 192.0.2.1,", "{c: 192.0.2.1,"),
                   "vnp.yaml:16: transit[0].endpoints.c: unknown key");
  expect_vnp_error(b + "  - {name: alice, token: x}\n", "transit[2].name: unknown key");
  expect_vnp_error("name: [oops\n", "vnp.yaml:");
}

}  // namespace
}  // namespace cloudnet::daemon
