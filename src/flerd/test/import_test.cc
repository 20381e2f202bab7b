// Importers (flerd/import/import.h): every topology file of
// /work/shared/topologies and the virne benchmark, checked against the
// counts of the READMEs, validated, and round-tripped XML -> YAML -> JSON ->
// XML; malformed inputs give errors, never crashes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include "flerd/graph.h"
#include "flerd/import/gml.h"
#include "flerd/import/import.h"
#include "flerd/io.h"
#include "flerd/validate.h"
#include "flerd/vocabulary.h"

namespace cloudnet::flerd {
namespace {

using ::testing::HasSubstr;

const std::string kTopo = std::string(CLOUDNET_SHARED_DIR) + "/topologies/";
const std::string kBench = std::string(CLOUDNET_SHARED_DIR) + "/benchmarks/virne-wx100-seed1/";

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Shape {
  std::size_t nodes = 0;
  std::size_t links = 0;
  int components = 0;
};

Shape shape_of(const Document& doc) {
  Shape s;
  const Topology& t = doc.topologies.at(0);
  for (const auto& ne : t.networkElements) {
    if (ne.is_node()) ++s.nodes;
    if (ne.is_link()) ++s.links;
  }
  s.components = GraphView::of(doc, t).components().second;
  return s;
}

const Resource* resource_of(const Document& doc, const NetworkElement& ne, const char* attribute) {
  for (const auto& r : ne.resource) {
    const Resource* res = doc.resource(r.id);
    if (res && res->attribute == attribute) return res;
  }
  return nullptr;
}

const Feature* feature_of(const NetworkElement& ne, const char* attribute) {
  for (const auto& f : ne.features) {
    if (f.attribute == attribute) return &f;
  }
  return nullptr;
}

// The document validates and survives XML -> YAML -> JSON -> XML unchanged.
void expect_valid_and_round_trips(const Document& doc, const std::string& what) {
  Document copy = doc;
  Diagnostics d = copy.resolve();
  d.append(validate(copy));
  EXPECT_FALSE(d.has_errors()) << what << "\n" << d.format();
  EXPECT_EQ(d.warning_count(), 0u) << what << "\n" << d.format();

  Document current = doc;
  const Format chain[] = {Format::kXml, Format::kYaml, Format::kJson, Format::kXml};
  for (Format f : chain) {
    const std::string text = write_string(current, f);
    Loaded back = read_string(text, f, what + "." + to_string(f));
    ASSERT_TRUE(back.ok()) << what << " as " << to_string(f) << "\n" << back.diagnostics.format();
    EXPECT_EQ(back.diagnostics.warning_count(), 0u) << back.diagnostics.format();
    ASSERT_TRUE(back.document == doc) << what << ": " << to_string(f) << " round trip changed it";
    current = back.document;
  }
}

// Every import of a correct file: the GraphView sees node - link - node.
void expect_link_structure(const Document& doc) {
  const Topology& t = doc.topologies.at(0);
  const GraphView g = GraphView::of(doc, t);
  for (std::size_t v = 0; v < g.vertex_count(); ++v) {
    const auto& ne = g.vertex(static_cast<int>(v));
    if (!ne.is_link()) continue;
    ASSERT_EQ(ne.networkInterfaces.size(), 2u) << ne.id;
    const auto ends = g.link_endpoints(static_cast<int>(v));
    ASSERT_EQ(ends.size(), 2u) << ne.id;
    EXPECT_NE(ends[0], ends[1]) << ne.id;
  }
  std::size_t link_ends = 0, node_ifs = 0;
  for (const auto& ne : t.networkElements) {
    if (ne.is_link()) link_ends += ne.networkInterfaces.size();
    if (ne.is_node()) node_ifs += ne.networkInterfaces.size();
  }
  EXPECT_EQ(link_ends, node_ifs);
  EXPECT_EQ(g.edges().size(), link_ends);
}

// ------------------------------------------------------------ Rocketfuel

struct RocketfuelCase {
  std::string dir;  // under rocketfuel/
  Shape shape;
  double max_weight;
  double max_latency;
};

const RocketfuelCase kRocketfuel[] = {
    {"original-topos/1221", {108, 153, 3}, 7, 17},
    {"original-topos/1239", {315, 972, 1}, 16, 64},
    {"original-topos/1755", {87, 161, 1}, 16, 31},
    {"original-topos/3257", {161, 328, 1}, 22, 47},
    {"original-topos/3967", {79, 147, 1}, 22.5, 44},
    {"original-topos/6461", {141, 374, 2}, 20.5, 45},
    {"1221", {108, 185, 1}, 7, 17},
    {"1239", {315, 1167, 1}, 16, 64},
    {"1755", {87, 202, 1}, 16, 31},
    {"3257", {161, 438, 1}, 22, 47},
    {"3967", {79, 176, 1}, 22.5, 44},
    {"6461", {141, 461, 1}, 20.5, 45},
};

TEST(ImportRocketfuel, EveryFileMatchesTheReadme) {
  for (const auto& c : kRocketfuel) {
    SCOPED_TRACE(c.dir);
    const std::string dir = kTopo + "rocketfuel/" + c.dir + "/";
    auto r = import_rocketfuel(dir + "weights.intra", dir + "latencies.intra", {});
    ASSERT_TRUE(r.ok()) << r.error().message;
    const Document& doc = *r;
    const Shape s = shape_of(doc);
    EXPECT_EQ(s.nodes, c.shape.nodes);
    EXPECT_EQ(s.links, c.shape.links);
    EXPECT_EQ(s.components, c.shape.components);
    const auto& label = *doc.topologies[0].graphLabel;
    EXPECT_EQ(label.graph_type, GraphType::UL);
    EXPECT_EQ(label.graph_nr, 0);
    EXPECT_EQ(label.role_identifier, "PIP");
    const std::string as = c.dir.substr(c.dir.find_last_of('/') + 1);
    EXPECT_EQ(label.net_identifier.value_or(""), "AS" + as);
    double max_w = 0, max_l = 0, min_w = 1e9, min_l = 1e9;
    for (const auto& ne : doc.topologies[0].networkElements) {
      if (ne.is_node()) {
        EXPECT_EQ(ne.ne_type, vocab::kNodeServer);
        const Resource* cpu = resource_of(doc, ne, vocab::kCpu);
        ASSERT_NE(cpu, nullptr);
        EXPECT_EQ(cpu->value, 100);
        EXPECT_FALSE(cpu->request_flag);
        continue;
      }
      EXPECT_EQ(ne.ne_type, vocab::kLinkEthernet);
      const Resource* w = resource_of(doc, ne, vocab::kWeight);
      const Resource* l = resource_of(doc, ne, vocab::kLatency);
      const Resource* bw = resource_of(doc, ne, vocab::kBandwidth);
      ASSERT_TRUE(w && l && bw) << ne.id;
      EXPECT_EQ(l->resource_unit.value_or(""), "ms");
      EXPECT_EQ(bw->value, 10000);
      max_w = std::max(max_w, w->value);
      min_w = std::min(min_w, w->value);
      max_l = std::max(max_l, l->value);
      min_l = std::min(min_l, l->value);
    }
    EXPECT_EQ(min_w, 1);
    EXPECT_EQ(max_w, c.max_weight);
    EXPECT_EQ(min_l, 1);
    EXPECT_EQ(max_l, c.max_latency);
    expect_link_structure(doc);
    expect_valid_and_round_trips(doc, "rocketfuel/" + c.dir);
  }
}

TEST(ImportRocketfuel, NamesAreIdentifiersNotIds) {
  const std::string dir = kTopo + "rocketfuel/original-topos/1239/";
  auto r = import_rocketfuel(dir + "weights.intra", std::nullopt, {});
  ASSERT_TRUE(r.ok()) << r.error().message;
  const NetworkElement& first = r->topologies[0].networkElements[0];
  EXPECT_EQ(first.id, "s:n0");
  EXPECT_EQ(first.identifier, "San+Jose,+CA4062");
  EXPECT_EQ(first.alias.value_or(""), "San Jose, CA");
  EXPECT_EQ(first.networkInterfaces[0].id, "s:n0i0");
  EXPECT_EQ(r->namespaces.at("s"), "/cloudnet/import/rocketfuel");
  const NetworkElement* l0 = r->element("s:l0");
  ASSERT_NE(l0, nullptr);
  EXPECT_EQ(l0->identifier, "San+Jose,+CA4062 Anaheim,+CA4101");
  EXPECT_EQ(resource_of(*r, *l0, vocab::kWeight)->value, 2.5);
  // Without latencies.intra the default latency.
  EXPECT_EQ(resource_of(*r, *l0, vocab::kLatency)->value, 1);
  ASSERT_NE(r->resource("s:l0w"), nullptr);
  ASSERT_NE(r->resource("s:n0cpu"), nullptr);
}

TEST(ImportRocketfuel, OptionsAreApplied) {
  ImportOptions o;
  o.role_identifier = "InP7";
  o.net_identifier = "telstra";
  o.id_prefix = "t";
  o.default_cpu = 8;
  o.default_ram_gb = 0;  // left out
  o.default_disk_gb = 0;
  o.default_bandwidth_mbps = 1000;
  o.node_type = vocab::kNodeRouter;
  const std::string dir = kTopo + "rocketfuel/1221/";
  auto r = import_rocketfuel(dir + "weights.intra", dir + "latencies.intra", o);
  ASSERT_TRUE(r.ok()) << r.error().message;
  const auto& label = *r->topologies[0].graphLabel;
  EXPECT_EQ(label.id, "t:ul0");
  EXPECT_EQ(label.role_identifier, "InP7");
  EXPECT_EQ(label.net_identifier.value_or(""), "telstra");
  const NetworkElement* n0 = r->element("t:n0");
  ASSERT_NE(n0, nullptr);
  EXPECT_EQ(n0->ne_type, vocab::kNodeRouter);
  EXPECT_EQ(resource_of(*r, *n0, vocab::kCpu)->value, 8);
  EXPECT_EQ(resource_of(*r, *n0, vocab::kRam), nullptr);
  EXPECT_EQ(resource_of(*r, *n0, vocab::kDisk), nullptr);
  EXPECT_EQ(resource_of(*r, *r->element("t:l0"), vocab::kBandwidth)->value, 1000);
  expect_valid_and_round_trips(*r, "rocketfuel 1221 with options");

  o.id_prefix = "";
  auto u = import_rocketfuel(dir + "weights.intra", std::nullopt, o);
  ASSERT_TRUE(u.ok()) << u.error().message;
  EXPECT_NE(u->element("n0"), nullptr);
  EXPECT_TRUE(u->namespaces.empty());
  expect_valid_and_round_trips(*u, "rocketfuel 1221 unprefixed");
}

Result<Document> rf(const std::string& weights, std::optional<std::string> latencies = {}) {
  if (!latencies) return import_rocketfuel_text(weights, "w.intra", std::nullopt, "", {});
  return import_rocketfuel_text(weights, "w.intra", std::string_view(*latencies), "l.intra", {});
}

TEST(ImportRocketfuel, MalformedInputIsAnErrorWithItsLine) {
  const std::string ok = "A1 B2 1\nB2 A1 1\nB2 C3 2.5\nC3 B2 2.5\n";
  ASSERT_TRUE(rf(ok).ok());
  ASSERT_TRUE(rf("A1 B2 1\r\n\r\nB2 A1 1\r\n").ok());  // CRLF, blank line

  auto e = rf("A1 B2 1\nB2 A1 1\nB2 C3\n");
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().code, Error::Code::kParse);
  EXPECT_THAT(e.error().message, HasSubstr("w.intra:3: malformed line"));

