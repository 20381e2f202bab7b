#include "cli/cli_util.h"

#include <iostream>

#include "flerd/io.h"

namespace cloudnet::cli {

bool load_document(const std::string& command, const std::string& path, flerd::Document& out) {
  auto l = flerd::read_file(path);
  for (const auto& d : l.diagnostics.items())
    if (d.severity == flerd::Severity::kError) std::cerr << d.format() << "\n";
  if (!l.ok()) {
    std::cerr << "cloudnet " << command << ": " << path << " is not a valid FleRD document\n";
    return false;
  }
  out = std::move(l.document);
  return true;
}

std::optional<mapping::PropRule> parse_prop_rule(const std::string& text) {
  const auto eq = text.find('=');
  if (eq == std::string::npos) return std::nullopt;
  mapping::PropRule r;
  std::string host = text.substr(eq + 1);
  const auto colon = host.rfind(':');
  if (colon != std::string::npos) {
    try {
      r.factor = std::stod(host.substr(colon + 1));
    } catch (...) {
      return std::nullopt;
    }
    host = host.substr(0, colon);
  }
  auto a = flerd::TypePath::parse(text.substr(0, eq));
  auto b = flerd::TypePath::parse(host);
  if (!a || !b || !(r.factor > 0)) return std::nullopt;
  r.hosted = *a;
  r.host = *b;
  return r;
}

}  // namespace cloudnet::cli
