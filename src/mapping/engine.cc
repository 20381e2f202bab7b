#include "mapping/engine.h"

#include <chrono>

#include "mapping/formulation.h"

namespace cloudnet::mapping {

MappingResult solve_mip(const Problem& problem, const SolveSettings& settings) {
  const auto start = std::chrono::steady_clock::now();
  MappingResult out;
  out.strategy = "mip/" + settings.solver;
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  // A virtual node without any candidate cannot be placed: say so without
  // building a model.
  for (const auto& row : problem.node_suitable) {
    bool any = false;
    for (char c : row) any = any || c;
    if (!any) {
      out.status = Status::kInfeasible;
      out.explanation = explain_infeasible(problem);
      out.seconds = elapsed();
      return out;
    }
  }
  Formulation f(problem);
  auto backend = solver::default_registry().create(settings.solver);
  if (!backend) {
    out.status = Status::kError;
    out.explanation = {backend.error().message};
    return out;
  }
  solver::SolveOptions opts;
  opts.time_limit_s = settings.time_limit_s;
  opts.relative_gap = settings.relative_gap;
  opts.threads = settings.threads;
  opts.log_level = settings.log_level;
  opts.progress = settings.progress;
  auto sol = (*backend)->solve(f.model(), opts);
  out.seconds = elapsed();
  if (!sol) {
    out.status = Status::kError;
    out.explanation = {sol.error().message};
    return out;
  }
  out.objective = sol->objective;
  out.bound = sol->bound;
  out.gap = sol->gap;
  switch (sol->status) {
    case solver::SolveStatus::kOptimal: out.status = Status::kOptimal; break;
    case solver::SolveStatus::kFeasible: out.status = Status::kFeasible; break;
    case solver::SolveStatus::kInfeasible:
      out.status = Status::kInfeasible;
      out.explanation = explain_infeasible(problem);
      break;
    case solver::SolveStatus::kTimeLimitNoSolution:
      out.status = Status::kNoSolution;
      out.explanation = {"the solver found no mapping within " +
                         std::to_string(settings.time_limit_s) + " s: " + sol->message};
      break;
    case solver::SolveStatus::kUnbounded:
    case solver::SolveStatus::kError:
      out.status = Status::kError;
      out.explanation = {"solver " + settings.solver + ": " + sol->message};
      break;
  }
  if (out.has_solution()) out.solution = f.decode(sol->values);
  return out;
}

}  // namespace cloudnet::mapping
