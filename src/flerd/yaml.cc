// FleRD YAML (the CloudNet prototype's wire form, paper 4.1) <-> Tree, with
// yaml-cpp.
#include <yaml-cpp/yaml.h>

#include "flerd/io.h"

namespace cloudnet::flerd {

namespace {

class YamlToTree {
 public:
  YamlToTree(const std::string& file, Diagnostics& diags) : file_(file), diags_(diags) {}

  Node convert(const YAML::Node& y, int depth) {
    Node n;
    n.pos = Pos{y.Mark().line + 1, y.Mark().column + 1};
    if (failed_) return n;
    // Aliases are shared in yaml-cpp's graph but expand here, so the budget
    // also stops "billion laughs" documents.
    if (depth > kMaxNestingDepth || ++nodes_ > kMaxNodes) {
      fail(n.pos,
           depth > kMaxNestingDepth
               ? "nested deeper than " + std::to_string(kMaxNestingDepth) + " levels"
               : "more than " + std::to_string(kMaxNodes) + " values (after expanding aliases)");
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

}  // namespace

Node parse_yaml(std::string_view text, const std::string& source_name, Diagnostics& diags) {
  try {
    // yaml-cpp reads the whole stream; only the first document counts.
    YAML::Node y = YAML::Load(std::string(text));
    if (!y.IsDefined() || y.IsNull()) {
      diags.error({source_name, 1, 1, {}}, "", "", "YAML document is empty");
      return {};
    }
    return YamlToTree(source_name, diags).convert(y, 0);
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
