#include "mapping/output.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "mapping/usage.h"

namespace cloudnet::mapping {

namespace {

// "c:vhost1" -> "c:vhost1.ml0": stays a valid QName in the same namespace.
std::string derived(const std::string& id, const std::string& suffix) {
  return id + "." + suffix;
}

flerd::Ref<flerd::NetworkElement> ne_ref(const std::string& id) {
  return {id, nullptr, {}};
}
flerd::Ref<flerd::Resource> res_ref(const std::string& id) {
  return {id, nullptr, {}};
}

// A ResourceMapping: `value` of `hosting` hosts `hosted`.
flerd::ResourceMapping resource_mapping(double value, const std::string& hosted,
                                        const std::string& hosting,
                                        std::optional<std::string> unit = std::nullopt) {
  flerd::ResourceMapping rm;
  rm.value = value;
  rm.resource_unit = std::move(unit);
  rm.hostedResource = res_ref(hosted);
  rm.hostingResource = res_ref(hosting);
  return rm;
}

}  // namespace

flerd::Document mapping_document(const flerd::Document& request, const flerd::Document& substrate,
                                 const Problem& p, const MappingResult& result,
                                 const std::string& role_identifier) {
  flerd::Document out;
  out.namespaces = request.namespaces;
  for (const auto& [k, v] : substrate.namespaces) out.namespaces.emplace(k, v);
  out.consoleInterfaces = substrate.consoleInterfaces;
  out.topologies = request.topologies;
  const Solution& s = result.solution;
  const Usage usage = compute_usage(p, s);

  // Net identifier from the request's OL label.
  std::optional<std::string> net;
  for (const auto& t : request.topologies)
    if (t.graphLabel && t.graphLabel->net_identifier) net = t.graphLabel->net_identifier;

  flerd::Topology ml;
  std::string ml_label = "ml0";
  if (!p.nodes.empty()) {
    const auto colon = p.nodes[0].id.find(':');
    if (colon != std::string::npos) ml_label = p.nodes[0].id.substr(0, colon) + ":ml0label";
  }
  ml.graphLabel =
      flerd::GraphLabel{ml_label, role_identifier, flerd::GraphType::ML, 0, std::nullopt, net, {}};
  std::map<std::string, std::string> ml_of;  // OL element id -> ML element id

  auto add_ml_resource = [&](const std::string& id, const flerd::TypePath& attr, double value,
                             const std::optional<std::string>& unit) {
    flerd::Resource r;
    r.id = id;
    r.attribute = attr.str();
    r.value = value;
    r.resource_unit = unit;
    r.request_flag = false;
    ml.resources.push_back(r);
  };
  auto unit_of = [&](const std::string& res_id) -> std::optional<std::string> {
    if (const auto* r = request.resource(res_id)) return r->resource_unit;
    return std::nullopt;
  };

  for (std::size_t u = 0; u < p.nodes.size(); ++u) {
    const VirtualNode& n = p.nodes[u];
    const int host = u < s.node_host.size() ? s.node_host[u] : -1;
    if (host < 0) continue;
    flerd::NetworkElement e;
    e.id = derived(n.id, "ml0");
    e.identifier = n.identifier;
    e.ne_type = n.type.str();
    e.graphLabel = flerd::Ref<flerd::GraphLabel>{ml.graphLabel->id, nullptr, {}};
    e.hostedNetworkElement = {ne_ref(n.id)};
    e.hostingNetworkElement = {ne_ref(p.substrate[static_cast<std::size_t>(host)].id)};
    for (std::size_t k = 0; k < n.demands.size(); ++k) {
      const Demand& d = n.demands[k];
      const auto& allocs = s.node_alloc[u][k];
      for (std::size_t i = 0; i < allocs.size(); ++i) {
        const auto& a = allocs[i];
        const auto& sr = p.substrate_resources[static_cast<std::size_t>(a.resource)];
        double factor = 1;
        for (const auto& h : p.demand_hosts[u][k])
          if (h.resource == a.resource) factor = h.factor;
        std::string suffix = "ml0";
        if (i > 0) suffix.append(".").append(std::to_string(i));
        const std::string mid = derived(d.resource_id, suffix);
        add_ml_resource(mid, d.attribute, factor * a.amount, unit_of(d.resource_id));
        e.resource.push_back(res_ref(mid));
        out.resourceMappings.push_back(
            resource_mapping(factor * a.amount, d.resource_id, mid, unit_of(d.resource_id)));
        out.resourceMappings.push_back(resource_mapping(a.amount, mid, sr.id));
      }
    }
    ml_of[n.id] = e.id;
    ml.networkElements.push_back(std::move(e));
  }
  for (std::size_t l = 0; l < p.links.size(); ++l) {
    const VirtualLink& vl = p.links[l];
    if (vl.implicit) continue;
    flerd::NetworkElement e;
    e.id = derived(vl.id, "ml0");
    e.identifier = vl.identifier;
    e.ne_type = vl.type.str();
    e.graphLabel = flerd::Ref<flerd::GraphLabel>{ml.graphLabel->id, nullptr, {}};
    e.hostedNetworkElement = {ne_ref(vl.id)};
    for (int w : usage.link_elements[l])
      e.hostingNetworkElement.push_back(ne_ref(p.substrate[static_cast<std::size_t>(w)].id));
    if (e.hostingNetworkElement.empty()) {
      // Both ends on one substrate node: the link lives inside that node.
      for (int ep : vl.endpoints) {
        const int h = s.node_host[static_cast<std::size_t>(ep)];
        const auto& id = p.substrate[static_cast<std::size_t>(h)].id;
        if (std::none_of(e.hostingNetworkElement.begin(), e.hostingNetworkElement.end(),
                         [&](const auto& r) { return r.id == id; }))
          e.hostingNetworkElement.push_back(ne_ref(id));
      }
    }
    const std::optional<Demand>& bw = vl.bandwidth ? vl.bandwidth : vl.upstream;
    int i = 0;
    for (const auto& [r, amount] : usage.link_use[l]) {
      const auto& sr = p.substrate_resources[static_cast<std::size_t>(r)];
      const std::string base = bw ? bw->resource_id : vl.id;
      const std::string mid = derived(base, "ml0." + std::to_string(i++));
      add_ml_resource(mid, sr.attribute, amount, std::string("Mbps"));
      e.resource.push_back(res_ref(mid));
      if (bw) out.resourceMappings.push_back(resource_mapping(amount, bw->resource_id, mid));
      out.resourceMappings.push_back(resource_mapping(amount, mid, sr.id));
    }
    ml_of[vl.id] = e.id;
    ml.networkElements.push_back(std::move(e));
  }
  // ML interfaces mirror the overlay's connections, so ML0 is a graph too.
  for (const auto& t : request.topologies) {
    for (const auto& ne : t.networkElements) {
      auto it = ml_of.find(ne.id);
      if (it == ml_of.end()) continue;
      auto mit = std::find_if(ml.networkElements.begin(), ml.networkElements.end(),
                              [&](const auto& m) { return m.id == it->second; });
      for (const auto& ni : ne.networkInterfaces) {
        flerd::NetworkInterface mi;
        mi.id = derived(ni.id, "ml0");
        mi.identifier = ni.identifier;
        mi.ni_type = ni.ni_type;
        mi.hostedNetworkInterface = {flerd::Ref<flerd::NetworkInterface>{ni.id, nullptr, {}}};
        if (ni.connectedInterface) {
          const auto* peer_owner = request.owner_of(*ni.connectedInterface->target);
          if (peer_owner && ml_of.count(peer_owner->id))
            mi.connectedInterface = flerd::Ref<flerd::NetworkInterface>{
                derived(ni.connectedInterface->id, "ml0"), nullptr, {}};
        }
        mit->networkInterfaces.push_back(std::move(mi));
      }
    }
  }
  // Overlay elements point at their ML0 element.
  for (auto& t : out.topologies)
    for (auto& ne : t.networkElements)
      if (auto it = ml_of.find(ne.id);
          it != ml_of.end() && (!t.graphLabel || t.graphLabel->graph_type == flerd::GraphType::OL))
        ne.hostingNetworkElement.push_back(ne_ref(it->second));
  out.topologies.push_back(std::move(ml));
  // The substrate layer mapped onto (resource ids must resolve).
  for (const auto& t : substrate.topologies)
    if (t.graphLabel && t.graphLabel->graph_type == flerd::GraphType::UL)
      out.topologies.push_back(t);
  out.resolve();
  return out;
}

std::string report_json(const Problem& p, const MappingResult& r, const ReportExtras& extras) {
  using nlohmann::json;
  json j;
  j["status"] = to_string(r.status);
  j["strategy"] = r.strategy;
  if (!extras.strategy_chosen.empty()) {
    j["strategy_choice"] = {{"requested", extras.strategy_requested},
                            {"chosen", extras.strategy_chosen},
                            {"reason", extras.strategy_reason}};
  }
  j["objective_function"] = to_string(p.options.objective);
  auto num = [](double v) -> json { return std::isfinite(v) ? json(v) : json(nullptr); };
  j["objective"] = r.has_solution() ? num(r.objective) : json(nullptr);
  j["bound"] = num(r.bound);
  j["gap"] = num(r.gap);
  j["seconds"] = r.seconds;
  j["model"] = {{"variables", extras.variables}, {"rows", extras.rows}};
  j["notes"] = extras.notes;
  if (!r.has_solution()) {
    j["explanation"] = r.explanation;
    return j.dump(2) + "\n";
  }
  const Solution& s = r.solution;
  json placement = json::object();
  for (std::size_t u = 0; u < p.nodes.size(); ++u)
    placement[p.nodes[u].id] = p.substrate[static_cast<std::size_t>(s.node_host[u])].id;
  j["placement"] = placement;
  json links = json::array();
  const Usage usage = compute_usage(p, s);
  for (std::size_t l = 0; l < p.links.size(); ++l) {
    json lj;
    lj["id"] = p.links[l].id;
    json flows = json::array();
    for (std::size_t fi = 0; fi < p.flows.size(); ++fi) {
      const Flow& f = p.flows[fi];
      if (f.link != static_cast<int>(l)) continue;
      json fj;
      fj["from"] = p.nodes[static_cast<std::size_t>(f.source)].id;
      fj["to"] = p.nodes[static_cast<std::size_t>(f.sink)].id;
      fj["amount"] = f.amount;
      fj["kind"] = f.kind == Flow::Kind::kSymmetric  ? "symmetric"
                   : f.kind == Flow::Kind::kUpstream ? "upstream"
                                                     : "downstream";
      json arcs = json::array();
      for (const auto& [a, y] : s.flow_arcs[fi]) {
        const auto& arc = p.arcs[static_cast<std::size_t>(a)];
        arcs.push_back({{"from", p.substrate[static_cast<std::size_t>(arc.from)].id},
                        {"to", p.substrate[static_cast<std::size_t>(arc.to)].id},
                        {"amount", y}});
      }
      fj["arcs"] = arcs;
      flows.push_back(fj);
    }
    lj["flows"] = flows;
    json uses = json::object();
    for (const auto& [res, amount] : usage.link_use[l])
      uses[p.substrate_resources[static_cast<std::size_t>(res)].id] = amount;
    lj["allocated"] = uses;
    links.push_back(lj);
  }
  j["links"] = links;
  json resources = json::array();
  for (std::size_t rr = 0; rr < p.substrate_resources.size(); ++rr) {
    const auto& sr = p.substrate_resources[rr];
    if (usage.resource_use[rr] <= 0) continue;
    resources.push_back(
        {{"id", sr.id},
         {"attribute", sr.attribute.str()},
         {"capacity", sr.capacity},
         {"used_before", sr.used},
         {"allocated", usage.resource_use[rr]},
         {"load", sr.capacity > 0 ? (sr.used + usage.resource_use[rr]) / sr.capacity : 0.0}});
  }
  j["resources"] = resources;
  if (extras.quality_q >= 0) j["quality_q"] = extras.quality_q;
  if (extras.checked) {
    j["checked"] = extras.check_violations.empty();
    if (!extras.check_violations.empty()) j["check_violations"] = extras.check_violations;
  }
  return j.dump(2) + "\n";
}

}  // namespace cloudnet::mapping
