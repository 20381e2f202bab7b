#include "migration/cost_model.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <numeric>
#include <queue>
#include <utility>

namespace cloudnet::migration {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kMbitPerMb = 8.0;

// Aggregates a round into (access point, multiplicity) pairs.
std::vector<std::pair<NodeId, int>> histogram(const Round& round) {
  Round sorted = round;
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::pair<NodeId, int>> out;
  for (NodeId a : sorted) {
    if (!out.empty() && out.back().first == a) {
      ++out.back().second;
    } else {
      out.emplace_back(a, 1);
    }
  }
  return out;
}

std::vector<NodeId> used(const Placement& p) {
  std::vector<NodeId> u = p.active;
  u.insert(u.end(), p.inactive.begin(), p.inactive.end());
  std::sort(u.begin(), u.end());
  return u;
}

}  // namespace

Result<std::shared_ptr<const CostModel>> CostModel::build(Substrate substrate,
                                                          const CostParams& params) {
  if (auto st = validate(substrate); !st) return st.error();
  if (!(params.server_size_mb > 0)) return Error::invalid("server size must be > 0");
  if (params.beta < 0) return Error::invalid("beta must be >= 0 (0: derive from bandwidths)");
  if (params.pi_factor < 0) return Error::invalid("x = pi/beta must be >= 0");
  if (params.load_weight < 0 || params.active_cost < 0 || params.inactive_cost < 0 ||
      params.creation_cost < 0) {
    return Error::invalid("load weight and running costs must be >= 0");
  }
  auto model = std::shared_ptr<CostModel>(new CostModel());
  model->params_ = params;
  model->n_ = substrate.num_nodes();
  const int n = model->n_;
  const auto nn = static_cast<std::size_t>(n) * static_cast<std::size_t>(n);

  double bw_sum = 0, bw_min = kInf;
  for (const Link& l : substrate.links) {
    bw_sum += l.bandwidth;
    bw_min = std::min(bw_min, l.bandwidth);
  }
  const double size_mbit = params.server_size_mb * kMbitPerMb;
  // A one-node substrate has no links; any positive β keeps thresholds sane.
  const double bw_mean = substrate.links.empty() ? 1.0 : bw_sum / substrate.links.size();
  if (substrate.links.empty()) bw_min = 1.0;
  // thesis 7.5.2: β = server size / average bandwidth.
  const double beta_ref = params.beta > 0 ? params.beta : size_mbit / bw_mean;
  model->pi_ = params.pi_factor * beta_ref;
  model->beta_ = params.mode == MigrationCostMode::kConstant ? beta_ref
                 : params.beta > 0                           ? params.beta
                                                             : size_mbit / bw_min;

  // All-pairs latencies: one Dijkstra per node.
  model->dist_.assign(nn, kInf);
  for (NodeId src = 0; src < n; ++src) {
    std::vector<double> d = latencies_from(substrate, src);
    std::copy(d.begin(), d.end(), model->dist_.begin() + static_cast<std::ptrdiff_t>(src) * n);
  }

  // PIP graph: PIPs adjacent if a link joins them; BFS gives border counts.
  const int k = substrate.num_pips();
  std::vector<std::vector<int>> pip_adj(k);
  for (const Link& l : substrate.links) {
    const int pa = substrate.pip[l.a], pb = substrate.pip[l.b];
    if (pa != pb) {
      pip_adj[pa].push_back(pb);
      pip_adj[pb].push_back(pa);
    }
  }
  model->pip_hops_.assign(k, std::vector<int>(k, -1));
  for (int src = 0; src < k; ++src) {
    auto& hops = model->pip_hops_[src];
    std::queue<int> queue;
    hops[src] = 0;
    queue.push(src);
    while (!queue.empty()) {
      const int u = queue.front();
      queue.pop();
      for (int v : pip_adj[u]) {
        if (hops[v] < 0) {
          hops[v] = hops[u] + 1;
          queue.push(v);
        }
      }
    }
  }

  // thesis 7.1.1: Cost_mig from size over bandwidth plus π per crossed border.
  model->mig_.assign(nn, 0.0);
  for (NodeId src = 0; src < n; ++src) {
    std::vector<double> width;
    if (params.mode == MigrationCostMode::kBottleneck)
      width = widest_bandwidths_from(substrate, src);
    for (NodeId dst = 0; dst < n; ++dst) {
      if (src == dst) continue;
      const double transfer =
          params.mode == MigrationCostMode::kConstant ? beta_ref : size_mbit / width[dst];
      model->mig_[model->index(src, dst)] =
          transfer + model->pi_ * model->pip_hops_[substrate.pip[src]][substrate.pip[dst]];
    }
  }
  model->substrate_ = std::move(substrate);
  return std::shared_ptr<const CostModel>(std::move(model));
}

