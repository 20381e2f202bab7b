#include "mapping/objective.h"

#include <algorithm>
#include <cstddef>
#include <vector>

#include "mapping/checker_usage.h"

namespace cloudnet::mapping {

namespace {

constexpr double kPositive = 1e-6;  // arcs carrying more count as used

std::size_t at(int i) {
  return static_cast<std::size_t>(i);
}

double migration_cost(const Problem& p, const Solution& s, const check_internal::Usage& usage) {
  if (!p.existing) return 0.0;
  const Existing& ex = *p.existing;
  double cost = 0.0;
  // Nodes (5.3.5, `new` / `migrated`): penalty(u) * mig(u) + transit(u, v).
  for (std::size_t u = 0; u < p.nodes.size() && u < ex.node_host.size(); ++u) {
    const int old = ex.node_host[u];
    if (old < 0) continue;
    const int h = check_internal::host_of(p, s, static_cast<int>(u));
    if (h != old && u < ex.node_penalty.size()) cost += ex.node_penalty[u];
    if (h >= 0 && u < ex.node_transit.size() && at(h) < ex.node_transit[u].size()) {
      cost += ex.node_transit[u][at(h)];
    }
  }
  // Links: link_penalty if the touched element set changed.
  for (std::size_t l = 0; l < p.links.size() && l < ex.link_elements.size(); ++l) {
    if (ex.link_elements[l].empty()) continue;
    std::vector<char> old(p.substrate.size(), 0);
    for (const int e : ex.link_elements[l]) {
      if (e >= 0 && at(e) < old.size()) old[at(e)] = 1;
    }
    if (old != usage.link_touched[l] && l < ex.link_penalty.size()) cost += ex.link_penalty[l];
  }
  return cost;
}

double min_cost(const Problem& p, const Solution& s, const check_internal::Usage& usage) {
  double cost = 0.0;
  // Node part (5.4.1): weight(u, v) * alloc_rS(u, v, r_V).
  for (std::size_t u = 0; u < p.nodes.size() && u < s.node_alloc.size(); ++u) {
    const int h = check_internal::host_of(p, s, static_cast<int>(u));
    const double w = h >= 0 && u < p.node_weight.size() && at(h) < p.node_weight[u].size()
                         ? p.node_weight[u][at(h)]
                         : 0.0;
    for (const auto& demand : s.node_alloc[u]) {
      for (const Solution::Alloc& a : demand) cost += w * a.amount;
    }
  }
  // Link part: consumption over all flow resources.
  for (const auto& per_resource : usage.link_use) {
    for (const double c : per_resource) cost += c;
  }
  return cost + migration_cost(p, s, usage);
}

double load_c(const Problem& p) {
  if (p.options.load_c >= 0) return p.options.load_c;
  double c = 1.0;
  for (const SubstrateResource& r : p.substrate_resources) c += r.load_weight;
  return c;
}

}  // namespace

double migration_cost(const Problem& problem, const Solution& solution) {
  return migration_cost(problem, solution,
                        check_internal::compute_usage(problem, solution, kPositive));
}

double evaluate(const Problem& p, const Solution& s) {
  const check_internal::Usage usage = check_internal::compute_usage(p, s, kPositive);
  switch (p.options.objective) {
    case Objective::kMinCost: return min_cost(p, s, usage);
    case Objective::kLoadBalance: {
      // 5.4.1 second objective with `load` and `max_load` (Figure 5.2).
      double sum = 0.0;
      double max_load = 0.0;
      for (std::size_t r = 0; r < p.substrate_resources.size(); ++r) {
        const SubstrateResource& res = p.substrate_resources[r];
        if (!(res.capacity > 0)) continue;
        const double load = res.load_weight * (res.used + usage.total[r]) / res.capacity;
        sum += load;
        max_load = std::max(max_load, load);
      }
      return load_c(p) * max_load + sum + migration_cost(p, s, usage);
    }
    case Objective::kEnergy: {
      int switched_on = 0;
      for (std::size_t e = 0; e < p.substrate.size(); ++e) {
        if (!usage.hosting[e]) continue;
        bool idle_before = true;
        for (const int r : p.substrate[e].resources) {
          if (r >= 0 && at(r) < p.substrate_resources.size() &&
              p.substrate_resources[at(r)].used != 0) {
            idle_before = false;
          }
        }
        if (idle_before) ++switched_on;
      }
      return switched_on + 1e-3 * min_cost(p, s, usage);
    }
  }
  return 0.0;
}

double quality_q(const Problem& p, const Solution& s) {
  const check_internal::Usage usage = check_internal::compute_usage(p, s, kPositive);
  // Eq. 6.3, node part: sum of NM^-1 over requested r(v).
  double requested_nodes = 0.0;
  for (const VirtualNode& n : p.nodes) {
    for (const Demand& d : n.demands) requested_nodes += d.amount;
  }
  double allocated_nodes = 0.0;
  for (const double x : usage.node_use) allocated_nodes += x;
  // Link part: sum of LM^-1 over requested r(e).
  double requested_links = 0.0;
  for (const VirtualLink& l : p.links) {
    for (const auto* d : {&l.bandwidth, &l.upstream, &l.downstream}) {
      if (d->has_value()) requested_links += (*d)->amount;
    }
  }
  double consumed_links = 0.0;
  for (const auto& per_resource : usage.link_use) {
    for (const double c : per_resource) consumed_links += c;
  }
  double q = 0.0;
  if (requested_nodes > 0) q += allocated_nodes / requested_nodes;
  if (requested_links > 0) q += consumed_links / requested_links;
  return q;
}

}  // namespace cloudnet::mapping
