#include "migration/opt.h"

#include <algorithm>
#include <limits>
#include <map>

#include "migration/configuration.h"

namespace cloudnet::migration {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

Status check(const CostModel& costs, NodeId start, const Trace& trace) {
  if (start < 0 || start >= costs.num_nodes()) return Error::invalid("start node out of range");
  for (const Round& round : trace) {
    for (NodeId a : round) {
      if (a < 0 || a >= costs.num_nodes()) return Error::invalid("request at an unknown node");
    }
  }
  return Status::Ok();
}

// Walks the argmin pointers back from the cheapest final node.
OptSolution recover(const std::vector<double>& last, const std::vector<std::vector<NodeId>>& pred,
                    NodeId start, double running_per_round) {
  OptSolution s;
  const std::size_t rounds = pred.size();
  s.trajectory.assign(rounds, start);
  if (rounds == 0) return s;
  const auto end = static_cast<NodeId>(std::min_element(last.begin(), last.end()) - last.begin());
  s.cost = last[end] + running_per_round * static_cast<double>(rounds);
  s.trajectory[rounds - 1] = end;
  for (std::size_t t = rounds - 1; t > 0; --t) s.trajectory[t - 1] = pred[t][s.trajectory[t]];
  return s;
}

}  // namespace

Result<OptSolution> solve_opt(const CostModel& costs, NodeId start, const Trace& trace) {
  if (auto st = check(costs, start, trace); !st) return st.error();
  const int n = costs.num_nodes();
  std::vector<double> prev(n, kInf), cur(n), acc(n);
  prev[start] = 0;  // before round 0 the server is at the start
  std::vector<std::vector<NodeId>> pred(trace.size());
  for (std::size_t t = 0; t < trace.size(); ++t) {
    auto& back = pred[t];
    back.resize(n);
    if (trace[t].empty()) {
      // thesis Theorem 7.3.1: only rounds with requests (Γ) need a
      // decision; migrating at the next active round is never worse.
      for (NodeId u = 0; u < n; ++u) back[u] = u;
      continue;
    }
    std::fill(acc.begin(), acc.end(), 0.0);
    costs.add_access(trace[t], acc);
    for (NodeId u = 0; u < n; ++u) {
      // Staying first, so ties keep the server where it is.
      double best = prev[u];
      NodeId arg = u;
      for (NodeId v = 0; v < n; ++v) {
        const double c = prev[v] + costs.migration(v, u);
        if (c < best) best = c, arg = v;
      }
      cur[u] = best + acc[u];
      back[u] = arg;
    }
    std::swap(prev, cur);
  }
  return recover(prev, pred, start, costs.params().active_cost);
}

Result<OptSolution> solve_opt_naive(const CostModel& costs, NodeId start, const Trace& trace) {
  if (auto st = check(costs, start, trace); !st) return st.error();
  const Substrate& s = costs.substrate();
  const CostParams& params = costs.params();
  const int n = costs.num_nodes();
  const double size_mbit = params.server_size_mb * 8.0;
  std::vector<double> prev(n, kInf), cur(n);
  prev[start] = 0;
  std::vector<std::vector<NodeId>> pred(trace.size());
  for (std::size_t t = 0; t < trace.size(); ++t) {
    auto& back = pred[t];
    back.resize(n);
    if (trace[t].empty()) {
      for (NodeId u = 0; u < n; ++u) back[u] = u;
      continue;
    }
    const double eta = static_cast<double>(trace[t].size());
    for (NodeId u = 0; u < n; ++u) {
      const std::vector<double> d = latencies_from(s, u);
      double acc = 0;
      for (NodeId a : trace[t]) acc += d[a];
      if (params.load_weight > 0) acc += params.load_weight * eta * eta / s.strength[u];
      std::vector<double> width;
      if (params.mode == MigrationCostMode::kBottleneck) width = widest_bandwidths_from(s, u);
      double best = prev[u];
      NodeId arg = u;
      for (NodeId v = 0; v < n; ++v) {
        if (v == u) continue;
        const double transfer =
            params.mode == MigrationCostMode::kConstant ? costs.beta() : size_mbit / width[v];
        const double c = prev[v] + transfer + costs.pi() * costs.pip_borders(v, u);
        if (c < best) best = c, arg = v;
      }
      cur[u] = best + acc;
      back[u] = arg;
    }
    std::swap(prev, cur);
  }
  return recover(prev, pred, start, params.active_cost);
}

Result<OptConfigurationSolution> solve_opt_configurations(const CostModel& costs,
                                                          const Placement& start,
                                                          const Trace& trace, int k,
                                                          std::size_t max_configurations) {
  auto configs = enumerate_configurations(costs.num_nodes(), k, max_configurations);
  if (!configs) return configs.error();
  const auto& all = *configs;
  const std::size_t m = all.size();
  std::size_t start_index = m;
  for (std::size_t i = 0; i < m; ++i) {
    if (all[i] == start) start_index = i;
  }
  if (start_index == m) return Error::invalid("start configuration is not one of k servers");
  std::vector<double> trans(m * m);
  for (std::size_t i = 0; i < m; ++i) {
    for (std::size_t j = 0; j < m; ++j) trans[i * m + j] = costs.transition(all[i], all[j]);
  }
  std::vector<double> prev(m, kInf), cur(m);
  prev[start_index] = 0;
  std::vector<std::vector<std::uint32_t>> pred(trace.size(), std::vector<std::uint32_t>(m));
  for (std::size_t t = 0; t < trace.size(); ++t) {
    for (std::size_t j = 0; j < m; ++j) {
      double best = prev[j];
      std::size_t arg = j;
      for (std::size_t i = 0; i < m; ++i) {
        const double c = prev[i] + trans[i * m + j];
        if (c < best) best = c, arg = i;
      }
      cur[j] = best + costs.access(trace[t], all[j]) + costs.running(all[j]);
      pred[t][j] = static_cast<std::uint32_t>(arg);
    }
    std::swap(prev, cur);
  }
  OptConfigurationSolution s;
  s.trajectory.assign(trace.size(), start);
  if (trace.empty()) return s;
  auto end = static_cast<std::size_t>(std::min_element(prev.begin(), prev.end()) - prev.begin());
  s.cost = prev[end];
  for (std::size_t t = trace.size(); t-- > 0;) {
    s.trajectory[t] = all[end];
    end = pred[t][end];
  }
  return s;
}

Status OptPolicy::reset(const Instance& instance) {
  if (!instance.costs) return Error::invalid("instance without costs");
  instance_ = instance;
  solution_ = {};
  round_ = 0;
  return Status::Ok();
}

Status OptPolicy::plan(const Trace& trace) {
  if (!instance_.costs) return Error::conflict("plan() before reset()");
  auto s = solve_opt(*instance_.costs, instance_.start, trace);
  if (!s) return s.error();
  solution_ = std::move(*s);
  round_ = 0;
  return Status::Ok();
}

Placement OptPolicy::initial() const {
  return Placement::single(solution_.trajectory.empty() ? instance_.start
                                                        : solution_.trajectory.front());
}

Placement OptPolicy::decide(const Round& /*served*/) {
  // Replays the plan; past its end the server stays where it is.
  const auto& path = solution_.trajectory;
  if (path.empty()) return Placement::single(instance_.start);
  round_ = std::min(round_ + 1, path.size() - 1);
  return Placement::single(path[round_]);
}

}  // namespace cloudnet::migration
