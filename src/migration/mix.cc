#include "migration/mix.h"

namespace cloudnet::migration {

Status check_mix_params(const PolicyParams& params) {
  if (!(params.c > 0)) return Error::invalid("c must be > 0");
  if (!(params.phi > 0 && params.phi < 1)) return Error::invalid("phi must be in (0, 1)");
  return Status::Ok();
}

Status MixPolicy::reset(const Instance& instance) {
  if (auto st = check_mix_params(params_); !st) return st;
  if (!instance.costs) return Error::invalid("instance without costs");
  instance_ = instance;
  counters_.assign(instance.costs->num_nodes(), 0.0);
  current_ = instance.start;
  epoch_ = 0;
  phase_ = 0;
  rng_.seed(params_.seed);
  return Status::Ok();
}

double MixPolicy::migrate_threshold() const {
  return params_.c * instance_.costs->beta();
}
double MixPolicy::active_threshold() const {
  return params_.phi * params_.c * instance_.costs->beta();
}

Placement MixPolicy::decide(const Round& served) {
  // thesis 7.2.1.1: C(v) is the cost of serving this epoch's requests from v.
  instance_.costs->add_access(served, counters_);
  if (counters_[current_] < migrate_threshold()) return Placement::single(current_);
  std::vector<NodeId> candidates;
  for (NodeId v = 0; v < static_cast<NodeId>(counters_.size()); ++v) {
    if (counters_[v] < active_threshold()) candidates.push_back(v);
  }
  if (candidates.empty()) {
    // No node left below φ·c·β: the epoch ends in this round without a
    // migration, the next one starts with all counters at zero.
    counters_.assign(counters_.size(), 0.0);
    ++epoch_;
    phase_ = 0;
    return Placement::single(current_);
  }
  // A new phase at a node chosen uniformly among those with C(u) < φ·c·β.
  std::uniform_int_distribution<std::size_t> pick(0, candidates.size() - 1);
  current_ = candidates[pick(rng_)];
  ++phase_;
  return Placement::single(current_);
}

}  // namespace cloudnet::migration
