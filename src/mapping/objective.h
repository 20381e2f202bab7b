// Objective values of a Solution, recomputed independently of how it was
// found: the three objectives exactly as problem.h defines them (thesis
// 5.4.1), and the quality Q of thesis 6.1.1.
#pragma once

#include "mapping/problem.h"
#include "mapping/result.h"

namespace cloudnet::mapping {

// The value of problem.options.objective for `solution` (problem.h, "The
// objectives, exactly"):
//  - kMinCost: sum of weight(u, host(u)) * allocated substrate units, plus
//    every virtual link's consumption summed over all flow resources
//    (is_bandwidth or is_interface), plus migration cost;
//  - kLoadBalance: c * max_load + sum_r load(r) + migration cost over the
//    resources with capacity > 0, load(r) = weight_r * (used_r + use_r) /
//    capacity_r, c = options.load_c or, when < 0, 1 + the sum of weight_r over
//    all substrate resources;
//  - kEnergy: the number of elements hosting anything of the request (a
//    virtual node or an arc carrying flow) whose resources all have used == 0,
//    plus 1e-3 * the kMinCost value.
// Migration cost (5.3.5): per node with an existing host, penalty(u) if its
// host changed plus transit(u, new host); per link with existing elements,
// link_penalty if the set of elements it touches changed. A link touches the
// hosts of its endpoints and both ends of every arc carrying its flows.
// Arcs carrying at most 1e-6 do not count as used. The solution's indices are
// not validated (out-of-range ones are skipped): run check() for that.
double evaluate(const Problem& problem, const Solution& solution);

// Migration cost alone (part of every objective above).
double migration_cost(const Problem& problem, const Solution& solution);

// Quality Q_pi of thesis 6.1.1, eq. 6.3:
//   Q = (allocated node resources / requested node resources)
//     + (link resources consumed / link resources requested).
// Node part: the substrate units of all node allocations over the sum of all
// node demand amounts. Link part: the consumption of every virtual link over
// all substrate elements, by the flow-resource rule of problem.h (the same
// figure as CheckReport::link_resource_use), over the sum of the links'
// bandwidth, upstream and downstream amounts. A part whose denominator is 0
// is 0. With identical node allocations everywhere the node part is 1 and Q
// reduces to eq. 6.4.
double quality_q(const Problem& problem, const Solution& solution);

}  // namespace cloudnet::mapping
