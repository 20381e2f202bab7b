// A lab substrate: a PIP's underlay (FleRD UL graph) made real on one
// machine. Every substrate node (host, switch, router) becomes a network
// namespace with IP forwarding on; every substrate link a veth pair (a link
// with more than two ends, a shared medium, becomes a hub namespace with one
// veth pair per end: there is no Linux bridge in this kernel); addresses come
// from private ranges and exist only inside the lab's namespaces, so the root
// namespace's routing is never touched.
//
// Each lab node has one /32 address on its loopback: the address other
// nodes route to and the VXLAN tunnel endpoint of the virtual links it
// terminates (lab.h), so a VTEP does not depend on which wire a packet takes.
// Routes are the UL graph's shortest paths by hop count, computed here, with
// that loopback address as source so replies find their way back.
//
// Planning is pure (unit-testable without root, deterministic: the same
// document and tag give the same names and addresses, so a restarted PIP can
// adopt a running lab); building is all-or-nothing.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "flerd/model.h"
#include "netlab/names.h"

namespace cloudnet::netlab {

// One namespace of the lab.
struct LabNode {
  std::string element;     // FleRD id, e.g. s:host1; for a hub the link's id
  std::string identifier;  // e.g. SHost1 (empty if the document has none)
  std::string type;        // e.g. /node/host/server; /link/... for a hub
  std::string netns;       // cn-<tag>-s-<element>
  std::string address;     // dotted quad, on lo as /32
  bool hub = false;        // stands for a shared-medium substrate link
};

// One veth pair: a substrate link (or one end of a shared medium).
struct LabWire {
  std::string link;  // the substrate link element's id
  int a = -1;        // LabNode indices
  int b = -1;
  std::string dev_a, dev_b;              // interface names in each namespace (<= 15 chars)
  std::string addr_a, addr_b;            // "10.200.0.1/30"
  std::optional<double> bandwidth_mbps;  // from the link's bandwidth resource
};

struct LabRoute {
  int node = -1;     // where the route is installed
  std::string dest;  // "10.201.0.3/32"
  std::string via;   // next hop address
  std::string dev;
  std::string src;  // the node's own loopback address
};

struct SubstrateOptions {
  // Wires take consecutive /30s from here; loopbacks consecutive addresses.
  std::string wire_range = "10.200.0.0/16";
  std::string loopback_range = "10.201.0.0/16";
  // Shape each wire to its link's bandwidth with tbf (both directions).
  bool shape_links = true;
  // Which UL graph; default the only one, else UL0.
  std::optional<std::int64_t> ul_layer;
};

struct SubstratePlan {
  Tag tag = Tag::for_process();
  std::vector<LabNode> nodes;
  std::vector<LabWire> wires;
  std::vector<LabRoute> routes;
  bool shape_links = true;

  // By FleRD id or identifier; null if none.
  const LabNode* find(std::string_view element) const;
  // Multi-line summary: namespaces, wires with addresses, routes.
  std::string describe() const;
};

// Plans the lab of a document's UL graph. kInvalidArgument for a document
// without a UL graph, without nodes, with names that collide after
// sanitizing, or too large for the address ranges.
Result<SubstratePlan> plan_substrate(const flerd::Document& doc, const Tag& tag,
                                     const SubstrateOptions& options = {});

// Creates every namespace, wire, address and route of the plan. On failure
// removes what it made and returns the first error (naming the command).
Status build_substrate(const SubstratePlan& plan);
// Deletes the plan's namespaces (and with them wires and routes, and the
// VXLAN devices made in them). Idempotent.
Status remove_substrate(const SubstratePlan& plan);

// tc arguments for a token bucket at `mbps` on dev (shared with lab.h):
// burst 5 ms of traffic (at least 32 KB, so GSO packets pass), 50 ms queue.
std::vector<std::string> tbf_args(const std::string& dev, double mbps);

}  // namespace cloudnet::netlab
