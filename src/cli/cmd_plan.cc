// cloudnet plan: can the VNets embedded on a substrate be re-packed so that
// X% of the resources in use are freed, and at what migration cost? (CloudNet
// paper 3.2; what is freed, the cost model of thesis 5.3.5 and the algorithm
// are in src/plan/plan.h.) Prints the plan, writes the new embeddings as
// FleRD and a JSON report. Exit codes: 0 plan found, 1 target not reachable
// or invalid input documents, 2 usage or I/O errors.
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "flerd/io.h"
#include "plan/plan.h"

namespace cloudnet::cli {

namespace {

namespace fs = std::filesystem;

struct PlanArgs {
  std::string substrate, free, by, output, report, solver = "cbc";
  std::vector<std::string> embeddings, prop;
  plan::CostModel cost;
  double time_limit = 60;
  int threads = 1;
  bool exact = false, fast = false, best_effort = false, quiet = false;
};

// "25%" -> 0.25; "0.25" -> 0.25; anything else (or outside [0, 1]) -> nullopt.
std::optional<double> parse_fraction(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  const bool percent = !s.empty() && s.back() == '%';
  if (percent) s.pop_back();
  if (s.empty()) return std::nullopt;
  double v = 0;
  try {
    std::size_t used = 0;
    v = std::stod(s, &used);
    if (used != s.size()) return std::nullopt;
  } catch (...) {
    return std::nullopt;
  }
  if (percent) v /= 100;
  if (!(v >= 0 && v <= 1)) return std::nullopt;
  return v;
}

bool same_file(const std::string& a, const std::string& b) {
  std::error_code ec;
  return fs::equivalent(a, b, ec) && !ec;
}

// Writes the plan's embeddings into `dir` under the input file names:
// re-embedded VNets as new documents, the others copied unchanged, so `dir`
// holds the complete new state.
int write_output(const plan::Plan& p, const PlanArgs& args) {
  std::error_code ec;
  fs::create_directories(args.output, ec);
  if (ec) {
    std::cerr << "cloudnet plan: cannot create " << args.output << ": " << ec.message() << "\n";
    return 2;
  }
  for (std::size_t i = 0; i < p.vnets.size(); ++i) {
    const std::string& in = args.embeddings[i];
    const std::string out = (fs::path(args.output) / fs::path(in).filename()).string();
    if (p.vnets[i].moved) {
      if (auto st = flerd::write_file(*p.vnets[i].document, out, std::nullopt); !st) {
        std::cerr << "cloudnet plan: " << st.error().message << "\n";
        return 2;
      }
      if (!args.quiet) std::cout << "wrote " << out << " (re-embedded)\n";
    } else if (!same_file(in, out)) {
      fs::copy_file(in, out, fs::copy_options::overwrite_existing, ec);
      if (ec) {
        std::cerr << "cloudnet plan: cannot copy " << in << " to " << out << ": " << ec.message()
                  << "\n";
        return 2;
      }
      if (!args.quiet) std::cout << "wrote " << out << " (unchanged)\n";
    }
  }
  return 0;
}

int run_plan(const PlanArgs& args) {
  const auto target = parse_fraction(args.free);
  if (!target) {
    std::cerr << "cloudnet plan: --free '" << args.free
              << "' is not a share to free; write a percentage such as 25% or a fraction "
                 "between 0 and 1\n";
    return 2;
  }
  // Output names must not collide.
  std::map<std::string, std::string> names;
  for (std::size_t i = 0; i < args.embeddings.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j)
      if (args.embeddings[i] == args.embeddings[j] ||
          same_file(args.embeddings[i], args.embeddings[j])) {
        std::cerr << "cloudnet plan: " << args.embeddings[i] << " is given twice\n";
        return 2;
      }
    const std::string base = fs::path(args.embeddings[i]).filename().string();
    auto [it, fresh] = names.emplace(base, args.embeddings[i]);
    if (!fresh && !args.output.empty()) {
      std::cerr << "cloudnet plan: " << it->second << " and " << args.embeddings[i]
                << " have the same file name; --output needs distinct names\n";
      return 2;
    }
  }
  mapping::Options options;
  for (const auto& s : args.prop) {
    auto rule = parse_prop_rule(s);
    if (!rule) {
      std::cerr << "cloudnet plan: --prop '" << s
                << "' is not VIRTUAL_ATTRIBUTE=SUBSTRATE_ATTRIBUTE[:FACTOR]\n";
      return 2;
    }
    options.prop_rules.push_back(*rule);
  }

