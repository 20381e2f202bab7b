// The PIP in process: store (SQLite and PostgreSQL), mapping, completion and
// the simulation plugin (thesis 8.2.1), through roles::Provider.
#include "roles/pip/pip_service.h"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "embed/sim_plugin.h"
#include "flerd/io.h"
#include "store/test/backends.h"

namespace cloudnet::roles::pip {
namespace {

using store::test::PostgresEnv;
using store::test::SqliteEnv;

// Two servers with 4 cores each and a link between them; console on both.
constexpr const char* kSubstrate = R"(
namespaces: {s: /test/pip}
Topology:
  - GraphLabel: {id: s:ul0, role_identifier: PIP, graph_type: UL, graph_nr: 0, net_identifier: sub}
    NetworkElement:
      - id: s:h1
        identifier: H1
        ne_type: /node/host/server
        graphLabel: s:ul0
        resource: [s:h1cpu, s:h1ram]
        features: [{attribute: /virtualization/technology, value: kvm, priority: 0, request_flag: false}]
        networkInterfaces: [{id: s:h1e0, identifier: eth0, ni_type: /interface/ethernet, connectedInterface: s:l1a}]
      - id: s:h2
        identifier: H2
        ne_type: /node/host/server
        graphLabel: s:ul0
        resource: [s:h2cpu, s:h2ram]
        features: [{attribute: /virtualization/technology, value: kvm, priority: 0, request_flag: false}]
        networkInterfaces: [{id: s:h2e0, identifier: eth0, ni_type: /interface/ethernet, connectedInterface: s:l1b}]
      - {id: s:l1, identifier: L1, ne_type: /link/ethernet, graphLabel: s:ul0, resource: [s:l1bw],
         networkInterfaces: [{id: s:l1a, identifier: a, ni_type: /interface/ethernet, connectedInterface: s:h1e0},
                             {id: s:l1b, identifier: b, ni_type: /interface/ethernet, connectedInterface: s:h2e0}]}
    Resource:
      - {id: s:h1cpu, attribute: /host/generic/CPU/amount, value: 4, resource_unit: cores, request_flag: false}
      - {id: s:h1ram, attribute: /host/generic/RAM/real/amount, value: 16, resource_unit: GB, request_flag: false}
      - {id: s:h2cpu, attribute: /host/generic/CPU/amount, value: 4, resource_unit: cores, request_flag: false}
      - {id: s:h2ram, attribute: /host/generic/RAM/real/amount, value: 16, resource_unit: GB, request_flag: false}
      - {id: s:l1bw, attribute: /link/symmetric/bandwidth, value: 1000, resource_unit: Mbps, request_flag: false}
)";

// Two virtual hosts (CPU left to the caller) and a 100 Mbps link; RAM and
// the virtualization technology are left vague (completed by the PIP).
std::string two_nodes(int cpu1, int cpu2, const std::string& net = "web") {
  return R"(
namespaces: {c: /test/req}
Topology:
  - GraphLabel: {id: c:ol0, role_identifier: customer, graph_type: OL, graph_nr: 0, net_identifier: )" +
         net + R"(}
    NetworkElement:
      - id: c:v1
        identifier: V1
        ne_type: /node/host/generic
        graphLabel: c:ol0
        resource: [c:v1cpu]
        networkInterfaces: [{id: c:v1e0, identifier: eth0, ni_type: /interface/generic, connectedInterface: c:li0}]
      - id: c:v2
        identifier: V2
        ne_type: /node/host/generic
        graphLabel: c:ol0
        resource: [c:v2cpu]
        networkInterfaces: [{id: c:v2e0, identifier: eth0, ni_type: /interface/generic, connectedInterface: c:li1}]
      - id: c:link
        identifier: L
        ne_type: /link/generic
        graphLabel: c:ol0
        resource: [c:lbw]
        networkInterfaces:
          - {id: c:li0, identifier: i0, ni_type: /interface/generic, connectedInterface: c:v1e0}
          - {id: c:li1, identifier: i1, ni_type: /interface/generic, connectedInterface: c:v2e0}
    Resource:
      - {id: c:v1cpu, attribute: /host/generic/CPU/amount, value: )" +
         std::to_string(cpu1) + R"(, resource_unit: cores, value_type: minimum, request_flag: true}
      - {id: c:v2cpu, attribute: /host/generic/CPU/amount, value: )" +
         std::to_string(cpu2) + R"(, resource_unit: cores, value_type: minimum, request_flag: true}
      - {id: c:lbw, attribute: /link/symmetric/bandwidth, value: 100, resource_unit: Mbps, value_type: minimum, request_flag: true}
)";
}