  e = rf("A1 B2 1\nB2 A1 x7\n");
  ASSERT_FALSE(e.ok());
  EXPECT_THAT(e.error().message, HasSubstr("w.intra:2: bad weight 'x7'"));
  EXPECT_FALSE(rf("A1 B2 -1\n").ok());
  EXPECT_FALSE(rf("A1 B2 nan\n").ok());
  EXPECT_FALSE(rf("A1 B2 1 extra\n").ok());
  EXPECT_FALSE(rf("A1 A1 1\n").ok());  // self-loop
  EXPECT_FALSE(rf("").ok());
  EXPECT_FALSE(rf("\n \n").ok());
  EXPECT_FALSE(rf(std::string("A1 B2 1\n\0\n", 10)).ok());

  e = rf("A1 B2 1\nA1 B2 1\n");
  ASSERT_FALSE(e.ok());
  EXPECT_THAT(e.error().message, HasSubstr("w.intra:2: duplicate link"));
  e = rf("A1 B2 1\nB2 A1 2\n");
  ASSERT_FALSE(e.ok());
  EXPECT_THAT(e.error().message, HasSubstr("differs"));

  // Latencies must list the same pairs.
  EXPECT_TRUE(rf(ok, "A1 B2 3\nB2 A1 3\nB2 C3 4\nC3 B2 4\n").ok());
  e = rf(ok, "A1 B2 3\nB2 A1 3\nB2 C3 4\n");
  ASSERT_FALSE(e.ok());
  EXPECT_THAT(e.error().message, HasSubstr("w.intra:4: link C3 -> B2 has no latency in l.intra"));
  e = rf(ok, "A1 B2 3\nB2 A1 3\nB2 C3 4\nC3 B2 4\nA1 C3 9\n");
  ASSERT_FALSE(e.ok());
  EXPECT_THAT(e.error().message, HasSubstr("l.intra:5: link A1 -> C3 is not in the weights file"));
  e = rf(ok, "A1 B2 3\nB2 A1 3\nB2 C3 4\nC3 B2 oops\n");
  ASSERT_FALSE(e.ok());
  EXPECT_THAT(e.error().message, HasSubstr("l.intra:4: bad latency"));

