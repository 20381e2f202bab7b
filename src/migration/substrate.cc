#include "migration/substrate.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <numeric>
#include <queue>
#include <random>
#include <set>
#include <sstream>
#include <utility>

namespace cloudnet::migration {
namespace {

using Adjacency = std::vector<std::vector<std::pair<NodeId, double>>>;

Adjacency adjacency(const Substrate& s) {
  Adjacency adj(s.names.size());
  for (const Link& l : s.links) {
    adj[l.a].emplace_back(l.b, l.latency);
    adj[l.b].emplace_back(l.a, l.latency);
  }
  return adj;
}

// Union-find over node ids, for connectivity and segment joining.
class Components {
 public:
  explicit Components(int n) : parent_(n) { std::iota(parent_.begin(), parent_.end(), 0); }
  int find(int x) {
    while (parent_[x] != x) x = parent_[x] = parent_[parent_[x]];
    return x;
  }
  bool join(int a, int b) {
    a = find(a);
    b = find(b);
    if (a == b) return false;
    parent_[b] = a;
    return true;
  }

 private:
  std::vector<int> parent_;
};

int count_components(const Substrate& s) {
  Components c(s.num_nodes());
  int count = s.num_nodes();
  for (const Link& l : s.links) count -= c.join(l.a, l.b) ? 1 : 0;
  return count;
}

double pick(const std::vector<double>& values, std::mt19937_64& rng) {
  std::uniform_int_distribution<std::size_t> d(0, values.size() - 1);
  return values[d(rng)];
}

}  // namespace

int Substrate::num_pips() const {
  int m = 0;
  for (int p : pip) m = std::max(m, p + 1);
  return m;
}

int Substrate::num_zones() const {
  int m = 0;
  for (int z : zone) m = std::max(m, z + 1);
  return m;
}

Result<NodeId> Substrate::find(std::string_view name) const {
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) return static_cast<NodeId>(i);
  }
  return Error::not_found("no substrate node named '" + std::string(name) + "'");
}

std::vector<NodeId> Substrate::zone_nodes(int z) const {
  std::vector<NodeId> out;
  for (std::size_t i = 0; i < zone.size(); ++i) {
    if (zone[i] == z) out.push_back(static_cast<NodeId>(i));
  }
  return out;
}

NodeId add_node(Substrate& s, std::string name) {
  const auto id = static_cast<NodeId>(s.names.size());
  s.names.push_back(std::move(name));
  s.strength.push_back(1.0);
  s.pip.push_back(0);
  s.zone.push_back(-1);
  s.access_points.push_back(id);
  return id;
}

Status validate(const Substrate& s) {
  const int n = s.num_nodes();
  if (n == 0) return Error::invalid("the substrate has no nodes");
  if (static_cast<int>(s.strength.size()) != n || static_cast<int>(s.pip.size()) != n ||
      static_cast<int>(s.zone.size()) != n) {
    return Error::invalid("node attribute vectors differ in size from the node list");
  }
  std::set<std::string_view> seen;
  for (const auto& name : s.names) {
    if (!seen.insert(name).second) return Error::invalid("duplicate node name '" + name + "'");
  }
  for (int i = 0; i < n; ++i) {
    if (!(s.strength[i] > 0)) return Error::invalid("node '" + s.names[i] + "' has strength <= 0");
    if (s.pip[i] < 0) return Error::invalid("node '" + s.names[i] + "' has a negative PIP");
  }
  std::vector<bool> pip_used(s.num_pips(), false);
  for (int p : s.pip) pip_used[p] = true;
  if (std::find(pip_used.begin(), pip_used.end(), false) != pip_used.end()) {
    return Error::invalid("PIPs must be numbered 0..k-1 without gaps");
  }
  for (const Link& l : s.links) {
    if (l.a < 0 || l.a >= n || l.b < 0 || l.b >= n) return Error::invalid("link end out of range");
    if (l.a == l.b) return Error::invalid("self-loop at '" + s.names[l.a] + "'");
    if (!(l.latency >= 0) || !std::isfinite(l.latency)) {
      return Error::invalid("link " + s.names[l.a] + "-" + s.names[l.b] + " has a bad latency");
    }
    if (!(l.bandwidth > 0) || !std::isfinite(l.bandwidth)) {
      return Error::invalid("link " + s.names[l.a] + "-" + s.names[l.b] + " has bandwidth <= 0");
    }
  }
  if (s.access_points.empty()) return Error::invalid("the substrate has no access points");
  for (NodeId a : s.access_points) {
    if (a < 0 || a >= n) return Error::invalid("access point out of range");
  }
  if (count_components(s) != 1) {
    return Error::invalid("the substrate is not connected (" + std::to_string(count_components(s)) +
                          " components); every node must reach every other");
  }
  return Status::Ok();
}

