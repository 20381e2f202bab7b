// Completion of vague requests: OL_n -> OL_n+1 (CloudNet paper 5.3: "the VNP
// completes the OL0 graph, yielding an OL1 graph ... values are chosen for
// those required resources and features that were left unspecified"; a PIP
// does the same with its partial graph). Both roles call it before mapping.
//
// Layering (thesis 4.4, appendix B). The completed layer is a new OL
// Topology, graph_nr = 1 + the highest OL, inserted after the layer it
// completes. Every element and interface of the source layer appears in it
// once, completed, and the two are tied the way appendix B ties OL0 to OL1:
// the source element lists the copy as hostingNetworkElement and the copy
// lists the source as hostedNetworkElement; interfaces likewise with
// hosting/hostedNetworkInterface. Appendix B leaves the OL0->OL1
// ResourceMappings out as canonic; CompletionPolicy::resource_mappings adds
// them. Copies keep identifier, alias, Features and Resources; their ids are
// the source ids with ".ol<N>" (a trailing ".ol<k>" is replaced), made unique.
//
// The source layer is the highest OL (the latest refinement, the one
// mapping::build_problem maps) unless CompletionPolicy::source_layer names
// one. When that layer already is a completion (it hosts elements of another
// OL) and completing it would change nothing, the document is returned
// unchanged: completing twice is completing once.
//
// What is vague, and what a choice writes (thesis ch. 4 allows omission of
// properties and components, white and black lists, value types; the
// per-attribute mode of the policy decides between choosing and passing the
// vagueness on, paper 2.3 / 5.3):
//
// 1. Omitted attribute. FleRD cannot say "value unknown" (appendix A makes
//    Resource.value and Feature.value required), so an unspecified resource
//    or feature is one the element does not state at all. Only the policy
//    knows which ones are required: an AttributeDefault with `applies_to`
//    names the element types that need it (e.g. CPU and RAM for /node/host,
//    bandwidth for /link). Choose adds a Resource (value_type minimum, as the
//    complemented RAM/HDD of appendix B's OL1) or a Feature (priority 1,
//    request_flag true). With a substrate: a Feature takes the policy default
//    if a suitable substrate element offers it, else the value most suitable
//    elements offer; if no suitable element states the attribute at all, a
//    node's feature is passed on (the builder's white-list check would reject
//    every host that does not state it). A Resource amount is capped at the
//    largest capacity a suitable element offers; if none offers the attribute
//    it is passed on (a demand no substrate resource can host is unmappable).
//    "Suitable": of a type that can host the element and passing its white
//    and black lists, as in the builder. If no substrate element is suitable,
//    the substrate has nothing to say and the policy decides alone.
// 2. White list: several Features with one attribute (thesis 4.3.1,
//    disjunction). Choose keeps one: the policy default if it lies in the
//    list (and the substrate offers it), else the option of best priority
//    (lowest number, as the builder ranks them) that the substrate offers, or
//    without a substrate the option of best priority.
// 3. Unspecified Feature value: "", "*" or a value with a `generic` level
//    ("/NA/generic": anywhere under /NA, thesis 4.3.3). The levels before the
//    vague one restrict the choice, which then works as in 2.
//    Black-listed values (/not/<attribute>) are never chosen.
// 4. Generic element type (a `generic` level in ne_type, paper 2.4). Choose
//    picks a concrete type of the same depth (the lower levels select the
//    embedding plugin and stay the substrate's business, type_path.h): with a
//    substrate, the policy default if a suitable element has it, else the type
//    most suitable elements have (if they name none, the type is passed on:
//    a concrete type would exclude them all); without, the policy's type
//    default, which must refine the requested type.
// 5. Value range: a minimum and a maximum Resource of one attribute on one
//    element (thesis 5.3.2 req_min/req_max). Choose writes one Resource,
//    value_type constant, at the lower end: the value that maximises
//    acceptance; minimum > maximum is an error. A single minimum or maximum
//    is a complete requirement in the thesis (appendix B's OL1 keeps them and
//    the MIP enforces them as req_min/req_max), so it is kept unless
//    `resolve_single_bounds`: then a minimum becomes a constant at it and a
//    maximum a constant at the policy default, capped at the maximum.
//    Attributes whose last level is in `bound_leaves` (latency: a property of
//    the path, thesis 5.5.5) are bounds, never resolved to a value.
//
// The request's own constraints hold for every choice: white and black lists
// of the element, and ConstraintGroups (thesis 4.3.1): members of an `equals`
// group get one value for the group's attribute (a member that already
// states one fixes it, as the prototype fixes Feature values by the group
// solution, thesis 8.2.1), members of a `distinct` group different ones.
// The groups themselves are copied, not solved: the MIP solves them (5.5.6).
// A choice that cannot satisfy them is an error naming the element, the
// attribute and the conflict. Abstract service resources (/service/...),
// interface Features and Resources, and implicit links (interfaces connected
// without a link element) are copied as requested.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "flerd/model.h"

