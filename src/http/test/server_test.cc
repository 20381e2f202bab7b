// End-to-end: the real server on 127.0.0.1 port 0 with the real client.
#include <atomic>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "test_util.h"

namespace cloudnet::http::test {
namespace {

using namespace std::chrono_literals;

class ServerTest : public ::testing::Test {
 protected:
  void start(ServerOptions o = test_options()) {
    o.access_log = [this](const AccessLogEntry& e) {
      std::lock_guard lock(log_mu_);
      log_.push_back(e);
    };
    server_ = std::make_unique<Server>(std::move(o));
    Server& s = *server_;
    RouteOptions pub{Access::kPublic, {}};

    s.route("GET", "/v1/vnets/{id}/nodes/{node}", [](const Request& r) {
      return Response::json(200, {{"id", r.path_param("id")},
                                  {"node", r.path_param("node")},
                                  {"principal", r.principal},
                                  {"route", r.route}});
    });
    s.route("GET", "/v1/vnets/{id}/nodes/count", [](const Request& r) {
      return Response::json(200, {{"count", 3}, {"id", r.path_param("id")}});
    });
    s.route("GET", "/v1/whoami", [](const Request& r) {
      return Response::json(200, {{"principal", r.principal}});
    });
    s.route("POST", "/v1/documents",
            [](const Request& r) {
              auto doc = r.json_body();
              if (!doc) return Response::error(400, "malformed_document", doc.error().message);
              return Response::json(201, {{"principal", r.principal}, {"document", *doc}});
            },
            {Access::kAuthenticated, {std::string(kJson)}});
    s.route(
        "GET", "/v1/echo",
        [](const Request& r) {
          nlohmann::json query = nlohmann::json::object();
          for (const auto& [k, v] : r.query) query[k].push_back(v);
          return Response::json(200, {{"method", r.method},
                                      {"path", r.path},
                                      {"query", query},
                                      {"custom", r.header("x-CUSTOM").value_or("")},
                                      {"remote", r.remote_address},
                                      {"request_id", r.request_id},
                                      {"principal", r.principal}});
        },
        pub);
    s.route("POST", "/v1/echo",
            [](const Request& r) {
              return Response::json(200, {{"content_type", r.content_type}, {"body", r.body}});
            },
            {Access::kPublic, {"application/json", "application/xml", "Application/YAML"}});
    s.route(
        "GET", "/v1/boom", [](const Request&) -> Response { throw std::runtime_error("kaboom"); },
        pub);
    s.route(
        "GET", "/v1/boom-int", [](const Request&) -> Response { throw 42; }, pub);
    s.route(
        "GET", "/v1/invalid",
        [](const Request&) {
          return Response::error(422, "invalid_document", "node n1 has no type", "/nodes/0/type",
                                 nlohmann::json::array({{{"line", 3}, {"message", "no type"}}}));
        },
        pub);
    s.route(
        "GET", "/v1/bare-404",
        [](const Request&) {
          return Response{404, {}, {}, {}};
        },
        pub);
    s.route(
        "GET", "/v1/slow",
        [this](const Request& r) {
          slow_entered_ = true;
          std::this_thread::sleep_for(
              std::chrono::milliseconds(std::stoi(std::string(r.query_param("ms").value_or("0")))));
          return Response::json(200, {{"slept", true}});
        },
        pub);
    s.route(
        "GET", "/v1/n/{n}",
        [](const Request& r) {
          return Response::json(200, {{"n", std::stoi(std::string(r.path_param("n")))}});
        },
        pub);
    auto port = s.start();
    ASSERT_TRUE(port.ok()) << port.error().message;
    port_ = *port;
    ASSERT_GT(port_, 0);
    EXPECT_EQ(s.port(), port_);
  }

  // The access log runs after the response is sent, so a client may see the
  // response first; stop() (which joins the workers) makes the log complete.
  std::vector<AccessLogEntry> log() {
    server_->stop();
    std::lock_guard lock(log_mu_);
    return log_;
  }