std::string one_node(int cpu, const std::string& net = "one") {
  return R"(
namespaces: {c: /test/one}
Topology:
  - GraphLabel: {id: c:ol0, role_identifier: customer, graph_type: OL, graph_nr: 0, net_identifier: )" +
         net + R"(}
    NetworkElement:
      - {id: c:v1, identifier: V1, ne_type: /node/host/generic, graphLabel: c:ol0, resource: [c:v1cpu]}
    Resource:
      - {id: c:v1cpu, attribute: /host/generic/CPU/amount, value: )" +
         std::to_string(cpu) + R"(, resource_unit: cores, value_type: minimum, request_flag: true}
)";
}

flerd::Document parse(const std::string& yaml) {
  flerd::Loaded l = flerd::read_string(yaml, flerd::Format::kYaml, "test");
  EXPECT_TRUE(l.ok()) << l.diagnostics.format();
  return std::move(l.document);
}

constexpr std::int64_t kT0 = 1'700'000'000'000;

template <class Env>
class PipTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { Env::SetUpTestSuite(); }
  static void TearDownTestSuite() { Env::TearDownTestSuite(); }

  void SetUp() override {
    Status s = env_.SetUp();
    ASSERT_TRUE(s.ok()) << s.error().message;
    url_ = env_.url();
    ASSERT_TRUE(start());
  }

  // (Re)starts the service on the same store with a fresh plugin (a restart:
  // the plugin's memory is gone, the store's is not).
  bool start(const std::string& url = {}) {
    svc_.reset();
    sim_ = std::make_shared<embed::SimPlugin>();
    auto reg = std::make_shared<embed::PluginRegistry>();
    if (!reg->add(sim_).ok()) return false;
    Config c;
    c.name = "pip1";
    c.substrate = parse(kSubstrate);
    c.store_url = url.empty() ? url_ : url;
    c.default_ttl_s = 60;
    c.max_ttl_s = 600;
    c.time_budget_s = 5;
    c.registry = reg;
    c.clock = &clock_;
    c.sweep_interval_s = 0;  // the tests sweep themselves
    auto s = PipService::start(std::move(c));
    if (!s) {
      start_error_ = s.error();
      return false;
    }
    svc_ = std::move(*s);
    return true;
  }

  Result<VNetInfo> create(const std::string& yaml, CreateOptions o = {}, Caller c = {"alice", {}}) {
    return svc_->create_vnet(c, parse(yaml), o);
  }

  double free_cpu() {
    auto m = svc_->get_metrics(alice_);
    EXPECT_TRUE(m.ok());
    return m->resources["/host/generic/CPU/amount"].available;
  }

  void expect_consistent() {
    auto p = svc_->store().check_consistency();
    ASSERT_TRUE(p.ok()) << p.error().message;
    EXPECT_TRUE(p->empty()) << p->front();
  }

  // Everything the substrate names: none of it may reach a customer.
  std::set<std::string> substrate_ids() {
    return {"s:h1",   "s:h2", "s:l1", "s:h1cpu", "s:h2cpu", "s:h1ram", "s:h2ram",
            "s:l1bw", "H1",   "H2",   "L1",      "s:h1e0",  "s:h2e0"};
  }

  Env env_;
  std::string url_;
  store::ManualClock clock_{kT0};
  std::shared_ptr<embed::SimPlugin> sim_;
  std::unique_ptr<PipService> svc_;
  Error start_error_;
  Caller alice_{"alice", {}};
  Caller bob_{"bob", {}};
};

using Backends = ::testing::Types<SqliteEnv, PostgresEnv>;
TYPED_TEST_SUITE(PipTest, Backends, store::test::BackendNames);

TYPED_TEST(PipTest, CreateConfirmDelete) {
  auto v = this->create(two_nodes(2, 1));
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(v->state, "tentative");
  EXPECT_EQ(v->customer, "alice");
  ASSERT_TRUE(v->expires_at_ms.has_value());
  EXPECT_EQ(*v->expires_at_ms, kT0 + 60'000);
  ASSERT_EQ(v->elements.size(), 3u);
  std::set<std::string> ids;
  for (const auto& e : v->elements) {
    ids.insert(e.id);
    EXPECT_EQ(e.site, "pip1");
    EXPECT_EQ(e.state, "tentative");
  }
  EXPECT_EQ(ids, (std::set<std::string>{"c:v1", "c:v2", "c:link"}));
  EXPECT_FALSE(v->completion.empty());  // RAM and technology were chosen
  EXPECT_DOUBLE_EQ(this->free_cpu(), 8 - 3);
  EXPECT_GT(this->sim_->live_units(), 0u);

  auto c = this->svc_->confirm_request(this->alice_, v->id);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->state, "stopped");  // applied; nodes come up stopped (thesis 8.2.2)
  EXPECT_FALSE(c->expires_at_ms.has_value());
  for (const auto& e : c->elements) EXPECT_EQ(e.state, e.kind == "node" ? "stopped" : "running");
  // A retried confirm is harmless.
  auto c2 = this->svc_->confirm_request(this->alice_, v->id);
  ASSERT_TRUE(c2.ok()) << c2.error().message;
  EXPECT_EQ(c2->state, "stopped");

  auto doc = this->svc_->document(this->alice_, v->id);
  ASSERT_TRUE(doc.ok()) << doc.error().message;
  EXPECT_EQ(doc->topologies.size(), 2u);  // OL0 and OL1, nothing of the substrate

  auto d = this->svc_->delete_vnet(this->alice_, v->id);
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->state, "deleted");
  EXPECT_DOUBLE_EQ(this->free_cpu(), 8);
  EXPECT_EQ(this->sim_->live_units(), 0u);
  this->expect_consistent();
}

