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

namespace {

// A broken or hostile document can have millions of problems (a 20 MB list of
// junk is a million wrong Topology entries); nobody reads them and they cost
// memory. Past this many, one note stands for the rest, with the worst
// severity among them, so has_errors() is what it would have been.
constexpr std::size_t kMaxDiagnostics = 1000;

void push(std::vector<Diagnostic>& items, Diagnostic d) {
  if (items.size() < kMaxDiagnostics) {
    items.push_back(std::move(d));
  } else if (items.size() == kMaxDiagnostics) {
    d.object_id.clear();
    d.field.clear();
    d.loc.path.clear();
    d.message = "more than " + std::to_string(kMaxDiagnostics) +
                " problems; the rest (from here on) are not reported";
    items.push_back(std::move(d));
  } else if (d.severity == Severity::kError) {
    items.back().severity = Severity::kError;
  }
}

}  // namespace

void Diagnostics::error(SourceLocation loc, std::string object_id, std::string field,
                        std::string message) {
  push(items_, {Severity::kError, std::move(loc), std::move(object_id), std::move(field),
                std::move(message)});
}

void Diagnostics::warning(SourceLocation loc, std::string object_id, std::string field,
                          std::string message) {
  push(items_, {Severity::kWarning, std::move(loc), std::move(object_id), std::move(field),
                std::move(message)});
}

void Diagnostics::append(const Diagnostics& other) {
  for (const auto& d : other.items_) {
    if (items_.size() > kMaxDiagnostics && d.severity == Severity::kWarning) continue;
    push(items_, d);
  }
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
