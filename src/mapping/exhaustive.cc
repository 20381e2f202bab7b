// The exhaustive reference solver (exhaustive.h). Written from problem.h and
// thesis ch. 5 only; it shares no code with the formulation, the checker or
// the objective evaluator, so that comparing them means something.
#include "mapping/exhaustive.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "solver/model.h"
#include "solver/solver.h"

namespace cloudnet::mapping {

namespace {

using Direction = SubstrateResource::Direction;
using solver::LinExpr;
using solver::Var;
using Clock = std::chrono::steady_clock;

constexpr double kEps = 1e-9;

std::size_t at(int i) {
  return static_cast<std::size_t>(i);
}

bool flow_resource(const SubstrateResource& r) {
  return r.is_bandwidth || r.is_interface;
}

bool is_zero(const LinExpr& e) {
  return e.terms().empty() && e.constant() == 0.0;
}

// One simple path of a flow: arcs, and the elements from source host to sink
// host.
struct Path {
  std::vector<int> arcs;
  std::vector<int> elements;
};

struct Candidate {
  int resource = -1;
  double factor = 1;
};

// Everything about one placement of the virtual nodes.
struct Placement {
  std::vector<int> host;
  std::vector<std::vector<std::vector<Candidate>>> candidates;  // [u][k] on the host
  bool closed = true;  // every demand's allocation determined without an LP
  // Per demand with one hosting resource its (minimal, hence optimal)
  // allocation; empty for demands with several (then closed is false).
  std::vector<std::vector<std::vector<Solution::Alloc>>> allocs;
  // For demands with several hosting resources: the one with the largest
  // factor takes the fewest substrate units, need / factor.
  std::vector<std::vector<std::vector<Solution::Alloc>>> cheapest;
  // kMinCost node part: exact when closed, else a lower bound (the
  // cheapest allocations, which may not fit the capacities).
  double node_cost = 0;
  bool bound_valid = true;    // weights >= 0: evaluate() gives lower bounds
  double node_migration = 0;  // migration cost of the nodes
  std::vector<int> pflows;    // flows routed on enumerated paths (different hosts)
  std::vector<const std::vector<Path>*> paths;  // per pflows entry
  std::vector<int> choice;                      // per pflows entry: path index
  std::vector<int> lpflows;                     // splittable flows (different hosts)
  bool needs_lp = false;
};

class Exhaustive {
 public:
  Exhaustive(const Problem& p, const ExhaustiveOptions& o) : p_(p), o_(o), start_(Clock::now()) {}

  MappingResult run() {
    MappingResult result;
    result.strategy = "exhaustive";
    if (const std::optional<std::string> why = setup()) {
      result.status = Status::kError;
      result.explanation.push_back(*why);
    } else if (infeasible_nodes_.empty()) {
      std::vector<int> host(p_.nodes.size(), -1);
      place(host, 0);
    }
    result.seconds = seconds();
    if (result.status == Status::kError && !result.explanation.empty()) return result;
    if (error_) {
      result.status = Status::kError;
      result.explanation.push_back(*error_);
    } else if (limit_) {
      result.status = Status::kNoSolution;
      result.explanation.push_back(*limit_);
    } else if (have_best_) {
      result.status = Status::kOptimal;
      result.solution = best_;
      result.objective = best_objective_;
      result.bound = best_objective_;
      result.gap = 0;
    } else {
      result.status = Status::kInfeasible;
      result.explanation = explain_infeasible();
    }
    return result;
  }

 private:
  // --- Setup ---------------------------------------------------------------

  std::string vnode(int u) const { return "v:" + p_.nodes[at(u)].id; }
  std::string vlink(int l) const { return "v:" + p_.links[at(l)].id; }
  std::string elem(int e) const { return "s:" + p_.substrate[at(e)].id; }

  std::optional<std::string> validate() const {
    const std::size_t ne = p_.substrate.size();
    const std::size_t nr = p_.substrate_resources.size();
    const std::size_t nn = p_.nodes.size();
    const auto in = [](int i, std::size_t n) { return i >= 0 && at(i) < n; };
    if (p_.out_arcs.size() != ne || p_.in_arcs.size() != ne) return "out_arcs/in_arcs not sized";
    for (const SubstrateArc& a : p_.arcs) {
      if (!in(a.from, ne) || !in(a.to, ne)) return "arc with invalid ends";
      if (a.out_resource >= 0 && !in(a.out_resource, nr)) return "arc with invalid out_resource";
      if (a.in_resource >= 0 && !in(a.in_resource, nr)) return "arc with invalid in_resource";
    }
    for (std::size_t e = 0; e < ne; ++e) {
      for (const int a : p_.out_arcs[e]) {
        if (!in(a, p_.arcs.size()) || at(p_.arcs[at(a)].from) != e) return "out_arcs inconsistent";
      }
      for (const int a : p_.in_arcs[e]) {
        if (!in(a, p_.arcs.size()) || at(p_.arcs[at(a)].to) != e) return "in_arcs inconsistent";
      }
      for (const int r : p_.substrate[e].resources) {
        if (!in(r, nr)) return "element with invalid resource index";
      }
    }
    if (p_.node_suitable.size() != nn || p_.node_weight.size() != nn ||
        p_.demand_hosts.size() != nn) {
      return "node_suitable / node_weight / demand_hosts not sized per virtual node";
    }
    for (std::size_t u = 0; u < nn; ++u) {
      if (p_.node_suitable[u].size() != ne || p_.node_weight[u].size() != ne) {
        return "node_suitable / node_weight rows not sized per substrate element";
      }
      if (p_.demand_hosts[u].size() != p_.nodes[u].demands.size()) {
        return "demand_hosts not sized per demand of " + vnode(static_cast<int>(u));
      }
      for (const auto& hosts : p_.demand_hosts[u]) {
        for (const Problem::Host& h : hosts) {
          if (!in(h.resource, nr)) return "demand host with invalid resource index";
        }
      }
    }
    if (p_.link_allowed.size() != p_.links.size()) return "link_allowed not sized per link";
    for (std::size_t l = 0; l < p_.links.size(); ++l) {
      if (p_.link_allowed[l].size() != ne) return "link_allowed rows not sized per element";
      for (const int u : p_.links[l].endpoints) {
        if (!in(u, nn)) return "link with invalid endpoint";
      }
    }
    for (const Flow& f : p_.flows) {
      if (!in(f.link, p_.links.size()) || !in(f.source, nn) || !in(f.sink, nn)) {
        return "flow with invalid link, source or sink";
      }
    }
    for (const GroupConstraint& g : p_.groups) {
      for (const int u : g.nodes) {
        if (!in(u, nn)) return "group with invalid node";
      }
      for (const int l : g.links) {
        if (!in(l, p_.links.size())) return "group with invalid link";
      }
    }
    return std::nullopt;
  }

