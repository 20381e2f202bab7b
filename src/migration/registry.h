// The one place that maps algorithm names to policies, so a simulator or
// the VNO controller can pick any algorithm of thesis ch. 7 by name.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "migration/policy.h"

namespace cloudnet::migration {

struct PolicyInfo {
  std::string_view name;     // registry name
  std::string_view section;  // where the thesis defines it
  std::string_view summary;
};

// Every registered policy, in a fixed order.
const std::vector<PolicyInfo>& registered_policies();

// A new policy object; kNotFound for an unknown name.
Result<std::unique_ptr<Policy>> make_policy(std::string_view name, const PolicyParams& params);

}  // namespace cloudnet::migration
