// Internal helpers shared by the backends (not part of the public API; include
// only from backend implementations). A backend implements "solve once" on a
// validated, non-trivial model; run_backend() does everything around it:
// validation, trivial answers, timing, progress, value clean-up and the check
// that turns "relaxation unbounded" into a proven kUnbounded or kInfeasible.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string_view>

#include "common/result.h"
#include "solver/model.h"
#include "solver/solver.h"

namespace cloudnet::solver::internal {

class Stopwatch {
 public:
  Stopwatch() : start_(std::chrono::steady_clock::now()) {}
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_;
};

// Serialised, throttled delivery of Progress reports. All values are in the
// user's objective terms (sense as in the model, constant included).
class ProgressReporter {
 public:
  ProgressReporter(const SolveOptions& options, const Stopwatch& clock, Sense sense);

  bool enabled() const { return static_cast<bool>(callback_); }
  // A (possibly) new incumbent; reported immediately if it improves.
  void incumbent(double objective, std::optional<double> bound, std::int64_t nodes);
  // A periodic update; reported at most every progress_interval_s.
  void tick(std::optional<double> bound, std::int64_t nodes);
  // The final report (always delivered when enabled).
  void final(const Solution& solution);
  // True when the caller asked to stop (SolveOptions::interrupt).
  bool interrupted() const {
    return interrupt_ != nullptr && interrupt_->load(std::memory_order_relaxed);
  }
  // True once SolveOptions::time_limit_s has passed (measured from solve()).
  bool time_up() const { return clock_.seconds() >= time_limit_; }
  // interrupted() or time_up(): what a backend's hard stop looks at.
  bool stop_requested() const { return interrupted() || time_up(); }
  double seconds() const { return clock_.seconds(); }
  // Last bound seen (user terms), if any.
  std::optional<double> last_bound() const;

 private:
  bool better(double a, double b) const;  // a strictly better than b
  void emit_locked(std::int64_t nodes);

  std::function<void(const Progress&)> callback_;
  const std::atomic<bool>* interrupt_;
  const Stopwatch& clock_;
  double time_limit_;
  Sense sense_;
  double interval_;
  mutable std::mutex mu_;
  std::optional<double> incumbent_, bound_;
  double last_emit_ = -1.0;
};

// Runs one backend solve on `model` with `options`. The callback gets a
// validated model with at least one variable and no trivially infeasible
// bounds, and returns a Solution with status, values (if any), bound and
// message filled in; objective, gap, seconds and backend are filled in here.
// A callback reporting kUnbounded means "the relaxation is unbounded"; this
// function then decides feasibility with a zero-objective solve.
using SolveOnce =
    std::function<Result<Solution>(const Model&, const SolveOptions&, ProgressReporter&)>;
Result<Solution> run_backend(std::string_view backend, const Model& model,
                             const SolveOptions& options, const SolveOnce& solve_once);

// Remaining seconds of the time limit (>= 0, +inf without a limit).
double remaining_seconds(const SolveOptions& options, const ProgressReporter& reporter);

}  // namespace cloudnet::solver::internal
