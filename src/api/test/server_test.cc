// The REST routes against a FakeProvider through the real server and client.
#include <gtest/gtest.h>

#include "api/json.h"
#include "util.h"

namespace cloudnet::api::test {
namespace {

using nlohmann::json;

json body_of(const http::Response& r) {
  auto j = r.json_body();
  EXPECT_TRUE(j.ok()) << r.body;
  return j.ok() ? *j : json();
}

// An error response with the uniform body, checked and returned.
json error_of(const http::Response& r, int status, const std::string& code) {
  EXPECT_EQ(r.status, status) << r.body;
  EXPECT_EQ(http::media_type(r.content_type), "application/json");
  json j = body_of(r);
  EXPECT_TRUE(j.contains("error")) << r.body;
  if (!j.contains("error")) return {};
  EXPECT_EQ(j["error"]["status"], status);
  EXPECT_EQ(j["error"]["code"], code) << r.body;
  EXPECT_TRUE(j["error"]["message"].is_string());
  EXPECT_TRUE(j["error"]["request_id"].is_string());
  return j["error"];
}

class ApiRoutes : public ::testing::Test {
 protected:
  std::string create(const std::string& token = "token-alice") {
    auto r = api.client(token).post("/v1/vnets", request_in(flerd::Format::kJson), http::kJson);
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r->status, 201) << r->body;
    return body_of(*r).value("id", "");
  }
  std::string create_confirmed() {
    std::string id = create();
    auto r = api.client().post("/v1/vnets/" + id + "/confirm", "");
    EXPECT_EQ(r->status, 200) << r->body;
    return id;
  }
  ApiServer api;
};

TEST_F(ApiRoutes, CreateAcceptsJsonXmlYamlAndFlerdMediaTypes) {
  const std::vector<std::pair<std::string, flerd::Format>> cases = {
      {"application/json", flerd::Format::kJson},
      {"application/flerd+json", flerd::Format::kJson},
      {"application/json; charset=utf-8", flerd::Format::kJson},
      {"application/xml", flerd::Format::kXml},
      {"application/flerd+xml", flerd::Format::kXml},
      {"application/yaml", flerd::Format::kYaml},
      {"application/flerd+yaml", flerd::Format::kYaml}};
  auto c = api.client();
  for (const auto& [type, format] : cases) {
    auto r = c.post("/v1/vnets", request_in(format), type);
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->status, 201) << type << ": " << r->body;
    auto v = vnet_info_from_json(body_of(*r));
    ASSERT_TRUE(v.ok()) << v.error().message;
    EXPECT_EQ(v->state, "tentative");
    EXPECT_EQ(v->customer, "alice");
    EXPECT_EQ(v->elements.size(), 3u);
    EXPECT_TRUE(v->expires_at_ms.has_value());
    EXPECT_EQ(r->header("Location").value_or(""), "/v1/vnets/" + v->id);
  }
  // The original YAML text, comments and all.
  auto r = c.post("/v1/vnets", request_yaml(), "application/yaml");
  EXPECT_EQ(r->status, 201) << r->body;
}

TEST_F(ApiRoutes, CreateQueryOptions) {
  auto c = api.client();
  auto r = c.post("/v1/vnets?ttl=12.5&confirm=true", request_in(flerd::Format::kJson));
  ASSERT_EQ(r->status, 201) << r->body;
  EXPECT_EQ(body_of(*r)["state"], "confirmed");
  EXPECT_DOUBLE_EQ(api.provider.last_create_options().ttl_s, 12.5);
  EXPECT_TRUE(api.provider.last_create_options().confirm);

  for (const char* bad : {"ttl=-1", "ttl=abc", "ttl=", "ttl=inf", "confirm=maybe"}) {
    r = c.post(std::string("/v1/vnets?") + bad, request_in(flerd::Format::kJson));
    auto e = error_of(*r, 400, "invalid_argument");
    EXPECT_EQ(e["field"], std::string(bad).substr(0, std::string(bad).find('='))) << bad;
  }
}

TEST_F(ApiRoutes, WrongContentTypeIs415) {
  auto c = api.client();
  for (const char* type : {"text/plain", "application/octet-stream", ""}) {
    auto r = c.post("/v1/vnets", request_in(flerd::Format::kJson), type);
    auto e = error_of(*r, 415, "unsupported_media_type");
    EXPECT_EQ(e["field"], "Content-Type");
  }
  auto r = c.put("/v1/vnets/x", request_in(flerd::Format::kJson), "text/csv");
  error_of(*r, 415, "unsupported_media_type");
}

