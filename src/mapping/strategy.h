// Mapping strategies by name, and the automatic choice of one (issue 4:
// "`cloudnet map` chooses a sensible default strategy by problem size and time
// budget, and says which it used in its report").
//
//   name        what runs                                        proves optimality
//   mip         the exact MIP (engine.h)                         yes, within the gap
//   mip+start   the MIP warm-started from the fast embedder:     yes, within the gap
//               never worse than `fast`, whatever the budget
//   deltagap    mip+start stopped by the DeltaGAP rule (6.2.4)   when it finishes
//   two-step    feasible placement, then flows (6.3.1)           no
//   cluster     MIP inside a cluster chosen by 6.4.2 (6.4)       no
//   fast        the fast embedder (fast.h)                       no
//   auto        one of the above, chosen by choose_strategy()
//
// The choice (measured in bench/mapping and bench/approx; docs/mapping-
// strategies.md has the figures):
//  - a budget below 1 s: fast (milliseconds; the MIP needs longer just to
//    build and start on anything but tiny problems);
//  - a model small enough that CBC usually proves optimality within the
//    budget (model_size() <= kExactLimit x budget in seconds): mip+start;
//  - larger models up to kDeltaGapLimit x budget: deltagap (a solution early,
//    stopped when the gap stalls);
//  - larger still: cluster when the substrate has more than twice the
//    cluster size y of nodes (the MIP only sees one cluster), else fast.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "mapping/clustering.h"
#include "mapping/engine.h"
#include "mapping/fast.h"
#include "mapping/problem.h"
#include "mapping/result.h"

namespace cloudnet::mapping {

struct StrategyRequest {
  std::string name = "auto";
  // time_limit_s is the budget of the whole call; solver, gap, threads,
  // formulation options and progress apply wherever a MIP runs.
  SolveSettings settings;
  ClusterOptions cluster;
};

// The problem's size in the terms the choice uses.
struct ProblemSize {
  long node_candidates = 0;  // sum over virtual nodes of their suitable hosts
  long flow_arcs = 0;        // sum over flows of the arcs they may use
  int substrate_nodes = 0;
  int virtual_nodes = 0;
  bool no_split = false;
  // Roughly the MIP's variable count: x per candidate, y per flow arc (and a
  // z too when paths may not split).
  long model_size() const;
};
ProblemSize measure(const Problem& problem);

struct StrategyChoice {
  std::string name;    // one of strategy_names(), never "auto"
  std::string reason;  // one sentence, for reports
};

// Model sizes per second of budget below which mip+start / deltagap are chosen.
inline constexpr long kExactLimit = 2000;
inline constexpr long kDeltaGapLimit = 40000;

StrategyChoice choose_strategy(const Problem& problem, const SolveSettings& settings,
                               const ClusterOptions& cluster = {});

// The registered names, "auto" first.
const std::vector<std::string>& strategy_names();

// Runs the named strategy (or the automatic choice) and fills `choice` with
// what ran and why. An unknown name is a kInvalidArgument Error listing the
// known ones; everything else comes back in the MappingResult, whose
// `strategy` says what produced the mapping.
Result<MappingResult> map_with_strategy(const Problem& problem, const StrategyRequest& request,
                                        StrategyChoice* choice = nullptr);

}  // namespace cloudnet::mapping
