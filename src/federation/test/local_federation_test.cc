// A two-PIP federation with every role behind its own HTTP server: a
// two-site request through the VNP's API, end to end (issue 6).
#include "federation/local_federation.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "api/remote_provider.h"
#include "console/client.h"
#include "embed/sim_plugin.h"
#include "flerd/io.h"
#include "roles/pip/pip_service.h"

namespace cloudnet::federation {
namespace {

constexpr const char* kCpu = "/host/generic/CPU/amount";

// Two virtual hosts of `cpu` cores joined by a 100 Mbps link.
flerd::Document two_hosts(int cpu) {
  const std::string c = std::to_string(cpu);
  const std::string y =
      "namespaces: {c: /test/fed}\nTopology:\n"
      "  - GraphLabel: {id: c:ol0, role_identifier: customer, graph_type: OL, graph_nr: 0, "
      "net_identifier: twosite}\n    NetworkElement:\n"
      "      - {id: c:v1, identifier: V1, ne_type: /node/host/generic, graphLabel: c:ol0, "
      "resource: [c:v1cpu], networkInterfaces: [{id: c:v1e, identifier: e, ni_type: "
      "/interface/generic, connectedInterface: c:la}]}\n"
      "      - {id: c:v2, identifier: V2, ne_type: /node/host/generic, graphLabel: c:ol0, "
      "resource: [c:v2cpu], networkInterfaces: [{id: c:v2w, identifier: w, ni_type: "
      "/interface/generic, connectedInterface: c:lb}]}\n"
      "      - {id: c:l, identifier: L, ne_type: /link/generic, graphLabel: c:ol0, resource: "
      "[c:lbw], networkInterfaces: [{id: c:la, identifier: a, ni_type: /interface/generic, "
      "connectedInterface: c:v1e}, {id: c:lb, identifier: b, ni_type: /interface/generic, "
      "connectedInterface: c:v2w}]}\n"
      "    Resource:\n"
      "      - {id: c:v1cpu, attribute: /host/generic/CPU/amount, value: " +
      c +
      ", resource_unit: cores, value_type: minimum, request_flag: true}\n"
      "      - {id: c:v2cpu, attribute: /host/generic/CPU/amount, value: " +
      c +
      ", resource_unit: cores, value_type: minimum, request_flag: true}\n"
      "      - {id: c:lbw, attribute: /link/symmetric/bandwidth, value: 100, resource_unit: "
      "Mbps, value_type: minimum, request_flag: true}\n";
  flerd::Loaded l = flerd::read_string(y, flerd::Format::kYaml, "two_hosts");
  EXPECT_TRUE(l.ok()) << l.diagnostics.format();
  return std::move(l.document);
}

Options two_pips(bool parallel) {
  Options o;
  for (const char* name : {"pa", "pb"}) {
    GeneratedSubstrate g;
    g.name = name;
    g.hosts = 1;
    g.cores = 4;  // one 3-core node per PIP: a 2-node request must span both
    auto s = generated_substrate(g);
    EXPECT_TRUE(s.ok()) << s.error().message;
    PipOptions p;
    p.name = name;
    p.substrate = std::move(*s);
    p.time_budget_s = 5;
    o.pips.push_back(std::move(p));
  }
  o.parallel = parallel;
  o.vnp_time_budget_s = 5;
  o.in_memory = !parallel;  // both store kinds
  return o;
}

double free_cpu(roles::pip::PipService& pip, const std::string& account) {
  auto m = pip.get_metrics(roles::Caller{account, {}});
  EXPECT_TRUE(m.ok());
  return m.ok() ? m->resources[kCpu].available : -1;
}

class Federation : public ::testing::TestWithParam<bool> {};

TEST_P(Federation, TwoSiteRequestEndToEndOverHttp) {
  auto fed = LocalFederation::start(two_pips(GetParam()));
  ASSERT_TRUE(fed.ok()) << fed.error().message;
  LocalFederation& f = **fed;
  ASSERT_EQ(f.pip_count(), 2u);
  ASSERT_EQ(f.transit().size(), 1u);
  auto customer = f.customer_client();
  ASSERT_TRUE(customer.ok()) << customer.error().message;
  api::RemoteProvider& vnp = **customer;
  ASSERT_TRUE(vnp.health().ok());
  const roles::Caller alice{"ignored: the token decides", std::nullopt};

  // Aggregated metrics through the VNP: the sum of both PIPs.
  auto m = vnp.get_metrics(alice);
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_DOUBLE_EQ(m->resources[kCpu].capacity, 8.0);

  auto v = vnp.create_vnet(alice, two_hosts(3), {});
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(v->state, "tentative");
  EXPECT_EQ(v->customer, f.customer());
  std::set<std::string> sites;
  for (const auto& e : v->elements)
    if (e.kind == "node") sites.insert(e.site);
  EXPECT_EQ(sites, (std::set<std::string>{"pa", "pb"}));
  // Both PIPs hold a tentative part of 3 cores.
  for (std::size_t i = 0; i < 2; ++i) EXPECT_DOUBLE_EQ(free_cpu(f.pip(i), f.vnp_account()), 1.0);

  auto c = vnp.confirm_request(alice, v->id);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->state, "running") << c->detail;  // paper 5.7: started once confirmed
  auto st = vnp.status(alice, v->id);
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(st->state, "running");
  for (const auto& e : st->elements) {
    EXPECT_EQ(e.id.find("-peer"), std::string::npos) << e.id;    // stubs stay inside
    EXPECT_EQ(e.site.find("pah"), std::string::npos) << e.site;  // no substrate element
    EXPECT_EQ(e.site.find("pbh"), std::string::npos) << e.site;
  }

