#include "solver/cbc_solver.h"

#include <atomic>
#include <cmath>
#include <cstdio>
#include <limits>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "solver/backend_util.h"

#include "solver/cbc_headers.h"

namespace cloudnet::solver {

namespace {

using internal::ProgressReporter;

// CbcMain0/CbcMain1 use process-global state (command parsing, printing).
std::mutex& cbc_mutex() {
  static std::mutex mu;
  return mu;
}

double to_coin(double v) {
  if (v == kInf) return COIN_DBL_MAX;
  if (v == -kInf) return -COIN_DBL_MAX;
  return v;
}

std::string format_double(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// State shared by the event handlers and all their clones (CBC clones the
// handler into the models it creates, including per-thread models; CLP's
// handler is cloned with every copy of the LP solver).
struct EventState {
  ProgressReporter* reporter = nullptr;
  double sign = 1.0;  // user objective = sign * (minimisation objective) + constant
  double constant = 0.0;
  // Set when an LP solve was cut short by HardStopHandler: from then on the
  // search may have pruned nodes on unfinished LPs, so nothing it says about
  // optimality or infeasibility counts.
  std::atomic<bool> hard_stopped{false};
  // The last bound CBC reported before the hard stop (user terms).
  std::mutex mu;
  std::optional<double> bound_at_stop;
};

// Stops every simplex solve once the time limit has passed or an interrupt
// is requested. CBC checks its own time limit only between nodes and root
// phases; heuristics such as CbcHeuristicDiveCoefficient run hundreds of LPs
// without looking at the clock (a 7-node request on the 100-node virne
// substrate spent 15.6 s in DiveCoefficient with a 5 s limit). CLP calls this
// after every iteration; returning 0 ends the solve with status 5 ("stopped
// by event"). CBC does not always read that as "unfinished" (it once took such
// an LP's objective as its bound), hence EventState::hard_stopped.
class HardStopHandler final : public ClpEventHandler {
 public:
  explicit HardStopHandler(EventState* state) : state_(state) {}
  HardStopHandler(const HardStopHandler&) = default;
  HardStopHandler& operator=(const HardStopHandler&) = delete;
  ~HardStopHandler() override = default;

  int event(Event which) override {
    if (which != endOfIteration || state_ == nullptr) return -1;
    if (!state_->reporter->stop_requested()) return -1;
    if (!state_->hard_stopped.exchange(true)) {
      std::lock_guard<std::mutex> lock(state_->mu);
      state_->bound_at_stop = state_->reporter->last_bound();
    }
    return 0;
  }
  ClpEventHandler* clone() const override { return new HardStopHandler(*this); }

 private:
  EventState* state_;
};

class ProgressEventHandler final : public CbcEventHandler {
 public:
  explicit ProgressEventHandler(EventState* state) : state_(state) {}
  ProgressEventHandler(const ProgressEventHandler&) = default;
  ProgressEventHandler& operator=(const ProgressEventHandler&) = delete;
  ~ProgressEventHandler() override = default;

  using CbcEventHandler::event;
  CbcAction event(CbcEvent which) override {
    const CbcModel* m = getModel();
    if (m == nullptr || state_ == nullptr) return noAction;
    ProgressReporter& reporter = *state_->reporter;
    if (reporter.stop_requested()) return stop;
    switch (which) {
      case solution:
      case heuristicSolution: {
        const double inc = m->getMinimizationObjValue();
        if (std::abs(inc) < 1e50) {
          reporter.incumbent(to_user(inc), bound(*m), m->getNodeCount());
        }
        break;
      }
      case node:
      case treeStatus: reporter.tick(bound(*m), m->getNodeCount()); break;
      default: break;
    }
    return noAction;
  }
  CbcEventHandler* clone() const override { return new ProgressEventHandler(*this); }

 private:
  double to_user(double minimisation_value) const {
    return state_->sign * minimisation_value + state_->constant;
  }
  std::optional<double> bound(const CbcModel& m) const {
    // getBestPossibleObjValue() is in the sense of the (possibly
    // preprocessed) model's solver; undo that to get the minimisation form.
    const OsiSolverInterface* s = m.solver();
    if (s == nullptr) return std::nullopt;
    const double b = m.getBestPossibleObjValue() * s->getObjSense();
    if (!(std::abs(b) < 1e50)) return std::nullopt;
    return to_user(b);
  }

  EventState* state_;
};

class CbcSolver final : public Solver {
 public:
  std::string name() const override { return "cbc"; }
  std::string version() const override { return std::string("CBC ") + CBC_VERSION; }

  Result<Solution> solve(const Model& model, const SolveOptions& options) override {
    return internal::run_backend(
        name(), model, options,
        [](const Model& m, const SolveOptions& o, ProgressReporter& r) -> Result<Solution> {
          return solve_once(m, o, r);
        });
  }

 private:
  static Result<Solution> solve_once(const Model& model, const SolveOptions& options,
                                     ProgressReporter& reporter);
  static Solution solve_lp(OsiClpSolverInterface& osi, const Model& model,
                           const SolveOptions& options, double remaining);
  static Solution solve_mip(OsiClpSolverInterface& osi, const Model& model,
                            const SolveOptions& options, ProgressReporter& reporter);
};

Result<Solution> CbcSolver::solve_once(const Model& model, const SolveOptions& options,
                                       ProgressReporter& reporter) {
  std::lock_guard<std::mutex> lock(cbc_mutex());
  if (internal::remaining_seconds(options, reporter) <= 0.0 || reporter.interrupted()) {
    Solution s;
    s.status = SolveStatus::kTimeLimitNoSolution;
    s.message = reporter.interrupted() ? "interrupted" : "time limit reached before CBC started";
    return s;
  }

  const int n = model.num_vars();
  const int m = model.num_rows();
  const auto starts64 = model.row_starts();
  std::vector<CoinBigIndex> starts(starts64.size());
  std::vector<int> lengths(static_cast<std::size_t>(m));
  for (std::size_t r = 0; r < starts64.size(); ++r) {
    starts[r] = static_cast<CoinBigIndex>(starts64[r]);
    if (r > 0) lengths[r - 1] = static_cast<int>(starts64[r] - starts64[r - 1]);
  }
  const auto nnz = static_cast<CoinBigIndex>(model.num_nonzeros());
  CoinPackedMatrix matrix(/*colordered=*/false, /*minor=*/n, /*major=*/m, nnz,
                          model.row_coefs().data(), model.row_vars().data(), starts.data(),
                          lengths.data());

  auto convert = [](std::span<const double> in) {
    std::vector<double> out(in.size());
    for (std::size_t i = 0; i < in.size(); ++i) out[i] = to_coin(in[i]);
    return out;
  };
  const std::vector<double> collb = convert(model.col_lower());
  const std::vector<double> colub = convert(model.col_upper());
  const std::vector<double> rowlb = convert(model.row_lower());
  const std::vector<double> rowub = convert(model.row_upper());

  OsiClpSolverInterface osi;
  osi.messageHandler()->setLogLevel(options.log_level > 0 ? 1 : 0);
  osi.loadProblem(matrix, collb.data(), colub.data(), model.objective().data(), rowlb.data(),
                  rowub.data());
  osi.setObjSense(model.sense() == Sense::kMaximize ? -1.0 : 1.0);
  std::vector<int> integers;
  integers.reserve(static_cast<std::size_t>(model.num_integer_vars()));
  const auto types = model.col_types();
  for (int j = 0; j < n; ++j) {
    if (types[static_cast<std::size_t>(j)] != VarType::kContinuous) integers.push_back(j);
  }
  if (!integers.empty()) {
    osi.setInteger(integers.data(), static_cast<int>(integers.size()));
    return solve_mip(osi, model, options, reporter);
  }
  // Building took time too: the limit is for the whole solve() call.
  return solve_lp(osi, model, options, internal::remaining_seconds(options, reporter));
}

Solution CbcSolver::solve_lp(OsiClpSolverInterface& osi, const Model& model,
                             const SolveOptions& options, double remaining) {
  if (std::isfinite(remaining)) osi.getModelPtr()->setMaximumSeconds(remaining);
  osi.setHintParam(OsiDoPresolveInInitial, options.presolve, OsiHintTry);
  osi.setHintParam(OsiDoReducePrint, options.log_level == 0, OsiHintTry);
  osi.initialSolve();

  Solution s;
  if (osi.isProvenOptimal()) {
    s.status = SolveStatus::kOptimal;
    const double* x = osi.getColSolution();
    s.values.assign(x, x + model.num_vars());
    s.message = "LP optimal (CLP)";
  } else if (osi.isProvenPrimalInfeasible()) {
    s.status = SolveStatus::kInfeasible;
    s.message = "LP infeasible (CLP)";
  } else if (osi.isProvenDualInfeasible()) {
    s.status = SolveStatus::kUnbounded;
    s.message = "LP dual infeasible (CLP)";
  } else if (osi.isIterationLimitReached()) {
    s.status = SolveStatus::kTimeLimitNoSolution;
    s.message = "CLP stopped on its time or iteration limit";
  } else {
    s.status = SolveStatus::kError;
    s.message = "CLP abandoned the LP (numerical difficulties)";
  }
  return s;
}

Solution CbcSolver::solve_mip(OsiClpSolverInterface& osi, const Model& model,
                              const SolveOptions& options, ProgressReporter& reporter) {
  EventState state;
  state.reporter = &reporter;
  state.sign = model.sense() == Sense::kMaximize ? -1.0 : 1.0;
  state.constant = model.objective_constant();
  ProgressEventHandler handler(&state);
  HardStopHandler hard_stop(&state);
  // Before CbcModel copies the solver: every copy CBC makes clones it.
  osi.getModelPtr()->passInEventHandler(&hard_stop);
  CbcModel cbc(osi);
  cbc.passInEventHandler(&handler);  // stores a clone
  if (options.log_level == 0) cbc.setLogLevel(0);
  CbcSolverUsefulData data;
  CbcMain0(cbc, data);
  if (!options.start.empty()) {
    // The incumbent CbcMain1 starts from (its copy of the model keeps it)
    // and the cutoff for the search. Not CbcModel::setMIPStart: CBC 2.10.8's
    // driver crashes (ClpPresolve, SIGSEGV) completing some of our starts.
    // run_backend() has checked the start, so CBC need not (check = false);
    // the objective is CBC's minimisation form without the constant.
    double objective = 0;
    const auto c = model.objective();
    for (std::size_t j = 0; j < c.size(); ++j) objective += c[j] * options.start[j];
    cbc.setBestSolution(options.start.data(), model.num_vars(), state.sign * objective,
                        /*check=*/false);
  }
  cbc.setAllowableFractionGap(options.relative_gap);
  // Building the problem took time too: the limit is for the whole solve().
  const double remaining = internal::remaining_seconds(options, reporter);
  if (std::isfinite(remaining)) cbc.setMaximumSeconds(remaining);

  // Settings go through the driver's command line, which is what CbcMain1
  // applies to the model it actually solves.
  std::vector<std::string> args = {"cloudnet",
                                   "-log",
                                   std::to_string(options.log_level > 0 ? options.log_level : 0),
                                   "-slog",
                                   std::to_string(options.log_level > 1 ? 1 : 0),
                                   "-ratioGap",
                                   format_double(options.relative_gap),
                                   "-timeMode",
                                   "elapsed"};
  if (std::isfinite(remaining)) {
    args.insert(args.end(), {"-seconds", format_double(remaining)});
  }
  if (options.threads > 1) {
    args.insert(args.end(), {"-threads", std::to_string(options.threads)});
  }
  // CBC 2.10.8 (Debian) gives wrong "optimal" answers on about 0.15% of small
  // random MIPs with CglPreProcess, the feasibility pump or probing enabled
  // (see README.md); with preprocessing off the pump can also hit an
  // assertion (abort). Off by default; backend_params can re-enable them.
  args.insert(args.end(), {"-preprocess", "off", "-feas", "off", "-probing", "off"});
  if (!options.presolve) args.insert(args.end(), {"-presolve", "off"});
  constexpr std::string_view kPrefix = "cbc:";
  for (const auto& [key, value] : options.backend_params) {
    if (key.size() > kPrefix.size() && key.starts_with(kPrefix)) {
      args.push_back("-" + key.substr(kPrefix.size()));
      args.push_back(value);
    }
  }
  args.insert(args.end(), {"-solve", "-quit"});
  std::vector<const char*> argv;
  argv.reserve(args.size());
  for (const std::string& a : args) argv.push_back(a.c_str());

  const int rc = CbcMain1(
      static_cast<int>(argv.size()), argv.data(), cbc, [](CbcModel*, int) -> int { return 0; },
      data);

  Solution s;
  const double* best = cbc.bestSolution();
  const int status = cbc.status();
  const int secondary = cbc.secondaryStatus();
  const double bound = cbc.getBestPossibleObjValue();
  if (std::abs(bound) < 1e50) s.bound = bound + model.objective_constant();
  auto take_values = [&] { s.values.assign(best, best + model.num_vars()); };

  if (state.hard_stopped.load()) {
    // Some LP was cut short: CBC may have pruned nodes on it, so neither an
    // "optimal" nor an "infeasible" verdict nor its final bound can be trusted.
    const std::string why = reporter.interrupted() ? "interrupted" : "time limit";
    {
      std::lock_guard<std::mutex> lock(state.mu);
      s.bound = state.bound_at_stop.value_or(std::numeric_limits<double>::quiet_NaN());
    }
    if (best != nullptr) {
      s.status = SolveStatus::kFeasible;
      take_values();
      s.message = "CBC: " + why + " (hard stop) with a solution";
    } else {
      s.status = SolveStatus::kTimeLimitNoSolution;
      s.message = why == "interrupted" ? why : "CBC: " + why + " (hard stop) without a solution";
    }
    return s;
  }
  if (rc != 0 && status < 0) {
    s.status = SolveStatus::kError;
    s.message = "CBC driver failed (return code " + std::to_string(rc) + ")";
  } else if (status == 0) {
    if (cbc.isContinuousUnbounded() || secondary == 7) {
      s.status = SolveStatus::kUnbounded;
      s.message = "CBC: linear relaxation unbounded";
    } else if (best != nullptr) {
      s.status = SolveStatus::kOptimal;
      take_values();
      s.message = secondary == 2 ? "CBC: optimal within the gap tolerance" : "CBC: optimal";
    } else if (cbc.isProvenInfeasible() || secondary == 1) {
      s.status = SolveStatus::kInfeasible;
      s.message = "CBC: infeasible";
    } else {
      s.status = SolveStatus::kError;
      s.message = "CBC finished without a solution or a proof (secondary status " +
                  std::to_string(secondary) + ")";
    }
  } else if (status == 1 || status == 5) {
    std::string why;
    switch (secondary) {
      case 3: why = "node limit"; break;
      case 4: why = "time limit"; break;
      case 5: why = "interrupted"; break;
      case 6: why = "solution limit"; break;
      case 8: why = "iteration limit"; break;
      default: why = "stopped (secondary status " + std::to_string(secondary) + ")"; break;
    }
    if (reporter.interrupted()) why = "interrupted";
    if (best != nullptr) {
      s.status = SolveStatus::kFeasible;
      take_values();
      s.message = "CBC: " + why + " with a solution";
    } else {
      s.status = SolveStatus::kTimeLimitNoSolution;
      s.message = why == "interrupted" ? why : "CBC: " + why + " without a solution";
    }
  } else {
    s.status = SolveStatus::kError;
    s.message = "CBC abandoned the search (status " + std::to_string(status) + ", secondary " +
                std::to_string(secondary) + ")";
  }
  if (s.status == SolveStatus::kOptimal && !std::isfinite(s.bound)) {
    s.bound = model.evaluate_objective(s.values);
  }
  return s;
}

}  // namespace

std::unique_ptr<Solver> make_cbc_solver() {
  return std::make_unique<CbcSolver>();
}

}  // namespace cloudnet::solver
