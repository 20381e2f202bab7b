#include "mapping/clustering.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <utility>

#include "mapping/formulation.h"
#include "mapping/objective.h"

namespace cloudnet::mapping {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

std::size_t at(int i) {
  return static_cast<std::size_t>(i);
}

double free_of(const SubstrateResource& r) {
  return std::max(0.0, r.capacity - r.used);
}

// The amount a demand needs at least (relate_V gives maximum demands
// min_alloc).
double required(const Problem& p, const Demand& d) {
  return d.value_type == ValueType::kMaximum ? p.options.min_alloc : d.amount;
}

bool covers(double have, double need) {
  return have >= need - 1e-9 * std::max(1.0, std::fabs(need));
}

// thesis 6.4.1: x representatives of `members` (ascending), then every member
// to its closest representative. Returns the representatives in selection
// order and, per representative, its members (ascending).
std::vector<std::pair<int, std::vector<int>>> k_cluster(const NodeDistances& d,
                                                        const std::vector<int>& members, int x) {
  std::vector<int> reps;
  // The two nodes with the highest mutual distance; strict > keeps the
  // lowest index pair on ties.
  int best = -1, ra = members[0], rb = members[1];
  for (std::size_t i = 0; i < members.size(); ++i) {
    for (std::size_t j = i + 1; j < members.size(); ++j) {
      const int h = d.between(members[i], members[j]);
      if (h > best) {
        best = h;
        ra = members[i];
        rb = members[j];
      }
    }
  }
  reps = {ra, rb};
  // Then the node with the largest sum of distances to those chosen so far.
  const std::size_t want = std::min(static_cast<std::size_t>(x), members.size());
  while (reps.size() < want) {
    std::int64_t best_sum = -1;
    int pick = -1;
    for (int c : members) {
      if (std::find(reps.begin(), reps.end(), c) != reps.end()) continue;
      std::int64_t sum = 0;
      for (int r : reps) sum += d.between(c, r);
      if (sum > best_sum) {
        best_sum = sum;
        pick = c;
      }
    }
    reps.push_back(pick);
  }
  std::vector<std::pair<int, std::vector<int>>> out;
  for (int r : reps) out.push_back({r, {}});
  for (int c : members) {
    std::size_t to = 0;
    const auto self = std::find(reps.begin(), reps.end(), c);
    if (self != reps.end()) {
      to = static_cast<std::size_t>(self - reps.begin());
    } else {
      // The closest representative; on ties the one with the lowest index.
      for (std::size_t i = 1; i < reps.size(); ++i) {
        const int hi = d.between(c, reps[i]);
        const int ht = d.between(c, reps[to]);
        if (hi < ht || (hi == ht && reps[i] < reps[to])) to = i;
      }
    }
    out[to].second.push_back(c);
  }
  return out;
}

void split(const NodeDistances& d, int x, int y, int index, std::vector<Cluster>& hierarchy) {
  if (hierarchy[at(index)].nodes.size() <= static_cast<std::size_t>(y)) return;
  // Copies: `hierarchy` grows below.
  const std::vector<int> members = hierarchy[at(index)].nodes;
  const int level = hierarchy[at(index)].level + 1;
  for (auto& [rep, nodes] : k_cluster(d, members, x)) {
    Cluster c;
    c.nodes = std::move(nodes);
    c.level = level;
    c.parent = index;
    c.representative = rep;
    hierarchy.push_back(std::move(c));
    const int child = static_cast<int>(hierarchy.size()) - 1;
    hierarchy[at(index)].children.push_back(child);
    // Every child lacks the other representatives, so it is smaller than its
    // parent and the recursion ends.
    split(d, x, y, child, hierarchy);
  }
}

std::string describe(const MappingResult& r) {
  std::string s = to_string(r.status);
  if (!r.explanation.empty()) s += ": " + r.explanation.front();
  return s;
}

}  // namespace

