// Completion of vague requests, OL0 -> OL1 (CloudNet paper 5.3, thesis 4.4):
// every vague case of completion.h in choose and pass-on mode, with and
// without a substrate, conflicts, complete requests, the examples and the
// thesis's document, idempotence and round trips.
#include "flerd/completion.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <tuple>

#include "flerd/io.h"
#include "flerd/validate.h"
#include "flerd/vocabulary.h"

namespace cloudnet::flerd {
namespace {

// ---- Building test documents ----

std::string feat(const std::string& attr, const std::string& value, int priority = 1) {
  return "{attribute: " + attr + ", value: \"" + value +
         "\", priority: " + std::to_string(priority) + ", request_flag: true}";
}

// One element; `extra` adds fields such as ", resource: [c:x]".
std::string elem(const std::string& id, const std::string& type, const std::string& extra = "",
                 const std::string& label = "c:gl") {
  return "      - {id: c:" + id + ", identifier: " + id + ", ne_type: " + type +
         ", graphLabel: " + label + extra + ", networkInterfaces: [{id: c:" + id +
         "i, identifier: eth0, ni_type: /interface/generic}]}\n";
}

std::string res(const std::string& id, const std::string& attr, double value,
                const std::string& value_type = "minimum", bool request = true) {
  return "      - {id: c:" + id + ", attribute: " + attr + ", value: " + std::to_string(value) +
         ", value_type: " + value_type + ", request_flag: " + (request ? "true" : "false") + "}\n";
}

std::string doc(const std::string& type, const std::string& elements,
                const std::string& resources = "", const std::string& groups = "") {
  std::string s =
      "namespaces: {c: /test}\nTopology:\n  - GraphLabel: {id: c:gl, role_identifier: r, "
      "graph_type: " +
      type + ", graph_nr: 0, net_identifier: n}\n    NetworkElement:\n" + elements;
  if (!resources.empty()) s += "    Resource:\n" + resources;
  if (!groups.empty()) s += "    ConstraintGroup:\n" + groups;
  return s;
}

Document load(const std::string& text) {
  Loaded l = read_string(text, Format::kYaml, "test.yaml");
  EXPECT_TRUE(l.ok()) << l.diagnostics.format() << "\n" << text;
  return std::move(l.document);
}

Document example(const std::string& name) {
  Loaded l = read_file(std::string(CLOUDNET_SOURCE_DIR) + "/" + name);
  EXPECT_TRUE(l.ok()) << l.diagnostics.format();
  return std::move(l.document);
}

// A fully specified host: no policy rule of pip() has anything to add.
std::string complete_host(const std::string& id, const std::string& more_features = "") {
  return elem(id, vocab::kNodeServer,
              ", resource: [c:" + id + "cpu, c:" + id + "ram], features: [" +
                  feat("/virtualization/technology", "kvm") + more_features + "]");
}
std::string complete_host_resources(const std::string& id) {
  return res(id + "cpu", vocab::kCpu, 2) + res(id + "ram", vocab::kRam, 4);
}

// ---- Inspecting results ----

const Choice* choice(const Completion& c, const std::string& element, const std::string& attr) {
  for (const auto& ch : c.choices)
    if (ch.element == element && ch.attribute == attr) return &ch;
  return nullptr;
}

const NetworkElement& completed(const Completion& c, const std::string& id) {
  const NetworkElement* e = c.document.element(c.completed_ids.at(id));
  EXPECT_NE(e, nullptr) << id;
  return *e;
}

std::vector<std::string> values(const NetworkElement& e, const std::string& attr) {
  std::vector<std::string> out;
  for (const auto& f : e.features)
    if (f.attribute == attr) out.push_back(f.value);
  return out;
}

const Resource* resource(const NetworkElement& e, const std::string& attr) {
  for (const auto& r : e.resource)
    if (r.target && r.target->attribute == attr) return r.target;
  return nullptr;
}

// What an element requests, without ids and positions: OL1 "equals" OL0.
using Content = std::tuple<std::string, std::string, std::vector<std::string>,
                           std::vector<std::string>, std::vector<std::string>>;
Content content(const NetworkElement& e) {
  std::vector<std::string> fs, rs, is;
  for (const auto& f : e.features)
    fs.push_back(f.attribute + "=" + f.value + "/" + std::to_string(f.priority) +
                 (f.request_flag ? "r" : ""));
  for (const auto& r : e.resource)
    rs.push_back(r.target->attribute + "=" + std::to_string(r.target->value) + " " +
                 r.target->value_type.value_or("") + " " + r.target->resource_unit.value_or(""));
  for (const auto& i : e.networkInterfaces) is.push_back(i.identifier + " " + i.ni_type);
  std::sort(rs.begin(), rs.end());
  return {e.identifier, e.ne_type, fs, rs, is};
}

void expect_same_content(const Completion& c, const Topology& source) {
  for (const auto& ne : source.networkElements)
    EXPECT_EQ(content(completed(c, ne.id)), content(ne)) << ne.id;
}

// The completed document validates with nothing new to report, and reads
// back equal from all three forms.
void expect_valid_and_round_trips(const Document& before, const Completion& c) {
  const Diagnostics old = validate(before);
  const Diagnostics now = validate(c.document);
  EXPECT_EQ(now.error_count(), 0u) << now.format();
  EXPECT_LE(now.warning_count(), 2 * old.warning_count()) << now.format();
  if (old.empty()) {
    EXPECT_TRUE(now.empty()) << now.format();
  }
  for (Format f : {Format::kXml, Format::kYaml, Format::kJson}) {
    const std::string text = write_string(c.document, f);
    Loaded back = read_string(text, f, "round-trip");
    EXPECT_TRUE(back.ok()) << to_string(f) << "\n" << back.diagnostics.format();
    EXPECT_TRUE(back.document == c.document) << to_string(f);
  }
}

Completion complete(const Document& d, const CompletionPolicy& p, const Document* s = nullptr) {
  auto r = complete_request(d, p, s);
  EXPECT_TRUE(r.ok()) << r.error().message;
  if (!r.ok()) return {};
  return std::move(r.value());
}

// A substrate of hosts with the given (country, virtualization) Features.
std::string shost(const std::string& id, const std::string& type, const std::string& features,
                  const std::string& resources = "") {
  return "      - {id: c:" + id + ", identifier: " + id + ", ne_type: " + type +
         ", graphLabel: c:gl, resource: [" + resources + "], features: [" + features +
         "], networkInterfaces: [{id: c:" + id +
         "i, identifier: eth0, ni_type: /interface/ethernet}]}\n";
}
std::string offer(const std::string& attr, const std::string& value) {
  return "{attribute: " + attr + ", value: \"" + value + "\", priority: 0, request_flag: false}";
}

// ---- Layering ----

TEST(Completion, AddsOl1HostedOnOl0AsInAppendixB) {
  const Document d = load(
      doc("OL", complete_host("a") + elem("b", vocab::kNodeServer), complete_host_resources("a")));
  const Completion c = complete(d, CompletionPolicy::pip());
  ASSERT_TRUE(c.added_layer);
  EXPECT_EQ(c.source_nr, 0);
  EXPECT_EQ(c.completed_nr, 1);
  const Topology* ol1 = c.document.find_topology(GraphType::OL, 1);
  ASSERT_NE(ol1, nullptr);
  EXPECT_EQ(ol1->graphLabel->id, "c:gl.ol1");
  EXPECT_EQ(ol1->graphLabel->net_identifier, "n");
  ASSERT_EQ(c.document.topologies.size(), 2u);
  EXPECT_EQ(&c.document.topologies[1], ol1);  // right after its source

  const NetworkElement& a1 = completed(c, "c:a");
  EXPECT_EQ(a1.id, "c:a.ol1");
  EXPECT_EQ(a1.identifier, "a");
  ASSERT_EQ(a1.hostedNetworkElement.size(), 1u);
  EXPECT_EQ(a1.hostedNetworkElement[0].id, "c:a");
  const NetworkElement* a0 = c.document.element("c:a");
  ASSERT_EQ(a0->hostingNetworkElement.size(), 1u);
  EXPECT_EQ(a0->hostingNetworkElement[0].target, &a1);
  ASSERT_EQ(a1.networkInterfaces.size(), 1u);
  EXPECT_EQ(a1.networkInterfaces[0].hostedNetworkInterface[0].id, "c:ai");
  EXPECT_EQ(a0->networkInterfaces[0].hostingNetworkInterface[0].id, "c:ai.ol1");
  EXPECT_EQ(a1.graphLabel->target, &*ol1->graphLabel);
  // Appendix B omits OL0 -> OL1 ResourceMappings; the policy can ask for them.
  EXPECT_TRUE(c.document.resourceMappings.empty());
  for (const auto& ch : c.choices) EXPECT_EQ(ch.completed, c.completed_ids.at(ch.element));
  expect_valid_and_round_trips(d, c);

  CompletionPolicy with = CompletionPolicy::pip();
  with.resource_mappings = true;
  with.role_identifier = "PIP1";
  const Completion m = complete(d, with);
  EXPECT_EQ(m.document.find_topology(GraphType::OL, 1)->graphLabel->role_identifier, "PIP1");
  ASSERT_EQ(m.document.resourceMappings.size(), 2u);  // a's cpu and ram
  EXPECT_EQ(m.document.resourceMappings[0].hostedResource.id, "c:acpu");
  EXPECT_EQ(m.document.resourceMappings[0].hostingResource.id, "c:acpu.ol1");
  expect_valid_and_round_trips(d, m);
}

TEST(Completion, RejectsDocumentsWithoutOverlayOrWithErrors) {
  const Document ul = load(doc("UL", elem("a", vocab::kNodeServer)));
  auto r = complete_request(ul, CompletionPolicy::pip());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Error::Code::kInvalidArgument);
  EXPECT_NE(r.error().message.find("no overlay topology"), std::string::npos) << r.error().message;

