#include "mapping/random_instance.h"

#include <algorithm>
#include <cstddef>
#include <deque>
#include <random>
#include <utility>

namespace cloudnet::mapping {

namespace {

using Direction = SubstrateResource::Direction;

std::size_t at(int i) {
  return static_cast<std::size_t>(i);
}

int add_arc(Problem& p, int from, int to) {
  SubstrateArc arc;
  arc.from = from;
  arc.to = to;
  p.arcs.push_back(arc);
  return static_cast<int>(p.arcs.size()) - 1;
}

}  // namespace

int add_substrate_node(Problem& p, std::string id, double latency) {
  SubstrateElement e;
  e.identifier = id;
  e.id = std::move(id);
  e.type = flerd::TypePath::parse_lenient("/node/host/server");
  e.latency = latency;
  p.substrate.push_back(std::move(e));
  return static_cast<int>(p.substrate.size()) - 1;
}

int add_substrate_link(Problem& p, std::string id, const std::vector<int>& ends, double latency) {
  SubstrateElement e;
  e.identifier = id;
  e.id = std::move(id);
  e.type = flerd::TypePath::parse_lenient("/link/ethernet");
  e.is_link = true;
  e.latency = latency;
  p.substrate.push_back(std::move(e));
  const int link = static_cast<int>(p.substrate.size()) - 1;
  for (std::size_t i = 0; i < ends.size(); ++i) {
    const int in = add_arc(p, ends[i], link);
    const int out = add_arc(p, link, ends[i]);
    p.arcs[at(in)].reverse = out;
    p.arcs[at(out)].reverse = in;
    if (ends.size() == 2) {
      p.arcs[at(in)].to_direction = i == 0 ? Direction::kUp : Direction::kDown;
    }
  }
  return link;
}

int add_substrate_resource(Problem& p, std::string id, std::string_view attribute, double capacity,
                           const std::vector<int>& elements, double used) {
  SubstrateResource r;
  r.id = std::move(id);
  r.attribute = flerd::TypePath::parse_lenient(attribute);
  r.capacity = capacity;
  r.used = used;
  r.elements = elements;
  p.substrate_resources.push_back(std::move(r));
  const int index = static_cast<int>(p.substrate_resources.size()) - 1;
  for (const int e : elements) p.substrate[at(e)].resources.push_back(index);
  return index;
}

int add_bandwidth(Problem& p, std::string id, int element, double capacity, Direction direction,
                  double used) {
  const char* attribute = direction == Direction::kUp     ? "/link/upstream/bandwidth"
                          : direction == Direction::kDown ? "/link/downstream/bandwidth"
                                                          : "/link/symmetric/bandwidth";
  const int r = add_substrate_resource(p, std::move(id), attribute, capacity, {element}, used);
  p.substrate_resources[at(r)].is_bandwidth = true;
  p.substrate_resources[at(r)].direction = direction;
  return r;
}

int add_interface_bandwidth(Problem& p, std::string id, int node, int link, double capacity,
                            double used) {
  const int r =
      add_substrate_resource(p, std::move(id), "/interface/bandwidth", capacity, {node}, used);
  p.substrate_resources[at(r)].is_bandwidth = true;
  p.substrate_resources[at(r)].is_interface = true;
  const int out = find_arc(p, node, link);
  const int in = find_arc(p, link, node);
  if (out >= 0) p.arcs[at(out)].out_resource = r;
  if (in >= 0) p.arcs[at(in)].in_resource = r;
  return r;
}

int find_arc(const Problem& p, int from, int to) {
  for (std::size_t a = 0; a < p.arcs.size(); ++a) {
    if (p.arcs[a].from == from && p.arcs[a].to == to) return static_cast<int>(a);
  }
  return -1;
}

Demand make_demand(std::string resource_id, std::string_view attribute, double amount,
                   ValueType value_type) {
  Demand d;
  d.resource_id = std::move(resource_id);
  d.attribute = flerd::TypePath::parse_lenient(attribute);
  d.value_type = value_type;
  d.amount = amount;
  return d;
}

int add_virtual_node(Problem& p, std::string id, std::vector<Demand> demands) {
  VirtualNode n;
  n.identifier = id;
  n.id = std::move(id);
  n.type = flerd::TypePath::parse_lenient("/node/host/generic");
  n.demands = std::move(demands);
  p.nodes.push_back(std::move(n));
  return static_cast<int>(p.nodes.size()) - 1;
}

int add_virtual_link(Problem& p, std::string id, std::vector<int> endpoints,
                     std::optional<Demand> bandwidth, std::optional<Demand> upstream,
                     std::optional<Demand> downstream) {
  VirtualLink l;
  l.identifier = id;
  l.id = std::move(id);
  l.type = flerd::TypePath::parse_lenient("/link/generic");
  l.endpoints = std::move(endpoints);
  l.bandwidth = std::move(bandwidth);
  l.upstream = std::move(upstream);
  l.downstream = std::move(downstream);
  p.links.push_back(std::move(l));
  return static_cast<int>(p.links.size()) - 1;
}

void derive_flows(Problem& p) {
  p.flows.clear();
  for (std::size_t l = 0; l < p.links.size(); ++l) {
    const VirtualLink& link = p.links[l];
    const auto add = [&](int source, int sink, double amount, Flow::Kind kind) {
      Flow f;
      f.link = static_cast<int>(l);
      f.source = source;
      f.sink = sink;
      f.amount = amount;
      f.kind = kind;
      p.flows.push_back(f);
    };
    if (link.bandwidth) {
      for (std::size_t i = 0; i < link.endpoints.size(); ++i) {
        for (std::size_t j = i + 1; j < link.endpoints.size(); ++j) {
          add(link.endpoints[i], link.endpoints[j], link.bandwidth->amount, Flow::Kind::kSymmetric);
        }
      }
    }
    if (link.endpoints.size() >= 2) {
      if (link.upstream) {
        add(link.endpoints[0], link.endpoints[1], link.upstream->amount, Flow::Kind::kUpstream);
      }
      if (link.downstream) {
        add(link.endpoints[1], link.endpoints[0], link.downstream->amount, Flow::Kind::kDownstream);
      }
    }
  }
}

void finalize(Problem& p) {
  const std::size_t ne = p.substrate.size();
  p.out_arcs.assign(ne, {});
  p.in_arcs.assign(ne, {});
  for (std::size_t a = 0; a < p.arcs.size(); ++a) {
    p.out_arcs[at(p.arcs[a].from)].push_back(static_cast<int>(a));
    p.in_arcs[at(p.arcs[a].to)].push_back(static_cast<int>(a));
  }
  derive_flows(p);
  const std::size_t nn = p.nodes.size();
  if (p.node_suitable.size() != nn) {
    p.node_suitable.assign(nn, std::vector<char>(ne, 0));
    for (auto& row : p.node_suitable) {
      for (std::size_t e = 0; e < ne; ++e) row[e] = p.substrate[e].is_link ? 0 : 1;
    }
  }
  if (p.node_weight.size() != nn) p.node_weight.assign(nn, std::vector<double>(ne, 1.0));
  if (p.link_allowed.size() != p.links.size()) {
    p.link_allowed.assign(p.links.size(), std::vector<char>(ne, 1));
  }
  if (p.demand_hosts.size() != nn) {
    p.demand_hosts.assign(nn, {});
    for (std::size_t u = 0; u < nn; ++u) {
      for (const Demand& d : p.nodes[u].demands) {
        std::vector<Problem::Host> hosts;
        for (std::size_t r = 0; r < p.substrate_resources.size(); ++r) {
          if (p.substrate_resources[r].attribute == d.attribute) {
            hosts.push_back({static_cast<int>(r), 1.0});
          }
        }
        p.demand_hosts[u].push_back(std::move(hosts));
      }
    }
  }
}

namespace {

// Platform-independent draws on top of mt19937_64 (whose output sequence is
// fixed by the standard, unlike the distributions').
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : g_(seed) {}
  int uniform(int lo, int hi) {  // inclusive
    return lo + static_cast<int>(g_() % static_cast<std::uint64_t>(hi - lo + 1));
  }
  double unit() { return static_cast<double>(g_() >> 11) * 0x1.0p-53; }
  bool chance(double p) { return unit() < p; }
  template <class T>
  const T& pick(const std::vector<T>& v) {
    return v[at(uniform(0, static_cast<int>(v.size()) - 1))];
  }

