#include "solver/backend_util.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <span>
#include <string>
#include <utility>

namespace cloudnet::solver::internal {

namespace {

constexpr double kIntegralityTolerance = 1e-5;  // GLPK's tol_int; CBC uses 1e-6
constexpr double kFeasibilityTolerance = 1e-6;  // relative, see scaled_violation()
// Cap on the feasibility check after "relaxation unbounded" (branch and bound
// may never terminate on an integer-infeasible model with unbounded integer
// variables, e.g. 2x - 2y = 1).
constexpr double kFeasibilityCheckLimit = 30.0;

// Answers models that need no backend: empty models and models whose bounds
// alone are contradictory. Returns nullopt when a backend is needed.
std::optional<Solution> answer_trivially(const Model& model) {
  Solution s;
  s.status = SolveStatus::kInfeasible;
  const auto lb = model.col_lower();
  const auto ub = model.col_upper();
  const auto types = model.col_types();
  for (std::size_t j = 0; j < lb.size(); ++j) {
    const std::string& name = model.var_names()[j];
    if (lb[j] > ub[j]) {
      s.message = "variable '" + name + "' has lower bound > upper bound";
      return s;
    }
    if (types[j] != VarType::kContinuous &&
        std::ceil(lb[j] - kIntegralityTolerance) > std::floor(ub[j] + kIntegralityTolerance)) {
      s.message = "integer variable '" + name + "' has no integer value within its bounds";
      return s;
    }
  }
  const auto rlb = model.row_lower();
  const auto rub = model.row_upper();
  const auto starts = model.row_starts();
  for (std::size_t r = 0; r < rlb.size(); ++r) {
    const bool empty = starts[r] == starts[r + 1];
    if (rlb[r] > rub[r] || (empty && (rlb[r] > 0.0 || rub[r] < 0.0))) {
      s.message = "row '" + model.row_names()[r] + "' cannot be satisfied (bounds)";
      return s;
    }
  }
  if (model.num_vars() == 0) {
    s.status = SolveStatus::kOptimal;
    s.message = "empty model";
    s.bound = model.objective_constant();
    return s;
  }
  return std::nullopt;
}

// Rounds near-integral values of integer variables, fills objective and gap.
void finish(const Model& model, Solution& s) {
  if (!s.has_values()) {
    s.values.clear();
    s.objective = std::numeric_limits<double>::quiet_NaN();
    s.gap = std::numeric_limits<double>::infinity();
    return;
  }
  const auto types = model.col_types();
  for (std::size_t j = 0; j < s.values.size() && j < types.size(); ++j) {
    if (types[j] == VarType::kContinuous) continue;
    const double r = std::round(s.values[j]);
    if (std::abs(s.values[j] - r) <= kIntegralityTolerance) s.values[j] = r == 0.0 ? 0.0 : r;
  }
  s.objective = model.evaluate_objective(s.values);
  if (!std::isfinite(s.bound) && s.status == SolveStatus::kOptimal && !model.is_mip()) {
    s.bound = s.objective;
  }
  s.gap = relative_gap(s.objective, s.bound);
}

}  // namespace

ProgressReporter::ProgressReporter(const SolveOptions& options, const Stopwatch& clock, Sense sense)
    : callback_(options.progress),
      interrupt_(options.interrupt),
      clock_(clock),
      time_limit_(options.time_limit_s),
      sense_(sense),
      interval_(std::max(0.0, options.progress_interval_s)) {}

bool ProgressReporter::better(double a, double b) const {
  return sense_ == Sense::kMinimize ? a < b : a > b;
}

void ProgressReporter::emit_locked(std::int64_t nodes) {
  Progress p;
  p.seconds = clock_.seconds();
  p.incumbent = incumbent_;
  p.bound = bound_;
  if (incumbent_ && bound_) p.gap = relative_gap(*incumbent_, *bound_);
  p.nodes = nodes;
  last_emit_ = p.seconds;
  callback_(p);
}

void ProgressReporter::incumbent(double objective, std::optional<double> bound,
                                 std::int64_t nodes) {
  if (!std::isfinite(objective)) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (bound && std::isfinite(*bound)) bound_ = *bound;
  if (incumbent_ && !better(objective, *incumbent_)) return;
  incumbent_ = objective;
  if (callback_) emit_locked(nodes);
}

void ProgressReporter::tick(std::optional<double> bound, std::int64_t nodes) {
  std::lock_guard<std::mutex> lock(mu_);
  if (bound && std::isfinite(*bound)) bound_ = *bound;
  if (!callback_) return;
  if (clock_.seconds() - last_emit_ < interval_) return;
  emit_locked(nodes);
}

void ProgressReporter::final(const Solution& solution) {
  std::lock_guard<std::mutex> lock(mu_);
  if (solution.has_values()) incumbent_ = solution.objective;
  if (std::isfinite(solution.bound)) bound_ = solution.bound;
  if (callback_) emit_locked(-1);
}

std::optional<double> ProgressReporter::last_bound() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bound_;
}

