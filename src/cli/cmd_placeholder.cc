// Commands whose implementation is being written in parallel; replaced by
// their own cmd_*.cc files.
#include <iostream>

#include "cli/commands.h"

namespace cloudnet::cli {
void add_import_command(CLI::App&, int&) {}
void add_demo_command(CLI::App&, int&) {}
void add_migration_sim_command(CLI::App&, int&) {}
}  // namespace cloudnet::cli
