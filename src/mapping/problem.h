// The embedding problem of thesis ch. 5 in index form: the sets and
// constants of Tables 5.1 and 5.2, extracted once from FleRD (problem_builder.h)
// and shared by the MIP formulation, the exhaustive reference solver, the fast
// embedders and the independent checker.
//
// Flow resources (thesis 5.3.3): a flow consumes on every substrate element
// it touches each bandwidth resource of that element:
//   - a both-ways resource: the flow's throughput there, max(in, out);
//   - an upstream (downstream) resource of a two-interface link: the flow
//     entering through the first (second) interface; a symmetric flow
//     reserves both directions whichever way it travels (Figure 5.3 a);
//   - an interface resource (5.5.2): the flow on the arc through it.
// Per virtual link, symmetric flows (the pairs of a shared medium) share one
// reservation, the maximum of their needs (exp_in / exp_out); upstream and
// downstream flows add up. Links sum up against the capacity.
//
// Graph representation (thesis 5.3.1): every substrate NetworkElement, node or
// link, is a vertex; every connection of two interfaces gives two arcs, one
// per direction. Virtual nodes are placed on substrate nodes (map_node);
// virtual links become flows (5.3.3, Fl(u)) routed over arcs.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "flerd/model.h"
#include "flerd/type_path.h"

