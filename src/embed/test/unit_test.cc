// Units from a real mapping document: one per substrate element the ML graph
// uses, nodes with their allocations, links split into segments (CloudNet
// paper 4.2.2 "Automated Link Provisioning"), and the state machine table.
#include "embed/unit.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "embed/state.h"
#include "embed/test/fixture.h"

namespace cloudnet::embed {
namespace {

using testing::ml0;
using testing::webservice_mapping;

TEST(Units, OnePerHostingSubstrateElementMatchingTheMl) {
  const auto& doc = webservice_mapping();
  auto units = build_units(doc);
  ASSERT_TRUE(units.ok()) << units.error().message;

  // What the ML graph says: substrate element -> hosted overlay elements.
  std::map<std::string, std::set<std::string>> expected;
  for (const auto& m : ml0(doc).networkElements)
    for (const auto& h : m.hostingNetworkElement)
      expected[h.id].insert(m.hostedNetworkElement.front().id);
  std::map<std::string, std::set<std::string>> got;
  for (const auto& u : *units) {
    EXPECT_EQ(u.net, "webservice");
    EXPECT_EQ(u.key(), "webservice@" + u.substrate);
    EXPECT_FALSE(u.empty());
    EXPECT_EQ(u.mapping.get(), units->front().mapping.get());  // one shared copy
    for (const auto& n : u.nodes) got[u.substrate].insert(n.id);
    for (const auto& s : u.segments) got[u.substrate].insert(s.link);
    const auto* e = doc.element(u.substrate);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(u.substrate_type.str(), e->ne_type);
    EXPECT_EQ(u.substrate_identifier, e->identifier);
  }
  EXPECT_EQ(got, expected);
  EXPECT_EQ(units->size(), expected.size());

  // Substrate nodes come before substrate links.
  bool seen_link = false;
  for (const auto& u : *units) {
    const bool link = u.substrate_type.category() == "link";
    EXPECT_FALSE(seen_link && !link) << u.substrate << " after a substrate link";
    seen_link = seen_link || link;
  }
}

TEST(Units, NodesCarryTheirAllocationsAndLinksTheirSegments) {
  const auto& doc = webservice_mapping();
  auto units = build_units(doc);
  ASSERT_TRUE(units.ok());
  std::map<std::string, std::string> host;  // virtual node -> substrate element
  for (const auto& u : *units)
    for (const auto& n : u.nodes) host[n.id] = u.substrate;
  ASSERT_EQ(host.size(), 2u);
  EXPECT_NE(host["c:vhost1"], host["c:vhost2"]);  // the distinct-device constraint

  for (const auto& u : *units) {
    for (const auto& n : u.nodes) {
      if (n.id != "c:vhost1") continue;
      EXPECT_EQ(n.identifier, "VHost1");
      EXPECT_EQ(n.type, "/node/host/generic");
      EXPECT_EQ(n.interfaces, std::vector<std::string>{"eth0"});
      std::map<std::string, double> amounts;
      for (const auto& a : n.allocations) {
        amounts[a.attribute] += a.amount;
        EXPECT_FALSE(a.substrate_resource.empty()) << a.ml_resource;
        // The substrate resource belongs to the hosting element.
        const auto* e = doc.element(u.substrate);
        bool owned = false;
        for (const auto& r : e->resource) owned = owned || r.id == a.substrate_resource;
        EXPECT_TRUE(owned) << a.substrate_resource << " not on " << u.substrate;
      }
      EXPECT_DOUBLE_EQ(amounts["/host/generic/CPU/amount"], 2);
      EXPECT_DOUBLE_EQ(amounts["/host/generic/RAM/real/amount"], 1);
    }
  }

  // The link: a segment on every element of its path; the two hosts hold its
  // ends; neighbours are symmetric; bandwidth sits on the substrate links.
  std::map<std::string, const UnitSegment*> segs;
  for (const auto& u : *units)
    for (const auto& s : u.segments) {
      EXPECT_EQ(s.link, "c:link1");
      segs[u.substrate] = &s;
    }
  ASSERT_GE(segs.size(), 2u);
  for (const auto& [sub, s] : segs) {
    for (const auto& e : s->ends) EXPECT_EQ(host[e.node], sub);
    for (const auto& a : s->adjacent) {
      ASSERT_TRUE(segs.count(a)) << a;
      const auto& back = segs[a]->adjacent;
      EXPECT_NE(std::find(back.begin(), back.end(), sub), back.end());
    }
    if (segs.size() > 1) {
      EXPECT_FALSE(s->adjacent.empty()) << sub;
    }
    for (const auto& a : s->allocations) {
      EXPECT_EQ(a.attribute, "/link/symmetric/bandwidth");
      EXPECT_DOUBLE_EQ(a.amount, 100);
      EXPECT_EQ(doc.element(sub)->is_link(), true);
    }
  }
  ASSERT_EQ(segs[host["c:vhost1"]]->ends.size(), 1u);
  EXPECT_EQ(segs[host["c:vhost1"]]->ends[0].node, "c:vhost1");
  EXPECT_EQ(segs[host["c:vhost1"]]->ends[0].interface, "eth0");
}

TEST(Units, DescribeIsReadable) {
  Allocation a{"/host/generic/CPU/amount", 2, "cores", "m", "s", 2};
  EXPECT_EQ(describe(a), "CPU 2 cores");
  a.attribute = "/link/symmetric/bandwidth";
  a.unit = "Mbps";
  a.amount = 100;
  EXPECT_EQ(describe(a), "symmetric/bandwidth 100 Mbps");
  auto units = build_units(webservice_mapping());
  ASSERT_TRUE(units.ok());
  const std::string d = describe(units->front());
  EXPECT_EQ(d.rfind(units->front().substrate + " (/node/host/", 0), 0u) << d;
  EXPECT_NE(d.find("CPU"), std::string::npos) << d;
}

TEST(Units, ErrorsNameWhatIsMissing) {
  flerd::Document empty;
  auto r = build_units(empty);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("no ML graph"), std::string::npos);