TEST_F(ApiRoutes, MalformedDocumentsAre400WithDiagnostics) {
  auto c = api.client();
  // Syntax error on line 3 of a JSON body.
  auto r = c.post("/v1/vnets", "{\n  \"Topology\": [\n    {,}\n  ]\n}\n", http::kJson);
  auto e = error_of(*r, 400, "invalid_document");
  EXPECT_NE(e["message"].get<std::string>().find("body:3:"), std::string::npos) << e.dump();
  ASSERT_TRUE(e["details"].is_array());
  ASSERT_FALSE(e["details"].empty());
  EXPECT_EQ(e["details"][0]["line"], 3);

  // A well-formed YAML document with an unknown field: named with its line.
  std::string yaml = request_yaml();
  const std::string needle = "        ne_type: /node/host/generic\n";
  auto pos = yaml.find(needle);
  ASSERT_NE(pos, std::string::npos);
  yaml.insert(pos, "        colour: blue\n");
  r = c.post("/v1/vnets", yaml, http::kYaml);
  e = error_of(*r, 400, "invalid_document");
  EXPECT_NE(e["message"].get<std::string>().find("colour"), std::string::npos) << e.dump();
  EXPECT_GT(e["details"][0]["line"].get<int>(), 0);
  EXPECT_FALSE(e["field"].get<std::string>().empty());

  // Malformed XML, an empty body, a dangling reference.
  r = c.post("/v1/vnets", "<CloudNet><Topology></CloudNet>", http::kXml);
  error_of(*r, 400, "invalid_document");
  r = c.post("/v1/vnets", "  \n", http::kJson);
  error_of(*r, 400, "invalid_document");
  std::string dangling = request_yaml();
  pos = dangling.find("connectedInterface: c:link1i0");
  ASSERT_NE(pos, std::string::npos);
  dangling.replace(pos, std::string("connectedInterface: c:link1i0").size(),
                   "connectedInterface: c:nosuch");
  r = c.post("/v1/vnets", dangling, http::kYaml);
  e = error_of(*r, 400, "invalid_document");
  EXPECT_NE(e.dump().find("c:nosuch"), std::string::npos) << e.dump();

  // modify validates the same way.
  std::string id = create();
  r = c.put("/v1/vnets/" + id, "{", http::kJson);
  error_of(*r, 400, "invalid_document");

  // And the server keeps serving.
  r = c.get("/v1/vnets/" + id);
  EXPECT_EQ(r->status, 200);
}

TEST_F(ApiRoutes, OversizedBodyIs413) {
  std::string big(ApiServer::kMaxBody + 1, ' ');
  auto r = api.client().post("/v1/vnets", big, http::kJson);
  ASSERT_TRUE(r.ok()) << r.error().message;
  error_of(*r, 413, "payload_too_large");
  EXPECT_EQ(api.client().get("/v1/vnets")->status, 200);
}

TEST_F(ApiRoutes, InfeasibleIs422) {
  api.provider.capacity = 1;
  auto r = api.client().post("/v1/vnets", request_in(flerd::Format::kJson));
  auto e = error_of(*r, 422, "infeasible");
  EXPECT_NE(e["message"].get<std::string>().find("CPU"), std::string::npos);
}

TEST_F(ApiRoutes, UnknownIdsAre404) {
  auto c = api.client();
  for (auto [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/v1/vnets/nope"},
           {"DELETE", "/v1/vnets/nope"},
           {"POST", "/v1/vnets/nope/confirm"},
           {"POST", "/v1/vnets/nope/cancel"},
           {"GET", "/v1/vnets/nope/document"},
           {"POST", "/v1/vnets/nope/actions/start"},
           {"POST", "/v1/vnets/nope/nodes/n1/actions/stop"},
           {"POST", "/v1/vnets/nope/nodes/n1/console"}}) {
    auto r = c.request(method, path);
    ASSERT_TRUE(r.ok());
    error_of(*r, 404, "not_found");
  }
  auto r = c.put("/v1/vnets/nope", request_in(flerd::Format::kJson));
  error_of(*r, 404, "not_found");
  // Unknown node of an existing VNet, unknown route.
  std::string id = create_confirmed();
  error_of(*c.post("/v1/vnets/" + id + "/nodes/nonode/actions/start", ""), 404, "not_found");
  error_of(*c.get("/v1/nothing"), 404, "not_found");
}

