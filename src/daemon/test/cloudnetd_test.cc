// cloudnetd as a process: the start line, serving, SIGTERM, and a SIGKILL
// followed by a restart on the same store.
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <string>
#include <thread>
#include <utility>

#include "daemon/test/daemon_process.h"
#include "http/client.h"
#include "http/testing/self_signed.h"

namespace {

using namespace cloudnet::daemon::test;  // NOLINT
using cloudnet::http::testing::make_self_signed;
namespace fs = std::filesystem;

// Client options for a daemon of these tests (plain HTTP on loopback).
cloudnet::http::ClientOptions client_options(const Daemon& d, const std::string& token = "") {
  cloudnet::http::ClientOptions co;
  co.base_url = "http://127.0.0.1:" + std::to_string(d.port);
  co.bearer_token = token;
  return co;
}

class CloudnetdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = (fs::temp_directory_path() / "cloudnetd-XXXXXX").string();
    ASSERT_NE(::mkdtemp(templ.data()), nullptr);
    dir_ = templ;
    fs::copy_file(std::string(CLOUDNET_SOURCE_DIR) + "/examples/substrate-pip1.yaml",
                  dir_ + "/substrate.yaml");
    std::ofstream(dir_ + "/pip.yaml") << "name: pip1\n"
                                         "substrate: substrate.yaml\n"
                                         "store: sqlite:pip1.db\n"
                                         "listen: 127.0.0.1:0\n"
                                         "customers:\n"
                                         "  - {name: alice, token: alice-secret}\n"
                                         "sweep_interval: 0.2\n";
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string dir_;
};

TEST_F(CloudnetdTest, StartsServesAndStopsOnSigterm) {
  Daemon d;
  std::string err;
  ASSERT_TRUE(start(d, dir_ + "/pip.yaml", &err)) << err;
  auto client = cloudnet::http::Client::create(client_options(d));
  ASSERT_TRUE(client.ok()) << client.error().message;
  auto r = client->get("/v1/health");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 200);
  int status = d.stop(SIGTERM);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_TRUE(fs::exists(dir_ + "/pip1.db"));  // relative to the configuration
}

TEST_F(CloudnetdTest, SurvivesSigkill) {
  {
    Daemon d;
    std::string err;
    ASSERT_TRUE(start(d, dir_ + "/pip.yaml", &err)) << err;
    d.stop(SIGKILL);
  }
  Daemon d;
  std::string err;
  ASSERT_TRUE(start(d, dir_ + "/pip.yaml", &err)) << err;
  EXPECT_EQ(WEXITSTATUS(d.stop(SIGINT)), 0);
}

// `cloudnetd vnp` over the PIP: starts (a VNP talks to its providers only
// when asked), names itself in /v1/health, aggregates the PIP's metrics,
// stops on SIGTERM.
TEST_F(CloudnetdTest, VnpStartsOverAPipAndStops) {
  Daemon pip;
  std::string err;
  ASSERT_TRUE(start(pip, dir_ + "/pip.yaml", &err)) << err;
  std::ofstream(dir_ + "/vnp.yaml") << "name: vnp1\n"
                                       "store: sqlite:vnp1.db\n"
                                       "listen: 127.0.0.1:0\n"
                                       "customers:\n"
                                       "  - {name: carol, token: carol-secret}\n"
                                       "providers:\n"
                                       "  - {name: pip1, url: http://127.0.0.1:"
                                    << pip.port
                                    << ", token: alice-secret}\n"
                                       "negotiation: {call_timeout: 10}\n";
  Daemon vnp;
  ASSERT_TRUE(start(vnp, dir_ + "/vnp.yaml", &err, "vnp")) << err;
  EXPECT_NE(vnp.line.find("cloudnetd: vnp vnp1 listening on"), std::string::npos) << vnp.line;
  auto client = cloudnet::http::Client::create(client_options(vnp, "carol-secret"));
  ASSERT_TRUE(client.ok()) << client.error().message;
  auto h = client->get("/v1/health");
  ASSERT_TRUE(h.ok()) << h.error().message;
  EXPECT_EQ(h->status, 200);
  EXPECT_NE(h->body.find("vnp1"), std::string::npos) << h->body;
  auto m = client->get("/v1/metrics");
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->status, 200) << m->body;
  EXPECT_NE(m->body.find("/host/generic/CPU/amount"), std::string::npos) << m->body;
  int status = vnp.stop(SIGTERM);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_TRUE(fs::exists(dir_ + "/vnp1.db"));
}

// A VNP buying from a PIP over HTTPS trusts it through providers[].ca_file;
// without it the PIP's certificate is refused (and the VNP reports none of
// its resources).
TEST_F(CloudnetdTest, VnpOverHttpsPipWithCaFile) {
  const std::string cert = dir_ + "/pip.crt", key = dir_ + "/pip.key";
  ASSERT_TRUE(make_self_signed(cert, key, "IP:127.0.0.1"));
  std::ofstream(dir_ + "/pip.yaml", std::ios::app) << "tls: {cert: pip.crt, key: pip.key}\n";
  Daemon pip;
  std::string err;
  ASSERT_TRUE(start(pip, dir_ + "/pip.yaml", &err)) << err;
  ASSERT_NE(pip.line.find("https://"), std::string::npos) << pip.line;
  for (const bool trusted : {true, false}) {
    const std::string file = dir_ + (trusted ? "/vnp.yaml" : "/vnp-untrusting.yaml");
    std::ofstream(file) << "name: vnp1\n"
                           "store: sqlite:"
                        << (trusted ? "vnp1.db" : "vnp2.db")
                        << "\nlisten: 127.0.0.1:0\n"
                           "customers: [{name: carol, token: carol-secret}]\n"
                           "providers:\n"
                           "  - {name: pip1, url: https://127.0.0.1:"
                        << pip.port << ", token: alice-secret"
                        << (trusted ? ", ca_file: pip.crt" : "")
                        << "}\n"
                           "negotiation: {call_timeout: 10}\n";
    Daemon vnp;
    ASSERT_TRUE(start(vnp, file, &err, "vnp")) << err;
    auto client = cloudnet::http::Client::create(client_options(vnp, "carol-secret"));
    ASSERT_TRUE(client.ok()) << client.error().message;
    auto m = client->get("/v1/metrics");
    ASSERT_TRUE(m.ok()) << m.error().message;
    EXPECT_EQ(m->status, 200) << m->body;
    EXPECT_EQ(m->body.find("/host/generic/CPU/amount") != std::string::npos, trusted) << m->body;
  }
}

TEST_F(CloudnetdTest, BadConfigurationExits2) {
  std::ofstream(dir_ + "/bad.yaml") << "name: pip1\nttl: {default: x}\n";
  int status = run_to_exit("pip", dir_ + "/bad.yaml");
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 2);
  // The same for a VNP: a transit link naming an unknown provider.
  std::ofstream(dir_ + "/bad-vnp.yaml")
      << "name: v\nstore: sqlite:v.db\ncustomers: [{name: a, token: aaaaaaaa}]\n"
         "providers: [{name: p, url: http://127.0.0.1:1, token: t}]\n"
         "transit: [{id: t1, a: p, b: q}]\n";
  status = run_to_exit("vnp", dir_ + "/bad-vnp.yaml");
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 2);
}

}  // namespace
