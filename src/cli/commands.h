// Sub-commands of the `cloudnet` tool. Each lives in its own cmd_*.cc and is
// registered in main.cc, the one place that lists them all.
#pragma once

#include <CLI/CLI.hpp>

namespace cloudnet::cli {

// Each add_* function adds one sub-command to the app. The callback it
// installs sets `exit_code` (0 ok, 1 invalid input / failed check, 2 usage or
// I/O error) instead of exiting, so main() can clean up.
void add_validate_command(CLI::App& app, int& exit_code);
void add_convert_command(CLI::App& app, int& exit_code);
void add_show_command(CLI::App& app, int& exit_code);
void add_import_command(CLI::App& app, int& exit_code);
void add_map_command(CLI::App& app, int& exit_code);
void add_demo_command(CLI::App& app, int& exit_code);
void add_migration_sim_command(CLI::App& app, int& exit_code);
void add_plan_command(CLI::App& app, int& exit_code);
// create, confirm, cancel, delete, modify, metrics, start/stop/suspend/
// resume/powercycle, status, list, document, console against a provider
// daemon, plus the global --provider/--token/--json options they use.
void add_provider_commands(CLI::App& app, int& exit_code);

}  // namespace cloudnet::cli
