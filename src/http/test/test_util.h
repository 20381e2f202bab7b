// Helpers shared by the http tests: a server on 127.0.0.1 port 0 with a
// token table, a client for it, and a raw socket for malformed requests.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "http/client.h"
#include "http/server.h"

namespace cloudnet::http::test {

// Two customers and their tokens.
inline const std::map<std::string, std::string, std::less<>>& tokens() {
  static const std::map<std::string, std::string, std::less<>> t = {{"token-alice", "alice"},
                                                                    {"token-bob", "bob"}};
  return t;
}

inline ServerOptions test_options() {
  ServerOptions o;
  o.threads = 8;
  o.keep_alive_timeout = std::chrono::seconds(1);  // so stop() never waits long for idle clients
  o.authenticator = [](std::string_view token) -> std::optional<std::string> {
    auto it = tokens().find(token);
    if (it == tokens().end()) return std::nullopt;
    return it->second;
  };
  return o;
}

inline Client make_client(int port, std::string token = {}) {
  ClientOptions o;
  o.base_url = "http://127.0.0.1:" + std::to_string(port);
  o.bearer_token = std::move(token);
  o.read_timeout = std::chrono::seconds(10);
  auto c = Client::create(std::move(o));
  EXPECT_TRUE(c.ok()) << c.error().message;
  return std::move(c).value();
}

// Sends `data` on a fresh connection and returns one response: headers plus
// Content-Length bytes of body ("" if nothing arrives within 5 s). The
// connection is not half-closed: cpp-httplib treats a peer that shut down its
// sending side as gone and does not answer.
inline std::string raw_exchange(int port, const std::string& data) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return "connect failed";
  }
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  (void)::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
  std::string out;
  char buf[4096];
  while (true) {
    auto head_end = out.find("\r\n\r\n");
    if (head_end != std::string::npos) {
      std::size_t length = 0;
      auto cl = out.find("Content-Length: ");
      if (cl != std::string::npos && cl < head_end) length = std::stoul(out.substr(cl + 16));
      if (out.size() >= head_end + 4 + length) break;
    }
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

// The JSON body of a raw HTTP response ("" when there is none).
inline nlohmann::json raw_json_body(const std::string& raw) {
  auto pos = raw.find("\r\n\r\n");
  if (pos == std::string::npos) return nullptr;
  return nlohmann::json::parse(raw.substr(pos + 4), nullptr, false);
}

// Asserts the uniform error body and returns its "error" object.
inline nlohmann::json expect_error(const Response& r, int status, const std::string& code) {
  EXPECT_EQ(r.status, status) << r.body;
  EXPECT_EQ(media_type(r.content_type), "application/json") << r.content_type;
  auto j = r.json_body();
  EXPECT_TRUE(j.ok()) << r.body;
  if (!j.ok()) return nullptr;
  EXPECT_TRUE(j->contains("error")) << r.body;
  nlohmann::json e = (*j)["error"];
  EXPECT_EQ(e.value("status", 0), status) << r.body;
  EXPECT_EQ(e.value("code", ""), code) << r.body;
  EXPECT_FALSE(e.value("message", "").empty()) << r.body;
  EXPECT_FALSE(e.value("request_id", "").empty()) << r.body;
  EXPECT_EQ(e.value("request_id", ""), std::string(r.header("X-Request-Id").value_or("")))
      << r.body;
  return e;
}

}  // namespace cloudnet::http::test