NodeDistances node_distances(const Problem& p) {
  NodeDistances d;
  const std::size_t S = p.substrate.size();
  d.position.assign(S, -1);
  for (std::size_t v = 0; v < S; ++v) {
    if (p.substrate[v].is_link) continue;
    d.position[v] = static_cast<int>(d.nodes.size());
    d.nodes.push_back(static_cast<int>(v));
  }
  const std::size_t N = d.nodes.size();
  // Any path crosses fewer than S links.
  d.unreachable = static_cast<int>(S) + 1;
  d.hops.assign(N, std::vector<int>(N, d.unreachable));
  // Undirected neighbours (both arc directions).
  std::vector<std::vector<int>> adj(S);
  for (const auto& a : p.arcs) {
    if (a.from < 0 || a.to < 0 || at(a.from) >= S || at(a.to) >= S) continue;
    adj[at(a.from)].push_back(a.to);
    adj[at(a.to)].push_back(a.from);
  }
  // Edges of the node graph: from each node, the least number of links to
  // each node reachable through link elements only (entering a link costs
  // 1, a direct node-node connection 1, leaving a link 0).
  std::vector<int> dist(S);
  std::vector<int> queue;
  for (std::size_t i = 0; i < N; ++i) {
    d.hops[i][i] = 0;
    std::fill(dist.begin(), dist.end(), std::numeric_limits<int>::max());
    const int src = d.nodes[i];
    dist[at(src)] = 0;
    // Link-only regions are small (a node's links and their ends): a
    // label-correcting queue is enough.
    queue.assign(1, src);
    for (std::size_t q = 0; q < queue.size(); ++q) {
      const int w = queue[q];
      if (w != src && !p.substrate[at(w)].is_link) continue;  // stop at nodes
      for (int t : adj[at(w)]) {
        const bool t_link = p.substrate[at(t)].is_link;
        const bool w_link = p.substrate[at(w)].is_link;
        const int cost = t_link ? 1 : (w_link ? 0 : 1);
        if (dist[at(w)] + cost < dist[at(t)]) {
          dist[at(t)] = dist[at(w)] + cost;
          queue.push_back(t);
        }
      }
    }
    for (std::size_t j = 0; j < N; ++j) {
      const int h = dist[at(d.nodes[j])];
      if (j != i && h != std::numeric_limits<int>::max()) d.hops[i][j] = std::min(d.hops[i][j], h);
    }
  }
  // thesis 6.4.1: all pairs by Floyd-Warshall.
  for (std::size_t k = 0; k < N; ++k) {
    for (std::size_t i = 0; i < N; ++i) {
      if (d.hops[i][k] >= d.unreachable) continue;
      for (std::size_t j = 0; j < N; ++j) {
        if (d.hops[k][j] >= d.unreachable) continue;
        d.hops[i][j] = std::min(d.hops[i][j], d.hops[i][k] + d.hops[k][j]);
      }
    }
  }
  // Arcs come in pairs, but be safe with hand-built problems: symmetric.
  for (std::size_t i = 0; i < N; ++i)
    for (std::size_t j = i + 1; j < N; ++j)
      d.hops[i][j] = d.hops[j][i] = std::min(d.hops[i][j], d.hops[j][i]);
  return d;
}

std::vector<Cluster> cluster_substrate(const Problem& problem, const ClusterOptions& options) {
  std::vector<Cluster> hierarchy;
  const NodeDistances d = node_distances(problem);
  if (d.nodes.empty()) return hierarchy;
  Cluster root;
  root.nodes = d.nodes;
  hierarchy.push_back(std::move(root));
  split(d, std::max(2, options.representatives), std::max(1, options.max_size), 0, hierarchy);
  return hierarchy;
}

