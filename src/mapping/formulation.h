// The embedding MIP of thesis 5.4 (Figure 5.2) with the extensions of 5.5,
// built as a solver-independent model (solver/model.h) from a Problem. The
// model can be inspected, exported (MPS, LP) and solved by any backend; a
// solver's values are turned back into a Solution by decode().
//
// Variables (Table 5.3), created only where suit() allows (thesis 5.6.2:
// "obviously irrelevant variables ... are not formulated"):
//   new(u, v)            x_u_v        binary, virtual node u on substrate node v
//   alloc_rS(u, v, rV)   a_u_k_v_r    continuous, where a demand has a choice
//                                     of hosting resources; otherwise the
//                                     allocation is the fixed req / prop * new(u, v)
//   flow(f, v, w)        y_f_a        continuous per flow and arc (binary
//                                     z_f_a too when paths must not split)
//   alloc for links      c_l_w_r      max over a shared medium's flows (exp_in/exp_out)
//   mig(u)               mig_u        binary, migration selector
//   load(rS), max_load                load objective
#pragma once

#include <string>
#include <vector>

#include "mapping/problem.h"
#include "mapping/result.h"
#include "solver/model.h"
#include "solver/solver.h"

namespace cloudnet::mapping {

// Strengthening of the plain model (thesis Figure 5.2 / 5.5). Every option
// except `candidate_limit` is exact: it only removes fractional points of the
// LP relaxation (valid inequalities) or optimal solutions that have an
// equal-cost twin (symmetry), never the optimum value; the tests compare each
// against the exhaustive solver. Defaults: what measured best (mapping_bench
// experiment g, CPU time against the plain model in the same run): the three
// cut families together raised the LP bound from 0.55 to 0.79 of the optimum
// on the quick instances (0.33 to 0.82 on larger ones) and took 0.8-0.9x the
// CPU time (geometric mean; per instance 0.5x to 2.6x, load_cuts being the
// one that sometimes slows CBC down). A 5-node DC request on 20 Rocketfuel
// routers without co-location is proven optimal in 4 s instead of not at all
// within 12 s (host_flow_cuts alone: 2 s).
struct FormulationOptions {
  // The plain relaxation lets a flow's source and sink sit fractionally on
  // the same substrate nodes, so no flow is needed and the bound ignores
  // links. When the two ends may not share a host (no_colocate, a distinct
  // group), a flow must leave its source's host and enter its sink's:
  //   sum of y_f on arcs out of v >= amount_f * new(source_f, v)
  //   sum of y_f on arcs into w   >= amount_f * new(sink_f, w)
  bool host_flow_cuts = true;
  // Path-length cuts: a flow from v must cross at least D_t(v) substrate link
  // elements, D_t(v) = hop distance (link elements, on the elements the link
  // may use) from v to the nearest other possible host of the sink (0 if the
  // sink may share v):
  //   sum of y_f on arcs into link elements >= amount_f * sum_v D_t(v) new(source_f, v)
  // and the same from the sink's side.
  bool distance_cuts = true;
  // kLoadBalance: whichever host v a virtual node u gets, max_load is at
  // least the load of each resource of v with u's fixed allocation added:
  //   max_load >= sum_v new(u, v) * max_r weight_r (used_r + alloc(u, r)) / cap_r
  bool load_cuts = true;
  // Interchangeable virtual nodes (same demands, suitability, weights and
  // neighbourhood, no groups, no existing mapping) are placed in order of
  // substrate index: sum_v v new(u1, v) <= sum_v v new(u2, v) (- 1 when they
  // may not share a host). Removes equal-cost mirror images from the search.
  // Off by default: exact and tested, but it applied to none of the
  // benchmark's Rocketfuel VNets, so its effect on CBC is unmeasured.
  bool symmetry_breaking = false;
  // An APPROXIMATION, off by default: keep only the `candidate_limit` best
  // candidate hosts per virtual node (lowest weight, then most free capacity
  // of what it demands, then index); 0 = all. A solve on a restricted model
  // proves nothing about the full one (solve_mip reports kFeasible, not
  // kOptimal, and kNoSolution instead of kInfeasible).
  int candidate_limit = 0;
};

class Formulation {
 public:
  // Builds the model. Never fails: an empty suitability row simply makes the
  // model infeasible; explain_infeasible() says why.
  explicit Formulation(const Problem& problem, const FormulationOptions& options = {});

