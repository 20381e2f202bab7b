// The fast first-stage embedder; the method and its limits are in fast.h.
#include "mapping/fast.h"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <deque>
#include <limits>
#include <optional>
#include <queue>
#include <string>
#include <utility>
#include <vector>

#include "mapping/checker.h"
#include "mapping/objective.h"

namespace cloudnet::mapping {
namespace {

constexpr double kTol = 1e-9;
constexpr double kInf = std::numeric_limits<double>::infinity();

std::size_t at(int i) {
  return static_cast<std::size_t>(i);
}

// The mutable part of one embedding attempt; copied before every tentative
// step, which is cheap (a few thousand doubles) and simpler than undo logs.
struct State {
  std::vector<double> free;  // per substrate resource: capacity - used - this request
  std::vector<int> host;     // per virtual node, -1 = not placed
  std::vector<int> hosted;   // per substrate element: virtual nodes placed there
  std::vector<std::vector<std::vector<Solution::Alloc>>> alloc;
  std::vector<std::vector<int>> flow_path;  // per flow: arcs, in order
  std::vector<char> flow_done;
  // Per virtual link with several symmetric flows: what they reserve, the
  // maximum of their needs (problem.h), per (resource, arc; -1 = element).
  struct Reserved {
    int resource = -1;
    int arc = -1;
    double amount = 0;
  };
  std::vector<std::vector<Reserved>> sym;
  double cost = 0;  // substrate units charged (node allocations weighted + bandwidth)
};

class Embedder {
 public:
  Embedder(const Problem& p, const FastOptions& o) : p_(p), o_(o) {}

  MappingResult run() {
    const auto t0 = std::chrono::steady_clock::now();
    MappingResult r = solve();
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return r;
  }

 private:
  const Problem& p_;
  const FastOptions& o_;
  int n_elements_ = 0;
  int n_nodes_ = 0;
  std::vector<std::vector<int>> elem_bw_;     // bandwidth resources of each element
  std::vector<double> potential_;             // per substrate element (nodes only)
  std::vector<std::vector<int>> node_flows_;  // per virtual node: flows it ends
  std::vector<std::vector<double>> pair_bw_;  // [u][w]: flow amount between them
  std::vector<std::vector<int>> distinct_;    // per virtual node: kDistinct partners
  std::vector<std::vector<int>> colocate_;    // per virtual node: kColocate partners
  std::vector<std::vector<int>> link_apart_;  // per virtual link: kDistinct link partners
  std::vector<double> weight_of_;             // per virtual node: demand + adjacent bandwidth
  std::vector<char> multi_sym_;               // per virtual link: several symmetric flows
  std::vector<std::vector<int>> equals_;      // per virtual node: its kEquals groups
  std::vector<std::vector<const std::string*>> equal_value_;  // per kEquals group, per element
  std::vector<std::vector<int>> equal_members_;               // per kEquals group
  std::vector<std::string> notes_;

  MappingResult fail(Status s, std::string why) {
    MappingResult r;
    r.status = s;
    r.strategy = strategy_name();
    r.explanation.push_back(std::move(why));
    for (auto& n : notes_) r.explanation.push_back(n);
    return r;
  }
  const char* strategy_name() const {
    return o_.strategy == FastOptions::Strategy::kNodeRank ? "fast/node-rank" : "fast/coordinated";
  }

  bool well_formed() const {
    const std::size_t e = p_.substrate.size();
    if (p_.node_suitable.size() != p_.nodes.size() || p_.node_weight.size() != p_.nodes.size() ||
        p_.demand_hosts.size() != p_.nodes.size() || p_.link_allowed.size() != p_.links.size())
      return false;
    for (std::size_t u = 0; u < p_.nodes.size(); ++u) {
      if (p_.node_suitable[u].size() != e || p_.node_weight[u].size() != e ||
          p_.demand_hosts[u].size() != p_.nodes[u].demands.size())
        return false;
    }
    for (const auto& row : p_.link_allowed)
      if (row.size() != e) return false;
    if (p_.out_arcs.size() != e) return false;
    for (const Flow& f : p_.flows) {
      if (f.link < 0 || at(f.link) >= p_.links.size() || f.source < 0 ||
          at(f.source) >= p_.nodes.size() || f.sink < 0 || at(f.sink) >= p_.nodes.size())
        return false;
    }
    return true;
  }