Result<Substrate> parse_edge_list(std::string_view text, const EdgeListOptions& options) {
  if (options.bandwidths.empty()) return Error::invalid("no bandwidths to choose from");
  Substrate s;
  std::map<std::string, NodeId, std::less<>> ids;
  std::map<std::pair<NodeId, NodeId>, std::size_t> link_index;
  std::mt19937_64 rng(options.seed);
  auto id_of = [&](const std::string& name) {
    auto it = ids.find(name);
    if (it != ids.end()) return it->second;
    const NodeId id = add_node(s, name);
    ids.emplace(name, id);
    return id;
  };
  std::istringstream in{std::string(text)};
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    std::istringstream fields(line);
    std::string a, b, extra;
    if (!(fields >> a)) continue;  // blank line
    double latency = 0, bandwidth = 0;
    if (!(fields >> b >> latency)) {
      return Error::parse("line " + std::to_string(line_no) +
                          ": expected '<node> <node> <latency> [<bandwidth>]'");
    }
    const bool has_bandwidth = static_cast<bool>(fields >> bandwidth);
    if (!has_bandwidth && !fields.eof()) {
      return Error::parse("line " + std::to_string(line_no) + ": bandwidth is not a number");
    }
    if (fields >> extra) return Error::parse("line " + std::to_string(line_no) + ": extra field");
    if (a == b) return Error::parse("line " + std::to_string(line_no) + ": self-loop");
    if (latency < 0) return Error::parse("line " + std::to_string(line_no) + ": negative latency");
    if (has_bandwidth && !(bandwidth > 0)) {
      return Error::parse("line " + std::to_string(line_no) + ": bandwidth must be > 0");
    }
    const NodeId u = id_of(a), v = id_of(b);
    const auto key = std::minmax(u, v);
    if (auto it = link_index.find(key); it != link_index.end()) {
      // The reverse direction of a link already read: keep the first values.
      continue;
    }
    link_index.emplace(key, s.links.size());
    s.links.push_back({u, v, latency, has_bandwidth ? bandwidth : pick(options.bandwidths, rng)});
  }
  if (auto st = validate(s); !st) return st.error();
  return s;
}

Result<Substrate> read_edge_list(const std::string& path, const EdgeListOptions& options) {
  std::ifstream in(path);
  if (!in) return Error::io("cannot open substrate file '" + path + "'");
  std::stringstream buffer;
  buffer << in.rdbuf();
  auto s = parse_edge_list(buffer.str(), options);
  if (!s) return Error{s.error().code, path + ": " + s.error().message};
  return s;
}

std::vector<double> latencies_from(const Substrate& s, NodeId source) {
  const Adjacency adj = adjacency(s);
  std::vector<double> dist(s.names.size(), std::numeric_limits<double>::infinity());
  using Item = std::pair<double, NodeId>;
  std::priority_queue<Item, std::vector<Item>, std::greater<>> queue;
  dist[source] = 0;
  queue.emplace(0.0, source);
  while (!queue.empty()) {
    auto [d, u] = queue.top();
    queue.pop();
    if (d > dist[u]) continue;
    for (auto [v, w] : adj[u]) {
      if (d + w < dist[v]) {
        dist[v] = d + w;
        queue.emplace(dist[v], v);
      }
    }
  }
  return dist;
}

std::vector<double> widest_bandwidths_from(const Substrate& s, NodeId source) {
  std::vector<std::vector<std::pair<NodeId, double>>> adj(s.names.size());
  for (const Link& l : s.links) {
    adj[l.a].emplace_back(l.b, l.bandwidth);
    adj[l.b].emplace_back(l.a, l.bandwidth);
  }
  std::vector<double> width(s.names.size(), 0.0);
  std::priority_queue<std::pair<double, NodeId>> queue;
  width[source] = std::numeric_limits<double>::infinity();
  queue.emplace(width[source], source);
  while (!queue.empty()) {
    auto [w, u] = queue.top();
    queue.pop();
    if (w < width[u]) continue;
    for (auto [v, bw] : adj[u]) {
      const double through = std::min(w, bw);
      if (through > width[v]) {
        width[v] = through;
        queue.emplace(through, v);
      }
    }
  }
  return width;
}

Status assign_zones_by_distance(Substrate& s, int zones) {
  const int n = s.num_nodes();
  if (zones < 1 || zones > n) return Error::invalid("zone count must be in 1..nodes");
  std::vector<std::vector<double>> dist(n);
  for (int v = 0; v < n; ++v) dist[v] = latencies_from(s, v);
  // First seed: the 1-median (smallest latency sum), ties by id.
  NodeId first = 0;
  double best = std::numeric_limits<double>::infinity();
  for (int v = 0; v < n; ++v) {
    const double sum = std::accumulate(dist[v].begin(), dist[v].end(), 0.0);
    if (sum < best) best = sum, first = v;
  }
  std::vector<NodeId> seeds = {first};
  std::vector<double> to_seed = dist[first];
  while (static_cast<int>(seeds.size()) < zones) {
    const auto far =
        static_cast<NodeId>(std::max_element(to_seed.begin(), to_seed.end()) - to_seed.begin());
    seeds.push_back(far);
    for (int v = 0; v < n; ++v) to_seed[v] = std::min(to_seed[v], dist[far][v]);
  }
  for (int v = 0; v < n; ++v) {
    int z = 0;
    for (int i = 1; i < zones; ++i) {
      if (dist[seeds[i]][v] < dist[seeds[z]][v]) z = i;
    }
    s.zone[v] = z;
  }
  return Status::Ok();
}

