// TIMM (thesis 7.5.3): a timed migration every k rounds, following the
// official round-robin cycle of zones to a uniformly random node of the new
// current zone. Needs a substrate with zones and the zone period k.
#pragma once

#include <random>

#include "migration/policy.h"

namespace cloudnet::migration {

class TimmPolicy : public Policy {
 public:
  explicit TimmPolicy(const PolicyParams& params) : params_(params) {}

  std::string_view name() const override { return "timm"; }
  Status reset(const Instance& instance) override;
  Placement initial() const override { return Placement::single(current_); }
  Placement decide(const Round& served) override;

  int round() const { return round_; }  // rounds served so far

 private:
  PolicyParams params_;
  Instance instance_;
  NodeId current_ = 0;
  int round_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace cloudnet::migration
