// `cloudnet migration-sim`: runs the online migration algorithms of thesis
// ch. 7 on one scenario (or a sweep of scenarios) and prints per-algorithm
// costs, migrations and competitive ratios against OPT.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "migration/experiment.h"
#include "migration/plot.h"
#include "migration/registry.h"
#include "migration/requests.h"

namespace cloudnet::cli {
namespace {

namespace mig = cloudnet::migration;

struct Options {
  mig::ScenarioParams scenario;
  std::string layout = "auto";
  std::string mode = "constant";
  std::string algorithms;
  std::string sweep;
  std::vector<double> values;
  std::vector<double> average_p;
  std::string plot_dir;
  std::string write_trace;
  std::string config;
  bool list = false;
};

// 1 for bad input, 2 for I/O trouble (commands.h).
int exit_code_for(const Error& e) {
  return e.code == Error::Code::kIo || e.code == Error::Code::kUnavailable ? 2 : 1;
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) {
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

std::string fixed(double v, int digits = 1) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string pad(std::string s, std::size_t width) {
  if (s.size() < width) s.insert(0, width - s.size(), ' ');
  return s;
}

Status finish_options(Options& o) {
  auto& sc = o.scenario;
  if (o.mode == "constant") {
    sc.costs.mode = mig::MigrationCostMode::kConstant;
  } else if (o.mode == "bottleneck") {
    sc.costs.mode = mig::MigrationCostMode::kBottleneck;
  } else {
    return Error::invalid("--bandwidth-mode must be constant or bottleneck");
  }
  if (o.layout == "mesh") {
    sc.graph.layout = mig::ZonedGraphParams::Layout::kMesh;
  } else if (o.layout == "ring") {
    sc.graph.layout = mig::ZonedGraphParams::Layout::kRing;
  } else if (o.layout == "auto") {
    // thesis 7.5.2: one provider's zones form a mesh, several providers a ring.
    sc.graph.layout = sc.graph.pips > 1 || o.sweep == "pips" ? mig::ZonedGraphParams::Layout::kRing
                                                             : mig::ZonedGraphParams::Layout::kMesh;
  } else {
    return Error::invalid("--layout must be mesh, ring or auto");
  }
  if (!o.algorithms.empty()) {
    sc.algorithms = split(o.algorithms);
  } else {
    sc.algorithms = {"mix", "cen", "stat", "timm"};
    if (sc.graph.pips > 1 || o.sweep == "pips") {
      sc.algorithms.insert(sc.algorithms.begin(), {"mix_k", "cen_k"});
    }
    if (!sc.trace_path.empty()) std::erase(sc.algorithms, "timm");  // no zone cycle known
  }
  sc.algorithms.erase(std::remove(sc.algorithms.begin(), sc.algorithms.end(), "opt"),
                      sc.algorithms.end());  // always run as the reference
  if (sc.algorithms.empty()) sc.algorithms = {"stat"};
  for (const auto& name : sc.algorithms) {
    if (auto p = mig::make_policy(name, sc.policy); !p) return p.error();
  }
  if (!o.sweep.empty()) {
    const auto& known = mig::sweep_parameters();
    if (std::find(known.begin(), known.end(), o.sweep) == known.end()) {
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
      return Error::invalid("unknown --sweep parameter '" + o.sweep + "' (known: " + list + ")");
    }
    if (o.values.empty()) return Error::invalid("--sweep needs --values");
  }
  return Status::Ok();
}

void print_header(const mig::ScenarioParams& sc, const mig::ScenarioResult& r, bool averaged_p) {
  std::cout << "substrate: "
            << (sc.substrate_path.empty()
                    ? "zoned Erdős–Rényi (" +
                          std::string(sc.graph.layout == mig::ZonedGraphParams::Layout::kMesh
                                          ? "mesh"
                                          : "ring") +
                          ")"
                    : sc.substrate_path)
            << ", " << r.nodes << " nodes, " << r.zones << " zones, " << r.pips << " PIPs\n";
  std::cout << "requests:  "
            << (sc.trace_path.empty()
                    ? "time zones, p = " +
                          (averaged_p ? std::string("averaged") : fixed(sc.requests.p, 2)) +
                          ", lambda = " + fixed(sc.requests.lambda, 2) +
                          ", k = " + std::to_string(sc.requests.zone_period)
                    : sc.trace_path)
            << ", " << r.rounds << " rounds\n";
  std::cout << "costs:     beta = " << fixed(r.beta) << ", pi = " << fixed(r.pi)
            << ", c = " << fixed(sc.policy.c, 2) << ", phi = " << fixed(sc.policy.phi, 2) << "; "
            << sc.runs << " run(s), seed " << sc.seed << "\n";
}

void print_table(const mig::ScenarioResult& r) {
  std::cout << "\n"
            << pad("algorithm", 10) << pad("total", 14) << pad("access", 14) << pad("migration", 14)
            << pad("running", 12) << pad("migrations", 12) << pad("ratio", 8) << pad("max", 8)
            << "\n";
  for (const auto& a : r.algorithms) {
    const bool reference = a.name == "opt_conf";
    std::cout << pad(a.name, 10) << pad(fixed(a.total), 14)
              << pad(reference ? "-" : fixed(a.access), 14)
              << pad(reference ? "-" : fixed(a.migration), 14)
              << pad(reference ? "-" : fixed(a.running), 12)
              << pad(reference ? "-" : fixed(a.migrations), 12) << pad(fixed(a.ratio, 3), 8)
              << pad(fixed(a.ratio_max, 3), 8) << "\n";
  }
  for (const auto& note : r.notes) std::cout << "note: " << note << "\n";
}

Status plot_single(const mig::ScenarioParams& sc, const mig::ScenarioResult& r,
                   const std::string& dir) {
  mig::PlotSpec cost{"Cumulative cost, run 1", "round", "total cost", {}, false};
  for (const auto& run : r.first_run) {
    mig::PlotSeries s{run.policy, {}, {}};
    for (std::size_t t = 0; t < run.cumulative.size(); ++t) {
      s.x.push_back(static_cast<double>(t));
      s.y.push_back(run.cumulative[t]);
    }
    cost.series.push_back(std::move(s));
  }
  if (auto st = mig::write_png_plot(cost, dir + "/migration-cost.png"); !st) return st;
  if (!sc.trace_path.empty() || r.zones == 0) return Status::Ok();
  // Which zone each algorithm's server is in, against the current zone.
  auto substrate = mig::scenario_substrate(sc, sc.seed);
  if (!substrate) return substrate.error();
  mig::PlotSpec zones{"Server zone over time, run 1", "round", "zone", {}, true};
  mig::PlotSeries current{"current zone", {}, {}};
  for (int t = 0; t < r.rounds; ++t) {
    current.x.push_back(t);
    current.y.push_back(mig::current_zone(t, sc.requests.zone_period, r.zones));
  }
  zones.series.push_back(std::move(current));
  for (const auto& run : r.first_run) {
    if (run.policy == "stat") continue;
    mig::PlotSeries s{run.policy, {}, {}};
    for (std::size_t t = 0; t < run.placements.size(); ++t) {
      const mig::NodeId v = run.placements[t].server();
      s.x.push_back(static_cast<double>(t));
      s.y.push_back(v < 0 ? -1 : substrate->zone[v]);
    }
    zones.series.push_back(std::move(s));
  }
  return mig::write_png_plot(zones, dir + "/migration-zone.png");
}

// CLI11 reads config files for the main app only, so the command applies
// its own: every key names an option (top level or section
// [migration-sim]); options given on the command line win.
Status apply_config(CLI::App& cmd, const std::string& path) {
  std::vector<CLI::ConfigItem> items;
  try {
    items = CLI::ConfigTOML().from_file(path);
  } catch (const CLI::Error& e) {
    return Error::io(path + ": " + e.what());
  }
  for (const CLI::ConfigItem& item : items) {
    if (item.name == "++" || item.name == "--") continue;  // section markers
    if (!item.parents.empty() && item.parents != std::vector<std::string>{cmd.get_name()}) {
      return Error::invalid(path + ": unknown section '" + item.parents.front() + "'");
    }
    CLI::Option* opt = cmd.get_option_no_throw("--" + item.name);
    if (opt == nullptr || item.name == "config") {
      return Error::invalid(path + ": unknown option '" + item.name + "'");
    }
    if (opt->count() > 0) continue;
    try {
      opt->add_result(item.inputs);
      opt->run_callback();
    } catch (const CLI::Error& e) {
      return Error::invalid(path + ": " + item.name + ": " + e.what());
    }
  }
  return Status::Ok();
}

int run(Options& o) {
  if (o.list) {
    for (const auto& info : mig::registered_policies()) {
      std::cout << pad(std::string(info.name), 8) << "  thesis "
                << pad(std::string(info.section), 7) << "  " << info.summary << "\n";
    }
    return 0;
  }
  if (auto st = finish_options(o); !st) {
    std::cerr << "migration-sim: " << st.error().message << "\n";
    return 1;
  }
  auto& sc = o.scenario;
  if (!o.write_trace.empty()) {
    auto substrate = mig::scenario_substrate(sc, sc.seed);
    if (!substrate) {
      std::cerr << "migration-sim: " << substrate.error().message << "\n";
      return exit_code_for(substrate.error());
    }
    mig::TimeZoneParams tz = sc.requests;
    tz.seed = sc.seed;
    auto trace = sc.trace_path.empty() ? mig::time_zone_trace(*substrate, tz)
                                       : mig::read_trace(sc.trace_path, *substrate);
    if (!trace) {
      std::cerr << "migration-sim: " << trace.error().message << "\n";
      return exit_code_for(trace.error());
    }
    std::ofstream out(o.write_trace);
    out << mig::format_trace(*trace, *substrate);
    if (!out) {
      std::cerr << "migration-sim: cannot write '" << o.write_trace << "'\n";
      return 2;
    }
  }
  if (o.sweep.empty()) {
    auto r = mig::run_scenario_over_p(sc, o.average_p);
    if (!r) {
      std::cerr << "migration-sim: " << r.error().message << "\n";
      return exit_code_for(r.error());
    }
    print_header(sc, *r, !o.average_p.empty());
    print_table(*r);
    if (!o.plot_dir.empty()) {
      if (auto st = plot_single(sc, *r, o.plot_dir); !st) {
        std::cerr << "migration-sim: " << st.error().message << "\n";
        return 2;
      }
      std::cout << "plots written to " << o.plot_dir << "\n";
    }
    return 0;
  }
  // A sweep: one row per value, the competitive ratio of every algorithm.
  std::vector<mig::ScenarioResult> results;
  for (double v : o.values) {
    mig::ScenarioParams one = sc;
    if (auto st = mig::set_parameter(one, o.sweep, v); !st) {
      std::cerr << "migration-sim: " << st.error().message << "\n";
      return 1;
    }
    auto r = mig::run_scenario_over_p(one, o.sweep == "p" ? std::vector<double>{} : o.average_p);
    if (!r) {
      std::cerr << "migration-sim: " << o.sweep << " = " << v << ": " << r.error().message << "\n";
      return exit_code_for(r.error());
    }
    results.push_back(std::move(*r));
  }
  print_header(sc, results.front(), !o.average_p.empty() || o.sweep == "p");
  std::cout << "competitive ratio (mean over runs" << (o.average_p.empty() ? "" : " and p values")
            << ") by " << o.sweep << "\n\n"
            << pad(o.sweep, 12) << pad(o.sweep == "nodes" ? "" : "nodes", 7) << pad("opt", 12);
  for (const auto& a : results.front().algorithms) {
    if (a.name != "opt") std::cout << pad(a.name, 9);
  }
  std::cout << "\n";
  for (std::size_t i = 0; i < results.size(); ++i) {
    std::cout << pad(fixed(o.values[i], 2), 12)
              << pad(o.sweep == "nodes" ? "" : std::to_string(results[i].nodes), 7)
              << pad(fixed(results[i].algorithms.front().total), 12);
    for (const auto& a : results[i].algorithms) {
      if (a.name != "opt") std::cout << pad(fixed(a.ratio, 3), 9);
    }
    std::cout << "\n";
  }
  if (!o.plot_dir.empty()) {
    mig::PlotSpec spec{"Competitive ratio by " + o.sweep, o.sweep, "ratio (cost / OPT)", {}, false};
    for (std::size_t a = 0; a < results.front().algorithms.size(); ++a) {
      const std::string& name = results.front().algorithms[a].name;
      if (name == "opt" || name == "opt_conf") continue;
      mig::PlotSeries s{name, {}, {}};
      for (std::size_t i = 0; i < results.size(); ++i) {
        s.x.push_back(o.values[i]);
        s.y.push_back(results[i].algorithms[a].ratio);
      }
      spec.series.push_back(std::move(s));
    }
    const std::string path = o.plot_dir + "/migration-ratio-" + o.sweep + ".png";
    if (auto st = mig::write_png_plot(spec, path); !st) {
      std::cerr << "migration-sim: " << st.error().message << "\n";
      return 2;
    }
    std::cout << "plot written to " << path << "\n";
  }
  return 0;
}

}  // namespace

void add_migration_sim_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<Options>();
  Options& o = *options;
  auto& sc = o.scenario;
  CLI::App* cmd = app.add_subcommand(
      "migration-sim",
      "Simulate the online server-migration algorithms of thesis ch. 7 (MIX, CEN, MIX_k, CEN_k, "
      "ONCONF, STAT, TIMM) against the optimal offline OPT");
  cmd->add_option("--config", o.config,
                  "Read options from an INI/TOML file: 'name = value' per option, e.g. "
                  "'nodes = 130'; the command line wins")
      ->check(CLI::ExistingFile);

