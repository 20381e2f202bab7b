// The migration planner; what it computes and how is in plan.h.
#include "plan/plan.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <deque>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include "mapping/builder.h"
#include "mapping/checker.h"
#include "mapping/engine.h"
#include "mapping/fast.h"
#include "mapping/objective.h"
#include "mapping/output.h"
#include "mapping/usage.h"
#include "plan/vnet.h"

namespace cloudnet::plan {

namespace {

using internal::VNet;
using mapping::Problem;
using mapping::Solution;

constexpr double kTol = 1e-6;
// Added to weight(u, v) for every host but its own when a node may move in
// the fast re-embedding: the embedder then keeps it in place when it can.
constexpr double kStayBias = 1000;

std::size_t at(int i) {
  return static_cast<std::size_t>(i);
}

std::string pct(double f) {
  std::ostringstream s;
  s.precision(1);
  s << std::fixed << 100 * f << "%";
  return s.str();
}
std::string num(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

// A node-resource attribute and its resources listed by hosts in use.
struct Attribute {
  std::string name;
  std::vector<int> resources;
  double capacity = 0;
  double used = 0;  // before
  bool measured = false;
};

// One state of the search: where every VNet runs now.
struct State {
  std::vector<Solution> sol;               // per VNet
  std::vector<std::vector<double>> use;    // per VNet, per substrate resource
  std::vector<double> total;               // per resource: reservations + every VNet's use
  std::vector<std::vector<char>> touch;    // per VNet, per element: a node or a flow there
  std::vector<std::vector<char>> link_ok;  // per VNet, per link: its flows are exact (keepable)
  std::vector<char> reembedded;            // per VNet
  std::vector<char> vacated;               // per element
  std::vector<int> vacated_order;
  bool by_mip = false;
};

struct Outcome {
  State state;
  double fraction = 0;
  double cost = 0;
  int moves = 0;
  bool reached = false;
};

bool same_solution(const Solution& a, const Solution& b) {
  if (a.node_host != b.node_host || a.node_alloc.size() != b.node_alloc.size() ||
      a.flow_arcs.size() != b.flow_arcs.size())
    return false;
  for (std::size_t u = 0; u < a.node_alloc.size(); ++u) {
    if (a.node_alloc[u].size() != b.node_alloc[u].size()) return false;
    for (std::size_t k = 0; k < a.node_alloc[u].size(); ++k) {
      const auto& x = a.node_alloc[u][k];
      const auto& y = b.node_alloc[u][k];
      if (x.size() != y.size()) return false;
      for (std::size_t i = 0; i < x.size(); ++i)
        if (x[i].resource != y[i].resource || std::abs(x[i].amount - y[i].amount) > kTol)
          return false;
    }
  }
  for (std::size_t f = 0; f < a.flow_arcs.size(); ++f) {
    if (a.flow_arcs[f].size() != b.flow_arcs[f].size()) return false;
    for (std::size_t i = 0; i < a.flow_arcs[f].size(); ++i)
      if (a.flow_arcs[f][i].first != b.flow_arcs[f][i].first ||
          std::abs(a.flow_arcs[f][i].second - b.flow_arcs[f][i].second) > kTol)
        return false;
  }
  return true;
}

class Planner {
 public:
  Planner(const PlanInput& in, const PlanOptions& o)
      : in_(in), o_(o), t0_(std::chrono::steady_clock::now()) {}

  Result<Plan> run() {
    if (auto st = load(); !st) return st.error();
    const State s0 = initial();
    Outcome best_unreached = evaluate(s0);
    std::optional<Outcome> best;
    if (best_unreached.reached) best = best_unreached;
    std::map<int, std::string> why_best;  // per host, of the pass that freed most
    const auto orders = orderings(s0);

    // 1. Greedy passes (plan.h, algorithm 1-2).
    for (const auto& order : orders) {
      if (best && best->moves == 0) break;
      State s = s0;
      std::map<int, std::string> why;
      for (const int h : order) {
        if (measure_of(s) + kTol >= o_.target) break;
        if (!busy(s)[at(h)]) continue;  // emptied on the way
        if (out_of_time()) break;
        State trial = s;
        std::string reason;
        ++sets_tried_;
        if (vacate_fast(trial, {h}, &reason))
          s = std::move(trial);
        else
          why[h] = reason;
      }
      Outcome o = evaluate(s);
      if (o.reached) {
        if (!best || better(o, *best)) best = std::move(o);
      } else if (o.fraction > best_unreached.fraction + kTol ||
                 (std::abs(o.fraction - best_unreached.fraction) <= kTol &&
                  o.cost < best_unreached.cost - kTol)) {
        best_unreached = std::move(o);
        why_best = std::move(why);
      } else if (why_best.empty()) {
        why_best = std::move(why);
      }
    }
    // 3. Pruning.
    if (best && best->moves > 0) prune(s0, *best);
    // 4. The MIP on candidate host sets.
    if (use_mip() && !(best && best->moves == 0)) exact_search(s0, orders, best, best_unreached);

    const Outcome& chosen = best ? *best : best_unreached;
    return build(s0, chosen, why_best);
  }

 private:
  const PlanInput& in_;
  const PlanOptions& o_;
  std::chrono::steady_clock::time_point t0_;
  std::vector<VNet> vnets_;
  const Problem* sub_ = nullptr;  // the substrate part, shared by every VNet's Problem
  std::vector<double> base_;      // per resource: the substrate document's reservations
  std::vector<char> in_use_;      // per element: a host in use before
  std::vector<int> hosts_;
  std::vector<Attribute> attrs_;
  bool measure_hosts_ = false;
  std::string measure_text_;
  std::vector<std::string> notes_;
  int sets_tried_ = 0;
  bool timed_out_ = false;

  // PlanOptions::method; kAuto: the MIP on small instances (plan.h, 4).
  bool use_mip() const {
    if (o_.method != PlanOptions::Method::kAuto) return o_.method == PlanOptions::Method::kExact;
    std::size_t nodes = 0;
    for (const auto& v : vnets_) nodes += v.problem.nodes.size();
    return sub_->substrate.size() <= 64 && nodes <= 64;
  }

  double elapsed() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
  }
  bool out_of_time() {
    if (elapsed() > o_.time_limit_s) timed_out_ = true;
    return timed_out_;
  }

  // --- Input ----------------------------------------------------------------

  Status load() {
    if (!in_.substrate) return Error::invalid("no substrate document given");
    if (in_.embeddings.empty()) return Error::invalid("no embeddings given: nothing to re-pack");
    if (!(o_.target >= 0 && o_.target <= 1))
      return Error::invalid("the target must be a fraction between 0 and 1 (0% to 100%), got " +
                            num(o_.target));
    for (std::size_t i = 0; i < in_.embeddings.size(); ++i)
      for (std::size_t j = 0; j < i; ++j)
        if (in_.embeddings[i].document == in_.embeddings[j].document)
          return Error::invalid(in_.embeddings[i].name + " is given twice");
    for (const auto& e : in_.embeddings) {
      auto v = internal::load_vnet(*in_.substrate, e, in_.options, o_.cost, notes_);
      if (!v) return v.error();
      vnets_.push_back(std::move(*v));
    }
    sub_ = &vnets_.front().problem;
    const std::size_t R = sub_->substrate_resources.size();
    const std::size_t E = sub_->substrate.size();
    for (const auto& v : vnets_)
      if (v.problem.substrate_resources.size() != R || v.problem.substrate.size() != E)
        return Error::internal("the substrate was read differently for " + v.name);

    // Reservations of the substrate document itself; they must not be one
    // of the embeddings' own (they would count twice).
    std::map<std::string, int> res_index;
    for (std::size_t r = 0; r < R; ++r)
      res_index.emplace(sub_->substrate_resources[r].id, static_cast<int>(r));
    std::map<std::string, std::string> ml_resource_of;  // ML resource id -> embedding
    for (const auto& v : vnets_)
      for (const auto& t : v.document->topologies)
        if (t.graphLabel && t.graphLabel->graph_type == flerd::GraphType::ML)
          for (const auto& r : t.resources) ml_resource_of.emplace(r.id, v.name);
    base_.assign(R, 0);
    for (const auto& rm : in_.substrate->resourceMappings) {
      auto it = res_index.find(rm.hostingResource.id);
      if (it == res_index.end()) continue;
      auto ml = ml_resource_of.find(rm.hostedResource.id);
      if (ml != ml_resource_of.end())
        return Error::invalid(in_.substrate->source_name + ": already records the allocations of " +
                              ml->second + " (" + rm.hostedResource.id +
                              "); pass the substrate without them, or they count twice");
      base_[at(it->second)] += rm.value.value_or(0);
    }
    // Together the embeddings must fit.
    for (std::size_t r = 0; r < R; ++r) {
      double total = base_[r];
      std::string who;
      for (const auto& v : vnets_) {
        total += v.recorded[r];
        if (v.recorded[r] > 0)
          who += (who.empty() ? "" : ", ") + v.name + ": " + num(v.recorded[r]);
      }
      const auto& sr = sub_->substrate_resources[r];
      if (total > sr.capacity + kTol * std::max(1.0, sr.capacity)) {
        std::string els;
        for (const int e : sr.elements)
          els += (els.empty() ? "" : ", ") + sub_->substrate[at(e)].id;
        return Error::invalid(
            "the embeddings together overbook " + sr.id + " (" + sr.attribute.str() + " of " + els +
            "): " + num(total) + " allocated, capacity " + num(sr.capacity) + " (" + who +
            (base_[r] > 0 ? ", reserved in the substrate: " + num(base_[r]) : "") + ")");
      }
    }
    // Hosts in use and the attributes measured.
    in_use_.assign(E, 0);
    for (const auto& v : vnets_)
      for (const int h : v.current.node_host) in_use_[at(h)] = 1;
    for (std::size_t e = 0; e < E; ++e)
      if (in_use_[e]) hosts_.push_back(static_cast<int>(e));
    std::map<std::string, std::size_t> attr_index;
    for (std::size_t r = 0; r < R; ++r) {
      const auto& sr = sub_->substrate_resources[r];
      if (sr.is_bandwidth || sr.is_interface) continue;
      if (std::none_of(sr.elements.begin(), sr.elements.end(),
                       [&](int e) { return in_use_[at(e)] != 0; }))
        continue;
      auto [it, fresh] = attr_index.emplace(sr.attribute.str(), attrs_.size());
      if (fresh) attrs_.push_back(Attribute{sr.attribute.str(), {}, 0, 0, false});
      Attribute& a = attrs_[it->second];
      a.resources.push_back(static_cast<int>(r));
      a.capacity += sr.capacity;
      double used = base_[r];
      for (const auto& v : vnets_) used += v.recorded[r];
      a.used += used;
    }
    std::erase_if(attrs_, [](const Attribute& a) { return a.capacity <= 0; });
    if (o_.measure.empty()) {
      for (auto& a : attrs_) a.measured = true;
      measure_text_ = "every host resource attribute";
      if (attrs_.empty()) {
        measure_hosts_ = true;
        measure_text_ = "hosts (the hosts in use have no node resources)";
      }
    } else if (o_.measure == "hosts") {
      measure_hosts_ = true;
      measure_text_ = "hosts";
    } else {
      std::string names;
      for (auto& a : attrs_) {
        a.measured =
            internal::attribute_matches(flerd::TypePath::parse_lenient(a.name), o_.measure);
        if (a.measured) names += (names.empty() ? "" : ", ") + a.name;
      }
      if (names.empty()) {
        std::string all;
        for (const auto& a : attrs_) all += (all.empty() ? "" : ", ") + a.name;
        return Error::invalid("no resource of the hosts in use matches '" + o_.measure +
                              "'; they offer: " + all + " (or measure by 'hosts')");
      }
      measure_text_ = names;
    }
    // The recorded embeddings against their requests (warnings only: the
    // plan moves what it must and checks everything it writes).
    std::vector<double> total = base_;
    for (const auto& v : vnets_)
      for (std::size_t r = 0; r < R; ++r) total[r] += v.recorded[r];
    for (std::size_t i = 0; i < vnets_.size(); ++i) {
      const VNet& v = vnets_[i];
      if (!v.exact) continue;
      Problem p = v.problem;
      for (std::size_t r = 0; r < R; ++r)
        p.substrate_resources[r].used = std::max(0.0, total[r] - v.recorded[r]);
      const auto rep = mapping::check(p, v.current);
      for (std::size_t k = 0; k < rep.violations.size() && k < 3; ++k)
        notes_.push_back("warning: " + v.name +
                         ": the recorded embedding violates: " + rep.violations[k]);
    }
    return Status::Ok();
  }

  State initial() const {
    State s;
    const std::size_t R = sub_->substrate_resources.size();
    s.total = base_;
    for (const auto& v : vnets_) {
      s.sol.push_back(v.current);
      s.use.push_back(v.recorded);
      for (std::size_t r = 0; r < R; ++r) s.total[r] += v.recorded[r];
      std::vector<char> touch(sub_->substrate.size(), 0);
      for (const int h : v.current.node_host) touch[at(h)] = 1;
      for (const auto& els : v.problem.existing->link_elements)
        for (const int e : els) touch[at(e)] = 1;
      s.touch.push_back(std::move(touch));
      s.link_ok.push_back(v.link_exact);
    }
    s.reembedded.assign(vnets_.size(), 0);
    s.vacated.assign(sub_->substrate.size(), 0);
    return s;
  }

  // --- Measuring --------------------------------------------------------------

  std::vector<char> busy(const State& s) const {
    std::vector<char> b(sub_->substrate.size(), 0);
    for (const auto& t : s.touch)
      for (std::size_t e = 0; e < t.size(); ++e) b[e] = b[e] || t[e];
    return b;
  }

  // Per attribute the freed capacity when the elements in `busy` are in use
  // (and, with `total`, resources that anything allocates are not freed).
  std::vector<double> freed(const std::vector<char>& b, const std::vector<double>* total) const {
    std::vector<double> out;
    for (const auto& a : attrs_) {
      double f = 0;
      for (const int r : a.resources) {
        const auto& sr = sub_->substrate_resources[at(r)];
        if (std::any_of(sr.elements.begin(), sr.elements.end(),
                        [&](int e) { return b[at(e)] != 0; }))
          continue;
        if (base_[at(r)] > kTol || (total && (*total)[at(r)] > kTol)) continue;
        f += sr.capacity;
      }
      out.push_back(f);
    }
    return out;
  }

  // A host in use is freed when nothing of the VNets is on it and the
  // substrate document reserves none of its node resources.
  bool host_freed(const std::vector<char>& b, int h) const {
    if (b[at(h)]) return false;
    for (const int r : sub_->substrate[at(h)].resources)
      if (!sub_->substrate_resources[at(r)].is_bandwidth && base_[at(r)] > kTol) return false;
    return true;
  }

  double value(const std::vector<char>& b, const std::vector<double>* total) const {
    if (measure_hosts_) {
      if (hosts_.empty()) return 0;
      int n = 0;
      for (const int h : hosts_) n += host_freed(b, h) ? 1 : 0;
      return static_cast<double>(n) / static_cast<double>(hosts_.size());
    }
    const std::vector<double> f = freed(b, total);
    double v = 1;
    bool any = false;
    for (std::size_t i = 0; i < attrs_.size(); ++i) {
      if (!attrs_[i].measured) continue;
      any = true;
      v = std::min(v, f[i] / attrs_[i].capacity);
    }
    return any ? v : 0;
  }

  double measure_of(const State& s) const {
    const auto b = busy(s);
    return value(b, &s.total);
  }

  // Ideal: only the hosts in `set` are emptied.
  double ideal(const std::vector<int>& set) const {
    std::vector<char> b = in_use_;
    for (const int h : set) b[at(h)] = 0;
    return value(b, nullptr);
  }

  double cost_of(const State& s, int* moves) const {
    double cost = 0;
    int n = 0;
    for (std::size_t i = 0; i < vnets_.size(); ++i) {
      if (!s.reembedded[i]) continue;
      const Problem& p = vnets_[i].problem;
      const mapping::Existing& ex = *p.existing;
      const Solution& sol = s.sol[i];
      for (std::size_t u = 0; u < p.nodes.size(); ++u)
        if (sol.node_host[u] != ex.node_host[u]) ++n;
      const mapping::Usage usage = mapping::compute_usage(p, sol);
      for (std::size_t l = 0; l < p.links.size(); ++l)
        if (std::set<int>(ex.link_elements[l].begin(), ex.link_elements[l].end()) !=
            usage.link_elements[l])
          ++n;
      cost += mapping::migration_cost(p, sol);
    }
    if (moves) *moves = n;
    return cost;
  }

  Outcome evaluate(const State& s) const {
    Outcome o;
    o.state = s;
    o.fraction = measure_of(s);
    o.cost = cost_of(s, &o.moves);
    o.reached = o.fraction + kTol >= o_.target;
    return o;
  }

  static bool better(const Outcome& a, const Outcome& b) {
    if (a.cost < b.cost - kTol) return true;
    if (a.cost > b.cost + kTol) return false;
    if (a.moves != b.moves) return a.moves < b.moves;
    return a.fraction > b.fraction + kTol;
  }

  // --- Host orders (plan.h, algorithm 1) ------------------------------------

  std::vector<std::vector<int>> orderings(const State& s0) const {
    const std::size_t E = sub_->substrate.size();
    std::vector<double> cost(E, 0), gain(E, 0), load(E, 0);
    std::vector<int> count(E, 0);
    for (std::size_t i = 0; i < vnets_.size(); ++i) {
      const Problem& p = vnets_[i].problem;
      const mapping::Existing& ex = *p.existing;
      for (std::size_t u = 0; u < p.nodes.size(); ++u) {
        const int h = s0.sol[i].node_host[u];
        cost[at(h)] += ex.node_penalty[u];
        ++count[at(h)];
      }
      for (std::size_t l = 0; l < p.links.size(); ++l)
        for (const int e : ex.link_elements[l]) cost[at(e)] += ex.link_penalty[l];
    }
    for (const int h : hosts_) {
      double share = 0;
      int n = 0;
      for (const auto& a : attrs_) {
        if (!a.measured && !measure_hosts_) continue;
        double mine = 0;
        for (const int r : a.resources) {
          const auto& sr = sub_->substrate_resources[at(r)];
          int listing = 0;
          bool here = false;
          for (const int e : sr.elements) {
            listing += in_use_[at(e)] ? 1 : 0;
            here = here || e == h;
          }
          if (here && listing > 0) mine += sr.capacity / listing;
        }
        share += mine / a.capacity;
        ++n;
      }
      gain[at(h)] = measure_hosts_ ? 1.0 / static_cast<double>(hosts_.size()) : (n ? share / n : 0);
      double l = 0;
      int m = 0;
      for (const int r : sub_->substrate[at(h)].resources) {
        const auto& sr = sub_->substrate_resources[at(r)];
        if (sr.is_bandwidth || sr.is_interface || sr.capacity <= 0) continue;
        l += s0.total[at(r)] / sr.capacity;
        ++m;
      }
      load[at(h)] = m ? l / m : 0;
    }
    auto sorted = [&](auto less) {
      std::vector<int> v = hosts_;
      std::stable_sort(v.begin(), v.end(), less);
      return v;
    };
    std::vector<std::vector<int>> out;
    auto add = [&](std::vector<int> v) {
      if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(std::move(v));
    };
    // Cheapest per freed capacity.
    add(sorted([&](int a, int b) {
      const double ra = gain[at(a)] > 0 ? cost[at(a)] / gain[at(a)] : 1e300;
      const double rb = gain[at(b)] > 0 ? cost[at(b)] / gain[at(b)] : 1e300;
      if (ra != rb) return ra < rb;
      return load[at(a)] < load[at(b)];
    }));
    // Least loaded first.
    add(sorted([&](int a, int b) {
      if (load[at(a)] != load[at(b)]) return load[at(a)] < load[at(b)];
      return gain[at(a)] > gain[at(b)];
    }));
    // Largest first.
    add(sorted([&](int a, int b) {
      if (gain[at(a)] != gain[at(b)]) return gain[at(a)] > gain[at(b)];
      return cost[at(a)] < cost[at(b)];
    }));
    // Fewest moves first.
    add(sorted([&](int a, int b) {
      if (count[at(a)] != count[at(b)]) return count[at(a)] < count[at(b)];
      if (cost[at(a)] != cost[at(b)]) return cost[at(a)] < cost[at(b)];
      return gain[at(a)] > gain[at(b)];
    }));
    return out;
  }

  // --- Re-embedding -----------------------------------------------------------

  void set_used(Problem& p, const State& s, std::size_t i) const {
    for (std::size_t r = 0; r < p.substrate_resources.size(); ++r)
      p.substrate_resources[r].used = std::max(0.0, s.total[r] - s.use[i][r]);
  }

  // Suitability in state s: a node that may move goes to hosts in use that
  // are not vacated; one that may not stays where it is.
  void restrict(Problem& p, const State& s, std::size_t i, const std::vector<char>& movable,
                bool bias) const {
    const Solution& cur = s.sol[i];
    const Problem& orig = vnets_[i].problem;
    const mapping::Existing& ex = *orig.existing;
    std::vector<double> demand(p.nodes.size(), 0);
    for (std::size_t u = 0; u < p.nodes.size(); ++u)
      for (const auto& d : p.nodes[u].demands) demand[u] += d.amount;
    for (std::size_t u = 0; u < p.nodes.size(); ++u) {
      const int h = cur.node_host[u];
      const bool moves = movable[u] || s.vacated[at(h)];
      for (std::size_t e = 0; e < p.substrate.size(); ++e) {
        if (!moves) {
          p.node_suitable[u][e] = static_cast<int>(e) == h ? 1 : 0;
          continue;
        }
        p.node_suitable[u][e] = orig.node_suitable[u][e] && in_use_[e] && !s.vacated[e] ? 1 : 0;
        if (!bias) continue;
        if (!s.vacated[at(h)] && static_cast<int>(e) != h) p.node_weight[u][e] += kStayBias;
        // transit(u, v) in weight(u, v): the fast embedder charges a node
        // sum(demands) * weight, so this adds exactly transit, as the MIP's
        // objective does (thesis 5.4.1).
        if (demand[u] > 0 && !ex.node_transit.empty())
          p.node_weight[u][e] += ex.node_transit[u][e] / demand[u];
      }
    }
    for (auto& row : p.link_allowed)
      for (std::size_t e = 0; e < row.size(); ++e)
        if (s.vacated[e]) row[e] = 0;
  }

  // Links that keep their flows: exact, no endpoint moves, no element vacated.
  std::vector<char> kept_links(const State& s, std::size_t i,
                               const std::vector<char>& moving) const {
    const Problem& p = vnets_[i].problem;
    const Solution& cur = s.sol[i];
    std::vector<char> kept(p.links.size(), 0);
    for (std::size_t l = 0; l < p.links.size(); ++l) {
      if (!s.link_ok[i][l]) continue;
      bool ok = true;
      for (const int u : p.links[l].endpoints) ok = ok && !moving[at(u)];
      for (std::size_t f = 0; f < p.flows.size() && ok; ++f) {
        if (p.flows[f].link != static_cast<int>(l)) continue;
        for (const auto& [a, _] : cur.flow_arcs[f]) {
          const auto& arc = p.arcs[at(a)];
          if (s.vacated[at(arc.from)] || s.vacated[at(arc.to)]) ok = false;
        }
      }
      kept[l] = ok ? 1 : 0;
    }
    return kept;
  }

  Solution kept_part(const Problem& p, const Solution& cur, const std::vector<char>& kept) const {
    Solution k;
    k.node_host = cur.node_host;
    k.flow_arcs.assign(p.flows.size(), {});
    for (std::size_t f = 0; f < p.flows.size(); ++f)
      if (kept[at(p.flows[f].link)]) k.flow_arcs[f] = cur.flow_arcs[f];
    return k;
  }

  // A full solution from a sub-problem's: kept flows and, for nodes that
  // stay, their old allocations (plan.h: they keep everything).
  Solution merge(const Problem& p, const Solution& cur, const internal::SubProblem& sub,
                 const Solution& part, const std::vector<char>& kept) const {
    Solution full;
    full.node_host = part.node_host;
    full.node_alloc = part.node_alloc;
    for (std::size_t u = 0; u < p.nodes.size(); ++u)
      if (full.node_host[u] == cur.node_host[u]) full.node_alloc[u] = cur.node_alloc[u];
    full.flow_arcs.assign(p.flows.size(), {});
    for (std::size_t f = 0; f < p.flows.size(); ++f)
      if (kept[at(p.flows[f].link)]) full.flow_arcs[f] = cur.flow_arcs[f];
    for (std::size_t f = 0; f < sub.flow_of.size(); ++f)
      full.flow_arcs[at(sub.flow_of[f])] = part.flow_arcs[f];
    return full;
  }

  // The VNet's Problem as the checker sees it in state s: other VNets'
  // allocations as used, vacated hosts and idle hosts excluded for nodes
  // that moved.
  Problem checked_problem(const State& s, std::size_t i, const Solution& sol) const {
    Problem p = vnets_[i].problem;
    set_used(p, s, i);
    for (std::size_t u = 0; u < p.nodes.size(); ++u)
      for (std::size_t e = 0; e < p.substrate.size(); ++e) {
        if (s.vacated[e] || !in_use_[e]) p.node_suitable[u][e] = 0;
        // A node that stays where the recorded embedding put it stays
        // acceptable there (warnings about the input were given at load).
        if (static_cast<int>(e) == sol.node_host[u] && sol.node_host[u] == s.sol[i].node_host[u] &&
            !s.vacated[e])
          p.node_suitable[u][e] = 1;
      }
    for (auto& row : p.link_allowed)
      for (std::size_t e = 0; e < row.size(); ++e)
        if (s.vacated[e]) row[e] = 0;
    return p;
  }

  void commit(State& s, std::size_t i, Solution sol) const {
    const Problem& p = vnets_[i].problem;
    const mapping::Usage usage = mapping::compute_usage(p, sol);
    for (std::size_t r = 0; r < s.total.size(); ++r)
      s.total[r] += usage.resource_use[r] - s.use[i][r];
    s.use[i] = usage.resource_use;
    std::vector<char> touch(p.substrate.size(), 0);
    for (const int h : sol.node_host) touch[at(h)] = 1;
    for (const auto& els : usage.link_elements)
      for (const int e : els) touch[at(e)] = 1;
    s.touch[i] = std::move(touch);
    s.link_ok[i].assign(p.links.size(), 1);
    s.reembedded[i] = 1;
    s.sol[i] = std::move(sol);
  }

  bool check_and_commit(State& s, std::size_t i, Solution sol, std::string* why) const {
    const Problem pc = checked_problem(s, i, sol);
    const auto rep = mapping::check(pc, sol);
    if (!rep.ok()) {
      if (why)
        *why = vnets_[i].name + ": the checker rejects the re-embedding: " + rep.violations[0];
      return false;
    }
    commit(s, i, std::move(sol));
    return true;
  }

  // Why the moving nodes of VNet i find no host (for reasons).
  std::string diagnose(const State& s, std::size_t i, const std::vector<char>& moving) const {
    const VNet& v = vnets_[i];
    Problem p = v.problem;
    set_used(p, s, i);
    std::string out;
    int described = 0, more = 0;
    for (std::size_t u = 0; u < p.nodes.size(); ++u) {
      if (!moving[u]) continue;
      std::vector<std::string> why;
      bool any = false;
      for (const int h : hosts_) {
        if (s.vacated[at(h)]) continue;
        const std::string r = mapping::unsuitability_reason(p, static_cast<int>(u), h);
        if (r.empty()) {
          any = true;
          break;
        }
        if (why.size() < 3) why.push_back(r);
      }
      if (any) {
        // Room elsewhere, but not apart from a distinct partner that stays?
        std::vector<std::string> apart;
        bool free_host = false;
        for (const int h : hosts_) {
          if (s.vacated[at(h)] || !mapping::unsuitability_reason(p, static_cast<int>(u), h).empty())
            continue;
          bool blocked = false;
          for (const auto& g : p.groups) {
            if (g.kind != mapping::GroupConstraint::Kind::kDistinct ||
                std::find(g.nodes.begin(), g.nodes.end(), static_cast<int>(u)) == g.nodes.end())
              continue;
            for (const int w : g.nodes)
              if (w != static_cast<int>(u) && !moving[at(w)] && s.sol[i].node_host[at(w)] == h) {
                blocked = true;
                apart.push_back(p.nodes[at(w)].id + " on " + p.substrate[at(h)].id);
              }
          }
          free_host = free_host || !blocked;
        }
        if (free_host || described == 2) continue;
        ++described;
        std::string list;
        for (const auto& a : apart) list += (list.empty() ? "" : ", ") + a;
        out += (out.empty() ? "" : " ") + std::string("virtual node ") + p.nodes[u].id + " of " +
               v.name + " must stay apart from " + list +
               " (ConstraintGroup distinct); no other host in use can take it.";
        continue;
      }
      if (described == 2) {
        ++more;
        continue;
      }
      ++described;
      std::string list;
      for (const auto& w : why) list += "; " + w;
      out += (out.empty() ? "" : " ") + std::string("virtual node ") + p.nodes[u].id + " of " +
             v.name + " has no other host in use with room" +
             (why.empty() ? std::string(" (every other host is vacated)") : list) + ".";
    }
    if (more > 0) out += " " + std::to_string(more) + " more nodes of it have no room either.";
    if (out.empty())
      out = v.name +
            ": no joint re-embedding found for its nodes on vacated hosts (capacity, bandwidth, "
            "latency or constraint groups on the remaining hosts)";
    return out;
  }

  // One fast attempt for VNet i with `movable` nodes free to move.
  bool try_fast(State& s, std::size_t i, const std::vector<char>& movable, std::string* why) const {
    const VNet& v = vnets_[i];
    const Solution& cur = s.sol[i];
    Problem p = v.problem;
    set_used(p, s, i);
    restrict(p, s, i, movable, true);
    std::vector<char> moving(p.nodes.size(), 0);
    for (std::size_t u = 0; u < p.nodes.size(); ++u)
      moving[u] = movable[u] || s.vacated[at(cur.node_host[u])];
    const std::vector<char> kept = kept_links(s, i, moving);
    const mapping::Usage kept_use = mapping::compute_usage(p, kept_part(p, cur, kept));
    for (std::size_t r = 0; r < p.substrate_resources.size(); ++r)
      p.substrate_resources[r].used += kept_use.resource_use[r];
    const internal::SubProblem sub = internal::drop_links(p, kept);
    mapping::FastOptions fo;
    fo.evaluate = false;
    const mapping::MappingResult r = mapping::solve_fast(sub.problem, fo);
    if (!r.has_solution()) {
      if (why) *why = diagnose(s, i, moving);
      return false;
    }
    return check_and_commit(s, i, merge(v.problem, cur, sub, r.solution, kept), why);
  }

  // Fast re-embedding of VNet i, the moving set growing ring by ring.
  bool reembed_fast(State& s, std::size_t i, std::string* why) const {
    const Problem& p = vnets_[i].problem;
    const std::size_t n = p.nodes.size();
    std::vector<int> dist(n, -1);
    std::deque<int> queue;
    for (std::size_t u = 0; u < n; ++u)
      if (s.vacated[at(s.sol[i].node_host[u])]) {
        dist[u] = 0;
        queue.push_back(static_cast<int>(u));
      }
    std::vector<std::vector<int>> adj(n);
    for (const auto& l : p.links)
      for (const int a : l.endpoints)
        for (const int b : l.endpoints)
          if (a != b) adj[at(a)].push_back(b);
    while (!queue.empty()) {
      const int u = queue.front();
      queue.pop_front();
      for (const int w : adj[at(u)])
        if (dist[at(w)] < 0) {
          dist[at(w)] = dist[at(u)] + 1;
          queue.push_back(w);
        }
    }
    int max_ring = 0;
    for (const int d : dist) max_ring = std::max(max_ring, d);
    std::vector<char> previous;
    std::string first_why;
    for (int ring = 0; ring <= max_ring + 1; ++ring) {
      std::vector<char> movable(n, 0);
      for (std::size_t u = 0; u < n; ++u)
        movable[u] = ring > max_ring || (dist[u] >= 0 && dist[u] <= ring) ? 1 : 0;
      if (movable == previous) continue;
      previous = movable;
      std::string reason;
      if (try_fast(s, i, movable, &reason)) return true;
      if (first_why.empty()) first_why = reason;
    }
    if (why) *why = first_why;
    return false;
  }

  std::vector<std::size_t> affected(const State& s) const {
    std::vector<std::pair<double, std::size_t>> a;
    for (std::size_t i = 0; i < vnets_.size(); ++i) {
      bool hit = false;
      for (std::size_t e = 0; e < s.vacated.size() && !hit; ++e)
        hit = s.vacated[e] && s.touch[i][e];
      if (!hit) continue;
      // Larger moving demand first: the hardest to place gets the most room.
      double demand = 0;
      const Problem& p = vnets_[i].problem;
      for (std::size_t u = 0; u < p.nodes.size(); ++u)
        if (s.vacated[at(s.sol[i].node_host[u])])
          for (const auto& d : p.nodes[u].demands) demand += d.amount;
      a.push_back({-demand, i});
    }
    std::stable_sort(a.begin(), a.end());
    std::vector<std::size_t> out;
    for (const auto& [_, i] : a) out.push_back(i);
    return out;
  }

  bool vacate_fast(State& s, const std::vector<int>& hosts, std::string* why) const {
    for (const int h : hosts) {
      if (!s.vacated[at(h)]) s.vacated_order.push_back(h);
      s.vacated[at(h)] = 1;
    }
    std::vector<std::size_t> order = affected(s);
    // Sequentially, hardest first; if one fails it goes first once more.
    for (int attempt = 0; attempt < 2; ++attempt) {
      State trial = s;
      std::size_t failed = order.size();
      for (std::size_t k = 0; k < order.size(); ++k) {
        if (!reembed_fast(trial, order[k], why)) {
          failed = k;
          break;
        }
      }
      if (failed == order.size()) {
        s = std::move(trial);
        return true;
      }
      if (failed == 0) break;
      std::rotate(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(failed),
                  order.begin() + static_cast<std::ptrdiff_t>(failed) + 1);
    }
    return false;
  }

  // --- The MIP (plan.h, algorithm 4) ----------------------------------------

  bool vacate_exact(State& s, const std::vector<int>& hosts, double seconds, std::string* why) {
    for (const int h : hosts) {
      if (!s.vacated[at(h)]) s.vacated_order.push_back(h);
      s.vacated[at(h)] = 1;
    }
    const std::vector<std::size_t> group = affected(s);
    if (group.empty()) return true;
    // no_colocate would hold across VNets in a joint Problem: fast only.
    if (in_.options.no_colocate) return vacate_fast(s, {}, why);
    bool proven = false;
    const double started = elapsed();
    for (const bool pinned : {true, false}) {
      std::vector<Problem> parts;
      std::vector<internal::SubProblem> subs;
      std::vector<std::vector<char>> kepts;
      std::vector<double> kept_total(s.total.size(), 0);
      for (const std::size_t i : group) {
        const VNet& v = vnets_[i];
        const Solution& cur = s.sol[i];
        Problem p = v.problem;
        std::vector<char> movable(p.nodes.size(), pinned ? 0 : 1);
        restrict(p, s, i, movable, false);
        std::vector<char> moving(p.nodes.size(), 0);
        for (std::size_t u = 0; u < p.nodes.size(); ++u)
          moving[u] = movable[u] || s.vacated[at(cur.node_host[u])];
        std::vector<char> kept =
            pinned ? kept_links(s, i, moving) : std::vector<char>(p.links.size(), 0);
        const mapping::Usage ku = mapping::compute_usage(p, kept_part(p, cur, kept));
        for (std::size_t r = 0; r < kept_total.size(); ++r) kept_total[r] += ku.resource_use[r];
        if (!pinned) scale_penalties(p);
        subs.push_back(internal::drop_links(p, kept));
        kepts.push_back(std::move(kept));
      }
      std::vector<const Problem*> ptrs;
      for (const auto& sp : subs) ptrs.push_back(&sp.problem);
      internal::Joined joined = internal::join(ptrs);
      for (std::size_t r = 0; r < s.total.size(); ++r) {
        double others = s.total[r];
        for (const std::size_t i : group) others -= s.use[i][r];
        joined.problem.substrate_resources[r].used = std::max(0.0, others) + kept_total[r];
      }
      mapping::SolveSettings settings;
      settings.solver = o_.solver;
      // Both stages share the set's time; the second gets what is left.
      const double left = seconds - (elapsed() - started);
      if (left < 0.5) {
        if (why) *why = "no time left for the MIP";
        break;
      }
      settings.time_limit_s = left;
      settings.threads = o_.threads;
      const mapping::MappingResult r = mapping::solve_mip(joined.problem, settings);
      if (!r.has_solution()) {
        proven = proven || r.status == mapping::Status::kInfeasible;
        if (why && !r.explanation.empty()) *why = r.explanation.front();
        if (r.status == mapping::Status::kError) return false;
        continue;
      }
      State trial = s;
      for (std::size_t k = 0; k < group.size(); ++k) {
        const std::size_t i = group[k];
        const Solution part = internal::part_of(joined, r.solution, k, subs[k].problem);
        commit(trial, i, merge(vnets_[i].problem, s.sol[i], subs[k], part, kepts[k]));
      }
      bool ok = true;
      for (const std::size_t i : group) {
        const Problem pc = checked_problem(s, i, trial.sol[i]);
        Problem q = pc;
        set_used(q, trial, i);
        const auto rep = mapping::check(q, trial.sol[i]);
        if (!rep.ok()) {
          ok = false;
          if (why)
            *why = vnets_[i].name +
                   ": the checker rejects the MIP's re-embedding: " + rep.violations[0];
          break;
        }
      }
      if (!ok) continue;
      trial.by_mip = true;
      s = std::move(trial);
      return true;
    }
    if (proven) return false;
    // The MIP ran out of time: the fast embedder may still find one.
    return vacate_fast(s, {}, why);
  }

  // Penalties that dominate the resource part of the objective (plan.h, 4):
  // every node penalty and transit times M, M = 1 + an upper bound of the
  // resource cost over the smallest positive node penalty. Link penalties
  // stay (thesis 5.3.5: links are cheap to re-route).
  void scale_penalties(Problem& p) const {
    if (!p.existing) return;
    double bound = 0;
    for (std::size_t u = 0; u < p.nodes.size(); ++u) {
      double w = 0;
      for (const double x : p.node_weight[u]) w = std::max(w, x);
      for (const auto& d : p.nodes[u].demands) bound += d.amount * std::max(1.0, w);
    }
    int bw = 0;
    for (const auto& r : p.substrate_resources) bw += r.is_bandwidth ? 1 : 0;
    for (const auto& f : p.flows) bound += f.amount * bw;
    double smallest = 0;
    for (const double x : p.existing->node_penalty)
      if (x > 0 && (smallest == 0 || x < smallest)) smallest = x;
    if (smallest <= 0) return;
    const double m = 1 + bound / smallest;
    for (double& x : p.existing->node_penalty) x *= m;
    for (auto& row : p.existing->node_transit)
      for (double& x : row) x *= m;
  }

  void exact_search(const State& s0, const std::vector<std::vector<int>>& orders,
                    std::optional<Outcome>& best, Outcome& best_unreached) {
    std::vector<std::vector<int>> sets;
    auto add = [&](std::vector<int> v) {
      std::sort(v.begin(), v.end());
      if (!v.empty() && std::find(sets.begin(), sets.end(), v) == sets.end())
        sets.push_back(std::move(v));
    };
    if (best) add(best->state.vacated_order);
    for (const auto& order : orders) {
      std::vector<int> prefix;
      for (const int h : order) {
        prefix.push_back(h);
        if (ideal(prefix) + kTol >= o_.target) {
          add(prefix);
          break;
        }
      }
    }
    for (std::size_t k = 0; k < sets.size(); ++k) {
      if (out_of_time()) break;
      const double left = o_.time_limit_s - elapsed();
      const double t = elapsed();
      State s = s0;
      std::string why;
      ++sets_tried_;
      if (!vacate_exact(s, sets[k], left / static_cast<double>(sets.size() - k), &why)) {
        notes_.push_back("MIP: hosts {" + ids(sets[k]) + "} cannot be vacated (" +
                         num(elapsed() - t) + " s): " + why);
        continue;
      }
      Outcome o = evaluate(s);
      notes_.push_back(std::string(s.by_mip ? "MIP" : "MIP out of time, fast") + ": hosts {" +
                       ids(sets[k]) + "} vacated at cost " + num(o.cost) + ", frees " +
                       pct(o.fraction) + " (" + num(elapsed() - t) + " s)");
      // Asked for the MIP, ties go to its plan.
      if (o.reached) {
        if (!best || better(o, *best) || (!better(*best, o) && !best->state.by_mip))
          best = std::move(o);
      } else if (o.fraction > best_unreached.fraction + kTol) {
        best_unreached = std::move(o);
      }
    }
  }

  void prune(const State& s0, Outcome& best) {
    bool improved = true;
    while (improved && !out_of_time()) {
      improved = false;
      const std::vector<int> set = best.state.vacated_order;
      if (set.size() < 2) return;
      for (std::size_t k = 0; k < set.size() && !improved; ++k) {
        std::vector<int> rest = set;
        rest.erase(rest.begin() + static_cast<std::ptrdiff_t>(k));
        if (ideal(rest) + kTol < o_.target) continue;
        if (out_of_time()) return;
        State s = s0;
        ++sets_tried_;
        if (!vacate_fast(s, rest, nullptr)) continue;
        Outcome o = evaluate(s);
        if (o.reached && better(o, best)) {
          best = std::move(o);
          improved = true;
        }
      }
    }
  }

  std::string ids(const std::vector<int>& els) const {
    std::string out;
    for (const int e : els) out += (out.empty() ? "" : ", ") + sub_->substrate[at(e)].id;
    return out;
  }

  // --- The answer -------------------------------------------------------------

  Result<Plan> build(const State& s0, const Outcome& o, const std::map<int, std::string>& why) {
    const State& s = o.state;
    Plan plan;
    plan.target = o_.target;
    plan.measure = measure_text_;
    plan.reached = o.reached;
    plan.achieved = o.fraction;
    plan.engine = s.by_mip ? "mip/" + o_.solver : "fast";
    plan.mip_used = use_mip();
    plan.cost_model = o_.cost;
    const std::vector<char> before = busy(s0), after = busy(s);
    for (const int h : hosts_) {
      plan.hosts_in_use.push_back(sub_->substrate[at(h)].id);
      if (host_freed(after, h)) plan.hosts_freed.push_back(sub_->substrate[at(h)].id);
    }
    const std::vector<double> freed_now = freed(after, &s.total);
    for (std::size_t a = 0; a < attrs_.size(); ++a) {
      AttributeFigure f;
      f.attribute = attrs_[a].name;
      f.capacity = attrs_[a].capacity;
      f.used = attrs_[a].used;
      f.freed = freed_now[a];
      f.fraction = f.freed / f.capacity;
      f.bound = std::max(0.0, 1 - f.used / f.capacity);
      f.measured = attrs_[a].measured;
      plan.attributes.push_back(f);
    }
    for (std::size_t r = 0; r < sub_->substrate_resources.size(); ++r) {
      if (!sub_->substrate_resources[r].is_bandwidth) continue;
      plan.bandwidth_before += s0.total[r];
      plan.bandwidth_after += s.total[r];
    }
    for (std::size_t e = 0; e < sub_->substrate.size(); ++e) {
      if (!sub_->substrate[e].is_link) continue;
      if (before[e] && !after[e]) plan.links_freed.push_back(sub_->substrate[e].id);
      if (!before[e] && after[e]) plan.links_newly_used.push_back(sub_->substrate[e].id);
    }
    for (std::size_t i = 0; i < vnets_.size(); ++i) {
      const VNet& v = vnets_[i];
      VNetPlan vp;
      vp.name = v.name;
      vp.net_identifier = v.net_identifier;
      vp.problem = v.problem;
      set_used(vp.problem, s, i);
      vp.before = v.current;
      vp.moved = s.reembedded[i] && !same_solution(v.current, s.sol[i]);
      vp.after = vp.moved ? s.sol[i] : v.current;
      if (vp.moved) {
        const auto rep = mapping::check(vp.problem, vp.after);
        if (!rep.ok())
          return Error::internal("the plan's re-embedding of " + v.name +
                                 " fails the checker: " + rep.violations[0]);
        moves_of(i, vp.after, plan);
        mapping::MappingResult mr;
        mr.status = mapping::Status::kFeasible;
        mr.solution = vp.after;
        vp.document =
            mapping::mapping_document(v.request, *in_.substrate, vp.problem, mr, v.role_identifier);
      }
      plan.vnets.push_back(std::move(vp));
    }
    for (const auto& m : plan.moves) plan.migration_cost += m.cost;
    if (!plan.reached) reasons(plan, o, why);
    plan.notes = notes_;
    if (timed_out_)
      plan.notes.push_back("the time limit of " + num(o_.time_limit_s) +
                           " s ran out; the search stopped early");
    plan.host_sets_tried = sets_tried_;
    plan.seconds = elapsed();
    return plan;
  }

  void moves_of(std::size_t i, const Solution& sol, Plan& plan) const {
    const Problem& p = vnets_[i].problem;
    const mapping::Existing& ex = *p.existing;
    for (std::size_t u = 0; u < p.nodes.size(); ++u) {
      const int from = ex.node_host[u], to = sol.node_host[u];
      if (from == to) continue;
      Move m;
      m.kind = Move::Kind::kNode;
      m.vnet = static_cast<int>(i);
      m.element = p.nodes[u].id;
      m.identifier = p.nodes[u].identifier;
      m.from = {sub_->substrate[at(from)].id};
      m.to = {sub_->substrate[at(to)].id};
      m.state = vnets_[i].state[u];
      m.cost = ex.node_penalty[u] + (ex.node_transit.empty() ? 0 : ex.node_transit[u][at(to)]);
      plan.moves.push_back(std::move(m));
      ++plan.nodes_moved;
      plan.state_moved += vnets_[i].state[u];
    }
    const mapping::Usage usage = mapping::compute_usage(p, sol);
    for (std::size_t l = 0; l < p.links.size(); ++l) {
      const std::set<int> old(ex.link_elements[l].begin(), ex.link_elements[l].end());
      if (old == usage.link_elements[l] || p.links[l].implicit) continue;
      Move m;
      m.kind = Move::Kind::kLink;
      m.vnet = static_cast<int>(i);
      m.element = p.links[l].id;
      m.identifier = p.links[l].identifier;
      for (const int e : old) m.from.push_back(sub_->substrate[at(e)].id);
      for (const int e : usage.link_elements[l]) m.to.push_back(sub_->substrate[at(e)].id);
      m.cost = ex.link_penalty[l];
      plan.moves.push_back(std::move(m));
      ++plan.links_rerouted;
    }
  }

  void reasons(Plan& plan, const Outcome& o, const std::map<int, std::string>& why) const {
    for (const auto& f : plan.attributes) {
      if (!f.measured || f.bound + kTol >= o_.target) continue;
      plan.reasons.push_back("at most " + pct(f.bound) + " of " + f.attribute +
                             " can be freed even by a perfect packing: the VNets" +
                             " and reservations use " + num(f.used) + " of the " + num(f.capacity) +
                             " on the hosts in use");
    }
    plan.reasons.push_back("the best plan found frees " + pct(o.fraction) + " (" + measure_text_ +
                           "), target " + pct(o_.target));
    std::vector<int> idle;
    for (std::size_t e = 0; e < sub_->substrate.size(); ++e) {
      if (in_use_[e] || sub_->substrate[e].is_link) continue;
      for (const int r : sub_->substrate[e].resources)
        if (!sub_->substrate_resources[at(r)].is_bandwidth) {
          idle.push_back(static_cast<int>(e));
          break;
        }
    }
    if (!idle.empty())
      plan.reasons.push_back("hosts not in use before (" + ids(idle) +
                             ") stay empty: packing onto them would free nothing");
    int n = 0;
    for (const auto& [h, w] : why) {
      if (++n > 10) {
        plan.reasons.push_back("... and " + std::to_string(why.size() - 10) +
                               " more hosts that could not be vacated");
        break;
      }
      plan.reasons.push_back(sub_->substrate[at(h)].id + " (" + sub_->substrate[at(h)].identifier +
                             ") could not be vacated: " + w);
    }
    if (timed_out_)
      plan.reasons.push_back("the time limit of " + num(o_.time_limit_s) +
                             " s ran out; a longer one may find more");
  }
};

}  // namespace

Result<Plan> plan_repacking(const PlanInput& input, const PlanOptions& options) {
  return Planner(input, options).run();
}

}  // namespace cloudnet::plan
