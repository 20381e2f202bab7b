// CEN_k, the deterministic multi-provider algorithm of thesis 7.2.2.2
// (O(log n · (log n_1 + Δ))-competitive, Theorem 7.2.8). Like MIX_k, but the
// destinations are gravity centres: of the active nodes of the current PIP
// within a small epoch, of the nodes still active in the huge epoch between
// large epochs.
#pragma once

#include <vector>

#include "migration/policy.h"

namespace cloudnet::migration {

class CenKPolicy : public Policy {
 public:
  explicit CenKPolicy(const PolicyParams& params) : params_(params) {}

  std::string_view name() const override { return "cen_k"; }
  Status reset(const Instance& instance) override;
  Placement initial() const override { return Placement::single(current_); }
  Placement decide(const Round& served) override;

  const std::vector<double>& counters() const { return counters_; }              // C(u)
  const std::vector<double>& large_counters() const { return large_counters_; }  // C_L(u)
  const std::vector<bool>& node_active() const { return node_active_; }  // in the huge epoch
  NodeId current() const { return current_; }
  int small_epoch() const { return small_epoch_; }
  int large_epoch() const { return large_epoch_; }
  int huge_epoch() const { return huge_epoch_; }
  int small_epochs_per_large() const;  // ⌈π/β⌉, at least 1
  double migrate_threshold() const;    // c·β
  double tau() const;                  // φ·c·β
  double large_threshold() const;      // φ'·π

 private:
  void end_large_epoch();

  PolicyParams params_;
  Instance instance_;
  std::vector<double> counters_;
  std::vector<double> large_counters_;
  std::vector<bool> node_active_;
  NodeId current_ = 0;
  int small_epoch_ = 0;
  int large_epoch_ = 0;
  int huge_epoch_ = 0;
};

}  // namespace cloudnet::migration
