#include "mapping/checker_usage.h"

#include <algorithm>
#include <cstddef>
#include <utility>

namespace cloudnet::mapping::check_internal {

namespace {

std::size_t at(int i) {
  return static_cast<std::size_t>(i);
}

// Per-flow totals from its arc amounts.
struct FlowTotals {
  std::vector<double> in, out;         // per element
  std::vector<double> in_up, in_down;  // per element: entering through arcs with that to_direction
  std::vector<double> iface;           // per resource: on arcs naming it as interface resource
};

FlowTotals totals_of(const Problem& p, const std::vector<std::pair<int, double>>& arcs) {
  const std::size_t ne = p.substrate.size();
  FlowTotals t{std::vector<double>(ne, 0.0), std::vector<double>(ne, 0.0),
               std::vector<double>(ne, 0.0), std::vector<double>(ne, 0.0),
               std::vector<double>(p.substrate_resources.size(), 0.0)};
  for (const auto& [a, amount] : arcs) {
    if (a < 0 || at(a) >= p.arcs.size()) continue;
    const SubstrateArc& arc = p.arcs[at(a)];
    if (arc.from < 0 || at(arc.from) >= ne || arc.to < 0 || at(arc.to) >= ne) continue;
    t.out[at(arc.from)] += amount;
    t.in[at(arc.to)] += amount;
    if (arc.to_direction == SubstrateResource::Direction::kUp) t.in_up[at(arc.to)] += amount;
    if (arc.to_direction == SubstrateResource::Direction::kDown) t.in_down[at(arc.to)] += amount;
    const auto add_iface = [&](int r) {
      if (r >= 0 && at(r) < t.iface.size()) t.iface[at(r)] += amount;
    };
    add_iface(arc.out_resource);
    // An arc naming the same resource on both sides passes it once.
    if (arc.in_resource != arc.out_resource) add_iface(arc.in_resource);
  }
  return t;
}

// The need of one flow for element resource r on element v (problem.h, flow
// resources): a both-ways resource, or any resource for a symmetric flow
// (Figure 5.3 a), takes the throughput max(in, out); a directional resource
// takes what a directional flow brings in through that direction's interface.
double element_need(const SubstrateResource& r, const Flow& f, const FlowTotals& t, int v) {
  if (r.direction == SubstrateResource::Direction::kBoth || f.kind == Flow::Kind::kSymmetric) {
    return std::max(t.in[at(v)], t.out[at(v)]);
  }
  return r.direction == SubstrateResource::Direction::kUp ? t.in_up[at(v)] : t.in_down[at(v)];
}

}  // namespace

bool is_flow_resource(const SubstrateResource& r) {
  return r.is_bandwidth || r.is_interface;
}

int host_of(const Problem& problem, const Solution& solution, int node) {
  if (node < 0 || at(node) >= solution.node_host.size()) return -1;
  const int h = solution.node_host[at(node)];
  return h >= 0 && at(h) < problem.substrate.size() ? h : -1;
}

Usage compute_usage(const Problem& p, const Solution& s, double positive) {
  const std::size_t nr = p.substrate_resources.size();
  const std::size_t ne = p.substrate.size();
  Usage u;
  u.node_use.assign(nr, 0.0);
  u.total.assign(nr, 0.0);
  u.link_use.assign(p.links.size(), std::vector<double>(nr, 0.0));
  u.link_touched.assign(p.links.size(), std::vector<char>(ne, 0));
  u.hosting.assign(ne, 0);

  // Node resources (thesis 5.4.2 `resource`, `capacity`).
  for (const auto& per_node : s.node_alloc) {
    for (const auto& demand : per_node) {
      for (const Solution::Alloc& a : demand) {
        if (a.resource >= 0 && at(a.resource) < nr) u.node_use[at(a.resource)] += a.amount;
      }
    }
  }
  for (std::size_t n = 0; n < p.nodes.size(); ++n) {
    const int h = host_of(p, s, static_cast<int>(n));
    if (h >= 0) u.hosting[at(h)] = 1;
  }

  // Flow totals, and touched elements.
  static const std::vector<std::pair<int, double>> kNone;
  std::vector<FlowTotals> totals;
  totals.reserve(p.flows.size());
  for (std::size_t f = 0; f < p.flows.size(); ++f) {
    const auto& arcs = f < s.flow_arcs.size() ? s.flow_arcs[f] : kNone;
    totals.push_back(totals_of(p, arcs));
    const int l = p.flows[f].link;
    for (const auto& [a, amount] : arcs) {
      if (a < 0 || at(a) >= p.arcs.size() || !(amount > positive)) continue;
      const SubstrateArc& arc = p.arcs[at(a)];
      for (const int e : {arc.from, arc.to}) {
        if (e < 0 || at(e) >= ne) continue;
        u.hosting[at(e)] = 1;
        if (l >= 0 && at(l) < p.links.size()) u.link_touched[at(l)][at(e)] = 1;
      }
    }
  }
  for (std::size_t l = 0; l < p.links.size(); ++l) {
    for (const int ep : p.links[l].endpoints) {
      const int h = host_of(p, s, ep);
      if (h >= 0) u.link_touched[l][at(h)] = 1;
    }
  }

  // Link consumption per site (an element's resource, or an interface
  // resource): the maximum over the link's symmetric flows plus the sum over
  // its directional flows (problem.h; thesis exp_in / exp_out).
  std::vector<std::vector<int>> flows_of(p.links.size());
  for (std::size_t f = 0; f < p.flows.size(); ++f) {
    const int l = p.flows[f].link;
    if (l >= 0 && at(l) < p.links.size()) flows_of[at(l)].push_back(static_cast<int>(f));
  }
  for (std::size_t l = 0; l < p.links.size(); ++l) {
    if (flows_of[l].empty()) continue;
    const auto site = [&](const auto& need) {
      double sym = 0.0;
      double dir = 0.0;
      for (const int f : flows_of[l]) {
        const double n = need(p.flows[at(f)], totals[at(f)]);
        if (p.flows[at(f)].kind == Flow::Kind::kSymmetric) {
          sym = std::max(sym, n);
        } else {
          dir += n;
        }
      }
      return sym + dir;
    };
    for (std::size_t v = 0; v < ne; ++v) {
      for (const int r : p.substrate[v].resources) {
        if (r < 0 || at(r) >= nr) continue;
        const SubstrateResource& res = p.substrate_resources[at(r)];
        if (!is_flow_resource(res) || res.is_interface) continue;
        u.link_use[l][at(r)] += site([&](const Flow& f, const FlowTotals& t) {
          return element_need(res, f, t, static_cast<int>(v));
        });
      }
    }
    for (std::size_t r = 0; r < nr; ++r) {
      if (!p.substrate_resources[r].is_interface) continue;
      u.link_use[l][r] += site([&](const Flow&, const FlowTotals& t) { return t.iface[r]; });
    }
  }

  for (std::size_t r = 0; r < nr; ++r) {
    u.total[r] = u.node_use[r];
    for (std::size_t l = 0; l < p.links.size(); ++l) u.total[r] += u.link_use[l][r];
  }
  return u;
}

}  // namespace cloudnet::mapping::check_internal