  void prepare() {
    n_elements_ = static_cast<int>(p_.substrate.size());
    n_nodes_ = static_cast<int>(p_.nodes.size());
    elem_bw_.assign(at(n_elements_), {});
    for (int e = 0; e < n_elements_; ++e) {
      for (const int r : p_.substrate[at(e)].resources) {
        // Interface resources are charged per arc (usage.cc), not per element.
        if (p_.substrate_resources[at(r)].is_bandwidth &&
            !p_.substrate_resources[at(r)].is_interface)
          elem_bw_[at(e)].push_back(r);
      }
    }
    // Potential (NRM, Zhang et al. 2013, on residual values): free node
    // capacity times (1 + free bandwidth of the adjacent elements).
    potential_.assign(at(n_elements_), 0);
    auto free_of = [&](int r) {
      const SubstrateResource& s = p_.substrate_resources[at(r)];
      return std::max(0.0, s.capacity - s.used);
    };
    for (int e = 0; e < n_elements_; ++e) {
      const SubstrateElement& el = p_.substrate[at(e)];
      if (el.is_link) continue;
      double node = 0;
      for (const int r : el.resources)
        if (!p_.substrate_resources[at(r)].is_bandwidth &&
            !p_.substrate_resources[at(r)].is_interface)
          node += free_of(r);
      double adj = 0;
      for (const int a : p_.out_arcs[at(e)]) {
        for (const int r : elem_bw_[at(p_.arcs[at(a)].to)]) adj += free_of(r);
      }
      potential_[at(e)] = (1 + node) * (1 + adj);
    }
    multi_sym_.assign(p_.links.size(), 0);
    {
      std::vector<int> sym_flows(p_.links.size(), 0);
      for (const Flow& fl : p_.flows)
        if (fl.kind == Flow::Kind::kSymmetric && ++sym_flows[at(fl.link)] > 1)
          multi_sym_[at(fl.link)] = 1;
    }
    node_flows_.assign(at(n_nodes_), {});
    pair_bw_.assign(at(n_nodes_), std::vector<double>(at(n_nodes_), 0));
    for (std::size_t f = 0; f < p_.flows.size(); ++f) {
      const Flow& fl = p_.flows[f];
      node_flows_[at(fl.source)].push_back(static_cast<int>(f));
      if (fl.sink != fl.source) node_flows_[at(fl.sink)].push_back(static_cast<int>(f));
      // A small constant makes zero-bandwidth links still pull their ends together.
      pair_bw_[at(fl.source)][at(fl.sink)] += fl.amount + 1e-3;
      pair_bw_[at(fl.sink)][at(fl.source)] += fl.amount + 1e-3;
    }
    distinct_.assign(at(n_nodes_), {});
    equals_.assign(at(n_nodes_), {});
    colocate_.assign(at(n_nodes_), {});
    link_apart_.assign(p_.links.size(), {});
    for (const GroupConstraint& g : p_.groups) {
      if (g.kind == GroupConstraint::Kind::kEquals) {
        // The host's Feature with the group's attribute, as the checker
        // reads it; members must find the same value (no Feature: not a host).
        std::vector<const std::string*> value(at(n_elements_), nullptr);
        for (int e = 0; e < n_elements_; ++e) {
          for (const flerd::Feature& f : p_.substrate[at(e)].features) {
            if (flerd::TypePath::parse_lenient(f.attribute) == g.attribute) {
              value[at(e)] = &f.value;
              break;
            }
          }
        }
        const int index = static_cast<int>(equal_value_.size());
        equal_value_.push_back(std::move(value));
        equal_members_.push_back({});
        for (const int a : g.nodes) {
          if (a < 0 || a >= n_nodes_) continue;
          equals_[at(a)].push_back(index);
          equal_members_.back().push_back(a);
        }
        continue;
      }
      auto& target = g.kind == GroupConstraint::Kind::kDistinct ? distinct_ : colocate_;
      for (const int a : g.nodes)
        for (const int b : g.nodes)
          if (a != b && a >= 0 && a < n_nodes_ && b >= 0 && b < n_nodes_)
            target[at(a)].push_back(b);
      if (g.kind == GroupConstraint::Kind::kDistinct) {
        for (const int a : g.links)
          for (const int b : g.links)
            if (a != b && a >= 0 && at(a) < p_.links.size()) link_apart_[at(a)].push_back(b);
      }
    }
    weight_of_.assign(at(n_nodes_), 0);
    for (int u = 0; u < n_nodes_; ++u) {
      for (const Demand& d : p_.nodes[at(u)].demands) weight_of_[at(u)] += d.amount;
      for (int w = 0; w < n_nodes_; ++w) weight_of_[at(u)] += pair_bw_[at(u)][at(w)];
    }
  }

