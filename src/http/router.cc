#include "http/router.h"

#include <algorithm>
#include <set>

namespace cloudnet::http::internal {

namespace {

constexpr std::string_view kMethods[] = {"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool valid_param_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

bool matches(const Route& route, const std::vector<std::string>& segments) {
  if (route.segments.size() != segments.size()) return false;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const Segment& s = route.segments[i];
    if (s.param ? segments[i].empty() : s.text != segments[i]) return false;
  }
  return true;
}

// True when `a` is more specific than `b`: the first segment where they
// differ in kind is literal in `a`.
bool more_specific(const Route& a, const Route& b) {
  for (std::size_t i = 0; i < a.segments.size() && i < b.segments.size(); ++i) {
    if (a.segments[i].param != b.segments[i].param) return !a.segments[i].param;
  }
  return false;
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    int hi = hex_value(s[i + 1]);
    int lo = hex_value(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

Result<std::vector<std::string>> split_path(std::string_view raw_path) {
  if (raw_path.empty() || raw_path.front() != '/') {
    return Error::invalid("the request path must start with '/'");
  }
  raw_path.remove_prefix(1);
  if (!raw_path.empty() && raw_path.back() == '/') raw_path.remove_suffix(1);
  std::vector<std::string> segments;
  if (raw_path.empty()) return segments;
  std::size_t start = 0;
  while (true) {
    auto end = raw_path.find('/', start);
    auto decoded = percent_decode(raw_path.substr(start, end - start));
    if (!decoded) return Error::invalid("malformed percent-encoding in the request path");
    segments.push_back(std::move(*decoded));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return segments;
}

Status Router::add(std::string_view method, std::string_view pattern, Handler handler,
                   RouteOptions options) {
  std::string where = std::string(method) + " " + std::string(pattern);
  if (std::find(std::begin(kMethods), std::end(kMethods), method) == std::end(kMethods)) {
    return Error::invalid("route '" + where +
                          "': method must be one of GET, POST, PUT, PATCH, DELETE, OPTIONS");
  }
  if (!handler) return Error::invalid("route '" + where + "': no handler");
  if (pattern.empty() || pattern.front() != '/') {
    return Error::invalid("route '" + where + "': the pattern must start with '/'");
  }

  Route route;
  route.method = std::string(method);
  route.pattern = std::string(pattern);
  route.handler = std::move(handler);
  route.options = std::move(options);
  for (auto& type : route.options.accepts) type = media_type(type);

  std::string_view rest = pattern.substr(1);
  std::set<std::string, std::less<>> names;
  while (!rest.empty()) {
    auto end = rest.find('/');
    std::string_view seg = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    if (seg.empty() || (end != std::string_view::npos && rest.empty())) {
      return Error::invalid("route '" + where + "': empty path segment");
    }
    Segment s;
    if (seg.front() == '{' || seg.back() == '}') {
      std::string_view name = seg.size() >= 2 ? seg.substr(1, seg.size() - 2) : std::string_view();
      if (seg.front() != '{' || seg.back() != '}' || !valid_param_name(name)) {
        return Error::invalid("route '" + where + "': bad parameter segment '" + std::string(seg) +
                              "' (want {name} with letters, digits, '_')");
      }
      if (!names.emplace(name).second) {
        return Error::invalid("route '" + where + "': parameter {" + std::string(name) +
                              "} appears twice");
      }
      s.text = std::string(name);
      s.param = true;
    } else {
      if (seg.find_first_of("{}%?#") != std::string_view::npos) {
        return Error::invalid("route '" + where + "': bad literal segment '" + std::string(seg) +
                              "'");
      }
      s.text = std::string(seg);
    }
    route.segments.push_back(std::move(s));
  }

  for (const Route& other : routes_) {
    if (other.method != route.method || other.segments.size() != route.segments.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < route.segments.size() && same; ++i) {
      const Segment& a = route.segments[i];
      const Segment& b = other.segments[i];
      same = a.param == b.param && (a.param || a.text == b.text);
    }
    if (same) {
      return Error::invalid("route '" + where + "' duplicates '" + other.method + " " +
                            other.pattern + "'");
    }
  }
  routes_.push_back(std::move(route));
  return Status::Ok();
}

Router::Match Router::match(std::string_view method,
                            const std::vector<std::string>& segments) const {
  std::string_view want = method == "HEAD" ? std::string_view("GET") : method;
  Match m;
  std::set<std::string> allowed;
  for (const Route& route : routes_) {
    if (!matches(route, segments)) continue;
    allowed.insert(route.method);
    if (route.method == "GET") allowed.insert("HEAD");
    if (route.method != want) continue;
    if (m.route == nullptr || more_specific(route, *m.route)) m.route = &route;
  }
  m.allowed.assign(allowed.begin(), allowed.end());
  if (m.route != nullptr) {
    for (std::size_t i = 0; i < segments.size(); ++i) {
      const Segment& s = m.route->segments[i];
      if (s.param) m.params.emplace(s.text, segments[i]);
    }
  }
  return m;
}

bool Router::any_authenticated() const {
  return std::any_of(routes_.begin(), routes_.end(),
                     [](const Route& r) { return r.options.access == Access::kAuthenticated; });
}

}  // namespace cloudnet::http::internal