  cmd->add_option("--substrate", sc.substrate_path,
                  "Substrate edge list '<a> <b> <latency> [<bandwidth>]' (Rocketfuel .intra "
                  "works); default: a generated zoned Erdős–Rényi graph")
      ->check(CLI::ExistingFile)
      ->group("Substrate");
  cmd->add_option("--nodes", sc.graph.nodes, "Nodes of the generated substrate")
      ->capture_default_str()
      ->group("Substrate");
  cmd->add_option("--zones", sc.graph.zones, "Time zones (generated or clustered by latency)")
      ->capture_default_str()
      ->group("Substrate");
  cmd->add_option("--pips", sc.graph.pips, "Providers; zones are attributed round-robin")
      ->capture_default_str()
      ->group("Substrate");
  cmd->add_option("--layout", o.layout, "Zone interconnection: mesh, ring or auto")
      ->capture_default_str()
      ->group("Substrate");
  cmd->add_option("--degree", sc.graph.mean_degree, "Mean Erdős–Rényi degree within a zone")
      ->capture_default_str()
      ->group("Substrate");
  cmd->add_option("--inter-zone-latency", sc.graph.inter_latency, "Latency of inter-zone links")
      ->capture_default_str()
      ->group("Substrate");

  cmd->add_flag("--zone-weights", sc.zone_weights,
                "With --substrate: replace latencies by 1 within and --inter-zone-latency between "
                "zones (the weighting of thesis 7.5.2)")
      ->group("Substrate");

