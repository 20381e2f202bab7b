// Solving a Problem with the MIP (formulation.h) on a registered solver
// backend.
#pragma once

#include <functional>
#include <string>

#include "mapping/problem.h"
#include "mapping/result.h"
#include "solver/solver.h"

namespace cloudnet::mapping {

struct SolveSettings {
  std::string solver = "cbc";  // a name in solver::default_registry()
  double time_limit_s = 60;
  double relative_gap = 1e-4;
  int threads = 1;
  int log_level = 0;
  std::function<void(const solver::Progress&)> progress;
};

// Proven infeasibility (or an obviously impossible request, found before
// any solver runs) comes back as Status::kInfeasible with an explanation; a
// solver that stops without a solution as kNoSolution.
MappingResult solve_mip(const Problem& problem, const SolveSettings& settings);

}  // namespace cloudnet::mapping