  int port_ = 0;
  std::atomic<bool> slow_entered_{false};
  std::mutex log_mu_;
  std::vector<AccessLogEntry> log_;
  std::unique_ptr<Server> server_;  // last: stopped before what its handlers use goes away
};

TEST_F(ServerTest, RoutesWithPathParams) {
  start();
  auto c = make_client(port_, "token-alice");
  auto r = c.get("/v1/vnets/vn%2F1/nodes/web-1");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 200);
  auto j = r->json_body();
  ASSERT_TRUE(j.ok());
  EXPECT_EQ((*j)["id"], "vn/1");  // decoded after splitting: %2F stays inside the segment
  EXPECT_EQ((*j)["node"], "web-1");
  EXPECT_EQ((*j)["route"], "/v1/vnets/{id}/nodes/{node}");
  EXPECT_EQ((*j)["principal"], "alice");

  r = c.get("/v1/vnets/7/nodes/count");  // the literal route wins
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->json_body().value()["count"], 3);

  r = c.get("/v1/vnets/7/nodes/count/");  // trailing slash ignored
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);

  r = c.request("HEAD", "/v1/vnets/7/nodes/count");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(r->body.empty());
}

TEST_F(ServerTest, QueryParamsHeadersAndRequestId) {
  start();
  auto c = make_client(port_);
  auto r = c.get("/v1/echo?a=1&b=x%20y&b=z+w&empty=", {{"X-Custom", "hello"}});
  ASSERT_TRUE(r.ok()) << r.error().message;
  auto j = r->json_body().value();
  EXPECT_EQ(j["method"], "GET");
  EXPECT_EQ(j["path"], "/v1/echo");
  EXPECT_EQ(j["query"]["a"], nlohmann::json::array({"1"}));
  EXPECT_EQ(j["query"]["b"], nlohmann::json::array({"x y", "z w"}));
  EXPECT_EQ(j["query"]["empty"], nlohmann::json::array({""}));
  EXPECT_EQ(j["custom"], "hello");
  EXPECT_EQ(j["remote"], "127.0.0.1");
  EXPECT_EQ(j["principal"], "");  // public route
  std::string id = j["request_id"];
  EXPECT_FALSE(id.empty());
  EXPECT_EQ(r->header("x-request-id").value_or(""), id);

  // A caller's request id (e.g. a VNP's) is kept, so logs correlate.
  r = c.get("/v1/echo", {{"X-Request-Id", "vnp-42.7"}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->json_body().value()["request_id"], "vnp-42.7");
  r = c.get("/v1/echo", {{"X-Request-Id", "bad id with spaces"}});
  ASSERT_TRUE(r.ok());
  EXPECT_NE(r->json_body().value()["request_id"], "bad id with spaces");
}

TEST_F(ServerTest, UnknownRouteIs404) {
  start();
  auto c = make_client(port_, "token-alice");
  auto r = c.get("/v2/nothing");
  ASSERT_TRUE(r.ok());
  auto e = expect_error(*r, 404, "not_found");
  EXPECT_NE(e.value("message", "").find("/v2/nothing"), std::string::npos);
  r = c.get("/v1/vnets/a%zz/nodes/b");
  ASSERT_TRUE(r.ok());
  expect_error(*r, 400, "bad_request");
}

TEST_F(ServerTest, WrongMethodIs405WithAllow) {
  start();
  auto c = make_client(port_, "token-alice");
  auto r = c.del("/v1/echo");
  ASSERT_TRUE(r.ok());
  expect_error(*r, 405, "method_not_allowed");
  EXPECT_EQ(r->header("Allow").value_or(""), "GET, HEAD, POST, OPTIONS");

  r = c.request("OPTIONS", "/v1/echo");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 204);
  EXPECT_EQ(r->header("Allow").value_or(""), "GET, HEAD, POST, OPTIONS");

  // Methods cpp-httplib parses but we never route.
  std::string raw = raw_exchange(port_, "TRACE /v1/echo HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(raw.rfind("HTTP/1.1 405", 0), 0u) << raw;
  EXPECT_NE(raw.find("Allow: GET, HEAD, POST, OPTIONS"), std::string::npos) << raw;
  EXPECT_EQ(raw_json_body(raw)["error"]["code"], "method_not_allowed") << raw;
}

TEST_F(ServerTest, MalformedRequestGetsJson400AndServerKeepsServing) {
  start();
  std::string raw = raw_exchange(port_, "GARBAGE\r\n\r\n");
  EXPECT_EQ(raw.rfind("HTTP/1.1 400", 0), 0u) << raw;
  auto j = raw_json_body(raw);
  EXPECT_EQ(j["error"]["code"], "bad_request") << raw;
  EXPECT_EQ(j["error"]["status"], 400) << raw;
  EXPECT_FALSE(j["error"].value("request_id", "").empty()) << raw;

  auto c = make_client(port_);
  auto r = c.get("/v1/echo");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
}

TEST_F(ServerTest, Authentication) {
  start();
  auto anon = make_client(port_);
  auto r = anon.get("/v1/whoami");
  ASSERT_TRUE(r.ok());
  auto e = expect_error(*r, 401, "unauthenticated");
  EXPECT_NE(e.value("message", "").find("missing bearer token"), std::string::npos);
  EXPECT_EQ(r->header("WWW-Authenticate").value_or(""), "Bearer realm=\"cloudnet\"");

  r = anon.get("/v1/whoami", {{"Authorization", "Basic YWxpY2U6c2VjcmV0"}});
  ASSERT_TRUE(r.ok());
  expect_error(*r, 401, "unauthenticated");

  auto wrong = make_client(port_, "token-mallory");
  r = wrong.get("/v1/whoami");
  ASSERT_TRUE(r.ok());
  e = expect_error(*r, 401, "unauthenticated");
  EXPECT_EQ(e.value("message", ""), "invalid bearer token");
  EXPECT_EQ(r->header("WWW-Authenticate").value_or(""),
            "Bearer realm=\"cloudnet\", error=\"invalid_token\"");

  auto alice = make_client(port_, "token-alice");
  r = alice.get("/v1/whoami");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->json_body().value()["principal"], "alice");
  auto bob = make_client(port_, "token-bob");
  r = bob.get("/v1/whoami");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->json_body().value()["principal"], "bob");
  // The scheme is case-insensitive.
  r = anon.get("/v1/whoami", {{"authorization", "bearer token-bob"}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->json_body().value()["principal"], "bob");

  // 404 comes before 401: unknown routes say so even to anonymous callers.
  r = anon.get("/v1/unknown");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 404);
}