  State initial_state() const {
    State s;
    s.free.resize(p_.substrate_resources.size());
    for (std::size_t r = 0; r < s.free.size(); ++r)
      s.free[r] = p_.substrate_resources[r].capacity - p_.substrate_resources[r].used;
    s.host.assign(at(n_nodes_), -1);
    s.hosted.assign(at(n_elements_), 0);
    s.alloc.resize(at(n_nodes_));
    for (int u = 0; u < n_nodes_; ++u) s.alloc[at(u)].resize(p_.nodes[at(u)].demands.size());
    s.flow_path.assign(p_.flows.size(), {});
    s.flow_done.assign(p_.flows.size(), 0);
    s.sym.resize(p_.links.size());
    return s;
  }

  // Placement rules that do not depend on capacities.
  bool may_host(const State& s, int u, int v) const {
    if (v < 0 || v >= n_elements_ || p_.substrate[at(v)].is_link) return false;
    if (!p_.node_suitable[at(u)][at(v)]) return false;
    if (p_.options.no_colocate && s.hosted[at(v)] > 0) return false;
    for (const int w : distinct_[at(u)])
      if (s.host[at(w)] == v) return false;
    for (const int w : colocate_[at(u)])
      if (s.host[at(w)] >= 0 && s.host[at(w)] != v) return false;
    for (const int g : equals_[at(u)]) {
      const std::string* mine = equal_value_[at(g)][at(v)];
      if (mine == nullptr) return false;
      for (const int w : equal_members_[at(g)]) {
        const int h = s.host[at(w)];
        if (w != u && h >= 0 && *equal_value_[at(g)][at(h)] != *mine) return false;
      }
    }
    return true;
  }

  // Allocates u's demands on v (fast.h: value types, min_alloc, factors).
  bool allocate(State& s, int u, int v) const {
    const VirtualNode& node = p_.nodes[at(u)];
    const double min_alloc = p_.options.min_alloc;
    const std::vector<int>& offered = p_.substrate[at(v)].resources;
    for (std::size_t k = 0; k < node.demands.size(); ++k) {
      const Demand& d = node.demands[k];
      double need = 0;
      switch (d.value_type) {
        case ValueType::kMinimum: need = std::max(d.amount, min_alloc); break;
        case ValueType::kMaximum:
          if (min_alloc > d.amount + kTol) return false;
          need = min_alloc;
          break;
        case ValueType::kConstant:
          if (min_alloc > d.amount + kTol) return false;
          need = d.amount;
          break;
      }
      auto& out = s.alloc[at(u)][k];
      out.clear();
      double remaining = need;
      for (const Problem::Host& h : p_.demand_hosts[at(u)][k]) {
        if (remaining <= kTol) break;
        if (h.factor <= 0) continue;
        if (std::find(offered.begin(), offered.end(), h.resource) == offered.end()) continue;
        const double avail = s.free[at(h.resource)];
        if (avail <= kTol) continue;
        const double take = std::min(avail, remaining / h.factor);
        out.push_back({h.resource, take});
        s.free[at(h.resource)] -= take;
        remaining -= take * h.factor;
        s.cost += p_.node_weight[at(u)][at(v)] * take;
      }
      if (remaining > 1e-7) return false;
    }
    s.host[at(u)] = v;
    ++s.hosted[at(v)];
    return true;
  }

