// Resource use of a Solution, recomputed from its allocations and arc flows
// by the rules of problem.h (flow resources, thesis 5.3.3 / 5.5.2). Internal
// to the independent side: shared only by the checker (checker.cc) and the
// objective evaluator (objective.cc). The formulation, the solvers and the
// engine's own usage.h do not use it, and it does not use them.
#pragma once

#include <vector>

#include "mapping/problem.h"
#include "mapping/result.h"

namespace cloudnet::mapping::check_internal {

// A resource that flows consume (R_f hosts): bandwidth or an interface
// bottleneck.
bool is_flow_resource(const SubstrateResource& r);

struct Usage {
  std::vector<double> node_use;               // per resource: sum of node allocations
  std::vector<std::vector<double>> link_use;  // [link][resource]: consumption of the link
  std::vector<double> total;                  // per resource: node_use + sum of link_use
  // [link][element]: hosts of the link's endpoints and both ends of every
  // arc that carries more than `positive` of one of its flows.
  std::vector<std::vector<char>> link_touched;
  // [element]: hosts a virtual node or is an end of an arc carrying flow.
  std::vector<char> hosting;
};

// Indices out of range are skipped (the checker reports them). An arc counts
// as used when it carries more than `positive`.
Usage compute_usage(const Problem& problem, const Solution& solution, double positive);

// host(u) if it is a valid element index, else -1.
int host_of(const Problem& problem, const Solution& solution, int node);

}  // namespace cloudnet::mapping::check_internal
