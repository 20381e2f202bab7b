// FleRD XML (thesis appendix A) <-> Tree, with pugixml.
#include <pugixml.hpp>

#include <cstdint>
#include <optional>
#include <sstream>
#include <string_view>

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

// pugixml keeps a reference it cannot decode (an undefined entity such as
// &lol; or a malformed &#...;) verbatim in the text, and decodes &#0; to a
// NUL that cuts the value short; XML 1.0 makes both an error. Finds the first
// such reference outside comments, CDATA sections and processing
// instructions (the caller rejects DOCTYPEs, so there are no others).
std::optional<std::size_t> bad_reference(std::string_view text, std::string& why) {
  auto skip_to = [&](std::size_t from, std::string_view end) {
    const std::size_t e = text.find(end, from);
    return e == std::string_view::npos ? text.size() : e + end.size();
  };
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '<') {
      const std::string_view rest = text.substr(i);
      if (rest.starts_with("<!--"))
        i = skip_to(i + 4, "-->");
      else if (rest.starts_with("<![CDATA["))
        i = skip_to(i + 9, "]]>");
      else if (rest.starts_with("<?"))
        i = skip_to(i + 2, "?>");
      else
        ++i;
      continue;
    }
    if (c != '&') {
      ++i;
      continue;
    }
    const std::size_t semi = text.find(';', i);
    const std::string_view ref =
        semi == std::string_view::npos ? std::string_view() : text.substr(i + 1, semi - i - 1);
    if (ref.empty() || ref.size() > 32 || ref.find_first_of(" \t\r\n<>&\"'") != ref.npos) {
      why = "'&' does not start a reference; write &amp; for a literal '&'";
      return i;
    }
    if (ref == "amp" || ref == "lt" || ref == "gt" || ref == "quot" || ref == "apos") {
      i = semi + 1;
      continue;
    }
    if (ref[0] != '#') {
      why = "undefined entity '&" + std::string(ref) +
            ";'; FleRD XML knows only &amp; &lt; &gt; &quot; &apos; and character references";
      return i;
    }
    const bool hex = ref.size() > 1 && ref[1] == 'x';
    const std::string_view digits = ref.substr(hex ? 2 : 1);
    std::uint32_t cp = 0;
    bool ok = !digits.empty() && digits.size() <= 8;
    for (const char d : digits) {
      std::uint32_t v = 0;
      if (d >= '0' && d <= '9')
        v = static_cast<std::uint32_t>(d - '0');
      else if (hex && d >= 'a' && d <= 'f')
        v = static_cast<std::uint32_t>(d - 'a' + 10);
      else if (hex && d >= 'A' && d <= 'F')
        v = static_cast<std::uint32_t>(d - 'A' + 10);
      else
        ok = false;
      if (!ok) break;
      cp = cp * (hex ? 16 : 10) + v;
    }
    if (!ok || cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      why = "invalid character reference '&" + std::string(ref) + ";'";
      return i;
    }
    i = semi + 1;
  }
  return std::nullopt;
}

}  // namespace

Node parse_xml(std::string_view text, const std::string& source_name, Diagnostics& diags) {
  pugi::xml_document doc;
  const LineIndex lines(text);
  pugi::xml_parse_result r =
      doc.load_buffer(text.data(), text.size(),
                      // parse_ws_pcdata_single keeps a value that is only white space
                      // (<value> </value>), which pugixml drops by default; strings keep
                      // their white space in every form.
                      pugi::parse_default | pugi::parse_doctype | pugi::parse_ws_pcdata_single,
                      pugi::encoding_utf8);
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
  for (pugi::xml_node n = doc.first_child(); n; n = n.next_sibling()) {
    if (n.type() == pugi::node_doctype) {
      // pugixml would skip the DTD and keep its entity references verbatim.
      const std::size_t at = text.find("<!DOCTYPE");
      Pos p = lines.at(at == std::string_view::npos ? 0 : at);
      diags.error({source_name, p.line, p.column, {}}, "", "",
                  "DOCTYPE declarations are not supported: FleRD XML has no DTD and no entities "
                  "(its schema is thesis appendix A)");
      return {};
    }
    if (n.type() == pugi::node_element && n != root) {
      // pugixml accepts several top-level elements; XML allows one.
      const auto off = n.offset_debug();
      Pos p = lines.at(static_cast<std::size_t>(off > 0 ? off - 1 : 0));
      diags.error({source_name, p.line, p.column, {}}, "", "",
                  std::string("second top-level element <") + n.name() + "> after <" + root.name() +
                      ">; an XML document has exactly one root element");
      return {};
    }
  }
  std::string why;
  if (auto bad = bad_reference(text, why)) {
    Pos p = lines.at(*bad);
    diags.error({source_name, p.line, p.column, {}}, "", "", "XML is not well formed: " + why);
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
  if (n.kind == Node::Kind::kScalar) {  // <root/>: empty document; keep its position
    const Pos pos = n.pos;
    n = Node::make_map();
    n.pos = pos;
  }
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
