// The clustering approximation of thesis 6.4: map a request into a small part
// of the substrate first, since the MIP's running time grows with the
// substrate (thesis 5.6).
//
// Distances (6.4.1): hop distances between substrate NODES, all pairs by
// Floyd-Warshall. Link elements are vertices of the substrate graph
// (problem.h), so the distance of two nodes is the least number of substrate
// LINKS a path between them crosses: entering a link element costs 1,
// leaving it 0, and a direct node-to-node connection (no link element)
// counts as one link. Direction is ignored (every connection gives arcs both
// ways). Nodes in different components are `unreachable` apart, a value
// larger than any finite distance, so the first split separates components.
//
// k-clustering (6.4.1): among the nodes of a cluster, the two with the
// highest mutual distance become representatives (the lowest index pair on
// ties), then, until there are x, the node with the largest sum of distances
// to the representatives so far (lowest index on ties); every other node
// joins the closest representative, ties to the representative with the
// lowest index (the thesis's "lowest database id"). Each resulting cluster
// with more than y nodes is clustered again. Distances are the ones of the
// whole substrate throughout (the thesis pre-computes them once).
//
// Cluster selection (6.4.2): a cluster is a candidate only if its node
// resources can support all requested VNode resources; candidates are tried
// (1) exact fits first, (2) fewer substrate nodes first, (3) least residual
// node resources first; see candidate_clusters().
//
// solve_clustered() maps the request with an inner solver (the MIP, or any
// other) on a copy of the Problem restricted to one candidate cluster at a
// time, and takes the first mapping found. The copy keeps all indices, so the
// Solution is one of the original Problem (and passes check() there).
#pragma once

#include <functional>
#include <vector>

#include "mapping/engine.h"
#include "mapping/problem.h"
#include "mapping/result.h"

namespace cloudnet::mapping {

// All-pairs node distances (see above), indexed by position in `nodes`.
struct NodeDistances {
  std::vector<int> nodes;     // substrate element indices of the nodes, ascending
  std::vector<int> position;  // per substrate element: its position in `nodes`, or -1
  std::vector<std::vector<int>> hops;
  int unreachable = 0;  // the value of hops for nodes in different components
  // Distance of two substrate elements that are nodes.
  int between(int a, int b) const {
    return hops[static_cast<std::size_t>(position[static_cast<std::size_t>(a)])]
               [static_cast<std::size_t>(position[static_cast<std::size_t>(b)])];
  }
};
NodeDistances node_distances(const Problem& problem);

struct ClusterOptions {
  int representatives = 2;  // x of thesis 6.4.1 (values < 2 count as 2)
  int max_size = 10;        // y of thesis 6.4.1 (values < 1 count as 1)
  // Candidate clusters solve_clustered() tries before the fallback; <= 0:
  // all of them.
  int max_candidates = 8;
  // When no candidate yields a mapping, map on the whole substrate.
  bool fallback_whole = true;
};

struct Cluster {
  std::vector<int> nodes;     // substrate element indices (nodes only), ascending
  int level = 0;              // 0: the whole substrate; children are one deeper
  int parent = -1;            // index in the hierarchy, -1 for the root
  int representative = -1;    // the node the cluster formed around; -1 for the root
  std::vector<int> children;  // indices in the hierarchy, in order of their representatives
};

// The hierarchy of thesis 6.4.1, depth first: index 0 is the root (every
// substrate node, level 0), each cluster comes before its children. A
// cluster has children exactly when it has more than max_size nodes; they
// partition it. Empty when the substrate has no nodes.
std::vector<Cluster> cluster_substrate(const Problem& problem, const ClusterOptions& options);

// How a cluster fits the request (thesis 6.4.2).
struct ClusterCandidate {
  int cluster = -1;  // index into the clusters given to candidate_clusters()
  int size = 0;      // substrate nodes
  // Free node resources equal the required amount for every requested
  // attribute (rule 1); false for a request without node demands.
  bool exact = false;
  // Free minus required, relative to required, summed over the requested
  // attributes (rule 3; relative, since the attributes' units differ).
  double residual = 0;
};

// The clusters that can support all requested VNode resources, in the order
// of thesis 6.4.2: (1) exact fits first, (2) fewer substrate nodes, (3) least
// residual, then the order in `clusters`. A cluster qualifies when
//  - per requested attribute (a demand's virtual attribute), its free node
//    resources suffice: required = the amounts of minimum and constant
//    demands plus options.min_alloc per maximum demand; free = capacity -
//    used of every substrate resource that hosts such a demand
//    (Problem::demand_hosts) and is offered by a node of the cluster,
//    counted once, times its prop factor;
//  - each virtual node fits on at least one cluster node on its own
//    (suitable, and every demand covered by that node's free resources);
//  - with no_colocate, it has at least as many nodes as the request.
// These are necessary conditions only: a cluster is skipped only when it
// cannot host the request; links are not considered.
std::vector<ClusterCandidate> candidate_clusters(const Problem& problem,
                                                 const std::vector<Cluster>& clusters);

// `problem` restricted to the substrate nodes `nodes`: node_suitable false
// elsewhere, and link_allowed false for every element outside the cluster:
// the other nodes, and link elements with an end outside it (an end that is
// a link element counts as inside only if that link is). The formulation
// creates variables only where these allow (x where suitable, flows on arcs
// between allowed elements), so the MIP is that of the cluster.
Problem restrict_to_cluster(const Problem& problem, const std::vector<int>& nodes);

// A solver for one (restricted) Problem: solve_mip, solve_two_step,
// solve_fast, ...
using InnerSolver = std::function<MappingResult(const Problem&)>;

// Thesis 6.4: tries the candidate clusters of cluster_substrate(problem,
// options) below the root, in candidate_clusters() order, at most
// options.max_candidates of them, each restricted with restrict_to_cluster()
// and solved by `inner`; the first mapping wins (Status::kFeasible: a
// restriction proves nothing about the optimum). Without one, and with
// fallback_whole, `inner` on the whole problem decides (its status as is: a
// proof there is a proof). Otherwise kNoSolution, saying what was tried.
// A virtual node without any candidate host gives kInfeasible at once; an
// inner kError is returned at once. Strategy "cluster(<cluster size>)/<the
// inner result's strategy>"; seconds is the total; objective is evaluate()
// of the returned mapping on `problem`.
MappingResult solve_clustered(const Problem& problem, const ClusterOptions& options,
                              const InnerSolver& inner);
// The same with solve_mip(settings) inside; settings.time_limit_s bounds
// the whole run (each solve gets what is left); once settings.interrupt is
// set no further cluster is tried.
MappingResult solve_clustered(const Problem& problem, const ClusterOptions& options,
                              const SolveSettings& settings);

}  // namespace cloudnet::mapping
