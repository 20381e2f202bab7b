// FleRD YAML (the CloudNet prototype's wire form, paper 4.1) <-> Tree, with
// yaml-cpp.
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <optional>
#include <string_view>

#include "flerd/io.h"

namespace cloudnet::flerd {

namespace {

class YamlToTree {
 public:
  YamlToTree(const std::string& file, Diagnostics& diags, std::size_t max_nodes)
      : file_(file), diags_(diags), max_nodes_(max_nodes) {}

  Node convert(const YAML::Node& y, int depth) {
    Node n;
    n.pos = Pos{y.Mark().line + 1, y.Mark().column + 1};
    if (failed_) return n;
    // Aliases are shared in yaml-cpp's graph but expand here, so the budget
    // also stops "billion laughs" documents.
    if (depth > kMaxNestingDepth || ++nodes_ > max_nodes_) {
      fail(n.pos, depth > kMaxNestingDepth
                      ? "nested deeper than " + std::to_string(kMaxNestingDepth) + " levels"
                      : "more than " + std::to_string(max_nodes_) +
                            " values after expanding aliases (the limit grows with the size "
                            "of the document; is it an alias bomb?)");
      return n;
    }
    switch (y.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null: return n;
      case YAML::NodeType::Scalar:
        n.kind = Node::Kind::kScalar;
        n.scalar = y.Scalar();
        return n;
      case YAML::NodeType::Sequence:
        n.kind = Node::Kind::kList;
        for (const auto& item : y) n.items.push_back(convert(item, depth + 1));
        return n;
      case YAML::NodeType::Map:
        n.kind = Node::Kind::kMap;
        for (const auto& kv : y) {
          if (!kv.first.IsScalar()) {
            fail(Pos{kv.first.Mark().line + 1, kv.first.Mark().column + 1},
                 "a mapping key must be a plain name");
            return n;
          }
          n.fields.emplace_back(kv.first.Scalar(), convert(kv.second, depth + 1));
        }
        return n;
    }
    return n;
  }

 private:
  void fail(Pos p, const std::string& msg) {
    if (failed_) return;
    failed_ = true;
    diags_.error({file_, p.line, p.column, {}}, "", "", "YAML document rejected: " + msg);
  }

  const std::string& file_;
  Diagnostics& diags_;
  std::size_t max_nodes_;
  std::size_t nodes_ = 0;
  bool failed_ = false;
};

bool reads_back_as_other_type(const std::string& s) {
  static const char* const kSpecial[] = {"~", "null", "Null", "NULL"};
  if (s.empty()) return true;
  for (const char* w : kSpecial) {
    if (s == w) return true;
  }
  return false;
}

void emit(YAML::Emitter& out, const Node& n) {
  switch (n.kind) {
    case Node::Kind::kNull: out << YAML::Null; return;
    case Node::Kind::kScalar:
      if (n.style == Node::Style::kString && reads_back_as_other_type(n.scalar)) {
        out << YAML::DoubleQuoted << n.scalar;
      } else {
        out << n.scalar;
      }
      return;
    case Node::Kind::kList:
      out << YAML::BeginSeq;
      for (const auto& item : n.items) emit(out, item);
      out << YAML::EndSeq;
      return;
    case Node::Kind::kMap:
      out << YAML::BeginMap;
      for (const auto& [key, value] : n.fields) {
        out << YAML::Key << key << YAML::Value;
        emit(out, value);
      }
      out << YAML::EndMap;
      return;
  }
}

// Offset of the start of a second document in a YAML stream, if any. A line
// that begins with "---" or "..." and a blank is a document marker wherever
// it stands (YAML 1.2 forbids such lines inside content), so the text shows
// where documents begin without parsing them.
std::optional<std::size_t> second_document(std::string_view text) {
  bool started = false;  // the first document has begun
  bool ended = false;    // ... and a "..." has closed it
  for (std::size_t i = 0; i < text.size();) {
    std::size_t eol = text.find('\n', i);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(i, eol - i);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    auto marker = [&](std::string_view m) {
      return line.starts_with(m) && (line.size() == 3 || line[3] == ' ' || line[3] == '\t');
    };
    const auto first = line.find_first_not_of(" \t");
    const bool blank = first == std::string_view::npos || line[first] == '#';
    if (marker("---")) {
      if (started) return i;
      started = true;
    } else if (marker("...")) {
      ended = started;
    } else if (!blank) {
      if (ended) return i;
      if (line[0] != '%') started = true;  // a directive precedes the document
    }
    i = eol + 1;
  }
  return std::nullopt;
}

}  // namespace

Node parse_yaml(std::string_view text, const std::string& source_name, Diagnostics& diags) {
  try {
    // yaml-cpp reads only the first document of the stream. (Not LoadAll:
    // yaml-cpp 0.7's LoadAll loops forever, allocating, on some malformed
    // input; the fuzzer found a 3 KB document that took 24 GB.)
    const YAML::Node y = YAML::Load(std::string(text));
    if (auto second = second_document(text)) {
      const Pos p = LineIndex(text).at(*second);
      diags.error({source_name, p.line, p.column, {}}, "", "",
                  "a second YAML document; a FleRD YAML file holds exactly one");
      return {};
    }
    if (!y.IsDefined() || y.IsNull()) {
      diags.error({source_name, 1, 1, {}}, "", "", "YAML document is empty");
      return {};
    }
    // yaml-cpp shares aliased nodes, the tree expands them: a few hundred
    // bytes of nested aliases ("billion laughs") would expand to billions of
    // values. Without aliases a document has fewer values than bytes.
    const std::size_t max_nodes =
        std::min(kMaxNodes, std::max<std::size_t>(100'000, 4 * text.size()));
    return YamlToTree(source_name, diags, max_nodes).convert(y, 0);
  } catch (const YAML::DeepRecursion& e) {
    // yaml-cpp reports its recursion limit as "bad file".
    diags.error({source_name, e.mark.line + 1, e.mark.column + 1, {}}, "", "",
                "YAML is not well formed: collections nested more than " +
                    std::to_string(e.depth() - 1) +
                    " levels deep; FleRD documents are at most a few levels deep");
  } catch (const YAML::Exception& e) {
    diags.error({source_name, e.mark.line + 1, e.mark.column + 1, {}}, "", "",
                "YAML is not well formed: " + e.msg);
  } catch (const std::exception& e) {
    diags.error({source_name, 0, 0, {}}, "", "",
                std::string("YAML could not be read: ") + e.what());
  }
  return {};
}

std::string emit_yaml(const Node& root) {
  YAML::Emitter out;
  out.SetIndent(2);
  emit(out, root);
  std::string s = out.c_str();
  s += '\n';
  return s;
}

}  // namespace cloudnet::flerd
