// Solving a Problem with the MIP (formulation.h) on a registered solver
// backend: warm starts, the DeltaGAP stall rule of thesis 6.2.4, time limits
// that cover the whole call, and the formulation's strengthening options.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "mapping/fast.h"
#include "mapping/formulation.h"
#include "mapping/problem.h"
#include "mapping/result.h"
#include "solver/solver.h"

namespace cloudnet::mapping {

// Thesis 6.2.4 "Monitoring GAP development": "The wrapper allows the solver a
// certain amount of time Δt to improve the GAP by at least 5% after a integer
// solution has been found. If the improvement limit is reached, the timer is
// reset." Otherwise the solve stops with the incumbent (kFeasible).
//
// "By 5%" is read as a relative reduction: the gap must fall to at most
// (1 - min_improvement) times its value at the last reset. (Five percentage
// points would never be reached again once the gap is below 5 %, so the rule
// would end every solve one window after the gap got small.) Gaps are the
// solver's relative gaps (solver::relative_gap); an unknown bound is an
// infinite gap, and the first finite one counts as an improvement.
struct DeltaGap {
  // Δt: a fixed window when > 0 (6.2.4 tried 5 min), otherwise
  // window_factor x the time to the first solution (6.2.4: 10x; 6.4.3: 5x),
  // but at least min_window_s (a warm start is "found" after ~0 s).
  double window_s = 0;
  double window_factor = 5;
  double min_window_s = 1;
  double min_improvement = 0.05;
  // How often the watchdog looks at the clock, and how often the solver
  // reports its bound (SolveOptions::progress_interval_s) while it runs.
  double check_interval_s = 0.05;
};

// The rule itself, fed with progress reports and asked about the clock;
// thread-safe (the solver reports from its thread, a watchdog asks from
// another). Times are seconds since the solve started.
class DeltaGapMonitor {
 public:
  explicit DeltaGapMonitor(const DeltaGap& rule) : rule_(rule) {}
  void observe(const solver::Progress& progress);
  // True once a window has passed since the last reset without the
  // required improvement (never before the first solution).
  bool expired(double seconds) const;
  // For reports: nullopt before the first solution.
  std::optional<double> first_solution_s() const;
  std::optional<double> window() const;  // Δt in seconds
  double last_gap() const;
  int resets() const;

 private:
  DeltaGap rule_;
  mutable std::mutex mu_;
  std::optional<double> first_s_;
  double window_s_ = 0;
  double reset_s_ = 0;
  double reference_gap_ = 0;
  double last_gap_ = 0;
  int resets_ = 0;
};

struct SolveSettings {
  std::string solver = "cbc";  // a name in solver::default_registry()
  // Wall-clock limit for the whole solve_mip() call: the fast stage of
  // warm_start_fast, building the formulation and the solver run.
  double time_limit_s = 60;
  double relative_gap = 1e-4;
  int threads = 1;
  int log_level = 0;
  // Progress of the solver run (seconds since the solver started).
  std::function<void(const solver::Progress&)> progress;
  // When set to true by another thread, the solve stops with what it has.
  const std::atomic<bool>* interrupt = nullptr;
  // A known mapping to start from (a warm start): encoded with
  // Formulation::encode and given to the solver; one that does not satisfy
  // the model is ignored (the explanation of the result says so).
  std::optional<Solution> start;
  // Run the fast embedder (fast.h) first and start from its mapping when it
  // finds one (ignored when `start` is given).
  bool warm_start_fast = false;
  FastOptions fast;
  // Stop when the gap stalls (thesis 6.2.4); nullopt = only the time limit.
  std::optional<DeltaGap> delta_gap;
  FormulationOptions formulation;
  // Passed to the backend unchanged (solver::SolveOptions::backend_params).
  std::map<std::string, std::string> backend_params;
};

// Proven infeasibility (or an obviously impossible request, found before
// any solver runs) comes back as Status::kInfeasible with an explanation; a
// solver that stops without a solution as kNoSolution. MappingResult::seconds
// is the whole call; `strategy` names what ran, e.g. "mip/cbc",
// "mip/cbc+fast-start+deltagap". A run on a candidate-restricted model
// (FormulationOptions::candidate_limit) never claims kOptimal or kInfeasible.
MappingResult solve_mip(const Problem& problem, const SolveSettings& settings);

// A virtual node without any suitable host makes the problem infeasible
// before any solver runs: that result (kInfeasible with explain_infeasible's
// reasons; the caller sets strategy and seconds), or nullopt.
std::optional<MappingResult> infeasible_without_candidates(const Problem& problem);

}  // namespace cloudnet::mapping
