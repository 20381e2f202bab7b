// What a mapping produces, independent of how it was found (MIP, exhaustive
// search, fast embedder, a solution file from another solver).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace cloudnet::mapping {

// The decision part of a mapping: new(u, v) for nodes, alloc_{r_S}(u, v, r_V)
// for node resources, flow(f, v, w) per arc.
struct Solution {
  std::vector<int> node_host;  // per virtual node: substrate element index
  struct Alloc {
    int resource = -1;  // substrate resource index
    double amount = 0;  // in the substrate resource's units
  };
  // Per virtual node, per demand (same order as VirtualNode::demands): the
  // substrate resources hosting it. Virtual amount = sum of factor * amount.
  std::vector<std::vector<std::vector<Alloc>>> node_alloc;
  // Per flow: (arc index, amount) for every arc with positive flow.
  std::vector<std::vector<std::pair<int, double>>> flow_arcs;
};

enum class Status {
  kOptimal,     // proven optimal
  kFeasible,    // a valid mapping, optimality not proven (gap, time limit, heuristic)
  kInfeasible,  // proven: no valid mapping exists
  kNoSolution,  // none found within the limits; not proven infeasible
  kError,
};
const char* to_string(Status s);

struct MappingResult {
  Status status = Status::kError;
  Solution solution;  // valid when status is kOptimal or kFeasible
  double objective = 0;
  double bound = 0;  // best proven lower bound
  double gap = 0;    // relative gap
  double seconds = 0;
  std::string strategy;  // what produced it, e.g. "mip/cbc", "exhaustive"
  // For kInfeasible / kNoSolution: why, in terms a person can act on.
  std::vector<std::string> explanation;
  bool has_solution() const { return status == Status::kOptimal || status == Status::kFeasible; }
};

}  // namespace cloudnet::mapping
