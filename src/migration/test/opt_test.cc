// OPT (thesis 7.3) against brute force over all migration sequences.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <random>

#include "migration/configuration.h"
#include "migration/opt.h"
#include "migration/registry.h"
#include "migration/simulator.h"
#include "migration/test/helpers.h"

namespace cloudnet::migration {
namespace {

using testing::at;
using testing::costs;
using testing::instance;
using testing::line;

// A random connected tiny instance exercising every cost ingredient.
struct Tiny {
  std::shared_ptr<const CostModel> costs;
  Trace trace;
  NodeId start = 0;
};

Tiny random_tiny(std::uint64_t seed, int n, int rounds) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> lat(1, 9), node(0, n - 1), count(0, 3), coin(0, 1);
  std::uniform_real_distribution<double> bw(0.5, 8.0);
  Substrate s;
  for (int i = 0; i < n; ++i) add_node(s, std::to_string(i));
  for (int i = 1; i < n; ++i) s.links.push_back({node(rng) % i, i, double(lat(rng)), bw(rng)});
  for (int extra = 0; extra < 2; ++extra) {
    const int a = node(rng), b = node(rng);
    if (a != b) s.links.push_back({a, b, double(lat(rng)), bw(rng)});
  }
  for (int i = 0; i < n; ++i) s.strength[i] = 1 + coin(rng);
  if (coin(rng)) {
    for (int i = 0; i < n; ++i) s.pip[i] = i % 2;
  }
  CostParams p;
  p.server_size_mb = 2;
  p.mode = coin(rng) ? MigrationCostMode::kBottleneck : MigrationCostMode::kConstant;
  p.pi_factor = coin(rng) ? 1.5 : 0;
  p.load_weight = coin(rng) ? 0.5 : 0;
  p.active_cost = coin(rng) ? 2 : 0;
  auto c = CostModel::build(std::move(s), p);
  EXPECT_TRUE(c.ok()) << c.error().message;
  Tiny t;
  t.costs = *c;
  t.start = node(rng);
  for (int r = 0; r < rounds; ++r) {
    Round round;
    for (int k = count(rng); k > 0; --k) round.push_back(node(rng));
    t.trace.push_back(round);
  }
  return t;
}

double sequence_cost(const CostModel& c, NodeId start, const Trace& trace,
                     const std::vector<NodeId>& x) {
  double cost = 0;
  NodeId prev = start;
  for (std::size_t t = 0; t < trace.size(); ++t) {
    cost += c.migration(prev, x[t]) + c.access(trace[t], x[t]) + c.params().active_cost;
    prev = x[t];
  }
  return cost;
}

double brute_force(const CostModel& c, NodeId start, const Trace& trace) {
  const int n = c.num_nodes();
  std::vector<NodeId> x(trace.size(), 0);
  double best = std::numeric_limits<double>::infinity();
  while (true) {
    best = std::min(best, sequence_cost(c, start, trace, x));
    std::size_t i = 0;
    while (i < x.size() && ++x[i] == n) x[i++] = 0;
    if (i == x.size()) break;
  }
  return best;
}

TEST(Opt, MatchesBruteForceOverAllMigrationSequences) {
  for (std::uint64_t seed = 0; seed < 40; ++seed) {
    const Tiny t = random_tiny(seed, 4, 6);  // 4^6 sequences
    auto opt = solve_opt(*t.costs, t.start, t.trace);
    ASSERT_TRUE(opt.ok());
    EXPECT_NEAR(opt->cost, brute_force(*t.costs, t.start, t.trace), 1e-9) << seed;
    // The recovered sequence achieves the optimal cost.
    ASSERT_EQ(opt->trajectory.size(), t.trace.size());
    EXPECT_NEAR(sequence_cost(*t.costs, t.start, t.trace, opt->trajectory), opt->cost, 1e-9)
        << seed;
  }
}

TEST(Opt, NaiveBaselineAgrees) {
  for (std::uint64_t seed = 100; seed < 120; ++seed) {
    const Tiny t = random_tiny(seed, 6, 8);
    auto fast = solve_opt(*t.costs, t.start, t.trace);
    auto naive = solve_opt_naive(*t.costs, t.start, t.trace);
    ASSERT_TRUE(fast.ok() && naive.ok());
    EXPECT_NEAR(fast->cost, naive->cost, 1e-9) << seed;
  }
}

TEST(Opt, MigratesOnlyWhenItPaysOff) {
  auto c = costs(line(2), 10);
  // Five requests at the other node cost 5 < β: stay.
  auto stay = solve_opt(*c, 0, Trace(5, at(1)));
  ASSERT_TRUE(stay.ok());
  EXPECT_DOUBLE_EQ(stay->cost, 5);
  EXPECT_EQ(stay->trajectory, std::vector<NodeId>(5, 0));
  // Twenty cost 20 > β: migrate before the first round.
  auto go = solve_opt(*c, 0, Trace(20, at(1)));
  ASSERT_TRUE(go.ok());
  EXPECT_DOUBLE_EQ(go->cost, 10);
  EXPECT_EQ(go->trajectory, std::vector<NodeId>(20, 1));
}

TEST(Opt, EmptyRoundsDeferMigrations) {
  auto c = costs(line(3), 1);
  Trace trace = {at(0), {}, {}, at(2, 5)};
  auto opt = solve_opt(*c, 0, trace);
  ASSERT_TRUE(opt.ok());
  EXPECT_DOUBLE_EQ(opt->cost, 1);
  // The server stays through the empty rounds and moves right before round 3.
  EXPECT_EQ(opt->trajectory, (std::vector<NodeId>{0, 0, 0, 2}));
}

TEST(Opt, PolicyReplaysThePlanInTheSimulator) {
  for (std::uint64_t seed = 200; seed < 210; ++seed) {
    const Tiny t = random_tiny(seed, 5, 10);
    auto policy = make_policy("opt", {});
    ASSERT_TRUE(policy.ok());
    auto run = simulate(**policy, instance(t.costs, t.start), t.trace);
    ASSERT_TRUE(run.ok()) << run.error().message;
    auto opt = solve_opt(*t.costs, t.start, t.trace);
    EXPECT_NEAR(run->total(), opt->cost, 1e-9) << seed;
    // No online policy beats it.
    for (const char* name : {"mix", "cen", "stat"}) {
      auto p = make_policy(name, {});
      auto r = simulate(**p, instance(t.costs, t.start), t.trace);
      ASSERT_TRUE(r.ok());
      EXPECT_GE(r->total() + 1e-9, opt->cost) << name << " " << seed;
    }
  }
}

TEST(Opt, RejectsBadInput) {
  auto c = costs(line(3), 1);
  EXPECT_FALSE(solve_opt(*c, 5, {}).ok());
  EXPECT_FALSE(solve_opt(*c, 0, {Round{7}}).ok());
  auto empty = solve_opt(*c, 1, {});
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->cost, 0);
}

