// What a Solution takes from the substrate: per virtual element and substrate
// resource, following the consumption rules of problem.h. Used to write
// ResourceMappings and reports and by the fast embedders; the independent
// checker (checker.cc) recomputes all of it on its own.
#pragma once

#include <map>
#include <set>
#include <vector>

#include "mapping/problem.h"
#include "mapping/result.h"

namespace cloudnet::mapping {

struct Usage {
  // [link] -> substrate resource -> consumption
  std::vector<std::map<int, double>> link_use;
  // [link] -> substrate elements its flows touch
  std::vector<std::set<int>> link_elements;
  // per substrate resource, the total this solution adds
  std::vector<double> resource_use;
};

Usage compute_usage(const Problem& problem, const Solution& solution);

}  // namespace cloudnet::mapping
