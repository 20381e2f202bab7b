// validate, convert, show: the FleRD document tools.
#include <iostream>

#include "cli/commands.h"
#include "flerd/io.h"
#include "flerd/summary.h"

namespace cloudnet::cli {

namespace {

std::optional<flerd::Format> parse_format_option(const std::string& name, const char* option,
                                                 int& exit_code) {
  if (name.empty()) return std::nullopt;
  auto f = flerd::format_from_name(name);
  if (!f) {
    std::cerr << "cloudnet: unknown format '" << name << "' for " << option
              << "; expected xml, yaml or json\n";
    exit_code = 2;
  }
  return f;
}

// Prints diagnostics; errors always, warnings unless quiet.
void print(const flerd::Diagnostics& d, bool warnings) {
  for (const auto& item : d.items()) {
    if (item.severity == flerd::Severity::kWarning && !warnings) continue;
    std::cerr << item.format() << "\n";
  }
}

}  // namespace

void add_validate_command(CLI::App& app, int& exit_code) {
  auto* cmd =
      app.add_subcommand("validate", "Check FleRD documents; print every problem as file:line:col");
  auto files = std::make_shared<std::vector<std::string>>();
  auto format = std::make_shared<std::string>();
  auto strict = std::make_shared<bool>(false);
  auto quiet = std::make_shared<bool>(false);
  cmd->add_option("files", *files, "Documents to check (.xml, .yaml, .yml, .json)")->required();
  cmd->add_option("--format", *format,
                  "Read all files as xml, yaml or json (default: by extension)");
  cmd->add_flag("--strict", *strict, "Treat warnings as errors");
  cmd->add_flag("-q,--quiet", *quiet, "Do not print warnings");
  cmd->callback([=, &exit_code] {
    auto fmt = parse_format_option(*format, "--format", exit_code);
    if (exit_code) return;
    int bad = 0;
    for (const auto& f : *files) {
      auto loaded = flerd::read_file(f, fmt);
      print(loaded.diagnostics, !*quiet || *strict);
      const bool fails =
          loaded.diagnostics.has_errors() || (*strict && loaded.diagnostics.warning_count() > 0);
      if (fails)
        ++bad;
      else if (!*quiet)
        std::cout << f << ": valid (" << loaded.document.object_count() << " objects, "
                  << loaded.diagnostics.warning_count() << " warnings)\n";
    }
    exit_code = bad ? 1 : 0;
  });
}

void add_convert_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("convert", "Convert a FleRD document between XML, YAML and JSON");
  auto in = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  auto from = std::make_shared<std::string>();
  auto to = std::make_shared<std::string>();
  auto force = std::make_shared<bool>(false);
  cmd->add_option("input", *in, "Input document")->required();
  cmd->add_option("output", *out, "Output document ('-' for standard output)")->required();
  cmd->add_option("--from", *from, "Input format: xml, yaml, json (default: by extension)");
  cmd->add_option("--to", *to, "Output format: xml, yaml, json (default: by extension)");
  cmd->add_flag("--force", *force, "Write even if the input has validation errors");
  cmd->callback([=, &exit_code] {
    auto ffrom = parse_format_option(*from, "--from", exit_code);
    auto fto = parse_format_option(*to, "--to", exit_code);
    if (exit_code) return;
    if (!fto && *out != "-") fto = flerd::format_from_path(*out);
    if (!fto) {
      std::cerr << "cloudnet: cannot tell the output format of '" << *out
                << "'; use an .xml, .yaml or .json name or --to\n";
      exit_code = 2;
      return;
    }
    auto loaded = flerd::read_file(*in, ffrom);
    print(loaded.diagnostics, true);
    if (loaded.diagnostics.has_errors() && !*force) {
      std::cerr << "cloudnet: not converting " << *in << ": " << loaded.diagnostics.error_count()
                << " error(s) (use --force to convert anyway)\n";
      exit_code = 1;
      return;
    }
    if (*out == "-") {
      std::cout << flerd::write_string(loaded.document, *fto);
      return;
    }
    auto st = flerd::write_file(loaded.document, *out, fto);
    if (!st) {
      std::cerr << "cloudnet: " << st.error().message << "\n";
      exit_code = 2;
    }
  });
}

void add_show_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("show", "Summarise a FleRD document per topology");
  auto files = std::make_shared<std::vector<std::string>>();
  auto format = std::make_shared<std::string>();
  cmd->add_option("files", *files, "Documents")->required();
  cmd->add_option("--format", *format, "Read as xml, yaml or json (default: by extension)");
  cmd->callback([=, &exit_code] {
    auto fmt = parse_format_option(*format, "--format", exit_code);
    if (exit_code) return;
    for (const auto& f : *files) {
      auto loaded = flerd::read_file(f, fmt);
      print(loaded.diagnostics, false);
      if (loaded.diagnostics.has_errors()) {
        std::cerr << f << ": " << loaded.diagnostics.error_count()
                  << " error(s); run 'cloudnet validate' for details\n";
        exit_code = 1;
        if (loaded.document.topologies.empty()) continue;
      }
      std::cout << flerd::summarize(loaded.document);
    }
  });
}

}  // namespace cloudnet::cli