  std::optional<std::string> setup() {
    if (auto why = validate()) return "malformed problem: " + *why;
    const Options& opt = p_.options;
    if (opt.objective == Objective::kEnergy && !opt.no_split) {
      return "exhaustive: the energy objective needs no_split (it counts switched-on elements, "
             "which path enumeration determines; with splittable flows it is a MIP)";
    }
    path_link_.assign(p_.links.size(), 0);
    for (std::size_t l = 0; l < p_.links.size(); ++l) {
      const VirtualLink& link = p_.links[l];
      const bool bounded = link.max_latency.has_value() || link.min_latency.has_value();
      if (bounded && !opt.no_split && opt.path_parts > 1) {
        return "exhaustive: latency bounds with path_parts > 1 (flows split into several "
               "bounded subflows) are not supported; " +
               vlink(static_cast<int>(l)) + " has a latency bound";
      }
      path_link_[l] = opt.no_split || bounded ? 1 : 0;
    }
    for (const Flow& f : p_.flows) {
      if (!(f.amount > kEps) || path_link_[at(f.link)]) continue;
      for (const GroupConstraint& g : p_.groups) {
        if (g.kind == GroupConstraint::Kind::kDistinct &&
            std::find(g.links.begin(), g.links.end(), f.link) != g.links.end()) {
          return "exhaustive: a distinct group over splittable link " + vlink(f.link) +
                 " is not supported (use no_split)";
        }
      }
      if (p_.existing && at(f.link) < p_.existing->link_elements.size() &&
          !p_.existing->link_elements[at(f.link)].empty() &&
          at(f.link) < p_.existing->link_penalty.size() &&
          p_.existing->link_penalty[at(f.link)] > 0) {
        return "exhaustive: a link migration penalty on splittable link " + vlink(f.link) +
               " is not supported: whether the touched set changes is combinatorial, and keeping "
               "it may need an arbitrarily small flow (the optimum need not be attained); use "
               "no_split";
      }
    }
    // Candidate hosts (allowed, Figure 5.2).
    candidates_.assign(p_.nodes.size(), {});
    for (std::size_t u = 0; u < p_.nodes.size(); ++u) {
      for (std::size_t e = 0; e < p_.substrate.size(); ++e) {
        if (!p_.substrate[e].is_link && p_.node_suitable[u][e]) {
          candidates_[u].push_back(static_cast<int>(e));
        }
      }
      if (candidates_[u].empty()) infeasible_nodes_.push_back(static_cast<int>(u));
    }
    idle_before_.assign(p_.substrate.size(), 1);
    for (std::size_t e = 0; e < p_.substrate.size(); ++e) {
      for (const int r : p_.substrate[e].resources) {
        if (p_.substrate_resources[at(r)].used != 0) idle_before_[e] = 0;
      }
    }
    nonnegative_latency_ = true;
    for (const SubstrateElement& e : p_.substrate) {
      if (e.latency < 0) nonnegative_latency_ = false;
    }
    // Lower bounds from partial choices need costs that only grow.
    monotone_ = true;
    for (const auto& row : p_.node_weight) {
      for (const double w : row) monotone_ = monotone_ && w >= 0;
    }
    for (const SubstrateResource& r : p_.substrate_resources) {
      monotone_ = monotone_ && r.load_weight >= 0;
    }
    if (p_.existing) {
      for (const double x : p_.existing->link_penalty) monotone_ = monotone_ && x >= 0;
    }
    load_c_ = opt.load_c;
    if (load_c_ < 0) {
      load_c_ = 1;
      for (const SubstrateResource& r : p_.substrate_resources) load_c_ += r.load_weight;
    }
    return std::nullopt;
  }

  double seconds() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }
  bool stop() {
    if (error_ || limit_) return true;
    if (seconds() > o_.time_limit_s) limit_ = "exhaustive: time limit reached";
    return limit_.has_value();
  }

  // --- Placements ------------------------------------------------------------

  const std::string* feature(int e, const flerd::TypePath& attribute) const {
    for (const flerd::Feature& f : p_.substrate[at(e)].features) {
      if (flerd::TypePath::parse_lenient(f.attribute) == attribute) return &f.value;
    }
    return nullptr;
  }

