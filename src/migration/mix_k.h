// MIX_k, the randomised multi-provider algorithm of thesis 7.2.1.2
// (O(log k · (log n_1 + Δ))-competitive, Theorem 7.2.3). Time is split into
// huge epochs of large epochs of ⌈π/β⌉ small epochs; within a small epoch
// the server moves inside one PIP as MIX does, between large epochs it may
// move to a randomly chosen PIP that still has cheap nodes.
#pragma once

#include <random>
#include <vector>

#include "migration/policy.h"

namespace cloudnet::migration {

class MixKPolicy : public Policy {
 public:
  explicit MixKPolicy(const PolicyParams& params) : params_(params) {}

  std::string_view name() const override { return "mix_k"; }
  Status reset(const Instance& instance) override;
  Placement initial() const override { return Placement::single(current_); }
  Placement decide(const Round& served) override;

  const std::vector<double>& counters() const { return counters_; }              // C(u)
  const std::vector<double>& large_counters() const { return large_counters_; }  // C_L(u)
  const std::vector<bool>& pip_active() const { return pip_active_; }
  NodeId current() const { return current_; }
  int small_epoch() const { return small_epoch_; }  // small epochs ended in this large epoch
  int large_epoch() const { return large_epoch_; }  // large epochs ended in this huge epoch
  int huge_epoch() const { return huge_epoch_; }    // huge epochs ended so far
  int small_epochs_per_large() const;               // ⌈π/β⌉, at least 1
  double threshold() const;                         // φ·c·β
  double large_threshold() const;                   // φ'·π

 private:
  void end_large_epoch();

  PolicyParams params_;
  Instance instance_;
  std::vector<double> counters_;
  std::vector<double> large_counters_;
  std::vector<bool> pip_active_;
  NodeId current_ = 0;
  int small_epoch_ = 0;
  int large_epoch_ = 0;
  int huge_epoch_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace cloudnet::migration
