// A mapping written back as FleRD (thesis 4.4 is the model: OL, ML0, UL and
// ResourceMappings in one document) and as a JSON report for programs.
#pragma once

#include <string>
#include <vector>

#include "flerd/model.h"
#include "mapping/problem.h"
#include "mapping/result.h"

namespace cloudnet::mapping {

// One document holding the request's overlay topologies (their elements now
// list hostingNetworkElement references into ML0), the mapping layer ML0 (an
// element per virtual node and link, hosted by the overlay element and hosted
// on the substrate elements it uses, with its allocations as Resources), the
// substrate layer that was mapped onto, and ResourceMappings overlay resource
// -> ML0 resource -> substrate resource with the allocated amounts.
flerd::Document mapping_document(const flerd::Document& request, const flerd::Document& substrate,
                                 const Problem& problem, const MappingResult& result,
                                 const std::string& role_identifier = "PIP");

struct ReportExtras {
  std::vector<std::string> notes;  // builder notes
  // The strategy asked for ("auto", "mip", ...), the one that ran and why
  // (strategy.h); empty when not chosen through map_with_strategy().
  std::string strategy_requested, strategy_chosen, strategy_reason;
  int variables = 0;
  int rows = 0;
  double quality_q = -1;                      // thesis 6.1.1; < 0 if not computed
  std::vector<std::string> check_violations;  // from the independent checker, if run
  bool checked = false;
};

// JSON: status, objective, bound, gap, seconds, strategy; placement (virtual
// node -> substrate node); per virtual link its flows with the amount on each
// substrate connection and its direction; per substrate resource capacity,
// previously used, allocated and load; Q; explanation when unmapped.
std::string report_json(const Problem& problem, const MappingResult& result,
                        const ReportExtras& extras);

}  // namespace cloudnet::mapping