  // Constraints between node u and the nodes placed before it.
  bool consistent(const std::vector<int>& host, int u) const {
    if (p_.options.no_colocate) {
      for (int w = 0; w < u; ++w) {
        if (host[at(w)] == host[at(u)]) return false;
      }
    }
    for (const GroupConstraint& g : p_.groups) {
      if (std::find(g.nodes.begin(), g.nodes.end(), u) == g.nodes.end()) continue;
      const std::string* mine = nullptr;
      if (g.kind == GroupConstraint::Kind::kEquals) {
        mine = feature(host[at(u)], g.attribute);
        if (mine == nullptr) return false;
      }
      for (const int w : g.nodes) {
        if (w >= u) continue;
        switch (g.kind) {
          case GroupConstraint::Kind::kDistinct:
            if (host[at(w)] == host[at(u)]) return false;
            break;
          case GroupConstraint::Kind::kColocate:
            if (host[at(w)] != host[at(u)]) return false;
            break;
          case GroupConstraint::Kind::kEquals: {
            const std::string* theirs = feature(host[at(w)], g.attribute);
            if (theirs == nullptr || *theirs != *mine) return false;
            break;
          }
        }
      }
    }
    return true;
  }

  void place(std::vector<int>& host, std::size_t u) {
    if (stop()) return;
    if (u == p_.nodes.size()) {
      if (++placements_ > o_.max_placements) {
        limit_ = "exhaustive: more than " + std::to_string(o_.max_placements) + " placements";
        return;
      }
      process(host);
      return;
    }
    for (const int e : candidates_[u]) {
      host[u] = e;
      if (consistent(host, static_cast<int>(u))) place(host, u + 1);
      if (stop()) return;
    }
    host[u] = -1;
  }

  // --- One placement -----------------------------------------------------------

  void process(const std::vector<int>& host) {
    Placement pl;
    pl.host = host;
    pl.bound_valid = monotone_;
    const double min_alloc = p_.options.min_alloc;
    const std::size_t nn = p_.nodes.size();
    pl.candidates.assign(nn, {});
    pl.allocs.assign(nn, {});
    pl.cheapest.assign(nn, {});
    // Node demands: req_min / req_max / req_con with relate_V (Figure 5.2).
    for (std::size_t u = 0; u < nn; ++u) {
      const int h = host[u];
      const auto& offered = p_.substrate[at(h)].resources;
      for (std::size_t k = 0; k < p_.nodes[u].demands.size(); ++k) {
        const Demand& d = p_.nodes[u].demands[k];
        double need = 0;
        switch (d.value_type) {
          case ValueType::kMinimum: need = std::max(d.amount, min_alloc); break;
          case ValueType::kMaximum: need = min_alloc; break;
          case ValueType::kConstant: need = d.amount; break;
        }
        if (d.value_type != ValueType::kMinimum && min_alloc > d.amount + kEps) {
          ++demand_fail_;
          demand_reason_ =
              vnode(static_cast<int>(u)) + " demand " + d.resource_id + ": min_alloc exceeds the " +
              (d.value_type == ValueType::kMaximum ? "maximum" : "constant") + " amount";
          return;
        }
        std::vector<Candidate> cands;
        for (const Problem::Host& x : p_.demand_hosts[u][k]) {
          if (x.factor > 0 &&
              std::find(offered.begin(), offered.end(), x.resource) != offered.end()) {
            cands.push_back({x.resource, x.factor});
          }
        }
        std::vector<Solution::Alloc> alloc;
        std::vector<Solution::Alloc> cheapest;
        if (need > 0) {
          if (cands.empty()) {
            ++demand_fail_;
            demand_reason_ = vnode(static_cast<int>(u)) + " demand " + d.resource_id +
                             ": no resource of " + elem(h) + " can host it";
            return;
          }
          if (cands.size() == 1) {
            alloc.push_back({cands[0].resource, need / cands[0].factor});
          } else {
            pl.closed = false;
            const Candidate* best = &cands[0];
            for (const Candidate& c : cands) {
              if (c.factor > best->factor) best = &c;
            }
            cheapest.push_back({best->resource, need / best->factor});
          }
        }
        const double w = p_.node_weight[u][at(h)];
        if (w < 0) pl.bound_valid = false;
        for (const Solution::Alloc& a : alloc) pl.node_cost += w * a.amount;
        for (const Solution::Alloc& a : cheapest) pl.node_cost += w * a.amount;
        pl.candidates[u].push_back(std::move(cands));
        pl.allocs[u].push_back(std::move(alloc));
        pl.cheapest[u].push_back(std::move(cheapest));
      }
    }
    // Node migration (5.3.5): penalty(u) * mig(u) + transit(u, v).
    if (p_.existing) {
      const Existing& ex = *p_.existing;
      for (std::size_t u = 0; u < nn && u < ex.node_host.size(); ++u) {
        if (ex.node_host[u] < 0) continue;
        if (ex.node_host[u] != host[u] && u < ex.node_penalty.size()) {
          pl.node_migration += ex.node_penalty[u];
        }
        if (u < ex.node_transit.size() && at(host[u]) < ex.node_transit[u].size()) {
          pl.node_migration += ex.node_transit[u][at(host[u])];
        }
      }
    }
    // Flows.
    std::vector<int> order(p_.flows.size());
    for (std::size_t f = 0; f < order.size(); ++f) order[f] = static_cast<int>(f);
    std::stable_sort(order.begin(), order.end(),
                     [&](int a, int b) { return p_.flows[at(a)].link < p_.flows[at(b)].link; });
    for (const int f : order) {
      const Flow& flow = p_.flows[at(f)];
      const int s = host[at(flow.source)];
      const int t = host[at(flow.sink)];
      if (!(flow.amount > kEps) || s == t) continue;
      if (!path_link_[at(flow.link)]) {
        pl.lpflows.push_back(f);
        continue;
      }
      const std::vector<Path>* paths = paths_for(flow.link, s, t);
      if (paths == nullptr) return;  // limit
      if (paths->empty()) {
        ++route_fail_;
        route_reason_ = vlink(flow.link) + ": no allowed path from " + elem(s) + " to " + elem(t) +
                        " within the latency bounds";
        return;
      }
      pl.pflows.push_back(f);
      pl.paths.push_back(paths);
    }
    pl.choice.assign(pl.pflows.size(), -1);
    pl.needs_lp = !pl.lpflows.empty() || !pl.closed;
    if (pl.needs_lp && !lp_) {
      auto backend = solver::default_registry().create(o_.lp_backend);
      if (!backend) {
        error_ = "exhaustive: LP backend: " + backend.error().message;
        return;
      }
      lp_ = std::move(backend).value();
    }
    search(pl, 0);
  }

