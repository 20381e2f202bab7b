// FleRD XML (thesis appendix A) <-> Tree, with pugixml.
#include <pugixml.hpp>

#include <sstream>

#include "flerd/io.h"

namespace cloudnet::flerd {

namespace {

bool is_blank(const char* s) {
  for (; *s; ++s) {
    if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r') return false;
  }
  return true;
}

std::string trim(std::string_view s) {
  std::size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  std::size_t e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

class XmlToTree {
 public:
  XmlToTree(const LineIndex& lines, const std::string& file, Diagnostics& diags)
      : lines_(lines), file_(file), diags_(diags) {}

  Node convert(const pugi::xml_node& el, int depth) {
    Node n;
    // offset_debug() points at the name; report the '<' as editors do.
    const auto off = el.offset_debug();
    n.pos = lines_.at(static_cast<std::size_t>(off > 0 ? off - 1 : 0));
    if (depth > kMaxNestingDepth) {
      if (!too_deep_) {
        diags_.error({file_, n.pos.line, n.pos.column, {}}, "", el.name(),
                     "elements nested deeper than " + std::to_string(kMaxNestingDepth) +
                         " levels; FleRD documents are at most 6 levels deep");
      }
      too_deep_ = true;
      return n;
    }
    bool has_elements = false;
    std::string text;
    for (const auto& child : el.children()) {
      if (child.type() == pugi::node_element) has_elements = true;
      if (child.type() == pugi::node_pcdata || child.type() == pugi::node_cdata)
        text += child.value();
    }
    if (!has_elements && el.first_attribute().empty()) {
      // Text is kept as written: xs:string preserves white space; the codec
      // trims the types whose XML Schema type collapses it.
      n.kind = Node::Kind::kScalar;
      n.scalar = std::move(text);
      return n;
    }
    n.kind = Node::Kind::kMap;
    for (const auto& attr : el.attributes()) {
      Node a = Node::make_scalar(attr.value());
      a.pos = n.pos;
      n.fields.emplace_back(std::string("@") + attr.name(), std::move(a));
    }
    if (has_elements && !is_blank(text.c_str())) {
      diags_.error({file_, n.pos.line, n.pos.column, {}}, "", el.name(),
                   std::string("element <") + el.name() +
                       "> mixes text and child elements; expected either a value or fields "
                       "(stray text: '" +
                       trim(text).substr(0, 40) + "')");
    }
    for (const auto& child : el.children()) {
      if (child.type() != pugi::node_element) continue;
      n.fields.emplace_back(child.name(), convert(child, depth + 1));
    }
    return n;
  }

 private:
  const LineIndex& lines_;
  const std::string& file_;
  Diagnostics& diags_;
  bool too_deep_ = false;
};

void emit(pugi::xml_node parent, const std::string& name, const Node& n) {
  if (n.kind == Node::Kind::kList) {
    for (const auto& item : n.items) emit(parent, name, item);
    return;
  }
  pugi::xml_node el = parent.append_child(name.c_str());
  if (n.kind == Node::Kind::kScalar) {
    el.text().set(n.scalar.c_str());
    return;
  }
  for (const auto& [key, value] : n.fields) {
    if (!key.empty() && key[0] == '@') {
      el.append_attribute(key.substr(1).c_str()).set_value(value.scalar.c_str());
    } else {
      emit(el, key, value);
    }
  }
}

}  // namespace

Node parse_xml(std::string_view text, const std::string& source_name, Diagnostics& diags) {
  pugi::xml_document doc;
  const LineIndex lines(text);
  pugi::xml_parse_result r =
      doc.load_buffer(text.data(), text.size(), pugi::parse_default, pugi::encoding_utf8);
  if (!r) {
    Pos p = lines.at(static_cast<std::size_t>(r.offset));
    diags.error({source_name, p.line, p.column, {}}, "", "",
                std::string("XML is not well formed: ") + r.description());
    return {};
  }
  pugi::xml_node root = doc.document_element();
  if (!root) {
    diags.error({source_name, 1, 1, {}}, "", "", "XML document has no root element");
    return {};
  }
  if (std::string_view(root.name()) != "root") {
    Pos p = lines.at(static_cast<std::size_t>(root.offset_debug()));
    diags.error({source_name, p.line, p.column, {}}, "", "",
                std::string("root element is <") + root.name() +
                    ">; a FleRD XML document has the root element <root> (thesis appendix A)");
    return {};
  }
  XmlToTree conv(lines, source_name, diags);
  Node n = conv.convert(root, 0);
  if (n.kind == Node::Kind::kScalar) n = Node::make_map();  // <root/>: empty document
  return n;
}

std::string emit_xml(const Node& root) {
  pugi::xml_document doc;
  auto decl = doc.append_child(pugi::node_declaration);
  decl.append_attribute("version") = "1.0";
  decl.append_attribute("encoding") = "UTF-8";
  emit(doc, "root", root);
  std::ostringstream out;
  doc.save(out, "  ", pugi::format_default, pugi::encoding_utf8);
  return out.str();
}

}  // namespace cloudnet::flerd
