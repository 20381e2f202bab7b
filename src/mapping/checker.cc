// The independent checker (checker.h). Every rule below is written from the
// thesis (ch. 5, Figure 5.2 and 5.5) and the definitions in problem.h; it
// shares no code with the formulation or the solvers. Resource consumption
// comes from usage.cc, which the objective evaluator uses as well.
#include "mapping/checker.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "mapping/checker_usage.h"
#include "solver/model.h"
#include "solver/solver.h"

namespace cloudnet::mapping {

namespace {

std::size_t at(int i) {
  return static_cast<std::size_t>(i);
}

std::string num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

// a > b beyond the tolerance, relative to the size of b.
bool above(double a, double b, double tol) {
  return a > b + tol * std::max(1.0, std::fabs(b));
}
bool differs(double a, double b, double tol) {
  return above(a, b, tol) || above(b, a, tol);
}

const char* value_type_name(ValueType v) {
  switch (v) {
    case ValueType::kMinimum: return "minimum";
    case ValueType::kMaximum: return "maximum";
    case ValueType::kConstant: return "constant";
  }
  return "?";
}

class Checker {
 public:
  Checker(const Problem& p, const Solution& s, double tol) : p_(p), s_(s), tol_(tol) {}

  CheckReport run() {
    if (!check_shapes()) return std::move(report_);
    check_placement();
    check_groups_nodes();
    check_demands();
    for (std::size_t f = 0; f < p_.flows.size(); ++f) check_flow(static_cast<int>(f));
    check_groups_links();
    check_capacity();
    return std::move(report_);
  }

 private:
  void add(std::string message) { report_.violations.push_back(std::move(message)); }

  std::string elem(int e) const {
    if (e < 0 || at(e) >= p_.substrate.size()) return "s:#" + std::to_string(e);
    return "s:" + p_.substrate[at(e)].id;
  }
  std::string res(int r) const {
    if (r < 0 || at(r) >= p_.substrate_resources.size()) return "s:#" + std::to_string(r);
    return "s:" + p_.substrate_resources[at(r)].id;
  }
  std::string vnode(int u) const {
    if (u < 0 || at(u) >= p_.nodes.size()) return "v:#" + std::to_string(u);
    return "v:" + p_.nodes[at(u)].id;
  }
  std::string vlink(int l) const {
    if (l < 0 || at(l) >= p_.links.size()) return "v:#" + std::to_string(l);
    return "v:" + p_.links[at(l)].id;
  }
  std::string flow_name(int f) const {
    const Flow& fl = p_.flows[at(f)];
    return "flow " + std::to_string(f) + " of " + vlink(fl.link) + " (" + vnode(fl.source) + "->" +
           vnode(fl.sink) + ")";
  }
  int host(int u) const { return check_internal::host_of(p_, s_, u); }
  // The host of u if u is placed on a substrate node, else -1.
  int placed(int u) const { return u >= 0 && at(u) < placed_.size() ? placed_[at(u)] : -1; }

  // Sizes of the solution's vectors; without them nothing else can be read.
  bool check_shapes() {
    bool ok = true;
    if (s_.node_host.size() != p_.nodes.size()) {
      add("solution has " + std::to_string(s_.node_host.size()) + " node hosts for " +
          std::to_string(p_.nodes.size()) + " virtual nodes");
      ok = false;
    }
    if (s_.node_alloc.size() != p_.nodes.size()) {
      add("solution has " + std::to_string(s_.node_alloc.size()) + " node allocation lists for " +
          std::to_string(p_.nodes.size()) + " virtual nodes");
      ok = false;
    } else {
      for (std::size_t u = 0; u < p_.nodes.size(); ++u) {
        if (s_.node_alloc[u].size() != p_.nodes[u].demands.size()) {
          add("virtual node " + vnode(static_cast<int>(u)) + ": " +
              std::to_string(s_.node_alloc[u].size()) + " allocation lists for " +
              std::to_string(p_.nodes[u].demands.size()) + " demands");
          ok = false;
        }
      }
    }
    if (s_.flow_arcs.size() != p_.flows.size()) {
      add("solution has " + std::to_string(s_.flow_arcs.size()) + " flow arc lists for " +
          std::to_string(p_.flows.size()) + " flows");
      ok = false;
    }
    return ok;
  }

