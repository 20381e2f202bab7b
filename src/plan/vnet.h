// Internal to the planner: one embedded VNet read back from its document
// (plan.h, "Reading embeddings"), and the Problem surgery the planner needs
// (leaving out links that keep their path, joining several VNets into one
// Problem for a joint MIP).
#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "flerd/model.h"
#include "mapping/problem.h"
#include "mapping/result.h"
#include "plan/plan.h"

namespace cloudnet::plan::internal {

struct VNet {
  std::string name;
  std::string net_identifier;
  std::string role_identifier = "PIP";  // of its ML layer, kept in the new document
  const flerd::Document* document = nullptr;
  flerd::Document request;  // the document's OL layers only, hosting references into ML removed
  // Built against the substrate; Existing = the recorded placement with the
  // cost model's penalties; `used` = 0 (the planner sets it).
  mapping::Problem problem;
  mapping::Solution current;     // rebuilt from the document
  std::vector<double> recorded;  // per substrate resource: its ResourceMappings
  std::vector<char> link_exact;  // per link: the rebuilt flows reproduce the recorded bandwidth
  std::vector<double> state;     // per node: state(u)
  bool exact = true;             // every link exact
};

// Reads one embedding. `notes` gets warnings (split flows, ...).
Result<VNet> load_vnet(const flerd::Document& substrate, const EmbeddingInput& input,
                       const mapping::Options& options, const CostModel& cost,
                       std::vector<std::string>& notes);

// Whether a resource attribute matches a measure or state query: an
// attribute path matches itself and its subtree (generic levels match any);
// a single word matches any level, case-insensitively.
bool attribute_matches(const flerd::TypePath& attribute, const std::string& query);

// Substrate links crossed on a shortest path from `from` to every element.
std::vector<int> link_hops(const mapping::Problem& p, int from);

// `p` without the links marked in `drop` (and their flows); groups and
// Existing follow. flow_of / link_of: sub index -> index in `p`.
struct SubProblem {
  mapping::Problem problem;
  std::vector<int> link_of;
  std::vector<int> flow_of;
};
SubProblem drop_links(const mapping::Problem& p, const std::vector<char>& drop);

// Several Problems on the same substrate as one (virtual elements
// concatenated; substrate, `used` and options from the first). Solutions are
// split back by the offsets.
struct Joined {
  mapping::Problem problem;
  std::vector<int> node_offset, link_offset, flow_offset;
};
Joined join(const std::vector<const mapping::Problem*>& parts);
mapping::Solution part_of(const Joined& joined, const mapping::Solution& s, std::size_t part,
                          const mapping::Problem& p);

}  // namespace cloudnet::plan::internal
