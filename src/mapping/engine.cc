#include "mapping/engine.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <limits>
#include <memory>
#include <thread>
#include <utility>

namespace cloudnet::mapping {

namespace {

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g s", s);
  return buf;
}

// A thread that looks at the clock every `interval` seconds and raises
// `stop` when the DeltaGAP rule expires or the caller's interrupt is set.
class Watchdog {
 public:
  Watchdog(double interval, const DeltaGapMonitor* monitor, const std::atomic<bool>* user,
           std::atomic<bool>& stop)
      : start_(std::chrono::steady_clock::now()), monitor_(monitor), user_(user), stop_(stop) {
    const auto period = std::chrono::duration<double>(std::max(1e-3, interval));
    thread_ = std::thread([this, period] {
      std::unique_lock<std::mutex> lock(mu_);
      while (!done_) {
        cv_.wait_for(lock, period);
        if (done_) break;
        if (user_ != nullptr && user_->load(std::memory_order_relaxed)) stop_ = true;
        if (monitor_ != nullptr && !fired_ && monitor_->expired(seconds())) {
          fired_ = true;
          stop_ = true;
        }
      }
    });
  }
  ~Watchdog() { finish(); }
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  void finish() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  // True when the DeltaGAP rule (not the caller) stopped the solve.
  bool fired() const {
    std::lock_guard<std::mutex> lock(mu_);
    return fired_;
  }

 private:
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

  std::chrono::steady_clock::time_point start_;
  const DeltaGapMonitor* monitor_;
  const std::atomic<bool>* user_;
  std::atomic<bool>& stop_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  bool fired_ = false;
  std::thread thread_;
};

}  // namespace

void DeltaGapMonitor::observe(const solver::Progress& p) {
  if (!p.incumbent) return;
  std::lock_guard<std::mutex> lock(mu_);
  const double gap = p.gap;  // +inf while the bound is unknown
  last_gap_ = gap;
  if (!first_s_) {
    // thesis 6.2.4: the window starts with the first integer solution.
    first_s_ = p.seconds;
    window_s_ = rule_.window_s > 0 ? rule_.window_s
                                   : std::max(rule_.min_window_s, rule_.window_factor * p.seconds);
    reset_s_ = p.seconds;
    reference_gap_ = gap;
    return;
  }
  const bool improved = std::isinf(reference_gap_)
                            ? std::isfinite(gap)
                            : gap <= reference_gap_ * (1.0 - rule_.min_improvement);
  if (improved) {
    reset_s_ = p.seconds;
    reference_gap_ = gap;
    ++resets_;
  }
}

bool DeltaGapMonitor::expired(double seconds) const {
  std::lock_guard<std::mutex> lock(mu_);
  return first_s_.has_value() && seconds - reset_s_ > window_s_;
}

std::optional<double> DeltaGapMonitor::first_solution_s() const {
  std::lock_guard<std::mutex> lock(mu_);
  return first_s_;
}

std::optional<double> DeltaGapMonitor::window() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (!first_s_) return std::nullopt;
  return window_s_;
}

double DeltaGapMonitor::last_gap() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_gap_;
}

int DeltaGapMonitor::resets() const {
  std::lock_guard<std::mutex> lock(mu_);
  return resets_;
}

std::optional<MappingResult> infeasible_without_candidates(const Problem& problem) {
  for (const auto& row : problem.node_suitable) {
    if (std::none_of(row.begin(), row.end(), [](char c) { return c != 0; })) {
      MappingResult out;
      out.status = Status::kInfeasible;
      out.explanation = explain_infeasible(problem);
      return out;
    }
  }
  return std::nullopt;
}