  auto missing = import_rocketfuel("/nonexistent/weights.intra", std::nullopt, {});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Error::Code::kIo);
  EXPECT_THAT(missing.error().message, HasSubstr("/nonexistent/weights.intra"));
  const std::string dir = kTopo + "rocketfuel/1221/";
  missing = import_rocketfuel(dir + "weights.intra", std::string("/nonexistent/lat.intra"), {});
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.error().message, HasSubstr("latencies file"));
  // The latencies of another AS do not list the same pairs.
  auto other =
      import_rocketfuel(dir + "weights.intra", kTopo + "rocketfuel/1239/latencies.intra", {});
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code, Error::Code::kInvalidArgument);
}

// ------------------------------------------------------------ GraphML

struct ZooCase {
  std::string file;
  std::string network;
  Shape shape;
  std::size_t without_coordinates;
  std::size_t with_link_speed;
};

const ZooCase kZoo[] = {
    {"Abilene", "Abilene", {11, 14, 1}, 0, 0},
    {"Cogentco", "Cogent", {197, 245, 1}, 11, 0},
    {"Dfn", "DFN", {58, 87, 1}, 7, 0},
    {"Geant2012", "GEANT", {40, 61, 1}, 3, 39},
    {"GtsCe", "GTS CE", {149, 193, 1}, 8, 0},
    {"Internode", "Internode", {66, 78, 1}, 46, 28},
    {"Kdl", "Kentucky Datalink", {754, 899, 1}, 28, 0},
    {"Renater2010", "Renater", {43, 56, 1}, 6, 56},
    {"Sprint", "Sprint", {11, 18, 1}, 0, 0},
    {"Uunet", "UUNET", {49, 84, 1}, 7, 0},
};

TEST(ImportGraphml, EveryZooFileMatchesTheReadme) {
  for (const auto& c : kZoo) {
    SCOPED_TRACE(c.file);
    auto r = import_graphml(kTopo + "topologyzoo/" + c.file + ".graphml", {});
    ASSERT_TRUE(r.ok()) << r.error().message;
    const Document& doc = *r;
    const Shape s = shape_of(doc);
    EXPECT_EQ(s.nodes, c.shape.nodes);
    EXPECT_EQ(s.links, c.shape.links);  // parallel edges kept
    EXPECT_EQ(s.components, c.shape.components);
    EXPECT_EQ(doc.topologies[0].graphLabel->net_identifier.value_or(""), c.network);
    std::size_t without = 0, speed = 0;
    for (const auto& ne : doc.topologies[0].networkElements) {
      if (ne.is_node()) {
        const bool lat = feature_of(ne, vocab::kLatitude) != nullptr;
        EXPECT_EQ(lat, feature_of(ne, vocab::kLongitude) != nullptr);
        if (!lat) ++without;
        if (const Feature* f = feature_of(ne, vocab::kCountry)) {
          EXPECT_EQ(f->value.substr(0, 1), "/");
          const Feature* city = feature_of(ne, vocab::kCity);
          ASSERT_NE(city, nullptr) << ne.id;
          EXPECT_EQ(city->value.rfind(f->value + "/", 0), 0u) << city->value;
        }
        continue;
      }
      const Resource* bw = resource_of(doc, ne, vocab::kBandwidth);
      const Resource* lat = resource_of(doc, ne, vocab::kLatency);
      ASSERT_TRUE(bw && lat) << ne.id;
      if (bw->value != 10000) ++speed;
      EXPECT_GE(lat->value, 0);
      EXPECT_LT(lat->value, 100) << ne.id;  // < 20000 km
    }
    EXPECT_EQ(without, c.without_coordinates);
    // Links with LinkSpeedRaw; 10 Gbit/s ones look like the default.
    EXPECT_LE(speed, c.with_link_speed);
    if (c.with_link_speed == 0) {
      EXPECT_EQ(speed, 0u);
    }
    expect_link_structure(doc);
    expect_valid_and_round_trips(doc, c.file);
  }
}