  // The consumption rules of problem.h (as usage.cc implements them), per
  // flow: what flow f needs of resource r of element e entered through
  // `in_arc` (-1: e is its source host), net of what symmetric flows of its
  // link already reserve there (they share the maximum).
  double reserved(const State& s, int l, int r, int a) const {
    if (!multi_sym_[at(l)]) return 0;
    for (const State::Reserved& x : s.sym[at(l)])
      if (x.resource == r && x.arc == a) return x.amount;
    return 0;
  }
  void reserve(State& s, int l, int r, int a, double amount) const {
    if (!multi_sym_[at(l)]) return;
    for (State::Reserved& x : s.sym[at(l)]) {
      if (x.resource == r && x.arc == a) {
        x.amount = std::max(x.amount, amount);
        return;
      }
    }
    s.sym[at(l)].push_back({r, a, amount});
  }
  // Throughput of flow f at resource r entered through in_arc: directional
  // resources count upstream/downstream flows only in their direction; a
  // symmetric flow reserves both directions.
  double throughput(int f, int r, int in_arc, double amount) const {
    const Flow& fl = p_.flows[at(f)];
    const SubstrateResource& sr = p_.substrate_resources[at(r)];
    if (fl.kind == Flow::Kind::kSymmetric || sr.direction == SubstrateResource::Direction::kBoth)
      return amount;
    return in_arc >= 0 && p_.arcs[at(in_arc)].to_direction == sr.direction ? amount : 0;
  }
  double need(const State& s, int f, int r, int arc_key, double thr) const {
    const Flow& fl = p_.flows[at(f)];
    if (fl.kind != Flow::Kind::kSymmetric) return thr;
    return std::max(0.0, thr - reserved(s, fl.link, r, arc_key));
  }
  bool element_fits(const State& s, int e, int in_arc, int f, double amount) const {
    for (const int r : elem_bw_[at(e)])
      if (s.free[at(r)] < need(s, f, r, -1, throughput(f, r, in_arc, amount)) - kTol) return false;
    return true;
  }
  bool arc_fits(const State& s, int a, int f, double amount) const {
    const SubstrateArc& arc = p_.arcs[at(a)];
    for (const int r : {arc.out_resource, arc.in_resource})
      if (r >= 0 && s.free[at(r)] < need(s, f, r, a, amount) - kTol) return false;
    return true;
  }

  // Element hop distances from src over elements that can carry `amount`
  // for link l (the candidate score of fast.h step 3).
  std::vector<int> hops_from(const State& s, int src, int f, double amount) const {
    const int l = p_.flows[at(f)].link;
    std::vector<int> dist(at(n_elements_), -1);
    if (!p_.link_allowed[at(l)][at(src)] || !element_fits(s, src, -1, f, amount)) return dist;
    std::deque<int> queue{src};
    dist[at(src)] = 0;
    while (!queue.empty()) {
      const int x = queue.front();
      queue.pop_front();
      for (const int a : p_.out_arcs[at(x)]) {
        const int y = p_.arcs[at(a)].to;
        if (dist[at(y)] >= 0 || !p_.link_allowed[at(l)][at(y)] ||
            !element_fits(s, y, a, f, amount) || !arc_fits(s, a, f, amount))
          continue;
        dist[at(y)] = dist[at(x)] + 1;
        queue.push_back(y);
      }
    }
    return dist;
  }

  // The cheapest path src -> dst (arcs) for `amount` of link l; by_latency
  // minimises latency instead of the congestion-aware hop weight.
  std::vector<int> shortest(const State& s, int src, int dst, int f, double amount,
                            const std::vector<char>& forbidden, bool by_latency,
                            double beta) const {
    const int l = p_.flows[at(f)].link;
    if (!p_.link_allowed[at(l)][at(src)] || !element_fits(s, src, -1, f, amount)) return {};
    std::vector<double> dist(at(n_elements_), kInf);
    std::vector<int> pred(at(n_elements_), -1);
    using Item = std::pair<double, int>;
    std::priority_queue<Item, std::vector<Item>, std::greater<>> heap;
    dist[at(src)] = 0;
    heap.push({0, src});
    while (!heap.empty()) {
      const auto [d, x] = heap.top();
      heap.pop();
      if (d > dist[at(x)]) continue;
      if (x == dst) break;
      // Only the destination may be a host that ends the path; other node
      // elements are transit routers.
      for (const int a : p_.out_arcs[at(x)]) {
        const int y = p_.arcs[at(a)].to;
        if (y == src || (!forbidden.empty() && forbidden[at(y)] && y != dst)) continue;
        if (!p_.link_allowed[at(l)][at(y)] || !element_fits(s, y, a, f, amount) ||
            !arc_fits(s, a, f, amount))
          continue;
        double w = 0;
        if (by_latency) {
          w = p_.substrate[at(y)].latency + 1e-6;
        } else {
          w = 1e-3;  // prefers fewer elements where bandwidth is not charged
          for (const int r : elem_bw_[at(y)]) {
            const double fr = std::max(s.free[at(r)], kTol);
            w += 1 + beta * amount / fr;
          }
          const SubstrateArc& arc = p_.arcs[at(a)];
          if (arc.out_resource >= 0) w += 1;
          if (arc.in_resource >= 0) w += 1;
        }
        if (dist[at(x)] + w < dist[at(y)]) {
          dist[at(y)] = dist[at(x)] + w;
          pred[at(y)] = a;
          heap.push({dist[at(y)], y});
        }
      }
    }
    if (dist[at(dst)] == kInf) return {};
    std::vector<int> path;
    for (int y = dst; y != src; y = p_.arcs[at(pred[at(y)])].from) path.push_back(pred[at(y)]);
    std::reverse(path.begin(), path.end());
    return path;
  }