  // Simple paths from s to t over elements allowed for link l, with the
  // latency of the intermediate elements within the link's bounds (5.5.5).
  const std::vector<Path>* paths_for(int l, int s, int t) {
    const auto key = std::make_tuple(l, s, t);
    if (const auto it = path_cache_.find(key); it != path_cache_.end()) return &it->second;
    const VirtualLink& link = p_.links[at(l)];
    const auto& allowed = p_.link_allowed[at(l)];
    std::vector<Path> out;
    bool overflow = false;
    if (allowed[at(s)] && allowed[at(t)]) {
      Path cur;
      cur.elements.push_back(s);
      std::vector<char> on(p_.substrate.size(), 0);
      on[at(s)] = 1;
      const auto rec = [&](const auto& self, int v, double latency) -> void {
        if (overflow) return;
        if (v == t) {
          if (link.max_latency && latency > *link.max_latency + kEps) return;
          if (link.min_latency && latency < *link.min_latency - kEps) return;
          if (static_cast<std::int64_t>(out.size()) >= o_.max_paths_per_flow) {
            overflow = true;
            return;
          }
          out.push_back(cur);
          return;
        }
        for (const int a : p_.out_arcs[at(v)]) {
          const int w = p_.arcs[at(a)].to;
          if (on[at(w)] || !allowed[at(w)]) continue;
          const double next = latency + (w == t ? 0.0 : p_.substrate[at(w)].latency);
          if (nonnegative_latency_ && link.max_latency && next > *link.max_latency + kEps) continue;
          on[at(w)] = 1;
          cur.arcs.push_back(a);
          cur.elements.push_back(w);
          self(self, w, next);
          cur.arcs.pop_back();
          cur.elements.pop_back();
          on[at(w)] = 0;
        }
      };
      rec(rec, s, 0.0);
    }
    if (overflow) {
      limit_ = "exhaustive: more than " + std::to_string(o_.max_paths_per_flow) + " paths for " +
               vlink(l) + " from " + elem(s) + " to " + elem(t);
      return nullptr;
    }
    return &path_cache_.emplace(key, std::move(out)).first->second;
  }

  // --- Evaluation with paths fixed ---------------------------------------------

  // The first `depth` path flows with the one-resource allocations (and the
  // cheapest ones for the others if `with_cheapest`): capacity, and the
  // objective. Flows and allocations only add use, so when capacity fails
  // every completion fails, and the objective is a lower bound on every
  // completion (the cheapest allocations bound the kMinCost node part from
  // below even where they do not fit). It is exact for a full choice of
  // paths without LP flows when the placement is closed, or with
  // `with_cheapest` under kMinCost / kEnergy.
  struct Eval {
    bool capacity_ok = true;
    double objective = 0;
  };

  // Per-flow need at each site of a path (problem.h, flow resources): a
  // both-ways resource, or any resource for a symmetric flow, takes the
  // amount on every element of the path (the throughput there); a directional
  // resource of a link takes it when a directional flow enters through that
  // direction's interface; an interface resource takes it per arc naming it.
  // Site key: (element, resource), element -1 for interface resources.
  std::map<std::pair<int, int>, double> path_needs(const Flow& f, const Path& path) const {
    std::map<std::pair<int, int>, double> need;
    for (std::size_t i = 0; i < path.elements.size(); ++i) {
      const int v = path.elements[i];
      for (const int r : p_.substrate[at(v)].resources) {
        const SubstrateResource& res = p_.substrate_resources[at(r)];
        if (!flow_resource(res) || res.is_interface) continue;
        double n = 0;
        if (res.direction == Direction::kBoth || f.kind == Flow::Kind::kSymmetric) {
          n = f.amount;
        } else if (i > 0 && p_.arcs[at(path.arcs[i - 1])].to_direction == res.direction) {
          n = f.amount;
        }
        need[{v, r}] += n;
      }
    }
    for (const int a : path.arcs) {
      const SubstrateArc& arc = p_.arcs[at(a)];
      if (arc.out_resource >= 0 && p_.substrate_resources[at(arc.out_resource)].is_interface) {
        need[{-1, arc.out_resource}] += f.amount;
      }
      if (arc.in_resource >= 0 && arc.in_resource != arc.out_resource &&
          p_.substrate_resources[at(arc.in_resource)].is_interface) {
        need[{-1, arc.in_resource}] += f.amount;
      }
    }
    return need;
  }

