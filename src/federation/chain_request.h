// A generated customer request for a federation: virtual hosts V1..Vn on a
// chain of links (V1 - L1 - V2 - ... - Vn), as the VNP tests, the VNP end to
// end and the VNP benchmark send it. A chain is the smallest topology that
// still has links between every neighbouring pair of hosts, so a split
// across PIPs always needs transit links.
//
// Header-only on purpose: it needs nothing but the standard library, so the
// roles tests (which do not link the federation library) use it as well.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace cloudnet::federation {

struct ChainRequest {
  std::vector<int> cpus;     // one virtual host per entry: the cores it needs at least
  std::string net = "web";   // the graph label's net_identifier
  int bandwidth_mbps = 100;  // what each link needs at least
  // Per host (by index into cpus): a /position/continent/country feature the
  // host must match; none for an empty string or past the end.
  std::vector<std::string> locations;
};

// The request as FleRD YAML (namespace c: /test/req; ids c:v<i>, c:l<i>,
// resources c:v<i>cpu, c:l<i>bw, all counted from 1).
inline std::string chain_request_yaml(const ChainRequest& shape) {
  const int n = static_cast<int>(shape.cpus.size());
  std::string y =
      "namespaces: {c: /test/req}\nTopology:\n  - GraphLabel: {id: c:ol0, role_identifier: "
      "customer, graph_type: OL, graph_nr: 0, net_identifier: " +
      shape.net + "}\n    NetworkElement:\n";
  std::string res;
  for (int v = 1; v <= n; ++v) {
    const auto i = static_cast<std::size_t>(v - 1);
    const std::string id = "c:v" + std::to_string(v);
    std::string ifs;
    if (v > 1)
      ifs += "{id: " + id +
             "w, identifier: w, ni_type: /interface/generic, connectedInterface: c:l" +
             std::to_string(v - 1) + "b}";
    if (v < n) {
      if (!ifs.empty()) ifs += ", ";
      ifs += "{id: " + id +
             "e, identifier: e, ni_type: /interface/generic, connectedInterface: c:l" +
             std::to_string(v) + "a}";
    }
    std::string features;
    if (i < shape.locations.size() && !shape.locations[i].empty())
      features = ",\n         features: [{attribute: /position/continent/country, value: " +
                 shape.locations[i] + ", priority: 1, request_flag: true}]";
    y += "      - {id: " + id + ", identifier: V" + std::to_string(v) +
         ", ne_type: /node/host/generic, graphLabel: c:ol0, resource: [" + id + "cpu]" + features +
         (ifs.empty() ? "" : ",\n         networkInterfaces: [" + ifs + "]") + "}\n";
    res += "      - {id: " + id +
           "cpu, attribute: /host/generic/CPU/amount, value: " + std::to_string(shape.cpus[i]) +
           ", resource_unit: cores, value_type: minimum, request_flag: true}\n";
  }
  for (int l = 1; l < n; ++l) {
    const std::string id = "c:l" + std::to_string(l);
    y += "      - {id: " + id + ", identifier: L" + std::to_string(l) +
         ", ne_type: /link/generic, graphLabel: c:ol0, resource: [" + id +
         "bw],\n         networkInterfaces: [{id: " + id +
         "a, identifier: a, ni_type: /interface/generic, connectedInterface: c:v" +
         std::to_string(l) + "e}, {id: " + id +
         "b, identifier: b, ni_type: /interface/generic, connectedInterface: c:v" +
         std::to_string(l + 1) + "w}]}\n";
    res += "      - {id: " + id + "bw, attribute: /link/symmetric/bandwidth, value: " +
           std::to_string(shape.bandwidth_mbps) +
           ", resource_unit: Mbps, value_type: minimum, request_flag: true}\n";
  }
  return y + "    Resource:\n" + res;
}

// Hosts of cpus[i] cores on a chain of 100 Mbps links.
inline std::string chain_request_yaml(std::vector<int> cpus, const std::string& net = "web") {
  ChainRequest shape;
  shape.cpus = std::move(cpus);
  shape.net = net;
  return chain_request_yaml(shape);
}

// `n` virtual hosts of `cpu` cores each on a chain of 100 Mbps links.
inline std::string chain_request_yaml(int n, int cpu, const std::string& net = "web") {
  return chain_request_yaml(std::vector<int>(static_cast<std::size_t>(n), cpu), net);
}

}  // namespace cloudnet::federation
