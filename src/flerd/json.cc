// FleRD JSON <-> Tree. A small strict JSON (RFC 8259) parser of our own,
// because diagnostics need the line and column of every value, which
// nlohmann::json 3.11 does not keep. Numbers stay text, so nothing is lost
// to rounding before the codec reads them by their schema type.
#include <cstdint>

#include "flerd/io.h"
#include "flerd/utf8.h"

namespace cloudnet::flerd {

namespace {

class JsonParser {
 public:
  JsonParser(std::string_view text, const std::string& file, Diagnostics& diags)
      : s_(text), lines_(text), file_(file), diags_(diags) {}

  Node parse() {
    skip_ws();
    Node n = value(0);
    if (failed_) return {};
    skip_ws();
    if (i_ != s_.size()) fail("unexpected content after the JSON value");
    if (failed_) return {};
    return n;
  }

 private:
  void fail(const std::string& msg) {
    if (failed_) return;
    failed_ = true;
    Pos p = lines_.at(i_);
    diags_.error({file_, p.line, p.column, {}}, "", "", "JSON is not well formed: " + msg);
  }
  bool eof() const { return i_ >= s_.size(); }
  void skip_ws() {
    while (!eof() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }
  bool literal(std::string_view word) {
    if (s_.substr(i_, word.size()) == word) {
      i_ += word.size();
      return true;
    }
    return false;
  }

  Node value(int depth) {
    if (depth > kMaxNestingDepth) {
      fail("nested deeper than " + std::to_string(kMaxNestingDepth) + " levels");
      return {};
    }
    if (++nodes_ > kMaxNodes) {
      fail("more than " + std::to_string(kMaxNodes) + " values");
      return {};
    }
    if (eof()) {
      fail("unexpected end of input, expected a value");
      return {};
    }
    Node n;
    n.pos = lines_.at(i_);
    const char c = s_[i_];
    if (c == '{') return object(depth, n);
    if (c == '[') return array(depth, n);
    if (c == '"') {
      n.kind = Node::Kind::kScalar;
      n.scalar = string();
      return n;
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
      n.kind = Node::Kind::kScalar;
      n.style = Node::Style::kNumber;
      n.scalar = number();
      return n;
    }
    if (literal("true") || literal("false")) {
      n.kind = Node::Kind::kScalar;
      n.style = Node::Style::kBool;
      n.scalar = s_[i_ - 1] == 'e' && s_[i_ - 2] == 'u' ? "true" : "false";
      return n;
    }
    if (literal("null")) return n;
    fail(std::string("unexpected character '") + printable(c) + "', expected a value");
    return {};
  }

  static std::string printable(char c) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f) return std::string(1, c);
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\x%02x", u);
    return buf;
  }

  Node object(int depth, Node n) {
    n.kind = Node::Kind::kMap;
    ++i_;  // {
    skip_ws();
    if (!eof() && s_[i_] == '}') {
      ++i_;
      return n;
    }
    while (!failed_) {
      skip_ws();
      if (eof() || s_[i_] != '"') {
        fail("expected a quoted field name");
        break;
      }
      std::string key = string();
      skip_ws();
      if (eof() || s_[i_] != ':') {
        fail("expected ':' after field name \"" + key + "\"");
        break;
      }
      ++i_;
      skip_ws();
      Node v = value(depth + 1);
      if (failed_) break;
      n.fields.emplace_back(std::move(key), std::move(v));
      skip_ws();
      if (!eof() && s_[i_] == ',') {
        ++i_;
        continue;
      }
      if (!eof() && s_[i_] == '}') {
        ++i_;
        break;
      }
      fail("expected ',' or '}' in object");
    }
    return n;
  }

  Node array(int depth, Node n) {
    n.kind = Node::Kind::kList;
    ++i_;  // [
    skip_ws();
    if (!eof() && s_[i_] == ']') {
      ++i_;
      return n;
    }
    while (!failed_) {
      skip_ws();
      Node v = value(depth + 1);
      if (failed_) break;
      n.items.push_back(std::move(v));
      skip_ws();
      if (!eof() && s_[i_] == ',') {
        ++i_;
        continue;
      }
      if (!eof() && s_[i_] == ']') {
        ++i_;
        break;
      }
      fail("expected ',' or ']' in list");
    }
    return n;
  }

