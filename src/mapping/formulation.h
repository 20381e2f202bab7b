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

class Formulation {
 public:
  // Builds the model. Never fails: an empty suitability row simply makes the
  // model infeasible; explain_infeasible() says why.
  explicit Formulation(const Problem& problem);

  const solver::Model& model() const { return model_; }
  solver::Model& model() { return model_; }

  // Values of the model's variables -> Solution.
  Solution decode(const std::vector<double>& values) const;
  // Solution -> values (a start for warm starts or for checking an outside
  // solution against the model).
  std::vector<double> encode(const Solution& solution) const;

  // Sizes, for reports.
  int node_binaries() const { return node_binaries_; }
  int flow_variables() const { return flow_vars_; }

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

  void build();
  solver::LinExpr node_x(int u, int v) const;  // x_u_v or 0
  void add_node_part(solver::LinExpr& cost, std::vector<solver::LinExpr>& use);
  void add_flow_part(solver::LinExpr& cost, std::vector<solver::LinExpr>& use);
  void add_groups();
  void add_migration(solver::LinExpr& cost);
  void set_objective(solver::LinExpr cost, solver::LinExpr migration,
                     const std::vector<solver::LinExpr>& use);

  const Problem& p_;
  solver::Model model_;
  std::vector<std::vector<NodeVar>> x_;    // per virtual node
  std::vector<std::vector<int>> x_index_;  // [u][v] -> position in x_[u] or -1
  std::vector<AllocVar> allocs_;
  std::vector<std::vector<FlowVar>> flows_;      // per flow
  std::vector<std::vector<solver::Var>> touch_;  // [link][element] when needed
  std::vector<solver::Var> active_;              // energy objective, per element
  int node_binaries_ = 0;
  int flow_vars_ = 0;
};

// Why the problem cannot be mapped, in words a person can act on: virtual
// nodes with no suitable substrate node (and why each candidate fails),
// demands above every free capacity, flows whose demand exceeds the best cut
// between their possible endpoints, groups that cannot hold.
std::vector<std::string> explain_infeasible(const Problem& problem);

}  // namespace cloudnet::mapping