std::vector<ClusterCandidate> candidate_clusters(const Problem& p,
                                                 const std::vector<Cluster>& clusters) {
  const std::size_t S = p.substrate.size();
  // Requested amounts per virtual attribute (thesis 6.4.2).
  std::map<std::string, double> need;
  for (const auto& n : p.nodes)
    for (const auto& dm : n.demands) need[dm.attribute.str()] += required(p, dm);

  std::vector<ClusterCandidate> out;
  std::vector<char> inside(S);
  for (std::size_t ci = 0; ci < clusters.size(); ++ci) {
    const Cluster& c = clusters[ci];
    std::fill(inside.begin(), inside.end(), char{0});
    for (int v : c.nodes)
      if (v >= 0 && at(v) < S) inside[at(v)] = 1;
    auto offered_inside = [&](const SubstrateResource& r) {
      for (int e : r.elements)
        if (e >= 0 && at(e) < S && inside[at(e)]) return true;
      return false;
    };
    if (p.options.no_colocate && c.nodes.size() < p.nodes.size()) continue;
    // Each virtual node fits on at least one cluster node on its own.
    bool fits = true;
    for (std::size_t u = 0; u < p.nodes.size() && fits; ++u) {
      bool somewhere = false;
      for (int v : c.nodes) {
        if (!p.node_suitable[u][at(v)]) continue;
        bool all = true;
        for (std::size_t k = 0; k < p.nodes[u].demands.size() && all; ++k) {
          double have = 0;
          for (const auto& h : p.demand_hosts[u][k]) {
            const auto& r = p.substrate_resources[at(h.resource)];
            if (std::find(r.elements.begin(), r.elements.end(), v) != r.elements.end())
              have += free_of(r) * h.factor;
          }
          all = covers(have, required(p, p.nodes[u].demands[k]));
        }
        if (all) {
          somewhere = true;
          break;
        }
      }
      fits = somewhere;
    }
    if (!fits) continue;
    // Free node resources per requested attribute: every hosting resource
    // offered inside, once, at its best prop factor.
    std::map<std::string, std::map<int, double>> hosts;  // attribute -> resource -> factor
    for (std::size_t u = 0; u < p.nodes.size(); ++u) {
      for (std::size_t k = 0; k < p.nodes[u].demands.size(); ++k) {
        auto& m = hosts[p.nodes[u].demands[k].attribute.str()];
        for (const auto& h : p.demand_hosts[u][k]) {
          if (!offered_inside(p.substrate_resources[at(h.resource)])) continue;
          auto [it, fresh] = m.emplace(h.resource, h.factor);
          if (!fresh) it->second = std::max(it->second, h.factor);
        }
      }
    }
    ClusterCandidate cand;
    cand.cluster = static_cast<int>(ci);
    cand.size = static_cast<int>(c.nodes.size());
    bool enough = true;
    bool exact = true;
    bool any = false;
    for (const auto& [attr, req] : need) {
      if (req <= 0) continue;
      any = true;
      double have = 0;
      for (const auto& [r, factor] : hosts[attr])
        have += free_of(p.substrate_resources[at(r)]) * factor;
      if (!covers(have, req)) {
        enough = false;
        break;
      }
      // thesis 6.4.2, rule 1: the exact amount of required node resources.
      const bool same = std::fabs(have - req) <= 1e-9 * std::max(1.0, req);
      exact = exact && same;
      cand.residual += (have - req) / req;
    }
    if (!enough) continue;
    cand.exact = any && exact;
    out.push_back(cand);
  }
  // thesis 6.4.2: (1) exact fits, (2) fewer substrate nodes, (3) least
  // residual node resources; stable keeps the hierarchy order otherwise.
  std::stable_sort(out.begin(), out.end(),
                   [](const ClusterCandidate& a, const ClusterCandidate& b) {
                     if (a.exact != b.exact) return a.exact;
                     if (a.size != b.size) return a.size < b.size;
                     return a.residual < b.residual;
                   });
  return out;
}

Problem restrict_to_cluster(const Problem& problem, const std::vector<int>& nodes) {
  const std::size_t S = problem.substrate.size();
  std::vector<char> inside(S, 0);
  for (int v : nodes)
    if (v >= 0 && at(v) < S && !problem.substrate[at(v)].is_link) inside[at(v)] = 1;
  // Link elements are inside unless an end is outside: the largest set of
  // links whose every neighbour is a cluster node or an inside link.
  for (std::size_t e = 0; e < S; ++e) inside[e] = inside[e] || problem.substrate[e].is_link;
  for (bool changed = true; changed;) {
    changed = false;
    for (const auto& a : problem.arcs) {
      if (a.from < 0 || a.to < 0 || at(a.from) >= S || at(a.to) >= S) continue;
      for (auto [e, w] : {std::pair{a.from, a.to}, std::pair{a.to, a.from}}) {
        if (problem.substrate[at(e)].is_link && inside[at(e)] && !inside[at(w)]) {
          inside[at(e)] = 0;
          changed = true;
        }
      }
    }
  }
  Problem q = problem;
  for (auto& row : q.node_suitable)
    for (std::size_t v = 0; v < row.size() && v < S; ++v)
      row[v] = static_cast<char>(row[v] && inside[v]);
  for (auto& row : q.link_allowed)
    for (std::size_t v = 0; v < row.size() && v < S; ++v)
      row[v] = static_cast<char>(row[v] && inside[v]);
  return q;
}

