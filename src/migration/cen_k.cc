#include "migration/cen_k.h"

#include <algorithm>
#include <cmath>

#include "migration/cen.h"

namespace cloudnet::migration {

Status CenKPolicy::reset(const Instance& instance) {
  if (auto st = check_cen_params(params_); !st) return st;
  if (!(params_.phi_prime > 0)) return Error::invalid("phi' must be > 0");
  if (!instance.costs) return Error::invalid("instance without costs");
  instance_ = instance;
  const int n = instance.costs->num_nodes();
  counters_.assign(n, 0.0);
  large_counters_.assign(n, 0.0);
  node_active_.assign(n, true);
  current_ = instance.start;
  small_epoch_ = large_epoch_ = huge_epoch_ = 0;
  return Status::Ok();
}

int CenKPolicy::small_epochs_per_large() const {
  const double ratio = instance_.costs->pi() / instance_.costs->beta();
  return std::max(1, static_cast<int>(std::ceil(ratio - 1e-9)));
}

double CenKPolicy::migrate_threshold() const {
  return params_.c * instance_.costs->beta();
}
double CenKPolicy::tau() const {
  return params_.phi * params_.c * instance_.costs->beta();
}
double CenKPolicy::large_threshold() const {
  return params_.phi_prime * instance_.costs->pi();
}

Placement CenKPolicy::decide(const Round& served) {
  const CostModel& costs = *instance_.costs;
  costs.add_access(served, counters_);
  costs.add_access(served, large_counters_);
  // thesis 7.2.2.2: the server stays at u until C(u) reaches c·β.
  if (counters_[current_] < migrate_threshold()) return Placement::single(current_);
  const auto& pip = costs.substrate().pip;
  std::vector<NodeId> active;  // nodes w of the current PIP with C(w) < τ
  for (NodeId v = 0; v < costs.num_nodes(); ++v) {
    if (pip[v] == pip[current_] && counters_[v] < tau()) active.push_back(v);
  }
  if (!active.empty()) {
    current_ = gravity_center(costs, active);
    return Placement::single(current_);
  }
  // The small epoch ends in this round; counters restart.
  counters_.assign(counters_.size(), 0.0);
  if (++small_epoch_ >= small_epochs_per_large()) end_large_epoch();
  return Placement::single(current_);
}

void CenKPolicy::end_large_epoch() {
  const CostModel& costs = *instance_.costs;
  small_epoch_ = 0;
  // Nodes whose large-epoch cost reached φ'·π stay inactive for the huge epoch.
  std::vector<NodeId> active;
  for (NodeId v = 0; v < costs.num_nodes(); ++v) {
    node_active_[v] = node_active_[v] && large_counters_[v] < large_threshold();
    if (node_active_[v]) active.push_back(v);
  }
  std::fill(large_counters_.begin(), large_counters_.end(), 0.0);
  if (active.empty()) {
    // No PIP with active nodes: the server stays, a new huge epoch starts.
    std::fill(node_active_.begin(), node_active_.end(), true);
    large_epoch_ = 0;
    ++huge_epoch_;
    return;
  }
  // Move to the PIP of the gravity centre of the remaining active nodes
  // (to the centre itself; if it lies in the current PIP the server stays).
  const NodeId center = gravity_center(costs, active);
  if (costs.substrate().pip[center] != costs.substrate().pip[current_]) current_ = center;
  ++large_epoch_;
}

}  // namespace cloudnet::migration
