// Embedding units: everything of one VNet that one substrate NetworkElement
// hosts, cut out of a mapping document (OL + ML0 + UL + ResourceMappings,
// thesis 4.4; see mapping/output.h).
//
// CloudNet paper 4.2.2, "Automated Link Provisioning": "In the Mapping Layer
// graph [virtual links] are split up into segments, one for each substrate
// network element they are mapped to ... For each of these components
// appropriate Embedding Plugin is called." So the unit of embedding is the
// substrate element: a server gets the virtual nodes it hosts plus the
// segments of the virtual links that end or pass there; a switch or a
// substrate link gets the segments that cross it. The plugin is chosen once
// per unit by the substrate element's type (paper 2.4).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "flerd/model.h"
#include "flerd/type_path.h"

namespace cloudnet::embed {

// An amount of one substrate resource given to a virtual element: an ML
// resource and the ResourceMapping ML resource -> substrate resource.
struct Allocation {
  std::string attribute;           // e.g. /host/generic/CPU/amount
  double amount = 0;               // the ML resource's value (virtual units)
  std::string unit;                // e.g. "cores", "Mbps"; empty if none given
  std::string ml_resource;         // the ML0 resource id
  std::string substrate_resource;  // the substrate resource that hosts it
  double substrate_amount = 0;     // taken from it (hosting rule factor applied)

  bool operator==(const Allocation&) const = default;
};

// A virtual node hosted on the unit's substrate element.
struct UnitNode {
  std::string id;          // the overlay element id: what provisioning names
  std::string identifier;  // ne_identifier (thesis 8.2.2)
  std::string ml_id;       // its mapping-layer element
  std::string type;        // the requested type, e.g. /node/host/generic
  std::vector<Allocation> allocations;
  std::vector<std::string> interfaces;  // identifiers of its virtual interfaces

  // The identifier, or the id when the overlay gave none.
  const std::string& name() const { return identifier.empty() ? id : identifier; }
  bool operator==(const UnitNode&) const = default;
};

// Where a virtual link attaches to a virtual node hosted on this element.
struct LinkEnd {
  std::string node;       // overlay node id
  std::string interface;  // the node's interface identifier (eth0, ...)

  bool operator==(const LinkEnd&) const = default;
};

// The part of a virtual link that one substrate element carries.
struct UnitSegment {
  std::string link;        // the overlay link id
  std::string identifier;  // ne_identifier
  std::string ml_id;       // its mapping-layer element
  std::string type;        // the requested type, e.g. /link/generic
  // Resources of this substrate element (or of its interfaces) the link uses.
  std::vector<Allocation> allocations;
  // Link ends whose virtual node this element hosts (a host terminates the
  // segment there; a switch has none).
  std::vector<LinkEnd> ends;
  // Substrate elements next to this one (connected interfaces) that carry
  // the same virtual link: where a data-plane plugin points its tunnel or
  // VLAN trunk.
  std::vector<std::string> adjacent;

  const std::string& name() const { return identifier.empty() ? link : identifier; }
  bool operator==(const UnitSegment&) const = default;
};

struct EmbeddingUnit {
  std::string net;  // net_identifier of the VNet
  std::string substrate;
  std::string substrate_identifier;
  flerd::TypePath substrate_type;
  std::vector<UnitNode> nodes;
  std::vector<UnitSegment> segments;
  // The whole mapping document, for plugins that need more than the unit (a
  // VNP's plugin builds the partial graph it sends to a PIP from it).
  std::shared_ptr<const flerd::Document> mapping;

  // "net@substrate": unique per VNet and substrate element.
  std::string key() const { return net + "@" + substrate; }
  const UnitNode* node(std::string_view id) const;
  bool empty() const { return nodes.empty() && segments.empty(); }
};

struct UnitOptions {
  // The VNet's name; default: net_identifier of the ML label, else of the
  // OL label.
  std::string net;
  // Which ML graph to embed; default: the only one, else ML0.
  std::optional<std::int64_t> ml_layer;
};

// The units of a mapping document, one per substrate element that hosts
// something, substrate nodes first, then substrate links, each in document
// order (the order prepare and apply visit them, and the reverse of the
// teardown order). Errors name the ML element and the reference that does not
// resolve: no ML graph, an ML element that hosts no overlay element, hosting
// references to elements missing from the document (the substrate layer must
// be in it), a VNet without a name.
Result<std::vector<EmbeddingUnit>> build_units(const flerd::Document& mapping,
                                               const UnitOptions& options = {});

// Whether two units make the same thing on their substrate element, so a
// re-embedding can keep the applied one without calling its plugin
// (Embedder::reembed). Equal when:
//  - net, substrate element, its identifier and its type are equal;
//  - the same virtual nodes (by overlay id; their order in the unit does not
//    matter), each with equal identifier, requested type and interfaces (in
//    order: the interface order is the device order), and the same
//    allocations as a multiset (order does not matter) compared on
//    attribute, amount, unit, substrate resource and substrate amount;
//  - the same link segments (by overlay link id, order does not matter), each
//    with equal identifier and type, the same allocations (as for nodes), the
//    same link ends (as a set: node and interface) and the same adjacent
//    substrate elements (as a set).
// Amounts compare exactly: the same request on the same substrate maps to the
// same numbers, and any other difference is a change to apply.
// Not compared: the ML ids (UnitNode::ml_id, UnitSegment::ml_id,
// Allocation::ml_resource), which only name elements of the mapping document
// and are renumbered when a link's path changes, and the mapping document
// itself. A kept unit keeps its own document, so a plugin that looks into it
// sees the one the unit was applied with.
bool same_embedding(const EmbeddingUnit& a, const EmbeddingUnit& b);

// One line per unit for logs and journals, e.g.
// "s:host1 (/node/host/server): node c:vhost1 [CPU 2 cores, RAM/real 1 GB];
//  segment c:link1 [ends c:vhost1/eth0; next s:link1]".
std::string describe(const EmbeddingUnit& unit);
// "CPU 2 cores": the attribute without its category and generic levels.
std::string describe(const Allocation& allocation);

}  // namespace cloudnet::embed