TEST(ImportGraphml, GeantDetails) {
  auto r = import_graphml(kTopo + "topologyzoo/Geant2012.graphml", {});
  ASSERT_TRUE(r.ok()) << r.error().message;
  const NetworkElement* n0 = r->element("s:n0");
  ASSERT_NE(n0, nullptr);
  EXPECT_EQ(n0->identifier, "NL");
  EXPECT_EQ(n0->alias.value_or(""), "0");
  EXPECT_EQ(feature_of(*n0, vocab::kCountry)->value, "/Netherlands");
  EXPECT_EQ(feature_of(*n0, vocab::kCity)->value, "/Netherlands/NL");
  EXPECT_EQ(feature_of(*n0, vocab::kLatitude)->value, "52.37403");
  EXPECT_EQ(feature_of(*n0, vocab::kLongitude)->value, "4.88969");
  // The README's edge 0 - 34, 2.5 Gbps.
  const NetworkElement* l034 = nullptr;
  for (const auto& ne : r->topologies[0].networkElements) {
    if (ne.identifier == "0-34") l034 = &ne;
  }
  ASSERT_NE(l034, nullptr);
  EXPECT_EQ(l034->alias.value_or(""), "2.5 Gbps");
  EXPECT_EQ(resource_of(*r, *l034, vocab::kBandwidth)->value, 2500);
  EXPECT_EQ(resource_of(*r, *l034, vocab::kBandwidth)->resource_unit.value_or(""), "Mbps");
  // Bandwidth range of the README: 155M - 10G.
  double lo = 1e18, hi = 0;
  for (const auto& ne : r->topologies[0].networkElements) {
    if (!ne.is_link()) continue;
    const double v = resource_of(*r, ne, vocab::kBandwidth)->value;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  EXPECT_EQ(lo, 155);
  EXPECT_EQ(hi, 10000);
}

TEST(ImportGraphml, ParallelEdgesStaySeparateLinks) {
  auto r = import_graphml(kTopo + "topologyzoo/Cogentco.graphml", {});
  ASSERT_TRUE(r.ok()) << r.error().message;
  std::map<std::pair<std::string, std::string>, int> pairs;
  std::size_t keyed = 0;
  const GraphView g = GraphView::of(*r, r->topologies[0]);
  for (std::size_t v = 0; v < g.vertex_count(); ++v) {
    const auto& ne = g.vertex(static_cast<int>(v));
    if (!ne.is_link()) continue;
    auto ends = g.link_endpoints(static_cast<int>(v));
    auto a = g.vertex(ends[0]).id, b = g.vertex(ends[1]).id;
    if (b < a) std::swap(a, b);
    ++pairs[{a, b}];
    if (ne.identifier.find('#') != std::string::npos) ++keyed;
  }
  std::size_t parallel = 0;
  for (const auto& [p, n] : pairs) parallel += static_cast<std::size_t>(n - 1);
  EXPECT_EQ(parallel, 2u);
  EXPECT_EQ(keyed, 2u);
}

TEST(ImportGraphml, GreatCircleLatency) {
  // Amsterdam - Frankfurt ~ 365 km -> ~1.8 ms; antipodes ~ 20015 km -> ~100 ms.
  EXPECT_NEAR(great_circle_latency_ms(52.37, 4.89, 50.11, 8.68), 1.82, 0.05);
  EXPECT_NEAR(great_circle_latency_ms(0, 0, 0, 180), 100.08, 0.01);
  EXPECT_EQ(great_circle_latency_ms(10, 20, 10, 20), 0);
}

const char* kMiniGraphml = R"(<?xml version="1.0"?>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns">
  <key attr.name="label" attr.type="string" for="node" id="k1"/>
  <key attr.name="LinkSpeedRaw" attr.type="double" for="edge" id="k2"/>
  <key attr.name="Latitude" attr.type="double" for="node" id="k3"/>
  <key attr.name="Longitude" attr.type="double" for="node" id="k4"/>
  <graph edgedefault="undirected">
    <node id="a"><data key="k1">A</data><data key="k3">10</data><data key="k4">20</data></node>
    <node id="b"><data key="k1">B</data></node>
    <edge source="a" target="b"><data key="k2">1e9</data></edge>
  </graph>
</graphml>
)";

TEST(ImportGraphml, MalformedInputIsAnErrorWithItsLine) {
  auto ok = import_graphml_text(kMiniGraphml, "m.graphml", {});
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(resource_of(*ok, *ok->element("s:l0"), vocab::kBandwidth)->value, 1000);
  EXPECT_EQ(ok->topologies[0].graphLabel->net_identifier.value_or(""), "m");
  auto edit = [](std::string from, std::string to) {
    std::string s = kMiniGraphml;
    auto p = s.find(from);
    EXPECT_NE(p, std::string::npos) << from;
    return s.replace(p, from.size(), to);
  };
  auto e = import_graphml_text(edit("target=\"b\"", "target=\"zz\""), "m.graphml", {});
  ASSERT_FALSE(e.ok());
  EXPECT_THAT(e.error().message, HasSubstr("m.graphml:10: edge target 'zz' is not a node id"));
  e = import_graphml_text(edit(">10<", ">ten<"), "m.graphml", {});
  ASSERT_FALSE(e.ok());
  EXPECT_THAT(e.error().message, HasSubstr("m.graphml:8: Latitude 'ten' of node 'a'"));
  e = import_graphml_text(edit(">10<", ">100<"), "m.graphml", {});
  ASSERT_FALSE(e.ok());
  EXPECT_THAT(e.error().message, HasSubstr("out of range"));
  e = import_graphml_text(edit(">1e9<", ">fast<"), "m.graphml", {});
  ASSERT_FALSE(e.ok());
  EXPECT_THAT(e.error().message, HasSubstr("LinkSpeedRaw 'fast'"));
  e = import_graphml_text(edit("key=\"k2\"", "key=\"k9\""), "m.graphml", {});
  ASSERT_FALSE(e.ok());
  EXPECT_THAT(e.error().message, HasSubstr("m.graphml:10: <data key=\"k9\"> refers to no <key>"));
  e = import_graphml_text(edit("<node id=\"b\">", "<node id=\"a\">"), "m.graphml", {});
  ASSERT_FALSE(e.ok());
  EXPECT_THAT(e.error().message, HasSubstr("duplicate node id 'a'"));
  e = import_graphml_text(edit("target=\"b\"", "target=\"a\""), "m.graphml", {});
  ASSERT_FALSE(e.ok());
  EXPECT_THAT(e.error().message, HasSubstr("self-loop"));
  e = import_graphml_text(edit("graphml xmlns", "graphmx xmlns"), "m.graphml", {});
  ASSERT_FALSE(e.ok());
  e = import_graphml_text(edit("<graph edgedefault=\"undirected\">", "<graphx>"), "m.graphml", {});
  ASSERT_FALSE(e.ok());
  e = import_graphml_text("", "m.graphml", {});
  ASSERT_FALSE(e.ok());
  // Truncated: not well-formed, with the line of the end.
  const std::string full = kMiniGraphml;
  e = import_graphml_text(full.substr(0, full.find("<edge")), "m.graphml", {});
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().code, Error::Code::kParse);
  EXPECT_THAT(e.error().message, HasSubstr("m.graphml:10:"));
  EXPECT_THAT(e.error().message, HasSubstr("not well-formed"));
  auto missing = import_graphml("/nonexistent.graphml", {});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Error::Code::kIo);
}