double remaining_seconds(const SolveOptions& options, const ProgressReporter& reporter) {
  if (!(options.time_limit_s < std::numeric_limits<double>::infinity())) {
    return std::numeric_limits<double>::infinity();
  }
  return std::max(0.0, options.time_limit_s - reporter.seconds());
}

namespace {

// Largest violation of a bound, row or integrality by `x`, relative to the
// magnitude of the numbers involved (a row's tolerance scales with
// max(1, |bound|, sum |a_ij x_j|)). With `where`, the name of the variable or
// row of the largest violation.
double scaled_violation(const Model& model, std::span<const double> x,
                        std::string* where = nullptr) {
  if (x.size() != static_cast<std::size_t>(model.num_vars())) return kInf;
  const auto lb = model.col_lower();
  const auto ub = model.col_upper();
  const auto types = model.col_types();
  double worst = 0.0;
  auto note = [&](double violation, auto&& name) {
    if (violation > worst) {
      worst = violation;
      if (where != nullptr) *where = name();
    }
  };
  for (std::size_t j = 0; j < x.size(); ++j) {
    auto var = [&] { return "variable '" + model.var_names()[j] + "'"; };
    if (!std::isfinite(x[j])) {
      if (where != nullptr) *where = var();
      return kInf;
    }
    const double scale = std::max(1.0, std::abs(x[j]));
    note(std::max((lb[j] - x[j]) / scale, (x[j] - ub[j]) / scale), var);
    if (types[j] != VarType::kContinuous) {
      note(std::abs(x[j] - std::round(x[j])) * kFeasibilityTolerance / kIntegralityTolerance, var);
    }
  }
  const auto starts = model.row_starts();
  const auto vars = model.row_vars();
  const auto coefs = model.row_coefs();
  const auto rlb = model.row_lower();
  const auto rub = model.row_upper();
  for (std::size_t r = 0; r + 1 < starts.size(); ++r) {
    double activity = 0.0;
    double magnitude = 1.0;
    for (auto k = static_cast<std::size_t>(starts[r]); k < static_cast<std::size_t>(starts[r + 1]);
         ++k) {
      const double t = coefs[k] * x[static_cast<std::size_t>(vars[k])];
      activity += t;
      magnitude += std::abs(t);
    }
    const double lo = rlb[r];
    const double hi = rub[r];
    auto row = [&] { return "row '" + model.row_names()[r] + "'"; };
    if (lo != -kInf) note((lo - activity) / std::max(magnitude, std::abs(lo)), row);
    if (hi != kInf) note((activity - hi) / std::max(magnitude, std::abs(hi)), row);
  }
  return worst;
}

// Why SolveOptions::start cannot be used, or "" when it fits the model.
std::string start_problem(const Model& model, std::span<const double> start) {
  if (start.size() != static_cast<std::size_t>(model.num_vars())) {
    return "it has " + std::to_string(start.size()) + " values for " +
           std::to_string(model.num_vars()) + " variables";
  }
  std::string where;
  const double violation = scaled_violation(model, start, &where);
  if (violation > kFeasibilityTolerance) {
    return where + " is violated by " + std::to_string(violation) + " (relative)";
  }
  return {};
}

// a strictly better than b in the model's sense, beyond round-off.
bool strictly_better(Sense sense, double a, double b) {
  const double slack = 1e-9 * std::max(1.0, std::abs(b));
  return sense == Sense::kMinimize ? a < b - slack : a > b + slack;
}

// One backend call, with the relaxation-unbounded case settled.
Result<Solution> attempt(const Model& model, const SolveOptions& options,
                         ProgressReporter& reporter, const SolveOnce& solve_once) {
  Result<Solution> raw = solve_once(model, options, reporter);
  if (!raw || raw->status != SolveStatus::kUnbounded) return raw;
  Solution solution = std::move(raw).value();
  // The relaxation is unbounded. For rational data a feasible MIP with an
  // unbounded relaxation is unbounded, so only feasibility is in question.
  Model feasibility = model;
  feasibility.clear_objective();
  SolveOptions fopt;
  fopt.time_limit_s = std::min(remaining_seconds(options, reporter), kFeasibilityCheckLimit);
  fopt.relative_gap = 0.0;
  fopt.threads = options.threads;
  fopt.log_level = options.log_level;
  fopt.interrupt = options.interrupt;
  fopt.presolve = options.presolve;
  fopt.backend_params = options.backend_params;
  Stopwatch fclock;
  ProgressReporter quiet(fopt, fclock, feasibility.sense());
  Result<Solution> check = solve_once(feasibility, fopt, quiet);
  if (!check) return check.error();
  solution.values.clear();
  solution.bound = std::numeric_limits<double>::quiet_NaN();
  const bool feasible_point =
      check->has_values() && scaled_violation(model, check->values) <= kFeasibilityTolerance;
  if (feasible_point) {
    solution.status = SolveStatus::kUnbounded;
    solution.message = "objective unbounded (a feasible point exists)";
  } else if (check->status == SolveStatus::kInfeasible) {
    solution.status = SolveStatus::kInfeasible;
    solution.message = "infeasible (the relaxation is unbounded but no point is feasible)";
  } else {
    solution.status = SolveStatus::kUnbounded;
    solution.message = "relaxation unbounded; feasibility not established: " + check->message;
  }
  return solution;
}

}  // namespace

