// Importers: public substrate topologies -> FleRD documents (library
// cloudnet_flerd_import). Each importer reads one network and returns a
// document with one Topology: a GraphLabel (UL 0, or OL 0 for a request),
// one NetworkElement per node and one per undirected link. A link element has
// two NetworkInterfaces, each connected to an interface of one end node, and
// a node has one interface per incident link, so GraphView sees
// node - link - node (thesis 5.3.1).
//
// Ids are generated, never taken from the source (Rocketfuel router names
// contain '+' and ','): with id_prefix "s" node i is s:n<i>, its k-th
// interface s:n<i>i<k>, link j is s:l<j> with interfaces s:l<j>i0 / s:l<j>i1,
// and a capacity of an element is the Resource <element id><what>, e.g.
// s:n12cpu, s:l7bw, s:l7lat. Nodes and links are numbered in file order.
// The source's own name goes into `identifier` (not unique in the Topology
// Zoo, whose labels repeat) and, where it helps, `alias`.
//
// Resources (one Resource object per capacity, request_flag false, units
// as in flerd/vocabulary.h):
//   nodes  kCpu "cores" (virne GML: "units"), kGpu "units", kRam "GB",
//          kDisk "GB": values from the file where it has them (virne
//          cpu/gpu/ram), else the defaults of ImportOptions;
//   links  kBandwidth "Mbps" (one capacity shared by both directions),
//          kLatency "ms", kWeight "units" (Rocketfuel only).
// A default of 0 leaves that Resource out. Virne's numbers are abstract; they
// are written as they are, in the vocabulary's units.
//
// Per format:
// - Rocketfuel (weights.intra [+ latencies.intra]): every link is listed in
//   both directions; the two lines become one link. The weight is a kWeight
//   Resource; latencies.intra gives kLatency (ms), and must list exactly the
//   directed pairs of weights.intra. Without it the link gets the default
//   latency. Bandwidth is the default. identifier = the router name,
//   alias = its PoP ("San+Jose,+CA4062" -> "San Jose, CA"). Network name
//   "AS<n>" from the folder the file is in (rocketfuel/1221/...).
// - GraphML (Topology Zoo): <data> keys are mapped through attr.name (key ids
//   differ per file); parallel edges stay separate links. Node label ->
//   identifier (alias = the GraphML node id); Country -> kCountry "/<Country>"
//   (the Zoo has no continent); label -> kCity "/<Country>/<label>" (only
//   when the country is known); Latitude/Longitude -> kLatitude/kLongitude.
//   Hyperedge pseudo-nodes and external (Internal=0) nodes stay nodes, so
//   counts match the Zoo. LinkSpeedRaw (bit/s) / 1e6 -> bandwidth in Mbps,
//   else the default. Latency: great-circle distance between the ends /
//   speed of light in fibre (see great_circle_latency_ms), else the default.
//   Edges are read as undirected whatever edgedefault says. Network name:
//   graph attribute Network, else label, else the file name.
// - SNDlib (JSON): capacity of a link = pre_installed_capacity when it is
//   not 0 (only abilene has one; it is what is installed today); otherwise
//   one module of the largest module_capacity, i.e. the largest capacity a
//   single installation can give (a link with neither gets the default).
//   The network file does not say whether links are directed; we read them
//   undirected, and links between the same two nodes (janos-us lists every
//   pair twice, once per orientation) are merged into one link whose
//   capacity is the SUM of theirs: read as two parallel undirected links or
//   as one per direction, the pair carries that much in total, and kBandwidth
//   is one pool shared by both directions. identifier = the link ids joined
//   by '+' ("L0+L5"). Capacities are in SNDlib's demand unit, taken as Mbps
//   (abilene and geant say MBITPERSEC). Coordinates -> kLatitude/kLongitude,
//   latency from the great-circle distance. Demands are not imported.
// - GML (virne, networkx): node cpu/gpu/ram -> kCpu/kGpu/kRam, edge bw ->
//   kBandwidth (max_* copies ignored; `pos`, virne's unit-square drawing
//   position, is not a geographic position and is ignored); Topology Zoo GML
//   (virne/Geant.gml) attributes as for GraphML. Network name: graph
//   attribute Network, else label, else name, else the file name. Edges are
//   read as undirected (also with `directed 1`); parallel edges
//   (`multigraph 1`) stay separate links. Graph attributes id, arrival_time
//   and lifetime (virne v_net requests) are kept in the GraphLabel tag as
//   "id=0;arrival_time=5.0;lifetime=14.45..." (the source's text, in that
//   order, those present).
//
// as_request (virne v_net files): graph type OL, node type
// /node/host/generic (unless node_type is set), links /link/generic,
// interfaces /interface/generic; every Resource and Feature has
// request_flag true and Resources value_type "minimum". A request asks only
// for what its file states: the defaults are not added.
//
// Errors are values (no exception leaves these functions), with file:line
// where the format has lines: Rocketfuel and GML line numbers, GraphML and
// SNDlib JSON the line of the offending element.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "flerd/model.h"