  // Per link, per site: the link's consumption from the first `depth` path
  // flows (max over symmetric flows + sum over directional ones).
  std::map<int, std::map<std::pair<int, int>, double>> link_consumption(const Placement& pl,
                                                                        std::size_t depth) const {
    std::map<int, std::map<std::pair<int, int>, double>> sym, dir;
    for (std::size_t i = 0; i < depth; ++i) {
      const Flow& f = p_.flows[at(pl.pflows[i])];
      const Path& path = (*pl.paths[i])[at(pl.choice[i])];
      for (const auto& [site, n] : path_needs(f, path)) {
        if (f.kind == Flow::Kind::kSymmetric) {
          double& m = sym[f.link][site];
          m = std::max(m, n);
        } else {
          dir[f.link][site] += n;
        }
      }
    }
    for (const auto& [l, sites] : dir) {
      for (const auto& [site, n] : sites) sym[l][site] += n;
    }
    return sym;
  }

  // Elements a link touches: its endpoint hosts and the elements of the paths
  // chosen for its flows among the first `depth`.
  std::set<int> touched(const Placement& pl, int l, std::size_t depth) const {
    std::set<int> t;
    for (const int u : p_.links[at(l)].endpoints) t.insert(pl.host[at(u)]);
    for (std::size_t i = 0; i < depth; ++i) {
      if (p_.flows[at(pl.pflows[i])].link != l) continue;
      const Path& path = (*pl.paths[i])[at(pl.choice[i])];
      t.insert(path.elements.begin(), path.elements.end());
    }
    return t;
  }

  // Link migration cost of the links whose path flows are all among the
  // first `depth` (links without path flows always count).
  double link_migration(const Placement& pl, std::size_t depth) const {
    if (!p_.existing) return 0;
    const Existing& ex = *p_.existing;
    double cost = 0;
    for (std::size_t l = 0; l < p_.links.size() && l < ex.link_elements.size(); ++l) {
      if (ex.link_elements[l].empty() || l >= ex.link_penalty.size()) continue;
      bool complete = true;
      for (std::size_t i = depth; i < pl.pflows.size(); ++i) {
        if (at(p_.flows[at(pl.pflows[i])].link) == l) complete = false;
      }
      if (!complete) continue;
      std::set<int> old;
      for (const int e : ex.link_elements[l]) {
        if (e >= 0 && at(e) < p_.substrate.size()) old.insert(e);
      }
      if (old != touched(pl, static_cast<int>(l), depth)) cost += ex.link_penalty[l];
    }
    return cost;
  }

  // Elements switched on (kEnergy): node hosts and path elements that hosted
  // nothing before.
  int switched_on(const Placement& pl, std::size_t depth) const {
    std::set<int> hosting(pl.host.begin(), pl.host.end());
    for (std::size_t i = 0; i < depth; ++i) {
      const Path& path = (*pl.paths[i])[at(pl.choice[i])];
      hosting.insert(path.elements.begin(), path.elements.end());
    }
    int n = 0;
    for (const int e : hosting) n += idle_before_[at(e)] ? 1 : 0;
    return n;
  }

  Eval evaluate(const Placement& pl, std::size_t depth, bool with_cheapest = false) const {
    Eval ev;
    std::vector<double> use(p_.substrate_resources.size(), 0.0);
    for (const auto* allocs : {&pl.allocs, with_cheapest ? &pl.cheapest : nullptr}) {
      if (allocs == nullptr) continue;
      for (const auto& per_node : *allocs) {
        for (const auto& per_demand : per_node) {
          for (const Solution::Alloc& a : per_demand) use[at(a.resource)] += a.amount;
        }
      }
    }
    double link_cost = 0;
    for (const auto& [l, sites] : link_consumption(pl, depth)) {
      for (const auto& [site, n] : sites) {
        use[at(site.second)] += n;
        link_cost += n;
      }
    }
    for (std::size_t r = 0; r < use.size(); ++r) {
      const SubstrateResource& res = p_.substrate_resources[r];
      if (use[r] > kEps && use[r] > std::max(res.capacity - res.used, 0.0) + kEps) {
        ev.capacity_ok = false;
        return ev;
      }
    }
    const double migration = pl.node_migration + link_migration(pl, depth);
    const double min_cost = pl.node_cost + link_cost + migration;
    switch (p_.options.objective) {
      case Objective::kMinCost: ev.objective = min_cost; break;
      case Objective::kLoadBalance: {
        double sum = 0;
        double max_load = 0;
        for (std::size_t r = 0; r < use.size(); ++r) {
          const SubstrateResource& res = p_.substrate_resources[r];
          if (!(res.capacity > 0)) continue;
          const double load = res.load_weight * (res.used + use[r]) / res.capacity;
          sum += load;
          max_load = std::max(max_load, load);
        }
        ev.objective = load_c_ * max_load + sum + migration;
        break;
      }
      case Objective::kEnergy: ev.objective = switched_on(pl, depth) + 1e-3 * min_cost; break;
    }
    return ev;
  }

  // kDistinct link groups: elements shared only if they host an endpoint of
  // one of the two links.
  bool distinct_links_ok(const Placement& pl) const {
    for (const GroupConstraint& g : p_.groups) {
      if (g.kind != GroupConstraint::Kind::kDistinct) continue;
      for (std::size_t i = 0; i < g.links.size(); ++i) {
        for (std::size_t j = i + 1; j < g.links.size(); ++j) {
          const int a = g.links[i];
          const int b = g.links[j];
          std::set<int> ends;
          for (const int l : {a, b}) {
            for (const int u : p_.links[at(l)].endpoints) ends.insert(pl.host[at(u)]);
          }
          const std::set<int> ta = touched(pl, a, pl.pflows.size());
          for (const int e : touched(pl, b, pl.pflows.size())) {
            if (ta.count(e) && !ends.count(e)) return false;
          }
        }
      }
    }
    return true;
  }

