// HTTPS round trips with a self-signed certificate made at test time.
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <memory>

#include "http/testing/self_signed.h"
#include "test_util.h"

namespace cloudnet::http::test {
namespace {

using cloudnet::http::testing::make_self_signed;

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "cloudnet-http-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) != nullptr) path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path.empty()) std::filesystem::remove_all(path, ec);
  }
};

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path.empty());
    cert_ = (dir_.path / "cert.pem").string();
    key_ = (dir_.path / "key.pem").string();
    ASSERT_TRUE(make_self_signed(cert_, key_, "DNS:localhost,IP:127.0.0.1"));

    ServerOptions o = test_options();
    o.tls = TlsFiles{cert_, key_};
    server_ = std::make_unique<Server>(std::move(o));
    server_->route("GET", "/v1/whoami", [](const Request& r) {
      return Response::json(200, {{"principal", r.principal}});
    });
    auto p = server_->start();
    ASSERT_TRUE(p.ok()) << p.error().message;
    port_ = *p;
  }

  Result<Response> get(const std::string& host, const std::string& ca_file, bool insecure,
                       const std::string& path = "/v1/whoami") {
    ClientOptions o;
    o.base_url = "https://" + host + ":" + std::to_string(port_);
    o.bearer_token = "token-alice";
    o.ca_file = ca_file;
    o.insecure_skip_verify = insecure;
    auto c = Client::create(std::move(o));
    if (!c.ok()) return c.error();
    return c->get(path);
  }

  TempDir dir_;
  std::string cert_, key_;
  std::unique_ptr<Server> server_;
  int port_ = 0;
};

TEST_F(TlsTest, HttpsRoundTripWithVerifiedCertificate) {
  for (const char* host : {"127.0.0.1", "localhost"}) {
    auto r = get(host, cert_, false);
    ASSERT_TRUE(r.ok()) << host << ": " << r.error().message;
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->json_body().value()["principal"], "alice");
  }
  auto r = get("127.0.0.1", cert_, false, "/v1/nothing");  // errors over TLS too
  ASSERT_TRUE(r.ok());
  expect_error(*r, 404, "not_found");
}

TEST_F(TlsTest, UntrustedCertificateIsRejectedUnlessInsecure) {
  auto r = get("127.0.0.1", "", false);  // system CAs do not know our certificate
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("certificate verification failed"), std::string::npos)
      << r.error().message;

  r = get("127.0.0.1", "", true);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 200);
}

TEST_F(TlsTest, HostnameMismatchIsRejected) {
  std::string other_cert = (dir_.path / "other.pem").string();
  std::string other_key = (dir_.path / "other-key.pem").string();
  ASSERT_TRUE(make_self_signed(other_cert, other_key, "DNS:pip1.example"));
  ServerOptions o = test_options();
  o.tls = TlsFiles{other_cert, other_key};
  Server s(std::move(o));
  s.route("GET", "/v1/whoami", [](const Request&) { return Response::no_content(); });
  auto p = s.start();
  ASSERT_TRUE(p.ok()) << p.error().message;
  ClientOptions co;
  co.base_url = "https://127.0.0.1:" + std::to_string(*p);
  co.ca_file = other_cert;
  auto c = Client::create(std::move(co));
  ASSERT_TRUE(c.ok());
  auto r = c->get("/v1/whoami");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("does not match host '127.0.0.1'"), std::string::npos)
      << r.error().message;
}

TEST_F(TlsTest, PlainHttpToHttpsPortFailsClearly) {
  auto c = make_client(port_, "token-alice");
  auto r = c.get("/v1/whoami");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("GET http://127.0.0.1:" + std::to_string(port_)),
            std::string::npos)
      << r.error().message;
}

TEST_F(TlsTest, BadKeyIsAStartError) {
  std::string garbage = (dir_.path / "garbage.pem").string();
  FILE* f = std::fopen(garbage.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fputs("not a key\n", f);
  std::fclose(f);
  ServerOptions o = test_options();
  o.tls = TlsFiles{cert_, garbage};
  Server s(std::move(o));
  auto p = s.start();
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message.find("cannot load TLS certificate"), std::string::npos)
      << p.error().message;
}

}  // namespace
}  // namespace cloudnet::http::test
