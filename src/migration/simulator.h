// Runs a policy over a request sequence and accounts its costs the way
// thesis 7.1.1 defines them: in round t the requests σ_t are served at the
// current placement (access and running cost), then the policy decides and
// any change of placement costs a migration before round t+1.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "migration/policy.h"

namespace cloudnet::migration {

struct RunResult {
  std::string policy;
  double access = 0;
  double migration = 0;
  double running = 0;
  int migrations = 0;  // server moves and creations
  double seconds = 0;  // wall time of reset, plan and all decisions
  // With history: the placement during each round and the total cost after it.
  std::vector<Placement> placements;
  std::vector<double> cumulative;

  double total() const { return access + migration + running; }
};

Result<RunResult> simulate(Policy& policy, const Instance& instance, const Trace& trace,
                           bool keep_history = false);

}  // namespace cloudnet::migration