  // Without the substrate layer the hosting references dangle.
  flerd::Document doc = webservice_mapping();
  std::erase_if(doc.topologies, [](const flerd::Topology& t) {
    return t.graphLabel && t.graphLabel->graph_type == flerd::GraphType::UL;
  });
  doc.resolve();
  r = build_units(doc);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("is hosted on 's:"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("substrate layer"), std::string::npos);

  // No net identifier anywhere: the caller must name the VNet.
  doc = webservice_mapping();
  for (auto& t : doc.topologies)
    if (t.graphLabel) t.graphLabel->net_identifier.reset();
  r = build_units(doc);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("UnitOptions::net"), std::string::npos);
  UnitOptions o;
  o.net = "named";
  r = build_units(doc, o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->front().net, "named");

  UnitOptions other;
  other.ml_layer = 3;
  r = build_units(webservice_mapping(), other);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("ML3"), std::string::npos);
}

TEST(StateMachine, TableAndAggregate) {
  using S = ElementState;
  EXPECT_TRUE(transition_allowed(S::kTentative, S::kConfirmed));
  EXPECT_TRUE(transition_allowed(S::kConfirmed, S::kProvisioning));
  EXPECT_TRUE(transition_allowed(S::kProvisioning, S::kStopped));
  EXPECT_TRUE(transition_allowed(S::kStopped, S::kRunning));
  EXPECT_TRUE(transition_allowed(S::kRunning, S::kRunning));  // powercycle
  EXPECT_TRUE(transition_allowed(S::kRunning, S::kSuspended));
  EXPECT_TRUE(transition_allowed(S::kSuspended, S::kRunning));
  EXPECT_TRUE(transition_allowed(S::kFailed, S::kDeleting));
  EXPECT_TRUE(transition_allowed(S::kDeleting, S::kDeleted));
  // A re-embedding re-applies an element and returns it to its state.
  for (S s : {S::kRunning, S::kStopped, S::kSuspended}) {
    EXPECT_TRUE(transition_allowed(s, S::kProvisioning));
    EXPECT_TRUE(transition_allowed(S::kProvisioning, s));
  }
  EXPECT_FALSE(transition_allowed(S::kTentative, S::kRunning));
  EXPECT_FALSE(transition_allowed(S::kTentative, S::kProvisioning));
  EXPECT_FALSE(transition_allowed(S::kStopped, S::kSuspended));
  EXPECT_FALSE(transition_allowed(S::kProvisioning, S::kDeleting));
  EXPECT_FALSE(transition_allowed(S::kDeleted, S::kTentative));
  for (S s : {S::kTentative, S::kConfirmed, S::kProvisioning, S::kRunning, S::kStopped,
              S::kSuspended, S::kFailed, S::kDeleting, S::kDeleted}) {
    EXPECT_FALSE(transition_allowed(S::kDeleted, s));
    auto parsed = parse_element_state(to_string(s));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, s);
  }
  auto bad = check_transition("c:vhost1", S::kRunning, S::kConfirmed);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Error::Code::kConflict);
  EXPECT_EQ(bad.error().message,
            "element 'c:vhost1': illegal state transition running -> confirmed");

  EXPECT_EQ(aggregate({}), S::kDeleted);
  EXPECT_EQ(aggregate({S::kStopped, S::kStopped}), S::kStopped);
  EXPECT_EQ(aggregate({S::kRunning, S::kStopped}), S::kRunning);
  EXPECT_EQ(aggregate({S::kSuspended, S::kStopped}), S::kStopped);
  EXPECT_EQ(aggregate({S::kRunning, S::kFailed, S::kDeleting}), S::kFailed);
  EXPECT_EQ(aggregate({S::kTentative, S::kConfirmed}), S::kTentative);
}

}  // namespace
}  // namespace cloudnet::embed