Result<Solution> run_backend(std::string_view backend, const Model& model,
                             const SolveOptions& options, const SolveOnce& solve_once) {
  Stopwatch clock;
  if (Status valid = model.validate(); !valid) return valid.error();
  if (std::isnan(options.time_limit_s) || options.time_limit_s < 0) {
    return Error::invalid("SolveOptions::time_limit_s must be >= 0");
  }
  if (!(options.relative_gap >= 0))
    return Error::invalid("SolveOptions::relative_gap must be >= 0");
  if (options.threads < 1) return Error::invalid("SolveOptions::threads must be >= 1");

  ProgressReporter reporter(options, clock, model.sense());
  Solution solution;
  if (std::optional<Solution> trivial = answer_trivially(model)) {
    solution = std::move(*trivial);
  } else {
    // The start is checked here, once for every backend: a backend gets only
    // a start that satisfies the model, with integers rounded exactly.
    SolveOptions effective = options;
    std::string start_note;
    std::optional<double> start_objective;
    if (!options.start.empty()) {
      std::string why = start_problem(model, options.start);
      if (why.empty()) {
        const auto types = model.col_types();
        for (std::size_t j = 0; j < effective.start.size(); ++j) {
          if (types[j] != VarType::kContinuous) {
            effective.start[j] = std::round(effective.start[j]) + 0.0;
          }
        }
        // Rounding moves rows a little: the point handed on must fit too.
        why = start_problem(model, effective.start);
      }
      if (why.empty()) {
        start_objective = model.evaluate_objective(effective.start);
        reporter.incumbent(*start_objective, std::nullopt, 0);
      } else {
        start_note = "start ignored: " + why;
        effective.start.clear();
      }
    }
    Result<Solution> first = attempt(model, effective, reporter, solve_once);
    if (!first) return first.error();
    solution = std::move(first).value();
    // Safety net: never hand out a point that violates the model. Presolvers
    // are the usual culprits (GLPK 5.0's MIP presolver returns infeasible
    // "optimal" points on a few small models), so retry without presolve.
    if (solution.has_values()) {
      const double violation = scaled_violation(model, solution.values);
      if (violation > kFeasibilityTolerance) {
        std::string note = std::string(backend) + " returned a point violating the model by " +
                           std::to_string(violation);
        if (options.presolve) {
          SolveOptions retry = effective;
          retry.presolve = false;
          Result<Solution> second = attempt(model, retry, reporter, solve_once);
          if (!second) return second.error();
          solution = std::move(second).value();
          note += "; re-solved without presolve";
          if (solution.has_values() &&
              scaled_violation(model, solution.values) > kFeasibilityTolerance) {
            solution.status = SolveStatus::kError;
            note += ", which also returned an infeasible point";
          }
        } else {
          solution.status = SolveStatus::kError;
        }
        solution.message = solution.message.empty() ? note : note + "; " + solution.message;
      }
    }
    if (start_objective) {
      solution.start_accepted = true;
      // The start is a proven feasible point: never answer worse than it.
      const bool usable =
          solution.status != SolveStatus::kUnbounded && solution.status != SolveStatus::kError;
      const bool better =
          !solution.has_values() || strictly_better(model.sense(), *start_objective,
                                                    model.evaluate_objective(solution.values));
      if (usable && better) {
        std::string note = "the start is the best solution known";
        if (solution.status == SolveStatus::kInfeasible) {
          // A backend claiming infeasibility against a checked feasible
          // point has a bug; its bound means nothing either.
          note += " (the backend claimed infeasibility: ignored)";
          solution.bound = std::numeric_limits<double>::quiet_NaN();
        }
        if (solution.status != SolveStatus::kOptimal) solution.status = SolveStatus::kFeasible;
        solution.values = effective.start;
        solution.message = solution.message.empty() ? note : solution.message + "; " + note;
      }
    }
    if (!start_note.empty()) {
      solution.message =
          solution.message.empty() ? start_note : start_note + "; " + solution.message;
    }
  }
  solution.backend = std::string(backend);
  if (solution.status == SolveStatus::kOptimal && model.num_vars() == 0) {
    solution.objective = model.objective_constant();
    solution.bound = solution.objective;
    solution.gap = 0.0;
  } else {
    finish(model, solution);
  }
  solution.seconds = clock.seconds();
  reporter.final(solution);
  return solution;
}

}  // namespace cloudnet::solver::internal
