#include "flerd/import/gml.h"

#include "flerd/utf8.h"

#include <charconv>
#include <cmath>
#include <limits>

namespace cloudnet::flerd::gml {

const Value* Value::find(std::string_view key) const {
  for (const auto& [k, v] : items) {
    if (k == key) return &v;
  }
  return nullptr;
}

std::vector<const Value*> Value::all(std::string_view key) const {
  std::vector<const Value*> out;
  for (const auto& [k, v] : items) {
    if (k == key) out.push_back(&v);
  }
  return out;
}

std::optional<std::int64_t> Value::as_int() const {
  if (kind != Kind::kInt) return std::nullopt;
  std::string_view s = text;
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  std::int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

namespace {

// networkx escapes '&', '"' and non-ASCII characters as HTML character
// references; decodes the common named ones and all numeric ones, keeps
// anything else as written.
std::string unescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    if (s[i] != '&') {
      out += s[i++];
      continue;
    }
    const auto semi = s.find(';', i);
    if (semi == std::string_view::npos || semi - i > 12) {
      out += s[i++];
      continue;
    }
    const std::string_view ent = s.substr(i + 1, semi - i - 1);
    std::optional<std::uint32_t> cp;
    if (ent == "amp")
      cp = '&';
    else if (ent == "lt")
      cp = '<';
    else if (ent == "gt")
      cp = '>';
    else if (ent == "quot")
      cp = '"';
    else if (ent == "apos")
      cp = '\'';
    else if (ent.size() > 1 && ent[0] == '#') {
      const bool hex = ent[1] == 'x' || ent[1] == 'X';
      const std::string_view digits = ent.substr(hex ? 2 : 1);
      std::uint32_t v = 0;
      auto [ptr, ec] =
          std::from_chars(digits.data(), digits.data() + digits.size(), v, hex ? 16 : 10);
      if (!digits.empty() && ec == std::errc() && ptr == digits.data() + digits.size() && v > 0 &&
          v <= 0x10FFFF && !(v >= 0xD800 && v <= 0xDFFF))
        cp = v;
    }
    if (!cp) {
      out += s[i++];
      continue;
    }
    append_utf8(out, *cp);
    i = semi + 1;
  }
  return out;
}

class Parser {
 public:
  Parser(std::string_view text, const std::string& name) : s_(text), name_(name) {}

  Result<Value> parse() {
    Value top;
    top.kind = Value::Kind::kList;
    top.line = 1;
    if (auto st = list(top, 0, 0); !st) return st.error();
    return top;
  }

 private:
  Error fail(int line, const std::string& msg) const {
    return Error::parse(name_ + ":" + std::to_string(line) + ": " + msg);
  }
  bool eof() const { return i_ >= s_.size(); }

  void skip_blanks() {
    while (!eof()) {
      const char c = s_[i_];
      if (c == '\n') {
        ++line_;
        ++i_;
      } else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
        ++i_;
      } else if (c == '#') {
        while (!eof() && s_[i_] != '\n') ++i_;
      } else {
        break;
      }
    }
  }

  // A run of characters up to the next blank or bracket.
  std::string_view word() {
    const std::size_t b = i_;
    while (!eof()) {
      const char c = s_[i_];
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v' || c == '[' ||
          c == ']' || c == '"' || c == '#')
        break;
      ++i_;
    }
    return s_.substr(b, i_ - b);
  }

  static std::string shown(std::string_view w) {
    std::string t;
    for (char c : w.substr(0, 40)) {
      const auto u = static_cast<unsigned char>(c);
      t += (u < 0x20 || u >= 0x7F) ? '?' : c;
    }
    return w.size() > 40 ? t + "..." : t;
  }

  static bool is_key(std::string_view w) {
    if (w.empty()) return false;
    auto alpha = [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    };
    if (!alpha(w[0])) return false;
    for (char c : w) {
      if (!alpha(c) && !(c >= '0' && c <= '9')) return false;
    }
    return true;
  }

