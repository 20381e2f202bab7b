// HTTPS round trips with a self-signed certificate made at test time.
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <memory>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#pragma GCC diagnostic pop

#include "test_util.h"

namespace cloudnet::http::test {
namespace {

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

// Writes a fresh P-256 key and a self-signed certificate for `san`
// (e.g. "DNS:localhost,IP:127.0.0.1"). Returns false on any OpenSSL failure.
bool make_self_signed(const std::string& cert_file, const std::string& key_file, const char* san) {
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> kctx(
      EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr), EVP_PKEY_CTX_free);
  EVP_PKEY* raw_key = nullptr;
  if (!kctx || EVP_PKEY_keygen_init(kctx.get()) <= 0 ||
      EVP_PKEY_CTX_set_group_name(kctx.get(), "P-256") <= 0 ||
      EVP_PKEY_generate(kctx.get(), &raw_key) <= 0) {
    return false;
  }
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
                             reinterpret_cast<const unsigned char*>("cloudnet test"), -1, -1, 0);
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