  const solver::Model& model() const { return model_; }
  solver::Model& model() { return model_; }

  // Values of the model's variables -> Solution.
  Solution decode(const std::vector<double>& values) const;
  // Solution -> values of every variable (a start for warm starts, or a
  // check of an outside solution against the model): placement, allocation
  // and flow variables from the Solution, the auxiliary ones (max over
  // shared-medium flows, throughput, latency and ordering helpers, touch,
  // migration, max_load, active) at the least value their rows allow. A
  // valid Solution gives a point that satisfies the model.
  std::vector<double> encode(const Solution& solution) const;

  // Sizes, for reports.
  int node_binaries() const { return node_binaries_; }
  int flow_variables() const { return flow_vars_; }
  // Rows added by the strengthening options (0 for the plain model).
  int strengthening_rows() const { return strengthening_rows_; }
  // True when candidate_limit removed a suitable host of some virtual node.
  bool restricted() const { return restricted_; }

 private:
  struct NodeVar {
    int v = -1;
    solver::Var x;
  };
  struct AllocVar {
    int u, k, v, r;
    double factor;
    solver::Var var;   // invalid if fixed
    double fixed = 0;  // fixed amount per unit of x when var is invalid
  };
  struct FlowVar {
    int arc;
    solver::Var y;
    solver::Var z;  // binary path selector (no_split / latency), may be invalid
  };

  // An auxiliary variable's least value given the others (for encode()):
  // max(floor, max of `lower`), rounded up for integer variables. Rules are
  // evaluated in creation order, so a rule may use earlier auxiliaries.
  struct AuxRule {
    solver::Var var;
    std::vector<solver::LinExpr> lower;
    double floor = 0;
    bool integral = false;
  };

  void build();
  solver::LinExpr node_x(int u, int v) const;  // x_u_v or 0
  std::vector<char> candidate_mask(int u) const;
  bool may_share_host(int u1, int u2) const;
  void add_symmetry_breaking();
  void add_flow_cuts();
  void add_load_cuts(solver::Var max_load);
  void add_node_part(solver::LinExpr& cost, std::vector<solver::LinExpr>& use);
  void add_flow_part(solver::LinExpr& cost, std::vector<solver::LinExpr>& use);
  void add_groups();
  void add_migration(solver::LinExpr& cost);
  void set_objective(solver::LinExpr cost, solver::LinExpr migration,
                     const std::vector<solver::LinExpr>& use);

  const Problem& p_;
  FormulationOptions opt_;
  solver::Model model_;
  std::vector<AuxRule> aux_;
  std::vector<std::vector<solver::Var>> order_;  // [flow][element] MTZ order, when used
  std::vector<std::vector<NodeVar>> x_;          // per virtual node
  std::vector<std::vector<int>> x_index_;        // [u][v] -> position in x_[u] or -1
  std::vector<AllocVar> allocs_;
  std::vector<std::vector<FlowVar>> flows_;      // per flow
  std::vector<std::vector<solver::Var>> touch_;  // [link][element] when needed
  std::vector<solver::Var> active_;              // energy objective, per element
  int node_binaries_ = 0;
  int flow_vars_ = 0;
  int strengthening_rows_ = 0;
  bool restricted_ = false;
};

// Why the problem cannot be mapped, in words a person can act on: virtual
// nodes with no suitable substrate node (and why each candidate fails),
// demands above every free capacity, flows whose demand exceeds the best cut
// between their possible endpoints, groups that cannot hold.
std::vector<std::string> explain_infeasible(const Problem& problem);

}  // namespace cloudnet::mapping
