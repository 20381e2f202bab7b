// Migration planning: "given the current embeddings of a substrate, can the
// VNets be re-packed so that X% of the used resources are freed, and at what
// migration cost?" (CloudNet paper 3.2: "Can we migrate CloudNets to a more
// compact form such that 20% of the currently used resources are freed up,
// and what would be the corresponding migration cost? It is then left to the
// (potentially automated) administrator to decide whether the changes are
// worthwhile."). The answer is a Plan: which virtual elements move where, the
// cost, the new embeddings, or "no" with the reasons and the best fraction
// that was reached.
//
// What can be freed. Re-packing changes where the VNets run, not what they
// demand, so the total allocated CPU, RAM, ... stays the same. What can be
// freed are whole substrate elements that end up carrying nothing, so they
// can be powered off or sold:
//  - hosts in use: substrate nodes that host a virtual node of one of the
//    given embeddings before the plan;
//  - a host in use is freed when, after the plan, it hosts no virtual node
//    and no virtual link's flow crosses it;
//  - freed(a), per node-resource attribute a (CPU, RAM, disk, ...: every
//    substrate resource that is not bandwidth or an interface bottleneck):
//    the capacity of the resources of attribute a whose listing hosts are
//    all freed and which nothing else allocates, over the capacity of all
//    resources of attribute a listed by hosts in use. A resource shared by
//    several hosts (an NFS volume, thesis 4.4) is freed only with all of
//    them. Every attribute is reported;
//  - the target X (PlanOptions::target) is met when freed(a) >= X for every
//    measured attribute: by default all of them (the conservative reading of
//    "X% of the used resources"); PlanOptions::measure narrows it to one
//    attribute ("CPU", "/host/generic/CPU/amount") or to the share of hosts
//    ("hosts");
//  - reported beside it: bandwidth reserved before and after (sum over all
//    bandwidth and interface resources), substrate links that carried flows
//    before and none after (freed) and the reverse (newly used).
// The substrate document's own ResourceMappings count as reservations that
// stay where they are (a resource with one is never freed).
//
// The cost model (thesis 5.3.5, CostModel), made explicit:
//   penalty(u)    = node_penalty + state_cost * state(u)   per moved node,
//                   destination independent (C_contract + C_mgmt + C_reconfig;
//                   state(u): the demands of attribute state_attribute, RAM by
//                   default: what a live migration copies);
//   transit(u, v) = hop_cost * substrate links between u's old host and v
//                   (C_transit, destination dependent);
//   link_penalty  per virtual link whose set of substrate elements changes
//                   (thesis: epsilon; links are re-instantiated, not copied).
// cost(plan) = sum over moved nodes of penalty(u) + transit(u, new host) +
// link_penalty per re-routed link = mapping::migration_cost() of every VNet's
// new solution against its old one (Existing), which the tests check.
//
// Rules of a plan:
//  - vacated hosts carry nothing afterwards: neither virtual nodes nor flows;
//  - nodes move only onto hosts that were in use before and are not vacated
//    (an idle host would have to be powered on, which defeats the purpose);
//  - only VNets with a node or a flow on a vacated host are re-embedded;
//    every other VNet and its document stay exactly as they are;
//  - inside a re-embedded VNet, a node not on a vacated host keeps its host
//    and its allocations, and a link none of whose endpoints moves and whose
//    path avoids the vacated hosts keeps its flows, unless moving them too
//    is the only way found (then they move, and pay for it);
//  - every new mapping passes the independent checker (mapping::check)
//    against the substrate with all other VNets' final allocations as
//    `used`, with the vacated hosts excluded; a plan that would not is never
//    returned.
//
// The algorithm (host selection is a heuristic; a joint MIP choosing the
// hosts as well would need a "vacate" constraint in the mapping formulation):
//  1. Hosts in use are ordered in several ways: cheapest estimated migration
//     cost per freed capacity, least loaded first, largest first, fewest
//     moves first. For each order, hosts are vacated one by one (greedy,
//     incremental): the VNets touching the host are re-embedded with all
//     hosts vacated so far excluded, one after the other, the one with the
//     largest demand to move first (if one fails it goes first once more);
//     a host that cannot be vacated is skipped; the pass stops as soon as
//     the target is met.
//  2. Re-embedding (fast, mapping::solve_fast) is per VNet, on a
//     sub-problem where the nodes that do not move are pinned to their host
//     and the links that keep their path are left out (their reservations
//     count as used). If that fails, the moving set grows ring by ring over
//     the VNet's own graph (neighbours of moving nodes, their neighbours,
//     ... the whole VNet). The fast embedder knows no migration costs, so
//     they enter as weight(u, v), which it charges sum(demands) * weight
//     per node as the MIP objective does: transit(u, v) / sum(demands), and
//     a large weight on every other host for a node that may but need not
//     move, so it stays when it can.
//  3. The cheapest plan that meets the target is pruned: dropping a vacated
//     host whose removal still meets the target, re-planned from scratch.
//  4. With the MIP (PlanOptions::method kExact, or kAuto on small instances:
//     at most 64 substrate elements and 64 virtual nodes in all) the host
//     sets found by 1-3 and the minimal prefixes of each order are
//     re-planned with the migration-aware MIP (mapping::solve_mip, thesis
//     5.3.5 Existing): one joint MIP over all re-embedded VNets per host set
//     (so they compete for room optimally), objective min-cost (5.4.1:
//     resources + migration), first with the non-moving nodes pinned, then
//     with every node of those VNets free to move at penalty(u) and
//     transit(u, v) times M, M = 1 + (a bound of the resource term: demands
//     times the largest weight plus every flow's amount times the number of
//     bandwidth resources) / the smallest positive penalty(u), so that
//     migrations dominate; link penalties stay unscaled (cheap, 5.3.5). Each
//     MIP gets the time left divided by the sets left; a set it proves
//     infeasible is dropped, one it runs out of time on goes to the fast
//     embedder. The cheapest plan meeting the target wins (ties: fewer
//     moves, more freed, then the MIP's).
// When no plan meets the target, the answer is "no": Plan::reached false,
// reasons (the capacity bound 1 - used/capacity per attribute, which no
// packing can beat; the hosts that could not be vacated and why), and the
// best plan found with its fraction (Plan::achieved).
//
// Reading embeddings. Each is a document as `cloudnet map --output` writes it
// (mapping::mapping_document: OL + ML0 + UL + ResourceMappings). Node hosts
// and link elements come from the hosting references (builder.h, existing),
// allocations from the ResourceMappings ML -> UL. Flows are rebuilt as one
// path per flow inside the link's recorded elements; where that does not
// reproduce the recorded bandwidth (split flows), the link is re-routed if
// its VNet is re-embedded, and a note says so. Errors (Result) for: missing
// substrate UL, an embedding made on another substrate (unknown elements or
// resources), an unplaced node, embeddings that together overbook a
// resource, a substrate document that already records an embedding's
// allocations (they would count twice).
//
// Limits. Host selection is heuristic, so "no" means "no plan found" unless
// the capacity bound already rules the target out. VNets that touch no
// vacated host never move, even where moving them would make room. Flows
// the fast embedder re-routes take one path each; the MIP's may split
// unless PlanInput::options.no_split. The joint MIP needs no_colocate off
// (it would hold across VNets). PlanOptions::time_limit_s bounds the
// search; when it runs out, the best plan so far is returned with a note.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "flerd/model.h"
#include "mapping/problem.h"
#include "mapping/result.h"