  // map_node and allowed (Figure 5.2): one host per node, a suitable
  // substrate node; no_colocate.
  void check_placement() {
    placed_.assign(p_.nodes.size(), -1);
    for (std::size_t i = 0; i < p_.nodes.size(); ++i) {
      const int u = static_cast<int>(i);
      const int h = s_.node_host[i];
      if (h < 0 || at(h) >= p_.substrate.size()) {
        add("virtual node " + vnode(u) + " has no valid host (index " + std::to_string(h) + ")");
        continue;
      }
      if (p_.substrate[at(h)].is_link) {
        add("virtual node " + vnode(u) + " placed on " + elem(h) + ", a substrate link");
        continue;
      }
      if (i >= p_.node_suitable.size() || at(h) >= p_.node_suitable[i].size() ||
          !p_.node_suitable[i][at(h)]) {
        add("virtual node " + vnode(u) + " placed on " + elem(h) +
            ", which is not suitable for it");
      }
      placed_[i] = h;
    }
    if (p_.options.no_colocate) {
      for (std::size_t a = 0; a < p_.nodes.size(); ++a) {
        for (std::size_t b = a + 1; b < p_.nodes.size(); ++b) {
          if (placed_[a] >= 0 && placed_[a] == placed_[b]) {
            add("no_colocate: virtual nodes " + vnode(static_cast<int>(a)) + " and " +
                vnode(static_cast<int>(b)) + " share " + elem(placed_[a]));
          }
        }
      }
    }
  }

  // The value of feature `attribute` on element e, if any.
  const std::string* feature(int e, const flerd::TypePath& attribute) const {
    for (const flerd::Feature& f : p_.substrate[at(e)].features) {
      if (flerd::TypePath::parse_lenient(f.attribute) == attribute) return &f.value;
    }
    return nullptr;
  }

  // Constraint groups over nodes (thesis 5.5.6, 4.3.1).
  void check_groups_nodes() {
    for (std::size_t g = 0; g < p_.groups.size(); ++g) {
      const GroupConstraint& group = p_.groups[g];
      const std::string name = "group " + std::to_string(g) +
                               (group.relation.empty() ? "" : " (" + group.relation + ")");
      std::vector<int> members;
      for (const int u : group.nodes) {
        if (u < 0 || at(u) >= p_.nodes.size()) {
          add(name + ": invalid virtual node index " + std::to_string(u));
        } else if (placed(u) >= 0) {
          members.push_back(u);
        }
      }
      switch (group.kind) {
        case GroupConstraint::Kind::kDistinct:
          for (std::size_t a = 0; a < members.size(); ++a) {
            for (std::size_t b = a + 1; b < members.size(); ++b) {
              if (placed(members[a]) == placed(members[b])) {
                add(name + " distinct: virtual nodes " + vnode(members[a]) + " and " +
                    vnode(members[b]) + " share " + elem(placed(members[a])));
              }
            }
          }
          break;
        case GroupConstraint::Kind::kColocate:
          for (std::size_t a = 1; a < members.size(); ++a) {
            if (placed(members[a]) != placed(members[0])) {
              add(name + " colocate: virtual node " + vnode(members[a]) + " on " +
                  elem(placed(members[a])) + " but " + vnode(members[0]) + " on " +
                  elem(placed(members[0])));
            }
          }
          break;
        case GroupConstraint::Kind::kEquals: {
          const std::string* first = nullptr;
          int first_node = -1;
          for (const int u : members) {
            const std::string* value = feature(placed(u), group.attribute);
            if (value == nullptr) {
              add(name + " equals: host " + elem(placed(u)) + " of virtual node " + vnode(u) +
                  " has no feature " + group.attribute.str());
              continue;
            }
            if (first == nullptr) {
              first = value;
              first_node = u;
            } else if (*value != *first) {
              add(name + " equals: " + group.attribute.str() + " is '" + *value + "' on " +
                  elem(placed(u)) + " (host of " + vnode(u) + ") but '" + *first + "' on " +
                  elem(placed(first_node)) + " (host of " + vnode(first_node) + ")");
            }
          }
          break;
        }
      }
    }
  }