  // Key-value pairs until ']' (depth > 0) or the end of the text (depth 0).
  Status list(Value& out, int depth, int open_line) {
    while (true) {
      skip_blanks();
      if (eof()) {
        if (depth > 0)
          return fail(line_, "unexpected end of file: the list opened at line " +
                                 std::to_string(open_line) + " is not closed with ']'");
        return Status::Ok();
      }
      if (s_[i_] == ']') {
        if (depth == 0) return fail(line_, "']' without a matching '['");
        ++i_;
        return Status::Ok();
      }
      const int key_line = line_;
      const std::string_view k = word();
      if (!is_key(k)) {
        if (k.empty()) return fail(key_line, std::string("expected a key, found '") + s_[i_] + "'");
        return fail(key_line, "expected a key (a letter, then letters, digits or '_'), found '" +
                                  shown(k) + "'");
      }
      skip_blanks();
      if (eof() || s_[i_] == ']') return fail(line_, "key '" + std::string(k) + "' has no value");
      Value v;
      if (auto st = value(v, depth, k); !st) return st;
      out.items.emplace_back(std::string(k), std::move(v));
    }
  }

  Status value(Value& v, int depth, std::string_view key) {
    v.line = line_;
    const char c = s_[i_];
    if (c == '[') {
      if (depth + 1 > kMaxDepth)
        return fail(line_, "lists nested deeper than " + std::to_string(kMaxDepth) + " levels");
      ++i_;
      v.kind = Value::Kind::kList;
      return list(v, depth + 1, v.line);
    }
    if (c == '"') {
      ++i_;
      const std::size_t b = i_;
      while (!eof() && s_[i_] != '"') {
        if (s_[i_] == '\n') ++line_;
        ++i_;
      }
      if (eof())
        return fail(v.line, "unterminated string (the '\"' of key '" + std::string(key) +
                                "' is never closed)");
      v.kind = Value::Kind::kString;
      v.text = unescape(s_.substr(b, i_ - b));
      ++i_;
      return Status::Ok();
    }
    const std::string_view w = word();
    std::string_view body = w;
    if (!body.empty() && (body.front() == '+' || body.front() == '-')) body.remove_prefix(1);
    const bool integer =
        !body.empty() && body.find_first_not_of("0123456789") == std::string_view::npos;
    v.text = std::string(w);
    if (integer) {
      v.kind = Value::Kind::kInt;
    } else if (body == "INF" || body == "inf" || body == "Infinity") {
      v.kind = Value::Kind::kReal;
      v.number = w.front() == '-' ? -std::numeric_limits<double>::infinity()
                                  : std::numeric_limits<double>::infinity();
      return Status::Ok();
    } else if (body == "NAN" || body == "nan" || body == "NaN") {
      v.kind = Value::Kind::kReal;
      v.number = std::numeric_limits<double>::quiet_NaN();
      return Status::Ok();
    } else {
      v.kind = Value::Kind::kReal;
      if (body.empty() || body.find_first_not_of("0123456789.eE+-") != std::string_view::npos)
        return fail(v.line, "value of key '" + std::string(key) +
                                "' is not a number, \"string\" or [ list ]: '" + shown(w) + "'");
    }
    std::string_view num = w;
    if (!num.empty() && num.front() == '+') num.remove_prefix(1);
    auto [ptr, ec] = std::from_chars(num.data(), num.data() + num.size(), v.number);
    if (ec == std::errc::result_out_of_range) {
      return fail(v.line,
                  "value of key '" + std::string(key) + "' is out of range: '" + shown(w) + "'");
    }
    if (ec != std::errc() || ptr != num.data() + num.size()) {
      return fail(v.line,
                  "value of key '" + std::string(key) + "' is not a number: '" + shown(w) + "'");
    }
    return Status::Ok();
  }

  std::string_view s_;
  const std::string& name_;
  std::size_t i_ = 0;
  int line_ = 1;
};

}  // namespace

Result<Value> parse(std::string_view text, const std::string& source_name) {
  if (text.find('\0') != std::string_view::npos)
    return Error::parse(source_name + ": not a text file (NUL byte); expected GML");
  return Parser(text, source_name).parse();
}

}  // namespace cloudnet::flerd::gml
