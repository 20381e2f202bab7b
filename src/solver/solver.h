// Solving a Model: options, results, the backend interface and the registry.
//
//   const SolverRegistry& registry = default_registry();   // "cbc", "glpk"
//   auto solver = registry.create("cbc");
//   if (!solver) return solver.error();
//   SolveOptions options;
//   options.time_limit_s = 60;
//   options.progress = [](const Progress& p) { log(p.seconds, p.incumbent, p.bound); };
//   Result<Solution> sol = (*solver)->solve(model, options);
//   if (!sol) return sol.error();              // invalid model, backend failure
//   if (sol->has_values()) use(sol->value(x));  // kOptimal or kFeasible
//
// Error reporting contract of Solver::solve():
//  - an Error (not a Solution) when the model is invalid (Model::validate()),
//    or the backend cannot be used at all;
//  - otherwise a Solution whose `status` says what happened; kError there
//    means the backend ran but gave up (numerical trouble), see `message`.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "solver/model.h"

namespace cloudnet::solver {

// A progress report during a solve.
struct Progress {
  double seconds = 0.0;                                  // wall time since solve() started
  std::optional<double> incumbent;                       // objective of the best solution so far
  std::optional<double> bound;                           // best proven bound on the optimum
  double gap = std::numeric_limits<double>::infinity();  // relative_gap(incumbent, bound)
  std::int64_t nodes = -1;  // branch-and-bound nodes so far, -1 if unknown
};

struct SolveOptions {
  // Wall-clock limit for the whole solve() call (including waiting for the
  // process-wide CBC lock and building the backend's problem). Enforced by
  // the backend's own limit and by a hard stop: CBC's root heuristics (e.g.
  // CbcHeuristicDiveCoefficient) look at no clock, so the LP solves inside
  // them are stopped through a CLP event handler once the limit has passed.
  // A search cut short that way is never reported kOptimal or kInfeasible.
  double time_limit_s = std::numeric_limits<double>::infinity();
  // Stop when |incumbent - bound| / max(|incumbent|, 1e-10) <= relative_gap;
  // the result is then kOptimal ("optimal within the requested gap").
  double relative_gap = 1e-4;
  // Worker threads. CBC (built with threads in Debian) uses them for parallel
  // branch and bound when > 1; GLPK is single-threaded and ignores this.
  int threads = 1;
  // Called synchronously from the solving thread(s), serialised (never
  // concurrently), on every new incumbent, at most every progress_interval_s
  // for bound-only updates, and once at the end with the final numbers. Keep
  // it cheap and do not call back into the solver.
  std::function<void(const Progress&)> progress;
  double progress_interval_s = 1.0;
  // 0: silent. 1: the backend's normal log on stdout. 2+: verbose.
  int log_level = 0;
  // When non-null and set to true by another thread, the solve stops at the
  // next opportunity and returns the best solution found (kFeasible), or
  // kTimeLimitNoSolution with message "interrupted". (Pure LPs on CBC run to
  // completion or the time limit.)
  const std::atomic<bool>* interrupt = nullptr;
  // Backend presolve (CLP and GLPK LP presolve, CBC driver presolve, GLPK's
  // MIP presolver).
  bool presolve = true;
  // A start (warm start, MIP start): one value per variable (Var::index), or
  // empty for none. run_backend() checks it against the model first (bounds,
  // rows, integrality, the tolerances of Solution::values); a start that does
  // not fit is ignored and Solution::message says why, so a wrong start can
  // never make a wrong result. A valid start is reported at once as the first
  // incumbent (progress), handed to the backend as its first incumbent and
  // cutoff (CBC: CbcModel::setBestSolution before the driver runs; GLPK:
  // glp_ios_heur_sol at the first GLP_IHEUR, with the MIP presolver off since
  // the callback sees the presolved problem otherwise), and is the answer
  // (kFeasible) if the backend stops without anything better.
  std::vector<double> start;
  // Backend-specific parameters, keyed "<backend>:<name>"; a backend ignores
  // the keys of other backends.
  //  cbc:  any CBC driver parameter, passed as "-<name> <value>" after the
  //        defaults, e.g. {"cbc:preprocess", "sos"} or {"cbc:cuts", "off"}.
  //        CBC reports unknown names on stdout and ignores them.
  //  glpk: none; a "glpk:" key is an Error.
  std::map<std::string, std::string> backend_params;
};

enum class SolveStatus {
  kOptimal,              // proven optimal (within SolveOptions::relative_gap)
  kFeasible,             // stopped (time limit, interrupt) with a solution; see gap
  kInfeasible,           // proven infeasible
  kUnbounded,            // objective unbounded and a feasible point was found; if the
                         // feasibility check (<= 30 s) is inconclusive, message says so
  kTimeLimitNoSolution,  // stopped (time limit, interrupt) without any solution
  kError,                // the backend gave up; see Solution::message
};

const char* to_string(SolveStatus status);

struct Solution {
  SolveStatus status = SolveStatus::kError;
  // Objective of `values` including the model's constant; NaN without values.
  double objective = std::numeric_limits<double>::quiet_NaN();
  // Best proven bound on the optimum (the objective for LPs, the backend's
  // dual bound for MIPs, plus the constant); NaN when unknown.
  double bound = std::numeric_limits<double>::quiet_NaN();
  // relative_gap(objective, bound); +inf when unknown.
  double gap = std::numeric_limits<double>::infinity();
  double seconds = 0.0;  // wall time of solve()
  // One value per variable (Var::index), present for kOptimal and kFeasible.
  // Every returned point is checked against the model (bounds, rows,
  // integrality; relative tolerance 1e-6, integrality 1e-5). A backend point
  // that fails the check is re-solved without presolve, else kError. Values
  // of integer variables within 1e-5 of an integer are then rounded to it.
  std::vector<double> values;
  std::string message;  // human-readable detail (why it stopped, backend notes)
  // SolveOptions::start was valid and given to the backend (false without a
  // start, or when it was ignored; message then says why).
  bool start_accepted = false;
  std::string backend;  // name of the backend that produced it