  // req_min / req_max / req_con, relate_V, resource, set_new (Figure 5.2):
  // allocations on the host only, on resources that may host the demand,
  // prop factors applied.
  void check_demands() {
    for (std::size_t i = 0; i < p_.nodes.size(); ++i) {
      const int u = static_cast<int>(i);
      const int h = placed(u);
      const VirtualNode& node = p_.nodes[i];
      for (std::size_t k = 0; k < node.demands.size(); ++k) {
        const Demand& d = node.demands[k];
        const std::string what = "virtual node " + vnode(u) + " demand " + d.resource_id + " (" +
                                 d.attribute.str() + ", " + value_type_name(d.value_type) + " " +
                                 num(d.amount) + ")";
        const std::vector<Problem::Host>* hosts =
            i < p_.demand_hosts.size() && k < p_.demand_hosts[i].size() ? &p_.demand_hosts[i][k]
                                                                        : nullptr;
        double virtual_amount = 0.0;
        for (const Solution::Alloc& a : s_.node_alloc[i][k]) {
          if (a.resource < 0 || at(a.resource) >= p_.substrate_resources.size()) {
            add(what + ": allocation on invalid resource index " + std::to_string(a.resource));
            continue;
          }
          if (!std::isfinite(a.amount) || a.amount < -tol_) {
            add(what + ": allocation of " + num(a.amount) + " on " + res(a.resource));
          }
          if (h >= 0) {
            const auto& listed = p_.substrate[at(h)].resources;
            if (std::find(listed.begin(), listed.end(), a.resource) == listed.end()) {
              add(what + ": allocation of " + num(a.amount) + " on " + res(a.resource) +
                  ", which host " + elem(h) + " does not offer");
            }
          }
          const Problem::Host* hr = nullptr;
          if (hosts != nullptr) {
            for (const Problem::Host& x : *hosts) {
              if (x.resource == a.resource) {
                hr = &x;
                break;
              }
            }
          }
          if (hr == nullptr) {
            add(what + ": allocation of " + num(a.amount) + " on " + res(a.resource) +
                ", which cannot host it");
            continue;
          }
          virtual_amount += hr->factor * a.amount;
        }
        if (h < 0) continue;  // reported by check_placement
        const double min_alloc = p_.options.min_alloc;
        switch (d.value_type) {
          case ValueType::kMinimum:
            if (above(d.amount, virtual_amount, tol_)) {
              add(what + " on " + elem(h) + ": allocated " + num(virtual_amount) + " < " +
                  num(d.amount));
            }
            break;
          case ValueType::kMaximum:
            if (above(virtual_amount, d.amount, tol_)) {
              add(what + " on " + elem(h) + ": allocated " + num(virtual_amount) + " > " +
                  num(d.amount));
            }
            break;
          case ValueType::kConstant:
            if (differs(virtual_amount, d.amount, tol_)) {
              add(what + " on " + elem(h) + ": allocated " + num(virtual_amount) +
                  " != " + num(d.amount));
            }
            break;
        }
        // relate_V holds for every r_V (Figure 5.2).
        if (above(min_alloc, virtual_amount, tol_)) {
          add(what + " on " + elem(h) + ": allocated " + num(virtual_amount) + " < min_alloc " +
              num(min_alloc));
        }
      }
    }
  }

