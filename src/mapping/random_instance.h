// Small Problems for tests: helpers to assemble a consistent Problem by hand,
// and a generator of random small instances (for the exhaustive reference
// solver, the checker and cross-checks of the MIP formulation).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mapping/problem.h"

namespace cloudnet::mapping {

// --- Building a Problem by hand ------------------------------------------
// Substrate elements: a link element gets two arcs (one per direction) per
// end, ends in interface order. For a two-interface link the arcs into it
// carry to_direction kUp (from its first end) and kDown (from its second).
int add_substrate_node(Problem& p, std::string id, double latency = 0);
int add_substrate_link(Problem& p, std::string id, const std::vector<int>& ends,
                       double latency = 0);
// A resource offered by `elements` (one capacity for all of them).
int add_substrate_resource(Problem& p, std::string id, std::string_view attribute, double capacity,
                           const std::vector<int>& elements, double used = 0);
// A bandwidth resource (is_bandwidth) of one element; kUp / kDown only on
// two-interface links.
int add_bandwidth(Problem& p, std::string id, int element, double capacity,
                  SubstrateResource::Direction direction = SubstrateResource::Direction::kBoth,
                  double used = 0);
// An interface bottleneck (5.5.2) of `node`'s interface towards `link`: the
// out_resource of arc node->link and the in_resource of arc link->node (one
// capacity for both directions). Listed by `node`.
int add_interface_bandwidth(Problem& p, std::string id, int node, int link, double capacity,
                            double used = 0);
// The arc from -> to, or -1.
int find_arc(const Problem& p, int from, int to);

Demand make_demand(std::string resource_id, std::string_view attribute, double amount,
                   ValueType value_type = ValueType::kMinimum);
int add_virtual_node(Problem& p, std::string id, std::vector<Demand> demands = {});
int add_virtual_link(Problem& p, std::string id, std::vector<int> endpoints,
                     std::optional<Demand> bandwidth, std::optional<Demand> upstream = {},
                     std::optional<Demand> downstream = {});

// Fl(u) (thesis 5.3.3) as problem.h describes it: symmetric bandwidth gives
// one kSymmetric flow per unordered endpoint pair (i < j: endpoints[i] ->
// endpoints[j]); upstream a kUpstream flow endpoints[0] -> endpoints[1];
// downstream a kDownstream flow endpoints[1] -> endpoints[0]. Links without
// bandwidth get no flow. Replaces problem.flows.
void derive_flows(Problem& p);

// Completes a hand-built Problem: out_arcs / in_arcs from the arcs, flows
// (derive_flows), and, where their sizes do not match yet, node_suitable (every
// substrate node), node_weight (1), link_allowed (every element) and
// demand_hosts (every substrate resource with the demand's attribute, factor 1).
void finalize(Problem& p);

// --- Random instances ----------------------------------------------------
struct RandomSpec {
  int min_substrate_nodes = 3;
  int max_substrate_nodes = 6;
  int min_virtual_nodes = 2;
  int max_virtual_nodes = 4;
  int max_virtual_links = 4;
  // Fixed objective (kEnergy also sets no_split, which the exhaustive solver
  // needs for it); nullopt: kMinCost or kLoadBalance at random, and sometimes
  // kEnergy when the instance has no_split and allow_energy is set.
  std::optional<Objective> objective;
  bool allow_energy = true;
  double p_no_split = 0.3;
  double p_no_colocate = 0.2;
  double p_latency = 0.2;      // a latency bound on one virtual link
  double p_distinct = 0.15;    // a kDistinct group (link groups only with no_split)
  double p_existing = 0.25;    // an Existing mapping (link elements only with no_split)
  double p_other_group = 0.1;  // a kColocate or kEquals group
};

// A small consistent random instance: 3-6 substrate nodes joined by
// two-interface link elements (sometimes parallel, sometimes directional
// up/down bandwidth), sometimes a three-interface shared medium, node
// bandwidth, an interface bottleneck or a disk resource shared by two nodes;
// random capacities and `used`; 2-4 virtual nodes with minimum / maximum /
// constant demands; 1-4 virtual links (sometimes a three-endpoint shared
// medium), symmetric or upstream/downstream bandwidth; random suitability,
// weights, link black lists; sometimes no_split, no_colocate, a latency
// bound, groups, an Existing mapping. path_parts stays 1. Deterministic in
// `seed` on every platform.
Problem random_problem(std::uint64_t seed, const RandomSpec& spec = {});

}  // namespace cloudnet::mapping