TEST_F(ApiRoutes, AuthenticationRequired) {
  for (const std::string token : {"", "token-mallory"}) {
    auto c = api.client(token);
    for (auto [method, path] :
         std::vector<std::pair<std::string, std::string>>{{"GET", "/v1/vnets"},
                                                          {"POST", "/v1/vnets"},
                                                          {"GET", "/v1/metrics"},
                                                          {"GET", "/v1/vnets/x"}}) {
      // A body only where the method has one: cpp-httplib sends a GET's body
      // without Content-Length, which desynchronises the connection.
      auto r =
          method == "POST" ? c.request(method, path, "{}", http::kJson) : c.request(method, path);
      ASSERT_TRUE(r.ok());
      error_of(*r, 401, "unauthenticated");
      EXPECT_TRUE(r->header("WWW-Authenticate").has_value());
    }
  }
  // Public routes need no token.
  auto anon = api.client("");
  auto r = anon.get("/v1/health");
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(body_of(*r)["status"], "ok");
  EXPECT_EQ(body_of(*r)["name"], "fake");
  r = anon.get("/v1/openapi.yaml");
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(http::media_type(r->content_type), "application/yaml");
  EXPECT_EQ(r->body, std::string(openapi_yaml()));
}

TEST_F(ApiRoutes, AnotherCustomersVNetIsInvisible) {
  std::string id = create("token-alice");
  auto bob = api.client("token-bob");
  error_of(*bob.get("/v1/vnets/" + id), 404, "not_found");
  error_of(*bob.post("/v1/vnets/" + id + "/confirm", ""), 404, "not_found");
  error_of(*bob.del("/v1/vnets/" + id), 404, "not_found");
  error_of(*bob.post("/v1/vnets/" + id + "/nodes/c:vhost1/console", ""), 404, "not_found");
  auto list = bob.get("/v1/vnets");
  EXPECT_TRUE(body_of(*list)["vnets"].empty());
  EXPECT_EQ(api.provider.last_caller().customer, "bob");
  list = api.client().get("/v1/vnets");
  EXPECT_EQ(body_of(*list)["vnets"].size(), 1u);
  EXPECT_EQ(api.client().get("/v1/vnets/" + id)->status, 200);
}

TEST_F(ApiRoutes, IdempotencyKeyIsForwarded) {
  auto c = api.client();
  http::Headers h = {{"Idempotency-Key", "k-123"}};
  auto r1 = c.post("/v1/vnets", request_in(flerd::Format::kJson), http::kJson, h);
  ASSERT_EQ(r1->status, 201);
  EXPECT_EQ(api.provider.last_caller().idempotency_key.value_or(""), "k-123");
  auto r2 = c.post("/v1/vnets", request_in(flerd::Format::kJson), http::kJson, h);
  EXPECT_EQ(body_of(*r1)["id"], body_of(*r2)["id"]);
  c.get("/v1/vnets").value();
  EXPECT_FALSE(api.provider.last_caller().idempotency_key.has_value());
  std::string id = body_of(*r1)["id"];
  ASSERT_EQ(
      c.post("/v1/vnets/" + id + "/confirm", "", http::kJson, {{"Idempotency-Key", "k-9"}})->status,
      200);
  EXPECT_EQ(api.provider.last_caller().idempotency_key.value_or(""), "k-9");

  auto bad = c.post("/v1/vnets", request_in(flerd::Format::kJson), http::kJson,
                    {{"Idempotency-Key", std::string(300, 'k')}});
  EXPECT_EQ(error_of(*bad, 400, "invalid_argument")["field"], "Idempotency-Key");
}

TEST_F(ApiRoutes, NegotiationLifecycle) {
  auto c = api.client();
  std::string id = create();
  auto r = c.post("/v1/vnets/" + id + "/confirm", "");
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(body_of(*r)["state"], "confirmed");
  // Confirming twice is a state conflict.
  error_of(*c.post("/v1/vnets/" + id + "/confirm", ""), 409, "conflict");
  error_of(*c.post("/v1/vnets/" + id + "/cancel", ""), 409, "conflict");

  r = c.put("/v1/vnets/" + id, request_in(flerd::Format::kXml), http::kXml);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(body_of(*r)["detail"], "modified");

  r = c.del("/v1/vnets/" + id);
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(body_of(*r)["state"], "deleted");
  error_of(*c.get("/v1/vnets/" + id), 404, "not_found");

  std::string id2 = create();
  r = c.post("/v1/vnets/" + id2 + "/cancel", "");
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(body_of(*r)["state"], "deleted");
}

