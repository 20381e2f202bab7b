// Mapping strategies (strategy.h): every named strategy against the
// independent checker and the exhaustive optimum on random instances; the
// automatic choice by size and budget.
#include "mapping/strategy.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

#include "mapping/checker.h"
#include "mapping/exhaustive.h"
#include "mapping/objective.h"
#include "mapping/random_instance.h"

namespace cloudnet::mapping {
namespace {

// prefix + i, appended (GCC 12's false -Wrestrict on "literal" + to_string).
std::string id(const char* prefix, int i, int j = -1) {
  std::string s = prefix;
  s += std::to_string(i);
  if (j >= 0) {
    s += '_';
    s += std::to_string(j);
  }
  return s;
}

StrategyRequest named(const std::string& name, double budget = 20) {
  StrategyRequest r;
  r.name = name;
  r.settings.time_limit_s = budget;
  r.cluster.max_size = 2;  // small instances still have proper clusters
  return r;
}

TEST(Strategy, NamesAreRegisteredOnceWithAutoFirst) {
  const auto& names = strategy_names();
  ASSERT_FALSE(names.empty());
  EXPECT_EQ(names.front(), "auto");
  for (const char* n : {"mip", "mip+start", "deltagap", "two-step", "cluster", "fast"})
    EXPECT_EQ(std::count(names.begin(), names.end(), n), 1) << n;
}

TEST(Strategy, UnknownNameIsAnErrorListingTheKnownOnes) {
  const Problem p = random_problem(1);
  auto r = map_with_strategy(p, named("simulated-annealing"));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("simulated-annealing"), std::string::npos);
  EXPECT_NE(r.error().message.find("deltagap"), std::string::npos);
}

// Sanitized builds (CI) run about 9x slower per solve: they compare half of
// the random instances, the plain build (scripts/test.sh) all of them.
#if defined(__SANITIZE_ADDRESS__)
constexpr int kShare = 2;
#else
constexpr int kShare = 1;
#endif

// Every strategy: mappings pass the checker, are never better than the
// exhaustive optimum, and none is reported for a proven-infeasible instance;
// the exact ones reach the optimum.
TEST(Strategy, EveryStrategyAgainstExhaustiveSearch) {
  int feasible = 0;
  for (std::uint64_t seed = 9000; seed < 9000 + 60 / kShare; ++seed) {
    RandomSpec spec;
    spec.p_existing = 0;  // migration cost has its own tests (mip_test)
    const Problem p = random_problem(seed, spec);
    ExhaustiveOptions eo;
    eo.time_limit_s = 20;
    const MappingResult ex = solve_exhaustive(p, eo);
    if (ex.status != Status::kOptimal && ex.status != Status::kInfeasible) continue;
    const bool infeasible = ex.status == Status::kInfeasible;
    feasible += infeasible ? 0 : 1;
    for (const std::string& name : strategy_names()) {
      SCOPED_TRACE(id("seed ", static_cast<int>(seed)) + ", strategy " + name);
      StrategyChoice choice;
      auto r = map_with_strategy(p, named(name), &choice);
      ASSERT_TRUE(r) << r.error().message;
      EXPECT_NE(choice.name, "auto");
      if (infeasible) {
        EXPECT_FALSE(r->has_solution());
        continue;
      }
      if (!r->has_solution()) {
        // Only the heuristics may miss a feasible instance.
        EXPECT_TRUE(choice.name == "fast" || choice.name == "cluster" || choice.name == "two-step")
            << to_string(r->status);
        continue;
      }
      const CheckReport rep = check(p, r->solution);
      ASSERT_TRUE(rep.ok()) << rep.format();
      const double value = evaluate(p, r->solution);
      EXPECT_GE(value, ex.objective - 1e-6 * std::max(1.0, std::abs(ex.objective)));
      if (choice.name == "mip" || choice.name == "mip+start") {
        EXPECT_EQ(r->status, Status::kOptimal);
        EXPECT_NEAR(value, ex.objective, 1e-5 * std::max(1.0, std::abs(ex.objective)));
      }
    }
  }
  EXPECT_GT(feasible, 20 / kShare);  // the sample must exercise the mappings
}

TEST(Strategy, AutoChoosesByBudgetAndSize) {
  const Problem small = random_problem(3);
  EXPECT_EQ(choose_strategy(small,
                            [] {
                              SolveSettings s;
                              s.time_limit_s = 0.2;
                              return s;
                            }())
                .name,
            "fast");
  SolveSettings minute;
  minute.time_limit_s = 60;
  const StrategyChoice c = choose_strategy(small, minute);
  EXPECT_EQ(c.name, "mip+start");
  EXPECT_NE(c.reason.find("model size"), std::string::npos);

  // A large substrate (a 60-node ring with chords) and a 6-node request with a
  // 2 s budget: too large for the exact MIP.
  Problem big;
  std::vector<int> nodes;
  for (int i = 0; i < 60; ++i) {
    nodes.push_back(add_substrate_node(big, id("s", i)));
    add_substrate_resource(big, id("c", i), "/node/cpu", 10, {nodes.back()});
  }
  for (int i = 0; i < 60; ++i)
    for (int d : {1, 7}) {
      const int l = add_substrate_link(
          big, id("l", i, d),
          {nodes[static_cast<std::size_t>(i)], nodes[static_cast<std::size_t>((i + d) % 60)]});
      add_bandwidth(big, id("b", i, d), l, 10);
    }
  std::vector<int> v;
  for (int i = 0; i < 6; ++i)
    v.push_back(add_virtual_node(big, id("v", i), {make_demand("c", "/node/cpu", 1)}));
  for (int i = 0; i < 6; ++i)
    add_virtual_link(big, id("e", i),
                     {v[static_cast<std::size_t>(i)], v[static_cast<std::size_t>((i + 1) % 6)]},
                     make_demand("b", "/link/symmetric/bandwidth", 1));
  big.options.no_split = true;
  finalize(big);
  const ProblemSize size = measure(big);
  EXPECT_EQ(size.substrate_nodes, 60);
  EXPECT_EQ(size.node_candidates, 360);
  SolveSettings two;
  two.time_limit_s = 2;
  EXPECT_GT(size.model_size(), kExactLimit * 2);
  const StrategyChoice big_choice = choose_strategy(big, two);
  EXPECT_NE(big_choice.name, "mip+start") << big_choice.reason;
  EXPECT_NE(big_choice.name, "mip");
  // Whatever it chose, it maps within the budget's order and passes the checker.
  StrategyChoice ran;
  auto r = map_with_strategy(big, named("auto", 2), &ran);
  ASSERT_TRUE(r);
  EXPECT_EQ(ran.name, big_choice.name);
  ASSERT_TRUE(r->has_solution()) << to_string(r->status);
  EXPECT_TRUE(check(big, r->solution).ok());
}

}  // namespace
}  // namespace cloudnet::mapping
