// The thesis's own FleRD example (appendix B), repaired into well-formed XML
// in tests/fixtures/thesis (see REPAIRS.md there). webservice.xml keeps the
// authors' defects; webservice-corrected.xml fixes them.
#include <gtest/gtest.h>

#include <map>

#include "flerd/graph.h"
#include "flerd/io.h"

namespace cloudnet::flerd {
namespace {

std::string fixture(const char* name) {
  return std::string(CLOUDNET_SOURCE_DIR) + "/tests/fixtures/thesis/" + name;
}

struct Counts {
  std::size_t topologies = 0, elements = 0, interfaces = 0, resources = 0, groups = 0, mappings = 0,
              consoles = 0;
};

Counts count(const Document& d) {
  Counts c;
  c.topologies = d.topologies.size();
  c.mappings = d.resourceMappings.size();
  c.consoles = d.consoleInterfaces.size();
  for (const auto& t : d.topologies) {
    c.elements += t.networkElements.size();
    c.resources += t.resources.size();
    c.groups += t.constraintGroups.size();
    for (const auto& ne : t.networkElements) c.interfaces += ne.networkInterfaces.size();
  }
  return c;
}

TEST(ThesisExample, FaithfulCopyLoadsWithEveryDefectReported) {
  const auto loaded = read_file(fixture("webservice.xml"));
  const Counts c = count(loaded.document);
  EXPECT_EQ(c.topologies, 5u);
  EXPECT_EQ(c.elements, 40u);
  EXPECT_EQ(c.interfaces, 78u);
  EXPECT_EQ(c.resources, 245u);
  EXPECT_EQ(c.groups, 3u);
  EXPECT_EQ(c.mappings, 104u);
  EXPECT_EQ(c.consoles, 4u);

  std::map<std::string, int> kinds;
  for (const auto& d : loaded.diagnostics.items()) {
    if (d.severity != Severity::kError) continue;
    EXPECT_GT(d.loc.line, 0) << d.format();
    EXPECT_EQ(d.loc.file, fixture("webservice.xml"));
    if (d.message.find("dangling reference") != std::string::npos)
      ++kinds["dangling"];
    else if (d.message.find("duplicate id") != std::string::npos)
      ++kinds["duplicate"];
    else if (d.message.find("expected true or false") != std::string::npos)
      ++kinds["boolean"];
    else if (d.message.find("hosting relation has a cycle") != std::string::npos)
      ++kinds["cycle"];
    else
      ++kinds["other: " + d.message];
  }
  // Figures from REPAIRS.md, counted independently of this code.
  EXPECT_EQ(kinds["dangling"], 313);
  EXPECT_EQ(kinds["duplicate"], 10);
  EXPECT_EQ(kinds["boolean"], 187);  // request_flag printed as ">false"
  // UL0 link 4 names its UL1 tunnel part as host while UL1 says the reverse.
  EXPECT_EQ(kinds["cycle"], 1);
  EXPECT_EQ(kinds.size(), 4u);

  const std::string all = loaded.diagnostics.format();
  EXPECT_NE(all.find("dangling reference 'p:cc1': no ConsoleInterface"), std::string::npos);
  EXPECT_NE(all.find("dangling reference 'p:c1n1o2gl1': no GraphLabel"), std::string::npos);
  EXPECT_NE(all.find("duplicate id 'p:c1n1o1l1p1i1nbw'"), std::string::npos);
  // Reported at the line of the reference.
  const std::string expected = ":814:";
  const auto at = all.find("error: dangling reference 'p:cc1'");
  ASSERT_NE(at, std::string::npos);
  const auto line_start = all.rfind('\n', at) + 1;
  EXPECT_NE(all.substr(line_start, at - line_start).find("webservice.xml" + expected),
            std::string::npos)
      << all.substr(line_start, at - line_start);
}

TEST(ThesisExample, CorrectedCopyIsCleanAndComplete) {
  const auto loaded = read_file(fixture("webservice-corrected.xml"));
  EXPECT_TRUE(loaded.diagnostics.empty()) << loaded.diagnostics.format();
  const Counts c = count(loaded.document);
  EXPECT_EQ(c.topologies, 5u);
  EXPECT_EQ(c.elements, 40u);
  EXPECT_EQ(c.resources, 253u);
  EXPECT_EQ(c.mappings, 104u);

  const Document& d = loaded.document;
  // The layers of thesis 4.4.
  std::vector<std::string> layers;
  for (const auto& t : d.topologies) layers.push_back(t.graphLabel->short_name());
  EXPECT_EQ(layers, (std::vector<std::string>{"OL0", "OL1", "ML0", "UL1", "UL0"}));

  // OL0: VHost1 whitelisted to the USA (preferred) or Canada.
  const NetworkElement* vhost1 = d.element("p:c1n1o0h1");
  ASSERT_NE(vhost1, nullptr);
  EXPECT_EQ(vhost1->identifier, "VHost1");
  ASSERT_EQ(vhost1->features.size(), 2u);
  EXPECT_EQ(vhost1->features[0].attribute, "/position/continent/country");
  EXPECT_EQ(vhost1->features[0].priority, 1);
  // The shared abstract resource of OL0 is one object for both hosts.
  const NetworkElement* vhost2 = d.element("p:c1n1o0h2");
  ASSERT_NE(vhost2, nullptr);
  EXPECT_EQ(vhost1->resource[0].target, vhost2->resource[0].target);

  // Hosting chains OL0 -> OL1 -> ML0 resolve to elements.
  ASSERT_FALSE(vhost1->hostingNetworkElement.empty());
  const NetworkElement* ol1 = vhost1->hostingNetworkElement[0].target;
  ASSERT_NE(ol1, nullptr);
  EXPECT_EQ(ol1->graphLabel->target->short_name(), "OL1");
  ASSERT_FALSE(ol1->hostingNetworkElement.empty());
  EXPECT_EQ(ol1->hostingNetworkElement[0].target->graphLabel->target->short_name(), "ML0");

  // Every ResourceMapping joins two existing Resources.
  for (const auto& rm : d.resourceMappings) {
    EXPECT_NE(rm.hostedResource.target, nullptr);
    EXPECT_NE(rm.hostingResource.target, nullptr);
  }

  // OL1 as a graph: hosts, splitters and the two redundant paths form one
  // component; the splitters have degree 3.
  const Topology* t = d.find_topology(GraphType::OL, 1);
  ASSERT_NE(t, nullptr);
  const GraphView g = GraphView::of(d, *t);
  EXPECT_EQ(g.components().second, 1);
  int degree3 = 0;
  for (std::size_t v = 0; v < g.vertex_count(); ++v) degree3 += g.degree(static_cast<int>(v)) == 3;
  EXPECT_EQ(degree3, 2);
}

}  // namespace
}  // namespace cloudnet::flerd
