// Substrate documents for the netlab tests.
#pragma once

#include <string>

namespace cloudnet::netlab::test {

// Three hosts in a line, h1 - h2 - h3, 1 Gbps links.
inline const char* kLineSubstrate = R"(
namespaces: {s: /cloudnet/test/netlab}
Topology:
  - GraphLabel: {id: s:ul0, role_identifier: LAB, graph_type: UL, graph_nr: 0, net_identifier: lab}
    NetworkElement:
      - {id: s:h1, identifier: H1, ne_type: /node/host/server, graphLabel: s:ul0,
         networkInterfaces: [{id: s:h1e0, identifier: eth0, ni_type: /interface/ethernet, connectedInterface: s:l1a}]}
      - {id: s:h2, identifier: H2, ne_type: /node/host/server, graphLabel: s:ul0,
         networkInterfaces: [{id: s:h2e0, identifier: eth0, ni_type: /interface/ethernet, connectedInterface: s:l1b},
                             {id: s:h2e1, identifier: eth1, ni_type: /interface/ethernet, connectedInterface: s:l2a}]}
      - {id: s:h3, identifier: H3, ne_type: /node/host/server, graphLabel: s:ul0,
         networkInterfaces: [{id: s:h3e0, identifier: eth0, ni_type: /interface/ethernet, connectedInterface: s:l2b}]}
      - {id: s:l1, identifier: L1, ne_type: /link/ethernet, graphLabel: s:ul0, resource: [s:l1bw],
         networkInterfaces: [{id: s:l1a, identifier: a, ni_type: /interface/ethernet, connectedInterface: s:h1e0},
                             {id: s:l1b, identifier: b, ni_type: /interface/ethernet, connectedInterface: s:h2e0}]}
      - {id: s:l2, identifier: L2, ne_type: /link/ethernet, graphLabel: s:ul0, resource: [s:l2bw],
         networkInterfaces: [{id: s:l2a, identifier: a, ni_type: /interface/ethernet, connectedInterface: s:h2e1},
                             {id: s:l2b, identifier: b, ni_type: /interface/ethernet, connectedInterface: s:h3e0}]}
    Resource:
      - {id: s:l1bw, attribute: /link/symmetric/bandwidth, value: 1, resource_unit: Gbps, request_flag: false}
      - {id: s:l2bw, attribute: /link/symmetric/bandwidth, value: 1000, resource_unit: Mbps, request_flag: false}
)";

}  // namespace cloudnet::netlab::test