  flerd::Document substrate;
  if (!load_document("plan", args.substrate, substrate)) return 1;
  std::vector<flerd::Document> docs(args.embeddings.size());
  for (std::size_t i = 0; i < args.embeddings.size(); ++i)
    if (!load_document("plan", args.embeddings[i], docs[i])) return 1;

  plan::PlanInput in;
  in.substrate = &substrate;
  in.options = options;
  for (std::size_t i = 0; i < docs.size(); ++i)
    in.embeddings.push_back({args.embeddings[i], &docs[i]});
  plan::PlanOptions o;
  o.target = *target;
  o.measure = args.by;
  o.cost = args.cost;
  o.method = args.exact  ? plan::PlanOptions::Method::kExact
             : args.fast ? plan::PlanOptions::Method::kFast
                         : plan::PlanOptions::Method::kAuto;
  o.solver = args.solver;
  o.time_limit_s = args.time_limit;
  o.threads = args.threads;
  auto result = plan::plan_repacking(in, o);
  if (!result) {
    std::cerr << "cloudnet plan: " << result.error().message << "\n";
    return result.error().code == Error::Code::kInvalidArgument ? 1 : 2;
  }
  const plan::Plan& p = *result;
  if (!args.quiet) std::cout << plan::format_plan(p);
  if (!args.report.empty()) {
    std::ofstream out(args.report);
    out << plan::plan_json(p);
    if (!out) {
      std::cerr << "cloudnet plan: cannot write " << args.report << "\n";
      return 2;
    }
  }
  if (!args.output.empty()) {
    if (p.reached || args.best_effort) {
      if (const int rc = write_output(p, args); rc != 0) return rc;
    } else if (!args.quiet) {
      std::cout << "nothing written to " << args.output
                << ": the target is not reached (--best-effort writes the best plan found)\n";
    }
  }
  return p.reached ? 0 : 1;
}

}  // namespace

void add_plan_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "plan",
      "Re-pack embedded VNets to free a share of the hosts in use, at the least migration cost "
      "found (CloudNet paper 3.2, thesis 5.3.5)");
  auto a = std::make_shared<PlanArgs>();
  cmd->add_option("--substrate", a->substrate, "FleRD document with the substrate (UL)")
      ->required();
  cmd->add_option("--embedding", a->embeddings,
                  "Embedding of one VNet as `cloudnet map --output` writes it (repeat the "
                  "option for every VNet)")
      ->required();
  cmd->add_option("--free", a->free,
                  "Share of the capacity of the hosts in use to free: 25% or 0.25")
      ->required();
  cmd->add_option("--by", a->by,
                  "Measure by one resource attribute (CPU, /host/generic/RAM/real/amount) or "
                  "'hosts'; default: every host resource attribute must reach the target");
  auto* exact = cmd->add_flag("--exact", a->exact,
                              "Re-plan the candidate host sets with the migration-aware MIP "
                              "(default: only on small instances)");
  cmd->add_flag("--fast", a->fast, "Never use the MIP, only the fast embedder")->excludes(exact);
  cmd->add_option("--solver", a->solver, "MIP backend: cbc (default) or glpk");
  cmd->add_option("--time-limit", a->time_limit, "Seconds for the whole planning (default 60)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--threads", a->threads, "Solver threads (default 1)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--move-cost", a->cost.node_penalty,
                  "penalty(u): cost per moved virtual node (default 1)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--state-cost", a->cost.state_cost,
                  "Added penalty per unit of a moved node's state (default 0)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--state-attribute", a->cost.state_attribute,
                  "Which demands are state: a level name or attribute path (default RAM)");
  cmd->add_option("--hop-cost", a->cost.hop_cost,
                  "transit(u, v): cost per substrate link between old and new host (default 0)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--reroute-cost", a->cost.link_penalty,
                  "Cost per re-routed virtual link (default 0.001)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option(
      "--prop", a->prop,
      "Hosting rule the embeddings were made with, VIRTUAL_ATTR=SUBSTRATE_ATTR[:FACTOR]");
  cmd->add_option("--output", a->output,
                  "Directory for the new state: re-embedded VNets as new FleRD documents, the "
                  "others copied, under their input file names");
  cmd->add_flag("--best-effort", a->best_effort,
                "With --output, write the best plan found even when it misses the target");
  cmd->add_option("--report", a->report, "Write the plan as JSON");
  cmd->add_flag("-q,--quiet", a->quiet, "Print nothing but errors");
  cmd->callback([a, &exit_code] { exit_code = run_plan(*a); });
}

}  // namespace cloudnet::cli
