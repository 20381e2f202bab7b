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
// Transit links (CloudNet paper 4.2.1). A lab with an Uplink has one more
// namespace, its tunnel bridge (cn-<tag>-g): a lab node wired to one
// substrate host like any other (its loopback address is a VTEP inside the
// lab), with a second veth into an exchange namespace cn-ix-<exchange> that
// stands for the network between providers. Every lab joining the exchange
// has one address there (a /32 on the tunnel bridge's "up0"; the rest of the
// prefix is reached on-link through the exchange, which routes each /32 to
// its lab's veth and answers ARP by proxy: there is no bridge in this
// kernel). The tunnel bridge is where a transit link's local VXLAN segment
// meets the tunnel towards the peer provider (lab.h, attach_transit); the
// providers see nothing of each other but these addresses. The exchange is
// shared: the first lab creates it, and it goes when the last lab's veth
// has gone (remove_substrate, cleanup).
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
  bool gateway = false;    // the tunnel bridge (element empty)
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

// A lab's way out to other providers' labs (above).
struct Uplink {
  std::string exchange;  // 1-8 characters [a-z0-9]: the namespace cn-ix-<exchange>
  std::string address;   // "10.250.0.1/16": this lab's address at the exchange and the
                         // prefix of every lab there
  std::string host;      // the substrate host the tunnel bridge hangs off; default the first
};

// "cn-ix-<exchange>"
std::string exchange_netns(std::string_view exchange);
// The tunnel bridge's identifier: Lab calls that take a host take it too.
inline constexpr const char* kTunnelBridge = "tunnel-bridge";
// The tunnel bridge's device towards the exchange, and the exchange's towards it.
inline constexpr const char* kUplinkDevice = "up0";
std::string exchange_device(const Tag& tag);  // "x-<tag>"
// Whether text is a dotted-quad IPv4 address.
bool is_ipv4(std::string_view text);

struct SubstrateOptions {
  // Wires take consecutive /30s from here; loopbacks consecutive addresses.
  std::string wire_range = "10.200.0.0/16";
  std::string loopback_range = "10.201.0.0/16";
  // Shape each wire to its link's bandwidth with tbf (both directions).
  bool shape_links = true;
  // Which UL graph; default the only one, else UL0.
  std::optional<std::int64_t> ul_layer;
  // Transit links need one (above).
  std::optional<Uplink> uplink;
};

struct SubstratePlan {
  Tag tag = Tag::for_process();
  std::vector<LabNode> nodes;
  std::vector<LabWire> wires;
  std::vector<LabRoute> routes;
  bool shape_links = true;
  std::optional<Uplink> uplink;  // host resolved to the element's id

  // By FleRD id or identifier; null if none (and for "").
  const LabNode* find(std::string_view element) const;
  // The tunnel bridge; null without an uplink.
  const LabNode* gateway() const;
  // The uplink's own address without the prefix length; empty without one.
  std::string uplink_address() const;
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
// VXLAN devices made in them), then the exchange if no other lab is on it.
// Idempotent.
Status remove_substrate(const SubstratePlan& plan);

// tc arguments for a token bucket at `mbps` on dev (shared with lab.h):
// burst 5 ms of traffic (at least 32 KB, so GSO packets pass), 50 ms queue.
std::vector<std::string> tbf_args(const std::string& dev, double mbps);

}  // namespace cloudnet::netlab