TEST_F(ServerTest, BodyLimitIs413AndConnectionStaysUsable) {
  ServerOptions o = test_options();
  o.max_body_bytes = 1024;
  start(std::move(o));
  auto c = make_client(port_, "token-alice");
  std::string big = "\"" + std::string(4096, 'x') + "\"";
  auto r = c.post("/v1/documents", big);
  ASSERT_TRUE(r.ok()) << r.error().message;
  auto e = expect_error(*r, 413, "payload_too_large");
  EXPECT_NE(e.value("message", "").find("1024"), std::string::npos);

  r = c.post("/v1/documents", R"({"small": true})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(r->json_body().value()["document"]["small"], true);
}

TEST_F(ServerTest, ContentTypeChecks) {
  start();
  auto c = make_client(port_, "token-alice");
  auto r = c.post("/v1/documents", "<vnet/>", "application/xml");
  ASSERT_TRUE(r.ok());
  auto e = expect_error(*r, 415, "unsupported_media_type");
  EXPECT_EQ(e.value("field", ""), "Content-Type");
  EXPECT_NE(e.value("message", "").find("application/json"), std::string::npos);

  r = c.post("/v1/documents", "{}", "text/plain");
  ASSERT_TRUE(r.ok());
  expect_error(*r, 415, "unsupported_media_type");

  r = c.post("/v1/documents", R"({"a":1})", "Application/JSON; charset=utf-8");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 201) << r->body;

  for (std::string type : {"application/xml", "application/yaml", "application/json"}) {
    r = c.post("/v1/echo", "x: 1", type);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 200) << type;
    EXPECT_EQ(r->json_body().value()["content_type"], type);
  }

  // A malformed document is the handler's 400, with the parser's position.
  r = c.post("/v1/documents", R"({"a": )");
  ASSERT_TRUE(r.ok());
  e = expect_error(*r, 400, "malformed_document");
  EXPECT_NE(e.value("message", "").find("malformed JSON"), std::string::npos);
}

