// The attribute and type names CloudNet itself writes and reads. FleRD does
// not fix a vocabulary (thesis 4.3.3); these follow the thesis's own example
// (appendix B) where it has one, so documents written by hand from the
// thesis work unchanged.
#pragma once

namespace cloudnet::flerd::vocab {

// Element types. A request names the upper levels (/node/host/generic); a
// substrate names the lower levels that choose the embedding plugin.
inline constexpr const char* kNodeGeneric = "/node/host/generic";
inline constexpr const char* kNodeServer = "/node/host/server";    // substrate host
inline constexpr const char* kNodeRouter = "/node/switch/router";  // substrate router
inline constexpr const char* kNodePip = "/node/host/pip";          // a PIP in a VNP's substrate
inline constexpr const char* kLinkGeneric = "/link/generic";
inline constexpr const char* kLinkEthernet = "/link/ethernet";  // substrate link
inline constexpr const char* kLinkTransit = "/link/transit";    // between PIPs
// A VNP's partial graph (CloudNet paper 5.4, roles/vnp/vnp_service.h): a link
// crossing to another provider has ne_type kLinkTransit and an alias
// "transit:<hop>[,<hop>]", each hop "<transit link>:<identifier>" with
// "@<peer's tunnel endpoint>[:<UDP port>]" when the VNP knows it; its far end
// is a stub node of type kNodePip. A PIP maps the stub as a zero-demand
// generic node and marks it by prefixing its alias with kTransitStubAlias, so
// a data-plane plugin knows to start the tunnel there instead of a node.
inline constexpr const char* kTransitAlias = "transit:";
inline constexpr const char* kTransitStubAlias = "transit-stub:";
inline constexpr const char* kInterfaceGeneric = "/interface/generic";
inline constexpr const char* kInterfaceEthernet = "/interface/ethernet";

// Node resources (thesis appendix B uses /host/generic/RAM/real/amount and
// /host/generic/HDD/space).
inline constexpr const char* kCpu = "/host/generic/CPU/amount";  // cores or CPU units
inline constexpr const char* kGpu = "/host/generic/GPU/amount";
inline constexpr const char* kRam = "/host/generic/RAM/real/amount";  // GB
inline constexpr const char* kDisk = "/host/generic/HDD/space";       // GB

// Link resources. Upstream/downstream are per direction of a full-duplex
// link (thesis appendix B); symmetric bandwidth is one capacity shared by
// both directions, as in the virne benchmark and most VNE literature.
inline constexpr const char* kBandwidthUp = "/link/generic/upstream/bandwidth";      // Mbps
inline constexpr const char* kBandwidthDown = "/link/generic/downstream/bandwidth";  // Mbps
inline constexpr const char* kBandwidth = "/link/symmetric/bandwidth";               // Mbps
inline constexpr const char* kLatency = "/link/generic/latency";                     // ms
inline constexpr const char* kWeight = "/link/generic/weight";  // routing weight (Rocketfuel)

// Features.
inline constexpr const char* kCountry = "/position/continent/country";  // value /NA/USA
inline constexpr const char* kCity = "/position/continent/country/state/city";
inline constexpr const char* kLatitude = "/position/coordinates/latitude";    // degrees
inline constexpr const char* kLongitude = "/position/coordinates/longitude";  // degrees
inline constexpr const char* kNot = "/not";                                   // black-list prefix

// Resource value types (thesis 5.3, req_min / req_max / req_con).
inline constexpr const char* kMinimum = "minimum";
inline constexpr const char* kMaximum = "maximum";
inline constexpr const char* kConstant = "constant";

}  // namespace cloudnet::flerd::vocab