TYPED_TEST(PipTest, CreateAndConfirmInOneStep) {
  CreateOptions o;
  o.confirm = true;
  auto v = this->create(two_nodes(1, 1), o);
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(v->state, "stopped");
}

TYPED_TEST(PipTest, TentativeExpires) {
  CreateOptions o;
  o.ttl_s = 10;
  auto v = this->create(two_nodes(2, 2), o);
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(*v->expires_at_ms, kT0 + 10'000);
  this->clock_.advance(9'000);
  auto none = this->svc_->sweep();
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  this->clock_.advance(2'000);
  auto swept = this->svc_->sweep();
  ASSERT_TRUE(swept.ok()) << swept.error().message;
  EXPECT_EQ(*swept, std::vector<std::string>{v->id});
  auto s = this->svc_->status(this->alice_, v->id);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->state, "deleted");
  EXPECT_DOUBLE_EQ(this->free_cpu(), 8);
  EXPECT_EQ(this->sim_->live_units(), 0u);
  auto c = this->svc_->confirm_request(this->alice_, v->id);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, Error::Code::kConflict);
  this->expect_consistent();
}

TYPED_TEST(PipTest, TtlIsCapped) {
  CreateOptions o;
  o.ttl_s = 1e9;
  auto v = this->create(one_node(1), o);
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(*v->expires_at_ms, kT0 + 600'000);
}

TYPED_TEST(PipTest, Cancel) {
  auto v = this->create(two_nodes(2, 1));
  ASSERT_TRUE(v.ok()) << v.error().message;
  auto c = this->svc_->cancel_request(this->alice_, v->id);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->state, "deleted");
  EXPECT_DOUBLE_EQ(this->free_cpu(), 8);
  EXPECT_EQ(this->sim_->live_units(), 0u);
  EXPECT_TRUE(this->svc_->cancel_request(this->alice_, v->id).ok());  // retried
  auto conf = this->svc_->confirm_request(this->alice_, v->id);
  ASSERT_FALSE(conf.ok());
  EXPECT_EQ(conf.error().code, Error::Code::kConflict);
  // A confirmed VNet is deleted, not cancelled.
  auto w = this->create(one_node(1));
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE(this->svc_->confirm_request(this->alice_, w->id).ok());
  auto cw = this->svc_->cancel_request(this->alice_, w->id);
  ASSERT_FALSE(cw.ok());
  EXPECT_EQ(cw.error().code, Error::Code::kConflict);
  this->expect_consistent();
}

TYPED_TEST(PipTest, Infeasible) {
  auto v = this->create(one_node(5));  // no host has 5 cores
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().code, Error::Code::kInfeasible) << v.error().message;
  EXPECT_DOUBLE_EQ(this->free_cpu(), 8);
}

TYPED_TEST(PipTest, InvalidRequest) {
  flerd::Document d = parse(one_node(1));
  d.topologies[0].networkElements[0].resource[0].id = "c:missing";
  auto v = this->svc_->create_vnet(this->alice_, d, {});
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().code, Error::Code::kInvalidArgument);
  EXPECT_NE(v.error().message.find("c:missing"), std::string::npos) << v.error().message;
}

