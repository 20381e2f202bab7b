// cloudnet map: embed a request (OL) onto a substrate (UL) with a mapping
// strategy (mapping/strategy.h: the MIP of thesis ch. 5, its approximations of
// ch. 6 or the fast embedder; chosen by size and time limit unless named) and
// write the result as FleRD and as a JSON report.
#include <fstream>
#include <iostream>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "flerd/io.h"
#include "mapping/builder.h"
#include "mapping/checker.h"
#include "mapping/engine.h"
#include "mapping/formulation.h"
#include "mapping/objective.h"
#include "mapping/output.h"
#include "mapping/strategy.h"
#include "solver/io.h"

namespace cloudnet::cli {

namespace {

struct MapArgs {
  std::string substrate, request, objective = "min-cost", solver = "cbc", output, report;
  std::string strategy = "auto";
  std::string export_mps, export_lp, solution;
  std::vector<std::string> existing, prop;
  double time_limit = 60, gap = 1e-4;
  int threads = 1;
  bool no_split = false, no_colocate = false, quiet = false, verbose = false, no_check = false;
};

int run_map(const MapArgs& args) {
  flerd::Document substrate, request;
  if (!load_document("map", args.substrate, substrate) ||
      !load_document("map", args.request, request))
    return 1;
  std::vector<flerd::Document> existing(args.existing.size());
  for (std::size_t i = 0; i < args.existing.size(); ++i)
    if (!load_document("map", args.existing[i], existing[i])) return 1;

  mapping::BuildInput in;
  in.substrate = &substrate;
  in.request = &request;
  for (const auto& e : existing) in.existing.push_back(&e);
  auto obj = mapping::objective_from_string(args.objective);
  if (!obj) {
    std::cerr << "cloudnet map: unknown objective '" << args.objective
              << "'; expected min-cost, load-balance or energy\n";
    return 2;
  }
  in.options.objective = *obj;
  in.options.no_split = args.no_split;
  in.options.no_colocate = args.no_colocate;
  for (const auto& p : args.prop) {
    auto rule = parse_prop_rule(p);
    if (!rule) {
      std::cerr << "cloudnet map: --prop '" << p
                << "' is not VIRTUAL_ATTRIBUTE=SUBSTRATE_ATTRIBUTE[:FACTOR]\n";
      return 2;
    }
    in.options.prop_rules.push_back(*rule);
  }
  mapping::BuildNotes notes;
  auto problem = mapping::build_problem(in, &notes);
  if (!problem) {
    std::cerr << "cloudnet map: " << problem.error().message << "\n";
    return 1;
  }
  if (!args.quiet)
    for (const auto& n : notes.notes) std::cerr << "note: " << n << "\n";

  mapping::Formulation formulation(*problem);
  if (!args.export_mps.empty()) {
    if (auto st = solver::write_mps(formulation.model(), args.export_mps); !st) {
      std::cerr << "cloudnet map: " << st.error().message << "\n";
      return 2;
    }
  }
  if (!args.export_lp.empty()) {
    if (auto st = solver::write_lp(formulation.model(), args.export_lp); !st) {
      std::cerr << "cloudnet map: " << st.error().message << "\n";
      return 2;
    }
  }

  mapping::MappingResult result;
  if (!args.solution.empty()) {
    // A solution computed elsewhere (CPLEX, Gurobi, HiGHS, ...) for the
    // exported model.
    auto file = solver::read_solution_file(args.solution);
    if (!file) {
      std::cerr << "cloudnet map: " << file.error().message << "\n";
      return 1;
    }
    auto sol = solver::solution_for_model(formulation.model(), *file);
    if (!sol) {
      std::cerr << "cloudnet map: " << sol.error().message << "\n";
      return 1;
    }
    result.strategy = "solution-file";
    result.objective = sol->objective;
    result.status = sol->has_values() ? mapping::Status::kFeasible : mapping::Status::kError;
    if (sol->has_values())
      result.solution = formulation.decode(sol->values);
    else
      result.explanation = {"the solution file does not satisfy the model: " + sol->message};
  } else if (!args.export_mps.empty() || !args.export_lp.empty()) {
    if (args.output.empty() && args.report.empty()) return 0;  // export only
  }
  mapping::ReportExtras extras;
  if (args.solution.empty()) {
    mapping::StrategyRequest req;
    req.name = args.strategy;
    req.settings.solver = args.solver;
    req.settings.time_limit_s = args.time_limit;
    req.settings.relative_gap = args.gap;
    req.settings.threads = args.threads;
    req.settings.log_level = args.verbose ? 1 : 0;
    mapping::StrategyChoice choice;
    auto mapped = mapping::map_with_strategy(*problem, req, &choice);
    if (!mapped) {
      std::cerr << "cloudnet map: " << mapped.error().message << "\n";
      return 2;
    }
    result = std::move(*mapped);
    extras.strategy_requested = args.strategy;
    extras.strategy_chosen = choice.name;
    extras.strategy_reason = choice.reason;
  }

  extras.notes = notes.notes;
  extras.variables = formulation.model().num_vars();
  extras.rows = formulation.model().num_rows();
  if (result.has_solution()) {
    extras.quality_q = mapping::quality_q(*problem, result.solution);
    if (!args.no_check) {
      auto report = mapping::check(*problem, result.solution);
      extras.checked = true;
      extras.check_violations = report.violations;
    }
  }
  if (!args.report.empty()) {
    std::ofstream out(args.report);
    out << mapping::report_json(*problem, result, extras);
    if (!out) {
      std::cerr << "cloudnet map: cannot write " << args.report << "\n";
      return 2;
    }
  }
  if (!args.quiet) {
    if (!extras.strategy_chosen.empty())
      std::cout << "strategy: " << extras.strategy_chosen
                << (args.strategy == "auto" ? " (auto: " + extras.strategy_reason + ")" : "")
                << "\n";
    std::cout << "status: " << mapping::to_string(result.status) << " (" << result.strategy << ", "
              << result.seconds << " s, " << extras.variables << " variables, " << extras.rows
              << " rows)\n";
  }
  if (!result.has_solution()) {
    for (const auto& e : result.explanation) std::cerr << "  " << e << "\n";
    return 1;
  }
  if (!args.quiet) {
    std::cout << "objective: " << result.objective << "  bound: " << result.bound
              << "  gap: " << result.gap << "  Q: " << extras.quality_q << "\n";
    for (std::size_t u = 0; u < problem->nodes.size(); ++u)
      std::cout
          << "  " << problem->nodes[u].identifier << " -> "
          << problem->substrate[static_cast<std::size_t>(result.solution.node_host[u])].identifier
          << "\n";
  }
  if (extras.checked && !extras.check_violations.empty()) {
    std::cerr << "cloudnet map: the independent checker rejects this mapping:\n";
    for (const auto& v : extras.check_violations) std::cerr << "  " << v << "\n";
    return 3;
  }
  if (!args.output.empty()) {
    const flerd::Document doc = mapping::mapping_document(request, substrate, *problem, result);
    if (auto st = flerd::write_file(doc, args.output, std::nullopt); !st) {
      std::cerr << "cloudnet map: " << st.error().message << "\n";
      return 2;
    }
  }
  return 0;
}

}  // namespace

void add_map_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "map", "Map a request (OL) onto a substrate (UL) with the MIP of thesis ch. 5");
  auto a = std::make_shared<MapArgs>();
  cmd->add_option("--substrate", a->substrate, "FleRD document with the substrate (UL)")
      ->required();
  cmd->add_option("--request", a->request, "FleRD document with the request (OL)")->required();
  cmd->add_option("--existing", a->existing,
                  "Earlier mapping(s) of this VNet, for migration-aware re-mapping");
  cmd->add_option("--objective", a->objective, "min-cost (default), load-balance or energy");
  cmd->add_option("--strategy", a->strategy,
                  "auto (default: chosen by problem size and time limit), mip, mip+start, "
                  "deltagap, two-step, cluster or fast");
  cmd->add_option("--solver", a->solver, "Solver backend: cbc (default) or glpk");
  cmd->add_option("--time-limit", a->time_limit, "Seconds (default 60)");
  cmd->add_option("--gap", a->gap, "Relative optimality gap to stop at (default 1e-4)");
  cmd->add_option("--threads", a->threads, "Solver threads (default 1)");
  cmd->add_flag("--no-split", a->no_split, "One substrate path per virtual link flow");
  cmd->add_flag("--no-colocate", a->no_colocate, "No two virtual nodes on one substrate node");
  cmd->add_option("--prop", a->prop,
                  "Extra hosting rule VIRTUAL_ATTR=SUBSTRATE_ATTR[:FACTOR], e.g. disk on RAM");
  cmd->add_option("--export-mps", a->export_mps, "Write the model as free MPS");
  cmd->add_option("--export-lp", a->export_lp, "Write the model as CPLEX LP");
  cmd->add_option("--solution", a->solution,
                  "Use a solution file (CBC, GLPK or 'name value' lines) for the exported model");
  cmd->add_option("--output", a->output,
                  "Write OL + ML0 + UL + ResourceMappings as FleRD (.xml/.yaml/.json)");
  cmd->add_option("--report", a->report, "Write a JSON report");
  cmd->add_flag("--no-check", a->no_check, "Skip the independent checker");
  cmd->add_flag("-q,--quiet", a->quiet, "Print nothing but errors");
  cmd->add_flag("-v,--verbose", a->verbose, "Show the solver's log");
  cmd->callback([a, &exit_code] { exit_code = run_map(*a); });
}

}  // namespace cloudnet::cli
