#include "flerd/io.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "flerd/codec.h"

namespace cloudnet::flerd {
namespace {

namespace fs = std::filesystem;

// A document that sets every field of the schema, including every optional
// one, so a form that drops anything fails the round trip.
Document everything() {
  Document d;
  d.namespaces = {{"p", "/flerd/test"}, {"", "urn:default"}};
  d.root_attributes = {{"xsi:noNamespaceSchemaLocation", "flerd.xsd"}};
  d.namespaces["xsi"] = "http://www.w3.org/2001/XMLSchema-instance";
  d.consoleInterfaces.push_back({"p:ci", "192.0.2.1", "tcp", 2000, "user", "pa ss<&>\"'", {}});
  Topology t;
  t.graphLabel = GraphLabel{"p:gl", "PIP1", GraphType::ML, 7, "tag one", "VNet1", {}};
  NetworkElement a;
  a.id = "p:a";
  a.identifier = "  A with spaces ";
  a.alias = "";
  a.ne_type = "/node/host/generic";
  a.graphLabel = Ref<GraphLabel>{"p:gl", nullptr, {}};
  a.hostedNetworkElement = {{"p:b", nullptr, {}}};
  a.resource = {{"p:r1", nullptr, {}}, {"p:r2", nullptr, {}}};
  a.features = {{"/position/continent/country", "/NA/USA", 1, true, {}},
                {"/not/position/continent/country", "null", -3, false, {}}};
  NetworkInterface ai;
  ai.id = "p:ai";
  ai.extra_ids = {"p:ai2", "p:ai3"};
  ai.identifier = "eth0";
  ai.alias = "true";
  ai.ni_type = "/interface/generic";
  ai.connectedInterface = Ref<NetworkInterface>{"p:bi", nullptr, {}};
  ai.hostingNetworkInterface = {{"p:bi", nullptr, {}}};
  ai.resource = {{"p:r2", nullptr, {}}};
  ai.features = {{"/link/generic/redundancy", "2", 1, true, {}}};
  a.networkInterfaces.push_back(ai);
  a.customerConsoleInterface = Ref<ConsoleInterface>{"p:ci", nullptr, {}};
  a.providerConsoleInterface = Ref<ConsoleInterface>{"p:ci", nullptr, {}};
  NetworkElement b;
  b.id = "p:b";
  b.identifier = "B: ünïcödé, #hash, 'quotes', \"dq\", - dash\nsecond line\ttab";
  b.ne_type = "/node/host/server";
  b.hostingNetworkElement = {{"p:a", nullptr, {}}};
  NetworkInterface bi;
  bi.id = "p:bi";
  bi.identifier = "~";
  bi.ni_type = "/interface/generic";
  bi.connectedInterface = Ref<NetworkInterface>{"p:ai", nullptr, {}};
  bi.hostedNetworkInterface = {{"p:ai", nullptr, {}}};
  b.networkInterfaces.push_back(bi);
  t.networkElements = {a, b};
  Resource r1;
  r1.id = "p:r1";
  r1.identifier = "ram";
  r1.alias = "memory";
  r1.attribute = "/host/generic/RAM/real/amount";
  r1.value = 0.1 + 0.2;  // not exactly representable in short decimal
  r1.resource_unit = "GB";
  r1.value_type = "minimum";
  r1.confidence = 0.95;
  r1.confidence_interval = 1;
  r1.time_unit = "s";
  r1.composing_operation = "sum";
  r1.request_flag = true;
  r1.timestamp = "2026-11-23T04:44:15Z";
  Resource r2;
  r2.id = "p:r2";
  r2.attribute = "/link/generic/upstream/bandwidth";
  r2.value = 1e300;
  t.resources = {r1, r2};
  ConstraintGroup cg;
  cg.networkElement = {{"p:a", nullptr, {}}, {"p:b", nullptr, {}}};
  cg.constraints = {{"/position/continent/country", "/NA", "equals", 1, {}},
                    {"/host/generic/architecture", std::nullopt, "distinct", 2, {}}};
  t.constraintGroups = {cg};
  d.topologies.push_back(t);
  Topology t2;  // a second, label-less topology
  NetworkElement c;
  c.id = "p:c";
  c.identifier = "C";
  c.ne_type = "/link/generic";
  t2.networkElements = {c};
  d.topologies.push_back(t2);
  ResourceMapping rm;
  rm.value = 0.5;
  rm.resource_unit = "GB";
  rm.confidence = 1;
  rm.confidence_interval = 0;
  rm.time_unit = "h";
  rm.hostedResource = {"p:r1", nullptr, {}};
  rm.hostingResource = {"p:r2", nullptr, {}};
  d.resourceMappings = {rm, ResourceMapping{std::nullopt,
                                            std::nullopt,
                                            std::nullopt,
                                            std::nullopt,
                                            std::nullopt,
                                            {"p:r2", nullptr, {}},
                                            {"p:r1", nullptr, {}},
                                            {}}};
  d.resolve();
  return d;
}

Document reread(const Document& d, Format f) {
  const std::string text = write_string(d, f);
  auto loaded = read_string(text, f, std::string("mem.") + to_string(f));
  EXPECT_FALSE(loaded.diagnostics.has_errors()) << to_string(f) << ":\n"
                                                << loaded.diagnostics.format() << "\n"
                                                << text;
  return std::move(loaded.document);
}

TEST(RoundTrip, EveryFieldSurvivesEveryForm) {
  const Document d = everything();
  for (Format f : {Format::kXml, Format::kYaml, Format::kJson}) {
    EXPECT_TRUE(reread(d, f) == d) << "form " << to_string(f) << " lost something:\n"
                                   << write_string(reread(d, f), Format::kYaml);
  }
  // XML -> YAML -> JSON -> XML.
  const Document chained =
      reread(reread(reread(reread(d, Format::kXml), Format::kYaml), Format::kJson), Format::kXml);
  EXPECT_TRUE(chained == d);
  EXPECT_EQ(write_string(chained, Format::kXml), write_string(d, Format::kXml));
}

TEST(RoundTrip, ChangingAnyFieldBreaksEquality) {
  // The comparison used above must be able to fail.
  Document d = everything();
  Document e = d;
  EXPECT_TRUE(d == e);
  e.topologies[0].resources[0].timestamp.reset();
  EXPECT_FALSE(d == e);
  e = d;
  e.topologies[0].networkElements[0].networkInterfaces[0].extra_ids.pop_back();
  EXPECT_FALSE(d == e);
  e = d;
  e.namespaces.erase("p");
  EXPECT_FALSE(d == e);
}

std::vector<fs::path> corpus() {
  std::vector<fs::path> files;
  for (const char* dir : {"/examples", "/tests/fixtures"}) {
    const fs::path root = fs::path(CLOUDNET_SOURCE_DIR) / fs::path(dir).relative_path();
    if (!fs::exists(root)) continue;
    const fs::path daemon = fs::path(CLOUDNET_SOURCE_DIR) / "examples" / "daemon";
    for (const auto& e : fs::recursive_directory_iterator(root)) {
      // examples/daemon (and its folders) holds daemon configurations, not
      // FleRD documents.
      const auto rel = e.path().lexically_relative(daemon);
      if (!rel.empty() && *rel.begin() != "..") continue;
      if (e.is_regular_file() && format_from_path(e.path().string())) files.push_back(e.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(RoundTrip, CorpusXmlYamlJsonXml) {
  const auto files = corpus();
  ASSERT_GE(files.size(), 3u);
  for (const auto& file : files) {
    SCOPED_TRACE(file.string());
    auto loaded = read_file(file.string(), std::nullopt, ReadOptions{.validate = false});
    ASSERT_FALSE(loaded.document.topologies.empty()) << loaded.diagnostics.format();
    const Document& d = loaded.document;
    Document x = d;
    for (Format f : {Format::kXml, Format::kYaml, Format::kJson, Format::kXml}) {
      const std::string text = write_string(x, f);
      auto again = read_string(text, f, file.string(), ReadOptions{.validate = false});
      x = std::move(again.document);
      EXPECT_TRUE(x == d) << "after " << to_string(f);
    }
  }
}

TEST(Read, SharedResourceIsOneObject) {
  const fs::path p = fs::path(CLOUDNET_SOURCE_DIR) / "examples/request-webservice.yaml";
  auto loaded = read_file(p.string());
  ASSERT_TRUE(loaded.ok()) << loaded.diagnostics.format();
  const auto* h1 = loaded.document.element("c:vhost1");
  const auto* h2 = loaded.document.element("c:vhost2");
  ASSERT_TRUE(h1 && h2);
  const Resource* s1 = h1->resource.back().target;
  const Resource* s2 = h2->resource.back().target;
  ASSERT_NE(s1, nullptr);
  EXPECT_EQ(s1, s2);
  EXPECT_EQ(s1, loaded.document.resource("c:sessions"));
  // Interfaces know their owner and their peer.
  const auto* eth0 = loaded.document.interface("c:vhost1eth0");
  ASSERT_NE(eth0, nullptr);
  EXPECT_EQ(loaded.document.owner_of(*eth0), h1);
  EXPECT_EQ(eth0->connectedInterface->target, loaded.document.interface("c:link1i0"));
}

TEST(Read, CopiesResolveToTheirOwnObjects) {
  const Document d = everything();
  const Document copy = d;
  const auto* a = copy.element("p:a");
  ASSERT_NE(a, nullptr);
  EXPECT_NE(a, d.element("p:a"));
  EXPECT_EQ(a->resource[0].target, copy.resource("p:r1"));
}

// Positions: each form reports the line and column of the offending value.
TEST(Read, ErrorsCarryLineAndColumn) {
  const std::string xml =
      "<root>\n  <Topology>\n    <NetworkElement>\n      <id>n1</id>\n      "
      "<identifier>x</identifier>\n"
      "      <ne_type>/node/host</ne_type>\n      <resource>nope</resource>\n"
      "    </NetworkElement>\n  </Topology>\n</root>\n";
  auto x = read_string(xml, Format::kXml, "t.xml");
  ASSERT_TRUE(x.diagnostics.has_errors());
  bool found = false;
  for (const auto& d : x.diagnostics.items()) {
    if (d.message.find("dangling reference 'nope'") != std::string::npos) {
      EXPECT_EQ(d.loc.file, "t.xml");
      EXPECT_EQ(d.loc.line, 7);
      EXPECT_EQ(d.loc.column, 7);
      EXPECT_EQ(d.object_id, "n1");
      EXPECT_EQ(d.field, "resource");
      found = true;
    }
  }
  EXPECT_TRUE(found) << x.diagnostics.format();

  const std::string json =
      "{\"Topology\": [\n {\"NetworkElement\": [\n  {\"id\": \"n1\", \"identifier\": 42,\n"
      "   \"ne_type\": \"/node/x\", \"networkInterfaces\": []}]}]}";
  auto j = read_string(json, Format::kJson, "t.json");
  // 42 is accepted as text; a list is not.
  EXPECT_FALSE(j.diagnostics.has_errors()) << j.diagnostics.format();
  EXPECT_EQ(j.document.topologies[0].networkElements[0].identifier, "42");
  const std::string json2 =
      "{\"Topology\": [\n {\"NetworkElement\": [\n  {\"id\": \"n1\", \"identifier\": \"x\",\n"
      "   \"ne_type\": [1]}]}]}";
  auto j2 = read_string(json2, Format::kJson, "t.json");
  ASSERT_TRUE(j2.diagnostics.has_errors());
  EXPECT_NE(j2.diagnostics.items()[0].message.find("takes one value, found a list"),
            std::string::npos)
      << j2.diagnostics.format();
  EXPECT_EQ(j2.diagnostics.format().find("missing required"), std::string::npos);
  EXPECT_EQ(j2.diagnostics.items()[0].loc.line, 4);
  EXPECT_EQ(j2.diagnostics.items()[0].loc.column, 15);

  const std::string yaml =
      "Topology:\n  - NetworkElement:\n      - id: n1\n        identifier: x\n"
      "        ne_type: /node/host\n        graphLabel: 1bad\n";
  auto y = read_string(yaml, Format::kYaml, "t.yaml");
  ASSERT_TRUE(y.diagnostics.has_errors());
  EXPECT_EQ(y.diagnostics.items()[0].loc.line, 6);
  EXPECT_EQ(y.diagnostics.items()[0].loc.column, 21);
  EXPECT_NE(y.diagnostics.items()[0].message.find("not a valid id"), std::string::npos);
}

TEST(Read, ReportsAllErrorsNotOnlyTheFirst) {
  const std::string yaml = R"(Topology:
  - NetworkElement:
      - {id: a, identifier: A, ne_type: node, resource: [r9]}
      - {id: a, identifier: B, ne_type: /node/x, hostingNetworkElement: [zz]}
      - {identifier: C, ne_type: /node/x, bogus: 1}
    Resource:
      - {id: r1, attribute: /x, value: -1, request_flag: maybe}
)";
  auto y = read_string(yaml, Format::kYaml, "t.yaml");
  const std::string all = y.diagnostics.format();
  for (const char* expected :
       {"duplicate id 'a'", "dangling reference 'r9'", "dangling reference 'zz'",
        "missing required field 'id'", "unknown field 'bogus'", "expected true or false",
        "is not a type path", "negative amount"}) {
    EXPECT_NE(all.find(expected), std::string::npos) << expected << "\n" << all;
  }
}

TEST(Read, WrongKindOfReference) {
  const std::string yaml = R"(Topology:
  - NetworkElement:
      - {id: a, identifier: A, ne_type: /node/x, resource: [b], hostingNetworkElement: [r1]}
      - {id: b, identifier: B, ne_type: /node/x}
    Resource:
      - {id: r1, attribute: /x, value: 1, request_flag: false}
)";
  auto y = read_string(yaml, Format::kYaml, "t.yaml");
  const std::string all = y.diagnostics.format();
  EXPECT_NE(all.find("'b' is a NetworkElement (line 4), expected a Resource"), std::string::npos)
      << all;
  EXPECT_NE(all.find("'r1' is a Resource (line 6), expected a NetworkElement"), std::string::npos)
      << all;
}

TEST(Read, FormatDetection) {
  EXPECT_EQ(format_from_path("a/b.XML"), Format::kXml);
  EXPECT_EQ(format_from_path("a.yml"), Format::kYaml);
  EXPECT_EQ(format_from_path("x.json"), Format::kJson);
  EXPECT_FALSE(format_from_path("dir.json/file").has_value());
  EXPECT_EQ(sniff_format("  <?xml"), Format::kXml);
  EXPECT_EQ(sniff_format("\n{"), Format::kJson);
  EXPECT_EQ(sniff_format("Topology:"), Format::kYaml);
}

TEST(Read, UnreadableFileIsADiagnostic) {
  auto l = read_file("/nonexistent/file.xml");
  ASSERT_TRUE(l.diagnostics.has_errors());
  EXPECT_NE(l.diagnostics.format().find("cannot open file"), std::string::npos);
}

TEST(Write, AtomicAndFormatFromExtension) {
  const fs::path dir = fs::temp_directory_path() / "cloudnet_io_test";
  fs::create_directories(dir);
  const Document d = everything();
  EXPECT_FALSE(write_file(d, (dir / "x.txt").string(), std::nullopt).ok());
  ASSERT_TRUE(write_file(d, (dir / "x.json").string(), std::nullopt).ok());
  EXPECT_FALSE(fs::exists(dir / "x.json.tmp"));
  auto back = read_file((dir / "x.json").string());
  EXPECT_TRUE(back.document == d);
  EXPECT_FALSE(write_file(d, "/nonexistent/dir/x.json", std::nullopt).ok());
  fs::remove_all(dir);
}

TEST(Write, NumbersAreShortestRoundTrip) {
  EXPECT_EQ(format_double(100), "100");
  EXPECT_EQ(format_double(0.5), "0.5");
  EXPECT_EQ(std::stod(format_double(0.1 + 0.2)), 0.1 + 0.2);
}

}  // namespace
}  // namespace cloudnet::flerd