  cmd->add_option("--trace", sc.trace_path,
                  "Request trace: one line per round, access point names separated by blanks")
      ->check(CLI::ExistingFile)
      ->group("Requests");
  cmd->add_option("--rounds", sc.requests.rounds, "Rounds of the time-zone scenario")
      ->capture_default_str()
      ->group("Requests");
  cmd->add_option("--zone-period", sc.requests.zone_period, "k: rounds per current zone")
      ->capture_default_str()
      ->group("Requests");
  cmd->add_option("--p", sc.requests.p, "Fraction of requests from the current zone")
      ->capture_default_str()
      ->group("Requests");
  cmd->add_option("--lambda", sc.requests.lambda, "Mean sojourn time of a request (rounds)")
      ->capture_default_str()
      ->group("Requests");
  cmd->add_option("--requests-per-round", sc.requests.requests_per_round,
                  "Requests per round (0: one fifth of the nodes)")
      ->capture_default_str()
      ->group("Requests");
  cmd->add_option("--write-trace", o.write_trace, "Write run 1's request sequence to this file")
      ->group("Requests");

  cmd->add_option("--size", sc.costs.server_size_mb, "Server size in MB")
      ->capture_default_str()
      ->group("Costs");
  cmd->add_option("--bandwidth-mode", o.mode,
                  "constant: every migration costs beta; bottleneck: size / widest-path bandwidth")
      ->capture_default_str()
      ->group("Costs");
  cmd->add_option("--beta", sc.costs.beta, "Override beta (0: size / mean bandwidth)")
      ->capture_default_str()
      ->group("Costs");
  cmd->add_option("--x", sc.costs.pi_factor, "pi / beta, the transit cost per crossed PIP border")
      ->capture_default_str()
      ->group("Costs");
  cmd->add_option("--load-weight", sc.costs.load_weight, "Weight of the server-load access term")
      ->capture_default_str()
      ->group("Costs");
  cmd->add_option("--active-cost", sc.costs.active_cost, "C_a per active server and round")
      ->capture_default_str()
      ->group("Costs");
  cmd->add_option("--inactive-cost", sc.costs.inactive_cost, "C_i per inactive server and round")
      ->capture_default_str()
      ->group("Costs");
  cmd->add_option("--creation-cost", sc.costs.creation_cost, "c, cost of starting a server")
      ->capture_default_str()
      ->group("Costs");

