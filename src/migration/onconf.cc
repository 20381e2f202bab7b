#include "migration/onconf.h"

#include <algorithm>

#include "migration/configuration.h"

namespace cloudnet::migration {

Status OnConfPolicy::reset(const Instance& instance) {
  if (!instance.costs) return Error::invalid("instance without costs");
  if (params_.servers < 1) return Error::invalid("ONCONF needs k >= 1 servers");
  auto configs = enumerate_configurations(instance.costs->num_nodes(), params_.servers,
                                          params_.max_configurations);
  if (!configs) return configs.error();
  instance_ = instance;
  configurations_ = std::move(*configs);
  counters_.assign(configurations_.size(), 0.0);
  const Placement start = Placement::single(instance.start);
  current_ = static_cast<std::size_t>(
      std::find(configurations_.begin(), configurations_.end(), start) - configurations_.begin());
  epoch_ = 0;
  const double k = params_.servers;
  // thesis 7.4: τ = max{β·k/2, (k−1)·c}, c the creation cost.
  tau_ = std::max(instance.costs->beta() * k / 2, (k - 1) * instance.costs->params().creation_cost);
  rng_.seed(params_.seed);
  return Status::Ok();
}

Placement OnConfPolicy::decide(const Round& served) {
  const CostModel& costs = *instance_.costs;
  for (std::size_t i = 0; i < configurations_.size(); ++i) {
    counters_[i] += costs.access(served, configurations_[i]) + costs.running(configurations_[i]);
  }
  if (counters_[current_] < tau_) return configurations_[current_];
  std::vector<std::size_t> candidates;
  for (std::size_t i = 0; i < counters_.size(); ++i) {
    if (counters_[i] < tau_) candidates.push_back(i);
  }
  if (candidates.empty()) {
    // No configuration below τ: the epoch ends, counters restart.
    std::fill(counters_.begin(), counters_.end(), 0.0);
    ++epoch_;
    return configurations_[current_];
  }
  std::uniform_int_distribution<std::size_t> pick(0, candidates.size() - 1);
  current_ = candidates[pick(rng_)];
  return configurations_[current_];
}

}  // namespace cloudnet::migration