MappingResult solve_mip(const Problem& problem, const SolveSettings& settings) {
  const auto began = std::chrono::steady_clock::now();
  MappingResult out;
  out.strategy = "mip/" + settings.solver;
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  };
  // A virtual node without any candidate cannot be placed: say so without
  // building a model.
  if (auto none = infeasible_without_candidates(problem)) {
    none->strategy = out.strategy;
    none->seconds = elapsed();
    return *none;
  }
  auto backend = solver::default_registry().create(settings.solver);
  if (!backend) {
    out.status = Status::kError;
    out.explanation = {backend.error().message};
    out.seconds = elapsed();
    return out;
  }

  // The start: given, or from the fast embedder (its time counts).
  std::optional<Solution> start = settings.start;
  std::vector<std::string> notes;
  if (start) {
    out.strategy += "+start";
  } else if (settings.warm_start_fast) {
    out.strategy += "+fast-start";
    FastOptions fo = settings.fast;
    fo.evaluate = false;
    MappingResult fast = solve_fast(problem, fo);
    if (fast.has_solution()) {
      start = std::move(fast.solution);
    } else {
      notes.push_back("the fast embedder found no start mapping");
    }
  }

  // Held in an optional so that freeing a large model counts in `seconds`.
  std::optional<Formulation> formulation;
  formulation.emplace(problem, settings.formulation);
  const Formulation& f = *formulation;
  if (f.restricted())
    out.strategy += "+cand" + std::to_string(settings.formulation.candidate_limit);
  solver::SolveOptions opts;
  // The limit is for the whole call: the fast stage and building the model
  // took their share already.
  opts.time_limit_s = std::max(0.0, settings.time_limit_s - elapsed());
  opts.relative_gap = settings.relative_gap;
  opts.threads = settings.threads;
  opts.log_level = settings.log_level;
  opts.backend_params = settings.backend_params;
  if (start) opts.start = f.encode(*start);

  std::atomic<bool> stop{false};
  std::optional<DeltaGapMonitor> monitor;
  if (settings.delta_gap) {
    out.strategy += "+deltagap";
    monitor.emplace(*settings.delta_gap);
    // Bound updates must arrive often enough for the rule to see progress;
    // the caller's callback still gets bound-only reports about once a
    // second.
    opts.progress_interval_s = settings.delta_gap->check_interval_s;
    auto user = settings.progress;
    auto last_forward = std::make_shared<double>(-1.0);
    auto last_incumbent = std::make_shared<std::optional<double>>();
    opts.progress = [&monitor, user, last_forward, last_incumbent](const solver::Progress& p) {
      monitor->observe(p);
      if (!user) return;
      if (p.incumbent != *last_incumbent || p.seconds - *last_forward >= 1.0 || p.nodes < 0) {
        *last_forward = p.seconds;
        *last_incumbent = p.incumbent;
        user(p);
      }
    };
  } else {
    opts.progress = settings.progress;
  }
  std::optional<Watchdog> watchdog;
  if (monitor || settings.interrupt != nullptr) {
    opts.interrupt = &stop;
    watchdog.emplace(monitor ? settings.delta_gap->check_interval_s : 0.05,
                     monitor ? &*monitor : nullptr, settings.interrupt, stop);
  }
  auto sol = (*backend)->solve(f.model(), opts);
  bool stalled = false;
  if (watchdog) {
    watchdog->finish();
    stalled = watchdog->fired();
  }
  if (!sol) {
    out.status = Status::kError;
    out.explanation = {sol.error().message};
    out.seconds = elapsed();
    return out;
  }
  if (start && !sol->start_accepted) {
    notes.push_back("the start mapping was ignored: " + sol->message);
  }
  out.objective = sol->objective;
  out.bound = sol->bound;
  out.gap = sol->gap;
  switch (sol->status) {
    case solver::SolveStatus::kOptimal: out.status = Status::kOptimal; break;
    case solver::SolveStatus::kFeasible: out.status = Status::kFeasible; break;
    case solver::SolveStatus::kInfeasible:
      out.status = Status::kInfeasible;
      out.explanation = explain_infeasible(problem);
      break;
    case solver::SolveStatus::kTimeLimitNoSolution:
      out.status = Status::kNoSolution;
      out.explanation = {"the solver found no mapping within " +
                         std::to_string(settings.time_limit_s) + " s: " + sol->message};
      break;
    case solver::SolveStatus::kUnbounded:
    case solver::SolveStatus::kError:
      out.status = Status::kError;
      out.explanation = {"solver " + settings.solver + ": " + sol->message};
      break;
  }
  if (f.restricted()) {
    // An approximation: optimal or infeasible only within the candidates kept.
    if (out.status == Status::kOptimal) {
      out.status = Status::kFeasible;
      notes.push_back("optimal among the " + std::to_string(settings.formulation.candidate_limit) +
                      " candidate hosts kept per virtual node, not proven for all");
    } else if (out.status == Status::kInfeasible) {
      out.status = Status::kNoSolution;
      out.explanation.insert(out.explanation.begin(),
                             "no mapping among the " +
                                 std::to_string(settings.formulation.candidate_limit) +
                                 " candidate hosts kept per virtual node (not proven for all)");
    }
  }
  if (stalled && out.status == Status::kFeasible) {
    char buf[160];
    std::snprintf(buf, sizeof buf,
                  "DeltaGAP (thesis 6.2.4) stopped the search: the gap (%.3g) did not fall by "
                  "%g %% within %s (first solution after %s)",
                  monitor->last_gap(), settings.delta_gap->min_improvement * 100,
                  seconds_text(monitor->window().value_or(0)).c_str(),
                  seconds_text(monitor->first_solution_s().value_or(0)).c_str());
    notes.push_back(buf);
  }
  out.explanation.insert(out.explanation.end(), notes.begin(), notes.end());
  if (out.has_solution()) out.solution = f.decode(sol->values);
  formulation.reset();
  out.seconds = elapsed();
  return out;
}

}  // namespace cloudnet::mapping