  // Links (Figure 5.2 req_f*, 5.3.4 flow preservation), link_allowed,
  // no_split, latency (5.5.5).
  void check_flow(int f) {
    const Flow& flow = p_.flows[at(f)];
    const std::string name = flow_name(f);
    const int l = flow.link;
    if (l < 0 || at(l) >= p_.links.size()) {
      add(name + ": invalid link index");
      return;
    }
    bool arcs_ok = true;
    std::vector<double> in(p_.substrate.size(), 0.0);
    std::vector<double> out(p_.substrate.size(), 0.0);
    std::map<int, double> on_arc;  // positive arcs, merged
    for (const auto& [a, amount] : s_.flow_arcs[at(f)]) {
      if (a < 0 || at(a) >= p_.arcs.size()) {
        add(name + ": invalid arc index " + std::to_string(a));
        arcs_ok = false;
        continue;
      }
      const SubstrateArc& arc = p_.arcs[at(a)];
      if (!std::isfinite(amount) || amount < -tol_) {
        add(name + ": amount " + num(amount) + " on arc " + elem(arc.from) + "->" + elem(arc.to));
        arcs_ok = false;
        continue;
      }
      if (arc.from < 0 || at(arc.from) >= p_.substrate.size() || arc.to < 0 ||
          at(arc.to) >= p_.substrate.size()) {
        add(name + ": arc " + std::to_string(a) + " has invalid ends");
        arcs_ok = false;
        continue;
      }
      out[at(arc.from)] += amount;
      in[at(arc.to)] += amount;
      if (amount > tol_) {
        on_arc[a] += amount;
        for (const int e : {arc.from, arc.to}) {
          if (at(l) >= p_.link_allowed.size() || at(e) >= p_.link_allowed[at(l)].size() ||
              !p_.link_allowed[at(l)][at(e)]) {
            add(name + ": uses arc " + elem(arc.from) + "->" + elem(arc.to) + " (" + num(amount) +
                ") but " + elem(e) + " is not allowed for " + vlink(l));
          }
        }
      }
    }
    const int src = placed(flow.source);
    const int dst = placed(flow.sink);
    if (src < 0 || dst < 0 || !arcs_ok) return;  // cannot judge conservation
    const double amount = src == dst ? 0.0 : flow.amount;
    for (std::size_t v = 0; v < p_.substrate.size(); ++v) {
      const double net = out[v] - in[v];
      const int e = static_cast<int>(v);
      if (src != dst && e == src) {
        if (differs(net, amount, tol_)) {
          add(name + ": amount leaving source host " + elem(e) + " is " + num(net) + ", expected " +
              num(amount));
        }
      } else if (src != dst && e == dst) {
        if (differs(-net, amount, tol_)) {
          add(name + ": amount reaching sink host " + elem(e) + " is " + num(-net) + ", expected " +
              num(amount));
        }
      } else if (differs(net, 0.0, tol_)) {
        add(name + ": flow conservation violated at " + elem(e) + ": in " + num(in[v]) + ", out " +
            num(out[v]) +
            (src == dst ? " (source and sink share " + elem(src) + ", amount 0)" : ""));
      }
    }
    const VirtualLink& link = p_.links[at(l)];
    const bool bounded = link.max_latency.has_value() || link.min_latency.has_value();
    if (p_.options.no_split) {
      check_single_path(name + ": no_split", on_arc, src, dst, amount);
    } else if (bounded && p_.options.path_parts <= 1) {
      check_single_path(name + ": latency bound with path_parts 1", on_arc, src, dst, amount);
    }
    if (bounded && src != dst && amount > tol_) check_latency(name, link, on_arc, src, dst, amount);
  }

  // The positive arcs form one simple path from src to dst carrying `amount`
  // (no arcs at all when src == dst or amount is 0).
  void check_single_path(const std::string& what, const std::map<int, double>& on_arc, int src,
                         int dst, double amount) {
    if (src == dst || !(amount > tol_)) {
      if (!on_arc.empty()) {
        add(what + ": " + std::to_string(on_arc.size()) +
            " arcs carry flow although nothing needs routing");
      }
      return;
    }
    std::map<int, int> next;  // element -> arc
    for (const auto& [a, x] : on_arc) {
      const SubstrateArc& arc = p_.arcs[at(a)];
      if (differs(x, amount, tol_)) {
        add(what + ": arc " + elem(arc.from) + "->" + elem(arc.to) + " carries " + num(x) +
            ", not the whole amount " + num(amount) + " (flow is split)");
        return;
      }
      if (!next.emplace(arc.from, a).second) {
        add(what + ": flow leaves " + elem(arc.from) + " on more than one arc (flow is split)");
        return;
      }
    }
    std::set<int> seen{src};
    int v = src;
    std::size_t used = 0;
    while (v != dst) {
      const auto it = next.find(v);
      if (it == next.end()) {
        add(what + ": path from " + elem(src) + " stops at " + elem(v));
        return;
      }
      v = p_.arcs[at(it->second)].to;
      ++used;
      if (!seen.insert(v).second) {
        add(what + ": path from " + elem(src) + " revisits " + elem(v));
        return;
      }
    }
    if (used != on_arc.size()) {
      add(what + ": " + std::to_string(on_arc.size() - used) +
          " arcs carry flow outside the path from " + elem(src) + " to " + elem(dst));
    }
  }

