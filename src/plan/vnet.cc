#include "plan/vnet.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <deque>
#include <limits>
#include <map>
#include <set>
#include <unordered_map>

#include "mapping/builder.h"
#include "mapping/usage.h"

namespace cloudnet::plan::internal {

namespace {

std::size_t at(int i) {
  return static_cast<std::size_t>(i);
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool close(double a, double b) {
  return std::abs(a - b) <= 1e-6 * std::max(1.0, std::abs(b));
}

// The shortest path src -> dst over arcs whose both ends are in `allowed`
// (BFS, fewest elements); empty if none.
std::vector<int> path_within(const mapping::Problem& p, int src, int dst,
                             const std::vector<char>& allowed) {
  std::vector<int> pred(p.substrate.size(), -1);
  std::vector<char> seen(p.substrate.size(), 0);
  std::deque<int> queue{src};
  seen[at(src)] = 1;
  while (!queue.empty()) {
    const int x = queue.front();
    queue.pop_front();
    if (x == dst) break;
    for (const int a : p.out_arcs[at(x)]) {
      const int y = p.arcs[at(a)].to;
      if (seen[at(y)] || !allowed[at(y)]) continue;
      seen[at(y)] = 1;
      pred[at(y)] = a;
      queue.push_back(y);
    }
  }
  if (!seen[at(dst)]) return {};
  std::vector<int> path;
  for (int y = dst; y != src; y = p.arcs[at(pred[at(y)])].from) path.push_back(pred[at(y)]);
  std::reverse(path.begin(), path.end());
  return path;
}

}  // namespace

bool attribute_matches(const flerd::TypePath& attribute, const std::string& query) {
  if (query.empty()) return false;
  if (query.front() == '/') {
    const flerd::TypePath q = flerd::TypePath::parse_lenient(query);
    return q.contains(attribute) || q.hostable_by(attribute);
  }
  return std::any_of(attribute.levels().begin(), attribute.levels().end(),
                     [&](const std::string& level) { return iequals(level, query); });
}

std::vector<int> link_hops(const mapping::Problem& p, int from) {
  // 0-1 BFS: entering a substrate link costs one hop, entering a node none.
  std::vector<int> dist(p.substrate.size(), -1);
  std::deque<int> queue{from};
  std::vector<int> best(p.substrate.size(), std::numeric_limits<int>::max());
  best[at(from)] = 0;
  while (!queue.empty()) {
    const int x = queue.front();
    queue.pop_front();
    if (dist[at(x)] >= 0) continue;
    dist[at(x)] = best[at(x)];
    for (const int a : p.out_arcs[at(x)]) {
      const int y = p.arcs[at(a)].to;
      const int w = p.substrate[at(y)].is_link ? 1 : 0;
      if (dist[at(y)] >= 0 || best[at(x)] + w >= best[at(y)]) continue;
      best[at(y)] = best[at(x)] + w;
      if (w == 0)
        queue.push_front(y);
      else
        queue.push_back(y);
    }
  }
  return dist;
}

Result<VNet> load_vnet(const flerd::Document& substrate, const EmbeddingInput& input,
                       const mapping::Options& options, const CostModel& cost,
                       std::vector<std::string>& notes) {
  if (!input.document) return Error::invalid(input.name + ": no document");
  const flerd::Document& doc = *input.document;
  const std::string& name = input.name;
  VNet v;
  v.name = name;
  v.document = &doc;

  // The request: the OL layers as they were requested (mapping_document adds
  // the hosting references into ML0 again when it writes the new embedding).
  v.request.namespaces = doc.namespaces;
  v.request.root_attributes = doc.root_attributes;
  v.request.source_name = name;
  bool has_ml = false;
  for (const auto& t : doc.topologies) {
    if (t.graphLabel && t.graphLabel->graph_type == flerd::GraphType::ML) {
      has_ml = true;
      v.role_identifier = t.graphLabel->role_identifier;
    }
    if (t.graphLabel && t.graphLabel->graph_type != flerd::GraphType::OL) continue;
    v.request.topologies.push_back(t);
    if (t.graphLabel && t.graphLabel->net_identifier)
      v.net_identifier = *t.graphLabel->net_identifier;
  }
  if (v.request.topologies.empty())
    return Error::invalid(name +
                          ": no overlay (OL) layer; expected an embedding as `cloudnet map "
                          "--output` writes it (OL + ML0 + UL + ResourceMappings)");
  if (!has_ml)
    return Error::invalid(name +
                          ": no mapping layer (ML); this is a request, not an embedding (map it "
                          "with `cloudnet map --output` first)");
  std::set<std::string> kept;
  for (const auto& t : v.request.topologies)
    for (const auto& ne : t.networkElements) kept.insert(ne.id);
  for (auto& t : v.request.topologies)
    for (auto& ne : t.networkElements)
      std::erase_if(ne.hostingNetworkElement, [&](const auto& r) { return !kept.count(r.id); });
  v.request.resolve();

  // Everything the document says it runs on must exist in the substrate.
  std::set<std::string> doc_ul_elements;
  for (const auto& t : doc.topologies)
    if (t.graphLabel && t.graphLabel->graph_type == flerd::GraphType::UL)
      for (const auto& ne : t.networkElements) doc_ul_elements.insert(ne.id);
  for (const auto& t : doc.topologies) {
    if (!t.graphLabel || t.graphLabel->graph_type != flerd::GraphType::ML) continue;
    for (const auto& ne : t.networkElements)
      for (const auto& h : ne.hostingNetworkElement)
        if (!substrate.element(h.id) && (doc_ul_elements.count(h.id) || !doc.element(h.id)))
          return Error::invalid(name + ": " + ne.id + " is hosted on " + h.id + ", which " +
                                substrate.source_name +
                                " does not have; was the embedding made on another substrate?");
  }

  mapping::BuildInput b;
  b.substrate = &substrate;
  b.request = &v.request;
  b.existing = {&doc};
  b.options = options;
  b.options.objective = mapping::Objective::kMinCost;
  auto built = mapping::build_problem(b);
  if (!built) return Error::invalid(name + ": " + built.error().message);
  v.problem = std::move(*built);
  mapping::Problem& p = v.problem;
  if (!p.existing)
    return Error::invalid(name + ": none of its virtual nodes is placed on an element of " +
                          substrate.source_name);
  mapping::Existing& ex = *p.existing;
  for (std::size_t u = 0; u < p.nodes.size(); ++u) {
    const int h = ex.node_host[u];
    if (h < 0 || p.substrate[at(h)].is_link)
      return Error::invalid(name + ": virtual node " + p.nodes[u].id +
                            " is not placed on one substrate node of " + substrate.source_name);
  }
  for (auto& r : p.substrate_resources) r.used = 0;

  // ResourceMappings: ML resource -> substrate resource is what the VNet holds.
  std::unordered_map<std::string, int> sub_res;
  for (std::size_t r = 0; r < p.substrate_resources.size(); ++r)
    sub_res.emplace(p.substrate_resources[r].id, static_cast<int>(r));
  std::set<std::string> doc_ul_res;
  for (const auto& t : doc.topologies) {
    if (!t.graphLabel || t.graphLabel->graph_type != flerd::GraphType::UL) continue;
    for (const auto& r : t.resources) doc_ul_res.insert(r.id);
    for (const auto& ne : t.networkElements)
      for (const auto& ni : ne.networkInterfaces)
        for (const auto& r : ni.resource) doc_ul_res.insert(r.id);
  }
  std::unordered_map<std::string, std::vector<std::pair<std::string, double>>> hosted_by;
  v.recorded.assign(p.substrate_resources.size(), 0);
  for (const auto& rm : doc.resourceMappings) {
    const double value = rm.value.value_or(0);
    hosted_by[rm.hostedResource.id].push_back({rm.hostingResource.id, value});
    auto it = sub_res.find(rm.hostingResource.id);
    if (it != sub_res.end()) {
      v.recorded[at(it->second)] += value;
    } else if (doc_ul_res.count(rm.hostingResource.id)) {
      return Error::invalid(name + ": allocates " + rm.hostingResource.id + ", which " +
                            substrate.source_name +
                            " does not have; was the embedding made on another substrate?");
    }
  }
  // The ML element hosting each overlay element.
  std::unordered_map<std::string, const flerd::NetworkElement*> ml_of;
  for (const auto& t : doc.topologies) {
    if (!t.graphLabel || t.graphLabel->graph_type != flerd::GraphType::ML) continue;
    for (const auto& ne : t.networkElements)
      for (const auto& h : ne.hostedNetworkElement) ml_of.emplace(h.id, &ne);
  }
  auto ml_resources = [&](const std::string& id) {
    std::set<std::string> out;
    auto it = ml_of.find(id);
    if (it != ml_of.end())
      for (const auto& r : it->second->resource) out.insert(r.id);
    return out;
  };

  mapping::Solution& s = v.current;
  s.node_host = ex.node_host;
  s.node_alloc.resize(p.nodes.size());
  for (std::size_t u = 0; u < p.nodes.size(); ++u) {
    const auto mine = ml_resources(p.nodes[u].id);
    s.node_alloc[u].resize(p.nodes[u].demands.size());
    for (std::size_t k = 0; k < p.nodes[u].demands.size(); ++k) {
      auto it = hosted_by.find(p.nodes[u].demands[k].resource_id);
      if (it == hosted_by.end()) continue;
      for (const auto& [mid, _] : it->second) {
        if (!mine.count(mid)) continue;
        auto jt = hosted_by.find(mid);
        if (jt == hosted_by.end()) continue;
        for (const auto& [res, amount] : jt->second) {
          auto kt = sub_res.find(res);
          if (kt != sub_res.end()) s.node_alloc[u][k].push_back({kt->second, amount});
        }
      }
    }
    // state(u): what a live migration copies (plan.h, cost model).
    double state = 0;
    for (const auto& d : p.nodes[u].demands)
      if (attribute_matches(d.attribute, cost.state_attribute)) state += d.amount;
    v.state.push_back(state);
  }
  // Flows: one path per flow inside the link's recorded elements.
  s.flow_arcs.assign(p.flows.size(), {});
  for (std::size_t f = 0; f < p.flows.size(); ++f) {
    const mapping::Flow& fl = p.flows[f];
    const int src = s.node_host[at(fl.source)];
    const int dst = s.node_host[at(fl.sink)];
    if (src == dst || fl.amount <= 1e-9) continue;
    std::vector<char> allowed(p.substrate.size(), 0);
    for (const int e : ex.link_elements[at(fl.link)]) allowed[at(e)] = 1;
    allowed[at(src)] = allowed[at(dst)] = 1;
    for (const int a : path_within(p, src, dst, allowed)) s.flow_arcs[f].push_back({a, fl.amount});
  }
  const mapping::Usage usage = mapping::compute_usage(p, s);
  v.link_exact.assign(p.links.size(), 1);
  for (std::size_t l = 0; l < p.links.size(); ++l) {
    std::map<int, double> recorded;
    for (const auto& mid : ml_resources(p.links[l].id)) {
      auto jt = hosted_by.find(mid);
      if (jt == hosted_by.end()) continue;
      for (const auto& [res, amount] : jt->second) {
        auto kt = sub_res.find(res);
        if (kt != sub_res.end()) recorded[kt->second] += amount;
      }
    }
    std::set<int> keys;
    for (const auto& [r, _] : recorded) keys.insert(r);
    for (const auto& [r, _] : usage.link_use[l]) keys.insert(r);
    for (const int r : keys) {
      const double a = recorded.count(r) ? recorded.at(r) : 0.0;
      const double c = usage.link_use[l].count(r) ? usage.link_use[l].at(r) : 0.0;
      if (!close(a, c)) v.link_exact[l] = 0;
    }
    // Flows that found no path in the recorded elements are not rebuilt.
    for (std::size_t f = 0; f < p.flows.size(); ++f) {
      const mapping::Flow& fl = p.flows[f];
      if (fl.link != static_cast<int>(l) || fl.amount <= 1e-9) continue;
      if (s.node_host[at(fl.source)] != s.node_host[at(fl.sink)] && s.flow_arcs[f].empty())
        v.link_exact[l] = 0;
    }
    if (!v.link_exact[l]) {
      v.exact = false;
      notes.push_back(name + ": the recorded allocations of virtual link " + p.links[l].id +
                      " are not one path per flow (split flows?); it is re-routed if its VNet "
                      "is re-embedded");
    }
  }

  // The cost model (plan.h) as Existing's penalty(u), transit(u, v).
  for (std::size_t u = 0; u < p.nodes.size(); ++u)
    ex.node_penalty[u] = cost.node_penalty + cost.state_cost * v.state[u];
  for (std::size_t l = 0; l < p.links.size(); ++l) ex.link_penalty[l] = cost.link_penalty;
  ex.node_transit.clear();
  if (cost.hop_cost > 0) {
    int links = 0;
    for (const auto& e : p.substrate) links += e.is_link ? 1 : 0;
    ex.node_transit.assign(p.nodes.size(), std::vector<double>(p.substrate.size(), 0));
    for (std::size_t u = 0; u < p.nodes.size(); ++u) {
      const std::vector<int> hops = link_hops(p, ex.node_host[u]);
      for (std::size_t e = 0; e < p.substrate.size(); ++e)
        ex.node_transit[u][e] = cost.hop_cost * (hops[e] < 0 ? links + 1 : hops[e]);
    }
  }
  return v;
}

SubProblem drop_links(const mapping::Problem& p, const std::vector<char>& drop) {
  SubProblem s;
  s.problem = p;
  mapping::Problem& q = s.problem;
  std::vector<int> index(p.links.size(), -1);
  q.links.clear();
  q.link_allowed.clear();
  for (std::size_t l = 0; l < p.links.size(); ++l) {
    if (drop[l]) continue;
    index[l] = static_cast<int>(q.links.size());
    s.link_of.push_back(static_cast<int>(l));
    q.links.push_back(p.links[l]);
    q.link_allowed.push_back(p.link_allowed[l]);
  }
  q.flows.clear();
  for (std::size_t f = 0; f < p.flows.size(); ++f) {
    if (drop[at(p.flows[f].link)]) continue;
    mapping::Flow fl = p.flows[f];
    fl.link = index[at(fl.link)];
    q.flows.push_back(fl);
    s.flow_of.push_back(static_cast<int>(f));
  }
  for (auto& g : q.groups) {
    std::vector<int> links;
    for (const int l : g.links)
      if (index[at(l)] >= 0) links.push_back(index[at(l)]);
    g.links = std::move(links);
  }
  if (q.existing) {
    mapping::Existing& ex = *q.existing;
    std::vector<std::vector<int>> elements;
    std::vector<double> penalty;
    for (const int l : s.link_of) {
      elements.push_back(at(l) < ex.link_elements.size() ? ex.link_elements[at(l)]
                                                         : std::vector<int>{});
      penalty.push_back(at(l) < ex.link_penalty.size() ? ex.link_penalty[at(l)] : 0.0);
    }
    ex.link_elements = std::move(elements);
    ex.link_penalty = std::move(penalty);
  }
  return s;
}

Joined join(const std::vector<const mapping::Problem*>& parts) {
  Joined j;
  mapping::Problem& q = j.problem;
  q = *parts.front();
  q.nodes.clear();
  q.links.clear();
  q.flows.clear();
  q.groups.clear();
  q.node_suitable.clear();
  q.node_weight.clear();
  q.link_allowed.clear();
  q.demand_hosts.clear();
  q.existing.reset();
  bool any_existing = false, any_transit = false;
  for (const auto* p : parts) {
    any_existing = any_existing || p->existing.has_value();
    any_transit = any_transit || (p->existing && !p->existing->node_transit.empty());
  }
  mapping::Existing ex;
  const std::size_t S = q.substrate.size();
  for (const auto* p : parts) {
    const int noff = static_cast<int>(q.nodes.size());
    const int loff = static_cast<int>(q.links.size());
    j.node_offset.push_back(noff);
    j.link_offset.push_back(loff);
    j.flow_offset.push_back(static_cast<int>(q.flows.size()));
    q.nodes.insert(q.nodes.end(), p->nodes.begin(), p->nodes.end());
    for (auto l : p->links) {
      for (int& e : l.endpoints) e += noff;
      q.links.push_back(std::move(l));
    }
    for (auto f : p->flows) {
      f.link += loff;
      f.source += noff;
      f.sink += noff;
      q.flows.push_back(f);
    }
    for (auto g : p->groups) {
      for (int& u : g.nodes) u += noff;
      for (int& l : g.links) l += loff;
      q.groups.push_back(std::move(g));
    }
    q.node_suitable.insert(q.node_suitable.end(), p->node_suitable.begin(), p->node_suitable.end());
    q.node_weight.insert(q.node_weight.end(), p->node_weight.begin(), p->node_weight.end());
    q.link_allowed.insert(q.link_allowed.end(), p->link_allowed.begin(), p->link_allowed.end());
    q.demand_hosts.insert(q.demand_hosts.end(), p->demand_hosts.begin(), p->demand_hosts.end());
    if (!any_existing) continue;
    const std::size_t n = p->nodes.size(), m = p->links.size();
    if (p->existing) {
      const mapping::Existing& e = *p->existing;
      ex.node_host.insert(ex.node_host.end(), e.node_host.begin(), e.node_host.end());
      ex.link_elements.insert(ex.link_elements.end(), e.link_elements.begin(),
                              e.link_elements.end());
      ex.node_penalty.insert(ex.node_penalty.end(), e.node_penalty.begin(), e.node_penalty.end());
      ex.link_penalty.insert(ex.link_penalty.end(), e.link_penalty.begin(), e.link_penalty.end());
      if (any_transit) {
        if (e.node_transit.empty())
          ex.node_transit.insert(ex.node_transit.end(), n, std::vector<double>(S, 0));
        else
          ex.node_transit.insert(ex.node_transit.end(), e.node_transit.begin(),
                                 e.node_transit.end());
      }
    } else {
      ex.node_host.insert(ex.node_host.end(), n, -1);
      ex.link_elements.insert(ex.link_elements.end(), m, std::vector<int>{});
      ex.node_penalty.insert(ex.node_penalty.end(), n, 0.0);
      ex.link_penalty.insert(ex.link_penalty.end(), m, 0.0);
      if (any_transit) ex.node_transit.insert(ex.node_transit.end(), n, std::vector<double>(S, 0));
    }
  }
  if (any_existing) q.existing = std::move(ex);
  return j;
}

mapping::Solution part_of(const Joined& joined, const mapping::Solution& s, std::size_t part,
                          const mapping::Problem& p) {
  mapping::Solution out;
  const auto noff = at(joined.node_offset[part]);
  const auto foff = at(joined.flow_offset[part]);
  for (std::size_t u = 0; u < p.nodes.size(); ++u) {
    out.node_host.push_back(noff + u < s.node_host.size() ? s.node_host[noff + u] : -1);
    out.node_alloc.push_back(noff + u < s.node_alloc.size()
                                 ? s.node_alloc[noff + u]
                                 : decltype(out.node_alloc)::value_type{});
  }
  for (std::size_t f = 0; f < p.flows.size(); ++f)
    out.flow_arcs.push_back(foff + f < s.flow_arcs.size() ? s.flow_arcs[foff + f]
                                                          : decltype(out.flow_arcs)::value_type{});
  return out;
}

}  // namespace cloudnet::plan::internal