  Document broken = load(doc("OL", elem("a", vocab::kNodeServer)));
  broken.topologies[0].networkElements[0].resource.push_back({"c:nothing", nullptr, {}});
  r = complete_request(broken, CompletionPolicy::pip());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("dangling reference 'c:nothing'"), std::string::npos);

  const Document ol = load(doc("OL", elem("a", vocab::kNodeServer)));
  r = complete_request(ol, CompletionPolicy::pip(), &ol);  // a request is no substrate
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("no underlay"), std::string::npos);
}

// ---- Rule 1: omitted attributes ----

TEST(Completion, OmittedResourcesAndFeaturesTakePolicyDefaults) {
  const Document d =
      load(doc("OL", elem("a", vocab::kNodeServer) + elem("l", vocab::kLinkEthernet) +
                         elem("s", "/node/splitter/generic")));
  const Completion c = complete(d, CompletionPolicy::pip());
  const NetworkElement& a = completed(c, "c:a");
  ASSERT_NE(resource(a, vocab::kCpu), nullptr);
  EXPECT_EQ(resource(a, vocab::kCpu)->value, 1);
  EXPECT_EQ(resource(a, vocab::kCpu)->resource_unit, "cores");
  // Complemented like appendix B's OL1 RAM/HDD: a guaranteed minimum.
  EXPECT_EQ(resource(a, vocab::kCpu)->value_type, "minimum");
  EXPECT_TRUE(resource(a, vocab::kCpu)->request_flag);
  EXPECT_EQ(resource(a, vocab::kRam)->value, 1);
  EXPECT_EQ(resource(a, vocab::kCpu)->id, "c:a.ol1.host_CPU_amount");
  EXPECT_EQ(values(a, "/virtualization/technology"), std::vector<std::string>{"kvm"});
  const Choice* v = choice(c, "c:a", "/virtualization/technology");
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->reason, ChoiceReason::kPolicyDefault);
  EXPECT_EQ(v->value, "kvm");
  EXPECT_EQ(choice(c, "c:a", vocab::kRam)->reason, ChoiceReason::kPolicyDefault);

  const NetworkElement& l = completed(c, "c:l");
  ASSERT_NE(resource(l, vocab::kBandwidth), nullptr);
  EXPECT_EQ(resource(l, vocab::kBandwidth)->value, 10);
  EXPECT_EQ(choice(c, "c:l", vocab::kBandwidth)->value, "10");
  EXPECT_EQ(resource(l, vocab::kCpu), nullptr);  // CPU applies to /node/host only

  // A splitter is no /node/host: nothing added; its generic type has no default.
  const NetworkElement& s = completed(c, "c:s");
  EXPECT_TRUE(s.resource.empty());
  EXPECT_TRUE(s.features.empty());
  ASSERT_NE(choice(c, "c:s", "ne_type"), nullptr);
  EXPECT_EQ(choice(c, "c:s", "ne_type")->reason, ChoiceReason::kPassedOn);
  expect_valid_and_round_trips(d, c);

  // The source layer itself is unchanged apart from its hosting references.
  EXPECT_TRUE(c.document.element("c:a")->resource.empty());
}

