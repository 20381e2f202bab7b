// FleRD -> Problem: extracts the sets and constants of thesis Tables 5.1/5.2
// from a request (OL) and a substrate (UL) document, and computes suit(u, v),
// weight(u, v) and prop(r_V, r_S) from types, Features and ConstraintGroups
// (thesis 5.3.2, 5.5.6; CloudNet paper 2.4).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "flerd/model.h"
#include "mapping/problem.h"

namespace cloudnet::mapping {

struct BuildInput {
  const flerd::Document* substrate = nullptr;  // holds a UL topology
  const flerd::Document* request = nullptr;    // holds an OL topology
  // Which layers to use; default: the UL and OL with the highest graph_nr
  // (UL1 is the logical substrate, OL1 the completed request; thesis 4.4).
  std::optional<std::int64_t> substrate_layer;
  std::optional<std::int64_t> request_layer;
  // Earlier embeddings of this same VNet (ML graphs / hosting references
  // ending in substrate elements), for migration-aware re-mapping (5.3.5).
  std::vector<const flerd::Document*> existing;
  Options options;
  double node_penalty = 1;     // penalty(u) for moving a virtual node
  double link_penalty = 1e-3;  // penalty(u) for links: epsilon (5.3.5)
  double transit_per_hop = 0;  // transit(u, v) per substrate hop moved (0 = off)
};

// What the builder found worth telling, even when it succeeds.
struct BuildNotes {
  std::vector<std::string> notes;
};

// Errors name the document, the element and what was expected: an unknown
// substrate layer, a request resource that no substrate resource can host
// (reported with every substrate resource type there is), negative demands,
// a substrate without interfaces, unsupported constraint relations, ...
Result<Problem> build_problem(const BuildInput& input, BuildNotes* notes = nullptr);

// For explanations: why virtual node u cannot be placed on substrate node v
// ("" if it can).
std::string unsuitability_reason(const Problem& p, int u, int v);

}  // namespace cloudnet::mapping