  std::string number() {
    const std::size_t b = i_;
    if (s_[i_] == '-') ++i_;
    auto digits = [&] {
      std::size_t d = i_;
      while (!eof() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
      return i_ - d;
    };
    if (!eof() && s_[i_] == '0') {
      ++i_;
    } else if (digits() == 0) {
      fail("malformed number");
      return {};
    }
    if (!eof() && s_[i_] == '.') {
      ++i_;
      if (digits() == 0) {
        fail("malformed number: digits expected after '.'");
        return {};
      }
    }
    if (!eof() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      if (!eof() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      if (digits() == 0) {
        fail("malformed number: digits expected in exponent");
        return {};
      }
    }
    return std::string(s_.substr(b, i_ - b));
  }

  bool hex4(std::uint32_t& out) {
    if (i_ + 4 > s_.size()) return false;
    out = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = s_[i_++];
      out <<= 4;
      if (c >= '0' && c <= '9')
        out |= static_cast<std::uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f')
        out |= static_cast<std::uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        out |= static_cast<std::uint32_t>(c - 'A' + 10);
      else
        return false;
    }
    return true;
  }

  std::string string() {
    ++i_;  // opening quote
    std::string out;
    while (true) {
      if (eof()) {
        fail("unterminated string");
        return out;
      }
      const char c = s_[i_];
      if (c == '"') {
        ++i_;
        return out;
      }
      if (static_cast<unsigned char>(c) < 0x20) {
        fail("control character in string; escape it");
        return out;
      }
      if (c != '\\') {
        out += c;
        ++i_;
        continue;
      }
      ++i_;
      if (eof()) {
        fail("unterminated escape");
        return out;
      }
      const char e = s_[i_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          std::uint32_t cp = 0;
          if (!hex4(cp)) {
            fail("malformed \\u escape");
            return out;
          }
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            std::uint32_t lo = 0;
            if (!(literal("\\u") && hex4(lo) && lo >= 0xDC00 && lo <= 0xDFFF)) {
              fail("unpaired UTF-16 surrogate in \\u escape");
              return out;
            }
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            fail("unpaired UTF-16 surrogate in \\u escape");
            return out;
          }
          append_utf8(out, cp);
          break;
        }
        default: fail(std::string("unknown escape '\\") + printable(e) + "'"); return out;
      }
    }
  }

  std::string_view s_;
  LineIndex lines_;
  const std::string& file_;
  Diagnostics& diags_;
  std::size_t i_ = 0;
  std::size_t nodes_ = 0;
  bool failed_ = false;
};

void quote(std::string& out, const std::string& s) {
  out += '"';
  for (const char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

void emit(std::string& out, const Node& n, int indent) {
  auto newline = [&](int level) {
    out += '\n';
    out.append(static_cast<std::size_t>(level) * 2, ' ');
  };
  switch (n.kind) {
    case Node::Kind::kNull: out += "null"; return;
    case Node::Kind::kScalar:
      if (n.style == Node::Style::kString)
        quote(out, n.scalar);
      else
        out += n.scalar;
      return;
    case Node::Kind::kList:
      if (n.items.empty()) {
        out += "[]";
        return;
      }
      out += '[';
      for (std::size_t k = 0; k < n.items.size(); ++k) {
        if (k) out += ',';
        newline(indent + 1);
        emit(out, n.items[k], indent + 1);
      }
      newline(indent);
      out += ']';
      return;
    case Node::Kind::kMap:
      if (n.fields.empty()) {
        out += "{}";
        return;
      }
      out += '{';
      for (std::size_t k = 0; k < n.fields.size(); ++k) {
        if (k) out += ',';
        newline(indent + 1);
        quote(out, n.fields[k].first);
        out += ": ";
        emit(out, n.fields[k].second, indent + 1);
      }
      newline(indent);
      out += '}';
      return;
  }
}

}  // namespace

Node parse_json(std::string_view text, const std::string& source_name, Diagnostics& diags) {
  return JsonParser(text, source_name, diags).parse();
}

std::string emit_json(const Node& root) {
  std::string out;
  emit(out, root, 0);
  out += '\n';
  return out;
}

}  // namespace cloudnet::flerd