// ------------------------------------------------------------ SNDlib

struct SndCase {
  std::string file;
  Shape shape;
};

const SndCase kSnd[] = {{"abilene", {12, 15, 1}},
                        {"geant", {22, 36, 1}},
                        {"germany50", {50, 88, 1}},
                        {"janos-us", {26, 42, 1}},  // 84 antiparallel links merged
                        {"nobel-eu", {28, 41, 1}}};

TEST(ImportSndlib, EveryFileMatchesTheReadme) {
  for (const auto& c : kSnd) {
    SCOPED_TRACE(c.file);
    auto r = import_sndlib(kTopo + "sndlib/" + c.file + ".json", {});
    ASSERT_TRUE(r.ok()) << r.error().message;
    const Shape s = shape_of(*r);
    EXPECT_EQ(s.nodes, c.shape.nodes);
    EXPECT_EQ(s.links, c.shape.links);
    EXPECT_EQ(s.components, c.shape.components);
    EXPECT_EQ(r->topologies[0].graphLabel->net_identifier.value_or(""), c.file);
    for (const auto& ne : r->topologies[0].networkElements) {
      if (ne.is_node()) {
        EXPECT_NE(feature_of(ne, vocab::kLatitude), nullptr);
        EXPECT_NE(feature_of(ne, vocab::kLongitude), nullptr);
      } else {
        ASSERT_NE(resource_of(*r, ne, vocab::kBandwidth), nullptr);
        ASSERT_NE(resource_of(*r, ne, vocab::kLatency), nullptr);
      }
    }
    expect_link_structure(*r);
    expect_valid_and_round_trips(*r, c.file);
  }
}

TEST(ImportSndlib, CapacitiesAndMergedLinks) {
  auto ab = import_sndlib(kTopo + "sndlib/abilene.json", {});
  ASSERT_TRUE(ab.ok()) << ab.error().message;
  std::map<double, int> caps;
  for (const auto& ne : ab->topologies[0].networkElements) {
    if (ne.is_link()) ++caps[resource_of(*ab, ne, vocab::kBandwidth)->value];
  }
  // Pre-installed capacities only (2480 or 9920).
  ASSERT_EQ(caps.size(), 2u);
  EXPECT_EQ(caps.begin()->first, 2480);
  EXPECT_EQ(caps.rbegin()->first, 9920);

  auto ja = import_sndlib(kTopo + "sndlib/janos-us.json", {});
  ASSERT_TRUE(ja.ok()) << ja.error().message;
  const NetworkElement* l0 = ja->element("s:l0");
  ASSERT_NE(l0, nullptr);
  EXPECT_EQ(l0->identifier, "L0+L5");  // Seattle -> SanFrancisco and back
  EXPECT_EQ(resource_of(*ja, *l0, vocab::kBandwidth)->value, 128);  // 2 x one 64 module

  auto ge = import_sndlib(kTopo + "sndlib/germany50.json", {});
  ASSERT_TRUE(ge.ok());
  EXPECT_EQ(resource_of(*ge, *ge->element("s:l0"), vocab::kBandwidth)->value, 40);
}

const char* kMiniSnd = R"({
  "nodes": [
    {"id": "A", "longitude": 1.0, "latitude": 2.0},
    {"id": "B", "longitude": 3.0, "latitude": 4.0}
  ],
  "links": [
    {"id": "L1", "source": "A", "target": "B", "pre_installed_capacity": 0.0,
     "modules": [{"module_capacity": 10.0, "module_cost": 1}, {"module_capacity": 40.0, "module_cost": 3}]}
  ]
})";

TEST(ImportSndlib, MalformedInputIsAnErrorWithItsLine) {
  auto ok = import_sndlib_text(kMiniSnd, "m.json", {});
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(resource_of(*ok, *ok->element("s:l0"), vocab::kBandwidth)->value, 40);
  auto edit = [](std::string from, std::string to) {
    std::string s = kMiniSnd;
    auto p = s.find(from);
    EXPECT_NE(p, std::string::npos) << from;
    return s.replace(p, from.size(), to);
  };
  auto e = import_sndlib_text(edit("\"target\": \"B\"", "\"target\": \"Q\""), "m.json", {});
  ASSERT_FALSE(e.ok());
  EXPECT_THAT(e.error().message, HasSubstr("m.json:7: target 'Q' of link 'L1' is not a node id"));
  e = import_sndlib_text(edit("\"latitude\": 4.0", "\"latitude\": \"north\""), "m.json", {});
  ASSERT_FALSE(e.ok());
  EXPECT_THAT(e.error().message, HasSubstr("m.json:4: 'latitude' of node 'B' must be a number"));
  e = import_sndlib_text(edit("\"module_capacity\": 40.0", "\"module_capacity\": -4"), "m.json",
                         {});
  ASSERT_FALSE(e.ok());
  e = import_sndlib_text(edit("\"links\"", "\"lynx\""), "m.json", {});
  ASSERT_FALSE(e.ok());
  EXPECT_THAT(e.error().message, HasSubstr("has no 'links' list"));
  e = import_sndlib_text(edit("{\"id\": \"B\"", "{\"id\": \"A\""), "m.json", {});
  ASSERT_FALSE(e.ok());
  EXPECT_THAT(e.error().message, HasSubstr("duplicate node 'A'"));
  e = import_sndlib_text("[1, 2]", "m.json", {});
  ASSERT_FALSE(e.ok());
  const std::string full = kMiniSnd;
  e = import_sndlib_text(full.substr(0, full.size() / 2), "m.json", {});
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().code, Error::Code::kParse);
  EXPECT_THAT(e.error().message, HasSubstr("m.json:"));
  EXPECT_THAT(e.error().message, HasSubstr("JSON is not well formed"));
  // A link with neither pre-installed capacity nor modules gets the default.
  auto none = import_sndlib_text(
      R"({"nodes": [{"id": "A", "longitude": 1, "latitude": 2}, {"id": "B", "longitude": 3,
          "latitude": 4}], "links": [{"id": "L1", "source": "A", "target": "B"}]})",
      "m.json", {});
  ASSERT_TRUE(none.ok()) << none.error().message;
  EXPECT_EQ(resource_of(*none, *none->element("s:l0"), vocab::kBandwidth)->value, 10000);
}

