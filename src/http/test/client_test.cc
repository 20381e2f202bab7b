#include <chrono>
#include <thread>

#include "test_util.h"

namespace cloudnet::http::test {
namespace {

using namespace std::chrono_literals;

Result<Client> create(std::string url) {
  ClientOptions o;
  o.base_url = std::move(url);
  return Client::create(std::move(o));
}

TEST(ClientCreate, ParsesAndNormalisesBaseUrls) {
  auto c = create("http://127.0.0.1:8080");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->base_url(), "http://127.0.0.1:8080");
  c = create("https://pip1.example/api/");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->base_url(), "https://pip1.example:443/api");
  c = create("http://[::1]:9000/x");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->base_url(), "http://[::1]:9000/x");
  c = create("http://localhost");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->base_url(), "http://localhost:80");

  for (const char* bad :
       {"", "ftp://x", "localhost:80", "http://", "http://:80", "http://h:0", "http://h:99999",
        "http://h:8a", "http://::1:80", "http://[::1", "http://h/x?y=1", "http://h:"}) {
    auto r = create(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.error().code, Error::Code::kInvalidArgument);
      EXPECT_NE(r.error().message.find("bad base URL"), std::string::npos) << r.error().message;
    }
  }
  ClientOptions o;
  o.base_url = "https://h";
  o.ca_file = "/nonexistent/ca.pem";
  auto r = Client::create(o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("/nonexistent/ca.pem"), std::string::npos);
}

TEST(ClientRequest, RejectsUnsafePathsWithoutSending) {
  auto c = create("http://127.0.0.1:1");
  ASSERT_TRUE(c.ok());
  for (const char* bad : {"relative", "/a b", "/a\r\nX-Injected: 1", "/caf\xc3\xa9", ""}) {
    auto r = c->get(bad);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Error::Code::kInvalidArgument) << r.error().message;
  }
  auto r = c->request("get", "/x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Error::Code::kInvalidArgument);
  EXPECT_EQ(url_encode("vn 1/ä"), "vn%201%2F%C3%A4");
  EXPECT_EQ(url_encode("A-z_0.9~"), "A-z_0.9~");
}

TEST(ClientRequest, ConnectionRefusedIsAClearError) {
  int port = 0;
  {
    Server s(test_options());
    auto p = s.start();
    ASSERT_TRUE(p.ok());
    port = *p;
  }  // stopped and closed: nobody listens on `port` now
  auto c = make_client(port);
  auto r = c.post_json("/v1/vnets", {{"a", 1}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Error::Code::kUnavailable);
  const std::string& m = r.error().message;
  EXPECT_NE(m.find("POST http://127.0.0.1:" + std::to_string(port) + "/v1/vnets: cannot connect"),
            std::string::npos)
      << m;
  // (Unresolvable names are not tested: without a resolver that can take the
  // DNS timeout.)
}

class ClientServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<Server>(test_options());
    RouteOptions pub{Access::kPublic, {}};
    server_->route(
        "GET", "/api/slow",
        [](const Request&) {
          std::this_thread::sleep_for(1200ms);
          return Response::no_content();
        },
        pub);
    server_->route(
        "GET", "/api/hello",
        [](const Request& r) {
          return Response::json(200, {{"hello", r.principal},
                                      {"encoding", r.header("Accept-Encoding").value_or("")},
                                      {"accept", r.header("Accept").value_or("")}});
        },
        pub);
    server_->route(
        "PUT", "/api/items/{id}",
        [](const Request& r) {
          return Response::json(200, {{"id", r.path_param("id")}, {"body", r.body}});
        },
        pub);
    server_->route(
        "DELETE", "/api/items/{id}", [](const Request&) { return Response::no_content(); }, pub);
    auto p = server_->start();
    ASSERT_TRUE(p.ok()) << p.error().message;
    port_ = *p;
  }

  Client client(std::chrono::milliseconds read_timeout = 10s) {
    ClientOptions o;
    o.base_url = "http://127.0.0.1:" + std::to_string(port_) + "/api";
    o.read_timeout = read_timeout;
    auto c = Client::create(std::move(o));
    EXPECT_TRUE(c.ok());
    return std::move(c).value();
  }

  std::unique_ptr<Server> server_;
  int port_ = 0;
};

