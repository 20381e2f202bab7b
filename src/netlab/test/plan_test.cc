// Planning a lab substrate needs no root: names, addresses and routes.
#include <gtest/gtest.h>

#include "flerd/io.h"
#include "netlab/substrate.h"
#include "netlab/test/lab_fixtures.h"

namespace cloudnet::netlab {
namespace {

flerd::Document load(const char* yaml) {
  auto l = flerd::read_string(yaml, flerd::Format::kYaml, "test.yaml");
  EXPECT_TRUE(l.ok()) << l.diagnostics.format();
  return std::move(l.document);
}

const LabRoute* route(const SubstratePlan& p, std::string_view from, std::string_view to) {
  const LabNode* f = p.find(from);
  const LabNode* t = p.find(to);
  if (!f || !t) return nullptr;
  for (const auto& r : p.routes)
    if (&p.nodes[static_cast<std::size_t>(r.node)] == f && r.dest == t->address + "/32") return &r;
  return nullptr;
}

TEST(NetlabPlan, LineOfThreeHosts) {
  const auto doc = load(test::kLineSubstrate);
  auto p = plan_substrate(doc, *Tag::make("x1"));
  ASSERT_TRUE(p.ok()) << p.error().message;
  ASSERT_EQ(p->nodes.size(), 3u);
  EXPECT_EQ(p->nodes[0].netns, "cn-x1-s-s_h1");
  EXPECT_EQ(p->nodes[0].address, "10.201.0.1");
  EXPECT_EQ(p->find("H3"), &p->nodes[2]);
  ASSERT_EQ(p->wires.size(), 2u);
  const auto& w1 = p->wires[0];
  EXPECT_EQ(w1.link, "s:l1");
  EXPECT_EQ(w1.dev_a, "eth0");  // the FleRD interface identifiers
  EXPECT_EQ(w1.dev_b, "eth0");
  EXPECT_EQ(w1.addr_a, "10.200.0.1/30");
  EXPECT_EQ(w1.addr_b, "10.200.0.2/30");
  ASSERT_TRUE(w1.bandwidth_mbps);
  EXPECT_DOUBLE_EQ(*w1.bandwidth_mbps, 1000);  // 1 Gbps
  EXPECT_EQ(p->wires[1].dev_a, "eth1");
  EXPECT_EQ(p->wires[1].addr_a, "10.200.0.5/30");
  EXPECT_EQ(p->routes.size(), 6u);  // every host to every other host
  const LabRoute* r13 = route(*p, "s:h1", "s:h3");
  ASSERT_NE(r13, nullptr);
  EXPECT_EQ(r13->via, "10.200.0.2");  // h2 on the first wire
  EXPECT_EQ(r13->dev, "eth0");
  EXPECT_EQ(r13->src, "10.201.0.1");
  const LabRoute* r31 = route(*p, "s:h3", "s:h1");
  ASSERT_NE(r31, nullptr);
  EXPECT_EQ(r31->via, "10.200.0.5");
  EXPECT_NE(p->describe().find("wire s:l2"), std::string::npos);
}

TEST(NetlabPlan, ExampleSubstrateRoutesThroughTheRouter) {
  auto l = flerd::read_file(std::string(CLOUDNET_SOURCE_DIR) + "/examples/substrate-pip1.yaml");
  ASSERT_TRUE(l.ok());
  auto p = plan_substrate(l.document, *Tag::make("x2"));
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->nodes.size(), 4u);  // three servers and the router
  EXPECT_EQ(p->wires.size(), 3u);
  const LabRoute* r = route(*p, "s:host1", "s:host3");
  ASSERT_NE(r, nullptr);
  const LabNode* router = p->find("s:router");
  ASSERT_NE(router, nullptr);
  // The next hop is the router's end of link1.
  EXPECT_EQ(r->via, p->wires[0].addr_b.substr(0, p->wires[0].addr_b.find('/')));
  EXPECT_EQ(p->wires[0].dev_b, "p0");
  EXPECT_DOUBLE_EQ(*p->wires[2].bandwidth_mbps, 10000);
}

TEST(NetlabPlan, SharedMediumBecomesAHub) {
  const char* doc = R"(
namespaces: {s: /cloudnet/test/netlab}
Topology:
  - GraphLabel: {id: s:ul0, role_identifier: LAB, graph_type: UL, graph_nr: 0}
    NetworkElement:
      - {id: s:a, identifier: A, ne_type: /node/host/server, graphLabel: s:ul0,
         networkInterfaces: [{id: s:ae, identifier: eth0, ni_type: /interface/ethernet, connectedInterface: s:m1}]}
      - {id: s:b, identifier: B, ne_type: /node/host/server, graphLabel: s:ul0,
         networkInterfaces: [{id: s:be, identifier: eth0, ni_type: /interface/ethernet, connectedInterface: s:m2}]}
      - {id: s:c, identifier: C, ne_type: /node/host/server, graphLabel: s:ul0,
         networkInterfaces: [{id: s:ce, identifier: eth0, ni_type: /interface/ethernet, connectedInterface: s:m3}]}
      - {id: s:lan, identifier: LAN, ne_type: /link/ethernet, graphLabel: s:ul0,
         networkInterfaces: [{id: s:m1, identifier: p1, ni_type: /interface/ethernet, connectedInterface: s:ae},
                             {id: s:m2, identifier: p2, ni_type: /interface/ethernet, connectedInterface: s:be},
                             {id: s:m3, identifier: p3, ni_type: /interface/ethernet, connectedInterface: s:ce}]}
)";
  auto p = plan_substrate(load(doc), *Tag::make("x3"));
  ASSERT_TRUE(p.ok()) << p.error().message;
  ASSERT_EQ(p->nodes.size(), 4u);
  EXPECT_TRUE(p->nodes[3].hub);
  EXPECT_EQ(p->nodes[3].netns, "cn-x3-s-s_lan");
  EXPECT_EQ(p->wires.size(), 3u);
  const LabRoute* r = route(*p, "s:a", "s:c");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->via, p->wires[0].addr_a.substr(0, p->wires[0].addr_a.find('/')));  // the hub
}

