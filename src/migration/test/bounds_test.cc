// CEN and MIX against the bounds of their competitive analyses (thesis
// Lemma 7.2.1, Lemma 7.2.5, Theorem 7.2.6) on adversarial request sequences
// built for these tests. Constant bandwidth, one PIP, so every migration
// costs β. The proofs bound, per epoch E with M_E migrations:
//   access of a phase        <= c·β + r_max   (r_max: largest one-round access cost)
//   ALG(E)                   <= (M_E + 1)(c·β + r_max) + M_E·β
//   OPT(E) (complete epochs) >= min(β, φ·c·β)
//   MIX: E[M_E] <= H_n;  CEN: M_E + 1 <= 1 + ⌈log_{1/(1-λ2/2)} n⌉, λ2 = c/(1+c)
// and therefore ALG <= ρ·(OPT + min(β, φ·c·β)) with ρ from those numbers.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "migration/cen.h"
#include "migration/mix.h"
#include "migration/opt.h"
#include "migration/requests.h"
#include "migration/test/helpers.h"

namespace cloudnet::migration {
namespace {

using testing::at;
using testing::instance;
using testing::line;

double harmonic(int n) {
  double h = 0;
  for (int i = 1; i <= n; ++i) h += 1.0 / i;
  return h;
}

struct EpochLog {
  int migrations = 0;
  double access = 0;
  int first_round = 0;
  int last_round = 0;
  bool complete = false;
};

struct Trajectory {
  double total = 0;
  std::vector<EpochLog> epochs;
  double max_phase_access = 0;
};

// Drives a MIX or CEN policy round by round and splits its costs by epoch
// and phase.
template <class P>
Trajectory drive(P& policy, const CostModel& costs, const Trace& trace) {
  Trajectory run;
  run.epochs.push_back({});
  NodeId where = policy.current();
  double phase_access = 0;
  for (int t = 0; t < static_cast<int>(trace.size()); ++t) {
    const double a = costs.access(trace[t], where);
    run.total += a;
    run.epochs.back().access += a;
    phase_access += a;
    const int epoch_before = policy.epoch();
    const NodeId next = policy.decide(trace[t]).server();
    if (next != where || policy.epoch() != epoch_before) {
      run.max_phase_access = std::max(run.max_phase_access, phase_access);
      phase_access = 0;
    }
    if (next != where && t + 1 < static_cast<int>(trace.size())) {
      run.total += costs.migration(where, next);
      ++run.epochs.back().migrations;
    }
    where = next;
    run.epochs.back().last_round = t;
    if (policy.epoch() != epoch_before) {
      run.epochs.back().complete = true;
      run.epochs.push_back({});
      run.epochs.back().first_round = t + 1;
    }
  }
  run.max_phase_access = std::max(run.max_phase_access, phase_access);
  if (run.epochs.back().first_round >= static_cast<int>(trace.size())) run.epochs.pop_back();
  return run;
}

double max_round_cost(const CostModel& costs, const Trace& trace) {
  double r = 0;
  for (const Round& round : trace) {
    for (NodeId v = 0; v < costs.num_nodes(); ++v) r = std::max(r, costs.access(round, v));
  }
  return r;
}

// The adversarial sequences, on the given model.
struct Adversary {
  std::string name;
  Trace trace;
};

std::vector<Adversary> adversaries(const CostModel& costs, std::uint64_t seed) {
  const int n = costs.num_nodes();
  std::vector<Adversary> out;
  // Requests follow the node farthest from where CEN sits (adaptive against
  // the deterministic algorithm; fixed in advance for MIX).
  {
    CenPolicy cen{PolicyParams{}};
    EXPECT_TRUE(
        cen.reset(Instance{std::shared_ptr<const CostModel>(&costs, [](auto*) {}), 0, 0}).ok());
    Trace t;
    for (int r = 0; r < 400; ++r) {
      NodeId far = 0;
      for (NodeId v = 0; v < n; ++v) {
        if (costs.distance(cen.current(), v) > costs.distance(cen.current(), far)) far = v;
      }
      t.push_back(at(far, 2));
      (void)cen.decide(t.back());
    }
    out.push_back({"chase", t});
  }
  // One request a round at the active node farthest from CEN: CEN's counter
  // grows while the requested region stays active, stretching the epoch.
  {
    CenPolicy cen{PolicyParams{}};
    EXPECT_TRUE(
        cen.reset(Instance{std::shared_ptr<const CostModel>(&costs, [](auto*) {}), 0, 0}).ok());
    Trace t;
    for (int r = 0; r < 400; ++r) {
      NodeId far = cen.current();
      for (NodeId v : cen.active_nodes()) {
        if (far == cen.current() ||
            costs.distance(cen.current(), v) > costs.distance(cen.current(), far))
          far = v;
      }
      t.push_back(at(far));
      (void)cen.decide(t.back());
    }
    out.push_back({"active-chase", t});
  }
  // Slowly filling counters: one request a round at a far node, so the
  // counters cross the thresholds one after the other.
  {
    NodeId far = 0;
    for (NodeId v = 0; v < n; ++v) {
      if (costs.distance(0, v) > costs.distance(0, far)) far = v;
    }
    Trace t;
    for (int r = 0; r < 400; ++r) t.push_back(at(r % 50 == 49 ? 0 : far));
    out.push_back({"sweep", t});
  }
  // Requests jump between two far ends every s rounds (function tracking).
  NodeId end_a = 0, end_b = 0;
  for (NodeId v = 0; v < n; ++v) {
    if (costs.distance(0, v) > costs.distance(0, end_b)) end_b = v;
  }
  for (NodeId v = 0; v < n; ++v) {
    if (costs.distance(end_b, v) > costs.distance(end_b, end_a)) end_a = v;
  }
  for (int s : {1, 3, 8, 25}) {
    Trace t;
    for (int r = 0; r < 400; ++r) t.push_back(at((r / s) % 2 ? end_a : end_b, 3));
    out.push_back({"pingpong" + std::to_string(s), t});
  }
  // One request source drifting through the node ids, one step every s rounds.
  for (int s : {2, 6}) {
    Trace t;
    for (int r = 0; r < 400; ++r) {
      const int pos = (r / s) % (2 * n - 2);
      t.push_back(at(pos < n ? pos : 2 * n - 2 - pos, 2));
    }
    out.push_back({"drift" + std::to_string(s), t});
  }
  // Bursts of random size at random nodes.
  {
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<int> node(0, n - 1), len(1, 12), mult(1, 5);
    Trace t;
    while (t.size() < 400) {
      const NodeId a = node(rng);
      const int m = mult(rng);
      for (int i = len(rng); i > 0 && t.size() < 400; --i) t.push_back(at(a, m));
    }
    out.push_back({"bursts", t});
  }
  return out;
}

struct Setting {
  std::string name;
  std::shared_ptr<const CostModel> costs;
  PolicyParams params;
};

std::vector<Setting> settings() {
  std::vector<Setting> out;
  PolicyParams thesis;  // c = 1, φ = 1/2
  PolicyParams small;
  small.c = 0.5;
  small.phi = 0.25;
  out.push_back({"line16", testing::costs(line(16), 20), thesis});
  out.push_back({"line16-small-c", testing::costs(line(16), 20), small});
  ZonedGraphParams g;
  g.nodes = 32;
  g.zones = 4;
  g.seed = 3;
  auto s = zoned_erdos_renyi(g);
  EXPECT_TRUE(s.ok());
  CostParams p;
  p.beta = 600;  // a few rounds of inter-zone access
  auto c = CostModel::build(*s, p);
  EXPECT_TRUE(c.ok());
  out.push_back({"zoned32", *c, thesis});
  return out;
}

// OPT over one epoch, from the best possible start: the proofs' lower bound.
double opt_of_epoch(const CostModel& costs, const Trace& trace, const EpochLog& e) {
  const Trace part(trace.begin() + e.first_round, trace.begin() + e.last_round + 1);
  double best = std::numeric_limits<double>::infinity();
  for (NodeId s = 0; s < costs.num_nodes(); ++s) {
    best = std::min(best, solve_opt(costs, s, part)->cost);
  }
  return best;
}

TEST(Bounds, CenPhasesAndCostStayWithinTheorem726) {
  int most_phases = 0, all_complete = 0;
  for (const Setting& setting : settings()) {
    const CostModel& costs = *setting.costs;
    const double beta = costs.beta(), c = setting.params.c, phi = setting.params.phi;
    const int n = costs.num_nodes();
    const double lambda2 = c / (1 + c);
    const int max_phases =
        1 + static_cast<int>(std::ceil(std::log(n) / -std::log(1 - lambda2 / 2)));
    for (const Adversary& adv : adversaries(costs, 11)) {
      SCOPED_TRACE(setting.name + "/" + adv.name);
      const double r_max = max_round_cost(costs, adv.trace);
      CenPolicy cen(setting.params);
      ASSERT_TRUE(cen.reset(Instance{setting.costs, 0, 0}).ok());
      const Trajectory run = drive(cen, costs, adv.trace);
      EXPECT_LE(run.max_phase_access, c * beta + r_max + 1e-9);
      int complete = 0;
      for (const EpochLog& e : run.epochs) {
        EXPECT_LE(e.migrations + 1, max_phases);
        EXPECT_LE(e.access, (e.migrations + 1) * (c * beta + r_max) + 1e-9);
        if (e.complete) {
          ++complete;
          if (complete <= 5) {
            EXPECT_GE(opt_of_epoch(costs, adv.trace, e) + 1e-9, std::min(beta, phi * c * beta));
          }
        }
      }
      const double rho = (max_phases * (c * beta + r_max) + (max_phases - 1) * beta) /
                         std::min(beta, phi * c * beta);
      const double opt = solve_opt(costs, 0, adv.trace)->cost;
      EXPECT_LE(run.total, rho * (opt + std::min(beta, phi * c * beta)));
      for (const EpochLog& e : run.epochs) most_phases = std::max(most_phases, e.migrations + 1);
      all_complete += complete;
    }
  }
  // The sequences do exercise several phases and many epochs.
  EXPECT_GE(most_phases, 3);
  EXPECT_GE(all_complete, 100);
}

TEST(Bounds, MixExpectedMigrationsPerEpochStayWithinLemma721) {
  double all_epochs = 0;
  for (const Setting& setting : settings()) {
    const CostModel& costs = *setting.costs;
    const double beta = costs.beta(), c = setting.params.c, phi = setting.params.phi;
    const int n = costs.num_nodes();
    for (const Adversary& adv : adversaries(costs, 12)) {
      SCOPED_TRACE(setting.name + "/" + adv.name);
      const double r_max = max_round_cost(costs, adv.trace);
      const double opt = solve_opt(costs, 0, adv.trace)->cost;
      double migrations = 0, epochs = 0, total = 0;
      const int seeds = 60;
      for (int seed = 0; seed < seeds; ++seed) {
        PolicyParams p = setting.params;
        p.seed = static_cast<std::uint64_t>(seed);
        MixPolicy mix(p);
        ASSERT_TRUE(mix.reset(Instance{setting.costs, 0, 0}).ok());
        const Trajectory run = drive(mix, costs, adv.trace);
        EXPECT_LE(run.max_phase_access, c * beta + r_max + 1e-9);
        for (const EpochLog& e : run.epochs) {
          EXPECT_LE(e.access, (e.migrations + 1) * (c * beta + r_max) + 1e-9);
          if (e.complete) {
            migrations += e.migrations;
            epochs += 1;
          }
        }
        total += run.total;
      }
      if (epochs > 0) {
        // E[M_E] ≤ H_n; the sample mean gets generous statistical slack.
        EXPECT_LE(migrations / epochs, harmonic(n) + 1.0);
      }
      all_epochs += epochs;
      const double h = harmonic(n);
      const double rho = ((h + 1) * (c * beta + r_max) + h * beta) / std::min(beta, phi * c * beta);
      EXPECT_LE(total / seeds, rho * (opt + std::min(beta, phi * c * beta)));
    }
  }
}

TEST(Bounds, MixMigrationsPerEpochAreHarmonicWhenCountersFillInOrder) {
  // Lemma 7.2.1's recursion T_i = 1 + Σ_{j>i} T_j / (n − i): counters that
  // cross φ·c·β in a fixed order (here: requests at the far end of a path,
  // node v's counter grows with 11 − v) give at most H_n migrations in
  // expectation; MIX ends up at the far end, whose counter never grows.
  const int n = 12;
  auto costs = testing::costs(line(n), 1000);
  Trace trace;
  for (int r = 0; r < 400; ++r) trace.push_back(at(n - 1, 30));
  double sum = 0;
  const int seeds = 3000;
  for (int seed = 0; seed < seeds; ++seed) {
    PolicyParams p;
    p.seed = static_cast<std::uint64_t>(seed);
    MixPolicy mix(p);
    ASSERT_TRUE(mix.reset(instance(costs, 0)).ok());
    const Trajectory run = drive(mix, *costs, trace);
    ASSERT_FALSE(run.epochs.empty());
    sum += run.epochs.front().migrations;
  }
  EXPECT_LE(sum / seeds, harmonic(n) + 0.1);
}

}  // namespace
}  // namespace cloudnet::migration
