#include "mapping/formulation.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <deque>
#include <limits>
#include <map>
#include <set>

#include "mapping/builder.h"

namespace cloudnet::mapping {

namespace {

using solver::LinExpr;
using solver::Var;
using Dir = SubstrateResource::Direction;

std::string name(const char* prefix, std::initializer_list<int> idx) {
  std::string s = prefix;
  for (int i : idx) {
    s += '_';
    s += std::to_string(i);
  }
  return s;
}

bool needs_path(const Problem& p, const Flow& f) {
  const VirtualLink& l = p.links[static_cast<std::size_t>(f.link)];
  return p.options.no_split || l.max_latency || l.min_latency;
}

}  // namespace

Formulation::Formulation(const Problem& problem, const FormulationOptions& options)
    : p_(problem), opt_(options), model_("cloudnet_embedding") {
  build();
}

LinExpr Formulation::node_x(int u, int v) const {
  const int i = x_index_[static_cast<std::size_t>(u)][static_cast<std::size_t>(v)];
  if (i < 0) return LinExpr();
  return LinExpr(x_[static_cast<std::size_t>(u)][static_cast<std::size_t>(i)].x);
}

void Formulation::build() {
  const std::size_t S = p_.substrate.size();
  // new(u, v) where suit(u, v) (Figure 5.2 `allowed`).
  x_.assign(p_.nodes.size(), {});
  x_index_.assign(p_.nodes.size(), std::vector<int>(S, -1));
  for (std::size_t u = 0; u < p_.nodes.size(); ++u) {
    LinExpr one;
    const std::vector<char> keep = candidate_mask(static_cast<int>(u));
    for (std::size_t v = 0; v < S; ++v) {
      if (!p_.node_suitable[u][v]) continue;
      if (!keep[v]) {
        restricted_ = true;
        continue;
      }
      x_index_[u][v] = static_cast<int>(x_[u].size());
      const Var x = model_.add_binary(name("x", {static_cast<int>(u), static_cast<int>(v)}));
      x_[u].push_back({static_cast<int>(v), x});
      one += x;
      ++node_binaries_;
    }
    // map_node: every virtual node on exactly one substrate node.
    model_.add_eq(name("map_node", {static_cast<int>(u)}), one, 1.0);
  }
  if (p_.options.no_colocate) {
    for (std::size_t v = 0; v < S; ++v) {
      LinExpr sum;
      for (std::size_t u = 0; u < p_.nodes.size(); ++u)
        sum += node_x(static_cast<int>(u), static_cast<int>(v));
      if (sum.terms().size() > 1)
        model_.add_le(name("no_colocate", {static_cast<int>(v)}), sum, 1.0);
    }
  }
  if (opt_.symmetry_breaking) add_symmetry_breaking();
  LinExpr cost;
  std::vector<LinExpr> use(p_.substrate_resources.size());
  add_node_part(cost, use);
  add_flow_part(cost, use);
  if (opt_.host_flow_cuts || opt_.distance_cuts) add_flow_cuts();
  add_groups();
  LinExpr migration;
  add_migration(migration);
  // ne_capacity / capacity: one row per substrate resource; a shared resource
  // sums over all elements that offer it (Figure 5.2 `capacity`).
  for (std::size_t r = 0; r < use.size(); ++r) {
    if (use[r].terms().empty()) continue;
    const auto& sr = p_.substrate_resources[r];
    model_.add_le(name("capacity", {static_cast<int>(r)}), use[r],
                  std::max(0.0, sr.capacity - sr.used));
  }
  set_objective(std::move(cost), std::move(migration), use);
}

std::vector<char> Formulation::candidate_mask(int u) const {
  const std::size_t S = p_.substrate.size();
  const auto uu = static_cast<std::size_t>(u);
  std::vector<char> keep(S, 1);
  if (opt_.candidate_limit <= 0) return keep;
  std::vector<int> cands;
  for (std::size_t v = 0; v < S; ++v)
    if (p_.node_suitable[uu][v]) cands.push_back(static_cast<int>(v));
  if (cands.size() <= static_cast<std::size_t>(opt_.candidate_limit)) return keep;
  // Free capacity at v of every resource that can host one of u's demands.
  auto free_at = [&](int v) {
    double free = 0;
    for (const auto& hosts : p_.demand_hosts[uu]) {
      for (const auto& h : hosts) {
        const auto& sr = p_.substrate_resources[static_cast<std::size_t>(h.resource)];
        if (std::find(sr.elements.begin(), sr.elements.end(), v) != sr.elements.end())
          free += std::max(0.0, sr.capacity - sr.used) * h.factor;
      }
    }
    return free;
  };
  std::vector<std::pair<std::pair<double, double>, int>> ranked;
  for (int v : cands)
    ranked.push_back({{p_.node_weight[uu][static_cast<std::size_t>(v)], -free_at(v)}, v});
  std::sort(ranked.begin(), ranked.end());
  std::fill(keep.begin(), keep.end(), 0);
  for (std::size_t i = 0; i < ranked.size(); ++i)
    if (i < static_cast<std::size_t>(opt_.candidate_limit))
      keep[static_cast<std::size_t>(ranked[i].second)] = 1;
  // A migration must stay possible to not move.
  if (p_.existing && uu < p_.existing->node_host.size() && p_.existing->node_host[uu] >= 0)
    keep[static_cast<std::size_t>(p_.existing->node_host[uu])] = 1;
  return keep;
}

bool Formulation::may_share_host(int u1, int u2) const {
  if (p_.options.no_colocate) return false;
  for (const auto& g : p_.groups) {
    if (g.kind != GroupConstraint::Kind::kDistinct) continue;
    const bool a = std::find(g.nodes.begin(), g.nodes.end(), u1) != g.nodes.end();
    const bool b = std::find(g.nodes.begin(), g.nodes.end(), u2) != g.nodes.end();
    if (a && b) return false;
  }
  return true;
}

// Thesis 6.3.2 breaks symmetry with random weights (and found it of little
// use); here only exact symmetries are broken: virtual nodes that can be
// swapped in every solution without changing feasibility or cost.
void Formulation::add_symmetry_breaking() {
  if (p_.existing) return;  // old hosts and transit costs tell nodes apart
  const std::size_t N = p_.nodes.size();
  std::vector<char> eligible(N, 1);
  for (const auto& g : p_.groups) {
    for (int u : g.nodes) eligible[static_cast<std::size_t>(u)] = 0;
    for (int l : g.links)
      for (int u : p_.links[static_cast<std::size_t>(l)].endpoints)
        eligible[static_cast<std::size_t>(u)] = 0;
  }
  std::map<std::vector<char>, int> allowed_id;
  auto allowed_of = [&](int l) {
    return allowed_id.emplace(p_.link_allowed[static_cast<std::size_t>(l)], allowed_id.size())
        .first->second;
  };
  // Per virtual node: its links as (other endpoint, link properties, flows
  // seen from the node), sorted; nodes on a link with more than two
  // endpoints, or linked to each other, are left alone.
  std::vector<std::vector<std::string>> links_of(N);
  for (std::size_t l = 0; l < p_.links.size(); ++l) {
    const VirtualLink& vl = p_.links[l];
    if (vl.endpoints.size() != 2) {
      for (int u : vl.endpoints) eligible[static_cast<std::size_t>(u)] = 0;
      continue;
    }
    for (int side = 0; side < 2; ++side) {
      const int u = vl.endpoints[static_cast<std::size_t>(side)];
      const int other = vl.endpoints[static_cast<std::size_t>(1 - side)];
      std::string sig = std::to_string(other) + "|" +
                        std::to_string(allowed_of(static_cast<int>(l))) + "|" +
                        (vl.max_latency ? std::to_string(*vl.max_latency) : "-") + "|" +
                        (vl.min_latency ? std::to_string(*vl.min_latency) : "-");
      std::vector<std::string> flows;
      for (const Flow& f : p_.flows) {
        if (f.link != static_cast<int>(l)) continue;
        char buf[96];
        std::snprintf(buf, sizeof buf, "%s%d:%.17g", f.source == u ? "out" : "in",
                      static_cast<int>(f.kind), f.amount);
        flows.emplace_back(buf);
      }
      std::sort(flows.begin(), flows.end());
      for (const auto& fs : flows) sig += "|" + fs;
      links_of[static_cast<std::size_t>(u)].push_back(sig);
    }
  }
  for (auto& l : links_of) std::sort(l.begin(), l.end());
  auto same = [&](std::size_t a, std::size_t b) {
    const VirtualNode& na = p_.nodes[a];
    const VirtualNode& nb = p_.nodes[b];
    if (na.demands.size() != nb.demands.size()) return false;
    for (std::size_t k = 0; k < na.demands.size(); ++k) {
      const Demand& da = na.demands[k];
      const Demand& db = nb.demands[k];
      if (da.value_type != db.value_type || da.amount != db.amount ||
          da.attribute.str() != db.attribute.str())
        return false;
      const auto& ha = p_.demand_hosts[a][k];
      const auto& hb = p_.demand_hosts[b][k];
      if (ha.size() != hb.size()) return false;
      for (std::size_t i = 0; i < ha.size(); ++i)
        if (ha[i].resource != hb[i].resource || ha[i].factor != hb[i].factor) return false;
    }
    if (p_.node_suitable[a] != p_.node_suitable[b] || p_.node_weight[a] != p_.node_weight[b])
      return false;
    // Linked to each other: swapping would reverse that link's flows.
    for (const auto& sig : links_of[a])
      if (sig.rfind(std::to_string(b) + "|", 0) == 0) return false;
    return links_of[a] == links_of[b];
  };
  std::vector<char> done(N, 0);
  for (std::size_t a = 0; a < N; ++a) {
    if (!eligible[a] || done[a]) continue;
    std::vector<std::size_t> cls{a};
    for (std::size_t b = a + 1; b < N; ++b)
      if (eligible[b] && !done[b] && same(a, b)) cls.push_back(b);
    for (std::size_t i : cls) done[i] = 1;
    // host index of cls[i] <= (<) host index of cls[i + 1]
    for (std::size_t i = 0; i + 1 < cls.size(); ++i) {
      const int u1 = static_cast<int>(cls[i]);
      const int u2 = static_cast<int>(cls[i + 1]);
      LinExpr e;
      for (const auto& nx : x_[cls[i]]) e += static_cast<double>(nx.v) * nx.x;
      for (const auto& nx : x_[cls[i + 1]]) e -= static_cast<double>(nx.v) * nx.x;
      model_.add_le(name("sym", {u1, u2}), e, may_share_host(u1, u2) ? 0.0 : -1.0);
      ++strengthening_rows_;
    }
  }
}

void Formulation::add_flow_cuts() {
  const std::size_t S = p_.substrate.size();
  // 0-1 BFS distances (link elements entered) over the arcs between allowed
  // elements, per allowed set and source element, computed on demand.
  std::map<std::pair<const std::vector<char>*, int>, std::vector<int>> dist_cache;
  constexpr int kUnreachable = std::numeric_limits<int>::max();
  auto dist_from = [&](const std::vector<char>& allowed, int src) -> const std::vector<int>& {
    auto [it, fresh] = dist_cache.try_emplace({&allowed, src});
    if (!fresh) return it->second;
    std::vector<int>& d = it->second;
    d.assign(S, kUnreachable);
    d[static_cast<std::size_t>(src)] = 0;  // co-located ends need no path
    if (!allowed[static_cast<std::size_t>(src)]) return d;
    std::deque<int> q{src};
    while (!q.empty()) {
      const int v = q.front();
      q.pop_front();
      for (int a : p_.out_arcs[static_cast<std::size_t>(v)]) {
        const int w = p_.arcs[static_cast<std::size_t>(a)].to;
        if (!allowed[static_cast<std::size_t>(w)]) continue;
        const int step = p_.substrate[static_cast<std::size_t>(w)].is_link ? 1 : 0;
        if (d[static_cast<std::size_t>(v)] + step < d[static_cast<std::size_t>(w)]) {
          d[static_cast<std::size_t>(w)] = d[static_cast<std::size_t>(v)] + step;
          if (step == 0)
            q.push_front(w);
          else
            q.push_back(w);
        }
      }
    }
    return d;
  };
  auto must_share = [&](int u1, int u2) {
    for (const auto& g : p_.groups) {
      if (g.kind != GroupConstraint::Kind::kColocate) continue;
      const bool a = std::find(g.nodes.begin(), g.nodes.end(), u1) != g.nodes.end();
      const bool b = std::find(g.nodes.begin(), g.nodes.end(), u2) != g.nodes.end();
      if (a && b) return true;
    }
    return false;
  };
  for (std::size_t fi = 0; fi < p_.flows.size(); ++fi) {
    const Flow& f = p_.flows[fi];
    if (flows_[fi].empty() || f.source == f.sink || must_share(f.source, f.sink)) continue;
    const int fi_i = static_cast<int>(fi);
    const bool share = may_share_host(f.source, f.sink);
    const auto& src = x_[static_cast<std::size_t>(f.source)];
    const auto& dst = x_[static_cast<std::size_t>(f.sink)];
    if (opt_.host_flow_cuts && !share) {
      // The flow must leave the source's host and enter the sink's.
      std::vector<LinExpr> out(S), in(S);
      for (const auto& fv : flows_[fi]) {
        const auto& arc = p_.arcs[static_cast<std::size_t>(fv.arc)];
        out[static_cast<std::size_t>(arc.from)] += fv.y;
        in[static_cast<std::size_t>(arc.to)] += fv.y;
      }
      for (const auto& nx : src) {
        model_.add_ge(name("cut_out", {fi_i, nx.v}),
                      out[static_cast<std::size_t>(nx.v)] - f.amount * nx.x, 0.0);
        ++strengthening_rows_;
      }
      for (const auto& nx : dst) {
        model_.add_ge(name("cut_in", {fi_i, nx.v}),
                      in[static_cast<std::size_t>(nx.v)] - f.amount * nx.x, 0.0);
        ++strengthening_rows_;
      }
    }
    if (opt_.distance_cuts) {
      const auto& allowed = p_.link_allowed[static_cast<std::size_t>(f.link)];
      LinExpr crossing;  // flow entering link elements
      for (const auto& fv : flows_[fi]) {
        const auto& arc = p_.arcs[static_cast<std::size_t>(fv.arc)];
        if (p_.substrate[static_cast<std::size_t>(arc.to)].is_link) crossing += fv.y;
      }
      if (crossing.terms().empty()) continue;
      // D over source hosts, and (sink side) the least distance into each
      // sink host from any other source host.
      std::vector<int> sink_side(dst.size(), kUnreachable);
      LinExpr from_source, into_sink;
      for (const auto& s_nx : src) {
        const std::vector<int>& d = dist_from(allowed, s_nx.v);
        int best = kUnreachable;
        for (std::size_t j = 0; j < dst.size(); ++j) {
          const int w = dst[j].v;
          if (w == s_nx.v && !share) continue;
          const int dw = d[static_cast<std::size_t>(w)];
          best = std::min(best, dw);
          sink_side[j] = std::min(sink_side[j], dw);
        }
        // Unreachable: flow conservation already rules the host out.
        if (best != kUnreachable && best > 0) from_source += (f.amount * best) * s_nx.x;
      }
      for (std::size_t j = 0; j < dst.size(); ++j)
        if (sink_side[j] != kUnreachable && sink_side[j] > 0)
          into_sink += (f.amount * sink_side[j]) * dst[j].x;
      if (!from_source.terms().empty()) {
        model_.add_ge(name("cut_dist_s", {fi_i}), crossing - from_source, 0.0);
        ++strengthening_rows_;
      }
      if (!into_sink.terms().empty()) {
        model_.add_ge(name("cut_dist_t", {fi_i}), crossing - into_sink, 0.0);
        ++strengthening_rows_;
      }
    }
  }
}

void Formulation::add_load_cuts(Var max_load) {
  // Fixed allocations of u per (host, resource).
  std::map<std::pair<int, int>, double> alloc;  // (v, r) -> amount, for the current u
  for (std::size_t u = 0; u < p_.nodes.size(); ++u) {
    alloc.clear();
    for (const auto& a : allocs_)
      if (a.u == static_cast<int>(u) && !a.var.valid()) alloc[{a.v, a.r}] += a.fixed;
    if (alloc.empty()) continue;
    std::map<int, double> coef;  // v -> least max_load with u on v
    for (const auto& [key, amount] : alloc) {
      const auto& sr = p_.substrate_resources[static_cast<std::size_t>(key.second)];
      if (sr.capacity <= 0) continue;
      const double load = sr.load_weight * (sr.used + amount) / sr.capacity;
      coef[key.first] = std::max(coef[key.first], load);
    }
    LinExpr e(max_load);
    for (const auto& nx : x_[u]) {
      auto it = coef.find(nx.v);
      if (it != coef.end() && it->second > 0) e -= it->second * nx.x;
    }
    if (e.terms().size() < 2) continue;
    model_.add_ge(name("cut_load", {static_cast<int>(u)}), e, 0.0);
    ++strengthening_rows_;
  }
}

void Formulation::add_node_part(LinExpr& cost, std::vector<LinExpr>& use) {
  for (std::size_t u = 0; u < p_.nodes.size(); ++u) {
    const VirtualNode& n = p_.nodes[u];
    for (std::size_t k = 0; k < n.demands.size(); ++k) {
      const Demand& d = n.demands[k];
      const auto& hosts = p_.demand_hosts[u][k];
      // What one substrate node v offers for this demand.
      LinExpr provided;  // sum of prop * alloc over all v (req_min/max/con)
      for (const auto& nx : x_[u]) {
        std::vector<const Problem::Host*> here;
        for (const auto& h : hosts) {
          const auto& els = p_.substrate_resources[static_cast<std::size_t>(h.resource)].elements;
          if (std::find(els.begin(), els.end(), nx.v) != els.end()) here.push_back(&h);
        }
        const double weight = p_.node_weight[u][static_cast<std::size_t>(nx.v)];
        if (here.size() == 1 && d.value_type != ValueType::kMaximum) {
          // One resource can host it: the allocation is fixed (req_min at
          // its cheapest, req_con exactly): alloc = req / prop * new(u, v).
          const double amount = d.amount / here[0]->factor;
          allocs_.push_back({static_cast<int>(u), static_cast<int>(k), nx.v, here[0]->resource,
                             here[0]->factor, Var{}, amount});
          use[static_cast<std::size_t>(here[0]->resource)] += amount * nx.x;
          cost += weight * amount * nx.x;
          provided += d.amount * nx.x;
          continue;
        }
        for (const auto* h : here) {
          const auto& sr = p_.substrate_resources[static_cast<std::size_t>(h->resource)];
          const Var a = model_.add_continuous(
              name("a", {static_cast<int>(u), static_cast<int>(k), nx.v, h->resource}));
          allocs_.push_back(
              {static_cast<int>(u), static_cast<int>(k), nx.v, h->resource, h->factor, a, 0});
          // set_new: allocate only where the node is placed.
          model_.add_le(
              name("set_new", {static_cast<int>(u), static_cast<int>(k), nx.v, h->resource}),
              LinExpr(a) - std::max(0.0, sr.capacity - sr.used) * nx.x, 0.0);
          use[static_cast<std::size_t>(h->resource)] += a;
          cost += weight * a;
          provided += h->factor * a;
        }
      }
      // resource + req_min / req_max / req_con, summed over v (map_node
      // makes exactly one v count); relate_V gives the minimum allocation.
      const std::string row = name("req", {static_cast<int>(u), static_cast<int>(k)});
      switch (d.value_type) {
        case ValueType::kMinimum: model_.add_ge(row, provided, d.amount); break;
        case ValueType::kConstant: model_.add_eq(row, provided, d.amount); break;
        case ValueType::kMaximum:
          model_.add_row(row, p_.options.min_alloc, provided, d.amount);
          break;
      }
    }
  }
}

void Formulation::add_flow_part(LinExpr& cost, std::vector<LinExpr>& use) {
  const std::size_t S = p_.substrate.size();
  flows_.assign(p_.flows.size(), {});
  // Orders the elements a path flow visits (Miller-Tucker-Zemlin), so that
  // its arcs form one path and no detached cycle.
  auto forbid_cycles = [&](std::size_t fi) {
    order_.resize(p_.flows.size());
    if (!order_[fi].empty()) return;
    const double n = static_cast<double>(S);
    std::vector<Var> order(S);
    for (std::size_t v = 0; v < S; ++v)
      order[v] =
          model_.add_continuous(name("order", {static_cast<int>(fi), static_cast<int>(v)}), 0, n);
    order_[fi] = order;
    for (const auto& fv : flows_[fi]) {
      const auto& arc = p_.arcs[static_cast<std::size_t>(fv.arc)];
      model_.add_le(name("mtz", {static_cast<int>(fi), fv.arc}),
                    LinExpr(order[static_cast<std::size_t>(arc.from)]) -
                        order[static_cast<std::size_t>(arc.to)] + (n + 1) * fv.z,
                    n);
    }
  };
  // Flow variables per allowed arc.
  for (std::size_t fi = 0; fi < p_.flows.size(); ++fi) {
    const Flow& f = p_.flows[fi];
    if (f.amount <= 0) continue;
    const auto& allowed = p_.link_allowed[static_cast<std::size_t>(f.link)];
    const bool path = needs_path(p_, f);
    for (std::size_t a = 0; a < p_.arcs.size(); ++a) {
      const auto& arc = p_.arcs[a];
      if (!allowed[static_cast<std::size_t>(arc.from)] ||
          !allowed[static_cast<std::size_t>(arc.to)])
        continue;
      FlowVar fv{static_cast<int>(a), {}, {}};
      fv.y = model_.add_continuous(name("y", {static_cast<int>(fi), static_cast<int>(a)}), 0.0,
                                   f.amount);
      if (path) {
        fv.z = model_.add_binary(name("z", {static_cast<int>(fi), static_cast<int>(a)}));
        // new_fpart (5.5.5): the whole amount or nothing on an arc.
        model_.add_eq(name("path", {static_cast<int>(fi), static_cast<int>(a)}),
                      LinExpr(fv.y) - f.amount * fv.z, 0.0);
      }
      flows_[fi].push_back(fv);
      ++flow_vars_;
    }
    // Flow preservation (req_fconst, the exact form of req_fmin/req_fmax for
    // an allocation of exactly the requested amount): out - in =
    // amount * (new(source, v) - new(sink, v)).
    std::vector<LinExpr> net(S);
    std::vector<LinExpr> in(S), out(S);
    for (const auto& fv : flows_[fi]) {
      const auto& arc = p_.arcs[static_cast<std::size_t>(fv.arc)];
      net[static_cast<std::size_t>(arc.from)] += fv.y;
      net[static_cast<std::size_t>(arc.to)] -= fv.y;
      if (path) {
        out[static_cast<std::size_t>(arc.from)] += fv.z;
        in[static_cast<std::size_t>(arc.to)] += fv.z;
      }
    }
    for (std::size_t v = 0; v < S; ++v) {
      LinExpr row = net[v];
      row -= f.amount * node_x(f.source, static_cast<int>(v));
      row += f.amount * node_x(f.sink, static_cast<int>(v));
      if (row.terms().empty()) continue;
      model_.add_eq(name("flow", {static_cast<int>(fi), static_cast<int>(v)}), row, 0.0);
      if (path) {
        // no_splitpart: at most one arc out of and into each element.
        if (out[v].terms().size() > 1)
          model_.add_le(name("no_split_out", {static_cast<int>(fi), static_cast<int>(v)}), out[v],
                        1.0);
        if (in[v].terms().size() > 1)
          model_.add_le(name("no_split_in", {static_cast<int>(fi), static_cast<int>(v)}), in[v],
                        1.0);
      }
    }
    // Latency (5.5.5 lat_fpart, lat_max, lat_min): the latency of the
    // elements the path enters, minus the sink host's own.
    const VirtualLink& l = p_.links[static_cast<std::size_t>(f.link)];
    if (l.max_latency || l.min_latency) {
      LinExpr lat;
      for (const auto& fv : flows_[fi]) {
        const double w =
            p_.substrate[static_cast<std::size_t>(p_.arcs[static_cast<std::size_t>(fv.arc)].to)]
                .latency;
        if (w != 0) lat += w * fv.z;
      }
      for (std::size_t v = 0; v < S; ++v) {
        const double w = p_.substrate[v].latency;
        if (w == 0 || node_x(f.sink, static_cast<int>(v)).terms().empty()) continue;
        // e = new(sink, v) AND (the path enters v): entered only if it ends there.
        const Var e = model_.add_continuous(
            name("lat_sink", {static_cast<int>(fi), static_cast<int>(v)}), 0, 1);
        model_.add_le(name("lat_e1", {static_cast<int>(fi), static_cast<int>(v)}),
                      LinExpr(e) - node_x(f.sink, static_cast<int>(v)), 0);
        model_.add_le(name("lat_e2", {static_cast<int>(fi), static_cast<int>(v)}),
                      LinExpr(e) - in[v], 0);
        model_.add_ge(name("lat_e3", {static_cast<int>(fi), static_cast<int>(v)}),
                      LinExpr(e) - node_x(f.sink, static_cast<int>(v)) - in[v], -1);
        aux_.push_back({e, {node_x(f.sink, static_cast<int>(v)) + in[v] - 1.0}, 0, false});
        lat -= w * e;
      }
      if (l.max_latency)
        model_.add_le(name("lat_max", {static_cast<int>(fi)}), lat, *l.max_latency);
      if (l.min_latency) {
        // Only a flow that leaves its host has a path to bound: lat >= min *
        // (1 - sum_v both(v)), both(v) = new(source, v) AND new(sink, v).
        LinExpr together;
        for (std::size_t v = 0; v < S; ++v) {
          const LinExpr xs = node_x(f.source, static_cast<int>(v));
          const LinExpr xt = node_x(f.sink, static_cast<int>(v));
          if (xs.terms().empty() || xt.terms().empty()) continue;
          const int iv = static_cast<int>(v);
          const Var b = model_.add_continuous(name("both", {static_cast<int>(fi), iv}), 0, 1);
          model_.add_ge(name("both", {static_cast<int>(fi), iv}), LinExpr(b) - xs - xt, -1.0);
          model_.add_le(name("both_s", {static_cast<int>(fi), iv}), LinExpr(b) - xs, 0.0);
          model_.add_le(name("both_t", {static_cast<int>(fi), iv}), LinExpr(b) - xt, 0.0);
          aux_.push_back({b, {xs + xt - 1.0}, 0, false});
          together += b;
        }
        model_.add_ge(name("lat_min", {static_cast<int>(fi)}), lat + *l.min_latency * together,
                      *l.min_latency);
        // A detached cycle could add latency without being on the path.
        forbid_cycles(fi);
      }
    }
    // Likewise a detached cycle could "touch" the link's old elements and
    // save its migration penalty (5.5.1) without the path using them.
    const bool old_elements =
        p_.existing && static_cast<std::size_t>(f.link) < p_.existing->link_elements.size() &&
        !p_.existing->link_elements[static_cast<std::size_t>(f.link)].empty();
    if (path && old_elements) forbid_cycles(fi);
  }

  // Link allocation (exp_in / exp_out, direction): per virtual link, element
  // and bandwidth resource, the consumption described in problem.h.
  for (std::size_t li = 0; li < p_.links.size(); ++li) {
    std::vector<int> fl;
    for (std::size_t fi = 0; fi < p_.flows.size(); ++fi)
      if (p_.flows[fi].link == static_cast<int>(li) && !flows_[fi].empty())
        fl.push_back(static_cast<int>(fi));
    if (fl.empty()) continue;
    // in/out per flow and element, and per arc for interface resources.
    std::map<int, std::vector<std::pair<int, const FlowVar*>>> into,
        outof;  // element -> (flow, var)
    for (int fi : fl) {
      for (const auto& fv : flows_[static_cast<std::size_t>(fi)]) {
        const auto& arc = p_.arcs[static_cast<std::size_t>(fv.arc)];
        into[arc.to].emplace_back(fi, &fv);
        outof[arc.from].emplace_back(fi, &fv);
      }
    }
    auto sym = [&](int fi) {
      return p_.flows[static_cast<std::size_t>(fi)].kind == Flow::Kind::kSymmetric;
    };
    // Consumption of one resource given per-flow throughput expressions.
    auto consume = [&](const std::string& tag, int r,
                       const std::vector<std::pair<int, LinExpr>>& thr,
                       const std::vector<std::pair<int, LinExpr>>& thr_alt) {
      LinExpr total;
      std::vector<const LinExpr*> sym_thr;
      for (const auto& [fi, e] : thr) {
        if (sym(fi))
          sym_thr.push_back(&e);
        else
          total += e;
      }
      for (const auto& [fi, e] : thr_alt) {
        if (sym(fi)) sym_thr.push_back(&e);
      }
      const bool single = thr_alt.empty() && sym_thr.size() == 1;
      if (single) {
        total += *sym_thr[0];
      } else if (!sym_thr.empty()) {
        const Var c = model_.add_continuous("c_" + tag);
        AuxRule rule{c, {}, 0, false};
        for (std::size_t i = 0; i < sym_thr.size(); ++i) {
          model_.add_ge("exp_" + tag + "_" + std::to_string(i), LinExpr(c) - *sym_thr[i], 0.0);
          rule.lower.push_back(*sym_thr[i]);
        }
        aux_.push_back(std::move(rule));
        total += c;
      }
      if (total.terms().empty()) return;
      use[static_cast<std::size_t>(r)] += total;
      cost += total;
    };
    for (const auto& [w, ins] : into) {
      const SubstrateElement& el = p_.substrate[static_cast<std::size_t>(w)];
      for (int r : el.resources) {
        const auto& sr = p_.substrate_resources[static_cast<std::size_t>(r)];
        if (!sr.is_bandwidth || sr.is_interface) continue;
        std::map<int, LinExpr> in_f, out_f, dir_f;
        for (const auto& [fi, fv] : ins) {
          in_f[fi] += fv->y;
          const auto& arc = p_.arcs[static_cast<std::size_t>(fv->arc)];
          if (sr.direction == Dir::kBoth || sym(fi) || arc.to_direction == sr.direction)
            dir_f[fi] += fv->y;
        }
        if (auto it = outof.find(w); it != outof.end())
          for (const auto& [fi, fv] : it->second) out_f[fi] += fv->y;
        const std::string tag =
            std::to_string(li) + "_" + std::to_string(w) + "_" + std::to_string(r);
        std::vector<std::pair<int, LinExpr>> thr, thr_alt;
        if (sr.direction != Dir::kBoth) {
          for (auto& [fi, e] : dir_f) thr.emplace_back(fi, e);
        } else if (el.is_link) {
          for (auto& [fi, e] : in_f) thr.emplace_back(fi, e);  // in == out on a link
        } else {
          // A node's forwarding capacity: max(in, out) per flow.
          for (auto& [fi, e] : in_f) {
            const Var t = model_.add_continuous(name("thr", {fi, w, r}));
            model_.add_ge(name("thr_in", {fi, w, r}), LinExpr(t) - e, 0.0);
            AuxRule rule{t, {e}, 0, false};
            if (out_f.count(fi)) {
              model_.add_ge(name("thr_out", {fi, w, r}), LinExpr(t) - out_f[fi], 0.0);
              rule.lower.push_back(out_f[fi]);
            }
            aux_.push_back(std::move(rule));
            thr.emplace_back(fi, LinExpr(t));
          }
        }
        consume(tag, r, thr, thr_alt);
      }
    }
    // Interface bottlenecks (5.5.2): per arc.
    std::map<std::pair<int, int>, std::vector<std::pair<int, LinExpr>>> per_res_arc;
    for (int fi : fl) {
      for (const auto& fv : flows_[static_cast<std::size_t>(fi)]) {
        const auto& arc = p_.arcs[static_cast<std::size_t>(fv.arc)];
        for (int r : {arc.out_resource, arc.in_resource}) {
          if (r >= 0) per_res_arc[{r, fv.arc}].emplace_back(fi, LinExpr(fv.y));
        }
      }
    }
    for (const auto& [key, thr] : per_res_arc) {
      consume("if_" + std::to_string(li) + "_" + std::to_string(key.first) + "_" +
                  std::to_string(key.second),
              key.first, thr, {});
    }
  }
}

void Formulation::add_groups() {
  const std::size_t S = p_.substrate.size();
  auto touch = [&](int l, int w) -> Var {
    if (touch_.empty()) touch_.assign(p_.links.size(), std::vector<Var>(S));
    Var& t = touch_[static_cast<std::size_t>(l)][static_cast<std::size_t>(w)];
    if (!t.valid()) {
      t = model_.add_binary(name("touch", {l, w}));
      AuxRule rule{t, {}, 0, true};
      // The link touches w if w hosts one of its endpoints ...
      for (int u : p_.links[static_cast<std::size_t>(l)].endpoints) {
        const LinExpr x = node_x(u, w);
        if (!x.terms().empty()) {
          model_.add_le(name("touch_host", {l, u, w}), x - LinExpr(t), 0.0);
          rule.lower.push_back(x);
        }
      }
      // ... or any of its flows uses an arc at w.
      for (std::size_t fi = 0; fi < p_.flows.size(); ++fi) {
        if (p_.flows[fi].link != l) continue;
        for (const auto& fv : flows_[fi]) {
          const auto& arc = p_.arcs[static_cast<std::size_t>(fv.arc)];
          if (arc.from == w || arc.to == w) {
            model_.add_le(name("touch_if", {static_cast<int>(fi), fv.arc, w}),
                          LinExpr(fv.y) - p_.flows[fi].amount * t, 0.0);
            rule.lower.push_back((1.0 / p_.flows[fi].amount) * LinExpr(fv.y));
          }
        }
      }
      aux_.push_back(std::move(rule));
    }
    return t;
  };
  for (std::size_t g = 0; g < p_.groups.size(); ++g) {
    const GroupConstraint& grp = p_.groups[g];
    const int gi = static_cast<int>(g);
    switch (grp.kind) {
      case GroupConstraint::Kind::kDistinct: {
        for (std::size_t v = 0; v < S; ++v) {
          LinExpr nodes;
          for (int u : grp.nodes) nodes += node_x(u, static_cast<int>(v));
          if (nodes.terms().size() > 1)
            model_.add_le(name("distinct", {gi, static_cast<int>(v)}), nodes, 1.0);
          if (grp.links.size() < 2) continue;
          // Links: element-disjoint apart from the hosts of their endpoints.
          LinExpr links;
          for (int l : grp.links) links += touch(l, static_cast<int>(v));
          LinExpr endpoint_here;
          for (int l : grp.links)
            for (int u : p_.links[static_cast<std::size_t>(l)].endpoints)
              endpoint_here += node_x(u, static_cast<int>(v));
          model_.add_le(name("disjoint", {gi, static_cast<int>(v)}),
                        links - static_cast<double>(grp.links.size()) * endpoint_here, 1.0);
        }
        break;
      }
      case GroupConstraint::Kind::kColocate:
        for (std::size_t i = 1; i < grp.nodes.size(); ++i) {
          for (std::size_t v = 0; v < S; ++v) {
            LinExpr diff = node_x(grp.nodes[0], static_cast<int>(v)) -
                           node_x(grp.nodes[i], static_cast<int>(v));
            if (!diff.terms().empty())
              model_.add_eq(name("colocate", {gi, static_cast<int>(i), static_cast<int>(v)}), diff,
                            0.0);
          }
        }
        break;
      case GroupConstraint::Kind::kEquals: {
        // Binary compatibility (5.5.6 configuration(u, c)): the group picks
        // one value of the attribute; members go only where it holds.
        std::map<std::string, Var> choice;
        std::map<int, AuxRule> cfg_rules;  // by variable index = creation order
        LinExpr one;
        const std::string attr = grp.attribute.str();
        for (int u : grp.nodes) {
          for (const auto& nx : x_[static_cast<std::size_t>(u)]) {
            std::string value;
            bool has = false;
            for (const auto& f : p_.substrate[static_cast<std::size_t>(nx.v)].features) {
              if (flerd::TypePath::parse_lenient(f.attribute).str() == attr) {
                value = f.value;
                has = true;
              }
            }
            if (!has) {
              model_.set_bounds(nx.x, 0.0, 0.0);
              continue;
            }
            auto [it, fresh] = choice.emplace(value, Var{});
            if (fresh) {
              it->second = model_.add_binary(name("cfg", {gi, static_cast<int>(choice.size())}));
              one += it->second;
              cfg_rules.emplace(it->second.index, AuxRule{it->second, {}, 0, true});
            }
            model_.add_le(name("cfg_use", {gi, u, nx.v}), LinExpr(nx.x) - it->second, 0.0);
            cfg_rules[it->second.index].lower.push_back(LinExpr(nx.x));
          }
        }
        model_.add_eq(name("cfg_one", {gi}), one, 1.0);
        // The chosen value is the one the members' hosts have; if none is
        // placed on a candidate (no point satisfies the model) any will do.
        for (auto& [index, rule] : cfg_rules) aux_.push_back(std::move(rule));
        break;
      }
    }
  }
  // Keep touch() for migration.
  if (p_.existing) {
    for (std::size_t l = 0; l < p_.links.size(); ++l) {
      // Only links with an old embedding can migrate (add_migration).
      const auto& old = p_.existing->link_elements;
      if (l >= old.size() || old[l].empty()) continue;
      for (std::size_t v = 0; v < S; ++v) {
        bool has_arc = false;
        for (std::size_t fi = 0; fi < p_.flows.size() && !has_arc; ++fi) {
          if (p_.flows[fi].link != static_cast<int>(l)) continue;
          for (const auto& fv : flows_[fi]) {
            const auto& arc = p_.arcs[static_cast<std::size_t>(fv.arc)];
            if (arc.from == static_cast<int>(v) || arc.to == static_cast<int>(v)) has_arc = true;
          }
        }
        for (int u : p_.links[l].endpoints)
          has_arc = has_arc || !node_x(u, static_cast<int>(v)).terms().empty();
        if (has_arc) touch(static_cast<int>(l), static_cast<int>(v));
      }
    }
  }
}

void Formulation::add_migration(LinExpr& cost) {
  if (!p_.existing) return;
  const Existing& ex = *p_.existing;
  // Nodes (Figure 5.2 `new`, `migrated`): mig(u) >= old(u, v) - new(u, v).
  for (std::size_t u = 0; u < p_.nodes.size(); ++u) {
    const int old = u < ex.node_host.size() ? ex.node_host[u] : -1;
    if (old < 0) continue;  // a new element: nothing migrates
    const Var mig = model_.add_binary(name("mig", {static_cast<int>(u)}));
    model_.add_ge(name("migrated", {static_cast<int>(u)}),
                  LinExpr(mig) + node_x(static_cast<int>(u), old), 1.0);
    aux_.push_back({mig, {1.0 - node_x(static_cast<int>(u), old)}, 0, true});
    cost += ex.node_penalty[u] * mig;
    if (!ex.node_transit.empty()) {
      for (const auto& nx : x_[u]) {
        const double t = ex.node_transit[u][static_cast<std::size_t>(nx.v)];
        if (t != 0) cost += t * nx.x;
      }
    }
  }
  // Links (5.5.1): migrated if the set of elements touched changes.
  for (std::size_t l = 0; l < p_.links.size(); ++l) {
    if (l >= ex.link_elements.size() || ex.link_elements[l].empty()) continue;
    const Var mig = model_.add_binary(name("mig_link", {static_cast<int>(l)}));
    cost += ex.link_penalty[l] * mig;
    AuxRule rule{mig, {}, 0, true};
    std::set<int> old(ex.link_elements[l].begin(), ex.link_elements[l].end());
    for (std::size_t v = 0; v < p_.substrate.size(); ++v) {
      const Var t = touch_.empty() ? Var{} : touch_[l][v];
      const bool was = old.count(static_cast<int>(v)) > 0;
      if (!t.valid()) {
        if (was) {
          model_.set_bounds(mig, 1.0, 1.0);  // cannot touch it any more
          rule.floor = 1;
        }
        continue;
      }
      if (was) {
        // t must be 1 unless migrated; t can only be 1 with flow there.
        model_.add_ge(name("mig_keep", {static_cast<int>(l), static_cast<int>(v)}),
                      LinExpr(mig) + t, 1.0);
        rule.lower.push_back(1.0 - LinExpr(t));
        LinExpr flow_here;
        for (std::size_t fi = 0; fi < p_.flows.size(); ++fi) {
          if (p_.flows[fi].link != static_cast<int>(l)) continue;
          for (const auto& fv : flows_[fi]) {
            const auto& arc = p_.arcs[static_cast<std::size_t>(fv.arc)];
            if (arc.from == static_cast<int>(v) || arc.to == static_cast<int>(v))
              flow_here += (1.0 / p_.flows[fi].amount) * fv.y;
          }
        }
        for (int u : p_.links[l].endpoints) flow_here += node_x(u, static_cast<int>(v));
        model_.add_le(name("touch_only_if", {static_cast<int>(l), static_cast<int>(v)}),
                      LinExpr(t) - flow_here, 0.0);
      } else {
        model_.add_ge(name("mig_new", {static_cast<int>(l), static_cast<int>(v)}), LinExpr(mig) - t,
                      0.0);
        rule.lower.push_back(LinExpr(t));
      }
    }
    aux_.push_back(std::move(rule));
  }
}

void Formulation::set_objective(LinExpr cost, LinExpr migration, const std::vector<LinExpr>& use) {
  switch (p_.options.objective) {
    case Objective::kMinCost: break;
    case Objective::kLoadBalance: {
      // c * max_load + sum load(r_S) (thesis 5.4.1), load(r) = weight_r *
      // (used + use) / cap; c defaults to sum weight_r + 1 (Table 5.2: c >=
      // sum of weight_r).
      double wsum = 0;
      for (const auto& sr : p_.substrate_resources) wsum += sr.capacity > 0 ? sr.load_weight : 0;
      const double c = p_.options.load_c >= 0 ? p_.options.load_c : wsum + 1;
      const Var max_load = model_.add_continuous("max_load");
      LinExpr obj = c * max_load;
      AuxRule rule{max_load, {}, 0, false};
      for (std::size_t r = 0; r < p_.substrate_resources.size(); ++r) {
        const auto& sr = p_.substrate_resources[r];
        if (sr.capacity <= 0) continue;
        LinExpr load = (sr.load_weight / sr.capacity) * use[r];
        load += sr.load_weight * sr.used / sr.capacity;
        model_.add_ge(name("max_load", {static_cast<int>(r)}), LinExpr(max_load) - load, 0.0);
        rule.lower.push_back(load);
        obj += load;
      }
      aux_.push_back(std::move(rule));
      if (opt_.load_cuts) add_load_cuts(max_load);
      obj += migration;
      model_.set_objective(obj, solver::Sense::kMinimize);
      return;
    }
    case Objective::kEnergy: {
      LinExpr obj;
      active_.assign(p_.substrate.size(), Var{});
      for (std::size_t v = 0; v < p_.substrate.size(); ++v) {
        bool used_before = false;
        for (int r : p_.substrate[v].resources)
          used_before = used_before || p_.substrate_resources[static_cast<std::size_t>(r)].used > 0;
        if (used_before) continue;
        const Var a = model_.add_binary(name("active", {static_cast<int>(v)}));
        active_[v] = a;
        obj += a;
        for (std::size_t u = 0; u < p_.nodes.size(); ++u) {
          LinExpr x = node_x(static_cast<int>(u), static_cast<int>(v));
          if (!x.terms().empty())
            model_.add_le(name("active_node", {static_cast<int>(u), static_cast<int>(v)}),
                          x - LinExpr(a), 0.0);
        }
      }
      // Rules after the loop below has added the flow rows: indexed by element.
      std::vector<AuxRule> active_rules(p_.substrate.size());
      for (std::size_t v = 0; v < p_.substrate.size(); ++v) {
        if (!active_[v].valid()) continue;
        active_rules[v] = {active_[v], {}, 0, true};
        for (std::size_t u = 0; u < p_.nodes.size(); ++u) {
          LinExpr x = node_x(static_cast<int>(u), static_cast<int>(v));
          if (!x.terms().empty()) active_rules[v].lower.push_back(x);
        }
      }
      for (std::size_t fi = 0; fi < p_.flows.size(); ++fi) {
        for (const auto& fv : flows_[fi]) {
          const auto& arc = p_.arcs[static_cast<std::size_t>(fv.arc)];
          for (int w : {arc.from, arc.to}) {
            const Var a = active_[static_cast<std::size_t>(w)];
            if (a.valid()) {
              model_.add_le(name("active_flow", {static_cast<int>(fi), fv.arc, w}),
                            LinExpr(fv.y) - p_.flows[fi].amount * a, 0.0);
              active_rules[static_cast<std::size_t>(w)].lower.push_back(
                  (1.0 / p_.flows[fi].amount) * LinExpr(fv.y));
            }
          }
        }
      }
      for (auto& rule : active_rules)
        if (rule.var.valid()) aux_.push_back(std::move(rule));
      obj += 1e-3 * (cost + migration);
      model_.set_objective(obj, solver::Sense::kMinimize);
      return;
    }
  }
  model_.set_objective(cost + migration, solver::Sense::kMinimize);
}

Solution Formulation::decode(const std::vector<double>& values) const {
  auto val = [&](Var v) { return v.valid() ? values[static_cast<std::size_t>(v.index)] : 0.0; };
  Solution s;
  s.node_host.assign(p_.nodes.size(), -1);
  for (std::size_t u = 0; u < p_.nodes.size(); ++u) {
    double best = 0.5;
    for (const auto& nx : x_[u]) {
      if (val(nx.x) > best) {
        best = val(nx.x);
        s.node_host[u] = nx.v;
      }
    }
  }
  s.node_alloc.assign(p_.nodes.size(), {});
  for (std::size_t u = 0; u < p_.nodes.size(); ++u)
    s.node_alloc[u].assign(p_.nodes[u].demands.size(), {});
  for (const auto& a : allocs_) {
    if (s.node_host[static_cast<std::size_t>(a.u)] != a.v) continue;
    const double amount = a.var.valid() ? val(a.var) : a.fixed;
    if (amount <= 1e-9) continue;
    s.node_alloc[static_cast<std::size_t>(a.u)][static_cast<std::size_t>(a.k)].push_back(
        {a.r, amount});
  }
  s.flow_arcs.assign(p_.flows.size(), {});
  for (std::size_t fi = 0; fi < p_.flows.size(); ++fi) {
    std::map<int, double> amount;
    for (const auto& fv : flows_[fi]) {
      const double y = val(fv.y);
      if (y > 1e-9) amount[fv.arc] = y;
    }
    // Cancel flow running both ways on one connection (a zero-cost
    // circulation the solver may leave).
    for (auto& [a, y] : amount) {
      auto it = amount.find(p_.arcs[static_cast<std::size_t>(a)].reverse);
      if (it != amount.end() && it->second > 0 && y > 0) {
        const double m = std::min(y, it->second);
        y -= m;
        it->second -= m;
      }
    }
    for (const auto& [a, y] : amount)
      if (y > 1e-9) s.flow_arcs[fi].emplace_back(a, y);
    if (needs_path(p_, p_.flows[fi]) && !s.flow_arcs[fi].empty()) {
      // Keep the path from the source host; drop stray zero-cost cycles.
      std::map<int, std::pair<int, double>> next;  // element -> (arc, amount)
      for (const auto& [a, y] : s.flow_arcs[fi])
        next[p_.arcs[static_cast<std::size_t>(a)].from] = {a, y};
      std::vector<std::pair<int, double>> path;
      int v = s.node_host[static_cast<std::size_t>(p_.flows[fi].source)];
      std::set<int> seen;
      while (next.count(v) && seen.insert(v).second) {
        path.push_back(next[v]);
        v = p_.arcs[static_cast<std::size_t>(next[v].first)].to;
      }
      s.flow_arcs[fi] = path;
    }
  }
  return s;
}

std::vector<double> Formulation::encode(const Solution& s) const {
  std::vector<double> values(static_cast<std::size_t>(model_.num_vars()), 0.0);
  for (std::size_t u = 0; u < p_.nodes.size() && u < s.node_host.size(); ++u)
    for (const auto& nx : x_[u])
      if (nx.v == s.node_host[u]) values[static_cast<std::size_t>(nx.x.index)] = 1;
  for (const auto& a : allocs_) {
    if (!a.var.valid()) continue;
    const auto& list = s.node_alloc[static_cast<std::size_t>(a.u)][static_cast<std::size_t>(a.k)];
    for (const auto& al : list)
      if (al.resource == a.r && s.node_host[static_cast<std::size_t>(a.u)] == a.v)
        values[static_cast<std::size_t>(a.var.index)] = al.amount;
  }
  for (std::size_t fi = 0; fi < p_.flows.size() && fi < s.flow_arcs.size(); ++fi) {
    for (const auto& fv : flows_[fi]) {
      for (const auto& [a, y] : s.flow_arcs[fi]) {
        if (a != fv.arc) continue;
        values[static_cast<std::size_t>(fv.y.index)] = y;
        if (fv.z.valid()) values[static_cast<std::size_t>(fv.z.index)] = 1;
      }
    }
  }
  // MTZ order along each latency-bounded path: position from the source host.
  for (std::size_t fi = 0; fi < order_.size() && fi < s.flow_arcs.size(); ++fi) {
    if (order_[fi].empty()) continue;
    std::map<int, int> next;  // element -> arc
    for (const auto& [a, y] : s.flow_arcs[fi])
      if (y > 0) next[p_.arcs[static_cast<std::size_t>(a)].from] = a;
    const int source = static_cast<std::size_t>(p_.flows[fi].source) < s.node_host.size()
                           ? s.node_host[static_cast<std::size_t>(p_.flows[fi].source)]
                           : -1;
    std::set<int> seen;
    int v = source;
    for (int pos = 0; v >= 0 && seen.insert(v).second; ++pos) {
      values[static_cast<std::size_t>(order_[fi][static_cast<std::size_t>(v)].index)] = pos;
      auto it = next.find(v);
      v = it == next.end() ? -1 : p_.arcs[static_cast<std::size_t>(it->second)].to;
    }
  }
  auto eval = [&](const LinExpr& e) {
    double sum = e.constant();
    for (const auto& t : e.terms()) sum += t.coef * values[static_cast<std::size_t>(t.var.index)];
    return sum;
  };
  for (const AuxRule& rule : aux_) {
    double v = rule.floor;
    for (const LinExpr& e : rule.lower) v = std::max(v, eval(e));
    if (rule.integral) v = std::ceil(v - 1e-9);
    values[static_cast<std::size_t>(rule.var.index)] =
        std::clamp(v, model_.lower(rule.var), model_.upper(rule.var));
  }
  return values;
}

std::vector<std::string> explain_infeasible(const Problem& p) {
  std::vector<std::string> out;
  // Nodes with no suitable substrate node.
  for (std::size_t u = 0; u < p.nodes.size(); ++u) {
    bool any = false;
    for (char c : p.node_suitable[u]) any = any || c;
    if (any) continue;
    std::string why =
        "no suitable substrate node for " + p.nodes[u].identifier + " (" + p.nodes[u].id + ")";
    int shown = 0;
    for (int v : p.substrate_nodes()) {
      if (shown == 4) {
        why += "; ...";
        break;
      }
      why += "; " + unsuitability_reason(p, static_cast<int>(u), v);
      ++shown;
    }
    out.push_back(why);
  }
  // Total demand against total free capacity per resource kind.
  std::map<std::string, double> demand, free;
  for (const auto& n : p.nodes)
    for (const auto& d : n.demands)
      if (d.value_type != ValueType::kMaximum) demand[d.attribute.str()] += d.amount;
  for (const auto& sr : p.substrate_resources)
    if (!sr.is_bandwidth) free[sr.attribute.str()] += std::max(0.0, sr.capacity - sr.used);
  for (const auto& [attr, need] : demand) {
    double have = 0;
    for (const auto& [a, f] : free)
      if (flerd::TypePath::parse_lenient(attr).hostable_by(flerd::TypePath::parse_lenient(a)))
        have += f;
    if (need > have + 1e-9)
      out.push_back("the request needs " + std::to_string(need) + " of " + attr +
                    " in total, the substrate has " + std::to_string(have) + " free");
  }
  // Flows: the best single bottleneck path capacity between any candidate
  // hosts (a widest path) is a necessary condition for unsplit flows; for
  // split flows compare with the max cut via the sum of free bandwidth at
  // the candidates' elements.
  for (const auto& f : p.flows) {
    if (f.amount <= 0) continue;
    const auto& allowed = p.link_allowed[static_cast<std::size_t>(f.link)];
    // Widest path from each source candidate (bottleneck relaxation; the
    // explanation runs once, on small and mid-size substrates).
    auto cap_of = [&](int w) {
      double c = std::numeric_limits<double>::infinity();
      for (int r : p.substrate[static_cast<std::size_t>(w)].resources) {
        const auto& sr = p.substrate_resources[static_cast<std::size_t>(r)];
        if (sr.is_bandwidth && !sr.is_interface)
          c = std::min(c, std::max(0.0, sr.capacity - sr.used));
      }
      return c;
    };
    // May both ends share a substrate node?
    bool may_share = !p.options.no_colocate;
    for (const auto& g : p.groups) {
      if (g.kind != GroupConstraint::Kind::kDistinct) continue;
      const bool a = std::find(g.nodes.begin(), g.nodes.end(), f.source) != g.nodes.end();
      const bool b = std::find(g.nodes.begin(), g.nodes.end(), f.sink) != g.nodes.end();
      if (a && b) may_share = false;
    }
    double best = -1;
    for (std::size_t s0 = 0; s0 < p.substrate.size(); ++s0) {
      if (!p.node_suitable[static_cast<std::size_t>(f.source)][s0] || !allowed[s0]) continue;
      std::vector<double> width(p.substrate.size(), -1);
      width[s0] = std::numeric_limits<double>::infinity();
      bool changed = true;
      while (changed) {
        changed = false;
        for (const auto& arc : p.arcs) {
          if (!allowed[static_cast<std::size_t>(arc.from)] ||
              !allowed[static_cast<std::size_t>(arc.to)])
            continue;
          const double wf = width[static_cast<std::size_t>(arc.from)];
          if (wf < 0) continue;
          const double nw = std::min(wf, cap_of(arc.to));
          if (nw > width[static_cast<std::size_t>(arc.to)] + 1e-12) {
            width[static_cast<std::size_t>(arc.to)] = nw;
            changed = true;
          }
        }
      }
      for (std::size_t v = 0; v < p.substrate.size(); ++v) {
        if (!p.node_suitable[static_cast<std::size_t>(f.sink)][v]) continue;
        if (v == s0 && !may_share) continue;
        best = std::max(best, width[v]);
      }
    }
    const auto& l = p.links[static_cast<std::size_t>(f.link)];
    const auto& src = p.nodes[static_cast<std::size_t>(f.source)];
    const auto& dst = p.nodes[static_cast<std::size_t>(f.sink)];
    if (best < 0) {
      out.push_back("link " + l.identifier + " (" + l.id +
                    "): no substrate path between any host of " + src.identifier +
                    " and any host of " + dst.identifier +
                    " avoids the elements its black/white lists exclude");
    } else if (best + 1e-9 < f.amount && (p.options.no_split || l.max_latency)) {
      out.push_back("link " + l.identifier + " (" + l.id + "): bandwidth demand " +
                    std::to_string(f.amount) + " exceeds the widest single path between " +
                    src.identifier + " and " + dst.identifier + " (" + std::to_string(best) + ")");
    }
  }
  for (const auto& g : p.groups) {
    if (g.kind == GroupConstraint::Kind::kDistinct && g.nodes.size() > p.substrate_nodes().size())
      out.push_back("a distinct ConstraintGroup has " + std::to_string(g.nodes.size()) +
                    " nodes but the substrate only " + std::to_string(p.substrate_nodes().size()));
  }
  if (p.options.no_colocate && p.nodes.size() > p.substrate_nodes().size())
    out.push_back("no co-location: " + std::to_string(p.nodes.size()) +
                  " virtual nodes need as many substrate nodes, there are " +
                  std::to_string(p.substrate_nodes().size()));
  if (out.empty())
    out.push_back(
        "every element has candidates on its own; the combination of capacities, paths and "
        "constraints cannot be met (try relaxing the latency bounds, --no-split or groups)");
  return out;
}

}  // namespace cloudnet::mapping