  void search(Placement& pl, std::size_t depth) {
    if (stop()) return;
    if (++path_nodes_ > o_.max_path_nodes) {
      limit_ = "exhaustive: more than " + std::to_string(o_.max_path_nodes) + " path-search nodes";
      return;
    }
    // Adding flows never lowers any use nor the objective (see Eval), so a
    // partial choice over capacity or not better than the best so far is
    // pruned.
    const Eval ev = evaluate(pl, depth);
    if (!ev.capacity_ok) {
      ++capacity_fail_;
      return;
    }
    if (pl.bound_valid && have_best_ && ev.objective >= best_objective_ - kEps) return;
    if (depth == pl.pflows.size()) {
      if (!distinct_links_ok(pl)) {
        ++distinct_fail_;
        return;
      }
      if (!pl.needs_lp) {
        record(ev.objective, fixed_solution(pl, false));
        return;
      }
      // Only allocations left to choose, and the cheapest ones fit: they
      // are optimal for kMinCost and kEnergy (lowest node cost, same rest).
      if (pl.lpflows.empty() && pl.bound_valid && p_.options.objective != Objective::kLoadBalance) {
        const Eval cheap = evaluate(pl, depth, true);
        if (cheap.capacity_ok) {
          record(cheap.objective, fixed_solution(pl, true));
          return;
        }
      }
      solve_lp(pl);
      return;
    }
    for (std::size_t i = 0; i < pl.paths[depth]->size(); ++i) {
      pl.choice[depth] = static_cast<int>(i);
      search(pl, depth + 1);
      if (stop()) return;
    }
    pl.choice[depth] = -1;
  }

  Solution fixed_solution(const Placement& pl, bool with_cheapest) const {
    Solution s;
    s.node_host = pl.host;
    s.node_alloc = pl.allocs;
    if (with_cheapest) {
      for (std::size_t u = 0; u < s.node_alloc.size(); ++u) {
        for (std::size_t k = 0; k < s.node_alloc[u].size(); ++k) {
          for (const Solution::Alloc& a : pl.cheapest[u][k]) s.node_alloc[u][k].push_back(a);
        }
      }
    }
    s.flow_arcs.assign(p_.flows.size(), {});
    for (std::size_t i = 0; i < pl.pflows.size(); ++i) {
      const Flow& f = p_.flows[at(pl.pflows[i])];
      for (const int a : (*pl.paths[i])[at(pl.choice[i])].arcs) {
        s.flow_arcs[at(pl.pflows[i])].emplace_back(a, f.amount);
      }
    }
    return s;
  }

  void record(double objective, Solution solution) {
    if (have_best_ &&
        objective >= best_objective_ - kEps * std::max(1.0, std::fabs(best_objective_))) {
      return;
    }
    have_best_ = true;
    best_objective_ = objective;
    best_ = std::move(solution);
  }

  // --- The LP for one placement (and one choice of paths) -------------------

  // max(exprs) as an expression: a constant when all are constant, the
  // expression itself when there is one, else a new variable bounding them
  // all from above (tight at the optimum because every use is minimised or
  // capacity-bounded).
  LinExpr max_of(solver::Model& m, const std::vector<LinExpr>& exprs) const {
    std::vector<const LinExpr*> nonzero;
    bool all_constant = true;
    double c = 0;
    for (const LinExpr& e : exprs) {
      if (is_zero(e)) continue;
      nonzero.push_back(&e);
      if (!e.terms().empty()) all_constant = false;
      c = std::max(c, e.constant());
    }
    if (nonzero.empty()) return LinExpr();
    if (all_constant) return LinExpr(c);
    if (nonzero.size() == 1) return *nonzero[0];
    const Var v = m.add_continuous("", 0.0);
    for (const LinExpr* e : nonzero) m.add_ge("", LinExpr(v) - *e, 0.0);
    return LinExpr(v);
  }

