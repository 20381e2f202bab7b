// The independent checker: verifies a Solution against its Problem without
// sharing any code with the formulation or the solvers, so a bug in one is not
// repeated in the other. Every test that produces a mapping runs it.
#pragma once

#include <string>
#include <vector>

#include "mapping/problem.h"
#include "mapping/result.h"

namespace cloudnet::mapping {

struct CheckReport {
  std::vector<std::string> violations;  // empty = valid
  // Recomputed figures, for comparing objectives.
  double node_resource_use = 0;      // sum of substrate units allocated to nodes
  double link_resource_use = 0;      // sum over bandwidth resources of consumption
  std::vector<double> resource_use;  // per substrate resource
  bool ok() const { return violations.empty(); }
  std::string format() const;
};

// Checks: every node placed on a suitable substrate node (types, white and
// black lists), no_colocate, constraint groups; node demands met by
// allocations on resources of the hosting element with prop factors
// (minimum, maximum, constant), allocations only on the host; flow
// conservation for every flow with the right amount leaving the source host
// and reaching the sink host; flows only on arcs between allowed elements;
// no_split: every flow one simple path; latency bounds per path; every
// substrate resource within its capacity, shared resources counted once
// (directional and interface resources as described in problem.h).
CheckReport check(const Problem& problem, const Solution& solution, double tolerance = 1e-6);

}  // namespace cloudnet::mapping
