// ONCONF, the multi-server extension of MIX (thesis 7.4): counters C(γ) over
// configurations of up to k servers (access plus running costs), a switch to
// a uniformly random configuration with C(γ) < τ = max{β·k/2, (k−1)·c} once
// the current one reaches τ, epochs ending when none is left
// (O(k² log n)-competitive). Its state space grows as (2n)^k, so it is only
// for small n and k.
#pragma once

#include <random>
#include <vector>

#include "migration/policy.h"

namespace cloudnet::migration {

class OnConfPolicy : public Policy {
 public:
  explicit OnConfPolicy(const PolicyParams& params) : params_(params) {}

  std::string_view name() const override { return "onconf"; }
  Status reset(const Instance& instance) override;
  Placement initial() const override { return configurations_[current_]; }
  Placement decide(const Round& served) override;

  const std::vector<Placement>& configurations() const { return configurations_; }
  const std::vector<double>& counters() const { return counters_; }  // C(γ)
  std::size_t current() const { return current_; }                   // index of γ̂
  int epoch() const { return epoch_; }
  double tau() const { return tau_; }

 private:
  PolicyParams params_;
  Instance instance_;
  std::vector<Placement> configurations_;
  std::vector<double> counters_;
  std::size_t current_ = 0;
  int epoch_ = 0;
  double tau_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace cloudnet::migration
