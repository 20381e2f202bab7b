#include "solver/glpk_solver.h"

#include <glpk.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "solver/backend_util.h"

namespace cloudnet::solver {

namespace {

using internal::ProgressReporter;

struct ProbDeleter {
  void operator()(glp_prob* p) const { glp_delete_prob(p); }
};
using ProbPtr = std::unique_ptr<glp_prob, ProbDeleter>;

// GLPK keeps a per-thread environment that is only freed by glp_free_env().
// If this solve created it, free it again, so threads that come and go (thread
// pools, std::async) do not leak one environment each.
class EnvGuard {
 public:
  EnvGuard() : created_(glp_init_env() == 0) {}
  ~EnvGuard() {
    if (created_) glp_free_env();
  }
  EnvGuard(const EnvGuard&) = delete;
  EnvGuard& operator=(const EnvGuard&) = delete;

 private:
  bool created_;
};

// Restores GLPK's (per-thread) terminal output flag on scope exit.
class TermOut {
 public:
  explicit TermOut(bool on) : previous_(glp_term_out(on ? GLP_ON : GLP_OFF)) {}
  ~TermOut() { glp_term_out(previous_); }
  TermOut(const TermOut&) = delete;
  TermOut& operator=(const TermOut&) = delete;

 private:
  int previous_;
};

int bound_type(double lb, double ub) {
  const bool has_lb = lb != -kInf;
  const bool has_ub = ub != kInf;
  if (has_lb && has_ub) return lb == ub ? GLP_FX : GLP_DB;
  if (has_lb) return GLP_LO;
  if (has_ub) return GLP_UP;
  return GLP_FR;
}

double finite_or_zero(double v) {
  return std::isfinite(v) ? v : 0.0;
}

int milliseconds(double seconds) {
  if (!std::isfinite(seconds)) return INT_MAX;
  const double ms = std::ceil(seconds * 1000.0);
  return ms >= static_cast<double>(INT_MAX) ? INT_MAX : std::max(1, static_cast<int>(ms));
}

int message_level(int log_level) {
  if (log_level <= 0) return GLP_MSG_OFF;
  return log_level == 1 ? GLP_MSG_ON : GLP_MSG_ALL;
}

ProbPtr build(const Model& model) {
  ProbPtr prob(glp_create_prob());
  glp_prob* p = prob.get();
  glp_set_prob_name(p, model.name().c_str());
  glp_set_obj_dir(p, model.sense() == Sense::kMaximize ? GLP_MAX : GLP_MIN);
  glp_set_obj_coef(p, 0, model.objective_constant());

  const int n = model.num_vars();
  const int m = model.num_rows();
  const auto lb = model.col_lower();
  const auto ub = model.col_upper();
  const auto obj = model.objective();
  const auto types = model.col_types();
  if (n > 0) glp_add_cols(p, n);
  for (int j = 0; j < n; ++j) {
    const auto jj = static_cast<std::size_t>(j);
    double l = lb[jj];
    double u = ub[jj];
    if (types[jj] != VarType::kContinuous) {
      // glp_intopt requires integral bounds on integer columns.
      if (std::isfinite(l)) l = std::ceil(l - 1e-9);
      if (std::isfinite(u)) u = std::floor(u + 1e-9);
      glp_set_col_kind(p, j + 1, GLP_IV);
    }
    glp_set_col_name(p, j + 1, model.var_names()[jj].c_str());
    glp_set_col_bnds(p, j + 1, bound_type(l, u), finite_or_zero(l), finite_or_zero(u));
    glp_set_obj_coef(p, j + 1, obj[jj]);
  }
  const auto rlb = model.row_lower();
  const auto rub = model.row_upper();
  if (m > 0) glp_add_rows(p, m);
  for (int r = 0; r < m; ++r) {
    const auto rr = static_cast<std::size_t>(r);
    glp_set_row_name(p, r + 1, model.row_names()[rr].c_str());
    glp_set_row_bnds(p, r + 1, bound_type(rlb[rr], rub[rr]), finite_or_zero(rlb[rr]),
                     finite_or_zero(rub[rr]));
  }
  // Triplets, 1-based, element 0 unused.
  const auto nnz = static_cast<std::size_t>(model.num_nonzeros());
  std::vector<int> ia(nnz + 1), ja(nnz + 1);
  std::vector<double> ar(nnz + 1);
  const auto starts = model.row_starts();
  const auto vars = model.row_vars();
  const auto coefs = model.row_coefs();
  for (std::size_t r = 0; r + 1 < starts.size(); ++r) {
    for (auto k = static_cast<std::size_t>(starts[r]); k < static_cast<std::size_t>(starts[r + 1]);
         ++k) {
      ia[k + 1] = static_cast<int>(r) + 1;
      ja[k + 1] = vars[k] + 1;
      ar[k + 1] = coefs[k];
    }
  }
  glp_load_matrix(p, static_cast<int>(nnz), ia.data(), ja.data(), ar.data());
  return prob;
}

struct CallbackState {
  ProgressReporter* reporter = nullptr;
  // SolveOptions::start as GLPK's 1-based array (element 0 unused), empty
  // without a start or once it has been offered.
  std::vector<double> start;
};

void intopt_callback(glp_tree* tree, void* info) {
  auto* state = static_cast<CallbackState*>(info);
  ProgressReporter& reporter = *state->reporter;
  // GLPK checks tm_lim only between nodes; the callback runs at every
  // reason, so a passed limit or an interrupt ends the search promptly.
  if (reporter.stop_requested()) {
    glp_ios_terminate(tree);
    return;
  }
  const int reason = glp_ios_reason(tree);
  if (reason == GLP_IHEUR && !state->start.empty()) {
    // The first heuristic call (root LP solved): offer the start. GLPK
    // checks integrality and compares objectives only; run_backend() has
    // checked the rows and bounds.
    glp_ios_heur_sol(tree, state->start.data());
    state->start.clear();
    return;
  }
  if (reason != GLP_IBINGO && reason != GLP_ISELECT) return;
  std::optional<double> bound;
  if (const int best = glp_ios_best_node(tree); best != 0) {
    bound = glp_ios_node_bound(tree, best);
  }
  int active = 0;
  int current = 0;
  int total = 0;
  glp_ios_tree_size(tree, &active, &current, &total);
  if (reason == GLP_IBINGO) {
    reporter.incumbent(glp_mip_obj_val(glp_ios_get_prob(tree)), bound, total);
  } else {
    reporter.tick(bound, total);
  }
}

std::vector<double> column_values(glp_prob* p, int n, bool mip) {
  std::vector<double> x(static_cast<std::size_t>(n));
  for (int j = 0; j < n; ++j) {
    x[static_cast<std::size_t>(j)] = mip ? glp_mip_col_val(p, j + 1) : glp_get_col_prim(p, j + 1);
  }
  return x;
}

// glp_simplex on `p`; fills status, values and message.
Solution run_simplex(glp_prob* p, const Model& model, const SolveOptions& options, double remaining,
                     bool presolve) {
  glp_smcp parm;
  glp_init_smcp(&parm);
  parm.msg_lev = message_level(options.log_level);
  parm.presolve = presolve ? GLP_ON : GLP_OFF;
  parm.tm_lim = milliseconds(remaining);
  const int rc = glp_simplex(p, &parm);
  Solution s;
  switch (rc) {
    case 0:
      switch (glp_get_status(p)) {
        case GLP_OPT:
          s.status = SolveStatus::kOptimal;
          s.values = column_values(p, model.num_vars(), false);
          s.message = "GLPK simplex: optimal";
          break;
        case GLP_NOFEAS:
          s.status = SolveStatus::kInfeasible;
          s.message = "GLPK simplex: infeasible";
          break;
        case GLP_UNBND:
          s.status = SolveStatus::kUnbounded;
          s.message = "GLPK simplex: unbounded";
          break;
        default:
          s.status = SolveStatus::kError;
          s.message = "GLPK simplex: undetermined status " + std::to_string(glp_get_status(p));
          break;
      }
      break;
    case GLP_ENOPFS:
      s.status = SolveStatus::kInfeasible;
      s.message = "GLPK presolver: no primal feasible solution";
      break;
    case GLP_ENODFS:
      s.status = SolveStatus::kUnbounded;
      s.message = "GLPK presolver: no dual feasible solution";
      break;
    case GLP_ETMLIM:
    case GLP_EITLIM:
      s.status = SolveStatus::kTimeLimitNoSolution;
      s.message = "GLPK simplex: time limit";
      break;
    default:
      s.status = SolveStatus::kError;
      s.message = "GLPK simplex failed (code " + std::to_string(rc) + ")";
      break;
  }
  return s;
}

class GlpkSolver final : public Solver {
 public:
  std::string name() const override { return "glpk"; }
  std::string version() const override { return std::string("GLPK ") + glp_version(); }