  void solve_lp(const Placement& pl) {
    if (++lps_ > o_.max_lps) {
      limit_ = "exhaustive: more than " + std::to_string(o_.max_lps) + " LPs";
      return;
    }
    const std::size_t nr = p_.substrate_resources.size();
    const std::size_t ne = p_.substrate.size();
    solver::Model m("exhaustive");
    std::vector<LinExpr> use(nr);
    LinExpr node_cost;
    // Node allocations (`resource`, req_*, relate_V): alloc_rS >= 0 on the
    // host's resources that can host the demand.
    std::vector<std::vector<std::vector<std::pair<Var, int>>>> avars(p_.nodes.size());
    for (std::size_t u = 0; u < p_.nodes.size(); ++u) {
      const int h = pl.host[u];
      avars[u].resize(p_.nodes[u].demands.size());
      for (std::size_t k = 0; k < p_.nodes[u].demands.size(); ++k) {
        const Demand& d = p_.nodes[u].demands[k];
        LinExpr virtual_amount;
        for (const Candidate& c : pl.candidates[u][k]) {
          const Var a = m.add_continuous("", 0.0);
          avars[u][k].emplace_back(a, c.resource);
          virtual_amount += c.factor * a;
          use[at(c.resource)] += a;
          node_cost += p_.node_weight[u][at(h)] * a;
        }
        if (virtual_amount.terms().empty()) continue;  // need is 0 (checked in process)
        const double min_alloc = p_.options.min_alloc;
        switch (d.value_type) {
          case ValueType::kMinimum:
            m.add_ge("", virtual_amount, std::max(d.amount, min_alloc));
            break;
          case ValueType::kMaximum: m.add_row("", min_alloc, virtual_amount, d.amount); break;
          case ValueType::kConstant: m.add_eq("", virtual_amount, d.amount); break;
        }
      }
    }
    // Flows: fixed paths as constants, splittable flows as arc variables
    // with conservation (req_f*, 5.3.4).
    std::map<int, std::map<int, double>> fixed;  // flow -> arc -> amount
    for (std::size_t i = 0; i < pl.pflows.size(); ++i) {
      for (const int a : (*pl.paths[i])[at(pl.choice[i])].arcs) {
        fixed[pl.pflows[i]][a] = p_.flows[at(pl.pflows[i])].amount;
      }
    }
    std::map<int, std::map<int, Var>> xvars;  // flow -> arc -> variable
    for (const int f : pl.lpflows) {
      const Flow& flow = p_.flows[at(f)];
      const auto& allowed = p_.link_allowed[at(flow.link)];
      auto& x = xvars[f];
      for (std::size_t a = 0; a < p_.arcs.size(); ++a) {
        if (allowed[at(p_.arcs[a].from)] && allowed[at(p_.arcs[a].to)]) {
          x[static_cast<int>(a)] = m.add_continuous("", 0.0);
        }
      }
      const int s = pl.host[at(flow.source)];
      const int t = pl.host[at(flow.sink)];
      for (std::size_t v = 0; v < ne; ++v) {
        LinExpr net;
        for (const int a : p_.out_arcs[v]) {
          if (const auto it = x.find(a); it != x.end()) net += it->second;
        }
        for (const int a : p_.in_arcs[v]) {
          if (const auto it = x.find(a); it != x.end()) net -= it->second;
        }
        const double rhs = static_cast<int>(v) == s   ? flow.amount
                           : static_cast<int>(v) == t ? -flow.amount
                                                      : 0.0;
        if (net.terms().empty()) {
          if (rhs != 0) {
            ++capacity_fail_;  // no allowed arc at a host: no route
            return;
          }
          continue;
        }
        m.add_eq("", net, rhs);
      }
    }
    const auto arc_expr = [&](int f, int a) -> LinExpr {
      if (const auto it = fixed.find(f); it != fixed.end()) {
        const auto jt = it->second.find(a);
        return LinExpr(jt == it->second.end() ? 0.0 : jt->second);
      }
      if (const auto it = xvars.find(f); it != xvars.end()) {
        const auto jt = it->second.find(a);
        if (jt != it->second.end()) return LinExpr(jt->second);
      }
      return LinExpr();
    };
    // Link consumption (problem.h; exp_in / exp_out, direction, 5.5.2).
    std::vector<std::vector<int>> routed(p_.links.size());
    for (const int f : pl.pflows) routed[at(p_.flows[at(f)].link)].push_back(f);
    for (const int f : pl.lpflows) routed[at(p_.flows[at(f)].link)].push_back(f);
    std::vector<std::vector<int>> iface_arcs(nr);
    for (std::size_t a = 0; a < p_.arcs.size(); ++a) {
      const SubstrateArc& arc = p_.arcs[a];
      if (arc.out_resource >= 0) iface_arcs[at(arc.out_resource)].push_back(static_cast<int>(a));
      if (arc.in_resource >= 0 && arc.in_resource != arc.out_resource) {
        iface_arcs[at(arc.in_resource)].push_back(static_cast<int>(a));
      }
    }
    LinExpr link_cost;
    for (std::size_t l = 0; l < p_.links.size(); ++l) {
      if (routed[l].empty()) continue;
      const auto site = [&](int r, const auto& needs_of) {
        std::vector<LinExpr> sym;
        LinExpr total;
        for (const int f : routed[l]) {
          std::vector<LinExpr> needs = needs_of(p_.flows[at(f)], f);
          if (p_.flows[at(f)].kind == Flow::Kind::kSymmetric) {
            for (LinExpr& e : needs) sym.push_back(std::move(e));
          } else {
            total += max_of(m, needs);
          }
        }
        total += max_of(m, sym);
        if (is_zero(total)) return;
        use[at(r)] += total;
        link_cost += total;
      };
      for (std::size_t v = 0; v < ne; ++v) {
        for (const int r : p_.substrate[v].resources) {
          const SubstrateResource& res = p_.substrate_resources[at(r)];
          if (!flow_resource(res) || res.is_interface) continue;
          site(r, [&](const Flow& flow, int f) {
            LinExpr in, out, dir;
            for (const int a : p_.in_arcs[v]) {
              in += arc_expr(f, a);
              if (p_.arcs[at(a)].to_direction == res.direction) dir += arc_expr(f, a);
            }
            for (const int a : p_.out_arcs[v]) out += arc_expr(f, a);
            if (res.direction == Direction::kBoth || flow.kind == Flow::Kind::kSymmetric) {
              return std::vector<LinExpr>{in, out};
            }
            return std::vector<LinExpr>{dir};
          });
        }
      }
      for (std::size_t r = 0; r < nr; ++r) {
        if (!p_.substrate_resources[r].is_interface) continue;
        site(static_cast<int>(r), [&](const Flow&, int f) {
          LinExpr through;
          for (const int a : iface_arcs[r]) through += arc_expr(f, a);
          return std::vector<LinExpr>{through};
        });
      }
    }
    // ne_capacity / capacity against the free capacity.
    for (std::size_t r = 0; r < nr; ++r) {
      const SubstrateResource& res = p_.substrate_resources[r];
      const double free = std::max(res.capacity - res.used, 0.0);
      if (is_zero(use[r])) continue;
      if (use[r].terms().empty()) {
        if (use[r].constant() > free + kEps) {
          ++capacity_fail_;
          return;
        }
        continue;
      }
      m.add_le("", use[r], free);
    }
    // Objective (5.4.1, problem.h).
    const double migration = pl.node_migration + link_migration(pl, pl.pflows.size());
    LinExpr objective;
    switch (p_.options.objective) {
      case Objective::kMinCost: objective = node_cost + link_cost + LinExpr(migration); break;
      case Objective::kLoadBalance: {
        const Var max_load = m.add_continuous("max_load", 0.0);
        double floor = 0;
        for (std::size_t r = 0; r < nr; ++r) {
          const SubstrateResource& res = p_.substrate_resources[r];
          if (!(res.capacity > 0)) continue;
          LinExpr load = (res.load_weight / res.capacity) * (LinExpr(res.used) + use[r]);
          objective += load;
          if (load.terms().empty()) {
            floor = std::max(floor, load.constant());
          } else {
            m.add_ge("", LinExpr(max_load) - load, 0.0);
          }
        }
        m.set_bounds(max_load, floor, solver::kInf);
        objective += load_c_ * LinExpr(max_load);
        objective += migration;
        break;
      }
      case Objective::kEnergy:
        objective = LinExpr(switched_on(pl, pl.pflows.size())) +
                    1e-3 * (node_cost + link_cost + LinExpr(migration));
        break;
    }
    m.set_objective(objective, solver::Sense::kMinimize);
    auto sol = lp_->solve(m, solver::SolveOptions{});
    if (!sol) {
      error_ = "exhaustive: LP failed: " + sol.error().message;
      return;
    }
    if (sol->status == solver::SolveStatus::kInfeasible) {
      ++capacity_fail_;
      return;
    }
    if (sol->status != solver::SolveStatus::kOptimal) {
      error_ = std::string("exhaustive: LP ended with status ") + solver::to_string(sol->status) +
               ": " + sol->message;
      return;
    }
    Solution s;
    s.node_host = pl.host;
    s.node_alloc.assign(p_.nodes.size(), {});
    for (std::size_t u = 0; u < p_.nodes.size(); ++u) {
      s.node_alloc[u].resize(p_.nodes[u].demands.size());
      for (std::size_t k = 0; k < avars[u].size(); ++k) {
        for (const auto& [var, r] : avars[u][k]) {
          const double x = sol->value(var);
          if (x > 1e-12) s.node_alloc[u][k].push_back({r, x});
        }
      }
    }
    s.flow_arcs.assign(p_.flows.size(), {});
    for (const auto& [f, arcs] : fixed) {
      for (const auto& [a, x] : arcs) s.flow_arcs[at(f)].emplace_back(a, x);
    }
    for (const auto& [f, arcs] : xvars) {
      for (const auto& [a, var] : arcs) {
        const double x = sol->value(var);
        if (x > kEps) s.flow_arcs[at(f)].emplace_back(a, x);
      }
    }
    record(sol->objective, std::move(s));
  }

