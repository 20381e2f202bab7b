#include "solver/backend_util.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>

namespace cloudnet::solver::internal {

namespace {

constexpr double kIntegralityTolerance = 1e-6;
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

ProgressReporter::ProgressReporter(const SolveOptions& options, const Stopwatch& clock,
                                   Sense sense)
    : callback_(options.progress),
      interrupt_(options.interrupt),
      clock_(clock),
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

Result<Solution> run_backend(std::string_view backend, const Model& model,
                             const SolveOptions& options, const SolveOnce& solve_once) {
  Stopwatch clock;
  if (Status valid = model.validate(); !valid) return valid.error();
  if (std::isnan(options.time_limit_s) || options.time_limit_s < 0) {
    return Error::invalid("SolveOptions::time_limit_s must be >= 0");
  }
  if (!(options.relative_gap >= 0)) return Error::invalid("SolveOptions::relative_gap must be >= 0");
  if (options.threads < 1) return Error::invalid("SolveOptions::threads must be >= 1");

  ProgressReporter reporter(options, clock, model.sense());
  Solution solution;
  if (std::optional<Solution> trivial = answer_trivially(model)) {
    solution = std::move(*trivial);
    if (solution.status == SolveStatus::kOptimal) solution.values.clear();
  } else {
    Result<Solution> raw = solve_once(model, options, reporter);
    if (!raw) return raw.error();
    solution = std::move(raw).value();
    if (solution.status == SolveStatus::kUnbounded) {
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
      Stopwatch fclock;
      ProgressReporter quiet(fopt, fclock, feasibility.sense());
      Result<Solution> check = solve_once(feasibility, fopt, quiet);
      if (!check) return check.error();
      solution.values.clear();
      solution.bound = std::numeric_limits<double>::quiet_NaN();
      switch (check->status) {
        case SolveStatus::kOptimal:
        case SolveStatus::kFeasible:
          solution.status = SolveStatus::kUnbounded;
          solution.message = "objective unbounded (a feasible point exists)";
          break;
        case SolveStatus::kInfeasible:
          solution.status = SolveStatus::kInfeasible;
          solution.message = "infeasible (the relaxation is unbounded but no point is feasible)";
          break;
        default:
          solution.status = SolveStatus::kUnbounded;
          solution.message =
              "relaxation unbounded; feasibility not established: " + check->message;
          break;
      }
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
