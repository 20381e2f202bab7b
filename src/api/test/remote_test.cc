// RemoteProvider against the real server serving a FakeProvider: every
// method, and HTTP errors mapped back to Error codes with the server's text.
#include <gtest/gtest.h>

#include "api/remote_provider.h"
#include "util.h"

namespace cloudnet::api::test {
namespace {

class Remote : public ::testing::Test {
 protected:
  std::unique_ptr<RemoteProvider> remote(const std::string& token = "token-alice") {
    http::ClientOptions o;
    o.base_url = api.url();
    o.bearer_token = token;
    o.read_timeout = std::chrono::seconds(10);
    auto r = RemoteProvider::create(o);
    EXPECT_TRUE(r.ok());
    return std::move(r).value();
  }
  ApiServer api;
  roles::Caller alice{"ignored-the-token-decides", std::nullopt};
};

TEST_F(Remote, EveryMethodRoundTrips) {
  auto p = remote();
  ASSERT_TRUE(p->health().ok());
  roles::Caller keyed{"x", "key-1"};
  auto v = p->create_vnet(keyed, request_doc(), {.ttl_s = 42.25, .confirm = false});
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(v->customer, "alice");
  EXPECT_EQ(v->state, "tentative");
  EXPECT_EQ(v->elements.size(), 3u);
  EXPECT_EQ(v->expires_at_ms.value_or(0), 1700000030000);
  EXPECT_DOUBLE_EQ(api.provider.last_create_options().ttl_s, 42.25);
  EXPECT_EQ(api.provider.last_caller().idempotency_key.value_or(""), "key-1");
  EXPECT_EQ(api.provider.last_caller().customer, "alice");

  auto again = p->create_vnet(keyed, request_doc(), {.ttl_s = 42.25, .confirm = false});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->id, v->id);

  auto c = p->confirm_request(alice, v->id);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->state, "confirmed");
  EXPECT_FALSE(c->expires_at_ms.has_value());

  auto s = p->status(alice, v->id);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->completion, v->completion);

  auto l = p->list(alice);
  ASSERT_TRUE(l.ok());
  ASSERT_EQ(l->size(), 1u);
  EXPECT_EQ((*l)[0].id, v->id);

  auto d = p->document(alice, v->id);
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->topologies.size(), request_doc().topologies.size());
  EXPECT_EQ(d->topologies[0].networkElements.size(), 3u);

  auto m = p->modify_vnet(alice, v->id, request_doc());
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->detail, "modified");

  for (roles::Action a : {roles::Action::kStart, roles::Action::kStop, roles::Action::kSuspend,
                          roles::Action::kResume, roles::Action::kPowercycle}) {
    auto r = p->provision(alice, v->id, a, "");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(api.provider.last_action(), a);
    r = p->provision(alice, v->id, a, "c:vhost1");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(api.provider.last_node(), "c:vhost1");
  }

  auto con = p->console(alice, v->id, "c:vhost2");
  ASSERT_TRUE(con.ok()) << con.error().message;
  EXPECT_EQ(con->host, "127.0.0.1");
  EXPECT_EQ(con->port, 4711);
  EXPECT_EQ(con->token, "tok-" + v->id + "-c:vhost2");
  EXPECT_EQ(api.provider.last_node(), "c:vhost2");

  auto met = p->get_metrics(alice);
  ASSERT_TRUE(met.ok());
  EXPECT_EQ(met->provider, "fake");
  EXPECT_EQ(met->vnets, 1);
  EXPECT_DOUBLE_EQ(met->resources.at(kCpu).available, 97);

  auto del = p->delete_vnet(alice, v->id);
  ASSERT_TRUE(del.ok());
  EXPECT_EQ(del->state, "deleted");

  auto v2 = p->create_vnet(alice, request_doc(), {.ttl_s = 0, .confirm = true});
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(v2->state, "confirmed");
  EXPECT_TRUE(api.provider.last_create_options().confirm);
  auto v3 = p->create_vnet(alice, request_doc(), {});
  ASSERT_TRUE(v3.ok());
  ASSERT_TRUE(p->cancel_request(alice, v3->id).ok());
}