  // Latency (5.5.5, lat_min / lat_max): the flow must decompose into at most
  // k paths (k = 1 with no_split, else path_parts) plus cycles, each path's
  // latency (intermediate elements only, problem.h) within the bounds. Paths
  // are those of the support graph.
  void check_latency(const std::string& name, const VirtualLink& link,
                     const std::map<int, double>& on_arc, int src, int dst, double amount) {
    const double lo = link.min_latency.value_or(-1.0);
    const double hi = link.max_latency.value_or(-1.0);
    const auto in_bounds = [&](double lat) {
      return !(link.min_latency && above(lo, lat, tol_)) &&
             !(link.max_latency && above(lat, hi, tol_));
    };
    const auto bounds = [&] {
      std::string b;
      if (link.min_latency) b += "min " + num(lo);
      if (link.max_latency) b += std::string(b.empty() ? "" : ", ") + "max " + num(hi);
      return b;
    };
    // Simple src-dst paths of the support graph (arc lists), capped.
    std::map<int, std::vector<int>> succ;
    for (const auto& [a, x] : on_arc) succ[p_.arcs[at(a)].from].push_back(a);
    std::vector<std::vector<int>> paths;
    std::vector<double> latency;
    constexpr std::size_t kMaxPaths = 20000;
    bool capped = false;
    std::vector<int> stack;
    std::set<int> on_path{src};
    std::function<void(int, double)> dfs = [&](int v, double lat) {
      if (capped) return;
      if (v == dst) {
        if (paths.size() >= kMaxPaths) {
          capped = true;
          return;
        }
        paths.push_back(stack);
        latency.push_back(lat);
        return;
      }
      if (v != src) lat += p_.substrate[at(v)].latency;
      const auto it = succ.find(v);
      if (it == succ.end()) return;
      for (const int a : it->second) {
        const int w = p_.arcs[at(a)].to;
        if (on_path.count(w)) continue;
        on_path.insert(w);
        stack.push_back(a);
        dfs(w, lat);
        stack.pop_back();
        on_path.erase(w);
      }
    };
    dfs(src, 0.0);
    if (capped) {
      add(name + ": more than " + std::to_string(kMaxPaths) +
          " paths in the flow's support, latency not verified");
      return;
    }
    std::vector<int> valid;
    for (std::size_t i = 0; i < paths.size(); ++i) {
      if (in_bounds(latency[i])) valid.push_back(static_cast<int>(i));
    }
    const auto describe = [&](std::size_t i) {
      std::string s = elem(src);
      for (const int a : paths[i]) s += "->" + elem(p_.arcs[at(a)].to);
      return s + " has latency " + num(latency[i]);
    };
    const int k = p_.options.no_split ? 1 : std::max(1, p_.options.path_parts);
    if (k == 1) {
      // The single-path rule is reported separately; name the bad paths.
      for (std::size_t i = 0; i < paths.size(); ++i) {
        if (!in_bounds(latency[i])) {
          add(name + ": path " + describe(i) + ", outside the bounds (" + bounds() + ")");
        }
      }
      return;
    }
    // At most k support paths, all within the bounds: any decomposition works.
    if (valid.size() == paths.size() && paths.size() <= static_cast<std::size_t>(k)) return;
    if (decomposes(on_arc, paths, valid, amount, k)) return;
    std::string detail;
    for (std::size_t i = 0; i < paths.size(); ++i) {
      if (!in_bounds(latency[i])) detail += "; path " + describe(i);
    }
    add(name + ": does not decompose into at most " + std::to_string(k) +
        " paths within the latency bounds (" + bounds() + ")" + detail);
  }

  // Whether `amount` can be sent over at most k of the `valid` paths within
  // the arc amounts (the rest of the flow then consists of cycles). Tries
  // every subset of at most k paths with a small feasibility LP.
  bool decomposes(const std::map<int, double>& on_arc, const std::vector<std::vector<int>>& paths,
                  const std::vector<int>& valid, double amount, int k) {
    if (valid.empty()) return false;
    auto backend = solver::default_registry().create("glpk");
    if (!backend) {
      add("latency decomposition not verified: " + backend.error().message);
      return true;
    }
    std::vector<int> subset;
    std::int64_t budget = 200000;
    std::function<bool(std::size_t)> rec = [&](std::size_t from) -> bool {
      if (!subset.empty()) {
        if (--budget < 0) return false;
        solver::Model m("latency_decomposition");
        std::vector<solver::Var> x;
        solver::LinExpr total;
        std::map<int, solver::LinExpr> per_arc;
        for (const int i : subset) {
          x.push_back(m.add_continuous(""));
          total += x.back();
          for (const int a : paths[at(i)]) per_arc[a] += x.back();
        }
        m.add_eq("", total, amount);
        for (const auto& [a, e] : per_arc) m.add_le("", e, on_arc.at(a) + tol_);
        auto sol = (*backend)->solve(m, {});
        if (sol && sol->has_values()) return true;
      }
      if (subset.size() >= static_cast<std::size_t>(k)) return false;
      for (std::size_t i = from; i < valid.size(); ++i) {
        subset.push_back(valid[i]);
        if (rec(i + 1)) return true;
        subset.pop_back();
      }
      return false;
    };
    return rec(0);
  }

