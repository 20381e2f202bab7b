// The two-step approximation of thesis 6.3.1 ("feasible solutions with
// optimized link placements"): first any feasible placement, then the best
// flows and allocations for that placement.
//
//  1. The embedding MIP (formulation.h) with its objective removed, stopped
//     at the first integer solution: without an objective the solver has no
//     reason for the slow best-first search for a good first solution and
//     dives for any feasible one (thesis 6.3.1). The stop is the progress
//     callback setting SolveOptions::interrupt on the first incumbent, plus
//     CBC's own solution limit ("cbc:maxSolutions" 1); a zero objective also
//     closes the gap at the first solution, so GLPK stops there as well.
//  2. The node placements of step 1 are fixed (freedom = 0): a copy of the
//     Problem whose node_suitable allows only the chosen host per virtual
//     node. Its MIP, with the real objective, then optimises the flows (the
//     multicommodity flow problem; an LP when flows may split, a small MIP
//     with no_split or latency bounds) and the node resource allocations.
//
// Step 1 is the complete feasibility problem, so its "infeasible" is a proof
// (Status::kInfeasible with explain_infeasible()'s reasons). A mapping comes
// back as Status::kFeasible: the placement is arbitrary, so the result may be
// far from the optimum (the thesis's "arbitrary quality loss"). Only when
// every virtual node has exactly one suitable host, so step 2 is the whole
// problem, is step 2's kOptimal passed on. If step 2 fails (time limit,
// solver trouble) step 1's mapping is returned. bound is NaN and gap +inf
// unless kOptimal: a bound for a fixed placement bounds nothing else.
// objective is evaluate() of the returned mapping (objective.h).
//
// SolveSettings: time_limit_s covers both steps (step 2 gets what step 1
// left); `formulation` and `backend_params` apply to both; relative_gap,
// delta_gap and `progress` as solve_mip has them apply to step 2, which
// starts from step 1's mapping (`start` and warm_start_fast are not used);
// `progress` sees step 1 without incumbent or bound (the feasibility model's
// values mean nothing to a caller); `interrupt` is honoured by step 2 and at
// step 1's progress reports. With FormulationOptions::candidate_limit, step
// 1 proves nothing: kNoSolution instead of kInfeasible.
#pragma once

#include "mapping/engine.h"
#include "mapping/problem.h"
#include "mapping/result.h"

namespace cloudnet::mapping {

// Strategy "two-step/<solver>"; seconds is the time of both steps.
MappingResult solve_two_step(const Problem& problem, const SolveSettings& settings);

// The Problem of step 2: `problem` with every virtual node u allowed only on
// node_host[u] (entries < 0 leave u's row unchanged). Indices stay those of
// `problem`, so a Solution of the copy is one of the original.
Problem fix_placement(const Problem& problem, const std::vector<int>& node_host);

}  // namespace cloudnet::mapping