  double path_latency(const std::vector<int>& path) const {
    double lat = 0;  // intermediate elements only (problem.h)
    for (std::size_t i = 0; i + 1 < path.size(); ++i)
      lat += p_.substrate[at(p_.arcs[at(path[i])].to)].latency;
    return lat;
  }

  // Routes flow f between the hosts of its ends and charges it (fast.h:
  // conservatively, every bandwidth resource of every touched element).
  bool route(State& s, int f, double beta) const {
    const Flow& fl = p_.flows[at(f)];
    const int src = s.host[at(fl.source)];
    const int dst = s.host[at(fl.sink)];
    s.flow_done[at(f)] = 1;
    s.flow_path[at(f)].clear();
    if (src == dst || fl.amount <= kTol) return true;  // nothing crosses the substrate
    const VirtualLink& link = p_.links[at(fl.link)];
    std::vector<char> forbidden;
    if (!link_apart_[at(fl.link)].empty()) {
      forbidden.assign(at(n_elements_), 0);
      for (std::size_t g = 0; g < p_.flows.size(); ++g) {
        const int other = p_.flows[g].link;
        if (!s.flow_done[g] ||
            std::find(link_apart_[at(fl.link)].begin(), link_apart_[at(fl.link)].end(), other) ==
                link_apart_[at(fl.link)].end())
          continue;
        for (const int a : s.flow_path[g]) {
          forbidden[at(p_.arcs[at(a)].from)] = 1;
          forbidden[at(p_.arcs[at(a)].to)] = 1;
        }
      }
    }
    std::vector<int> path = shortest(s, src, dst, f, fl.amount, forbidden, false, beta);
    if (path.empty()) return false;
    if (link.max_latency && path_latency(path) > *link.max_latency + 1e-9) {
      path = shortest(s, src, dst, f, fl.amount, forbidden, true, beta);
      if (path.empty() || path_latency(path) > *link.max_latency + 1e-9) return false;
    }
    if (link.min_latency && path_latency(path) < *link.min_latency - 1e-9) return false;
    auto charge = [&](int r, int arc_key, double thr) {
      const double n = need(s, f, r, arc_key, thr);
      s.free[at(r)] -= n;
      s.cost += n;
      if (fl.kind == Flow::Kind::kSymmetric) reserve(s, fl.link, r, arc_key, thr);
    };
    for (const int r : elem_bw_[at(src)]) charge(r, -1, throughput(f, r, -1, fl.amount));
    for (const int a : path) {
      const SubstrateArc& arc = p_.arcs[at(a)];
      for (const int r : elem_bw_[at(arc.to)]) charge(r, -1, throughput(f, r, a, fl.amount));
      for (const int r : {arc.out_resource, arc.in_resource})
        if (r >= 0) charge(r, a, fl.amount);
    }
    // Resources listed by several elements of the path may now be overdrawn.
    for (const int a : path) {
      const SubstrateArc& arc = p_.arcs[at(a)];
      for (const int r : elem_bw_[at(arc.to)])
        if (s.free[at(r)] < -1e-7) return false;
      for (const int r : {arc.out_resource, arc.in_resource})
        if (r >= 0 && s.free[at(r)] < -1e-7) return false;
    }
    for (const int r : elem_bw_[at(src)])
      if (s.free[at(r)] < -1e-7) return false;
    s.flow_path[at(f)] = std::move(path);
    return true;
  }

