// format_plan and plan_json (plan.h).
#include <cmath>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <sstream>

#include "plan/plan.h"

namespace cloudnet::plan {

namespace {

std::string pct(double f) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(1) << 100 * f << "%";
  return s.str();
}
std::string num(double v) {
  std::ostringstream s;
  s << std::setprecision(6) << v;
  return s.str();
}
std::string join(const std::vector<std::string>& v, const char* sep = ", ") {
  std::string out;
  for (const auto& x : v) out += (out.empty() ? "" : sep) + x;
  return out;
}
std::string vnet_label(const Plan& plan, int i) {
  if (i < 0 || static_cast<std::size_t>(i) >= plan.vnets.size()) return "?";
  const VNetPlan& v = plan.vnets[static_cast<std::size_t>(i)];
  return v.net_identifier.empty() ? v.name : v.net_identifier + " (" + v.name + ")";
}

}  // namespace

std::string format_plan(const Plan& plan) {
  std::ostringstream out;
  out << "target:  free " << pct(plan.target) << " of the capacity of the "
      << plan.hosts_in_use.size() << " hosts in use, measured by " << plan.measure << "\n";
  if (plan.reached) {
    out << "answer:  yes, " << (plan.moves.empty() ? "without any move" : "by re-packing") << "; ";
  } else {
    out << "answer:  no; the best plan found ";
  }
  out << "frees " << pct(plan.achieved) << ", " << plan.hosts_freed.size() << " host"
      << (plan.hosts_freed.size() == 1 ? "" : "s") << " emptied"
      << (plan.hosts_freed.empty() ? "" : ": " + join(plan.hosts_freed)) << "\n";
  out << "freed per attribute (capacity of the hosts in use; bound = 1 - used/capacity):\n";
  std::size_t width = 0;
  for (const auto& a : plan.attributes) width = std::max(width, a.attribute.size());
  for (const auto& a : plan.attributes) {
    out << "  " << std::left << std::setw(static_cast<int>(width)) << a.attribute << std::right
        << "  " << num(a.freed) << " of " << num(a.capacity) << "  " << pct(a.fraction)
        << "  (bound " << pct(a.bound) << ")" << (a.measured ? "" : "  [not measured]") << "\n";
  }
  out << "migration cost: " << num(plan.migration_cost) << " (" << plan.nodes_moved << " node"
      << (plan.nodes_moved == 1 ? "" : "s") << " moved, state " << num(plan.state_moved) << "; "
      << plan.links_rerouted << " link" << (plan.links_rerouted == 1 ? "" : "s") << " re-routed)\n";
  const CostModel& c = plan.cost_model;
  out << "  cost model (thesis 5.3.5): " << num(c.node_penalty) << " per moved node + "
      << num(c.state_cost) << " per unit of its " << c.state_attribute << ", " << num(c.hop_cost)
      << " per substrate link it travels, " << num(c.link_penalty) << " per re-routed link\n";
  for (const auto& m : plan.moves) {
    out << "  " << vnet_label(plan, m.vnet) << "  "
        << (m.kind == Move::Kind::kNode ? "node " : "link ") << m.identifier << " (" << m.element
        << "): ";
    if (m.kind == Move::Kind::kNode)
      out << join(m.from) << " -> " << join(m.to);
    else
      out << "[" << join(m.from, " ") << "] -> [" << join(m.to, " ") << "]";
    out << "  cost " << num(m.cost) << "\n";
  }
  out << "bandwidth reserved: " << num(plan.bandwidth_before) << " before, "
      << num(plan.bandwidth_after)
      << " after; links freed: " << (plan.links_freed.empty() ? "none" : join(plan.links_freed))
      << "; newly used: " << (plan.links_newly_used.empty() ? "none" : join(plan.links_newly_used))
      << "\n";
  std::vector<std::string> moved, unchanged;
  for (std::size_t i = 0; i < plan.vnets.size(); ++i)
    (plan.vnets[i].moved ? moved : unchanged).push_back(vnet_label(plan, static_cast<int>(i)));
  out << "re-embedded VNets: " << (moved.empty() ? "none" : join(moved)) << "\n";
  out << "unchanged VNets: " << (unchanged.empty() ? "none" : join(unchanged)) << "\n";
  if (!plan.reasons.empty()) {
    out << "why not:\n";
    for (const auto& r : plan.reasons) out << "  " << r << "\n";
  }
  for (const auto& n : plan.notes) out << "note: " << n << "\n";
  out << "planned in " << std::fixed << std::setprecision(3) << plan.seconds << " s (found by "
      << plan.engine << (plan.mip_used ? ", MIP used" : ", MIP not used") << ", "
      << plan.host_sets_tried << " host sets tried)\n";
  return out.str();
}

std::string plan_json(const Plan& plan) {
  using nlohmann::json;
  auto n = [](double v) -> json { return std::isfinite(v) ? json(v) : json(nullptr); };
  json j;
  j["reached"] = plan.reached;
  j["target"] = n(plan.target);
  j["measure"] = plan.measure;
  j["achieved"] = n(plan.achieved);
  j["reasons"] = plan.reasons;
  j["hosts_in_use"] = plan.hosts_in_use;
  j["hosts_freed"] = plan.hosts_freed;
  json attrs = json::array();
  for (const auto& a : plan.attributes)
    attrs.push_back({{"attribute", a.attribute},
                     {"capacity", n(a.capacity)},
                     {"used", n(a.used)},
                     {"freed", n(a.freed)},
                     {"fraction", n(a.fraction)},
                     {"bound", n(a.bound)},
                     {"measured", a.measured}});
  j["attributes"] = attrs;
  json moves = json::array();
  for (const auto& m : plan.moves) {
    json mj = {{"kind", m.kind == Move::Kind::kNode ? "node" : "link"},
               {"vnet", plan.vnets[static_cast<std::size_t>(m.vnet)].name},
               {"element", m.element},
               {"identifier", m.identifier},
               {"from", m.from},
               {"to", m.to},
               {"cost", n(m.cost)}};
    if (m.kind == Move::Kind::kNode) mj["state"] = n(m.state);
    moves.push_back(std::move(mj));
  }
  j["moves"] = moves;
  j["migration_cost"] = n(plan.migration_cost);
  j["nodes_moved"] = plan.nodes_moved;
  j["links_rerouted"] = plan.links_rerouted;
  j["state_moved"] = n(plan.state_moved);
  j["bandwidth"] = {{"before", n(plan.bandwidth_before)}, {"after", n(plan.bandwidth_after)}};
  j["links_freed"] = plan.links_freed;
  j["links_newly_used"] = plan.links_newly_used;
  json vnets = json::array();
  for (const auto& v : plan.vnets)
    vnets.push_back({{"name", v.name}, {"net_identifier", v.net_identifier}, {"moved", v.moved}});
  j["vnets"] = vnets;
  j["notes"] = plan.notes;
  j["engine"] = plan.engine;
  j["mip_used"] = plan.mip_used;
  const CostModel& c = plan.cost_model;
  j["cost_model"] = {{"node_penalty", n(c.node_penalty)},
                     {"state_cost", n(c.state_cost)},
                     {"state_attribute", c.state_attribute},
                     {"hop_cost", n(c.hop_cost)},
                     {"link_penalty", n(c.link_penalty)}};
  j["host_sets_tried"] = plan.host_sets_tried;
  j["seconds"] = plan.seconds;
  return j.dump(2) + "\n";
}

}  // namespace cloudnet::plan
