// The COIN-OR CBC backend ("cbc"). MIPs go through CbcModel driven by CBC's
// standard solver driver (CbcMain0/CbcMain1, i.e. the same presolve, cuts and
// heuristics as the `cbc` program, minus the components listed in README.md
// that gave wrong answers); pure LPs go to CLP directly. CBC's driver keeps
// global state, so CBC solves are serialised process-wide. Debian's CBC 2.10.8
// is built with threads, so SolveOptions::threads > 1 is passed on as
// "-threads N"; the time limit is wall-clock ("-timeMode elapsed").
#pragma once

#include <memory>

#include "solver/solver.h"

namespace cloudnet::solver {

std::unique_ptr<Solver> make_cbc_solver();

}  // namespace cloudnet::solver
