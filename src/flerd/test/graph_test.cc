#include "flerd/graph.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "flerd/io.h"

namespace cloudnet::flerd {
namespace {

Loaded example(const char* name) {
  return read_file(std::string(CLOUDNET_SOURCE_DIR) + "/examples/" + name);
}

TEST(GraphView, LinksAreVerticesAndSharedMediaKeepAllEndpoints) {
  const auto l = example("request-shared-medium.yaml");
  ASSERT_TRUE(l.ok()) << l.diagnostics.format();
  const GraphView g = GraphView::of(l.document, l.document.topologies[0]);
  EXPECT_EQ(g.vertex_count(), 4u);  // A, B, C and the LAN
  EXPECT_EQ(g.edges().size(), 3u);  // one per connected interface pair
  const int lan = *g.index_of("c:lan");
  EXPECT_TRUE(g.vertex(lan).is_link());
  EXPECT_EQ(g.degree(lan), 3);
  auto ends = g.link_endpoints(lan);
  std::vector<std::string> names;
  for (int v : ends) names.push_back(g.vertex(v).identifier);
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"A", "B", "C"}));
  EXPECT_EQ(g.components().second, 1);
}

TEST(GraphView, EdgesCarryTheirInterfaces) {
  const auto l = example("substrate-pip1.yaml");
  ASSERT_TRUE(l.ok()) << l.diagnostics.format();
  const GraphView g = GraphView::of(l.document, l.document.topologies[0]);
  EXPECT_EQ(g.vertex_count(), 7u);
  EXPECT_EQ(g.edges().size(), 6u);
  for (const auto& e : g.edges()) {
    EXPECT_EQ(l.document.owner_of(*e.ia), &g.vertex(e.a));
    EXPECT_EQ(l.document.owner_of(*e.ib), &g.vertex(e.b));
  }
  const int router = *g.index_of("s:router");
  EXPECT_EQ(g.degree(router), 3);
  EXPECT_FALSE(g.index_of("nope").has_value());
}

TEST(GraphView, ComponentsCountIsolatedElements) {
  const std::string y = R"(Topology:
  - NetworkElement:
      - {id: a, identifier: A, ne_type: /node/x, networkInterfaces: [{id: ai, identifier: e, ni_type: /i, connectedInterface: bi}]}
      - {id: b, identifier: B, ne_type: /node/x, networkInterfaces: [{id: bi, identifier: e, ni_type: /i, connectedInterface: ai}]}
      - {id: c, identifier: C, ne_type: /node/x, networkInterfaces: [{id: ci, identifier: e, ni_type: /i}]}
)";
  const auto l = read_string(y, Format::kYaml, "g.yaml");
  ASSERT_TRUE(l.ok()) << l.diagnostics.format();
  const GraphView g = GraphView::of(l.document);
  EXPECT_EQ(g.edges().size(), 1u);
  EXPECT_EQ(g.components().second, 2);
}

}  // namespace
}  // namespace cloudnet::flerd
