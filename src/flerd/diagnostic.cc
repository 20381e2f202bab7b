#include "flerd/diagnostic.h"

#include <algorithm>

namespace cloudnet::flerd {

std::string Diagnostic::format() const {
  std::string out;
  out += loc.file.empty() ? "<input>" : loc.file;
  out += ':';
  out += std::to_string(loc.line);
  out += ':';
  out += std::to_string(loc.column);
  out += severity == Severity::kError ? ": error: " : ": warning: ";
  out += message;
  if (!object_id.empty() || !field.empty() || !loc.path.empty()) {
    out += " [";
    bool first = true;
    auto part = [&](const std::string& label, const std::string& v) {
      if (v.empty()) return;
      if (!first) out += ", ";
      out += label;
      out += v;
      first = false;
    };
    part("object ", object_id);
    part("field ", field);
    part("at ", loc.path);
    out += ']';
  }
  return out;
}

void Diagnostics::error(SourceLocation loc, std::string object_id, std::string field,
                        std::string message) {
  items_.push_back({Severity::kError, std::move(loc), std::move(object_id), std::move(field),
                    std::move(message)});
}

void Diagnostics::warning(SourceLocation loc, std::string object_id, std::string field,
                          std::string message) {
  items_.push_back({Severity::kWarning, std::move(loc), std::move(object_id), std::move(field),
                    std::move(message)});
}

void Diagnostics::append(const Diagnostics& other) {
  items_.insert(items_.end(), other.items_.begin(), other.items_.end());
}

bool Diagnostics::has_errors() const {
  return error_count() > 0;
}

std::size_t Diagnostics::error_count() const {
  return static_cast<std::size_t>(
      std::count_if(items_.begin(), items_.end(),
                    [](const Diagnostic& d) { return d.severity == Severity::kError; }));
}

std::size_t Diagnostics::warning_count() const {
  return items_.size() - error_count();
}

std::string Diagnostics::format() const {
  std::string out;
  for (const auto& d : items_) {
    out += d.format();
    out += '\n';
  }
  return out;
}

}  // namespace cloudnet::flerd
