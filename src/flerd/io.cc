#include "flerd/io.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "flerd/codec.h"
#include "flerd/utf8.h"
#include "flerd/validate.h"

namespace cloudnet::flerd {

const char* to_string(Format f) {
  switch (f) {
    case Format::kXml: return "xml";
    case Format::kYaml: return "yaml";
    case Format::kJson: return "json";
  }
  return "?";
}

std::optional<Format> format_from_name(std::string_view name) {
  std::string n(name);
  std::transform(n.begin(), n.end(), n.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (n == "xml") return Format::kXml;
  if (n == "yaml" || n == "yml") return Format::kYaml;
  if (n == "json") return Format::kJson;
  return std::nullopt;
}

std::optional<Format> format_from_path(std::string_view path) {
  const auto dot = path.rfind('.');
  const auto slash = path.find_last_of('/');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash))
    return std::nullopt;
  return format_from_name(path.substr(dot + 1));
}

Format sniff_format(std::string_view text) {
  std::size_t i = 0;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") i = 3;  // UTF-8 byte order mark
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    if (c == '<') return Format::kXml;
    if (c == '{' || c == '[') return Format::kJson;
    break;
  }
  return Format::kYaml;
}

LineIndex::LineIndex(std::string_view text) {
  starts_.push_back(0);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') starts_.push_back(i + 1);
  }
}

Pos LineIndex::at(std::size_t offset) const {
  auto it = std::upper_bound(starts_.begin(), starts_.end(), offset);
  const auto line = static_cast<std::size_t>(it - starts_.begin());  // >= 1
  return Pos{static_cast<int>(line), static_cast<int>(offset - starts_[line - 1] + 1)};
}

namespace {}  // namespace

Loaded read_string(std::string_view text, Format format, const std::string& source_name,
                   const ReadOptions& options) {
  Loaded out;
  out.document.source_name = source_name;
  auto& diags = out.diagnostics;
  if (text.size() > options.max_bytes) {
    diags.error({source_name, 0, 0, {}}, "", "",
                "document is " + std::to_string(text.size()) + " bytes, more than the limit of " +
                    std::to_string(options.max_bytes));
    return out;
  }
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    diags.error(
        {source_name, 1, 1, {}}, "", "",
        "document is empty; expected a FleRD document in " + std::string(to_string(format)));
    return out;
  }
  if (auto bad = first_invalid_utf8(text)) {
    const Pos p = LineIndex(text).at(*bad);
    diags.error({source_name, p.line, p.column, {}}, "", "",
                "not valid UTF-8 text (binary data?); FleRD documents are UTF-8");
    return out;
  }
  if (text.find('\0') != std::string_view::npos) {
    const Pos p = LineIndex(text).at(text.find('\0'));
    diags.error({source_name, p.line, p.column, {}}, "", "", "NUL byte in document (binary data?)");
    return out;
  }
  Node tree;
  switch (format) {
    case Format::kXml: tree = parse_xml(text, source_name, diags); break;
    case Format::kJson: tree = parse_json(text, source_name, diags); break;
    case Format::kYaml: tree = parse_yaml(text, source_name, diags); break;
  }
  if (diags.has_errors()) return out;
  decode_document(tree, source_name, out.document, diags);
  diags.append(out.document.resolve());
  if (options.validate) diags.append(validate(out.document));
  return out;
}

Loaded read_file(const std::string& path, std::optional<Format> format,
                 const ReadOptions& options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    Loaded out;
    out.diagnostics.error({path, 0, 0, {}}, "", "",
                          std::string("cannot open file: ") + std::strerror(errno));
    return out;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) {
    Loaded out;
    out.diagnostics.error({path, 0, 0, {}}, "", "", "cannot read file");
    return out;
  }
  const std::string text = ss.str();
  if (!format) format = format_from_path(path);
  if (!format) format = sniff_format(text);
  return read_string(text, *format, path, options);
}

std::string write_string(const Document& doc, Format format) {
  switch (format) {
    case Format::kXml: return emit_xml(encode_document(doc, TreeStyle::kXml));
    case Format::kJson: return emit_json(encode_document(doc, TreeStyle::kData));
    case Format::kYaml: return emit_yaml(encode_document(doc, TreeStyle::kData));
  }
  return {};
}

Status write_file(const Document& doc, const std::string& path, std::optional<Format> format) {
  if (!format) format = format_from_path(path);
  if (!format)
    return Error::invalid(
        "cannot tell the format of '" + path +
        "' from its extension; use .xml, .yaml, .yml or .json or name the format");
  const std::string text = write_string(doc, *format);
  // Write to a temporary file and rename, so a failed write never leaves a
  // half-written document behind.
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Error::io("cannot write '" + path + "': " + std::strerror(errno));
    out << text;
    out.flush();
    if (!out) {
      std::remove(tmp.c_str());
      return Error::io("cannot write '" + path + "': " + std::strerror(errno));
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return Error::io("cannot write '" + path + "': " + std::strerror(errno));
  }
  return Status::Ok();
}

}  // namespace cloudnet::flerd
