// CEN, the deterministic online algorithm of thesis 7.2.2.1: like MIX, but the
// destination of a migration is the gravity centre of the active nodes
// (O(log n)-competitive, Theorem 7.2.6; O(μ log n) in general, Theorem 7.2.7).
#pragma once

#include <span>
#include <vector>

#include "migration/policy.h"

namespace cloudnet::migration {

class CenPolicy : public Policy {
 public:
  explicit CenPolicy(const PolicyParams& params) : params_(params) {}

  std::string_view name() const override { return "cen"; }
  Status reset(const Instance& instance) override;
  Placement initial() const override { return Placement::single(current_); }
  Placement decide(const Round& served) override;

  const std::vector<double>& counters() const { return counters_; }
  NodeId current() const { return current_; }
  int epoch() const { return epoch_; }
  int phase() const { return phase_; }       // phases started in this epoch - 1
  double migrate_threshold() const;          // c·β
  double tau() const;                        // τ = φ·c·β
  std::vector<NodeId> active_nodes() const;  // C(v) < τ

 private:
  PolicyParams params_;
  Instance instance_;
  std::vector<double> counters_;
  NodeId current_ = 0;
  int epoch_ = 0;
  int phase_ = 0;
};

// thesis 7.2.2.1: G(V') = argmin_{v ∈ V'} Σ_{u ∈ V'} f(d(u, v)) with f the
// identity (any monotone f is allowed); ties go to the smallest id. -1 if
// V' is empty.
NodeId gravity_center(const CostModel& costs, std::span<const NodeId> nodes);

// φ in (0, 1/2] and c > 0, as CEN requires (thesis 7.2.2.1 and 7.2.2.2).
Status check_cen_params(const PolicyParams& params);

}  // namespace cloudnet::migration
