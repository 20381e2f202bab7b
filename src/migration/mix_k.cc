#include "migration/mix_k.h"

#include <algorithm>
#include <cmath>

#include "migration/mix.h"

namespace cloudnet::migration {

Status MixKPolicy::reset(const Instance& instance) {
  if (auto st = check_mix_params(params_); !st) return st;
  if (!(params_.phi_prime > 0)) return Error::invalid("phi' must be > 0");
  if (!instance.costs) return Error::invalid("instance without costs");
  instance_ = instance;
  counters_.assign(instance.costs->num_nodes(), 0.0);
  large_counters_.assign(instance.costs->num_nodes(), 0.0);
  pip_active_.assign(instance.costs->substrate().num_pips(), true);
  current_ = instance.start;
  small_epoch_ = large_epoch_ = huge_epoch_ = 0;
  rng_.seed(params_.seed);
  return Status::Ok();
}

int MixKPolicy::small_epochs_per_large() const {
  const double ratio = instance_.costs->pi() / instance_.costs->beta();
  return std::max(1, static_cast<int>(std::ceil(ratio - 1e-9)));
}

double MixKPolicy::threshold() const {
  return params_.phi * params_.c * instance_.costs->beta();
}
double MixKPolicy::large_threshold() const {
  return params_.phi_prime * instance_.costs->pi();
}

Placement MixKPolicy::decide(const Round& served) {
  const CostModel& costs = *instance_.costs;
  costs.add_access(served, counters_);
  costs.add_access(served, large_counters_);
  // thesis 7.2.1.2: the server stays at u until C(u) reaches φ·c·β.
  if (counters_[current_] < threshold()) return Placement::single(current_);
  const auto& pip = costs.substrate().pip;
  std::vector<NodeId> candidates;  // active nodes of the current PIP
  for (NodeId v = 0; v < costs.num_nodes(); ++v) {
    if (pip[v] == pip[current_] && counters_[v] < threshold()) candidates.push_back(v);
  }
  if (!candidates.empty()) {
    std::uniform_int_distribution<std::size_t> pick(0, candidates.size() - 1);
    current_ = candidates[pick(rng_)];
    return Placement::single(current_);
  }
  // The small epoch ends in this round; counters restart.
  counters_.assign(counters_.size(), 0.0);
  if (++small_epoch_ >= small_epochs_per_large()) end_large_epoch();
  return Placement::single(current_);
}

void MixKPolicy::end_large_epoch() {
  const CostModel& costs = *instance_.costs;
  const auto& pip = costs.substrate().pip;
  small_epoch_ = 0;
  // PIPs without a node below φ'·π become inactive for the huge epoch.
  std::vector<bool> cheap(pip_active_.size(), false);
  for (NodeId v = 0; v < costs.num_nodes(); ++v) {
    if (large_counters_[v] < large_threshold()) cheap[pip[v]] = true;
  }
  std::vector<int> active;
  for (std::size_t p = 0; p < pip_active_.size(); ++p) {
    pip_active_[p] = pip_active_[p] && cheap[p];
    if (pip_active_[p]) active.push_back(static_cast<int>(p));
  }
  if (active.empty()) {
    // No active PIP left: the server stays, a new huge epoch begins.
    std::fill(pip_active_.begin(), pip_active_.end(), true);
    std::fill(large_counters_.begin(), large_counters_.end(), 0.0);
    large_epoch_ = 0;
    ++huge_epoch_;
    return;
  }
  std::uniform_int_distribution<std::size_t> pick(0, active.size() - 1);
  const int target = active[pick(rng_)];
  // "An arbitrary node of that PIP": the one with the cheapest large epoch;
  // if the chosen PIP is the current one the server already is at one.
  NodeId best = -1;
  for (NodeId v = 0; v < costs.num_nodes(); ++v) {
    if (pip[v] == target && (best < 0 || large_counters_[v] < large_counters_[best])) best = v;
  }
  if (pip[current_] != target) current_ = best;
  std::fill(large_counters_.begin(), large_counters_.end(), 0.0);
  ++large_epoch_;
}

}  // namespace cloudnet::migration
