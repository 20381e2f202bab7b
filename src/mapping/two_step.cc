#include "mapping/two_step.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "mapping/formulation.h"
#include "mapping/objective.h"

namespace cloudnet::mapping {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// Every virtual node has exactly one candidate: fixing the placement changes
// nothing, so step 2 is the original problem.
bool placement_is_forced(const Problem& p) {
  for (const auto& row : p.node_suitable)
    if (std::count_if(row.begin(), row.end(), [](char c) { return c != 0; }) != 1) return false;
  return true;
}

}  // namespace

Problem fix_placement(const Problem& problem, const std::vector<int>& node_host) {
  Problem fixed = problem;
  for (std::size_t u = 0; u < fixed.node_suitable.size() && u < node_host.size(); ++u) {
    const int host = node_host[u];
    if (host < 0 || static_cast<std::size_t>(host) >= fixed.node_suitable[u].size()) continue;
    // thesis 6.3.1 step 2: freedom = 0 for the node placement.
    auto& row = fixed.node_suitable[u];
    const char keep = row[static_cast<std::size_t>(host)];
    std::fill(row.begin(), row.end(), char{0});
    row[static_cast<std::size_t>(host)] = keep;
  }
  return fixed;
}

MappingResult solve_two_step(const Problem& problem, const SolveSettings& settings) {
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  MappingResult out;
  out.strategy = "two-step/" + settings.solver;
  out.bound = kNaN;
  out.gap = kInf;
  // As solve_mip: a virtual node without candidates needs no solver.
  if (auto none = infeasible_without_candidates(problem)) {
    none->strategy = out.strategy;
    none->bound = out.bound;
    none->gap = out.gap;
    none->seconds = elapsed();
    return *none;
  }
  auto backend = solver::default_registry().create(settings.solver);
  if (!backend) {
    out.status = Status::kError;
    out.explanation = {backend.error().message};
    out.seconds = elapsed();
    return out;
  }

  // Step 1 (thesis 6.3.1): the MIP without objective, stopped at the first
  // integer solution.
  Formulation step1(problem, settings.formulation);
  step1.model().clear_objective();
  std::atomic<bool> stop{false};
  solver::SolveOptions opts;
  opts.time_limit_s = settings.time_limit_s;
  opts.relative_gap = settings.relative_gap;
  opts.threads = settings.threads;
  opts.log_level = settings.log_level;
  opts.interrupt = &stop;
  opts.backend_params = settings.backend_params;
  opts.backend_params["cbc:maxSolutions"] = "1";
  auto caller_stopped = [&settings] {
    return settings.interrupt != nullptr && settings.interrupt->load(std::memory_order_relaxed);
  };
  opts.progress = [&stop, &settings, &caller_stopped](const solver::Progress& p) {
    if (p.incumbent || caller_stopped()) stop.store(true, std::memory_order_relaxed);
    if (settings.progress) {
      solver::Progress q = p;
      q.incumbent.reset();
      q.bound.reset();
      q.gap = kInf;
      settings.progress(q);
    }
  };
  auto first = (*backend)->solve(step1.model(), opts);
  if (first && first->status == solver::SolveStatus::kTimeLimitNoSolution &&
      stop.load(std::memory_order_relaxed) && !caller_stopped()) {
    // Interrupted after an incumbent whose point the backend layer rejected
    // and re-solves (solver.h): the re-solve saw the interrupt at once. Run
    // it again uninterrupted; with no objective the first solution closes
    // the gap, so it still stops there.
    opts.interrupt = nullptr;
    opts.time_limit_s = std::max(0.0, settings.time_limit_s - elapsed());
    first = (*backend)->solve(step1.model(), opts);
  }
  if (!first) {
    out.status = Status::kError;
    out.explanation = {first.error().message};
    out.seconds = elapsed();
    return out;
  }
  switch (first->status) {
    case solver::SolveStatus::kOptimal:
    case solver::SolveStatus::kFeasible: break;
    case solver::SolveStatus::kInfeasible:
      // Step 1 holds every constraint of the problem: a proof, unless the
      // formulation kept only some candidate hosts.
      if (step1.restricted()) {
        out.status = Status::kNoSolution;
        out.explanation = {"no feasible placement among the " +
                           std::to_string(settings.formulation.candidate_limit) +
                           " best candidate hosts per virtual node (two-step, step 1)"};
      } else {
        out.status = Status::kInfeasible;
        out.explanation = explain_infeasible(problem);
      }
      out.seconds = elapsed();
      return out;
    case solver::SolveStatus::kTimeLimitNoSolution:
      out.status = Status::kNoSolution;
      out.explanation = {"the solver found no feasible placement (two-step, step 1) within " +
                         std::to_string(settings.time_limit_s) + " s: " + first->message};
      out.seconds = elapsed();
      return out;
    case solver::SolveStatus::kUnbounded:
    case solver::SolveStatus::kError:
      out.status = Status::kError;
      out.explanation = {"solver " + settings.solver + " (two-step, step 1): " + first->message};
      out.seconds = elapsed();
      return out;
  }
  Solution placed = step1.decode(first->values);
  if (std::find(placed.node_host.begin(), placed.node_host.end(), -1) != placed.node_host.end()) {
    out.status = Status::kError;
    out.explanation = {"two-step: step 1's solution leaves a virtual node unplaced"};
    out.seconds = elapsed();
    return out;
  }
  const double placed_objective = evaluate(problem, placed);

  // Step 2 (thesis 6.3.1): placements fixed, the flow problem and the node
  // allocations with the real objective.
  MappingResult second;
  const double remaining = settings.time_limit_s - elapsed();
  if (remaining > 0) {
    SolveSettings s2 = settings;
    s2.time_limit_s = remaining;
    // No start: the caller's is for the whole problem, and step 1's mapping
    // is kept below if step 2 does worse. (Step 1's mapping as a MIP start
    // would be natural, but solve_mip with a start crashed CBC inside
    // ClpPresolve on such fixed-placement problems.)
    s2.start.reset();
    s2.warm_start_fast = false;
    second = solve_mip(fix_placement(problem, placed.node_host), s2);
  } else {
    second.status = Status::kNoSolution;
  }
  // Step 2 should never lose step 1's mapping (it is feasible there); if it
  // does (limits, solver trouble), or stops worse than it, keep step 1's.
  // Compared by evaluate(), the one definition of the objective
  // (objective.h), not by the solver's figure for its model.
  const double second_objective = second.has_solution() ? evaluate(problem, second.solution) : kInf;
  const bool use_second =
      second_objective <= placed_objective + 1e-9 * std::max(1.0, std::fabs(placed_objective));
  if (use_second) {
    out.solution = std::move(second.solution);
    out.objective = second_objective;
    if (second.status == Status::kOptimal && placement_is_forced(problem)) {
      out.status = Status::kOptimal;
      out.bound = second.bound;
      out.gap = second.gap;
    } else {
      out.status = Status::kFeasible;
    }
  } else {
    out.solution = std::move(placed);
    out.objective = placed_objective;
    out.status = Status::kFeasible;
  }
  out.seconds = elapsed();
  return out;
}

}  // namespace cloudnet::mapping