 private:
  std::mt19937_64 g_;
};

ValueType random_value_type(Rng& rng) {
  const double x = rng.unit();
  return x < 0.6 ? ValueType::kMinimum : x < 0.8 ? ValueType::kMaximum : ValueType::kConstant;
}

// Elements of a shortest path from a to b over all arcs (BFS), or {}.
std::vector<int> shortest_path_elements(const Problem& p, int a, int b) {
  std::vector<int> prev(p.substrate.size(), -2);
  std::deque<int> queue{a};
  prev[at(a)] = -1;
  while (!queue.empty()) {
    const int v = queue.front();
    queue.pop_front();
    if (v == b) break;
    for (const int arc : p.out_arcs[at(v)]) {
      const int w = p.arcs[at(arc)].to;
      if (prev[at(w)] != -2) continue;
      prev[at(w)] = v;
      queue.push_back(w);
    }
  }
  if (prev[at(b)] == -2) return {};
  std::vector<int> path;
  for (int v = b; v != -1; v = prev[at(v)]) path.push_back(v);
  std::sort(path.begin(), path.end());
  return path;
}

}  // namespace

Problem random_problem(std::uint64_t seed, const RandomSpec& spec) {
  Rng rng(seed * 0x9E3779B97F4A7C15ULL + 12345);
  Problem p;
  const std::vector<std::string> positions = {"/EU/DE", "/EU/FR", "/NA/USA"};
  const std::vector<std::string> archs = {"x86", "arm"};

  // --- Substrate nodes and their resources.
  const int n = rng.uniform(spec.min_substrate_nodes, spec.max_substrate_nodes);
  std::vector<int> snodes;
  for (int i = 0; i < n; ++i) {
    const int e = add_substrate_node(p, "n" + std::to_string(i), rng.chance(0.3) ? 1 : 0);
    snodes.push_back(e);
    p.substrate[at(e)].features.push_back({"/position", rng.pick(positions), 0, false, {}});
    p.substrate[at(e)].features.push_back({"/arch", rng.pick(archs), 0, false, {}});
    const auto used_of = [&](double cap) {
      return rng.chance(0.3) ? static_cast<double>(rng.uniform(0, static_cast<int>(cap / 2))) : 0;
    };
    const double cpu = rng.uniform(4, 12);
    const int r_cpu = add_substrate_resource(p, "n" + std::to_string(i) + "cpu", "/node/cpu", cpu,
                                             {e}, used_of(cpu));
    p.substrate_resources[at(r_cpu)].load_weight = rng.chance(0.5) ? 1.0 : 0.5;
    if (rng.chance(0.6)) {
      const double ram = rng.uniform(4, 16);
      add_substrate_resource(p, "n" + std::to_string(i) + "ram", "/node/memory", ram, {e},
                             used_of(ram));
    }
    if (rng.chance(0.4)) {
      const double disk = rng.uniform(10, 40);
      add_substrate_resource(p, "n" + std::to_string(i) + "disk", "/node/disk", disk, {e},
                             used_of(disk));
    }
    if (rng.chance(0.2)) {
      const double nic = rng.uniform(5, 20);
      add_bandwidth(p, "n" + std::to_string(i) + "nic", e, nic, Direction::kBoth, used_of(nic));
    }
  }
  // A disk shared by two nodes (an NFS volume, thesis 4.4).
  int nfs = -1;
  if (rng.chance(0.25)) {
    const int a = rng.uniform(0, n - 1);
    int b = rng.uniform(0, n - 2);
    if (b >= a) ++b;
    nfs = add_substrate_resource(p, "nfs", "/node/disk", rng.uniform(10, 40),
                                 {snodes[at(a)], snodes[at(b)]});
  }

  // --- Substrate links: a spanning tree, extra and parallel links, and
  // sometimes a shared medium.
  std::vector<std::pair<int, int>> pairs;
  for (int i = 1; i < n; ++i) pairs.emplace_back(rng.uniform(0, i - 1), i);
  const int extra = rng.uniform(0, 2);
  for (int k = 0; k < extra; ++k) {
    if (rng.chance(0.3)) {
      pairs.push_back(rng.pick(pairs));  // parallel link
    } else {
      const int a = rng.uniform(0, n - 1);
      int b = rng.uniform(0, n - 2);
      if (b >= a) ++b;
      pairs.emplace_back(std::min(a, b), std::max(a, b));
    }
  }
  std::vector<int> slinks;
  for (std::size_t k = 0; k < pairs.size(); ++k) {
    const std::string id = "l" + std::to_string(k);
    const int l = add_substrate_link(
        p, id, {snodes[at(pairs[k].first)], snodes[at(pairs[k].second)]}, rng.uniform(1, 5));
    slinks.push_back(l);
    const auto used_of = [&](double cap) {
      return rng.chance(0.25) ? static_cast<double>(rng.uniform(0, static_cast<int>(cap / 2))) : 0;
    };
    if (rng.chance(0.3)) {
      const double up = rng.uniform(3, 15);
      const double down = rng.uniform(3, 15);
      add_bandwidth(p, id + "up", l, up, Direction::kUp, used_of(up));
      add_bandwidth(p, id + "down", l, down, Direction::kDown, used_of(down));
    } else {
      const double bw = rng.uniform(3, 20);
      add_bandwidth(p, id + "bw", l, bw, Direction::kBoth, used_of(bw));
    }
  }
  if (n >= 3 && rng.chance(0.25)) {
    std::vector<int> ends = snodes;
    for (std::size_t i = ends.size() - 1; i > 0; --i) {
      std::swap(ends[i], ends[at(rng.uniform(0, static_cast<int>(i)))]);
    }
    ends.resize(3);
    const int l = add_substrate_link(p, "bus", ends, rng.uniform(1, 3));
    slinks.push_back(l);
    add_bandwidth(p, "busbw", l, rng.uniform(3, 20));
  }
  if (rng.chance(0.15)) {
    const int l = rng.pick(slinks);
    std::vector<int> ends;
    for (const SubstrateArc& arc : p.arcs) {
      if (arc.from == l) ends.push_back(arc.to);
    }
    const int node = rng.pick(ends);
    add_interface_bandwidth(p, p.substrate[at(node)].id + "if" + p.substrate[at(l)].id, node, l,
                            rng.uniform(2, 10));
  }
  p.out_arcs.assign(p.substrate.size(), {});
  p.in_arcs.assign(p.substrate.size(), {});
  for (std::size_t a = 0; a < p.arcs.size(); ++a) {
    p.out_arcs[at(p.arcs[a].from)].push_back(static_cast<int>(a));
    p.in_arcs[at(p.arcs[a].to)].push_back(static_cast<int>(a));
  }

  // --- Virtual nodes.
  const int m = rng.uniform(spec.min_virtual_nodes, spec.max_virtual_nodes);
  bool any_disk = nfs >= 0;
  for (const SubstrateResource& r : p.substrate_resources) {
    if (r.attribute.str() == "/node/disk") any_disk = true;
  }
  bool any_ram = false;
  for (const SubstrateResource& r : p.substrate_resources) {
    if (r.attribute.str() == "/node/memory") any_ram = true;
  }
  for (int i = 0; i < m; ++i) {
    std::vector<Demand> demands;
    demands.push_back(make_demand("cpu", "/node/cpu", rng.uniform(1, 4), random_value_type(rng)));
    if (any_ram && rng.chance(0.5)) {
      demands.push_back(
          make_demand("ram", "/node/memory", rng.uniform(1, 4), random_value_type(rng)));
    }
    if (any_disk && rng.chance(0.3)) {
      demands.push_back(
          make_demand("disk", "/node/disk", rng.uniform(2, 10), random_value_type(rng)));
    }
    add_virtual_node(p, "u" + std::to_string(i), std::move(demands));
  }

  // --- Virtual links.
  const int links = rng.uniform(1, spec.max_virtual_links);
  bool medium = false;
  for (int k = 0; k < links; ++k) {
    std::vector<int> ends;
    if (m >= 3 && !medium && rng.chance(0.2)) {
      medium = true;
      for (int i = 0; i < m; ++i) ends.push_back(i);
      for (std::size_t i = ends.size() - 1; i > 0; --i) {
        std::swap(ends[i], ends[at(rng.uniform(0, static_cast<int>(i)))]);
      }
      ends.resize(3);
      add_virtual_link(p, "v" + std::to_string(k), ends,
                       make_demand("bw", "/link/symmetric/bandwidth", rng.uniform(1, 4),
                                   random_value_type(rng)));
      continue;
    }
    const int a = rng.uniform(0, m - 1);
    int b = rng.uniform(0, m - 2);
    if (b >= a) ++b;
    if (rng.chance(0.65)) {
      add_virtual_link(p, "v" + std::to_string(k), {a, b},
                       make_demand("bw", "/link/symmetric/bandwidth", rng.uniform(1, 5),
                                   random_value_type(rng)));
    } else {
      std::optional<Demand> down;
      if (rng.chance(0.7)) {
        down = make_demand("down", "/link/downstream/bandwidth", rng.uniform(1, 5),
                           random_value_type(rng));
      }
      add_virtual_link(
          p, "v" + std::to_string(k), {a, b}, std::nullopt,
          make_demand("up", "/link/upstream/bandwidth", rng.uniform(1, 5), random_value_type(rng)),
          down);
    }
  }

  // --- Options.
  Options& o = p.options;
  o.no_split = rng.chance(spec.p_no_split);
  o.no_colocate = m <= n && rng.chance(spec.p_no_colocate);
  o.min_alloc = rng.chance(0.2) ? 0.5 : 0.0;
  o.load_c = rng.chance(0.2) ? 2.5 : -1.0;
  if (spec.objective) {
    o.objective = *spec.objective;
    if (o.objective == Objective::kEnergy) o.no_split = true;  // see RandomSpec::objective
  } else if (spec.allow_energy && o.no_split && rng.chance(0.25)) {
    o.objective = Objective::kEnergy;
  } else {
    o.objective = rng.chance(0.5) ? Objective::kMinCost : Objective::kLoadBalance;
  }
  if (rng.chance(spec.p_latency)) {
    VirtualLink& l = p.links[at(rng.uniform(0, links - 1))];
    l.max_latency = rng.uniform(2, 10);
    if (rng.chance(0.25)) l.min_latency = 1;
  }

  finalize(p);  // flows, default matrices and demand hosts

  // Alternative hosting factors (prop): a fast CPU, a thinly provisioned NFS.
  for (std::size_t u = 0; u < p.nodes.size(); ++u) {
    for (std::size_t k = 0; k < p.nodes[u].demands.size(); ++k) {
      for (Problem::Host& h : p.demand_hosts[u][k]) {
        if (h.resource == nfs && rng.chance(0.3)) h.factor = 0.5;
        if (p.nodes[u].demands[k].resource_id == "cpu" && rng.chance(0.1)) h.factor = 2;
      }
    }
  }

  // --- Suitability (types, white / black lists) and weights. A host must
  // offer every demanded resource type (as a builder's type check would),
  // mostly; sometimes a white list on /position restricts it further.
  for (std::size_t u = 0; u < p.nodes.size(); ++u) {
    std::string white;
    if (rng.chance(0.2)) white = rng.pick(positions);
    std::vector<int> capable;
    for (const int e : snodes) {
      bool ok = true;
      for (const auto& hosts : p.demand_hosts[u]) {
        bool offered = false;
        for (const Problem::Host& h : hosts) {
          const auto& listed = p.substrate[at(e)].resources;
          offered = offered || std::find(listed.begin(), listed.end(), h.resource) != listed.end();
        }
        ok = ok && offered;
      }
      if (ok || rng.chance(0.1)) capable.push_back(e);
    }
    bool any = false;
    for (const int e : snodes) {
      bool ok = std::find(capable.begin(), capable.end(), e) != capable.end() && rng.chance(0.8);
      if (!white.empty() && p.substrate[at(e)].features[0].value != white) ok = false;
      p.node_suitable[u][at(e)] = ok ? 1 : 0;
      any = any || ok;
      p.node_weight[u][at(e)] = 0.25 * rng.uniform(0, 4);
    }
    if (!any) p.node_suitable[u][at(capable.empty() ? rng.pick(snodes) : rng.pick(capable))] = 1;
  }
  for (std::size_t l = 0; l < p.links.size(); ++l) {
    if (rng.chance(0.2)) p.link_allowed[l][at(rng.pick(slinks))] = 0;  // black-listed link
  }

  // --- Groups.
  if (rng.chance(spec.p_distinct)) {
    GroupConstraint g;
    g.kind = GroupConstraint::Kind::kDistinct;
    g.relation = "distinct";
    if (o.no_split && links >= 2 && rng.chance(0.4)) {
      g.links = {0, 1};
    } else {
      const int a = rng.uniform(0, m - 1);
      int b = rng.uniform(0, m - 2);
      if (b >= a) ++b;
      g.nodes = {a, b};
    }
    p.groups.push_back(std::move(g));
  }
  if (rng.chance(spec.p_other_group)) {
    GroupConstraint g;
    const int a = rng.uniform(0, m - 1);
    int b = rng.uniform(0, m - 2);
    if (b >= a) ++b;
    g.nodes = {a, b};
    if (rng.chance(0.5) && !o.no_colocate) {
      g.kind = GroupConstraint::Kind::kColocate;
      g.relation = "colocate";
    } else {
      g.kind = GroupConstraint::Kind::kEquals;
      g.relation = "equals";
      g.attribute = flerd::TypePath::parse_lenient("/arch");
    }
    p.groups.push_back(std::move(g));
  }

  // --- An existing mapping (migration, 5.3.5).
  if (rng.chance(spec.p_existing)) {
    Existing ex;
    for (std::size_t u = 0; u < p.nodes.size(); ++u) {
      std::vector<int> suitable;
      for (const int e : snodes) {
        if (p.node_suitable[u][at(e)]) suitable.push_back(e);
      }
      ex.node_host.push_back(rng.chance(0.7) ? rng.pick(suitable) : -1);
      ex.node_penalty.push_back(0.5 * rng.uniform(1, 6));
    }
    if (rng.chance(0.5)) {
      ex.node_transit.assign(p.nodes.size(), std::vector<double>(p.substrate.size(), 0.0));
      for (auto& row : ex.node_transit) {
        for (const int e : snodes) row[at(e)] = 0.25 * rng.uniform(0, 4);
      }
    }
    ex.link_elements.assign(p.links.size(), {});
    ex.link_penalty.assign(p.links.size(), 0.01);
    if (o.no_split) {
      for (std::size_t l = 0; l < p.links.size(); ++l) {
        const auto& ends = p.links[l].endpoints;
        const int a = ex.node_host[at(ends[0])];
        const int b = ex.node_host[at(ends[1])];
        if (a < 0 || b < 0 || !rng.chance(0.6)) continue;
        ex.link_elements[l] = shortest_path_elements(p, a, b);
        ex.link_penalty[l] = 0.25 * rng.uniform(1, 4);
      }
    }
    p.existing = std::move(ex);
  }
  return p;
}

}  // namespace cloudnet::mapping