TEST(Completion, LinkWithDirectionalBandwidthIsNotMissingBandwidth) {
  const Document d = load(doc("OL", elem("l", vocab::kLinkEthernet, ", resource: [c:up]"),
                              res("up", vocab::kBandwidthUp, 100)));
  const Completion c = complete(d, CompletionPolicy::pip());
  EXPECT_EQ(choice(c, "c:l", vocab::kBandwidth), nullptr);
  EXPECT_EQ(completed(c, "c:l").resource.size(), 1u);
}

TEST(Completion, PassOnLeavesOmissionsVagueAndRecordsThem) {
  const Document d =
      load(doc("OL", elem("a", vocab::kNodeGeneric) + elem("l", vocab::kLinkGeneric)));
  const Completion c = complete(d, CompletionPolicy::vnp());
  ASSERT_TRUE(c.added_layer);
  EXPECT_FALSE(c.changed());
  expect_same_content(c, d.topologies[0]);
  for (const char* attr : {vocab::kCpu, vocab::kRam, "/virtualization/technology", "ne_type"}) {
    const Choice* ch = choice(c, "c:a", attr);
    ASSERT_NE(ch, nullptr) << attr;
    EXPECT_EQ(ch->reason, ChoiceReason::kPassedOn) << attr;
  }
  EXPECT_EQ(choice(c, "c:a", "ne_type")->value, vocab::kNodeGeneric);
  EXPECT_EQ(choice(c, "c:l", vocab::kBandwidth)->reason, ChoiceReason::kPassedOn);

  // Mixed: a VNP that fixes the virtualization technology only (paper 5.3).
  CompletionPolicy mixed = CompletionPolicy::vnp();
  mixed.attributes["/virtualization/technology"].mode = CompletionMode::kChoose;
  const Completion m = complete(d, mixed);
  EXPECT_EQ(values(completed(m, "c:a"), "/virtualization/technology"),
            std::vector<std::string>{"kvm"});
  EXPECT_EQ(choice(m, "c:a", vocab::kCpu)->reason, ChoiceReason::kPassedOn);
  EXPECT_EQ(completed(m, "c:a").ne_type, vocab::kNodeGeneric);
  expect_valid_and_round_trips(d, m);
}

