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

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#pragma GCC diagnostic pop

#include "daemon/test/daemon_process.h"
#include "http/client.h"

namespace {

using namespace cloudnet::daemon::test;  // NOLINT
namespace fs = std::filesystem;

// A fresh P-256 key and a self-signed certificate for `san`, as
// src/http/test/tls_test.cc makes them. False on any OpenSSL failure.
bool make_self_signed(const std::string& cert_file, const std::string& key_file, const char* san) {
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> kctx(
      EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr), EVP_PKEY_CTX_free);
  EVP_PKEY* raw_key = nullptr;
  if (!kctx || EVP_PKEY_keygen_init(kctx.get()) <= 0 ||
      EVP_PKEY_CTX_set_group_name(kctx.get(), "P-256") <= 0 ||
      EVP_PKEY_generate(kctx.get(), &raw_key) <= 0)
    return false;
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(raw_key, EVP_PKEY_free);
  std::unique_ptr<X509, decltype(&X509_free)> x(X509_new(), X509_free);
  if (!x) return false;
  X509_set_version(x.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(x.get()), -60);
  X509_gmtime_adj(X509_getm_notAfter(x.get()), 3600);
  X509_set_pubkey(x.get(), key.get());
  X509_NAME* name = X509_get_subject_name(x.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("cloudnetd test"), -1, -1, 0);
  X509_set_issuer_name(x.get(), name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x.get(), x.get(), nullptr, nullptr, 0);
  for (auto [nid, value] : {std::pair{NID_subject_alt_name, san},
                            std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    if (ext == nullptr) return false;
    X509_add_ext(x.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  if (X509_sign(x.get(), key.get(), EVP_sha256()) == 0) return false;
  FILE* kf = std::fopen(key_file.c_str(), "w");
  if (kf == nullptr) return false;
  bool ok = PEM_write_PrivateKey(kf, key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1;
  std::fclose(kf);
  FILE* cf = std::fopen(cert_file.c_str(), "w");
  if (cf == nullptr) return false;
  ok = ok && PEM_write_X509(cf, x.get()) == 1;
  std::fclose(cf);
  return ok;
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
  cloudnet::http::ClientOptions co;
  co.base_url = "http://127.0.0.1:" + std::to_string(d.port);
  auto client = cloudnet::http::Client::create(co);
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
  cloudnet::http::ClientOptions co;
  co.base_url = "http://127.0.0.1:" + std::to_string(vnp.port);
  co.bearer_token = "carol-secret";
  auto client = cloudnet::http::Client::create(co);
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
    cloudnet::http::ClientOptions co;
    co.base_url = "http://127.0.0.1:" + std::to_string(vnp.port);
    co.bearer_token = "carol-secret";
    auto client = cloudnet::http::Client::create(co);
    ASSERT_TRUE(client.ok()) << client.error().message;
    auto m = client->get("/v1/metrics");
    ASSERT_TRUE(m.ok()) << m.error().message;
    EXPECT_EQ(m->status, 200) << m->body;
    EXPECT_EQ(m->body.find("/host/generic/CPU/amount") != std::string::npos, trusted) << m->body;
  }
}

TEST_F(CloudnetdTest, BadConfigurationExits2) {
  std::ofstream(dir_ + "/bad.yaml") << "name: pip1\nttl: {default: x}\n";
  pid_t pid = ::fork();
  if (pid == 0) {
    int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, 2);
    std::string bin = std::string(CLOUDNET_BINARY_DIR) + "/bin/cloudnetd";
    std::string cfg = dir_ + "/bad.yaml";
    ::execl(bin.c_str(), bin.c_str(), "pip", "--config", cfg.c_str(), nullptr);
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 2);
  // The same for a VNP: a transit link naming an unknown provider.
  std::ofstream(dir_ + "/bad-vnp.yaml")
      << "name: v\nstore: sqlite:v.db\ncustomers: [{name: a, token: aaaaaaaa}]\n"
         "providers: [{name: p, url: http://127.0.0.1:1, token: t}]\n"
         "transit: [{id: t1, a: p, b: q}]\n";
  pid = ::fork();
  if (pid == 0) {
    int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, 2);
    std::string bin = std::string(CLOUDNET_BINARY_DIR) + "/bin/cloudnetd";
    std::string cfg = dir_ + "/bad-vnp.yaml";
    ::execl(bin.c_str(), bin.c_str(), "vnp", "--config", cfg.c_str(), nullptr);
    ::_exit(127);
  }
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 2);
}

}  // namespace