  bool has_values() const {
    return status == SolveStatus::kOptimal || status == SolveStatus::kFeasible;
  }
  double value(Var var) const { return values[static_cast<std::size_t>(var.index)]; }
};

// |incumbent - bound| / max(|incumbent|, 1e-10); 0 when equal, +inf when
// either is not finite.
double relative_gap(double incumbent, double bound);

// One backend. Instances are cheap; create one per solve or reuse one from a
// single thread at a time. Different instances may be used from different
// threads (CBC solves are internally serialised process-wide, because CBC's
// driver keeps global state; GLPK keeps per-thread state).
class Solver {
 public:
  virtual ~Solver() = default;
  // Registry name, e.g. "cbc".
  virtual std::string name() const = 0;
  // Backend library and version, e.g. "CBC 2.10.8".
  virtual std::string version() const = 0;
  virtual Result<Solution> solve(const Model& model, const SolveOptions& options) = 0;
};

// Maps backend names to factories. Not thread-safe for registration; create()
// and names() may be called concurrently once registration is done.
class SolverRegistry {
 public:
  using Factory = std::function<std::unique_ptr<Solver>()>;

  // Fails if `name` is empty, already registered, or `factory` is empty.
  Status register_backend(std::string name, Factory factory);
  // A new instance of backend `name`; kNotFound listing the known names.
  Result<std::unique_ptr<Solver>> create(std::string_view name) const;
  bool contains(std::string_view name) const;
  // Registered names, sorted.
  std::vector<std::string> names() const;

 private:
  std::map<std::string, Factory, std::less<>> factories_;
};

// Registers the built-in backends ("cbc", "glpk") in `registry`. This is the
// one place that knows them all (solver/registry.cc).
Status register_builtin_backends(SolverRegistry& registry);

// A registry holding the built-in backends, created on first use.
const SolverRegistry& default_registry();

}  // namespace cloudnet::solver