namespace cloudnet::flerd {

struct ImportOptions {
  std::string role_identifier = "PIP";  // GraphLabel role_identifier
  std::string net_identifier;           // GraphLabel net_identifier; "" = the network's name
  std::string id_prefix = "s";          // QName prefix of every id; "" = unprefixed ids
  std::string namespace_uri;  // URI declared for id_prefix; "" = /cloudnet/import/<format>
  // Substrate defaults for what the source does not give; 0 = leave out.
  double default_cpu = 100;               // cores
  double default_gpu = 0;                 // units
  double default_ram_gb = 256;            // GB
  double default_disk_gb = 4096;          // GB
  double default_bandwidth_mbps = 10000;  // Mbps
  double default_latency_ms = 1;          // ms
  // ne_type of nodes; "" = vocab::kNodeServer, or vocab::kNodeGeneric with as_request.
  std::string node_type;
  bool as_request = false;  // write an OL request instead of a UL substrate (see above)
};

// Rejects options that cannot give a valid document (an id prefix that is
// not an XML name, a negative default, a node type outside /node, an empty
// role, ...). Every importer checks this first.
Status check_import_options(const ImportOptions& opts);

enum class ImportFormat { kRocketfuel, kGraphml, kSndlib, kGml };

const char* to_string(ImportFormat f);
// "rocketfuel", "graphml", "sndlib", "gml" (case-insensitive).
std::optional<ImportFormat> import_format_from_name(std::string_view name);
// By extension: .intra, .graphml, .json, .gml.
std::optional<ImportFormat> import_format_from_path(std::string_view path);

Result<Document> import_rocketfuel(const std::string& weights_path,
                                   const std::optional<std::string>& latencies_path,
                                   const ImportOptions& opts);
Result<Document> import_graphml(const std::string& path, const ImportOptions& opts);
Result<Document> import_sndlib(const std::string& path, const ImportOptions& opts);
Result<Document> import_gml(const std::string& path, const ImportOptions& opts);

// The same from text in memory; `source_name` is used in messages and, like a
// path, for the network name fallback.
Result<Document> import_rocketfuel_text(std::string_view weights, const std::string& weights_name,
                                        std::optional<std::string_view> latencies,
                                        const std::string& latencies_name,
                                        const ImportOptions& opts);
Result<Document> import_graphml_text(std::string_view text, const std::string& source_name,
                                     const ImportOptions& opts);
Result<Document> import_sndlib_text(std::string_view text, const std::string& source_name,
                                    const ImportOptions& opts);
Result<Document> import_gml_text(std::string_view text, const std::string& source_name,
                                 const ImportOptions& opts);

// Dispatcher. `latencies_path` is for Rocketfuel only (an error otherwise).
Result<Document> import_topology(ImportFormat format, const std::string& path,
                                 const ImportOptions& opts,
                                 const std::optional<std::string>& latencies_path = std::nullopt);
Result<Document> import_topology(std::string_view format_name, const std::string& path,
                                 const ImportOptions& opts,
                                 const std::optional<std::string>& latencies_path = std::nullopt);

// Propagation delay in ms over the great-circle distance between two points
// (degrees): haversine distance on a sphere of radius 6371.0088 km (the
// mean Earth radius) divided by the speed of light in fibre, about
// 2e5 km/s (c / refractive index ~1.47), i.e. 1 ms per 200 km; rounded to
// the microsecond.
double great_circle_latency_ms(double lat1, double lon1, double lat2, double lon2);

}  // namespace cloudnet::flerd
