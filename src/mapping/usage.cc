#include "mapping/usage.h"

#include <algorithm>

namespace cloudnet::mapping {

Usage compute_usage(const Problem& p, const Solution& s) {
  using Dir = SubstrateResource::Direction;
  Usage u;
  u.link_use.assign(p.links.size(), {});
  u.link_elements.assign(p.links.size(), {});
  u.resource_use.assign(p.substrate_resources.size(), 0.0);
  for (std::size_t n = 0; n < s.node_alloc.size(); ++n)
    for (const auto& list : s.node_alloc[n])
      for (const auto& a : list) u.resource_use[static_cast<std::size_t>(a.resource)] += a.amount;

  for (std::size_t l = 0; l < p.links.size(); ++l) {
    // per resource: max over symmetric flows + sum over directional flows
    std::map<int, double> sym_max, dir_sum;
    // Interface resources count per arc: (resource, arc) -> max / sum.
    std::map<std::pair<int, int>, double> if_sym, if_dir;
    for (std::size_t fi = 0; fi < p.flows.size() && fi < s.flow_arcs.size(); ++fi) {
      const Flow& f = p.flows[fi];
      if (f.link != static_cast<int>(l)) continue;
      const bool sym = f.kind == Flow::Kind::kSymmetric;
      std::map<int, double> in, out;         // element -> flow
      std::map<int, double> in_up, in_down;  // entering a directional link
      for (const auto& [a, y] : s.flow_arcs[fi]) {
        const auto& arc = p.arcs[static_cast<std::size_t>(a)];
        in[arc.to] += y;
        out[arc.from] += y;
        if (arc.to_direction == Dir::kUp) in_up[arc.to] += y;
        if (arc.to_direction == Dir::kDown) in_down[arc.to] += y;
        u.link_elements[l].insert(arc.from);
        u.link_elements[l].insert(arc.to);
        for (int r : {arc.out_resource, arc.in_resource}) {
          if (r < 0) continue;
          if (sym)
            if_sym[{r, a}] = std::max(if_sym[{r, a}], y);
          else
            if_dir[{r, a}] += y;
        }
      }
      std::set<int> touched;
      for (const auto& [w, _] : in) touched.insert(w);
      for (const auto& [w, _] : out) touched.insert(w);
      for (int w : touched) {
        const auto& el = p.substrate[static_cast<std::size_t>(w)];
        for (int r : el.resources) {
          const auto& sr = p.substrate_resources[static_cast<std::size_t>(r)];
          if (!sr.is_bandwidth || sr.is_interface) continue;
          double thr = 0;
          if (sr.direction == Dir::kBoth || sym) {
            thr = std::max(in.count(w) ? in.at(w) : 0.0, out.count(w) ? out.at(w) : 0.0);
          } else if (sr.direction == Dir::kUp) {
            thr = in_up.count(w) ? in_up.at(w) : 0.0;
          } else {
            thr = in_down.count(w) ? in_down.at(w) : 0.0;
          }
          if (sym)
            sym_max[r] = std::max(sym_max[r], thr);
          else
            dir_sum[r] += thr;
        }
      }
    }
    // The hosts of a link's endpoints belong to it even without traffic.
    for (int ep : p.links[l].endpoints) {
      if (static_cast<std::size_t>(ep) < s.node_host.size() &&
          s.node_host[static_cast<std::size_t>(ep)] >= 0)
        u.link_elements[l].insert(s.node_host[static_cast<std::size_t>(ep)]);
    }
    for (const auto& [key, v] : if_sym) u.link_use[l][key.first] += v;
    for (const auto& [key, v] : if_dir) u.link_use[l][key.first] += v;
    for (const auto& [r, v] : sym_max) u.link_use[l][r] += v;
    for (const auto& [r, v] : dir_sum) u.link_use[l][r] += v;
    for (const auto& [r, v] : u.link_use[l]) u.resource_use[static_cast<std::size_t>(r)] += v;
  }
  return u;
}

}  // namespace cloudnet::mapping