  // The VNP's view: one part per PIP and a transit identifier for the
  // crossing link.
  auto parts =
      f.vnp().store().read("parts", [&](store::ProviderTx& tx) { return tx.parts(v->id); });
  ASSERT_TRUE(parts.ok()) << parts.error().message;
  ASSERT_EQ(parts->size(), 2u);
  auto ml = f.vnp().store().read(
      "ml", [&](store::ProviderTx& tx) { return tx.document(v->id, store::Layer::kML); });
  ASSERT_TRUE(ml.ok()) << ml.error().message;
  EXPECT_NE(ml->body.find("transit c:l " + f.transit()[0].id + " 100 "), std::string::npos)
      << ml->body;
  // Each PIP's view of its part: its own host, a running node, and the
  // simulation plugin applied it.
  for (std::size_t i = 0; i < 2; ++i) {
    const store::Part* part = nullptr;
    for (const auto& p : *parts)
      if (p.provider == f.pip_name(i)) part = &p;
    ASSERT_NE(part, nullptr) << f.pip_name(i);
    auto els = f.pip(i).store().read(
        "elements", [&](store::ProviderTx& tx) { return tx.elements(part->remote_vnet); });
    ASSERT_TRUE(els.ok());
    bool hosted = false;
    for (const auto& e : *els)
      if (e.kind == store::ElementKind::kNode && e.host == "s:" + f.pip_name(i) + "h1")
        hosted = true;
    EXPECT_TRUE(hosted) << f.pip_name(i);
    EXPECT_GT(f.sim(i)->calls(embed::SimOp::kApply), 0);
    EXPECT_GT(f.sim(i)->calls(embed::SimOp::kStart), 0);
  }

  // A console line through the relay chain customer -> VNP relay -> PIP
  // relay -> the simulation's echo (thesis 3.3.5).
  auto access = vnp.console(alice, v->id, "c:v2");
  ASSERT_TRUE(access.ok()) << access.error().message;
  console::Ticket t;
  t.host = access->host;
  t.port = static_cast<std::uint16_t>(access->port);
  t.token = access->token;
  auto stream = console::connect(t);
  ASSERT_TRUE(stream.ok()) << stream.error().message;
  ASSERT_TRUE(stream->write("hello federation\n").ok());
  std::string got;
  char buf[256];
  while (got.find("hello federation") == std::string::npos) {
    auto n = stream->read(buf, sizeof buf, console::Millis(5000));
    ASSERT_TRUE(n.ok()) << n.error().message;
    if (*n == 0) break;
    got.append(buf, *n);
  }
  EXPECT_NE(got.find("hello federation"), std::string::npos) << got;

  // Delete spans both PIPs; everything is free again.
  auto d = vnp.delete_vnet(alice, v->id);
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->state, "deleted");
  for (std::size_t i = 0; i < 2; ++i) EXPECT_DOUBLE_EQ(free_cpu(f.pip(i), f.vnp_account()), 4.0);
}

INSTANTIATE_TEST_SUITE_P(Negotiation, Federation, ::testing::Values(true, false),
                         [](const auto& p) { return p.param ? "parallel" : "serial"; });

TEST(FederationOptions, RefusesBadConfiguration) {
  Options o;
  auto none = LocalFederation::start(o);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, Error::Code::kInvalidArgument);
  PipOptions p;
  p.name = "pa";  // no substrate: the PIP refuses to start
  o.pips.push_back(p);
  auto bad = LocalFederation::start(o);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("pip 'pa'"), std::string::npos) << bad.error().message;
}

}  // namespace
}  // namespace cloudnet::federation