MappingResult solve_clustered(const Problem& problem, const ClusterOptions& options,
                              const InnerSolver& inner) {
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  MappingResult out;
  out.strategy = "cluster";
  out.bound = kNaN;
  out.gap = kInf;
  if (auto none = infeasible_without_candidates(problem)) {
    none->strategy = out.strategy;
    none->bound = out.bound;
    none->gap = out.gap;
    none->seconds = elapsed();
    return *none;
  }
  const std::vector<Cluster> hierarchy = cluster_substrate(problem, options);
  std::vector<std::string> tried;
  int attempts = 0;
  for (const ClusterCandidate& cand : candidate_clusters(problem, hierarchy)) {
    const Cluster& c = hierarchy[at(cand.cluster)];
    if (c.parent < 0) continue;  // the whole substrate is the fallback
    if (options.max_candidates > 0 && attempts >= options.max_candidates) break;
    ++attempts;
    MappingResult r = inner(restrict_to_cluster(problem, c.nodes));
    const std::string label = "cluster(" + std::to_string(c.nodes.size()) + ")";
    out.strategy = label + "/" + r.strategy;
    if (r.status == Status::kError) {
      out.status = Status::kError;
      out.explanation = std::move(r.explanation);
      out.explanation.insert(out.explanation.begin(), "inner solver failed on a " + label);
      out.seconds = elapsed();
      return out;
    }
    if (r.has_solution()) {
      // A restriction's optimum is no proof for the whole substrate.
      out.status = Status::kFeasible;
      out.solution = std::move(r.solution);
      // evaluate() on the original: whatever the inner solver reports.
      out.objective = evaluate(problem, out.solution);
      out.seconds = elapsed();
      return out;
    }
    tried.push_back(label + " at level " + std::to_string(c.level) + " around node " +
                    problem.substrate[at(c.representative)].id + ": " + describe(r));
  }
  if (options.fallback_whole) {
    MappingResult r = inner(problem);
    r.strategy = "cluster(" + std::to_string(hierarchy.empty() ? 0 : hierarchy[0].nodes.size()) +
                 ")/" + r.strategy;
    if (r.has_solution()) {
      r.objective = evaluate(problem, r.solution);
    } else {
      for (auto& t : tried) r.explanation.push_back("tried first: " + t);
    }
    r.seconds = elapsed();
    return r;
  }
  out.status = Status::kNoSolution;
  out.explanation = {"no candidate cluster yielded a mapping (" + std::to_string(attempts) +
                     " tried, no fallback to the whole substrate)"};
  for (auto& t : tried) out.explanation.push_back(t);
  out.seconds = elapsed();
  return out;
}

MappingResult solve_clustered(const Problem& problem, const ClusterOptions& options,
                              const SolveSettings& settings) {
  const auto start = std::chrono::steady_clock::now();
  const InnerSolver inner = [&](const Problem& q) {
    SolveSettings s = settings;
    s.time_limit_s =
        settings.time_limit_s -
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const bool interrupted =
        settings.interrupt != nullptr && settings.interrupt->load(std::memory_order_relaxed);
    if (s.time_limit_s <= 0 || interrupted) {
      MappingResult r;
      r.status = Status::kNoSolution;
      r.strategy = "mip/" + settings.solver;
      r.explanation = {interrupted ? std::string("interrupted")
                                   : "time limit of " + std::to_string(settings.time_limit_s) +
                                         " s reached before this cluster"};
      return r;
    }
    return solve_mip(q, s);
  };
  return solve_clustered(problem, options, inner);
}

}  // namespace cloudnet::mapping