TEST(Completion, SubstrateInformsOmittedFeaturesAndAmounts) {
  const Document d = load(doc("OL", elem("a", vocab::kNodeGeneric)));
  CompletionPolicy p = CompletionPolicy::pip();
  p.type_mode = CompletionMode::kPassOn;
  // Only xen on offer, and at most 0.5 GB RAM: the substrate decides.
  const Document xen = load(doc(
      "UL",
      shost("h1", "/node/host/server", offer("/virtualization/technology", "xen"),
            "c:h1cpu, c:h1ram") +
          shost("h2", "/node/host/server", offer("/virtualization/technology", "xen"), "c:h2cpu"),
      res("h1cpu", vocab::kCpu, 8, "maximum", false) +
          res("h1ram", vocab::kRam, 0.5, "maximum", false) +
          res("h2cpu", vocab::kCpu, 4, "maximum", false)));
  const Completion c = complete(d, p, &xen);
  const Choice* v = choice(c, "c:a", "/virtualization/technology");
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->value, "xen");
  EXPECT_EQ(v->reason, ChoiceReason::kSubstrateOffers);
  EXPECT_EQ(v->why, "substrate offers only xen");
  const Choice* ram = choice(c, "c:a", vocab::kRam);
  EXPECT_EQ(ram->value, "0.5");
  EXPECT_EQ(ram->reason, ChoiceReason::kSubstrateOffers);
  EXPECT_NE(ram->why.find("at most 0.5 GB"), std::string::npos) << ram->why;
  EXPECT_EQ(choice(c, "c:a", vocab::kCpu)->value, "1");
  EXPECT_EQ(choice(c, "c:a", vocab::kCpu)->reason, ChoiceReason::kPolicyDefault);
  expect_valid_and_round_trips(d, c);

  // A substrate that offers kvm among others: the policy default wins.
  const Document both = load(
      doc("UL", shost("h1", "/node/host/server", offer("/virtualization/technology", "xen")) +
                    shost("h2", "/node/host/server", offer("/virtualization/technology", "xen")) +
                    shost("h3", "/node/host/server", offer("/virtualization/technology", "kvm"))));
  const Completion k = complete(d, p, &both);
  EXPECT_EQ(choice(k, "c:a", "/virtualization/technology")->value, "kvm");
  EXPECT_EQ(choice(k, "c:a", "/virtualization/technology")->reason, ChoiceReason::kPolicyDefault);
  // ... and no RAM or CPU anywhere: a demand could not be mapped, so it is passed on.
  EXPECT_EQ(choice(k, "c:a", vocab::kRam)->reason, ChoiceReason::kPassedOn);
  EXPECT_EQ(resource(completed(k, "c:a"), vocab::kRam), nullptr);

  // A substrate that does not state the technology: choosing it would make
  // every host unsuitable (the builder's white-list check), so it is passed on.
  const Document silent = load(doc("UL", shost("h1", "/node/host/server", "")));
  const Completion s = complete(d, p, &silent);
  EXPECT_EQ(choice(s, "c:a", "/virtualization/technology")->reason, ChoiceReason::kPassedOn);
  EXPECT_TRUE(values(completed(s, "c:a"), "/virtualization/technology").empty());
}

// ---- Rules 2 and 3: white lists and unspecified values ----

TEST(Completion, WhiteListKeepsThePreferredOptionOrWhatTheSubstrateOffers) {
  const std::string country = vocab::kCountry;
  const Document d = load(doc("OL", elem("a", vocab::kNodeServer,
                                         ", features: [" + feat(country, "/NA/Canada", 2) + ", " +
                                             feat(country, "/NA/USA", 1) + "]")));
  CompletionPolicy p;  // choose, no defaults
  const Completion c = complete(d, p);
  EXPECT_EQ(values(completed(c, "c:a"), country), std::vector<std::string>{"/NA/USA"});
  EXPECT_EQ(choice(c, "c:a", country)->reason, ChoiceReason::kKeptAsRequested);
  EXPECT_EQ(completed(c, "c:a").features[0].priority, 1);  // the option itself is kept
  expect_valid_and_round_trips(d, c);

  const Document canada =
      load(doc("UL", shost("h1", "/node/host/server", offer(country, "/NA/Canada/QC")) +
                         shost("h2", "/node/host/server", offer(country, "/Europe/Germany"))));
  const Completion k = complete(d, p, &canada);
  EXPECT_EQ(values(completed(k, "c:a"), country), std::vector<std::string>{"/NA/Canada"});
  EXPECT_EQ(choice(k, "c:a", country)->reason, ChoiceReason::kSubstrateOffers);
  EXPECT_EQ(choice(k, "c:a", country)->why,
            "substrate offers /NA/Canada but not the preferred /NA/USA");

  const Document germany =
      load(doc("UL", shost("h1", "/node/host/server", offer(country, "/Europe/Germany"))));
  auto r = complete_request(d, p, &germany);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Error::Code::kInfeasible);
  EXPECT_NE(r.error().message.find("c:a: /position/continent/country:"), std::string::npos)
      << r.error().message;
  EXPECT_NE(r.error().message.find("white list: /NA/USA or /NA/Canada"), std::string::npos);
  EXPECT_NE(r.error().message.find("offer: /Europe/Germany"), std::string::npos);

  CompletionPolicy pass;
  pass.default_mode = CompletionMode::kPassOn;
  const Completion v = complete(d, pass, &germany);  // passing on is not choosing: no conflict
  EXPECT_EQ(values(completed(v, "c:a"), country).size(), 2u);
  EXPECT_EQ(choice(v, "c:a", country)->value, "/NA/USA or /NA/Canada");
}

