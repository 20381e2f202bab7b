#include "mapping/problem.h"

#include "mapping/result.h"

namespace cloudnet::mapping {

const char* to_string(ValueType v) {
  switch (v) {
    case ValueType::kMinimum: return "minimum";
    case ValueType::kMaximum: return "maximum";
    case ValueType::kConstant: return "constant";
  }
  return "?";
}

const char* to_string(Objective o) {
  switch (o) {
    case Objective::kMinCost: return "min-cost";
    case Objective::kLoadBalance: return "load-balance";
    case Objective::kEnergy: return "energy";
  }
  return "?";
}

std::optional<Objective> objective_from_string(std::string_view s) {
  if (s == "min-cost" || s == "cost" || s == "resources") return Objective::kMinCost;
  if (s == "load-balance" || s == "load") return Objective::kLoadBalance;
  if (s == "energy") return Objective::kEnergy;
  return std::nullopt;
}

const char* to_string(Status s) {
  switch (s) {
    case Status::kOptimal: return "optimal";
    case Status::kFeasible: return "feasible";
    case Status::kInfeasible: return "infeasible";
    case Status::kNoSolution: return "no-solution";
    case Status::kError: return "error";
  }
  return "?";
}

bool type_hostable(const Options& options, const flerd::TypePath& hosted,
                   const flerd::TypePath& host) {
  if (hosted.hostable_by(host)) return true;
  for (const auto& [a, b] : options.type_rules) {
    if (a.contains(hosted) && b.contains(host)) return true;
  }
  return false;
}

int Problem::substrate_index(std::string_view element_id) const {
  for (std::size_t i = 0; i < substrate.size(); ++i) {
    if (substrate[i].id == element_id) return static_cast<int>(i);
  }
  return -1;
}

int Problem::node_index(std::string_view node_id) const {
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i].id == node_id) return static_cast<int>(i);
  }
  return -1;
}

std::vector<int> Problem::substrate_nodes() const {
  std::vector<int> out;
  for (std::size_t i = 0; i < substrate.size(); ++i) {
    if (!substrate[i].is_link) out.push_back(static_cast<int>(i));
  }
  return out;
}

}  // namespace cloudnet::mapping