  // Places u on v and routes its flows to placed nodes; false = s is spoilt.
  bool place(State& s, int u, int v, double beta) const {
    if (!may_host(s, u, v) || !allocate(s, u, v)) return false;
    for (const int f : node_flows_[at(u)]) {
      const Flow& fl = p_.flows[at(f)];
      const int other = fl.source == u ? fl.sink : fl.source;
      if (s.host[at(other)] < 0 || s.flow_done[at(f)]) continue;
      if (!route(s, f, beta)) return false;
    }
    return true;
  }

  std::vector<int> order_nodes() const {
    std::vector<int> order;
    std::vector<char> placed(at(n_nodes_), 0);
    while (static_cast<int>(order.size()) < n_nodes_) {
      int best = -1;
      double best_link = -1, best_w = -1;
      for (int u = 0; u < n_nodes_; ++u) {
        if (placed[at(u)]) continue;
        double link = 0;
        for (const int w : order) link += pair_bw_[at(u)][at(w)];
        // Colocate partners of placed nodes first: they have one choice.
        for (const int w : colocate_[at(u)])
          if (placed[at(w)]) link += 1e9;
        if (link > best_link || (link == best_link && weight_of_[at(u)] > best_w)) {
          best = u;
          best_link = link;
          best_w = weight_of_[at(u)];
        }
      }
      placed[at(best)] = 1;
      order.push_back(best);
    }
    return order;
  }

  // Candidate hosts for u in state s, best first (fast.h step 3).
  std::vector<int> candidates(const State& s, int u) const {
    std::vector<std::pair<double, int>> scored;
    std::vector<double> score(at(n_elements_), 0);
    std::vector<char> ok(at(n_elements_), 0);
    for (int v = 0; v < n_elements_; ++v) ok[at(v)] = may_host(s, u, v) ? 1 : 0;
    for (const int f : node_flows_[at(u)]) {
      const Flow& fl = p_.flows[at(f)];
      const int other = fl.source == u ? fl.sink : fl.source;
      const int h = s.host[at(other)];
      if (h < 0) continue;
      if (fl.amount <= kTol) {
        // Connectivity only: still prefer nearby hosts, any path will do.
        const std::vector<int> d = hops_from(s, h, f, 0);
        for (int v = 0; v < n_elements_; ++v)
          if (ok[at(v)]) score[at(v)] += d[at(v)] < 0 ? 1e6 : 1e-3 * d[at(v)];
        continue;
      }
      const std::vector<int> d = hops_from(s, h, f, fl.amount);
      for (int v = 0; v < n_elements_; ++v) {
        if (!ok[at(v)]) continue;
        if (d[at(v)] < 0 && v != h) {
          ok[at(v)] = 0;
        } else {
          score[at(v)] += fl.amount * std::max(0, d[at(v)]);
        }
      }
    }
    for (int v = 0; v < n_elements_; ++v) {
      if (!ok[at(v)]) continue;
      double node_cost = 0;
      for (const Demand& d : p_.nodes[at(u)].demands) node_cost += d.amount;
      node_cost *= p_.node_weight[at(u)][at(v)];
      // Ties (equal path cost) go to the higher potential: keeps the
      // bottlenecks free for later requests.
      scored.push_back({score[at(v)] + node_cost - 1e-9 * potential_[at(v)], v});
    }
    std::sort(scored.begin(), scored.end());
    std::vector<int> out;
    out.reserve(scored.size());
    for (const auto& [_, v] : scored) out.push_back(v);
    return out;
  }

  bool coordinated_from(State& s, const std::vector<int>& order, int root) const {
    if (!place(s, order[0], root, o_.beta)) return false;
    for (std::size_t i = 1; i < order.size(); ++i) {
      const int u = order[i];
      const std::vector<int> cands = candidates(s, u);
      bool done = false;
      int tried = 0;
      for (const int v : cands) {
        if (tried++ >= o_.node_candidates) break;
        State trial = s;
        if (place(trial, u, v, o_.beta)) {
          s = std::move(trial);
          done = true;
          break;
        }
      }
      if (!done) return false;
    }
    return true;
  }

