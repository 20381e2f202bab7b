#include "migration/experiment.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include "migration/opt.h"
#include "migration/registry.h"

namespace cloudnet::migration {
namespace {

double ratio_of(double cost, double opt) {
  if (opt > 0) return cost / opt;
  return cost > 0 ? std::numeric_limits<double>::infinity() : 1.0;
}

void add(AlgorithmStats& s, const RunResult& r, double opt) {
  ++s.runs;
  s.total += r.total();
  s.access += r.access;
  s.migration += r.migration;
  s.running += r.running;
  s.migrations += r.migrations;
  s.seconds += r.seconds;
  const double ratio = ratio_of(r.total(), opt);
  s.ratio += ratio;
  s.ratio_max = std::max(s.ratio_max, ratio);
}

void finish(AlgorithmStats& s) {
  if (s.runs == 0) return;
  const double n = s.runs;
  s.total /= n;
  s.access /= n;
  s.migration /= n;
  s.running /= n;
  s.migrations /= n;
  s.seconds /= n;
  s.ratio /= n;
}

}  // namespace

Result<Substrate> scenario_substrate(const ScenarioParams& params, std::uint64_t seed) {
  if (params.substrate_path.empty()) {
    ZonedGraphParams g = params.graph;
    g.seed = seed;
    return zoned_erdos_renyi(g);
  }
  EdgeListOptions options;
  options.bandwidths = params.graph.bandwidths;
  options.seed = seed;
  auto s = read_edge_list(params.substrate_path, options);
  if (!s) return s.error();
  if (params.graph.zones > s->num_nodes()) {
    return Error::invalid("more zones than substrate nodes");
  }
  if (auto st = assign_zones_by_distance(*s, params.graph.zones); !st) return st.error();
  if (auto st = assign_pips_round_robin(*s, params.graph.pips); !st) return st.error();
  if (params.zone_weights) {
    for (Link& l : s->links) {
      l.latency =
          s->zone[l.a] == s->zone[l.b] ? params.graph.intra_latency : params.graph.inter_latency;
    }
  }
  return s;
}

Result<ScenarioResult> run_scenario(const ScenarioParams& params) {
  if (params.runs < 1) return Error::invalid("runs must be >= 1");
  if (params.algorithms.empty()) return Error::invalid("no algorithms to run");
  for (const auto& name : params.algorithms) {
    if (auto p = make_policy(name, params.policy); !p) return p.error();
  }
  const bool multi = std::find(params.algorithms.begin(), params.algorithms.end(), "onconf") !=
                     params.algorithms.end();
  ScenarioResult result;
  std::vector<AlgorithmStats> stats;
  auto slot = [&](const std::string& name) -> AlgorithmStats& {
    for (auto& s : stats) {
      if (s.name == name) return s;
    }
    stats.push_back({});
    stats.back().name = name;
    return stats.back();
  };
  slot("opt");
  if (multi) slot("opt_conf");
  for (const auto& name : params.algorithms) slot(name);

  for (int run = 0; run < params.runs; ++run) {
    const std::uint64_t seed = params.seed + static_cast<std::uint64_t>(run);
    auto substrate = scenario_substrate(params, seed);
    if (!substrate) return substrate.error();
    Trace trace;
    if (params.trace_path.empty()) {
      TimeZoneParams tz = params.requests;
      tz.seed = seed;
      auto t = time_zone_trace(*substrate, tz);
      if (!t) return t.error();
      trace = std::move(*t);
    } else {
      auto t = read_trace(params.trace_path, *substrate);
      if (!t) return t.error();
      trace = std::move(*t);
    }
    auto costs = CostModel::build(std::move(*substrate), params.costs);
    if (!costs) return costs.error();
    Instance instance{*costs, weighted_center(**costs), params.requests.zone_period};
    if (run == 0) {
      result.nodes = (*costs)->num_nodes();
      result.zones = (*costs)->substrate().num_zones();
      result.pips = (*costs)->substrate().num_pips();
      result.rounds = static_cast<int>(trace.size());
      result.beta = (*costs)->beta();
      result.pi = (*costs)->pi();
    }
    PolicyParams policy_params = params.policy;
    policy_params.seed = params.policy.seed + static_cast<std::uint64_t>(run);

    auto opt_policy = make_policy("opt", policy_params);
    auto opt = simulate(**opt_policy, instance, trace, run == 0);
    if (!opt) return opt.error();
    double opt_conf_total = 0;
    if (multi) {
      const auto began = std::chrono::steady_clock::now();
      auto conf = solve_opt_configurations(**costs, Placement::single(instance.start), trace,
                                           params.policy.servers);
      if (!conf) return conf.error();
      RunResult r;
      r.policy = "opt_conf";
      r.access = conf->cost;  // only the total is meaningful for the reference
      r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
      opt_conf_total = conf->cost;
      add(slot("opt_conf"), r, opt_conf_total);
    }
    add(slot("opt"), *opt, opt->total());
    if (run == 0) result.first_run.push_back(*opt);
    for (const auto& name : params.algorithms) {
      if (name == "opt") continue;
      auto policy = make_policy(name, policy_params);
      auto r = simulate(**policy, instance, trace, run == 0);
      if (!r) return Error{r.error().code, name + ": " + r.error().message};
      add(slot(name), *r, name == "onconf" ? opt_conf_total : opt->total());
      if (run == 0) result.first_run.push_back(std::move(*r));
    }
  }
  for (auto& s : stats) finish(s);
  result.algorithms = std::move(stats);
  if (multi) {
    result.notes.push_back(
        "onconf's ratio is against opt_conf, the optimum over configurations of up to k servers; "
        "opt_conf's cost is reported as a total only");
  }
  return result;
}

const std::vector<std::string>& sweep_parameters() {
  static const std::vector<std::string> names = {"nodes",  "pip-size",    "zones", "pips", "p",
                                                 "lambda", "zone-period", "x",     "c",    "phi"};
  return names;
}

Status set_parameter(ScenarioParams& params, std::string_view name, double value) {
  const auto whole = [&]() -> Result<int> {
    if (value != std::floor(value) || value < 1 || value > 1e7) {
      return Error::invalid(std::string(name) + " must be a positive integer");
    }
    return static_cast<int>(value);
  };
  if (name == "nodes" || name == "pip-size" || name == "zones" || name == "pips" ||
      name == "zone-period") {
    auto v = whole();
    if (!v) return v.error();
    if (name == "nodes") params.graph.nodes = *v;
    if (name == "pip-size") params.graph.nodes = *v * params.graph.zones;
    if (name == "zones") params.graph.zones = *v;
    if (name == "zone-period") params.requests.zone_period = *v;
    if (name == "pips") {
      params.graph.pips = *v;
      // thesis 7.5.2: providers are joined as a ring.
      if (*v > 1) params.graph.layout = ZonedGraphParams::Layout::kRing;
    }
    return Status::Ok();
  }
  if (name == "p")
    params.requests.p = value;
  else if (name == "lambda")
    params.requests.lambda = value;
  else if (name == "x")
    params.costs.pi_factor = value;
  else if (name == "c")
    params.policy.c = value;
  else if (name == "phi")
    params.policy.phi = value;
  else
    return Error::invalid("unknown sweep parameter '" + std::string(name) + "'");
  return Status::Ok();
}

Result<ScenarioResult> run_scenario_over_p(const ScenarioParams& params,
                                           const std::vector<double>& p_values) {
  if (p_values.empty()) return run_scenario(params);
  ScenarioResult merged;
  for (std::size_t i = 0; i < p_values.size(); ++i) {
    ScenarioParams one = params;
    one.requests.p = p_values[i];
    auto r = run_scenario(one);
    if (!r) return r.error();
    if (i == 0) {
      merged = std::move(*r);
      continue;
    }
    for (std::size_t a = 0; a < merged.algorithms.size(); ++a) {
      AlgorithmStats& m = merged.algorithms[a];
      const AlgorithmStats& s = r->algorithms[a];
      m.total += s.total;
      m.access += s.access;
      m.migration += s.migration;
      m.running += s.running;
      m.migrations += s.migrations;
      m.seconds += s.seconds;
      m.ratio += s.ratio;
      m.ratio_max = std::max(m.ratio_max, s.ratio_max);
      m.runs += s.runs;
    }
  }
  const double k = static_cast<double>(p_values.size());
  for (AlgorithmStats& m : merged.algorithms) {
    m.total /= k;
    m.access /= k;
    m.migration /= k;
    m.running /= k;
    m.migrations /= k;
    m.seconds /= k;
    m.ratio /= k;
  }
  return merged;
}

}  // namespace cloudnet::migration
