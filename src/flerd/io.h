// Reading and writing FleRD documents in their three forms: XML (thesis
// appendix A), YAML (the CloudNet prototype's wire form) and JSON (the HTTP
// API). All three carry exactly the same content; see codec.h.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "flerd/diagnostic.h"
#include "flerd/model.h"
#include "flerd/tree.h"

namespace cloudnet::flerd {

enum class Format { kXml, kYaml, kJson };

const char* to_string(Format f);
// "xml", "yaml"/"yml", "json" (case-insensitive).
std::optional<Format> format_from_name(std::string_view name);
// By the file's extension: .xml, .yaml/.yml, .json.
std::optional<Format> format_from_path(std::string_view path);
// By the first non-blank character: '<' XML, '{' or '[' JSON, else YAML.
Format sniff_format(std::string_view text);

// A read document and what was found wrong with it. The document holds
// whatever could be read even when there are errors.
struct Loaded {
  Document document;
  Diagnostics diagnostics;
  bool ok() const { return !diagnostics.has_errors(); }
};

struct ReadOptions {
  // Resolve references and run the validator (validate.h) after parsing.
  bool validate = true;
  // Largest input accepted, so a hostile document cannot exhaust memory.
  std::size_t max_bytes = std::size_t{512} << 20;
};

// Parses text in the given form. `source_name` is used in diagnostics.
Loaded read_string(std::string_view text, Format format, const std::string& source_name,
                   const ReadOptions& options = {});
// Reads a file; the format comes from `format`, else the extension, else the
// content. An unreadable file is reported as a diagnostic at line 0.
Loaded read_file(const std::string& path, std::optional<Format> format = std::nullopt,
                 const ReadOptions& options = {});

std::string write_string(const Document& doc, Format format);
Status write_file(const Document& doc, const std::string& path, std::optional<Format> format);

// Text <-> tree, per form (used by read_string/write_string and the fuzzers).
Node parse_xml(std::string_view text, const std::string& source_name, Diagnostics& diags);
Node parse_json(std::string_view text, const std::string& source_name, Diagnostics& diags);
Node parse_yaml(std::string_view text, const std::string& source_name, Diagnostics& diags);
std::string emit_xml(const Node& root);
std::string emit_json(const Node& root);
std::string emit_yaml(const Node& root);

// Line and column (1-based) of a byte offset; used by the readers.
class LineIndex {
 public:
  explicit LineIndex(std::string_view text);
  Pos at(std::size_t offset) const;

 private:
  std::vector<std::size_t> starts_;
};

}  // namespace cloudnet::flerd