TEST(NetlabPlan, UplinkAddsATunnelBridgeOnTheNamedHost) {
  const auto doc = load(test::kLineSubstrate);
  SubstrateOptions o;
  o.uplink = Uplink{"ex1", "10.250.0.7/16", "H3"};
  auto p = plan_substrate(doc, *Tag::make("x6"), o);
  ASSERT_TRUE(p.ok()) << p.error().message;
  ASSERT_EQ(p->nodes.size(), 4u);
  const LabNode* gw = p->gateway();
  ASSERT_NE(gw, nullptr);
  EXPECT_EQ(gw, &p->nodes[3]);
  EXPECT_EQ(gw->netns, "cn-x6-g");
  EXPECT_EQ(gw->address, "10.201.0.4");
  EXPECT_EQ(p->find(""), nullptr);
  ASSERT_EQ(p->wires.size(), 3u);
  EXPECT_EQ(p->nodes[static_cast<std::size_t>(p->wires[2].b)].element, "s:h3");
  EXPECT_EQ(p->uplink->host, "s:h3");  // resolved from the identifier
  EXPECT_EQ(p->uplink_address(), "10.250.0.7");
  // Every host routes to the tunnel bridge's VTEP through h3, and back.
  const LabNode& h1 = *p->find("s:h1");
  bool h1_to_gw = false, gw_to_h1 = false;
  for (const auto& r : p->routes) {
    if (&p->nodes[static_cast<std::size_t>(r.node)] == &h1 && r.dest == gw->address + "/32") {
      h1_to_gw = true;
      EXPECT_EQ(r.via, "10.200.0.2");
    }
    if (&p->nodes[static_cast<std::size_t>(r.node)] == gw && r.dest == h1.address + "/32")
      gw_to_h1 = true;
  }
  EXPECT_TRUE(h1_to_gw);
  EXPECT_TRUE(gw_to_h1);
  EXPECT_EQ(exchange_netns("ex1"), "cn-ix-ex1");
  EXPECT_EQ(exchange_device(*Tag::make("x6")), "x-x6");

  // Default host: the first host.
  o.uplink->host.clear();
  auto q = plan_substrate(doc, *Tag::make("x6"), o);
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->uplink->host, "s:h1");
  // Errors name the field.
  for (const auto& [bad, what] :
       std::vector<std::pair<Uplink, std::string>>{{{"ex1", "10.250.0.7", ""}, "uplink address"},
                                                   {{"ex1", "10.250.0/16", ""}, "uplink address"},
                                                   {{"EX", "10.250.0.7/16", ""}, "exchange"},
                                                   {{"ix", "10.250.0.7/16", ""}, "exchange"},
                                                   {{"ex1", "10.250.0.7/16", "s:nope"}, "host"}}) {
    o.uplink = bad;
    auto r = plan_substrate(doc, *Tag::make("x6"), o);
    ASSERT_FALSE(r.ok()) << bad.exchange << " " << bad.address << " " << bad.host;
    EXPECT_NE(r.error().message.find(what), std::string::npos) << r.error().message;
  }
  EXPECT_FALSE(Tag::make("ix").ok()) << "the exchanges' prefix";
}

TEST(NetlabPlan, Errors) {
  flerd::Document empty;
  auto p = plan_substrate(empty, *Tag::make("x4"));
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message.find("no UL graph"), std::string::npos);
  const auto doc = load(test::kLineSubstrate);
  SubstrateOptions o;
  o.wire_range = "10.200.0.0/31";  // not even one /30
  EXPECT_FALSE(plan_substrate(doc, *Tag::make("x5"), o).ok());
  o.wire_range = "10.200.0.0/30";  // one /30 for two links
  auto small = plan_substrate(doc, *Tag::make("x5"), o);
  ASSERT_FALSE(small.ok());
  EXPECT_NE(small.error().message.find("too small"), std::string::npos);
}

TEST(NetlabPlan, TokenBucketArguments) {
  const auto a = tbf_args("eth0", 10);
  ASSERT_GE(a.size(), 12u);
  EXPECT_EQ(a[7], "10000kbit");
  EXPECT_EQ(a[9], "32768");                          // at least 32 KB
  EXPECT_EQ(tbf_args("eth0", 10000)[9], "6250000");  // 5 ms at 10 Gbps
}

}  // namespace
}  // namespace cloudnet::netlab