TEST(Completion, UnspecifiedFeatureValuesAreResolvedWithinTheirPrefix) {
  const std::string country = vocab::kCountry;
  const Document d = load(doc(
      "OL", elem("a", vocab::kNodeServer, ", features: [" + feat(country, "/NA/generic") + "]") +
                elem("b", vocab::kNodeServer,
                     ", features: [" + feat("/virtualization/technology", "") + "]") +
                elem("c", vocab::kNodeServer,
                     ", features: [" + feat("/host/generic/architecture/wordsize", "*") + "]")));
  CompletionPolicy p = CompletionPolicy::pip();
  const Document sub =
      load(doc("UL", shost("h1", "/node/host/server", offer(country, "/NA/USA")) +
                         shost("h2", "/node/host/server", offer(country, "/NA/USA")) +
                         shost("h3", "/node/host/server", offer(country, "/NA/Canada")) +
                         shost("h4", "/node/host/server",
                               offer(country, "/Europe/Germany") + ", " +
                                   offer("/virtualization/technology", "kvm"))));
  const Completion c = complete(d, p, &sub);
  EXPECT_EQ(values(completed(c, "c:a"), country), std::vector<std::string>{"/NA/USA"});
  EXPECT_EQ(choice(c, "c:a", country)->reason, ChoiceReason::kSubstrateOffers);
  EXPECT_EQ(choice(c, "c:a", country)->why,
            "the substrate offers /NA/USA on 2 of 4 suitable elements (most)");
  EXPECT_EQ(values(completed(c, "c:b"), "/virtualization/technology"),
            std::vector<std::string>{"kvm"});
  EXPECT_EQ(choice(c, "c:b", "/virtualization/technology")->reason, ChoiceReason::kPolicyDefault);
  // Nothing offers or defaults a word size: passed on, still vague.
  EXPECT_EQ(choice(c, "c:c", "/host/generic/architecture/wordsize")->reason,
            ChoiceReason::kPassedOn);
  EXPECT_EQ(values(completed(c, "c:c"), "/host/generic/architecture/wordsize"),
            std::vector<std::string>{"*"});
  expect_valid_and_round_trips(d, c);

  // Passed on, the vague values stay as written and still round-trip.
  const Completion v = complete(d, CompletionPolicy::vnp(), &sub);
  EXPECT_EQ(values(completed(v, "c:b"), "/virtualization/technology"),
            std::vector<std::string>{""});
  EXPECT_EQ(choice(v, "c:a", country)->value, "/NA/generic");
  expect_valid_and_round_trips(d, v);
}

TEST(Completion, BlackListedDefaultIsReplacedOrFailsClearly) {
  const Document d = load(doc("OL",
                              elem("a", vocab::kNodeServer,
                                   ", resource: [c:acpu, c:aram], features: [" +
                                       feat("/not/virtualization/technology", "kvm") + "]"),
                              complete_host_resources("a")));
  auto r = complete_request(d, CompletionPolicy::pip());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Error::Code::kInfeasible);
  EXPECT_NE(r.error().message.find("c:a: /virtualization/technology:"), std::string::npos)
      << r.error().message;
  EXPECT_NE(r.error().message.find("the policy default 'kvm' is not allowed: it is black-listed"),
            std::string::npos)
      << r.error().message;

  const Document sub = load(
      doc("UL", shost("h1", "/node/host/server", offer("/virtualization/technology", "kvm")) +
                    shost("h2", "/node/host/server", offer("/virtualization/technology", "lxc"))));
  const Completion c = complete(d, CompletionPolicy::pip(), &sub);
  EXPECT_EQ(choice(c, "c:a", "/virtualization/technology")->value, "lxc");
  EXPECT_EQ(choice(c, "c:a", "/virtualization/technology")->reason, ChoiceReason::kSubstrateOffers);
  const auto& fs = completed(c, "c:a").features;
  EXPECT_EQ(fs.size(), 2u);  // the black list stays
  expect_valid_and_round_trips(d, c);
}

TEST(Completion, PolicyDefaultOutsideTheWhiteListPicksAValidOption) {
  const Document d =
      load(doc("OL", elem("a", vocab::kNodeServer,
                          ", features: [" + feat("/virtualization/technology", "xen", 1) + ", " +
                              feat("/virtualization/technology", "lxc", 2) + "]")));
  const Completion c = complete(d, CompletionPolicy::pip());
  const Choice* v = choice(c, "c:a", "/virtualization/technology");
  EXPECT_EQ(v->value, "xen");
  EXPECT_EQ(v->reason, ChoiceReason::kKeptAsRequested);
}

// ---- Rule 4: generic types ----

TEST(Completion, GenericTypesGetAConcreteTypeOfTheSameDepth) {
  const Document d =
      load(doc("OL", elem("a", vocab::kNodeGeneric) + elem("l", vocab::kLinkGeneric)));
  CompletionPolicy p = CompletionPolicy::pip();
  const Completion c = complete(d, p);
  EXPECT_EQ(completed(c, "c:a").ne_type, vocab::kNodeServer);
  EXPECT_EQ(choice(c, "c:a", "ne_type")->reason, ChoiceReason::kPolicyDefault);
  EXPECT_EQ(completed(c, "c:l").ne_type, vocab::kLinkEthernet);

  // Only mainframes (with a plugin level below): "mainframe", not "mainframe/zvm".
  const Document frames = load(doc("UL", shost("m1", "/node/host/mainframe/zvm", "") +
                                             shost("m2", "/node/host/mainframe/zvm", "")));
  const Completion m = complete(d, p, &frames);
  EXPECT_EQ(completed(m, "c:a").ne_type, "/node/host/mainframe");
  EXPECT_EQ(choice(m, "c:a", "ne_type")->why, "substrate offers only /node/host/mainframe");
  // No substrate link can host the link: the policy default, with a note.
  EXPECT_EQ(completed(m, "c:l").ne_type, vocab::kLinkEthernet);
  EXPECT_NE(choice(m, "c:l", "ne_type")->why.find("no substrate element can host it"),
            std::string::npos);
  expect_valid_and_round_trips(d, m);

  p.type_defaults[vocab::kNodeGeneric] = "/link/ethernet";
  auto r = complete_request(d, p);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(
      r.error().message.find("c:a: ne_type: the policy's type default /link/ethernet does not "
                             "refine /node/host/generic"),
      std::string::npos)
      << r.error().message;
}

