// Route table of http::Server (internal; exposed for its unit tests).
// Patterns are '/'-separated segments, each a literal or "{name}".
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "http/message.h"
#include "http/server.h"

namespace cloudnet::http::internal {

struct Segment {
  std::string text;  // literal text, or the parameter name
  bool param = false;
};

struct Route {
  std::string method;
  std::string pattern;
  std::vector<Segment> segments;
  Handler handler;
  RouteOptions options;
};

// Splits a raw request path ("/a/b%2Fc") into percent-decoded segments
// ({"a", "b/c"}); a trailing '/' is ignored. Fails on malformed escapes.
Result<std::vector<std::string>> split_path(std::string_view raw_path);

// Percent-decodes `s` ('+' stays '+'); nullopt on a malformed escape.
std::optional<std::string> percent_decode(std::string_view s);

class Router {
 public:
  Status add(std::string_view method, std::string_view pattern, Handler handler,
             RouteOptions options);

  struct Match {
    const Route* route = nullptr;      // null: no route for this method
    PathParams params;                 // of `route`
    std::vector<std::string> allowed;  // methods of all routes matching the path
  };
  // Finds the most specific route for `method` whose pattern matches `segments`
  // (literal segments beat parameters, left to right). HEAD uses GET routes.
  Match match(std::string_view method, const std::vector<std::string>& segments) const;

  bool any_authenticated() const;
  bool empty() const { return routes_.empty(); }

 private:
  std::vector<Route> routes_;
};

}  // namespace cloudnet::http::internal
