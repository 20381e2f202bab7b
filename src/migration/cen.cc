#include "migration/cen.h"

#include <limits>

namespace cloudnet::migration {

NodeId gravity_center(const CostModel& costs, std::span<const NodeId> nodes) {
  NodeId best = -1;
  double best_sum = std::numeric_limits<double>::infinity();
  for (NodeId v : nodes) {
    double sum = 0;
    for (NodeId u : nodes) sum += costs.distance(u, v);
    if (sum < best_sum || (sum == best_sum && v < best)) best_sum = sum, best = v;
  }
  return best;
}

Status check_cen_params(const PolicyParams& params) {
  if (!(params.c > 0)) return Error::invalid("c must be > 0");
  if (!(params.phi > 0 && params.phi <= 0.5)) return Error::invalid("phi must be in (0, 1/2]");
  return Status::Ok();
}

Status CenPolicy::reset(const Instance& instance) {
  if (auto st = check_cen_params(params_); !st) return st;
  if (!instance.costs) return Error::invalid("instance without costs");
  instance_ = instance;
  counters_.assign(instance.costs->num_nodes(), 0.0);
  current_ = instance.start;
  epoch_ = 0;
  phase_ = 0;
  return Status::Ok();
}

double CenPolicy::migrate_threshold() const {
  return params_.c * instance_.costs->beta();
}
double CenPolicy::tau() const {
  return params_.phi * params_.c * instance_.costs->beta();
}

std::vector<NodeId> CenPolicy::active_nodes() const {
  std::vector<NodeId> active;
  for (NodeId v = 0; v < static_cast<NodeId>(counters_.size()); ++v) {
    if (counters_[v] < tau()) active.push_back(v);
  }
  return active;
}

Placement CenPolicy::decide(const Round& served) {
  instance_.costs->add_access(served, counters_);
  // thesis 7.2.2.1: stay until the access cost accumulated here reaches c·β.
  if (counters_[current_] < migrate_threshold()) return Placement::single(current_);
  const std::vector<NodeId> active = active_nodes();
  if (active.empty()) {
    // No active node left: the epoch ends, counters restart from zero.
    counters_.assign(counters_.size(), 0.0);
    ++epoch_;
    phase_ = 0;
    return Placement::single(current_);
  }
  // A new phase at the gravity centre of the active nodes.
  current_ = gravity_center(*instance_.costs, active);
  ++phase_;
  return Placement::single(current_);
}

}  // namespace cloudnet::migration