TYPED_TEST(PipTest, Provisioning) {
  CreateOptions o;
  o.confirm = true;
  auto v = this->create(two_nodes(1, 1), o);
  ASSERT_TRUE(v.ok()) << v.error().message;
  const std::string id = v->id;
  auto& svc = *this->svc_;
  const Caller& a = this->alice_;
  auto node_state = [&](const std::string& node) {
    auto s = svc.status(a, id);
    for (const auto& e : s->elements)
      if (e.id == node) return e.state;
    return std::string("?");
  };
  auto r = svc.provision(a, id, Action::kStart, "c:v1");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->state, "running");
  EXPECT_EQ(node_state("c:v1"), "running");
  EXPECT_EQ(node_state("c:v2"), "stopped");
  ASSERT_TRUE(svc.provision(a, id, Action::kSuspend, "c:v1").ok());
  EXPECT_EQ(node_state("c:v1"), "suspended");
  EXPECT_EQ(svc.status(a, id)->state, "stopped");  // no node runs
  // Illegal: resume a running node, suspend a stopped one.
  auto bad = svc.provision(a, id, Action::kSuspend, "c:v2");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Error::Code::kConflict) << bad.error().message;
  ASSERT_TRUE(svc.provision(a, id, Action::kResume, "c:v1").ok());
  ASSERT_TRUE(svc.provision(a, id, Action::kPowercycle, "c:v1").ok());
  EXPECT_EQ(node_state("c:v1"), "running");
  auto bad2 = svc.provision(a, id, Action::kResume, "c:v1");
  ASSERT_FALSE(bad2.ok());
  EXPECT_EQ(bad2.error().code, Error::Code::kConflict);
  // The whole VNet.
  auto all = svc.provision(a, id, Action::kStart, "");
  ASSERT_TRUE(all.ok()) << all.error().message;
  EXPECT_EQ(node_state("c:v2"), "running");
  auto stop = svc.provision(a, id, Action::kStop, "");
  ASSERT_TRUE(stop.ok()) << stop.error().message;
  EXPECT_EQ(stop->state, "stopped");
  // Links and unknown nodes.
  auto link = svc.provision(a, id, Action::kStart, "c:link");
  ASSERT_FALSE(link.ok());
  EXPECT_EQ(link.error().code, Error::Code::kInvalidArgument);
  auto unknown = svc.provision(a, id, Action::kStart, "c:nope");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, Error::Code::kNotFound);
  // Not before confirmation.
  auto t = this->create(one_node(1));
  ASSERT_TRUE(t.ok());
  auto early = svc.provision(a, t->id, Action::kStart, "c:v1");
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.error().code, Error::Code::kConflict);
  EXPECT_EQ(parse_action("powercycle").value(), Action::kPowercycle);
  EXPECT_FALSE(parse_action("reboot").ok());
}

// A VNP's partial VNet (CloudNet paper 5.4): a link crossing to another PIP
// ends at a /node/host/pip stub. The stub demands nothing (no CPU, RAM or
// virtualization added by completion) and sits on any host.
TYPED_TEST(PipTest, VnpStubIsZeroDemandEndpoint) {
  const std::string partial = R"(
namespaces: {c: /test/partial}
Topology:
  - GraphLabel: {id: c:ol0, role_identifier: VNP, graph_type: OL, graph_nr: 0, net_identifier: part}
    NetworkElement:
      - {id: c:v1, identifier: V1, ne_type: /node/host/generic, graphLabel: c:ol0, resource: [c:v1cpu],
         networkInterfaces: [{id: c:v1e0, identifier: eth0, ni_type: /interface/generic, connectedInterface: c:li0}]}
      - {id: c:link-peer, identifier: peer, alias: pip2, ne_type: /node/host/pip, graphLabel: c:ol0,
         networkInterfaces: [{id: c:link-peerif, identifier: transit, ni_type: /interface/generic, connectedInterface: c:li1}]}
      - {id: c:link, identifier: L, alias: "transit:t12:100", ne_type: /link/transit, graphLabel: c:ol0, resource: [c:lbw],
         networkInterfaces: [{id: c:li0, identifier: i0, ni_type: /interface/generic, connectedInterface: c:v1e0},
                             {id: c:li1, identifier: i1, ni_type: /interface/generic, connectedInterface: c:link-peerif}]}
    Resource:
      - {id: c:v1cpu, attribute: /host/generic/CPU/amount, value: 3, resource_unit: cores, value_type: minimum, request_flag: true}
      - {id: c:lbw, attribute: /link/symmetric/bandwidth, value: 100, resource_unit: Mbps, value_type: minimum, request_flag: true}
)";
  auto v = this->create(partial);
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_DOUBLE_EQ(this->free_cpu(), 8 - 3);  // the stub takes nothing
  std::set<std::string> ids;
  for (const auto& e : v->elements) ids.insert(e.id);
  EXPECT_TRUE(ids.count("c:v1") && ids.count("c:link") && ids.count("c:link-peer"));
  auto c = this->svc_->confirm_request(this->alice_, v->id);
  ASSERT_TRUE(c.ok()) << c.error().message;
  // A restart completes the stored OL0 again: same zero demand.
  ASSERT_TRUE(this->start());
  EXPECT_DOUBLE_EQ(this->free_cpu(), 8 - 3);
  ASSERT_TRUE(this->svc_->delete_vnet(this->alice_, v->id).ok());
  EXPECT_DOUBLE_EQ(this->free_cpu(), 8);
}

