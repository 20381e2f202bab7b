#include "flerd/type_path.h"

namespace cloudnet::flerd {

namespace {

bool valid_level_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.' || c == '+';
}

std::vector<std::string> split(std::string_view text) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i <= text.size()) {
    std::size_t j = text.find('/', i);
    if (j == std::string_view::npos) j = text.size();
    if (j > i) out.emplace_back(text.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

}  // namespace

std::optional<TypePath> TypePath::parse(std::string_view text, std::string* why) {
  auto fail = [&](std::string msg) -> std::optional<TypePath> {
    if (why) *why = std::move(msg);
    return std::nullopt;
  };
  if (text.empty()) return fail("empty path; expected /level/level..., e.g. /node/host/generic");
  if (text.front() != '/') return fail("path must start with '/', e.g. /node/host/generic");
  if (text.size() > 1 && text.back() == '/') return fail("path must not end with '/'");
  TypePath p;
  std::size_t i = 1;
  while (i <= text.size()) {
    std::size_t j = text.find('/', i);
    if (j == std::string_view::npos) j = text.size();
    if (j == i) return fail("empty level in path (\"//\")");
    for (std::size_t k = i; k < j; ++k) {
      if (!valid_level_char(text[k]))
        return fail(std::string("invalid character '") + text[k] +
                    "' in path; levels use letters, digits, '_', '-', '.', '+'");
    }
    p.levels_.emplace_back(text.substr(i, j - i));
    i = j + 1;
  }
  if (p.levels_.empty()) return fail("path has no levels; expected e.g. /node/host/generic");
  return p;
}

TypePath TypePath::parse_lenient(std::string_view text) {
  TypePath p;
  p.levels_ = split(text);
  return p;
}

std::string TypePath::str() const {
  std::string out;
  for (const auto& l : levels_) {
    out += '/';
    out += l;
  }
  return out.empty() ? "/" : out;
}

TypePath TypePath::negated() const {
  TypePath p;
  if (is_negated())
    p.levels_.assign(levels_.begin() + 1, levels_.end());
  else
    p.levels_ = levels_;
  return p;
}

bool TypePath::hostable_by(const TypePath& host) const {
  if (host.levels_.size() < levels_.size()) return false;
  for (std::size_t i = 0; i < levels_.size(); ++i) {
    if (levels_[i] != "generic" && levels_[i] != host.levels_[i]) return false;
  }
  return true;
}

bool TypePath::contains(const TypePath& other) const {
  if (other.levels_.size() < levels_.size()) return false;
  for (std::size_t i = 0; i < levels_.size(); ++i) {
    if (levels_[i] != other.levels_[i]) return false;
  }
  return true;
}

std::vector<std::string> TypePath::plugin_levels(const TypePath& host) const {
  if (host.levels_.size() <= levels_.size()) return {};
  return {host.levels_.begin() + static_cast<std::ptrdiff_t>(levels_.size()), host.levels_.end()};
}

bool feature_value_matches(std::string_view requested, std::string_view offered) {
  const auto r = split(requested);
  const auto o = split(offered);
  if (r.size() > o.size()) return false;
  for (std::size_t i = 0; i < r.size(); ++i) {
    if (r[i] != o[i]) return false;
  }
  return true;
}

}  // namespace cloudnet::flerd
