// The substrate of thesis 7.1.1: a graph G = (V, E) whose nodes have a
// strength ω(v), a provider (PIP) and a time zone, and whose links have a
// latency λ(e) and a migration bandwidth ω(e). Plus readers for edge lists
// (Rocketfuel .intra) and the generators of thesis 7.5.2.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace cloudnet::migration {

using NodeId = int;

// An undirected substrate link.
struct Link {
  NodeId a = 0;
  NodeId b = 0;
  double latency = 1.0;    // λ(e), the access-cost metric
  double bandwidth = 1.0;  // ω(e) in Mbit/s, reserved for migrations
};

struct Substrate {
  std::vector<std::string> names;     // node names, unique
  std::vector<double> strength;       // ω(v), used by the optional load term
  std::vector<int> pip;               // provider of each node, 0..num_pips()-1
  std::vector<int> zone;              // time zone of each node, -1 if none
  std::vector<Link> links;            // each undirected link once
  std::vector<NodeId> access_points;  // A ⊆ V, sorted

  int num_nodes() const { return static_cast<int>(names.size()); }
  int num_pips() const;
  int num_zones() const;  // 0 if no node has a zone
  // Index of the node with this name.
  Result<NodeId> find(std::string_view name) const;
  // Nodes of zone z (empty if none), in id order.
  std::vector<NodeId> zone_nodes(int z) const;
};

// Adds a node with default attributes (strength 1, PIP 0, no zone, access
// point) and returns its id.
NodeId add_node(Substrate& s, std::string name);

// Sizes agree, ids in range, latencies >= 0, bandwidths > 0, PIPs numbered
// densely from 0, the graph is connected and has at least one access point.
Status validate(const Substrate& s);

// Edge lists: one link per line, "<a> <b> <latency> [<bandwidth>]" (the
// Rocketfuel .intra format plus an optional bandwidth), '#' starts a comment.
// A link listed in both directions is kept once. Links without a bandwidth
// get one of `bandwidths` at random (thesis 7.5.2: T1 or T2).
struct EdgeListOptions {
  std::vector<double> bandwidths = {1.544, 6.312};
  std::uint64_t seed = 1;
};
Result<Substrate> parse_edge_list(std::string_view text, const EdgeListOptions& options);
Result<Substrate> read_edge_list(const std::string& path, const EdgeListOptions& options);

// Splits the nodes into `zones` time zones by farthest-point clustering on
// latency (for substrates without a zone structure, e.g. Rocketfuel maps):
// the first seed is the 1-median, each further seed the node farthest from
// all seeds, and every node joins its closest seed.
Status assign_zones_by_distance(Substrate& s, int zones);

// Attributes zones to `pips` providers round-robin (thesis 7.5.5: zone z
// belongs to PIP z mod pips). Nodes without a zone join PIP 0.
Status assign_pips_round_robin(Substrate& s, int pips);

// thesis 7.5.2: connected Erdős–Rényi graphs, partitioned into zones.
struct ZonedGraphParams {
  enum class Layout {
    kMesh,  // single provider: every pair of zones joined by one link
    kRing,  // multiple providers: zone i joined to zone i+1 (mod zones)
  };
  int nodes = 64;  // split over the zones as evenly as possible
  int zones = 8;
  double mean_degree = 1.4;  // of the Erdős–Rényi graph in a zone, before joining segments
  double intra_latency = 1.0;
  double inter_latency = 100.0;  // thesis 7.5.2: "incentive for migration"
  Layout layout = Layout::kMesh;
  int pips = 1;                                     // zones attributed to PIPs round-robin
  std::vector<double> bandwidths = {1.544, 6.312};  // T1, T2 (Mbit/s)
  std::uint64_t seed = 1;
};
Result<Substrate> zoned_erdos_renyi(const ZonedGraphParams& params);

// Shortest-path latencies from one node (Dijkstra), for callers that do
// not want the all-pairs table of CostModel.
std::vector<double> latencies_from(const Substrate& s, NodeId source);
// Largest bottleneck bandwidth of any path from one node (widest path);
// infinite for the source itself.
std::vector<double> widest_bandwidths_from(const Substrate& s, NodeId source);

}  // namespace cloudnet::migration