  Result<Solution> solve(const Model& model, const SolveOptions& options) override {
    return internal::run_backend(name(), model, options, solve_once);
  }

 private:
  static Result<Solution> solve_once(const Model& model, const SolveOptions& options,
                                     ProgressReporter& reporter) {
    for (const auto& [key, value] : options.backend_params) {
      if (key.starts_with("glpk:")) {
        return Error::invalid("the glpk backend has no parameter '" + key.substr(5) + "'");
      }
    }
    const double remaining = internal::remaining_seconds(options, reporter);
    if (remaining <= 0.0 || reporter.interrupted()) {
      Solution s;
      s.status = SolveStatus::kTimeLimitNoSolution;
      s.message = reporter.interrupted() ? "interrupted" : "time limit reached before GLPK started";
      return s;
    }
    EnvGuard env;  // declared first: destroyed after the problem and TermOut
    TermOut term(options.log_level > 0);
    ProbPtr prob = build(model);
    glp_prob* p = prob.get();
    if (!model.is_mip()) return run_simplex(p, model, options, remaining, options.presolve);
    return run_intopt(p, model, options, reporter);
  }

  static Solution run_intopt(glp_prob* p, const Model& model, const SolveOptions& options,
                             ProgressReporter& reporter) {
    // With the MIP presolver on, the callback sees the presolved problem,
    // whose columns are not the model's: a start needs it off.
    const bool presolve = options.presolve && options.start.empty();
    if (!presolve) {
      // Without the MIP presolver glp_intopt needs an optimal LP basis.
      Solution lp = run_simplex(p, model, options, internal::remaining_seconds(options, reporter),
                                /*presolve=*/false);
      if (lp.status != SolveStatus::kOptimal) {
        lp.values.clear();
        return lp;
      }
    }
    CallbackState state{&reporter, {}};
    if (!options.start.empty()) {
      state.start.assign(options.start.size() + 1, 0.0);
      std::copy(options.start.begin(), options.start.end(), state.start.begin() + 1);
    }
    glp_iocp parm;
    glp_init_iocp(&parm);
    parm.msg_lev = message_level(options.log_level);
    parm.presolve = presolve ? GLP_ON : GLP_OFF;
    parm.tm_lim = milliseconds(internal::remaining_seconds(options, reporter));
    parm.mip_gap = options.relative_gap;
    parm.cb_func = intopt_callback;
    parm.cb_info = &state;
    const int rc = glp_intopt(p, &parm);
    const int mip_status = glp_mip_status(p);
    const bool has_solution = mip_status == GLP_OPT || mip_status == GLP_FEAS;

    Solution s;
    if (std::optional<double> b = reporter.last_bound()) s.bound = *b;
    auto take = [&] { s.values = column_values(p, model.num_vars(), true); };
    switch (rc) {
      case 0:
        if (mip_status == GLP_OPT) {
          s.status = SolveStatus::kOptimal;
          take();
          s.bound = glp_mip_obj_val(p);
          s.message = "GLPK: integer optimal";
        } else if (mip_status == GLP_NOFEAS) {
          s.status = SolveStatus::kInfeasible;
          s.message = "GLPK: integer infeasible";
        } else {
          s.status = SolveStatus::kError;
          s.message = "GLPK: undetermined MIP status " + std::to_string(mip_status);
        }
        break;
      case GLP_EMIPGAP:
        s.status = SolveStatus::kOptimal;
        take();
        s.message = "GLPK: optimal within the gap tolerance";
        break;
      case GLP_ETMLIM:
      case GLP_ESTOP: {
        const bool interrupted = rc == GLP_ESTOP && reporter.interrupted();
        const std::string why = interrupted ? "interrupted" : "time limit";
        if (has_solution) {
          s.status = SolveStatus::kFeasible;
          take();
          s.message = "GLPK: " + why + " with a solution";
        } else {
          s.status = SolveStatus::kTimeLimitNoSolution;
          s.message = interrupted ? why : "GLPK: " + why + " without a solution";
        }
        break;
      }
      case GLP_ENOPFS:
        s.status = SolveStatus::kInfeasible;
        s.message = "GLPK: LP relaxation infeasible";
        break;
      case GLP_ENODFS:
        s.status = SolveStatus::kUnbounded;
        s.message = "GLPK: LP relaxation unbounded";
        break;
      default:
        s.status = SolveStatus::kError;
        s.message = "GLPK glp_intopt failed (code " + std::to_string(rc) + ")";
        break;
    }
    if (!s.has_values()) s.bound = std::numeric_limits<double>::quiet_NaN();
    return s;
  }
};

}  // namespace

std::unique_ptr<Solver> make_glpk_solver() {
  return std::make_unique<GlpkSolver>();
}

}  // namespace cloudnet::solver
