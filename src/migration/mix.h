// MIX, the randomised online algorithm of thesis 7.2.1.1 (O(log n)-competitive
// with constant bandwidths, Lemma 7.2.1; O(μ log n) in general, Theorem 7.2.2).
#pragma once

#include <random>
#include <vector>

#include "migration/policy.h"

namespace cloudnet::migration {

class MixPolicy : public Policy {
 public:
  explicit MixPolicy(const PolicyParams& params) : params_(params) {}

  std::string_view name() const override { return "mix"; }
  Status reset(const Instance& instance) override;
  Placement initial() const override { return Placement::single(current_); }
  Placement decide(const Round& served) override;

  // Introspection for tests and reports.
  const std::vector<double>& counters() const { return counters_; }  // C(v) of this epoch
  NodeId current() const { return current_; }
  int epoch() const { return epoch_; }  // epochs started so far - 1
  int phase() const { return phase_; }  // migrations in the current epoch
  double migrate_threshold() const;     // c·β
  double active_threshold() const;      // φ·c·β

 private:
  PolicyParams params_;
  Instance instance_;
  std::vector<double> counters_;
  NodeId current_ = 0;
  int epoch_ = 0;
  int phase_ = 0;
  std::mt19937_64 rng_;
};

// φ in (0, 1) and c > 0, as MIX requires.
Status check_mix_params(const PolicyParams& params);

}  // namespace cloudnet::migration
