// cloudnet: the command-line tool.
#include <iostream>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"cloudnet: federated virtual networks (FleRD tools, mapping, providers)"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "cloudnet 0.1.0");
  int exit_code = 0;

  // Every sub-command is registered here and only here.
  cloudnet::cli::add_validate_command(app, exit_code);
  cloudnet::cli::add_convert_command(app, exit_code);
  cloudnet::cli::add_show_command(app, exit_code);
  cloudnet::cli::add_import_command(app, exit_code);
  cloudnet::cli::add_map_command(app, exit_code);
  cloudnet::cli::add_demo_command(app, exit_code);
  cloudnet::cli::add_migration_sim_command(app, exit_code);
  cloudnet::cli::add_plan_command(app, exit_code);
#ifdef CLOUDNET_HAVE_API
  cloudnet::cli::add_provider_commands(app, exit_code);
#endif

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 prints help for --help (exit 0) and usage errors (exit 2).
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  return exit_code;
}