TYPED_TEST(PipTest, Console) {
  CreateOptions o;
  o.confirm = true;
  auto v = this->create(one_node(1), o);
  ASSERT_TRUE(v.ok()) << v.error().message;
  ASSERT_TRUE(this->svc_->provision(this->alice_, v->id, Action::kStart, "c:v1").ok());
  auto t = this->svc_->console(this->alice_, v->id, "c:v1");
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(t->host, "127.0.0.1");
  EXPECT_GT(t->port, 0);
  EXPECT_FALSE(t->token.empty());
  auto t2 = this->svc_->console(this->alice_, v->id, "c:v1");
  ASSERT_TRUE(t2.ok());
  EXPECT_NE(t->token, t2->token);  // one-time tickets
  auto other = this->svc_->console(this->bob_, v->id, "c:v1");
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code, Error::Code::kNotFound);
}

TYPED_TEST(PipTest, OtherCustomersSeeNothing) {
  auto v = this->create(one_node(1));
  ASSERT_TRUE(v.ok()) << v.error().message;
  auto& svc = *this->svc_;
  const Caller& b = this->bob_;
  EXPECT_EQ(svc.status(b, v->id).error().code, Error::Code::kNotFound);
  EXPECT_EQ(svc.confirm_request(b, v->id).error().code, Error::Code::kNotFound);
  EXPECT_EQ(svc.cancel_request(b, v->id).error().code, Error::Code::kNotFound);
  EXPECT_EQ(svc.delete_vnet(b, v->id).error().code, Error::Code::kNotFound);
  EXPECT_EQ(svc.document(b, v->id).error().code, Error::Code::kNotFound);
  EXPECT_EQ(svc.provision(b, v->id, Action::kStart, "c:v1").error().code, Error::Code::kNotFound);
  // Same message as for an id that does not exist.
  EXPECT_EQ(svc.status(b, v->id).error().message, "no vnet '" + v->id + "'");
  EXPECT_EQ(svc.status(b, "vn-nope").error().message, "no vnet 'vn-nope'");
  EXPECT_TRUE(svc.list(b)->empty());
  EXPECT_EQ(svc.list(this->alice_)->size(), 1u);
  EXPECT_EQ(svc.get_metrics(b)->vnets, 0);
  EXPECT_EQ(svc.get_metrics(this->alice_)->vnets, 1);
}

TYPED_TEST(PipTest, NoSubstrateIdsLeak) {
  CreateOptions o;
  o.confirm = true;
  auto v = this->create(two_nodes(3, 2), o);
  ASSERT_TRUE(v.ok()) << v.error().message;
  auto m = this->svc_->get_metrics(this->alice_);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->provider, "pip1");
  EXPECT_DOUBLE_EQ(m->resources["/host/generic/CPU/amount"].capacity, 8);
  EXPECT_DOUBLE_EQ(m->resources["/host/generic/CPU/amount"].available, 3);
  EXPECT_GE(m->resources["/host/generic/CPU/amount"].largest_available, 1);
  EXPECT_DOUBLE_EQ(m->resources["/link/symmetric/bandwidth"].capacity, 1000);
  EXPECT_DOUBLE_EQ(m->resources["/link/symmetric/bandwidth"].available, 900);
  std::string text = m->provider;
  for (const auto& [k, r] : m->resources) text += " " + k;
  for (const auto& [k, f] : m->features) text += " " + k + "=" + f;
  auto s = this->svc_->status(this->alice_, v->id);
  ASSERT_TRUE(s.ok());
  for (const auto& e : s->elements) text += " " + e.id + " " + e.site + " " + e.state;
  for (const auto& [k, c] : s->completion) text += " " + k + "=" + c;
  text += " " + s->detail;
  for (const std::string& id : this->substrate_ids())
    EXPECT_EQ(text.find(id), std::string::npos) << id << " leaks in: " << text;
  auto doc = this->svc_->document(this->alice_, v->id);
  ASSERT_TRUE(doc.ok());
  std::string body = flerd::write_string(*doc, flerd::Format::kYaml);
  for (const char* id : {"s:h1", "s:h2", "s:l1"}) EXPECT_EQ(body.find(id), std::string::npos) << id;
}

TYPED_TEST(PipTest, IdempotentRetries) {
  Caller k = {"alice", "key-1"};
  auto v1 = this->create(two_nodes(2, 1), {}, k);
  ASSERT_TRUE(v1.ok()) << v1.error().message;
  auto v2 = this->create(two_nodes(2, 1), {}, k);
  ASSERT_TRUE(v2.ok()) << v2.error().message;
  EXPECT_EQ(v1->id, v2->id);
  EXPECT_DOUBLE_EQ(this->free_cpu(), 5);  // allocated once
  EXPECT_EQ(this->svc_->list(this->alice_)->size(), 1u);
  // The same key with another request.
  auto v3 = this->create(two_nodes(1, 1), {}, k);
  ASSERT_FALSE(v3.ok());
  EXPECT_EQ(v3.error().code, Error::Code::kConflict);
  // Another customer's key space is its own.
  auto vb = this->create(one_node(1), {}, Caller{"bob", "key-1"});
  ASSERT_TRUE(vb.ok()) << vb.error().message;
  EXPECT_NE(vb->id, v1->id);
  Caller ck = {"alice", "confirm-1"};
  auto c1 = this->svc_->confirm_request(ck, v1->id);
  ASSERT_TRUE(c1.ok()) << c1.error().message;
  auto c2 = this->svc_->confirm_request(ck, v1->id);
  ASSERT_TRUE(c2.ok()) << c2.error().message;
  EXPECT_EQ(c2->state, "stopped");
  EXPECT_DOUBLE_EQ(this->free_cpu(), 4);
  this->expect_consistent();
}

