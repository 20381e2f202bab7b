#include "solver/solver.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace cloudnet::solver {

const char* to_string(SolveStatus status) {
  switch (status) {
    case SolveStatus::kOptimal: return "optimal";
    case SolveStatus::kFeasible: return "feasible";
    case SolveStatus::kInfeasible: return "infeasible";
    case SolveStatus::kUnbounded: return "unbounded";
    case SolveStatus::kTimeLimitNoSolution: return "time limit without solution";
    case SolveStatus::kError: return "error";
  }
  return "unknown";
}

double relative_gap(double incumbent, double bound) {
  if (!std::isfinite(incumbent) || !std::isfinite(bound)) {
    return std::numeric_limits<double>::infinity();
  }
  if (incumbent == bound) return 0.0;
  return std::abs(incumbent - bound) / std::max(std::abs(incumbent), 1e-10);
}

Status SolverRegistry::register_backend(std::string name, Factory factory) {
  if (name.empty()) return Error::invalid("solver backend name must not be empty");
  if (!factory) return Error::invalid("solver backend '" + name + "' has no factory");
  if (factories_.contains(name)) {
    return Error::conflict("solver backend '" + name + "' is already registered");
  }
  factories_.emplace(std::move(name), std::move(factory));
  return Status::Ok();
}

Result<std::unique_ptr<Solver>> SolverRegistry::create(std::string_view name) const {
  auto it = factories_.find(name);
  if (it == factories_.end()) {
    std::string known;
    for (const auto& [n, f] : factories_) known += (known.empty() ? "" : ", ") + n;
    return Error::not_found("unknown solver backend '" + std::string(name) +
                            "'; known backends: " + (known.empty() ? "(none)" : known));
  }
  std::unique_ptr<Solver> solver = it->second();
  if (!solver) {
    return Error::unavailable("solver backend '" + std::string(name) + "' could not be created");
  }
  return solver;
}

bool SolverRegistry::contains(std::string_view name) const {
  return factories_.contains(name);
}

std::vector<std::string> SolverRegistry::names() const {
  std::vector<std::string> out;
  out.reserve(factories_.size());
  for (const auto& [n, f] : factories_) out.push_back(n);
  return out;
}

}  // namespace cloudnet::solver