TEST(Completion, TypeChoiceRespectsTheElementsFeatures) {
  const std::string country = vocab::kCountry;
  const Document d = load(
      doc("OL", elem("a", vocab::kNodeGeneric, ", features: [" + feat(country, "/Europe") + "]")));
  CompletionPolicy p = CompletionPolicy::pip();
  p.type_defaults.clear();
  const Document sub =
      load(doc("UL", shost("s1", "/node/host/server", offer(country, "/NA/USA")) +
                         shost("s2", "/node/host/server", offer(country, "/NA/USA")) +
                         shost("m1", "/node/host/mainframe", offer(country, "/Europe/Germany"))));
  const Completion c = complete(d, p, &sub);
  EXPECT_EQ(completed(c, "c:a").ne_type, "/node/host/mainframe");
}

// ---- Rule 5: ranges ----

TEST(Completion, RangeResolvesToItsLowerEnd) {
  const Document d =
      load(doc("OL",
               elem("a", vocab::kNodeServer, ", resource: [c:lo, c:hi, c:ram, c:sess]") +
                   elem("l", vocab::kLinkEthernet, ", resource: [c:bw, c:latlo, c:lathi]"),
               res("lo", vocab::kCpu, 2) + res("hi", vocab::kCpu, 4, "maximum") +
                   res("ram", vocab::kRam, 1) + res("sess", "/service/A/concurrent_sessions", 100) +
                   res("bw", vocab::kBandwidth, 10) + res("latlo", vocab::kLatency, 1) +
                   res("lathi", vocab::kLatency, 20, "maximum")));
  CompletionPolicy p = CompletionPolicy::pip();
  const Completion c = complete(d, p);
  const NetworkElement& a = completed(c, "c:a");
  const Resource* cpu = resource(a, vocab::kCpu);
  ASSERT_NE(cpu, nullptr);
  EXPECT_EQ(cpu->id, "c:lo.ol1");
  EXPECT_EQ(cpu->value, 2);
  EXPECT_EQ(cpu->value_type, "constant");
  EXPECT_EQ(a.resource.size(), 3u);  // the maximum is dropped, ram and sessions stay
  EXPECT_EQ(c.document.resource("c:hi.ol1"), nullptr);
  const Choice* ch = choice(c, "c:a", vocab::kCpu);
  EXPECT_EQ(ch->value, "2");
  EXPECT_EQ(ch->reason, ChoiceReason::kKeptAsRequested);
  EXPECT_NE(ch->why.find("[2, 4]"), std::string::npos);
  // A single minimum is a complete requirement (appendix B's OL1 keeps them).
  EXPECT_EQ(choice(c, "c:a", vocab::kRam), nullptr);
  EXPECT_EQ(resource(a, vocab::kRam)->value_type, "minimum");
  // Latency bounds are path bounds (5.5.5), never a value; service resources stay abstract.
  EXPECT_EQ(completed(c, "c:l").resource.size(), 3u);
  EXPECT_EQ(choice(c, "c:l", vocab::kLatency), nullptr);
  EXPECT_EQ(choice(c, "c:a", "/service/A/concurrent_sessions"), nullptr);
  expect_valid_and_round_trips(d, c);

  p.attributes[vocab::kCpu].mode = CompletionMode::kPassOn;
  const Completion v = complete(d, p);
  EXPECT_EQ(completed(v, "c:a").resource.size(), 4u);
  EXPECT_EQ(choice(v, "c:a", vocab::kCpu)->value, "[2, 4]");
  EXPECT_EQ(choice(v, "c:a", vocab::kCpu)->reason, ChoiceReason::kPassedOn);
}

TEST(Completion, ContradictoryRangeIsAnError) {
  const Document d = load(doc("OL", elem("a", vocab::kNodeServer, ", resource: [c:lo, c:hi]"),
                              res("lo", vocab::kCpu, 5) + res("hi", vocab::kCpu, 4, "maximum")));
  auto r = complete_request(d, CompletionPolicy::pip());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Error::Code::kInvalidArgument);
  EXPECT_NE(r.error().message.find("c:a: /host/generic/CPU/amount: the requested minimum 5 (c:lo) "
                                   "exceeds the requested maximum 4 (c:hi)"),
            std::string::npos)
      << r.error().message;
}

