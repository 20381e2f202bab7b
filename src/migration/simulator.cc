#include "migration/simulator.h"

#include <chrono>

namespace cloudnet::migration {

Result<RunResult> simulate(Policy& policy, const Instance& instance, const Trace& trace,
                           bool keep_history) {
  if (!instance.costs) return Error::invalid("instance without costs");
  const CostModel& costs = *instance.costs;
  if (instance.start < 0 || instance.start >= costs.num_nodes()) {
    return Error::invalid("start node out of range");
  }
  const auto began = std::chrono::steady_clock::now();
  if (auto st = policy.reset(instance); !st) return st.error();
  if (policy.offline()) {
    if (auto st = policy.plan(trace); !st) return st.error();
  }
  RunResult r;
  r.policy = std::string(policy.name());
  Placement current = policy.initial();
  if (!trace.empty()) {
    const Placement start = Placement::single(instance.start);
    r.migration += costs.transition(start, current);
    r.migrations += CostModel::transition_moves(start, current);
  }
  for (std::size_t t = 0; t < trace.size(); ++t) {
    r.access += costs.access(trace[t], current);
    r.running += costs.running(current);
    if (keep_history) {
      r.placements.push_back(current);
      r.cumulative.push_back(r.total());
    }
    Placement next = policy.decide(trace[t]);
    // A decision after the last round serves nothing and costs nothing.
    if (t + 1 < trace.size() && !(next == current)) {
      r.migration += costs.transition(current, next);
      r.migrations += CostModel::transition_moves(current, next);
    }
    current = std::move(next);
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  return r;
}

}  // namespace cloudnet::migration