TEST_F(ApiRoutes, ProvisioningActions) {
  auto c = api.client();
  std::string tentative = create();
  error_of(*c.post("/v1/vnets/" + tentative + "/actions/start", ""), 409, "conflict");
  std::string id = create_confirmed();
  for (roles::Action a : all_actions()) {
    auto r = c.post("/v1/vnets/" + id + "/actions/" + action_name(a), "");
    ASSERT_EQ(r->status, 200) << r->body;
    EXPECT_EQ(api.provider.last_action(), a);
    EXPECT_EQ(api.provider.last_node(), "");
    r = c.post(
        "/v1/vnets/" + id + "/nodes/" + http::url_encode("c:vhost1") + "/actions/" + action_name(a),
        "");
    ASSERT_EQ(r->status, 200) << r->body;
    EXPECT_EQ(api.provider.last_action(), a);
    EXPECT_EQ(api.provider.last_node(), "c:vhost1");
  }
  auto e = error_of(*c.post("/v1/vnets/" + id + "/actions/explode", ""), 400, "invalid_argument");
  EXPECT_EQ(e["field"], "action");
  // GET on an action route: 405 with Allow.
  auto r = c.get("/v1/vnets/" + id + "/actions/start");
  error_of(*r, 405, "method_not_allowed");
}

TEST_F(ApiRoutes, StatusListMetricsConsole) {
  auto c = api.client();
  std::string id = create_confirmed();
  auto r = c.get("/v1/vnets/" + id);
  auto v = vnet_info_from_json(body_of(*r));
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->state, "confirmed");
  EXPECT_EQ(v->completion.at("c:vhost1/cpu"), "2");

  r = c.get("/v1/metrics");
  auto m = metrics_from_json(body_of(*r));
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->provider, "fake");
  EXPECT_DOUBLE_EQ(m->resources.at(kCpu).capacity, 100);
  EXPECT_DOUBLE_EQ(m->resources.at(kCpu).available, 97);
  EXPECT_EQ(m->vnets, 1);

  r = c.post("/v1/vnets/" + id + "/nodes/" + http::url_encode("c:vhost2") + "/console", "");
  auto a = console_access_from_json(body_of(*r));
  ASSERT_TRUE(a.ok()) << r->body;
  EXPECT_EQ(a->port, 4711);
  EXPECT_EQ(a->token, "tok-" + id + "-c:vhost2");
}

TEST_F(ApiRoutes, DocumentInEachForm) {
  auto c = api.client();
  std::string id = create();
  const std::vector<std::tuple<std::string, std::string, flerd::Format>> cases = {
      {"", "application/json", flerd::Format::kJson},
      {"application/json", "application/json", flerd::Format::kJson},
      {"application/xml", "application/xml", flerd::Format::kXml},
      {"text/html, application/yaml;q=0.9", "application/yaml", flerd::Format::kYaml},
      {"*/*", "application/json", flerd::Format::kJson}};
  for (const auto& [accept, type, format] : cases) {
    http::Headers h;
    if (!accept.empty()) h.emplace("Accept", accept);
    auto r = c.get("/v1/vnets/" + id + "/document", h);
    ASSERT_EQ(r->status, 200) << accept << r->body;
    EXPECT_EQ(http::media_type(r->content_type), type);
    auto loaded = flerd::read_string(r->body, format, "response");
    EXPECT_TRUE(loaded.ok()) << loaded.diagnostics.format();
    EXPECT_EQ(loaded.document.topologies.size(), 1u);
  }
  auto r = c.get("/v1/vnets/" + id + "/document?format=yaml");
  EXPECT_EQ(http::media_type(r->content_type), "application/yaml");
  error_of(*c.get("/v1/vnets/" + id + "/document", {{"Accept", "text/html"}}), 406,
           "not_acceptable");
  error_of(*c.get("/v1/vnets/" + id + "/document?format=pdf"), 406, "not_acceptable");
}

TEST_F(ApiRoutes, ProviderExceptionIs500AndServingGoesOn) {
  auto c = api.client();
  error_of(*c.get("/v1/vnets/throw"), 500, "internal_error");
  EXPECT_EQ(c.get("/v1/vnets")->status, 200);
}

}  // namespace
}  // namespace cloudnet::api::test
