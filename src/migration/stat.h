// STAT (thesis 7.5.3): the server stays at its start, the weighted centre of
// the substrate, and never migrates.
#pragma once

#include "migration/policy.h"

namespace cloudnet::migration {

class StatPolicy : public Policy {
 public:
  explicit StatPolicy(const PolicyParams& /*params*/) {}

  std::string_view name() const override { return "stat"; }
  Status reset(const Instance& instance) override;
  Placement initial() const override { return Placement::single(start_); }
  Placement decide(const Round& /*served*/) override { return Placement::single(start_); }

 private:
  NodeId start_ = 0;
};

}  // namespace cloudnet::migration