  std::vector<std::string> explain_infeasible() const {
    std::vector<std::string> why;
    for (const int u : infeasible_nodes_) {
      why.push_back("virtual node " + vnode(u) + " has no suitable substrate node");
    }
    if (!infeasible_nodes_.empty()) return why;
    if (placements_ == 0) {
      why.push_back(
          "no placement of the virtual nodes on suitable substrate nodes satisfies no_colocate "
          "and the constraint groups");
      return why;
    }
    why.push_back(std::to_string(placements_) +
                  " placement(s) satisfy suitability, no_colocate and the node groups, but none "
                  "admits a valid embedding");
    if (demand_fail_ > 0) {
      why.push_back(std::to_string(demand_fail_) +
                    " placement(s) cannot meet a node demand, e.g. " + demand_reason_);
    }
    if (route_fail_ > 0) {
      why.push_back(std::to_string(route_fail_) + " placement(s) have no route, e.g. " +
                    route_reason_);
    }
    if (distinct_fail_ > 0) {
      why.push_back(std::to_string(distinct_fail_) +
                    " path combination(s) violate a distinct link group");
    }
    if (capacity_fail_ > 0) {
      why.push_back(std::to_string(capacity_fail_) +
                    " placement(s) or path combination(s) exceed a resource's free capacity");
    }
    return why;
  }

  const Problem& p_;
  const ExhaustiveOptions& o_;
  const Clock::time_point start_;

  std::vector<char> path_link_;
  std::vector<std::vector<int>> candidates_;
  std::vector<int> infeasible_nodes_;
  std::vector<char> idle_before_;
  bool nonnegative_latency_ = true;
  bool monotone_ = true;
  double load_c_ = 1;
  std::map<std::tuple<int, int, int>, std::vector<Path>> path_cache_;
  std::unique_ptr<solver::Solver> lp_;

  std::optional<std::string> error_;
  std::optional<std::string> limit_;
  bool have_best_ = false;
  double best_objective_ = 0;
  Solution best_;

  std::int64_t placements_ = 0;
  std::int64_t path_nodes_ = 0;
  std::int64_t lps_ = 0;
  std::int64_t demand_fail_ = 0;
  std::int64_t route_fail_ = 0;
  std::int64_t distinct_fail_ = 0;
  std::int64_t capacity_fail_ = 0;
  std::string demand_reason_;
  std::string route_reason_;
};

}  // namespace

MappingResult solve_exhaustive(const Problem& problem, const ExhaustiveOptions& options) {
  return Exhaustive(problem, options).run();
}

}  // namespace cloudnet::mapping
