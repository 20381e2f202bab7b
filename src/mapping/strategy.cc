#include "mapping/strategy.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <utility>

#include "mapping/two_step.h"

namespace cloudnet::mapping {

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

// The MIP started from the fast embedder's mapping. The fast stage's answer
// is kept when the MIP ends without one (time limit), so this is never worse
// than `fast`.
MappingResult mip_with_start(const Problem& p, const StrategyRequest& req, bool delta_gap) {
  const auto t0 = Clock::now();
  MappingResult fast = solve_fast(p, req.settings.fast);
  SolveSettings s = req.settings;
  s.warm_start_fast = false;
  if (fast.has_solution()) s.start = fast.solution;
  if (delta_gap && !s.delta_gap) s.delta_gap = DeltaGap{};
  s.time_limit_s = std::max(0.1, req.settings.time_limit_s - since(t0));
  MappingResult mip = solve_mip(p, s);
  const std::string name = delta_gap ? "deltagap" : "mip+start";
  if (!mip.has_solution() && fast.has_solution() && mip.status != Status::kInfeasible &&
      mip.status != Status::kError) {
    fast.strategy = name + ": " + fast.strategy + " (the MIP found nothing better in time)";
    fast.seconds = since(t0);
    return fast;
  }
  mip.strategy = name + ": " + mip.strategy;
  mip.seconds = since(t0);
  return mip;
}

MappingResult clustered(const Problem& p, const StrategyRequest& req) {
  const auto t0 = Clock::now();
  const double budget = req.settings.time_limit_s;
  // Every cluster's MIP gets what is left of the budget, so the candidates
  // together stay within it.
  auto inner = [&](const Problem& sub) {
    StrategyRequest r = req;
    r.settings.time_limit_s = std::max(0.1, budget - since(t0));
    return mip_with_start(sub, r, false);
  };
  MappingResult out = solve_clustered(p, req.cluster, inner);
  out.seconds = since(t0);
  return out;
}

struct Entry {
  const char* name;
  std::function<MappingResult(const Problem&, const StrategyRequest&)> run;
};

const std::vector<Entry>& registry() {
  // The one place that knows every strategy.
  static const std::vector<Entry> entries = {
      {"mip", [](const Problem& p, const StrategyRequest& r) { return solve_mip(p, r.settings); }},
      {"mip+start",
       [](const Problem& p, const StrategyRequest& r) { return mip_with_start(p, r, false); }},
      {"deltagap",
       [](const Problem& p, const StrategyRequest& r) { return mip_with_start(p, r, true); }},
      {"two-step",
       [](const Problem& p, const StrategyRequest& r) { return solve_two_step(p, r.settings); }},
      {"cluster", clustered},
      {"fast",
       [](const Problem& p, const StrategyRequest& r) { return solve_fast(p, r.settings.fast); }},
  };
  return entries;
}

}  // namespace

long ProblemSize::model_size() const {
  return node_candidates + flow_arcs * (no_split ? 2 : 1);
}

ProblemSize measure(const Problem& p) {
  ProblemSize s;
  for (const auto& row : p.node_suitable)
    s.node_candidates += static_cast<long>(std::count(row.begin(), row.end(), 1));
  for (const Flow& f : p.flows) {
    const auto link = static_cast<std::size_t>(f.link);
    if (link >= p.link_allowed.size()) continue;
    const auto& allowed = p.link_allowed[link];
    for (const SubstrateArc& a : p.arcs)
      if (allowed[static_cast<std::size_t>(a.from)] && allowed[static_cast<std::size_t>(a.to)])
        ++s.flow_arcs;
  }
  s.substrate_nodes = static_cast<int>(p.substrate_nodes().size());
  s.virtual_nodes = static_cast<int>(p.nodes.size());
  s.no_split = p.options.no_split;
  return s;
}

StrategyChoice choose_strategy(const Problem& p, const SolveSettings& settings,
                               const ClusterOptions& cluster) {
  const ProblemSize size = measure(p);
  const double budget = settings.time_limit_s;
  const double model = static_cast<double>(size.model_size());
  const std::string m = "model size " + num(model);
  const std::string for_budget = " for a " + num(budget) + " s budget";
  if (budget < 1)
    return {"fast", "a budget of " + num(budget) +
                        " s is too short for a MIP; the fast embedder answers in milliseconds"};
  if (model <= static_cast<double>(kExactLimit) * budget)
    return {"mip+start",
            m + " is small" + for_budget + ": the exact MIP, warm-started from the fast embedder"};
  if (model <= static_cast<double>(kDeltaGapLimit) * budget)
    return {"deltagap", m + " is large" + for_budget +
                            ": the MIP warm-started from the fast embedder, stopped when its "
                            "gap stalls (DeltaGAP, thesis 6.2.4)"};
  if (size.substrate_nodes > 2 * std::max(1, cluster.max_size))
    return {"cluster", m + " is too large" + for_budget +
                           ": the MIP inside one cluster of the substrate (thesis 6.4)"};
  return {"fast", m + " is too large for the MIP" + for_budget};
}

const std::vector<std::string>& strategy_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n = {"auto"};
    for (const Entry& e : registry()) n.emplace_back(e.name);
    return n;
  }();
  return names;
}

Result<MappingResult> map_with_strategy(const Problem& problem, const StrategyRequest& request,
                                        StrategyChoice* choice) {
  StrategyChoice chosen{request.name, "asked for"};
  if (request.name == "auto") chosen = choose_strategy(problem, request.settings, request.cluster);
  for (const Entry& e : registry()) {
    if (chosen.name != e.name) continue;
    if (choice) *choice = chosen;
    return e.run(problem, request);
  }
  std::string known;
  for (const std::string& n : strategy_names()) known += (known.empty() ? "" : ", ") + n;
  return Error::invalid("unknown mapping strategy '" + request.name + "'; expected one of " +
                        known);
}

}  // namespace cloudnet::mapping
