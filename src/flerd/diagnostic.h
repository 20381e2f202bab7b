// Diagnostics: what is wrong in a document, and where. Readers and the
// validator collect all of them instead of stopping at the first.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace cloudnet::flerd {

struct SourceLocation {
  std::string file;  // may be empty for in-memory documents
  int line = 0;      // 1-based; 0 if the format has no lines
  int column = 0;    // 1-based; 0 if unknown
  std::string path;  // structural path, e.g. "Topology[0]/NetworkElement[3]/ne_type"
};

enum class Severity { kError, kWarning };

struct Diagnostic {
  Severity severity = Severity::kError;
  SourceLocation loc;
  std::string object_id;  // id of the object concerned, if any
  std::string field;      // schema field concerned, if any
  std::string message;    // what was found and what was expected

  // "file:line:col: error: message [object id, field]" (compiler style).
  std::string format() const;
};

class Diagnostics {
 public:
  void error(SourceLocation loc, std::string object_id, std::string field, std::string message);
  void warning(SourceLocation loc, std::string object_id, std::string field, std::string message);
  void add(Diagnostic d) { items_.push_back(std::move(d)); }
  void append(const Diagnostics& other);

  bool has_errors() const;
  std::size_t error_count() const;
  std::size_t warning_count() const;
  const std::vector<Diagnostic>& items() const { return items_; }
  bool empty() const { return items_.empty(); }

  // All diagnostics, one per line, in format() form.
  std::string format() const;

 private:
  std::vector<Diagnostic> items_;
};

}  // namespace cloudnet::flerd