int CostModel::pip_diameter() const {
  int d = 0;
  for (const auto& row : pip_hops_) d = std::max(d, *std::max_element(row.begin(), row.end()));
  return d;
}

double CostModel::access(const Round& round, NodeId v) const {
  double sum = 0;
  for (NodeId a : round) sum += distance(a, v);
  if (params_.load_weight > 0 && !round.empty()) {
    // All |σ_t| requests are answered by v: each pays η/ω(v) with η = |σ_t|.
    const double eta = static_cast<double>(round.size());
    sum += params_.load_weight * eta * eta / substrate_.strength[v];
  }
  return sum;
}

double CostModel::access(const Round& round, const Placement& placement) const {
  if (round.empty()) return 0;
  if (placement.active.empty()) return kInf;
  if (placement.active.size() == 1) return access(round, placement.active.front());
  double sum = 0;
  std::vector<int> eta(placement.active.size(), 0);
  for (NodeId a : round) {
    // Requests are routed to the closest server (thesis 7.1.1).
    std::size_t best = 0;
    for (std::size_t i = 1; i < placement.active.size(); ++i) {
      if (distance(a, placement.active[i]) < distance(a, placement.active[best])) best = i;
    }
    sum += distance(a, placement.active[best]);
    ++eta[best];
  }
  if (params_.load_weight > 0) {
    for (std::size_t i = 0; i < eta.size(); ++i) {
      sum += params_.load_weight * eta[i] * eta[i] / substrate_.strength[placement.active[i]];
    }
  }
  return sum;
}

void CostModel::add_access(const Round& round, std::vector<double>& counters) const {
  if (round.empty()) return;
  const auto hist = histogram(round);
  const double eta = static_cast<double>(round.size());
  for (NodeId v = 0; v < n_; ++v) {
    double sum = 0;
    for (auto [a, count] : hist) sum += count * distance(a, v);
    if (params_.load_weight > 0) sum += params_.load_weight * eta * eta / substrate_.strength[v];
    counters[v] += sum;
  }
}

double CostModel::running(const Placement& placement) const {
  return params_.active_cost * static_cast<double>(placement.active.size()) +
         params_.inactive_cost * static_cast<double>(placement.inactive.size());
}

double CostModel::transition(const Placement& from, const Placement& to) const {
  const std::vector<NodeId> before = used(from), after = used(to);
  std::vector<NodeId> released, added;
  std::set_difference(before.begin(), before.end(), after.begin(), after.end(),
                      std::back_inserter(released));
  std::set_difference(after.begin(), after.end(), before.begin(), before.end(),
                      std::back_inserter(added));
  if (added.empty()) return 0;
  const std::size_t moved = std::min(released.size(), added.size());
  const double created = params_.creation_cost * static_cast<double>(added.size() - moved);
  if (moved == 0) return created;
  // Cheapest assignment of `moved` released servers to new locations; k is
  // small (ONCONF's state space is only tractable for small k), so try all.
  double best = kInf;
  std::vector<int> pick_added(added.size());
  std::iota(pick_added.begin(), pick_added.end(), 0);
  std::vector<int> pick_released(released.size());
  std::iota(pick_released.begin(), pick_released.end(), 0);
  do {
    do {
      double sum = 0;
      for (std::size_t i = 0; i < moved; ++i) {
        sum += migration(released[pick_released[i]], added[pick_added[i]]);
      }
      best = std::min(best, sum);
    } while (std::next_permutation(pick_added.begin(), pick_added.end()));
  } while (std::next_permutation(pick_released.begin(), pick_released.end()));
  return best + created;
}

int CostModel::transition_moves(const Placement& from, const Placement& to) {
  const std::vector<NodeId> before = used(from), after = used(to);
  std::vector<NodeId> added;
  std::set_difference(after.begin(), after.end(), before.begin(), before.end(),
                      std::back_inserter(added));
  return static_cast<int>(added.size());
}

NodeId weighted_center(const CostModel& costs) {
  const Substrate& s = costs.substrate();
  NodeId best = 0;
  double best_sum = kInf;
  for (NodeId v = 0; v < s.num_nodes(); ++v) {
    double sum = 0;
    for (NodeId a : s.access_points) sum += costs.distance(a, v);
    if (sum < best_sum) best_sum = sum, best = v;
  }
  return best;
}

}  // namespace cloudnet::migration
