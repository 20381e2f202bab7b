// One evaluation scenario of thesis 7.5: a substrate (generated or read), a
// request sequence (time-zone model or trace), and several algorithms run
// on it for a number of repetitions, with competitive ratios against OPT.
// Shared by `cloudnet migration-sim` and the benchmark.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "migration/policy.h"
#include "migration/requests.h"
#include "migration/simulator.h"
#include "migration/substrate.h"

namespace cloudnet::migration {

struct ScenarioParams {
  // The substrate: an edge-list file if set, else a zoned Erdős–Rényi graph.
  std::string substrate_path;
  ZonedGraphParams graph;  // generator; zones and pips also apply to files
  // For substrate files: after clustering into zones, weight links as in
  // thesis 7.5.2 (intra-zone graph.intra_latency, inter-zone
  // graph.inter_latency) instead of the file's latencies.
  bool zone_weights = false;
  // Requests: a trace file if set, else the time-zone model.
  std::string trace_path;
  TimeZoneParams requests;
  CostParams costs;
  PolicyParams policy;
  std::vector<std::string> algorithms = {"mix", "cen", "stat", "timm"};
  int runs = 5;            // repetitions, thesis 7.5.2: 5
  std::uint64_t seed = 1;  // run r uses seed + r for graph, bandwidths, requests, policies
};

struct AlgorithmStats {
  std::string name;
  int runs = 0;
  // Means over the runs.
  double total = 0, access = 0, migration = 0, running = 0, migrations = 0, seconds = 0;
  double ratio = 0;      // mean over runs of total / OPT total
  double ratio_max = 0;  // worst run
};

struct ScenarioResult {
  int nodes = 0;
  int zones = 0;
  int pips = 0;
  int rounds = 0;
  double beta = 0;
  double pi = 0;
  std::vector<AlgorithmStats> algorithms;  // "opt" first, then as requested
  std::vector<RunResult> first_run;        // run 0 of every algorithm, with history
  std::vector<std::string> notes;          // e.g. which OPT a ratio is against
};

// Builds the substrate of one run (validated, zones and PIPs assigned).
Result<Substrate> scenario_substrate(const ScenarioParams& params, std::uint64_t seed);

Result<ScenarioResult> run_scenario(const ScenarioParams& params);

// The parameters a sweep can vary, by name: nodes, pip-size (nodes per
// zone), zones, pips (ring layout, zones round-robin), p, lambda,
// zone-period, x (π/β), c, phi.
const std::vector<std::string>& sweep_parameters();
Status set_parameter(ScenarioParams& params, std::string_view name, double value);

// Runs the scenario once per value of p and averages every statistic over
// them (thesis Figs. 7.1 and 7.4: "averaged over all p"); first_run is
// that of the first p.
Result<ScenarioResult> run_scenario_over_p(const ScenarioParams& params,
                                           const std::vector<double>& p_values);

}  // namespace cloudnet::migration