TEST(OptConfigurations, MatchesBruteForceOverConfigurationSequences) {
  for (std::uint64_t seed = 0; seed < 6; ++seed) {
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<int> node(0, 2), count(0, 3);
    Substrate s = line(3, 2.0);
    s.links.push_back({0, 2, 3.0, 1.0});
    CostParams p;
    p.beta = 5;
    p.active_cost = 1 + static_cast<double>(seed % 3);
    p.inactive_cost = 0.5;
    p.creation_cost = 2 + static_cast<double>(seed % 2);
    p.load_weight = seed % 2 ? 0.5 : 0;
    auto c = CostModel::build(s, p);
    ASSERT_TRUE(c.ok());
    Trace trace;
    for (int r = 0; r < 4; ++r) {
      Round round;
      for (int k = count(rng); k > 0; --k) round.push_back(node(rng));
      trace.push_back(round);
    }
    const Placement start = Placement::single(1);
    auto configs = enumerate_configurations(3, 2, 100);
    ASSERT_TRUE(configs.ok());
    const auto& all = *configs;
    // Brute force over 12^4 sequences.
    double best = std::numeric_limits<double>::infinity();
    std::function<void(std::size_t, const Placement&, double)> walk =
        [&](std::size_t t, const Placement& prev, double cost) {
          if (t == trace.size()) {
            best = std::min(best, cost);
            return;
          }
          for (const Placement& next : all) {
            walk(t + 1, next,
                 cost + (**c).transition(prev, next) + (**c).access(trace[t], next) +
                     (**c).running(next));
          }
        };
    walk(0, start, 0);
    auto opt = solve_opt_configurations(**c, start, trace, 2);
    ASSERT_TRUE(opt.ok()) << opt.error().message;
    EXPECT_NEAR(opt->cost, best, 1e-9) << seed;
    // Never worse than the single-server optimum.
    auto single = solve_opt(**c, 1, trace);
    EXPECT_LE(opt->cost, single->cost + 1e-9);
  }
}

}  // namespace
}  // namespace cloudnet::migration
