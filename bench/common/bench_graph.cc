#include "bench_graph.h"

#include <cstdio>
#include <cstdlib>
#include <deque>
#include <unordered_map>

#include "flerd/import/import.h"
#include "flerd/vocabulary.h"

namespace cloudnet::bench {

namespace {
const char* g_program = "bench";
}

void set_program_name(const char* name) {
  g_program = name;
}

void die(const std::string& what) {
  std::fflush(stdout);
  std::fprintf(stderr, "%s: %s\n", g_program, what.c_str());
  std::exit(1);
}

void Graph::add_edge(int a, int b, double lat, double bandwidth) {
  adj[at(a)].push_back(static_cast<int>(edges.size()));
  adj[at(b)].push_back(static_cast<int>(edges.size()));
  edges.emplace_back(a, b);
  latency.push_back(lat);
  bw.push_back(bandwidth);
}

Graph graph_from_document(const flerd::Document& doc, const std::string& what) {
  if (doc.topologies.empty()) die(what + ": no topology");
  const flerd::Topology& topo = doc.topologies[0];
  std::unordered_map<std::string, const flerd::Resource*> res;
  for (const flerd::Resource& r : topo.resources) res[r.id] = &r;
  auto value = [&](const flerd::NetworkElement& e, std::string_view attribute) {
    for (const auto& ref : e.resource) {
      auto it = res.find(ref.id);
      if (it != res.end() && it->second->attribute == attribute) return it->second->value;
    }
    return 0.0;
  };
  Graph g;
  std::unordered_map<std::string, int> node_of_interface;
  for (const flerd::NetworkElement& e : topo.networkElements) {
    if (e.is_link()) continue;
    const int n = g.size();
    g.names.push_back(e.identifier);
    g.cpu.push_back(value(e, flerd::vocab::kCpu));
    for (const flerd::NetworkInterface& i : e.networkInterfaces) node_of_interface[i.id] = n;
  }
  g.adj.assign(g.names.size(), {});
  for (const flerd::NetworkElement& e : topo.networkElements) {
    if (!e.is_link()) continue;
    std::vector<int> ends;
    for (const flerd::NetworkInterface& i : e.networkInterfaces) {
      if (!i.connectedInterface) continue;
      auto it = node_of_interface.find(i.connectedInterface->id);
      if (it != node_of_interface.end()) ends.push_back(it->second);
    }
    if (ends.size() != 2) die(what + ": link " + e.id + " does not join two nodes");
    g.add_edge(ends[0], ends[1], value(e, flerd::vocab::kLatency),
               value(e, flerd::vocab::kBandwidth));
  }
  return g;
}

Graph load_gml(const std::string& path, bool as_request) {
  flerd::ImportOptions opts;
  opts.as_request = as_request;
  auto doc = flerd::import_gml(path, opts);
  if (!doc) die("cannot import " + path + ": " + doc.error().message);
  return graph_from_document(*doc, path);
}

Graph load_rocketfuel(const std::string& dir, const std::string& as) {
  const std::string base = dir + "/" + as + "/";
  auto doc = flerd::import_rocketfuel(base + "weights.intra", base + "latencies.intra", {});
  if (!doc) die("cannot import Rocketfuel AS " + as + ": " + doc.error().message);
  return graph_from_document(*doc, "Rocketfuel AS " + as);
}

std::vector<int> bfs_subset(const Graph& g, int start, int k, Rng& rng) {
  std::vector<char> seen(at(g.size()), 0);
  std::vector<int> out;
  std::deque<int> queue{start};
  seen[at(start)] = 1;
  while (!queue.empty() && static_cast<int>(out.size()) < k) {
    const int v = queue.front();
    queue.pop_front();
    out.push_back(v);
    std::vector<int> next;
    for (const int e : g.adj[at(v)]) {
      const auto [a, b] = g.edges[at(e)];
      const int w = a == v ? b : a;
      if (!seen[at(w)]) {
        seen[at(w)] = 1;
        next.push_back(w);
      }
    }
    rng.shuffle(next);
    for (const int w : next) queue.push_back(w);
  }
  if (static_cast<int>(out.size()) < k) {
    die("the map's component has only " + std::to_string(out.size()) + " nodes, " +
        std::to_string(k) + " asked for");
  }
  return out;
}

Graph induced(const Graph& g, const std::vector<int>& nodes) {
  Graph s;
  std::vector<int> index(at(g.size()), -1);
  for (const int v : nodes) {
    index[at(v)] = s.size();
    s.names.push_back(g.names[at(v)]);
    s.cpu.push_back(at(v) < g.cpu.size() ? g.cpu[at(v)] : 0);
  }
  s.adj.assign(nodes.size(), {});
  for (std::size_t e = 0; e < g.edges.size(); ++e) {
    const int a = index[at(g.edges[e].first)];
    const int b = index[at(g.edges[e].second)];
    if (a < 0 || b < 0) continue;
    s.add_edge(a, b, g.latency[e], g.bw[e]);
  }
  return s;
}

Graph random_connected_subgraph(const Graph& g, int k, Rng& rng) {
  if (k >= g.size()) return g;
  return induced(g, bfs_subset(g, rng.uniform(0, g.size() - 1), k, rng));
}

}  // namespace cloudnet::bench