namespace cloudnet::mapping {

enum class ValueType { kMinimum, kMaximum, kConstant };  // VT, thesis 5.3.2
const char* to_string(ValueType v);

// A substrate resource r_S: one capacity that may be offered by several
// elements at once (a shared NFS volume, thesis 4.4 / Figure 4.2), so the
// capacity holds for their sum (Figure 5.2, `capacity`).
struct SubstrateResource {
  std::string id;  // FleRD Resource id
  flerd::TypePath attribute;
  double capacity = 0;        // cap(r_S), the total
  double used = 0;            // already allocated to other VNets; free = capacity - used
  std::vector<int> elements;  // substrate elements that list it
  double load_weight = 1;     // weight_{r_S} of the load objective
  // Bandwidth of a two-interface substrate link that counts one direction
  // only (thesis 5.3.3 full-duplex): kUp is traffic entering through the
  // link's first interface, kDown through its second.
  enum class Direction { kBoth, kUp, kDown } direction = Direction::kBoth;
  bool is_bandwidth = false;  // hosts flow resources (R_f)
  bool is_interface = false;  // an interface bottleneck (5.5.2)
};

struct SubstrateElement {
  std::string id;  // FleRD NetworkElement id
  std::string identifier;
  flerd::TypePath type;
  bool is_link = false;
  std::vector<flerd::Feature> features;
  std::vector<int> resources;  // indices into Problem::substrate_resources
  // ms a flow's path accumulates when it crosses this element; the source
  // and sink hosts of a flow do not count (5.5.5 sums over the elements a
  // subflow is mapped on; hosts add no forwarding delay of their own here).
  double latency = 0;
};

// One direction of an interface connection.
struct SubstrateArc {
  int from = -1;  // substrate element indices
  int to = -1;
  int reverse = -1;  // the arc of the opposite direction
  // Interface bottleneck resources (5.5.2): bandwidth leaving `from` through
  // its interface, and entering `to` through its interface; -1 if none.
  int out_resource = -1;
  int in_resource = -1;
  // Direction on `to` if `to` is a two-interface link with directional
  // bandwidth: kUp if the arc enters through its first interface.
  SubstrateResource::Direction to_direction = SubstrateResource::Direction::kBoth;
};

// A requested amount of a virtual resource r_V (req(u, r_V, s)).
struct Demand {
  std::string resource_id;  // FleRD Resource id in the request
  flerd::TypePath attribute;
  ValueType value_type = ValueType::kMinimum;
  double amount = 0;
};

struct VirtualNode {
  std::string id;
  std::string identifier;
  flerd::TypePath type;
  std::vector<flerd::Feature> features;
  std::vector<Demand> demands;  // node resources (CPU, RAM, disk, ...)
};

struct VirtualLink {
  std::string id;
  std::string identifier;
  flerd::TypePath type;
  std::vector<flerd::Feature> features;  // white/black lists apply to every element crossed
  std::vector<int> endpoints;            // virtual node indices, in interface order
  // Bandwidth: either symmetric (one capacity for both directions, one flow
  // per endpoint pair) or upstream/downstream (a flow each way).
  std::optional<Demand> bandwidth;    // /link/symmetric/bandwidth
  std::optional<Demand> upstream;     // endpoint 0 -> 1
  std::optional<Demand> downstream;   // endpoint 1 -> 0
  std::optional<double> max_latency;  // ms, per path (5.5.5)
  std::optional<double> min_latency;
  // A connection of two virtual nodes without a link element (thesis
  // appendix B OL0): connectivity only, no resources.
  bool implicit = false;
};

// A flow f in Fl(u) (thesis 5.3.3): `amount` units from the substrate node
// hosting virtual node `source` to the one hosting `sink`.
struct Flow {
  int link = -1;
  int source = -1;  // virtual node indices
  int sink = -1;
  double amount = 0;
  // The demand the flow carries: symmetric bandwidth flows consume
  // kBoth-direction capacity; upstream/downstream flows consume the
  // direction they travel in.
  enum class Kind { kSymmetric, kUpstream, kDownstream } kind = Kind::kSymmetric;
};

// A ConstraintGroup's meaning for the mapping (thesis 5.5.6, 4.3.1).
struct GroupConstraint {
  enum class Kind {
    kDistinct,  // no two members share a substrate element (anti-co-location;
                // for links: element-disjoint paths apart from the endpoints)
    kColocate,  // all members on the same substrate node
    kEquals,    // members' hosts agree on the value of `attribute` (binary compatibility)
  } kind = Kind::kDistinct;
  std::vector<int> nodes;  // virtual node indices
  std::vector<int> links;  // virtual link indices
  flerd::TypePath attribute;
  std::string relation;  // as written
};

// prop(r_V, r_S) (thesis 5.3.3 / Figure 5.2 `resource`): a virtual resource
// of type `hosted` may be hosted by a substrate resource of type `host`; one
// substrate unit provides `factor` virtual units (as Problem::Host::factor).
struct PropRule {
  flerd::TypePath hosted;
  flerd::TypePath host;
  double factor = 1;
};

// The objectives, exactly (objective.h evaluates them for a Solution):
//  kMinCost (thesis 5.4.1, first): sum over nodes u, demands k, allocations
//    (r, a) of weight(u, host(u)) * a, plus for every virtual link its
//    consumption (problem.h, flow resources) summed over all bandwidth
//    resources, plus migration cost.
//  kLoadBalance (5.4.1, second): c * max_load + sum_r load(r) + migration
//    cost, load(r) = weight_r * (used_r + new use of r) / capacity_r over the
//    resources the request uses or could use (every resource with capacity > 0).
//  kEnergy: the number of substrate elements that host anything of the
//    request and hosted nothing before (used == 0 on all their resources),
//    plus 1e-3 times the kMinCost value as a tie-breaker.
// Migration cost (5.3.5): for each virtual node with an existing host,
// penalty(u) if it moves plus transit(u, v) of its new host v; for each
// virtual link with existing elements, link_penalty if the set of elements
// its flows touch changes.
enum class Objective {
  kMinCost,
  kLoadBalance,
  kEnergy,
};
const char* to_string(Objective o);
std::optional<Objective> objective_from_string(std::string_view s);

struct Options {
  Objective objective = Objective::kMinCost;
  bool no_split = false;     // one substrate path per flow
  bool no_colocate = false;  // no two virtual nodes of the VNet on one substrate node
  double load_c = -1;        // c of the load objective; < 0 = sum of weight_{r_S} + 1
  double min_alloc = 0;      // min_alloc_{r_V} (relate_V)
  int path_parts = 1;        // subflows per latency-bounded flow (5.5.5 FParts); only 1 so far
  std::vector<PropRule> prop_rules;  // extra rules besides "same attribute family"
  // Extra hosting rules for element types, (hosted, host): a virtual
  // element under `hosted` may sit on a substrate element under `host`.
  // Virtual network functions such as the splitters of thesis 4.4 run on
  // hosts, so /node/splitter -> /node/host is there by default.
  std::vector<std::pair<flerd::TypePath, flerd::TypePath>> type_rules = {
      {flerd::TypePath::parse_lenient("/node/splitter"),
       flerd::TypePath::parse_lenient("/node/host")}};
};

// suit()'s type part: the hierarchy rule of CloudNet paper 2.4 or a type rule.
bool type_hostable(const Options& options, const flerd::TypePath& hosted,
                   const flerd::TypePath& host);

// An existing embedding of the elements being (re)mapped, for
// migration-aware mapping (thesis 5.3.5): old(u, v), penalty(u), transit(u, v).
struct Existing {
  std::vector<int> node_host;                   // per virtual node, -1 = new
  std::vector<std::vector<int>> link_elements;  // per virtual link, elements it used
  std::vector<double> node_penalty;             // penalty(u), per virtual node
  std::vector<double> link_penalty;             // per virtual link (epsilon by default)
  // transit(u, v) for nodes: cost of moving u onto v; empty = 0.
  std::vector<std::vector<double>> node_transit;
};

struct Problem {
  // Substrate (UL).
  std::vector<SubstrateElement> substrate;
  std::vector<SubstrateResource> substrate_resources;
  std::vector<SubstrateArc> arcs;
  std::vector<std::vector<int>> out_arcs;  // per substrate element
  std::vector<std::vector<int>> in_arcs;

  // Request (OL).
  std::vector<VirtualNode> nodes;
  std::vector<VirtualLink> links;
  std::vector<Flow> flows;
  std::vector<GroupConstraint> groups;

  // suit(u, v) and weight(u, v) for virtual nodes x substrate elements
  // (only substrate nodes can be suitable).
  std::vector<std::vector<char>> node_suitable;
  std::vector<std::vector<double>> node_weight;
  // Per virtual link, the substrate elements its flows may cross (black
  // lists, types).
  std::vector<std::vector<char>> link_allowed;
  // prop(r_V, r_S) per node demand: for node u, demand k, the substrate
  // resources that can host it with their factor.
  struct Host {
    int resource = -1;
    double factor = 1;  // prop(r_V, r_S): virtual units per substrate unit
  };
  std::vector<std::vector<std::vector<Host>>> demand_hosts;  // [u][k] -> hosts
  Options options;
  std::optional<Existing> existing;

  // Helpers.
  int substrate_index(std::string_view element_id) const;
  int node_index(std::string_view node_id) const;
  std::vector<int> substrate_nodes() const;  // indices of non-link elements
};

}  // namespace cloudnet::mapping