  // Distinct groups over links: the elements their flows touch are disjoint
  // apart from hosts of the links' endpoints (problem.h: element-disjoint
  // paths apart from the endpoints).
  void check_groups_links() {
    std::vector<std::set<int>> touched(p_.links.size());
    for (std::size_t f = 0; f < p_.flows.size(); ++f) {
      const int l = p_.flows[f].link;
      if (l < 0 || at(l) >= p_.links.size()) continue;
      for (const auto& [a, x] : s_.flow_arcs[f]) {
        if (a < 0 || at(a) >= p_.arcs.size() || !(x > tol_)) continue;
        touched[at(l)].insert(p_.arcs[at(a)].from);
        touched[at(l)].insert(p_.arcs[at(a)].to);
      }
    }
    for (std::size_t g = 0; g < p_.groups.size(); ++g) {
      const GroupConstraint& group = p_.groups[g];
      const std::string name = "group " + std::to_string(g) +
                               (group.relation.empty() ? "" : " (" + group.relation + ")");
      if (group.links.empty()) continue;
      for (const int l : group.links) {
        if (l < 0 || at(l) >= p_.links.size()) {
          add(name + ": invalid virtual link index " + std::to_string(l));
        }
      }
      if (group.kind != GroupConstraint::Kind::kDistinct) continue;
      for (std::size_t i = 0; i < group.links.size(); ++i) {
        for (std::size_t j = i + 1; j < group.links.size(); ++j) {
          const int a = group.links[i];
          const int b = group.links[j];
          if (a < 0 || b < 0 || at(a) >= p_.links.size() || at(b) >= p_.links.size()) continue;
          std::set<int> endpoint_hosts;
          for (const int l : {a, b}) {
            for (const int ep : p_.links[at(l)].endpoints) {
              if (placed(ep) >= 0) endpoint_hosts.insert(placed(ep));
            }
          }
          for (const int e : touched[at(a)]) {
            if (touched[at(b)].count(e) && !endpoint_hosts.count(e)) {
              add(name + " distinct: virtual links " + vlink(a) + " and " + vlink(b) +
                  " both use " + elem(e));
            }
          }
        }
      }
    }
  }

  // ne_capacity / capacity (Figure 5.2) against the free capacity, shared
  // resources once, flow resources by the rule of problem.h.
  void check_capacity() {
    const check_internal::Usage usage = check_internal::compute_usage(p_, s_, tol_);
    report_.resource_use = usage.total;
    for (const double x : usage.node_use) report_.node_resource_use += x;
    for (const auto& per_link : usage.link_use) {
      for (const double x : per_link) report_.link_resource_use += x;
    }
    for (std::size_t r = 0; r < p_.substrate_resources.size(); ++r) {
      const SubstrateResource& resource = p_.substrate_resources[r];
      const double use = usage.total[r];
      const double free = resource.capacity - resource.used;
      if (use > tol_ && above(use, std::max(free, 0.0), tol_)) {
        add("resource " + res(static_cast<int>(r)) + " over capacity: " + num(use) + " > " +
            num(free) + " free (capacity " + num(resource.capacity) + ", used " +
            num(resource.used) + ")");
      }
    }
  }

  const Problem& p_;
  const Solution& s_;
  const double tol_;
  std::vector<int> placed_;
  CheckReport report_;
};

}  // namespace

std::string CheckReport::format() const {
  if (violations.empty()) return "valid";
  std::string s = std::to_string(violations.size()) + " violation(s):";
  for (const std::string& v : violations) s += "\n  - " + v;
  return s;
}

CheckReport check(const Problem& problem, const Solution& solution, double tolerance) {
  return Checker(problem, solution, tolerance).run();
}

}  // namespace cloudnet::mapping
