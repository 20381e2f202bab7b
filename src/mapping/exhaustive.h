// The exhaustive reference solver (the oracle for the MIP of thesis ch. 5):
// tries every placement of the virtual nodes and, for each, computes optimal
// flows and node allocations exactly. Only for SMALL instances; simple rather
// than fast.
//
// Per placement (every assignment of virtual nodes to suitable substrate
// nodes that satisfies no_colocate and the node groups):
//  - splittable flows (no no_split, no latency bound) and node allocations
//    are the variables of one LP (arc flows, the max over a link's symmetric
//    flows, max_load), solved with the solver library;
//  - flows of links that must take one path (no_split, or a latency bound
//    with path_parts 1) are enumerated: every combination of simple paths
//    within the latency bounds (with capacity and, when nothing else needs an
//    LP, objective-bound pruning); allocations come in closed form when every
//    demand has one hosting resource on its host, else from an LP with the
//    chosen paths fixed.
// Not supported (kError with the reason): kEnergy without no_split; latency
// bounds with path_parts > 1 without no_split; kDistinct link groups or link
// migration penalties (Existing::link_elements) on splittable links, whose
// optimum is combinatorial (or not attained, for "the touched set changes").
#pragma once

#include <cstdint>
#include <limits>
#include <string>

#include "mapping/problem.h"
#include "mapping/result.h"

namespace cloudnet::mapping {

struct ExhaustiveOptions {
  std::string lp_backend = "glpk";
  // Limits; exceeding one gives kNoSolution with a message.
  std::int64_t max_placements = 1'000'000;   // placements examined
  std::int64_t max_paths_per_flow = 5'000;   // simple paths between two hosts
  std::int64_t max_path_nodes = 20'000'000;  // search nodes over path choices, in total
  std::int64_t max_lps = 200'000;
  double time_limit_s = std::numeric_limits<double>::infinity();
};

// kOptimal with the best solution and its objective (as evaluate() defines
// it), kInfeasible with an explanation, kNoSolution when a limit was hit,
// kError for unsupported or malformed problems.
MappingResult solve_exhaustive(const Problem& problem, const ExhaustiveOptions& options = {});

}  // namespace cloudnet::mapping
