// OPT, the optimal offline algorithm of thesis 7.3: dynamic programming
// over rounds and nodes, opt[t][u] = min_v opt[t-1][v] + Cost_mig(v, u) +
// Σ_{w ∈ σ_t} Cost_acc(w, u), with all-pairs costs looked up in the
// precomputed CostModel; O(n³ + n²·|Γ| + n·Σ|σ_t|) time (Theorem 7.3.1
// bounds it by O(n³ + n²·Σ|σ_t|)). The optimal migration sequence is
// recovered by walking the argmin pointers back from the cheapest final
// node.
#pragma once

#include <vector>

#include "migration/policy.h"

namespace cloudnet::migration {

struct OptSolution {
  double cost = 0;                 // access + migration + running
  std::vector<NodeId> trajectory;  // server location during each round
};

// Server starts at `start`; migrations happen before a round is served.
Result<OptSolution> solve_opt(const CostModel& costs, NodeId start, const Trace& trace);

// The same recursion without the all-pairs tables: every access and
// migration cost of a round is recomputed by a shortest-path (and widest-
// path) search from the candidate node. The benchmark's baseline.
Result<OptSolution> solve_opt_naive(const CostModel& costs, NodeId start, const Trace& trace);

// OPT over the configurations of thesis 7.4 (up to k servers, running and
// creation costs), the reference for ONCONF; O(|C|²) per round, so only
// for small substrates (fails beyond `max_configurations`).
struct OptConfigurationSolution {
  double cost = 0;
  std::vector<Placement> trajectory;
};
Result<OptConfigurationSolution> solve_opt_configurations(const CostModel& costs,
                                                          const Placement& start,
                                                          const Trace& trace, int k,
                                                          std::size_t max_configurations = 2500);

// OPT as a policy: plan() solves, decide() replays the optimal sequence.
class OptPolicy : public Policy {
 public:
  explicit OptPolicy(const PolicyParams& /*params*/) {}

  std::string_view name() const override { return "opt"; }
  Status reset(const Instance& instance) override;
  bool offline() const override { return true; }
  Status plan(const Trace& trace) override;
  Placement initial() const override;
  Placement decide(const Round& served) override;

  const OptSolution& solution() const { return solution_; }

 private:
  Instance instance_;
  OptSolution solution_;
  std::size_t round_ = 0;
};

}  // namespace cloudnet::migration
