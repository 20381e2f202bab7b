// The fast first-stage embedder (issue 4; CloudNet paper 3.2 mentions one
// being worked on): a greedy, proximity-driven node placement with
// shortest-path link mapping, restarted from several root hosts, keeping the
// cheapest complete embedding. Milliseconds instead of a MIP's minutes, no
// optimality claim (Status::kFeasible at best).
//
// Method (our choice; the classic two-stage heuristics NRM / GRC of Yu et al.
// 2008 and Gong et al. 2014 map all nodes first and then the links, which
// lengthens paths; coordinated node-and-link mapping, Chowdhury et al. 2009,
// keeps them short, and revenue-to-cost rewards exactly that):
//  1. Virtual nodes are ordered by a BFS over the request from the node of
//     largest demand (node demands + adjacent bandwidth), each next node the
//     unplaced one with most bandwidth to the placed ones, so every node but
//     the first has placed neighbours when it is placed.
//  2. The first node is tried on the `roots` best substrate nodes by a
//     resource potential (free node capacity x (1 + free adjacent
//     bandwidth), the NRM rank of Zhang et al. 2013 on residual values).
//  3. Every further node u goes to the candidate host v minimising
//     sum over placed neighbours w of bw(u, w) x hops(host(w), v), hops from
//     a BFS on the residual graph restricted to elements that can carry that
//     link's bandwidth; ties go to the higher potential. Its links to placed
//     neighbours are routed at once by Dijkstra on the residual graph
//     (weight per bandwidth-carrying element 1 + beta x demand / free, i.e.
//     hop count with a congestion penalty that keeps bottlenecks free); if a
//     route or the node's resources fail, the next candidate is tried (up to
//     `node_candidates`).
//  4. A latency-bounded link whose cheapest route is too slow is re-routed
//     by minimal latency.
// Among the complete embeddings (one per root) the one with the least
// substrate consumption (node allocations + bandwidth x elements crossed) is
// returned. If none completes, a budgeted depth-first backtracking over the
// same candidate orders looks for any complete embedding.
//
// Constraints: node_suitable, demand_hosts with prop factors, value types and
// min_alloc, capacities net of `used` (shared resources counted once per
// resource), link_allowed on every element a flow touches, one simple path
// per flow (so no_split always holds), no_colocate, kDistinct node and link
// groups, kColocate and kEquals groups, latency bounds. Flow consumption is charged
// by the rules of problem.h (as usage.cc computes them: directional
// resources by direction, symmetric flows of one link sharing the maximum,
// interface resources per arc); the one conservative case is a resource
// listed by several elements of one path, which may be charged more than
// once, so a request may be rejected that the exact rules would admit. Lower latency bounds are not
// steered for (a path that is too fast fails that placement). With `verify`
// the result is checked by mapping::check() and a violating embedding is
// dropped (never seen in the tests).
// Existing mappings (migration cost) only enter the objective value.
#pragma once

#include "mapping/problem.h"
#include "mapping/result.h"

namespace cloudnet::mapping {

struct FastOptions {
  enum class Strategy {
    kCoordinated,  // the method above
    // Baseline: two-stage node rank (NRM-like): virtual nodes in descending
    // demand on the highest-potential feasible substrate node, then every
    // flow on a hop-shortest residual path; one attempt, no backtracking.
    kNodeRank,
  } strategy = Strategy::kCoordinated;
  int roots = 16;            // root hosts tried for the first virtual node
  int node_candidates = 12;  // hosts tried per further virtual node
  double beta = 0.5;         // congestion penalty of the routing weight
  // When every root fails: a depth-first backtracking over the same
  // candidate orders, at most this many placement attempts (0 = off). It
  // turns most greedy dead ends on small instances into mappings; on a
  // rejected online request it bounds the extra time.
  int backtrack_budget = 2000;
  bool verify = true;    // run check() on the result (drop it if it fails)
  bool evaluate = true;  // fill MappingResult::objective with evaluate()
};

// kFeasible with a Solution, or kNoSolution with an explanation (a greedy
// failure is no proof of infeasibility). Never kOptimal / kInfeasible, except
// kError for malformed problems (sizes that do not match).
MappingResult solve_fast(const Problem& problem, const FastOptions& options = {});

}  // namespace cloudnet::mapping