TYPED_TEST(PipTest, ConcurrentRetriesOfOneKeyAllocateOnce) {
  std::vector<std::thread> ts;
  std::vector<std::string> ids(4);
  std::atomic<int> ok{0};
  for (int i = 0; i < 4; ++i)
    ts.emplace_back([&, i] {
      auto v = this->create(one_node(1), {}, Caller{"alice", "same"});
      if (v) {
        ids[static_cast<std::size_t>(i)] = v->id;
        ++ok;
      }
    });
  for (auto& t : ts) t.join();
  EXPECT_EQ(ok.load(), 4);
  for (const auto& id : ids) EXPECT_EQ(id, ids[0]);
  EXPECT_DOUBLE_EQ(this->free_cpu(), 7);
  EXPECT_EQ(this->sim_->live_units(), 1u);
}

TYPED_TEST(PipTest, RaceForTheLastCapacity) {
  // 4 + 4 cores; take 3 on each host's worth so only one 3-core request fits.
  auto first = this->create(one_node(3));
  ASSERT_TRUE(first.ok()) << first.error().message;
  std::atomic<int> won{0}, infeasible{0};
  std::vector<std::thread> ts;
  for (int i = 0; i < 2; ++i)
    ts.emplace_back([&] {
      auto v = this->create(one_node(3));
      if (v)
        ++won;
      else if (v.error().code == Error::Code::kInfeasible)
        ++infeasible;
    });
  for (auto& t : ts) t.join();
  EXPECT_EQ(won.load(), 1);
  EXPECT_EQ(infeasible.load(), 1);
  EXPECT_DOUBLE_EQ(this->free_cpu(), 2);
  this->expect_consistent();
}

TYPED_TEST(PipTest, PluginFailureDuringPrepareRollsBack) {
  // Two units (a node on each host and the link): the second prepare fails.
  this->sim_->fail_nth(embed::SimOp::kPrepare, 2, "injected");
  auto v = this->create(two_nodes(3, 2));
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.error().message.find("rolled back"), std::string::npos) << v.error().message;
  EXPECT_NE(v.error().message.find("injected"), std::string::npos) << v.error().message;
  EXPECT_DOUBLE_EQ(this->free_cpu(), 8);
  EXPECT_EQ(this->sim_->live_units(), 0u);
  auto all = this->svc_->store().list_vnets("alice", true);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ(all->front().state, store::VNetState::kDeleted);
  this->expect_consistent();
}

TYPED_TEST(PipTest, PluginFailureDuringApplyRollsBack) {
  auto v = this->create(two_nodes(3, 2));
  ASSERT_TRUE(v.ok()) << v.error().message;
  this->sim_->fail_nth(embed::SimOp::kApply, 2, "injected apply failure");
  auto c = this->svc_->confirm_request(this->alice_, v->id);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("injected apply failure"), std::string::npos)
      << c.error().message;
  auto s = this->svc_->status(this->alice_, v->id);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->state, "deleted");
  EXPECT_NE(s->detail.find("rolled back"), std::string::npos);
  EXPECT_DOUBLE_EQ(this->free_cpu(), 8);
  EXPECT_EQ(this->sim_->live_units(), 0u);
  this->expect_consistent();
}

