// The configuration space of thesis 7.4 (Definition 7.4.1): up to k servers
// on distinct nodes, each active or inactive, at least one active.
#pragma once

#include <cstddef>
#include <vector>

#include "common/result.h"
#include "migration/cost_model.h"

namespace cloudnet::migration {

// Σ_{i=1..k} C(n, i)·(2^i − 1), saturating at SIZE_MAX.
std::size_t configuration_count(int n, int k);

// All configurations, in a fixed order (by server count, then node set,
// then active mask); fails if there are more than `limit`.
Result<std::vector<Placement>> enumerate_configurations(int n, int k, std::size_t limit);

}  // namespace cloudnet::migration