TEST(Completion, SingleBoundsResolveOnlyWhenAsked) {
  const Document d =
      load(doc("OL", elem("a", vocab::kNodeServer, ", resource: [c:cpu, c:ram]"),
               res("cpu", vocab::kCpu, 2) + res("ram", vocab::kRam, 0.5, "maximum")));
  CompletionPolicy p = CompletionPolicy::pip();
  p.resolve_single_bounds = true;
  const Completion c = complete(d, p);
  EXPECT_EQ(resource(completed(c, "c:a"), vocab::kCpu)->value_type, "constant");
  EXPECT_EQ(choice(c, "c:a", vocab::kCpu)->why,
            "the requested minimum, the value that maximises acceptance");
  // The RAM default (1 GB) exceeds the requested maximum: the maximum is chosen.
  const Resource* ram = resource(completed(c, "c:a"), vocab::kRam);
  EXPECT_EQ(ram->value, 0.5);
  EXPECT_EQ(ram->value_type, "constant");
  EXPECT_EQ(choice(c, "c:a", vocab::kRam)->reason, ChoiceReason::kKeptAsRequested);
  p.attributes[vocab::kRam].amount = 0.25;
  EXPECT_EQ(resource(completed(complete(d, p), "c:a"), vocab::kRam)->value, 0.25);
  expect_valid_and_round_trips(d, c);
}

// ---- ConstraintGroups ----

TEST(Completion, EqualsGroupGetsOneValueAndAStatedValueFixesIt) {
  const std::string ws = "/host/generic/architecture/wordsize";
  const std::string group =
      "      - networkElement: [c:a, c:b, c:c]\n        Constraint: [{attribute: " + ws +
      ", relation: equals, priority: 1}]\n";
  const Document d =
      load(doc("OL",
               elem("a", vocab::kNodeServer,
                    ", features: [" + feat(ws, "32", 1) + ", " + feat(ws, "64", 2) + "]") +
                   elem("b", vocab::kNodeServer,
                        ", features: [" + feat(ws, "32", 1) + ", " + feat(ws, "64", 2) + "]") +
                   elem("c", vocab::kNodeServer, ", features: [" + feat(ws, "64") + "]"),
               "", group));
  CompletionPolicy p;
  const Completion c = complete(d, p);
  EXPECT_EQ(values(completed(c, "c:a"), ws), std::vector<std::string>{"64"});
  EXPECT_EQ(values(completed(c, "c:b"), ws), std::vector<std::string>{"64"});
  EXPECT_EQ(choice(c, "c:a", ws)->reason, ChoiceReason::kConstraintGroup);
  EXPECT_EQ(choice(c, "c:a", ws)->why, "ConstraintGroup 'equals' with c:c, which states 64");
  ASSERT_EQ(c.document.find_topology(GraphType::OL, 1)->constraintGroups.size(), 1u);
  EXPECT_EQ(c.document.find_topology(GraphType::OL, 1)->constraintGroups[0].networkElement[2].id,
            "c:c.ol1");
  expect_valid_and_round_trips(d, c);

  // Without a stated member the joint choice is the first value all accept.
  const Document j =
      load(doc("OL",
               elem("a", vocab::kNodeServer,
                    ", features: [" + feat(ws, "32", 1) + ", " + feat(ws, "64", 2) + "]") +
                   elem("b", vocab::kNodeServer,
                        ", features: [" + feat(ws, "64", 1) + ", " + feat(ws, "128", 2) + "]") +
                   elem("c", vocab::kNodeServer),
               "", group));
  const Completion k = complete(j, p);
  EXPECT_EQ(values(completed(k, "c:a"), ws), std::vector<std::string>{"64"});
  EXPECT_EQ(values(completed(k, "c:b"), ws), std::vector<std::string>{"64"});
  EXPECT_TRUE(values(completed(k, "c:c"), ws).empty());  // the MIP keeps it equal (5.5.6)

  // A member that states a value the others exclude: a clear conflict.
  const Document bad =
      load(doc("OL",
               elem("a", vocab::kNodeServer,
                    ", features: [" + feat(ws, "32", 1) + ", " + feat(ws, "16", 2) + "]") +
                   elem("b", vocab::kNodeServer) +
                   elem("c", vocab::kNodeServer, ", features: [" + feat(ws, "64") + "]"),
               "", group));
  auto r = complete_request(bad, p);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("c:a: " + ws +
                                   ": ConstraintGroup 'equals' binds it to c:c's value 64"),
            std::string::npos)
      << r.error().message;
}

TEST(Completion, DistinctGroupGetsDifferentValues) {
  const std::string virt = "/virtualization/technology";
  const Document d =
      load(doc("OL", elem("a", vocab::kNodeServer) + elem("b", vocab::kNodeServer), "",
               "      - networkElement: [c:a, c:b]\n        Constraint: [{attribute: " + virt +
                   ", relation: distinct, priority: 1}]\n"));
  CompletionPolicy p = CompletionPolicy::pip();
  const Document sub = load(doc("UL", shost("h1", "/node/host/server", offer(virt, "kvm")) +
                                          shost("h2", "/node/host/server", offer(virt, "xen"))));
  const Completion c = complete(d, p, &sub);
  EXPECT_EQ(choice(c, "c:a", virt)->value, "kvm");
  EXPECT_EQ(choice(c, "c:b", virt)->value, "xen");
  EXPECT_NE(choice(c, "c:b", virt)->why.find("distinct from c:a"), std::string::npos);

  // Without a substrate there is only the default: a conflict.
  auto r = complete_request(d, p);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("c:b: " + virt + ": ConstraintGroup 'distinct' with c:a"),
            std::string::npos)
      << r.error().message;
}

// ---- Complete requests, idempotence ----

