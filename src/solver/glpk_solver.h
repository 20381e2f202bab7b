// The GNU GLPK backend ("glpk"): glp_intopt (with the MIP presolver) for MIPs,
// glp_simplex for pure LPs. GLPK keeps per-thread state; solves in different
// threads may run concurrently.
#pragma once

#include <memory>

#include "solver/solver.h"

namespace cloudnet::solver {

std::unique_ptr<Solver> make_glpk_solver();

}  // namespace cloudnet::solver
