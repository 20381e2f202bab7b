// cloudnet demo: the main job on embedded defaults. Loads the example
// request and substrate that are compiled into the program, validates and
// summarises them, shows that the three FleRD forms carry the same document,
// and maps the request onto the substrate with the MIP of thesis ch. 5.
#include <chrono>
#include <iostream>

#include "cli/commands.h"
#include "cli/embedded.h"
#include "flerd/io.h"
#include "flerd/summary.h"
#include "mapping/builder.h"
#include "mapping/checker.h"
#include "mapping/engine.h"
#include "mapping/objective.h"

namespace cloudnet::cli {

std::string_view embedded(std::string_view name) {
  for (const auto& [n, text] : embedded_files())
    if (n == name) return text;
  return {};
}

namespace {

int run_demo(const std::string& solver_name) {
  std::cout << "== CloudNet demo: FleRD documents and the embedding MIP ==\n\n";
  flerd::Loaded docs[2];
  const char* names[2] = {"request-webservice.yaml", "substrate-pip1.yaml"};
  for (int i = 0; i < 2; ++i) {
    docs[i] = flerd::read_string(embedded(names[i]), flerd::Format::kYaml, names[i]);
    if (!docs[i].ok()) {
      std::cerr << docs[i].diagnostics.format();
      return 1;
    }
    std::cout << flerd::summarize(docs[i].document) << "\n";
  }
  // The three forms carry exactly the same document.
  for (flerd::Format f : {flerd::Format::kXml, flerd::Format::kYaml, flerd::Format::kJson}) {
    const std::string text = flerd::write_string(docs[0].document, f);
    const auto back = flerd::read_string(text, f, "demo");
    std::cout << "request as " << flerd::to_string(f) << ": " << text.size() << " bytes, "
              << (back.ok() && back.document == docs[0].document ? "reads back identical"
                                                                 : "DIFFERS")
              << "\n";
  }

  std::cout << "\n== mapping " << names[0] << " onto " << names[1] << " (" << solver_name
            << ") ==\n";
  mapping::BuildInput in;
  in.request = &docs[0].document;
  in.substrate = &docs[1].document;
  mapping::BuildNotes notes;
  auto problem = mapping::build_problem(in, &notes);
  if (!problem) {
    std::cerr << "demo: " << problem.error().message << "\n";
    return 1;
  }
  for (const auto& n : notes.notes) std::cout << "note: " << n << "\n";
  mapping::SolveSettings settings;
  settings.solver = solver_name;
  settings.time_limit_s = 30;
  const auto result = mapping::solve_mip(*problem, settings);
  std::cout << "status " << mapping::to_string(result.status) << ", objective " << result.objective
            << ", " << result.seconds * 1000 << " ms\n";
  if (!result.has_solution()) {
    for (const auto& e : result.explanation) std::cout << "  " << e << "\n";
    return 1;
  }
  const auto& p = *problem;
  for (std::size_t u = 0; u < p.nodes.size(); ++u)
    std::cout << "  " << p.nodes[u].identifier << " -> "
              << p.substrate[static_cast<std::size_t>(result.solution.node_host[u])].identifier
              << "\n";
  for (std::size_t fi = 0; fi < p.flows.size(); ++fi) {
    std::cout << "  " << p.links[static_cast<std::size_t>(p.flows[fi].link)].identifier << " ("
              << p.flows[fi].amount << " Mbps):";
    for (const auto& [a, y] : result.solution.flow_arcs[fi])
      std::cout << " "
                << p.substrate[static_cast<std::size_t>(p.arcs[static_cast<std::size_t>(a)].to)]
                       .identifier;
    std::cout << "\n";
  }
  const auto check = mapping::check(p, result.solution);
  std::cout << "quality Q = " << mapping::quality_q(p, result.solution)
            << "; independent checker: " << (check.ok() ? "valid" : "INVALID") << "\n";
  if (!check.ok()) {
    std::cout << check.format();
    return 1;
  }
  return 0;
}

}  // namespace

void add_demo_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("demo", "Run the main job on embedded example documents");
  auto solver = std::make_shared<std::string>("cbc");
  cmd->add_option("--solver", *solver, "Solver backend (cbc or glpk)");
  cmd->add_subcommand("list", "List the embedded example documents")->callback([] {
    for (const auto& [n, text] : embedded_files())
      std::cout << n << " (" << text.size() << " bytes)\n";
  });
  cmd->callback([solver, cmd, &exit_code] {
    if (cmd->got_subcommand("list")) return;
    exit_code = run_demo(*solver);
  });
}

}  // namespace cloudnet::cli
