#include "flerd/validate.h"

#include <gtest/gtest.h>

#include "flerd/io.h"

namespace cloudnet::flerd {
namespace {

std::string diagnostics_of(const std::string& yaml) {
  return read_string(yaml, Format::kYaml, "v.yaml").diagnostics.format();
}

bool has(const std::string& all, const std::string& what) {
  return all.find(what) != std::string::npos;
}

const char* kTwoNodes = R"(Topology:
  - GraphLabel: {id: gl, role_identifier: r, graph_type: UL, graph_nr: 0}
    NetworkElement:
      - id: a
        identifier: A
        ne_type: /node/host/server
        graphLabel: gl
        %A%
        networkInterfaces: [{id: ai, identifier: e, ni_type: /interface/x, %AI%}]
      - id: b
        identifier: B
        ne_type: /node/host/server
        %B%
        networkInterfaces: [{id: bi, identifier: e, ni_type: /interface/x, %BI%}]
    Resource:
      - {id: r, attribute: /host/generic/CPU/amount, value: %V%, request_flag: false %R%}
)";

std::string doc(std::map<std::string, std::string> subst) {
  std::string s = kTwoNodes;
  for (const char* key : {"%A%", "%B%", "%AI%", "%BI%", "%V%", "%R%"}) {
    auto it = subst.find(key);
    std::string v = it == subst.end() ? (std::string(key) == "%V%" ? "1" : "") : it->second;
    s.replace(s.find(key), std::string(key).size(), v);
  }
  return s;
}

TEST(Validate, CleanDocumentHasNoDiagnostics) {
  const std::string all =
      diagnostics_of(doc({{"%AI%", "connectedInterface: bi"}, {"%BI%", "connectedInterface: ai"}}));
  EXPECT_TRUE(all.empty()) << all;
}

TEST(Validate, HostingCycles) {
  EXPECT_TRUE(has(diagnostics_of(doc({{"%A%", "hostingNetworkElement: [b]"},
                                      {"%B%", "hostingNetworkElement: [a]"}})),
                  "hosting relation has a cycle"));
  // A hosts B written from both sides is consistent, not a cycle.
  EXPECT_FALSE(has(diagnostics_of(doc({{"%A%", "hostedNetworkElement: [b]"},
                                       {"%B%", "hostingNetworkElement: [a]"}})),
                   "cycle"));
  EXPECT_TRUE(has(diagnostics_of(doc({{"%A%", "hostedNetworkElement: [b]"},
                                      {"%B%", "hostedNetworkElement: [a]"}})),
                  "hosting relation has a cycle"));
  EXPECT_TRUE(has(diagnostics_of(doc({{"%A%", "hostingNetworkElement: [a]"}})),
                  "element lists itself as its host"));
  // A chain is fine.
  EXPECT_FALSE(has(diagnostics_of(doc({{"%A%", "hostingNetworkElement: [b]"}})), "cycle"));
}

TEST(Validate, Interfaces) {
  EXPECT_TRUE(has(diagnostics_of(doc({{"%AI%", "connectedInterface: ai"}})),
                  "interface is connected to itself"));
  const std::string one_sided = diagnostics_of(doc({{"%AI%", "connectedInterface: bi"}}));
  EXPECT_TRUE(has(one_sided, "warning: 'bi' does not name 'ai'")) << one_sided;
}

TEST(Validate, ResourceValues) {
  EXPECT_TRUE(has(diagnostics_of(doc({{"%V%", "-5"}})), "negative amount"));
  EXPECT_TRUE(
      has(diagnostics_of(doc({{"%R%", ", confidence: 1.5"}})), "confidence must lie in [0, 1]"));
  EXPECT_TRUE(has(diagnostics_of(doc({{"%R%", ", confidence_interval: -1"}})),
                  "confidence_interval must not be negative"));
  EXPECT_TRUE(has(diagnostics_of(doc({{"%R%", ", value_type: sometimes"}})),
                  "warning: unknown value_type 'sometimes'"));
  EXPECT_TRUE(has(diagnostics_of(doc({{"%V%", "1e999"}})), "out of range"));
  EXPECT_TRUE(has(diagnostics_of(doc({{"%V%", "nan"}})), "expected a finite number"));
}

TEST(Validate, GraphLabelOfAnotherTopologyIsAWarning) {
  const std::string y = R"(Topology:
  - GraphLabel: {id: g1, role_identifier: r, graph_type: OL, graph_nr: 0}
    NetworkElement: [{id: a, identifier: A, ne_type: /node/x, graphLabel: g2,
                      networkInterfaces: [{id: ai, identifier: e, ni_type: /i}]}]
  - GraphLabel: {id: g2, role_identifier: r, graph_type: OL, graph_nr: 1}
    NetworkElement: [{id: b, identifier: B, ne_type: /node/x, graphLabel: g2,
                      networkInterfaces: [{id: bi, identifier: e, ni_type: /i}]}]
)";
  const std::string all = diagnostics_of(y);
  EXPECT_TRUE(has(all, "warning: graphLabel 'g2' labels another Topology")) << all;
  EXPECT_FALSE(has(all, "error")) << all;
}

TEST(Validate, ConsolePortAndConstraintGroups) {
  const std::string y = R"(ConsoleInterface:
  - {id: c, address: 127.0.0.1, transport_protocol: tcp, port: 70000, username: u, password: p}
Topology:
  - NetworkElement:
      - {id: a, identifier: A, ne_type: /node/x, networkInterfaces: [{id: ai, identifier: e, ni_type: /i}]}
    ConstraintGroup:
      - networkElement: [a]
        Constraint: [{attribute: /position, relation: distinct, priority: 1}]
      - networkElement: [a, a]
        Constraint: [{attribute: position, relation: distinct, priority: 1}]
)";
  const std::string all = diagnostics_of(y);
  EXPECT_TRUE(has(all, "port 70000 is outside 0..65535")) << all;
  EXPECT_TRUE(has(all, "ConstraintGroup needs at least 2 'networkElement' entries, found 1"))
      << all;
  EXPECT_TRUE(has(all, "ConstraintGroup names 'a' twice")) << all;
  EXPECT_TRUE(has(all, "'position' is not a type path")) << all;
}

TEST(Validate, ResourceMappingOntoItself) {
  const std::string y = R"(Topology:
  - NetworkElement:
      - {id: a, identifier: A, ne_type: /node/x, resource: [r], networkInterfaces: [{id: ai, identifier: e, ni_type: /i}]}
    Resource: [{id: r, attribute: /x, value: 1, request_flag: true}]
ResourceMapping:
  - {value: -1, hostedResource: r, hostingResource: r}
)";
  const std::string all = diagnostics_of(y);
  EXPECT_TRUE(has(all, "'r' is mapped onto itself")) << all;
  EXPECT_TRUE(has(all, "negative mapped amount")) << all;
}

}  // namespace
}  // namespace cloudnet::flerd