Status assign_pips_round_robin(Substrate& s, int pips) {
  if (pips < 1) return Error::invalid("PIP count must be >= 1");
  const int zones = s.num_zones();
  if (pips > std::max(zones, 1)) return Error::invalid("more PIPs than zones");
  for (std::size_t v = 0; v < s.pip.size(); ++v) s.pip[v] = s.zone[v] < 0 ? 0 : s.zone[v] % pips;
  return Status::Ok();
}

Result<Substrate> zoned_erdos_renyi(const ZonedGraphParams& p) {
  if (p.zones < 1) return Error::invalid("zone count must be >= 1");
  if (p.nodes < p.zones) return Error::invalid("need at least one node per zone");
  if (p.mean_degree < 0) return Error::invalid("mean degree must be >= 0");
  if (p.bandwidths.empty()) return Error::invalid("no bandwidths to choose from");
  if (p.pips < 1 || p.pips > p.zones) return Error::invalid("PIP count must be in 1..zones");
  if (p.layout == ZonedGraphParams::Layout::kMesh && p.pips > 1) {
    return Error::invalid("multi-provider substrates use the ring layout (thesis 7.5.2)");
  }
  std::mt19937_64 rng(p.seed);
  Substrate s;
  std::vector<std::vector<NodeId>> members(p.zones);
  for (int i = 0; i < p.nodes; ++i) {
    const NodeId v = add_node(s, std::to_string(i));
    // Contiguous blocks whose sizes differ by at most one.
    const int z = static_cast<int>(static_cast<long long>(i) * p.zones / p.nodes);
    s.zone[v] = z;
    s.pip[v] = z % p.pips;
    members[z].push_back(v);
  }
  std::uniform_real_distribution<double> coin(0.0, 1.0);
  auto link = [&](NodeId a, NodeId b, double latency) {
    s.links.push_back({a, b, latency, pick(p.bandwidths, rng)});
  };
  for (int z = 0; z < p.zones; ++z) {
    const auto& m = members[z];
    const int size = static_cast<int>(m.size());
    // thesis 7.5.2 fn. 4: link probability chosen from the node count.
    const double prob = size > 1 ? std::min(1.0, p.mean_degree / (size - 1)) : 0.0;
    Components comp(p.nodes);
    for (int i = 0; i < size; ++i) {
      for (int j = i + 1; j < size; ++j) {
        if (coin(rng) < prob) {
          link(m[i], m[j], p.intra_latency);
          comp.join(m[i], m[j]);
        }
      }
    }
    // thesis 7.5.2 fn. 3: join two random segments by a random link until connected.
    while (true) {
      std::map<int, std::vector<NodeId>> segments;
      for (NodeId v : m) segments[comp.find(v)].push_back(v);
      if (segments.size() <= 1) break;
      std::vector<const std::vector<NodeId>*> list;
      for (const auto& [root, nodes] : segments) list.push_back(&nodes);
      std::uniform_int_distribution<std::size_t> seg(0, list.size() - 1);
      const std::size_t x = seg(rng);
      std::size_t y = seg(rng);
      while (y == x) y = seg(rng);
      std::uniform_int_distribution<std::size_t> ix(0, list[x]->size() - 1),
          iy(0, list[y]->size() - 1);
      const NodeId a = (*list[x])[ix(rng)], b = (*list[y])[iy(rng)];
      link(a, b, p.intra_latency);
      comp.join(a, b);
    }
  }
  auto gateway = [&](int z) {
    std::uniform_int_distribution<std::size_t> d(0, members[z].size() - 1);
    return members[z][d(rng)];
  };
  if (p.zones > 1) {
    if (p.layout == ZonedGraphParams::Layout::kMesh) {
      for (int a = 0; a < p.zones; ++a) {
        for (int b = a + 1; b < p.zones; ++b) link(gateway(a), gateway(b), p.inter_latency);
      }
    } else {
      // One random pair of border gateways per ring connection (thesis 7.5.2).
      const int connections = p.zones == 2 ? 1 : p.zones;
      for (int a = 0; a < connections; ++a) {
        link(gateway(a), gateway((a + 1) % p.zones), p.inter_latency);
      }
    }
  }
  if (auto st = validate(s); !st) return st.error();
  return s;
}

}  // namespace cloudnet::migration