namespace cloudnet::plan {

// Thesis 5.3.5 migration costs, in cost units (see above).
struct CostModel {
  double node_penalty = 1;              // per moved virtual node
  double state_cost = 0;                // per unit of state(u) moved
  std::string state_attribute = "RAM";  // level name or attribute path of state demands
  double hop_cost = 0;                  // transit per substrate link between old and new host
  double link_penalty = 1e-3;           // per re-routed virtual link
};

struct EmbeddingInput {
  std::string name;                           // shown in messages (the file name)
  const flerd::Document* document = nullptr;  // OL + ML + UL + ResourceMappings
};

struct PlanInput {
  const flerd::Document* substrate = nullptr;  // holds the UL the embeddings were made on
  std::vector<EmbeddingInput> embeddings;
  // Hosting rules the embeddings were made with (prop rules, type rules);
  // the objective is ignored.
  mapping::Options options;
};

struct PlanOptions {
  double target = 0.2;  // fraction of the capacity in use to free, in [0, 1]
  // "" = every node-resource attribute must reach the target; "hosts" = the
  // share of hosts in use; else an attribute path (/host/generic/CPU/amount,
  // or a prefix of one) or one level name ("CPU", case-insensitive).
  std::string measure;
  CostModel cost;
  // Step 4 (the MIP): always, never, or on small instances only.
  enum class Method { kAuto, kFast, kExact } method = Method::kAuto;
  std::string solver = "cbc";
  double time_limit_s = 60;  // for the whole planning; the search stops early
  int threads = 1;
};

struct Move {
  enum class Kind { kNode, kLink } kind = Kind::kNode;
  int vnet = -1;           // index into PlanInput::embeddings
  std::string element;     // virtual node or link id
  std::string identifier;  // its identifier
  // Substrate element ids: a node's host; the elements a link touches.
  std::vector<std::string> from, to;
  double state = 0;  // nodes: state(u)
  double cost = 0;   // penalty + transit, or link_penalty
};

struct AttributeFigure {
  std::string attribute;
  double capacity = 0;    // of the resources of hosts in use before
  double used = 0;        // allocated of it before (VNets and reservations)
  double freed = 0;       // capacity freed by the plan
  double fraction = 0;    // freed / capacity
  double bound = 0;       // 1 - used / capacity: no packing frees more
  bool measured = false;  // counts for the target
};

struct VNetPlan {
  std::string name;            // EmbeddingInput::name
  std::string net_identifier;  // of the request's OL, if any
  bool moved = false;          // anything of it changes
  // The new embedding (OL + ML0 + UL + ResourceMappings) when moved.
  std::optional<flerd::Document> document;
  // The VNet's Problem with `used` = reservations + every other VNet's
  // allocations after the plan and its Existing (old placement, cost model);
  // `after` passes mapping::check(problem, after).
  mapping::Problem problem;
  mapping::Solution before, after;
};

struct Plan {
  bool reached = false;  // the target is met
  double target = 0;
  std::string measure;               // what was measured, in words
  double achieved = 0;               // the measured fraction of this plan
  std::vector<std::string> reasons;  // why the target is not met
  std::vector<std::string> hosts_in_use;
  std::vector<std::string> hosts_freed;  // substrate element ids
  std::vector<AttributeFigure> attributes;
  std::vector<Move> moves;
  double migration_cost = 0;
  int nodes_moved = 0;
  int links_rerouted = 0;
  double state_moved = 0;
  double bandwidth_before = 0;  // reserved on all bandwidth resources
  double bandwidth_after = 0;
  std::vector<std::string> links_freed;       // substrate links carrying nothing any more
  std::vector<std::string> links_newly_used;  // substrate links carrying flows only now
  std::vector<VNetPlan> vnets;                // per embedding, in input order
  std::vector<std::string> notes;             // warnings about the input, search notes
  std::string engine;                         // what found it: "fast" or "mip/<solver>"
  bool mip_used = false;                      // step 4 ran
  CostModel cost_model;                       // the costs above are in its units
  int host_sets_tried = 0;
  double seconds = 0;
};

// Errors only for invalid input (see above); an unreachable target is a Plan
// with reached == false.
Result<Plan> plan_repacking(const PlanInput& input, const PlanOptions& options);

// A person's view: target and verdict, freed per attribute, moves with
// costs, bandwidth and links, unchanged VNets, reasons.
std::string format_plan(const Plan& plan);
// Everything of the Plan but the documents and problems, as JSON.
std::string plan_json(const Plan& plan);

}  // namespace cloudnet::plan