// ------------------------------------------------------------ GML

TEST(ImportGml, VirneSubstrates) {
  struct Case {
    std::string path;
    std::string network;
    Shape shape;
  } cases[] = {{kTopo + "virne/Geant.gml", "GEANT", {40, 61, 1}},
               {kTopo + "virne/Waxman100.gml", "Waxman100", {100, 500, 1}},
               {kBench + "p_net.gml", "p_net", {100, 519, 1}}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.path);
    auto r = import_gml(c.path, {});
    ASSERT_TRUE(r.ok()) << r.error().message;
    const Shape s = shape_of(*r);
    EXPECT_EQ(s.nodes, c.shape.nodes);
    EXPECT_EQ(s.links, c.shape.links);
    EXPECT_EQ(s.components, c.shape.components);
    EXPECT_EQ(r->topologies[0].graphLabel->net_identifier.value_or(""), c.network);
    EXPECT_FALSE(r->topologies[0].graphLabel->tag.has_value());
    expect_link_structure(*r);
    expect_valid_and_round_trips(*r, c.path);
  }
}

TEST(ImportGml, WaxmanResources) {
  auto r = import_gml(kTopo + "virne/Waxman100.gml", {});
  ASSERT_TRUE(r.ok()) << r.error().message;
  const NetworkElement* n0 = r->element("s:n0");
  ASSERT_NE(n0, nullptr);
  EXPECT_EQ(n0->identifier, "0");
  EXPECT_FALSE(n0->alias.has_value());
  EXPECT_EQ(resource_of(*r, *n0, vocab::kCpu)->value, 84);
  EXPECT_EQ(resource_of(*r, *n0, vocab::kCpu)->resource_unit.value_or(""), "units");
  EXPECT_EQ(resource_of(*r, *n0, vocab::kGpu)->value, 76);
  EXPECT_EQ(resource_of(*r, *n0, vocab::kRam)->value, 68);
  EXPECT_EQ(resource_of(*r, *n0, vocab::kDisk)->value, 4096);  // default
  const NetworkElement* l0 = r->element("s:l0");
  EXPECT_EQ(l0->identifier, "0-4");
  EXPECT_EQ(resource_of(*r, *l0, vocab::kBandwidth)->value, 51);
  EXPECT_EQ(resource_of(*r, *l0, vocab::kLatency)->value, 1);  // no coordinates: default
  for (const auto& ne : r->topologies[0].networkElements) {
    if (ne.is_link()) {
      const double bw = resource_of(*r, ne, vocab::kBandwidth)->value;
      EXPECT_TRUE(bw >= 50 && bw <= 100) << ne.id;
    } else {
      for (const char* a : {vocab::kCpu, vocab::kGpu, vocab::kRam}) {
        const double v = resource_of(*r, ne, a)->value;
        EXPECT_TRUE(v >= 50 && v <= 100) << ne.id << " " << a;
      }
    }
  }
}

// Nodes and links as comparable text: identifiers, ends, resources, features.
std::multiset<std::string> canonical(const Document& doc) {
  std::multiset<std::string> out;
  const GraphView g = GraphView::of(doc, doc.topologies.at(0));
  for (std::size_t v = 0; v < g.vertex_count(); ++v) {
    const auto& ne = g.vertex(static_cast<int>(v));
    std::string s = ne.ne_type + " " + ne.identifier + " " + ne.alias.value_or("-");
    if (ne.is_link()) {
      std::vector<std::string> ends;
      for (int e : g.link_endpoints(static_cast<int>(v))) ends.push_back(g.vertex(e).identifier);
      std::sort(ends.begin(), ends.end());
      for (const auto& e : ends) s += " " + e;
    }
    for (const auto& r : ne.resource) {
      const Resource* res = doc.resource(r.id);
      s +=
          " " + res->attribute + "=" + std::to_string(res->value) + res->resource_unit.value_or("");
    }
    for (const auto& f : ne.features) s += " " + f.attribute + "=" + f.value;
    out.insert(s);
  }
  return out;
}

TEST(ImportGml, GeantGmlIsTheGeantGraphml) {
  // The same network; only the order of some edges differs between the files.
  auto g = import_gml(kTopo + "virne/Geant.gml", {});
  auto x = import_graphml(kTopo + "topologyzoo/Geant2012.graphml", {});
  ASSERT_TRUE(g.ok() && x.ok());
  EXPECT_EQ(canonical(*g), canonical(*x));
  EXPECT_EQ(g->topologies[0].graphLabel->net_identifier,
            x->topologies[0].graphLabel->net_identifier);
}

