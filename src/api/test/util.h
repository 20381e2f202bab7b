// Shared by the api tests: the real http::Server on 127.0.0.1 port 0 serving
// a FakeProvider, tokens for two customers, and the example request.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>

#include "api/server.h"
#include "fake_provider.h"
#include "flerd/io.h"
#include "http/client.h"
#include "http/server.h"

namespace cloudnet::api::test {

inline std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline const std::string& request_yaml() {
  static const std::string text =
      read_text(std::string(CLOUDNET_SOURCE_DIR) + "/examples/request-webservice.yaml");
  return text;
}

inline flerd::Document request_doc() {
  auto loaded = flerd::read_string(request_yaml(), flerd::Format::kYaml, "request");
  EXPECT_TRUE(loaded.ok()) << loaded.diagnostics.format();
  return loaded.document;
}

inline std::string request_in(flerd::Format f) {
  return flerd::write_string(request_doc(), f);
}

class ApiServer {
 public:
  static constexpr std::size_t kMaxBody = 256 * 1024;

  ApiServer() {
    http::ServerOptions o;
    o.threads = 8;
    o.keep_alive_timeout = std::chrono::seconds(1);
    o.max_body_bytes = kMaxBody;
    o.authenticator = [](std::string_view token) -> std::optional<std::string> {
      if (token == "token-alice") return "alice";
      if (token == "token-bob") return "bob";
      return std::nullopt;
    };
    server = std::make_unique<http::Server>(o);
    ApiOptions api_options;
    api_options.name = "fake";
    register_routes(*server, provider, api_options);
    auto p = server->start();
    EXPECT_TRUE(p.ok()) << p.error().message;
    port = p.ok() ? *p : 0;
  }
  ~ApiServer() { server->stop(); }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port); }

  http::Client client(const std::string& token = "token-alice") const {
    http::ClientOptions o;
    o.base_url = url();
    o.bearer_token = token;
    o.read_timeout = std::chrono::seconds(10);
    auto c = http::Client::create(std::move(o));
    EXPECT_TRUE(c.ok());
    return std::move(c).value();
  }

  FakeProvider provider;
  std::unique_ptr<http::Server> server;
  int port = 0;
};

}  // namespace cloudnet::api::test