  // Depth-first backtracking (FastOptions::backtrack_budget).
  bool dfs(State& s, const std::vector<int>& order, std::size_t i, int& budget) const {
    if (i == order.size()) return true;
    for (const int v : candidates(s, order[i])) {
      if (budget-- <= 0) return false;
      State trial = s;
      if (!place(trial, order[i], v, o_.beta)) continue;
      if (dfs(trial, order, i + 1, budget)) {
        s = std::move(trial);
        return true;
      }
      if (budget <= 0) return false;
    }
    return false;
  }

  bool node_rank(State& s) const {
    std::vector<int> order(at(n_nodes_));
    for (int u = 0; u < n_nodes_; ++u) order[at(u)] = u;
    std::stable_sort(order.begin(), order.end(),
                     [&](int a, int b) { return weight_of_[at(a)] > weight_of_[at(b)]; });
    std::vector<int> hosts;
    for (int v = 0; v < n_elements_; ++v)
      if (!p_.substrate[at(v)].is_link) hosts.push_back(v);
    std::stable_sort(hosts.begin(), hosts.end(),
                     [&](int a, int b) { return potential_[at(a)] > potential_[at(b)]; });
    for (const int u : order) {
      bool done = false;
      for (const int v : hosts) {
        if (!may_host(s, u, v)) continue;
        State trial = s;
        if (allocate(trial, u, v)) {
          s = std::move(trial);
          done = true;
          break;
        }
      }
      if (!done) return false;
    }
    for (std::size_t f = 0; f < p_.flows.size(); ++f)
      if (!route(s, static_cast<int>(f), 0)) return false;
    return true;
  }

  MappingResult solve() {
    if (!well_formed()) return fail(Status::kError, "malformed problem: sizes do not match");
    prepare();
    if (o_.strategy == FastOptions::Strategy::kCoordinated && p_.options.path_parts != 1)
      notes_.push_back("path_parts > 1: routed as one path per flow");
    std::optional<State> best;
    if (n_nodes_ == 0) {
      best = initial_state();
    } else if (o_.strategy == FastOptions::Strategy::kNodeRank) {
      State s = initial_state();
      if (node_rank(s)) best = std::move(s);
    } else {
      const std::vector<int> order = order_nodes();
      // Roots: suitable hosts of the first node by potential.
      State empty = initial_state();
      std::vector<int> roots;
      for (int v = 0; v < n_elements_; ++v)
        if (may_host(empty, order[0], v)) roots.push_back(v);
      std::stable_sort(roots.begin(), roots.end(),
                       [&](int a, int b) { return potential_[at(a)] > potential_[at(b)]; });
      int tried = 0;
      for (const int root : roots) {
        if (tried >= o_.roots) break;
        State s = empty;
        // A root whose node demands do not fit does not count as a try.
        State probe = empty;
        if (!allocate(probe, order[0], root)) continue;
        ++tried;
        if (!coordinated_from(s, order, root)) continue;
        if (!best || s.cost < best->cost - 1e-9) best = std::move(s);
      }
      if (!best && o_.backtrack_budget > 0) {
        State s = empty;
        int budget = o_.backtrack_budget;
        if (dfs(s, order, 0, budget)) best = std::move(s);
      }
    }
    if (!best) return fail(Status::kNoSolution, "the greedy embedding found no complete mapping");
    MappingResult r;
    r.status = Status::kFeasible;
    r.strategy = strategy_name();
    Solution& sol = r.solution;
    sol.node_host = best->host;
    sol.node_alloc = std::move(best->alloc);
    sol.flow_arcs.resize(p_.flows.size());
    for (std::size_t f = 0; f < p_.flows.size(); ++f)
      for (const int a : best->flow_path[f]) sol.flow_arcs[f].push_back({a, p_.flows[f].amount});
    if (o_.verify) {
      const CheckReport rep = check(p_, sol);
      if (!rep.ok()) {
        MappingResult bad = fail(Status::kNoSolution, "the greedy embedding violates a constraint");
        for (const auto& v : rep.violations) bad.explanation.push_back(v);
        return bad;
      }
    }
    if (o_.evaluate) r.objective = evaluate(p_, sol);
    r.explanation = notes_;
    return r;
  }
};

}  // namespace

MappingResult solve_fast(const Problem& problem, const FastOptions& options) {
  return Embedder(problem, options).run();
}

}  // namespace cloudnet::mapping