TEST(ImportGml, VirneRequests) {
  ImportOptions o;
  o.as_request = true;
  o.id_prefix = "v";
  o.role_identifier = "customer";
  for (int i : {0, 1, 2, 500, 999}) {
    char name[32];
    std::snprintf(name, sizeof name, "v_net-%05d", i);
    SCOPED_TRACE(name);
    const std::string path = kBench + "v_nets/" + name + ".gml";
    auto r = import_gml(path, o);
    ASSERT_TRUE(r.ok()) << r.error().message;
    const auto& label = *r->topologies[0].graphLabel;
    EXPECT_EQ(label.graph_type, GraphType::OL);
    EXPECT_EQ(label.id, "v:ol0");
    EXPECT_EQ(label.net_identifier.value_or(""), name);
    ASSERT_TRUE(label.tag.has_value());
    EXPECT_EQ(label.tag->rfind("id=" + std::to_string(i) + ";arrival_time=", 0), 0u) << *label.tag;
    EXPECT_THAT(*label.tag, HasSubstr(";lifetime="));
    const Shape s = shape_of(*r);
    EXPECT_GE(s.nodes, 2u);
    EXPECT_LE(s.nodes, 10u);
    EXPECT_EQ(s.components, 1);
    // Count the file's own nodes and edges.
    const std::string text = slurp(path);
    std::size_t nodes = 0, edges = 0;
    for (std::size_t p = 0; (p = text.find("\n  node [", p)) != std::string::npos; ++p) ++nodes;
    for (std::size_t p = 0; (p = text.find("\n  edge [", p)) != std::string::npos; ++p) ++edges;
    EXPECT_EQ(s.nodes, nodes);
    EXPECT_EQ(s.links, edges);
    for (const auto& ne : r->topologies[0].networkElements) {
      EXPECT_EQ(ne.ne_type, ne.is_node() ? vocab::kNodeGeneric : vocab::kLinkGeneric);
      for (const auto& ni : ne.networkInterfaces) EXPECT_EQ(ni.ni_type, vocab::kInterfaceGeneric);
      // Only what the request states: cpu per node, bw per link.
      ASSERT_EQ(ne.resource.size(), 1u) << ne.id;
      const Resource* res = r->resource(ne.resource[0].id);
      EXPECT_EQ(res->attribute, ne.is_node() ? vocab::kCpu : vocab::kBandwidth);
      EXPECT_TRUE(res->request_flag);
      EXPECT_EQ(res->value_type.value_or(""), "minimum");
    }
    expect_link_structure(*r);
    expect_valid_and_round_trips(*r, name);
  }
  // v_net-00000: 7 nodes, 12 edges, arrival 5.0.
  auto r = import_gml(kBench + "v_nets/v_net-00000.gml", o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r->topologies[0].graphLabel->tag, "id=0;arrival_time=5.0;lifetime=14.452295630268141");
  EXPECT_EQ(r->resource("v:n0cpu")->value, 8);
  EXPECT_EQ(r->resource("v:l0bw")->value, 24);
}

TEST(ImportGml, ParserReadsListsStringsAndRepeatedKeys) {
  auto v = gml::parse(
      "# comment\nCreator \"me\"\ngraph [\n  node [ id 0 label \"a &amp; b&#233;\" pos 0.5 pos "
      "-1e2 ]\n"
      "  x +INF y NAN z -7\n  s \"two\nlines\"\n]\n",
      "t.gml");
  ASSERT_TRUE(v.ok()) << v.error().message;
  const gml::Value* g = v->find("graph");
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->line, 3);
  const gml::Value* n = g->find("node");
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->find("id")->as_int(), 0);
  EXPECT_EQ(n->find("label")->text, "a & b\xC3\xA9");
  auto pos = n->all("pos");
  ASSERT_EQ(pos.size(), 2u);
  EXPECT_EQ(pos[0]->number, 0.5);
  EXPECT_EQ(pos[1]->number, -100);
  EXPECT_EQ(pos[1]->kind, gml::Value::Kind::kReal);
  EXPECT_TRUE(std::isinf(g->find("x")->number));
  EXPECT_TRUE(std::isnan(g->find("y")->number));
  EXPECT_EQ(g->find("z")->as_int(), -7);
  EXPECT_EQ(g->find("s")->text, "two\nlines");
  EXPECT_EQ(g->find("s")->line, 6);
}

TEST(ImportGml, MalformedInputIsAnErrorWithItsLine) {
  const std::string ok =
      "graph [\n  node [\n    id 0\n    cpu 5\n  ]\n  node [\n    id 1\n  ]\n"
      "  edge [\n    source 0\n    target 1\n    bw 3\n  ]\n]\n";
  auto r = import_gml_text(ok, "t.gml", {});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->topologies[0].graphLabel->net_identifier.value_or(""), "t");
  auto edit = [&](std::string from, std::string to) {
    std::string s = ok;
    auto p = s.find(from);
    EXPECT_NE(p, std::string::npos) << from;
    return s.replace(p, from.size(), to);
  };
  auto expect_error = [](const Result<Document>& e, const std::string& text) {
    ASSERT_FALSE(e.ok()) << "expected an error containing: " << text;
    EXPECT_THAT(e.error().message, HasSubstr(text));
  };
  expect_error(import_gml_text(edit("target 1", "target 7"), "t.gml", {}),
               "t.gml:11: edge target 7 is not a node id");
  expect_error(import_gml_text(edit("cpu 5", "cpu 5x"), "t.gml", {}),
               "t.gml:4: value of key 'cpu' is not a number");
  expect_error(import_gml_text(edit("cpu 5", "cpu \"five\""), "t.gml", {}),
               "t.gml:4: 'cpu' of node 0 must be a number");
  expect_error(import_gml_text(edit("cpu 5", "cpu -5"), "t.gml", {}), "t.gml:4:");
  expect_error(import_gml_text(edit("cpu 5", "cpu 5 cpu 6"), "t.gml", {}), "given twice");
  expect_error(import_gml_text(edit("id 1", "id 0"), "t.gml", {}), "t.gml:6: duplicate node 0");
  expect_error(import_gml_text(edit("id 1", "id 1.5"), "t.gml", {}), "is not an integer");
  expect_error(import_gml_text(edit("    id 1\n", ""), "t.gml", {}), "node without an 'id'");
  expect_error(import_gml_text(edit("target 1", "target 0"), "t.gml", {}), "self-loop");
  expect_error(import_gml_text(edit("    source 0\n", ""), "t.gml", {}), "edge without a 'source'");
  expect_error(import_gml_text(ok.substr(0, ok.size() - 3), "t.gml", {}),
               "t.gml:13: unexpected end of file: the list opened at line 1 is not closed");
  expect_error(import_gml_text(ok + "]\n", "t.gml", {}), "t.gml:15: ']' without a matching '['");
  expect_error(import_gml_text(edit("cpu 5", "label \"open"), "t.gml", {}),
               "t.gml:4: unterminated string");
  expect_error(import_gml_text(edit("cpu 5", "5 cpu"), "t.gml", {}), "t.gml:4: expected a key");
  expect_error(import_gml_text(edit("    cpu 5\n  ]", "    cpu\n  ]"), "t.gml", {}),
               "key 'cpu' has no value");
  expect_error(import_gml_text("node [ id 0 ]\n", "t.gml", {}), "no 'graph [ ... ]'");
  expect_error(import_gml_text("graph 3\n", "t.gml", {}), "'graph' must be a [ list ]");
  expect_error(import_gml_text(ok + ok, "t.gml", {}), "t.gml:15: more than one graph");
  expect_error(import_gml_text("", "t.gml", {}), "no 'graph");
  std::string deep = "graph [ ";
  for (int i = 0; i < 100000; ++i) deep += "x [ ";
  expect_error(import_gml_text(deep, "t.gml", {}), "nested deeper");
  auto missing = import_gml("/nonexistent.gml", {});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Error::Code::kIo);
}