namespace cloudnet::flerd {

// Choose: the completing provider fixes a value. Pass on: the vagueness stays
// in the completed layer for downstream players (paper 5.3; a VNP may pass
// on, a PIP that maps must choose what its mapping and embedding need).
enum class CompletionMode { kChoose, kPassOn };

// The policy for one Resource or Feature attribute.
struct AttributeDefault {
  CompletionMode mode = CompletionMode::kChoose;
  // ne_type prefixes of the elements that must state this attribute (rule 1);
  // a generic level in an element's type matches, so /node/generic counts as
  // a /node/host. Empty: the default only resolves vague values.
  std::vector<std::string> applies_to;
  std::optional<std::string> value;  // Feature default
  std::optional<double> amount;      // Resource default
  std::optional<std::string> unit;   // resource_unit of an added Resource
  // Attributes that state the same requirement: a link with
  // /link/generic/upstream/bandwidth does not lack /link/symmetric/bandwidth.
  std::vector<std::string> equivalents;
};

struct CompletionPolicy {
  // Keyed by attribute path (/virtualization/technology, /host/generic/CPU/amount).
  std::map<std::string, AttributeDefault> attributes;
  // Mode of attributes without an entry (white lists, vague values, ranges).
  CompletionMode default_mode = CompletionMode::kChoose;
  // Rule 4: generic element types.
  CompletionMode type_mode = CompletionMode::kChoose;
  std::map<std::string, std::string> type_defaults;  // /node/host/generic -> /node/host/server
  // Rule 5.
  bool resolve_single_bounds = false;
  std::set<std::string> bound_leaves = {"latency"};
  // Also write OL_n -> OL_n+1 ResourceMappings (appendix B omits them).
  bool resource_mappings = false;
  // The completed layer's GraphLabel.role_identifier; default: the source's.
  std::optional<std::string> role_identifier;
  // The OL graph_nr to complete; default: the highest.
  std::optional<std::int64_t> source_layer;

  // The vocabulary of vocabulary.h: /virtualization/technology = kvm for
  // /node/host, 1 CPU core and 1 GB RAM for /node/host, 10 Mbps symmetric
  // bandwidth for /link, /node/host/generic -> /node/host/server,
  // /link/generic -> /link/ethernet; every mode choose (a PIP).
  static CompletionPolicy pip();
  // The same defaults with every mode pass-on (a VNP forwarding the request).
  static CompletionPolicy vnp();

  CompletionMode mode_of(std::string_view attribute) const;
};

enum class ChoiceReason {
  kPolicyDefault,    // the policy's default
  kSubstrateOffers,  // what the substrate offers decided
  kKeptAsRequested,  // a value the request names (best option, lower end of a range)
  kConstraintGroup,  // fixed by an `equals` ConstraintGroup
  kPassedOn,         // left vague for downstream players
};
const char* to_string(ChoiceReason r);

// One decision of the completion, for the record the PIP and VNP keep.
struct Choice {
  std::string element;    // id in the source layer
  std::string completed;  // id of its copy ("" when the document came back unchanged)
  std::string attribute;  // Resource/Feature attribute, or "ne_type"
  std::string value;      // value written; for kPassedOn the vague value kept
  ChoiceReason reason = ChoiceReason::kPassedOn;
  std::string why;  // e.g. "substrate offers only /NA/Canada"

  // "c:vhost1 /virtualization/technology = kvm (policy default: ...)".
  std::string describe() const;
};

struct Completion {
  Document document;              // the request plus the completed layer
  std::int64_t source_nr = 0;     // graph_nr of the completed OL
  std::int64_t completed_nr = 0;  // graph_nr of the new OL (== source_nr if unchanged)
  bool added_layer = false;       // false: the source already was complete
  std::vector<Choice> choices;    // in element order
  // Source id -> completed id, for elements, interfaces and resources.
  std::map<std::string, std::string> completed_ids;

  // True if some choice wrote a value (not only passed vagueness on).
  bool changed() const;
};

// Completes `request` (see above). `substrate`: a document with a UL layer
// (the highest is used, as by the builder) whose offers inform the choices.
// Errors name the element and the attribute ("file: c:vhost1: /attr: ..."):
// kInvalidArgument for a request or substrate with reference or validation
// errors, no OL layer, a request contradicting itself (minimum > maximum,
// `equals` members stating different values) or a policy that does (a type
// default that does not refine the type, a negative amount); kInfeasible
// when no value satisfies the request's constraints, the policy and the
// substrate together.
Result<Completion> complete_request(const Document& request, const CompletionPolicy& policy,
                                    const Document* substrate = nullptr);

}  // namespace cloudnet::flerd