TEST_F(ServerTest, HandlerExceptionIs500AndServerKeepsServing) {
  start();
  auto c = make_client(port_);
  auto r = c.get("/v1/boom");
  ASSERT_TRUE(r.ok()) << r.error().message;
  auto e = expect_error(*r, 500, "internal_error");
  EXPECT_EQ(e.value("message", "").find("kaboom"), std::string::npos);  // not leaked

  r = c.get("/v1/boom-int");
  ASSERT_TRUE(r.ok());
  expect_error(*r, 500, "internal_error");

  r = c.get("/v1/echo");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);

  auto entries = log();
  bool found = false;
  for (const auto& entry : entries) {
    if (entry.path == "/v1/boom") {
      found = true;
      EXPECT_EQ(entry.status, 500);
      EXPECT_EQ(entry.error, "kaboom");
    }
  }
  EXPECT_TRUE(found);
}

TEST_F(ServerTest, HandlerErrorsGetRequestIdAndStandardBodies) {
  start();
  auto c = make_client(port_);
  auto r = c.get("/v1/invalid");
  ASSERT_TRUE(r.ok());
  auto e = expect_error(*r, 422, "invalid_document");
  EXPECT_EQ(e.value("field", ""), "/nodes/0/type");
  EXPECT_EQ(e["details"][0]["line"], 3);

  r = c.get("/v1/bare-404");
  ASSERT_TRUE(r.ok());
  expect_error(*r, 404, "not_found");

  Error err = to_error(*r, "GET /v1/bare-404");
  EXPECT_EQ(err.code, Error::Code::kNotFound);
  EXPECT_NE(err.message.find("GET /v1/bare-404: HTTP 404 Not Found (not_found)"), std::string::npos)
      << err.message;
}

TEST_F(ServerTest, AccessLog) {
  start();
  {
    auto c = make_client(port_, "token-alice");
    ASSERT_TRUE(c.get("/v1/vnets/1/nodes/a").ok());
    ASSERT_TRUE(c.get("/nope").ok());
  }
  auto entries = log();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].method, "GET");
  EXPECT_EQ(entries[0].path, "/v1/vnets/1/nodes/a");
  EXPECT_EQ(entries[0].route, "/v1/vnets/{id}/nodes/{node}");
  EXPECT_EQ(entries[0].status, 200);
  EXPECT_EQ(entries[0].principal, "alice");
  EXPECT_EQ(entries[0].remote_address, "127.0.0.1");
  EXPECT_FALSE(entries[0].request_id.empty());
  EXPECT_GT(entries[0].response_bytes, 0u);
  EXPECT_GE(entries[0].duration.count(), 0);
  EXPECT_EQ(entries[1].status, 404);
  EXPECT_EQ(entries[1].route, "");
  EXPECT_NE(entries[0].request_id, entries[1].request_id);
}