TEST(Completion, CompleteRequestGivesAnEqualOl1AndNoChoices) {
  const Document d = load(doc("OL",
                              complete_host("a") + complete_host("b") +
                                  elem("l", vocab::kLinkEthernet, ", resource: [c:bw]"),
                              complete_host_resources("a") + complete_host_resources("b") +
                                  res("bw", vocab::kBandwidth, 100)));
  const Completion c = complete(d, CompletionPolicy::pip());
  EXPECT_TRUE(c.added_layer);
  EXPECT_TRUE(c.choices.empty());
  expect_same_content(c, d.topologies[0]);
  expect_valid_and_round_trips(d, c);
}

TEST(Completion, CompletingACompletionChangesNothing) {
  const Document d = example("examples/request-webservice.yaml");
  const Document sub = example("examples/substrate-pip1.yaml");
  for (const auto& policy : {CompletionPolicy::pip(), CompletionPolicy::vnp()}) {
    for (const Document* s : {static_cast<const Document*>(nullptr), &sub}) {
      const Completion once = complete(d, policy, s);
      ASSERT_TRUE(once.added_layer);
      const Completion twice = complete(once.document, policy, s);
      EXPECT_FALSE(twice.added_layer);
      EXPECT_FALSE(twice.changed());
      EXPECT_EQ(twice.completed_nr, 1);
      EXPECT_TRUE(twice.document == once.document);
    }
  }
  // A stricter policy on a passed-on completion completes it further: OL2.
  const Completion passed = complete(d, CompletionPolicy::vnp());
  const Completion chosen = complete(passed.document, CompletionPolicy::pip());
  ASSERT_TRUE(chosen.added_layer);
  EXPECT_EQ(chosen.source_nr, 1);
  EXPECT_EQ(chosen.completed_nr, 2);
  EXPECT_EQ(chosen.completed_ids.at("c:vhost1.ol1"), "c:vhost1.ol2");
  EXPECT_EQ(chosen.document.find_topology(GraphType::OL, 2)->graphLabel->id, "c:ol2");
  expect_valid_and_round_trips(passed.document, chosen);
}

// ---- The examples and the thesis's document ----

TEST(Completion, ExamplesCompleteAndValidate) {
  const Document sub = example("examples/substrate-pip1.yaml");
  for (const char* name :
       {"examples/request-webservice.yaml", "examples/request-shared-medium.yaml"}) {
    const Document d = example(name);
    for (const auto& policy : {CompletionPolicy::pip(), CompletionPolicy::vnp()}) {
      for (const Document* s : {static_cast<const Document*>(nullptr), &sub}) {
        SCOPED_TRACE(std::string(name) + (s ? " with substrate" : ""));
        const Completion c = complete(d, policy, s);
        EXPECT_TRUE(c.added_layer);
        expect_valid_and_round_trips(d, c);
      }
    }
  }
  // The webservice request with the PIP's substrate: the white list is cut
  // to the preferred country (offered), the hosts get what pip1 has.
  const Completion c =
      complete(example("examples/request-webservice.yaml"), CompletionPolicy::pip(), &sub);
  EXPECT_EQ(values(completed(c, "c:vhost1"), vocab::kCountry), std::vector<std::string>{"/NA/USA"});
  EXPECT_EQ(completed(c, "c:vhost1").ne_type, vocab::kNodeServer);
  EXPECT_EQ(completed(c, "c:link1").ne_type, vocab::kLinkEthernet);
  EXPECT_EQ(choice(c, "c:vhost1", "/virtualization/technology")->reason, ChoiceReason::kPassedOn);
  EXPECT_EQ(choice(c, "c:vhost1", vocab::kCpu), nullptr);  // requested already
  for (const auto& ch : c.choices) std::cout << "  " << ch.describe() << "\n";
}

TEST(Completion, ThesisWebserviceCompletesAndValidates) {
  const Document d = example("tests/fixtures/thesis/webservice-corrected.xml");
  // Its OL1 already completes its OL0 (appendix B): passing on changes nothing.
  const Completion v = complete(d, CompletionPolicy::vnp());
  EXPECT_FALSE(v.added_layer);
  EXPECT_TRUE(v.document == d);

  // A PIP fixing types and adding what is missing writes OL2 on top of OL1,
  // informed by the document's own underlay (UL1).
  for (const Document* s : {static_cast<const Document*>(nullptr), &d}) {
    const Completion c = complete(d, CompletionPolicy::pip(), s);
    ASSERT_TRUE(c.added_layer);
    EXPECT_EQ(c.source_nr, 1);
    EXPECT_EQ(c.completed_nr, 2);
    EXPECT_EQ(c.completed_ids.at("p:c1n1o1h1"), "p:c1n1o1h1.ol2");
    expect_valid_and_round_trips(d, c);
    for (const auto& ch : c.choices) std::cout << "  " << ch.describe() << "\n";
    const Completion again = complete(c.document, CompletionPolicy::pip(), s);
    EXPECT_FALSE(again.added_layer);
  }

  // Completing OL0 explicitly makes a second completion of it.
  CompletionPolicy from0 = CompletionPolicy::pip();
  from0.source_layer = 0;
  const Completion c0 = complete(d, from0);
  EXPECT_EQ(c0.completed_nr, 2);
  EXPECT_EQ(c0.document.element("p:c1n1o0h1")->hostingNetworkElement.size(), 2u);
  expect_valid_and_round_trips(d, c0);
}

}  // namespace
}  // namespace cloudnet::flerd