TYPED_TEST(PipTest, RestartKeepsConfirmedAndReleasesDueTentatives) {
  CreateOptions confirm;
  confirm.confirm = true;
  auto a = this->create(two_nodes(1, 1, "a"), confirm);
  ASSERT_TRUE(a.ok()) << a.error().message;
  ASSERT_TRUE(this->svc_->provision(this->alice_, a->id, Action::kStart, "c:v1").ok());
  CreateOptions shortt;
  shortt.ttl_s = 10;
  auto b = this->create(one_node(1, "b"), shortt);
  ASSERT_TRUE(b.ok()) << b.error().message;
  CreateOptions longt;
  longt.ttl_s = 500;
  auto c = this->create(one_node(1, "c"), longt);
  ASSERT_TRUE(c.ok()) << c.error().message;

  this->svc_.reset();  // the daemon goes away (its plugin state with it)
  this->clock_.advance(20'000);
  ASSERT_TRUE(this->start()) << this->start_error_.message;
  auto& svc = *this->svc_;
  const auto& rep = svc.reconcile_report();
  EXPECT_EQ(rep.expired, std::vector<std::string>{b->id});

  auto sa = svc.status(this->alice_, a->id);
  ASSERT_TRUE(sa.ok());
  EXPECT_EQ(sa->state, "running");
  for (const auto& e : sa->elements)
    if (e.id == "c:v1") {
      EXPECT_EQ(e.state, "running");
    }
  EXPECT_EQ(this->sim_->power(a->id, "c:v1.ol1").value_or(embed::PowerState::kStopped),
            embed::PowerState::kRunning);
  EXPECT_EQ(svc.status(this->alice_, b->id)->state, "deleted");
  EXPECT_EQ(svc.status(this->alice_, c->id)->state, "tentative");
  EXPECT_DOUBLE_EQ(this->free_cpu(), 8 - 2 - 1);
  // The tentative one can still be confirmed, and the running one stopped.
  auto cc = svc.confirm_request(this->alice_, c->id);
  ASSERT_TRUE(cc.ok()) << cc.error().message;
  EXPECT_TRUE(svc.provision(this->alice_, a->id, Action::kStop, "c:v1").ok());
  this->expect_consistent();
}

TYPED_TEST(PipTest, ReadOnlyStoreFailsCleanly) {
  auto a = this->create(one_node(1));
  ASSERT_TRUE(a.ok()) << a.error().message;
  this->svc_.reset();
  auto ro = this->env_.read_only_url();
  ASSERT_TRUE(ro.ok());
  ASSERT_TRUE(this->start(*ro)) << this->start_error_.message;
  auto v = this->create(one_node(1));
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().code, Error::Code::kIo) << v.error().message;
  EXPECT_EQ(this->sim_->live_units(), 1u);  // only the one re-prepared at start
  auto s = this->svc_->status(this->alice_, a->id);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->state, "tentative");
  auto c = this->svc_->confirm_request(this->alice_, a->id);
  ASSERT_FALSE(c.ok());
  this->svc_.reset();
  ASSERT_TRUE(this->env_.make_writable().ok());
  ASSERT_TRUE(this->start());
  EXPECT_EQ(this->svc_->status(this->alice_, a->id)->state, "tentative");
  EXPECT_DOUBLE_EQ(this->free_cpu(), 7);
  this->expect_consistent();
}

TYPED_TEST(PipTest, ModifyMovesOnlyWhatMustMove) {
  CreateOptions o;
  o.confirm = true;
  auto v = this->create(two_nodes(2, 1), o);
  ASSERT_TRUE(v.ok()) << v.error().message;
  const std::string id = v->id;
  ASSERT_TRUE(this->svc_->provision(this->alice_, id, Action::kStart, "c:v1").ok());
  auto hosts = [&] {
    std::map<std::string, std::string> h;
    auto els =
        this->svc_->store().read("els", [&](store::ProviderTx& tx) { return tx.elements(id); });
    for (const auto& e : *els) h[e.id] = e.host;
    return h;
  };
  const auto before = hosts();
  // v2 grows from 1 to 2 cores: it fits where it is, nothing moves.
  auto m1 = this->svc_->modify_vnet(this->alice_, id, parse(two_nodes(2, 2)));
  ASSERT_TRUE(m1.ok()) << m1.error().message;
  EXPECT_EQ(hosts(), before);
  EXPECT_EQ(m1->state, "running");
  EXPECT_NE(m1->detail.find("no virtual node moved"), std::string::npos) << m1->detail;
  EXPECT_DOUBLE_EQ(this->free_cpu(), 4);
  // Power states carry over.
  for (const auto& e : m1->elements)
    if (e.id == "c:v1") {
      EXPECT_EQ(e.state, "running");
    }
  // 3 + 2 cores: at most one node moves.
  auto m2 = this->svc_->modify_vnet(this->alice_, id, parse(two_nodes(3, 2)));
  ASSERT_TRUE(m2.ok()) << m2.error().message;
  const auto after = hosts();
  int moved = 0;
  for (const char* n : {"c:v1", "c:v2"}) moved += before.at(n) != after.at(n);
  EXPECT_LE(moved, 1);
  EXPECT_DOUBLE_EQ(this->free_cpu(), 3);
  // Infeasible: nothing changes.
  auto m3 = this->svc_->modify_vnet(this->alice_, id, parse(two_nodes(5, 1)));
  ASSERT_FALSE(m3.ok());
  EXPECT_EQ(m3.error().code, Error::Code::kInfeasible);
  EXPECT_EQ(hosts(), after);
  EXPECT_DOUBLE_EQ(this->free_cpu(), 3);
  EXPECT_EQ(this->svc_->modify_vnet(this->bob_, id, parse(two_nodes(1, 1))).error().code,
            Error::Code::kNotFound);
  this->expect_consistent();
}