TEST_F(ClientServerTest, PrefixHelpersAndDefaultHeaders) {
  auto c = client();
  auto r = c.get("/hello");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 200);
  auto j = r->json_body().value();
  EXPECT_EQ(j["encoding"], "identity");  // no compression unless asked for
  EXPECT_EQ(j["accept"], "application/json");

  r = c.put("/items/" + url_encode("a b"), "payload", "text/plain");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->json_body().value()["id"], "a b");
  EXPECT_EQ(r->json_body().value()["body"], "payload");
  r = c.put_json("/items/x", {{"k", "v"}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->json_body().value()["body"], R"({"k":"v"})");
  r = c.del("/items/x");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 204);
  EXPECT_TRUE(r->ok());
}

TEST_F(ClientServerTest, CompressedResponsesOnRequest) {
  ClientOptions o;
  o.base_url = "http://127.0.0.1:" + std::to_string(port_) + "/api";
  o.accept_compressed = true;
  auto c = Client::create(std::move(o));
  ASSERT_TRUE(c.ok());
  auto r = c->get("/hello");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->header("Content-Encoding").has_value());
  auto j = r->json_body();  // decompressed by the client
  ASSERT_TRUE(j.ok()) << r->body;
  EXPECT_NE((*j)["encoding"].get<std::string>().find("gzip"), std::string::npos);
}

TEST_F(ClientServerTest, ReadTimeoutIsAClearError) {
  auto c = client(300ms);
  auto t0 = std::chrono::steady_clock::now();
  auto r = c.get("/slow");
  ASSERT_FALSE(r.ok());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1100ms);
  EXPECT_EQ(r.error().code, Error::Code::kUnavailable);
  EXPECT_NE(r.error().message.find("/api/slow: no response within the read timeout of 300 ms"),
            std::string::npos)
      << r.error().message;
  r = c.get("/hello");  // the client is fine afterwards
  ASSERT_TRUE(r.ok()) << r.error().message;
}

TEST_F(ClientServerTest, SurvivesServerClosingIdleConnections) {
  auto c = client();
  ASSERT_TRUE(c.get("/hello").ok());
  std::this_thread::sleep_for(1500ms);  // > the server's 1 s keep-alive timeout
  for (int i = 0; i < 3; ++i) {
    auto r = c.get("/hello");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->status, 200);
  }
}

TEST(Messages, ErrorMappings) {
  EXPECT_EQ(Response::from_error(Error::not_found("vnet 7")).status, 404);
  EXPECT_EQ(Response::from_error(Error::conflict("x")).status, 409);
  EXPECT_EQ(Response::from_error(Error::infeasible("x")).status, 422);
  EXPECT_EQ(Response::from_error(Error::parse("x")).status, 400);
  EXPECT_EQ(Response::from_error(Error::unavailable("x")).status, 503);
  EXPECT_EQ(Response::from_error(Error::internal("x")).status, 500);
  auto r = Response::from_error(Error::invalid("bad capacity"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.json_body().value()["error"]["code"], "invalid_argument");
  EXPECT_EQ(r.json_body().value()["error"]["message"], "bad capacity");

  // ...and back, on the client side.
  EXPECT_EQ(to_error(Response::from_error(Error::not_found("x"))).code, Error::Code::kNotFound);
  EXPECT_EQ(to_error(Response::from_error(Error::conflict("x"))).code, Error::Code::kConflict);
  EXPECT_EQ(to_error(Response::from_error(Error::infeasible("x"))).code, Error::Code::kInfeasible);
  EXPECT_EQ(to_error(Response::from_error(Error::parse("x"))).code, Error::Code::kParse);
  EXPECT_EQ(to_error(Response::from_error(Error::invalid("x"))).code,
            Error::Code::kInvalidArgument);
  EXPECT_EQ(to_error(Response::from_error(Error::unavailable("x"))).code,
            Error::Code::kUnavailable);
  EXPECT_EQ(to_error(Response::from_error(Error::internal("x"))).code, Error::Code::kInternal);
  Error e = to_error(Response::text(502, "<html>proxy down</html>", "text/html"), "GET /x");
  EXPECT_EQ(e.code, Error::Code::kUnavailable);
  EXPECT_EQ(e.message, "GET /x: HTTP 502 Bad Gateway: <html>proxy down</html>");

  // Invalid UTF-8 in a message must not throw.
  auto bad = Response::error(400, "bad", std::string("id \xff\xfe"));
  EXPECT_TRUE(bad.json_body().ok());
  EXPECT_EQ(media_type(" Application/JSON ; charset=utf-8"), "application/json");
}

}  // namespace
}  // namespace cloudnet::http::test
