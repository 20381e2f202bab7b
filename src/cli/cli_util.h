// Helpers shared by the sub-commands.
#pragma once

#include <optional>
#include <string>

#include "flerd/model.h"
#include "mapping/problem.h"

namespace cloudnet::cli {

// Reads a FleRD document; prints its errors (file:line:col) and a line
// "cloudnet <command>: <path> is not a valid FleRD document" on failure.
bool load_document(const std::string& command, const std::string& path, flerd::Document& out);

// "--prop" rules: "VIRTUAL_ATTRIBUTE=SUBSTRATE_ATTRIBUTE[:FACTOR]", e.g.
// "/host/generic/HDD/space=/host/generic/RAM/real/amount:1"; nullopt when
// malformed (no '=', bad type paths, a factor that is not a positive number).
std::optional<mapping::PropRule> parse_prop_rule(const std::string& text);

}  // namespace cloudnet::cli