// ------------------------------------------------------------ all formats

TEST(Import, DispatcherAndOptions) {
  EXPECT_EQ(import_format_from_name("GraphML"), ImportFormat::kGraphml);
  EXPECT_EQ(import_format_from_name("rocketfuel"), ImportFormat::kRocketfuel);
  EXPECT_FALSE(import_format_from_name("csv").has_value());
  EXPECT_EQ(import_format_from_path("a/b/weights.intra"), ImportFormat::kRocketfuel);
  EXPECT_EQ(import_format_from_path("x.gml"), ImportFormat::kGml);
  EXPECT_EQ(import_format_from_path("x.json"), ImportFormat::kSndlib);
  EXPECT_FALSE(import_format_from_path("a.b/c").has_value());

  auto r = import_topology("sndlib", kTopo + "sndlib/geant.json", {});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(shape_of(*r).nodes, 22u);
  auto bad = import_topology("csv", kTopo + "sndlib/geant.json", {});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Error::Code::kInvalidArgument);
  bad = import_topology(ImportFormat::kGml, kTopo + "virne/Geant.gml", {},
                        std::string(kTopo + "rocketfuel/1221/latencies.intra"));
  ASSERT_FALSE(bad.ok());
  // The wrong importer for a file: an error, not a crash.
  EXPECT_FALSE(import_topology(ImportFormat::kGraphml, kTopo + "virne/Geant.gml", {}).ok());
  EXPECT_FALSE(import_topology(ImportFormat::kSndlib, kTopo + "virne/Geant.gml", {}).ok());
  EXPECT_FALSE(import_topology(ImportFormat::kGml, kTopo + "sndlib/geant.json", {}).ok());
  EXPECT_FALSE(
      import_topology(ImportFormat::kRocketfuel, kTopo + "topologyzoo/Sprint.graphml", {}).ok());

  ImportOptions o;
  o.id_prefix = "1bad";
  EXPECT_EQ(import_gml(kTopo + "virne/Geant.gml", o).error().code, Error::Code::kInvalidArgument);
  o = {};
  o.default_cpu = -1;
  EXPECT_FALSE(import_gml(kTopo + "virne/Geant.gml", o).ok());
  o = {};
  o.node_type = "/link/ethernet";
  EXPECT_FALSE(import_gml(kTopo + "virne/Geant.gml", o).ok());
  o = {};
  o.role_identifier = "";
  EXPECT_FALSE(import_gml(kTopo + "virne/Geant.gml", o).ok());
  o = {};
  o.namespace_uri = "urn:x";
  EXPECT_EQ(import_gml(kTopo + "virne/Geant.gml", o)->namespaces.at("s"), "urn:x");
}

TEST(Import, SubstrateFilesAsRequests) {
  // Any importer can write a request (OL) instead of a substrate.
  ImportOptions o;
  o.as_request = true;
  auto r = import_graphml(kTopo + "topologyzoo/Abilene.graphml", o);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->topologies[0].graphLabel->graph_type, GraphType::OL);
  for (const auto& ne : r->topologies[0].networkElements) {
    EXPECT_TRUE(ne.resource.empty()) << ne.id;  // no defaults in a request
    for (const auto& f : ne.features) EXPECT_TRUE(f.request_flag);
  }
  expect_valid_and_round_trips(*r, "Abilene as request");
}

// Cuts and random byte flips of every real file: each import returns, and
// what it returns when it succeeds is valid.
TEST(Import, DamagedFilesNeverCrash) {
  struct Input {
    ImportFormat format;
    std::string path;
  } inputs[] = {{ImportFormat::kRocketfuel, kTopo + "rocketfuel/original-topos/3967/weights.intra"},
                {ImportFormat::kGraphml, kTopo + "topologyzoo/Sprint.graphml"},
                {ImportFormat::kSndlib, kTopo + "sndlib/abilene.json"},
                {ImportFormat::kGml, kTopo + "virne/Geant.gml"},
                {ImportFormat::kGml, kBench + "v_nets/v_net-00000.gml"}};
  std::mt19937 rng(7);
  auto run = [](ImportFormat f, const std::string& text) -> Result<Document> {
    switch (f) {
      case ImportFormat::kRocketfuel:
        return import_rocketfuel_text(text, "x", std::nullopt, "", {});
      case ImportFormat::kGraphml: return import_graphml_text(text, "x", {});
      case ImportFormat::kSndlib: return import_sndlib_text(text, "x", {});
      case ImportFormat::kGml: return import_gml_text(text, "x", {});
    }
    return Error::internal("?");
  };
  for (const auto& in : inputs) {
    SCOPED_TRACE(in.path);
    const std::string text = slurp(in.path);
    ASSERT_FALSE(text.empty());
    int errors = 0;
    for (int k = 0; k < 60; ++k) {
      const std::size_t cut = text.size() * static_cast<std::size_t>(k) / 60;
      auto r = run(in.format, text.substr(0, cut));
      if (!r.ok()) {
        ++errors;
        EXPECT_NE(r.error().code, Error::Code::kInternal) << r.error().message;
        EXPECT_THAT(r.error().message, HasSubstr("x"));
      }
    }
    EXPECT_GT(errors, 0);
    for (int k = 0; k < 60; ++k) {
      std::string t = text;
      for (int flips = 0; flips < 4; ++flips) {
        t[rng() % t.size()] = static_cast<char>(rng() % 256);
      }
      auto r = run(in.format, t);
      if (!r.ok()) {
        EXPECT_NE(r.error().code, Error::Code::kInternal) << r.error().message;
      }
    }
  }
}

}  // namespace
}  // namespace cloudnet::flerd