TEST_F(Remote, ErrorsMapBackWithTheServersMessage) {
  auto p = remote();
  auto nf = p->status(alice, "vn-missing");
  ASSERT_FALSE(nf.ok());
  EXPECT_EQ(nf.error().code, Error::Code::kNotFound);
  EXPECT_NE(nf.error().message.find("no VNet vn-missing"), std::string::npos) << nf.error().message;

  auto v = p->create_vnet(alice, request_doc(), {});
  ASSERT_TRUE(v.ok());
  ASSERT_TRUE(p->confirm_request(alice, v->id).ok());
  auto conflict = p->confirm_request(alice, v->id);
  ASSERT_FALSE(conflict.ok());
  EXPECT_EQ(conflict.error().code, Error::Code::kConflict);

  api.provider.capacity = 1;
  auto inf = p->create_vnet(alice, request_doc(), {});
  ASSERT_FALSE(inf.ok());
  EXPECT_EQ(inf.error().code, Error::Code::kInfeasible);
  EXPECT_NE(inf.error().message.find("CPU"), std::string::npos);

  auto invalid = p->create_vnet(alice, flerd::Document{}, {});
  ASSERT_FALSE(invalid.ok());
  EXPECT_EQ(invalid.error().code, Error::Code::kInvalidArgument) << invalid.error().message;

  // Another customer: the VNet does not exist for bob.
  auto bob = remote("token-bob");
  auto hidden = bob->status(alice, v->id);
  ASSERT_FALSE(hidden.ok());
  EXPECT_EQ(hidden.error().code, Error::Code::kNotFound);

  auto unauth = remote("token-wrong")->list(alice);
  ASSERT_FALSE(unauth.ok());
  EXPECT_NE(unauth.error().message.find("401"), std::string::npos) << unauth.error().message;
}

TEST_F(Remote, UnreachableIsUnavailable) {
  http::ClientOptions o;
  o.base_url = "http://127.0.0.1:1";
  o.connect_timeout = std::chrono::milliseconds(500);
  auto p = RemoteProvider::create(o);
  ASSERT_TRUE(p.ok());
  auto r = (*p)->list(alice);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Error::Code::kUnavailable) << r.error().message;
  EXPECT_FALSE((*p)->health().ok());
  http::ClientOptions ftp;
  ftp.base_url = "ftp://x";
  EXPECT_FALSE(RemoteProvider::create(ftp).ok());
}

// A provider served through a RemoteProvider served again: the recursion a
// VNP buying from a VNP relies on (thesis 3.2).
TEST_F(Remote, RemoteProviderCanBeServedAgain) {
  auto inner = remote();
  http::ServerOptions o;
  o.threads = 4;
  o.keep_alive_timeout = std::chrono::seconds(1);
  o.authenticator = [](std::string_view t) -> std::optional<std::string> {
    if (t == "outer") return "carol";
    return std::nullopt;
  };
  http::Server outer(o);
  register_routes(outer, *inner);
  auto port = outer.start();
  ASSERT_TRUE(port.ok());
  http::ClientOptions co;
  co.base_url = "http://127.0.0.1:" + std::to_string(*port);
  co.bearer_token = "outer";
  auto p = RemoteProvider::create(co);
  ASSERT_TRUE(p.ok());
  auto v = (*p)->create_vnet(alice, request_doc(), {});
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(v->customer, "alice");  // the inner provider's customer is the outer daemon's token
  auto nf = (*p)->status(alice, "missing");
  ASSERT_FALSE(nf.ok());
  EXPECT_EQ(nf.error().code, Error::Code::kNotFound);
  outer.stop();
}

}  // namespace
}  // namespace cloudnet::api::test