  cmd->add_option("--algorithms", o.algorithms,
                  "Comma-separated policies (see --list); OPT always runs as the reference")
      ->group("Algorithms");
  cmd->add_option("--c", sc.policy.c, "Weighting factor c")
      ->capture_default_str()
      ->group("Algorithms");
  cmd->add_option("--phi", sc.policy.phi, "Threshold factor phi")
      ->capture_default_str()
      ->group("Algorithms");
  cmd->add_option("--phi-prime", sc.policy.phi_prime, "phi' of MIX_k / CEN_k")
      ->capture_default_str()
      ->group("Algorithms");
  cmd->add_option("--servers", sc.policy.servers, "k, maximal servers of ONCONF")
      ->capture_default_str()
      ->group("Algorithms");
  cmd->add_option("--runs", sc.runs, "Repetitions (different graphs, requests, random choices)")
      ->capture_default_str()
      ->group("Algorithms");
  cmd->add_option("--seed", sc.seed, "Seed of run 1")->capture_default_str()->group("Algorithms");
  cmd->add_flag("--list", o.list, "List the registered algorithms and exit")->group("Algorithms");

  cmd->add_option("--sweep", o.sweep,
                  "Vary one parameter: nodes, pip-size, zones, pips, p, lambda, zone-period, x, c, "
                  "phi")
      ->group("Sweep");
  cmd->add_option("--values", o.values, "Values of the swept parameter")
      ->delimiter(',')
      ->group("Sweep");
  cmd->add_option("--average-p", o.average_p,
                  "Average every result over these p values (e.g. 0,0.2,0.4,0.6,0.8,1)")
      ->delimiter(',')
      ->group("Sweep");
  cmd->add_option("--plot", o.plot_dir, "Write PNG plots (gnuplot) into this directory")
      ->check(CLI::ExistingDirectory)
      ->group("Output");

  cmd->callback([cmd, options, &exit_code] {
    if (!options->config.empty()) {
      if (auto st = apply_config(*cmd, options->config); !st) {
        std::cerr << "migration-sim: " << st.error().message << "\n";
        exit_code = exit_code_for(st.error());
        return;
      }
    }
    exit_code = run(*options);
  });
}

}  // namespace cloudnet::cli