TEST_F(ServerTest, ConcurrentRequests) {
  ServerOptions o = test_options();
  o.threads = 16;
  start(std::move(o));
  auto shared = make_client(port_);
  constexpr int kThreads = 16;
  constexpr int kPerThread = 13;  // 208 requests
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      // Half the threads share one client (its connection pool), half have their own.
      std::optional<Client> own;
      if (t % 2 == 1) own.emplace(make_client(port_));
      const Client& c = own ? *own : shared;
      for (int i = 0; i < kPerThread; ++i) {
        int n = t * 1000 + i;
        auto r = c.get("/v1/n/" + std::to_string(n));
        if (r.ok() && r->status == 200 && r->json_body().ok() && r->json_body().value()["n"] == n) {
          ++good;
        } else {
          ADD_FAILURE() << (r.ok() ? r->body : r.error().message);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(good, kThreads * kPerThread);
}

TEST_F(ServerTest, GracefulStopFinishesInFlightRequest) {
  start();
  auto c = make_client(port_);
  std::optional<Result<Response>> slow;
  std::thread t([&] { slow.emplace(c.get("/v1/slow?ms=600")); });
  while (!slow_entered_) std::this_thread::sleep_for(1ms);
  auto t0 = std::chrono::steady_clock::now();
  server_->stop();
  auto waited = std::chrono::steady_clock::now() - t0;
  t.join();
  ASSERT_TRUE(slow.has_value());
  ASSERT_TRUE(slow->ok()) << slow->error().message;
  EXPECT_EQ((*slow)->status, 200);
  EXPECT_EQ((*slow)->json_body().value()["slept"], true);
  EXPECT_GE(waited, 300ms);  // stop() waited for the handler
  EXPECT_LT(waited, 5s);
  EXPECT_FALSE(server_->running());

  // Nobody listens any more: a clear error naming the URL.
  auto r = c.get("/v1/echo");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Error::Code::kUnavailable);
  EXPECT_NE(r.error().message.find("GET http://127.0.0.1:" + std::to_string(port_) + "/v1/echo"),
            std::string::npos)
      << r.error().message;
  EXPECT_NE(r.error().message.find("cannot connect"), std::string::npos) << r.error().message;
  server_->stop();  // idempotent
}

TEST(ServerSetup, StartReportsConfigurationErrors) {
  {
    Server s(test_options());
    s.route("GET", "/a/{b", [](const Request&) { return Response::no_content(); });
    auto p = s.start();
    ASSERT_FALSE(p.ok());
    EXPECT_NE(p.error().message.find("/a/{b"), std::string::npos) << p.error().message;
  }
  {
    ServerOptions o = test_options();
    o.authenticator = nullptr;
    Server s(std::move(o));
    s.route("GET", "/secret", [](const Request&) { return Response::no_content(); });
    auto p = s.start();
    ASSERT_FALSE(p.ok());
    EXPECT_NE(p.error().message.find("authenticator"), std::string::npos) << p.error().message;
  }
  {
    Server a(test_options());
    auto pa = a.start();
    ASSERT_TRUE(pa.ok()) << pa.error().message;
    ServerOptions o = test_options();
    o.port = *pa;
    Server b(std::move(o));
    auto pb = b.start();
    ASSERT_FALSE(pb.ok()) << "a second server bound the same port";
    EXPECT_NE(pb.error().message.find(std::to_string(*pa)), std::string::npos)
        << pb.error().message;
    auto again = a.start();
    EXPECT_FALSE(again.ok());
    a.route("GET", "/late", [](const Request&) { return Response::no_content(); });
  }
  {
    ServerOptions o = test_options();
    o.tls = TlsFiles{"/nonexistent/cert.pem", "/nonexistent/key.pem"};
    Server s(std::move(o));
    auto p = s.start();
    ASSERT_FALSE(p.ok());
    EXPECT_NE(p.error().message.find("/nonexistent/cert.pem"), std::string::npos);
  }
}

}  // namespace
}  // namespace cloudnet::http::test