TYPED_TEST(PipTest, ModifyPluginFailureRestoresTheOldEmbedding) {
  CreateOptions o;
  o.confirm = true;
  auto v = this->create(two_nodes(2, 1), o);
  ASSERT_TRUE(v.ok()) << v.error().message;
  this->sim_->fail_nth(embed::SimOp::kApply, this->sim_->calls(embed::SimOp::kApply) + 1,
                       "injected");
  auto m = this->svc_->modify_vnet(this->alice_, v->id, parse(two_nodes(3, 2)));
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().message.find("rolled back"), std::string::npos) << m.error().message;
  auto s = this->svc_->status(this->alice_, v->id);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->state, "stopped");
  EXPECT_DOUBLE_EQ(this->free_cpu(), 5);
  EXPECT_GT(this->sim_->live_units(), 0u);
  this->expect_consistent();
}

// kill -9 in the middle of embedding: the store says confirmed (not applied
// yet) or provisioning (apply interrupted); the next start completes both.
TYPED_TEST(PipTest, RestartCompletesInterruptedEmbedding) {
  auto a = this->create(one_node(1, "a"));
  ASSERT_TRUE(a.ok()) << a.error().message;
  auto b = this->create(one_node(1, "b"));
  ASSERT_TRUE(b.ok()) << b.error().message;
  auto& st = this->svc_->store();
  ASSERT_TRUE(st.confirm(a->id).ok());
  ASSERT_TRUE(st.confirm(b->id).ok());
  ASSERT_TRUE(st.transition(b->id, store::VNetState::kProvisioning).ok());
  this->svc_.reset();
  ASSERT_TRUE(this->start()) << this->start_error_.message;
  EXPECT_EQ(this->svc_->status(this->alice_, a->id)->state, "stopped");
  EXPECT_EQ(this->svc_->status(this->alice_, b->id)->state, "stopped");
  EXPECT_EQ(this->sim_->live_units(), 2u);
  EXPECT_DOUBLE_EQ(this->free_cpu(), 6);
  this->expect_consistent();
}

// ... and when the plugins refuse at the next start, the interrupted
// embedding is rolled back: nothing half remains, nothing stays reserved.
TYPED_TEST(PipTest, RestartRollsBackWhatCannotBeCompleted) {
  auto a = this->create(one_node(1, "a"));
  ASSERT_TRUE(a.ok()) << a.error().message;
  ASSERT_TRUE(this->svc_->store().confirm(a->id).ok());
  ASSERT_TRUE(this->svc_->store().transition(a->id, store::VNetState::kProvisioning).ok());
  this->svc_.reset();
  // A restart whose plugin fails every apply.
  this->sim_ = nullptr;
  auto sim = std::make_shared<embed::SimPlugin>();
  sim->fail_nth(embed::SimOp::kApply, 1, "still broken");
  auto reg = std::make_shared<embed::PluginRegistry>();
  ASSERT_TRUE(reg->add(sim).ok());
  Config c;
  c.name = "pip1";
  c.substrate = parse(kSubstrate);
  c.store_url = this->url_;
  c.registry = reg;
  c.clock = &this->clock_;
  c.sweep_interval_s = 0;
  auto svc = PipService::start(std::move(c));
  ASSERT_TRUE(svc.ok()) << svc.error().message;
  this->svc_ = std::move(*svc);
  auto s = this->svc_->status(this->alice_, a->id);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->state, "deleted");
  EXPECT_NE(s->detail.find("still broken"), std::string::npos) << s->detail;
  EXPECT_EQ(sim->live_units(), 0u);
  EXPECT_DOUBLE_EQ(this->free_cpu(), 8);
  this->expect_consistent();
}

// SQLite only: a store that cannot grow ("disk full").
class PipSqliteTest : public PipTest<SqliteEnv> {};

TEST_F(PipSqliteTest, FullStoreFailsCleanly) {
  auto pages = svc_->store().read("pages", [](store::ProviderTx& tx) -> Result<std::int64_t> {
    auto row = tx.sql().query_one("page count", "PRAGMA page_count");
    if (!row) return row.error();
    return (**row).int64(0);
  });
  ASSERT_TRUE(pages.ok());
  svc_.reset();
  ASSERT_TRUE(start(url_ + "?max_page_count=" + std::to_string(*pages + 1)))
      << start_error_.message;
  auto v = create(two_nodes(2, 1));
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().code, Error::Code::kIo) << v.error().message;
  EXPECT_NE(v.error().message.find("full"), std::string::npos) << v.error().message;
  EXPECT_EQ(sim_->live_units(), 0u);
  EXPECT_DOUBLE_EQ(free_cpu(), 8);
  EXPECT_TRUE(svc_->list(alice_)->empty());
  expect_consistent();
}

}  // namespace
}  // namespace cloudnet::roles::pip
