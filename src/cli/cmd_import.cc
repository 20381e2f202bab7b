// import: public topologies (Rocketfuel, Topology Zoo GraphML, SNDlib JSON,
// virne/networkx GML) -> FleRD documents (flerd/import/import.h).
#include <algorithm>
#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "flerd/import/import.h"
#include "flerd/io.h"

namespace cloudnet::cli {

namespace {

struct ImportArgs {
  std::string format;
  std::string latencies;
  std::string to;
  std::string prefix;
  std::vector<std::string> paths;  // INPUT... OUTPUT
  flerd::ImportOptions opts;
};

std::size_t count(const flerd::Document& doc, bool links) {
  std::size_t n = 0;
  for (const auto& t : doc.topologies) {
    for (const auto& ne : t.networkElements) n += (links ? ne.is_link() : ne.is_node()) ? 1 : 0;
  }
  return n;
}

// Imports one input and writes it; returns the exit code.
int import_one(const ImportArgs& a, flerd::ImportFormat format, const std::string& input,
               const std::optional<std::string>& latencies, const std::string& output,
               flerd::Format out_format) {
  auto doc = flerd::import_topology(format, input, a.opts, latencies);
  if (!doc) {
    std::cerr << "cloudnet: " << doc.error().message << "\n";
    return 1;
  }
  if (output == "-") {
    std::cout << flerd::write_string(*doc, out_format);
    return 0;
  }
  auto st = flerd::write_file(*doc, output, out_format);
  if (!st) {
    std::cerr << "cloudnet: " << st.error().message << "\n";
    return 2;
  }
  std::cout << input << ": " << count(*doc, false) << " nodes, " << count(*doc, true)
            << " links -> " << output << "\n";
  return 0;
}

int run(ImportArgs a) {
  if (a.paths.size() < 2) {
    std::cerr << "cloudnet: import needs at least one INPUT and an OUTPUT\n";
    return 2;
  }
  const std::string output = a.paths.back();
  std::vector<std::string> inputs(a.paths.begin(), a.paths.end() - 1);

  std::optional<flerd::ImportFormat> format;
  if (!a.format.empty()) {
    format = flerd::import_format_from_name(a.format);
    if (!format) {
      std::cerr << "cloudnet: unknown import format '" << a.format
                << "'; expected rocketfuel, graphml, sndlib or gml\n";
      return 2;
    }
  } else {
    format = flerd::import_format_from_path(inputs.front());
    if (!format) {
      std::cerr << "cloudnet: cannot tell the format of '" << inputs.front()
                << "'; use --format rocketfuel|graphml|sndlib|gml\n";
      return 2;
    }
  }
  std::optional<flerd::Format> to;
  if (!a.to.empty()) {
    to = flerd::format_from_name(a.to);
    if (!to) {
      std::cerr << "cloudnet: unknown output format '" << a.to << "'; expected xml, yaml or json\n";
      return 2;
    }
  }
  if (a.prefix.empty())
    a.opts.id_prefix = a.opts.as_request ? "v" : "s";
  else
    a.opts.id_prefix = a.prefix == ":" ? "" : a.prefix;
  if (auto st = flerd::check_import_options(a.opts); !st) {
    std::cerr << "cloudnet: " << st.error().message << "\n";
    return 2;
  }

  std::optional<std::string> latencies;
  if (!a.latencies.empty()) latencies = a.latencies;
  if (*format == flerd::ImportFormat::kRocketfuel) {
    // weights.intra [latencies.intra] OUTPUT
    if (inputs.size() > 2 || (inputs.size() == 2 && latencies)) {
      std::cerr << "cloudnet: rocketfuel takes weights.intra and at most one latencies file "
                   "(as a second INPUT or --latencies)\n";
      return 2;
    }
    if (inputs.size() == 2) latencies = inputs[1];
    inputs.resize(1);
  } else if (latencies) {
    std::cerr << "cloudnet: --latencies is only for --format rocketfuel\n";
    return 2;
  }

  if (inputs.size() == 1) {
    if (!to && output != "-") to = flerd::format_from_path(output);
    if (!to) {
      std::cerr << "cloudnet: cannot tell the output format of '" << output
                << "'; use an .xml, .yaml or .json name or --to\n";
      return 2;
    }
    return import_one(a, *format, inputs.front(), latencies, output, *to);
  }

  // Several inputs: OUTPUT is a folder, one document per input.
  std::error_code ec;
  if (!std::filesystem::is_directory(output, ec)) {
    std::cerr << "cloudnet: with several inputs OUTPUT must be an existing folder; '" << output
              << "' is not one\n";
    return 2;
  }
  if (!to) to = flerd::Format::kXml;
  const char* ext = flerd::to_string(*to);
  int worst = 0;
  for (const auto& in : inputs) {
    const std::string stem = std::filesystem::path(in).stem().string();
    const std::string out = (std::filesystem::path(output) / (stem + "." + ext)).string();
    worst = std::max(worst, import_one(a, *format, in, std::nullopt, out, *to));
  }
  return worst;
}

}  // namespace

void add_import_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "import",
      "Turn a public topology (Rocketfuel, Topology Zoo GraphML, SNDlib JSON, virne GML) into a "
      "FleRD document: a substrate (UL0) or, with --request, a request (OL0)");
  auto a = std::make_shared<ImportArgs>();
  cmd->add_option("--format,-f", a->format,
                  "rocketfuel, graphml, sndlib or gml (default: by the first INPUT's extension: "
                  ".intra, .graphml, .json, .gml)");
  cmd->add_option("--latencies", a->latencies, "rocketfuel: latencies.intra of the same AS");
  cmd->add_option("--role", a->opts.role_identifier, "GraphLabel role_identifier")
      ->capture_default_str();
  cmd->add_option("--net", a->opts.net_identifier,
                  "GraphLabel net_identifier (default: the network's name in the file)");
  cmd->add_option("--prefix", a->prefix,
                  "QName prefix of the generated ids (default: s, or v with --request; ':' for "
                  "none)");
  cmd->add_option("--namespace", a->opts.namespace_uri,
                  "namespace URI declared for the prefix (default: /cloudnet/import/<format>)");
  cmd->add_option("--cpu", a->opts.default_cpu, "default CPU cores per node (0: none)")
      ->capture_default_str();
  cmd->add_option("--gpu", a->opts.default_gpu, "default GPUs per node (0: none)")
      ->capture_default_str();
  cmd->add_option("--ram", a->opts.default_ram_gb, "default RAM per node in GB (0: none)")
      ->capture_default_str();
  cmd->add_option("--disk", a->opts.default_disk_gb, "default disk per node in GB (0: none)")
      ->capture_default_str();
  cmd->add_option("--bandwidth", a->opts.default_bandwidth_mbps,
                  "default link bandwidth in Mbps where the file gives none (0: none)")
      ->capture_default_str();
  cmd->add_option("--latency", a->opts.default_latency_ms,
                  "default link latency in ms where the file gives none (0: none)")
      ->capture_default_str();
  cmd->add_option("--node-type", a->opts.node_type,
                  "ne_type of the nodes (default: /node/host/server, or /node/host/generic with "
                  "--request)");
  cmd->add_flag("--request", a->opts.as_request,
                "write a request (OL0, generic types, request_flag true, value_type minimum; "
                "no defaults) instead of a substrate, e.g. for virne v_net files");
  cmd->add_option("--to", a->to,
                  "output format xml, yaml or json (default: by OUTPUT's extension; xml for a "
                  "folder)");
  cmd->add_option("paths", a->paths,
                  "INPUT... OUTPUT: rocketfuel takes weights.intra [latencies.intra]; several "
                  "inputs of the other formats go to OUTPUT as a folder; OUTPUT '-' (with --to) is "
                  "standard output")
      ->required();
  cmd->callback([a, &exit_code] { exit_code = run(*a); });
}

}  // namespace cloudnet::cli
