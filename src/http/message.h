// HTTP messages as the daemons see them: plain structs with no trace of the
// HTTP library underneath (cpp-httplib stays inside server.cc / client.cc), so
// code above this layer depends on this small interface only.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace cloudnet::http {

// Header names compare case-insensitively (RFC 9110 5.1). Transparent, so
// lookups take a string_view without building a std::string.
struct CaseInsensitiveLess {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const;
};
using Headers = std::multimap<std::string, std::string, CaseInsensitiveLess>;
using QueryParams = std::multimap<std::string, std::string, std::less<>>;
using PathParams = std::map<std::string, std::string, std::less<>>;

// Media types we speak; handlers compare Request::content_type against these.
inline constexpr std::string_view kJson = "application/json";
inline constexpr std::string_view kXml = "application/xml";
inline constexpr std::string_view kYaml = "application/yaml";

// The media type of a Content-Type value: lower case, without parameters
// ("Application/JSON; charset=utf-8" -> "application/json").
std::string media_type(std::string_view content_type);

// Percent-encodes one path segment or query value (RFC 3986 unreserved
// characters stay as they are). The client sends paths verbatim, so ids that
// may contain reserved characters must go through this.
std::string url_encode(std::string_view component);

// One request as a handler sees it. Filled by the server; all strings are
// owned, so a handler may keep views into it for the duration of the call.
struct Request {
  std::string method;          // "GET", "POST", ... (HEAD is served by GET routes)
  std::string path;            // percent-decoded path, without the query string
  std::string route;           // the matched pattern, e.g. "/v1/vnets/{id}"
  PathParams path_params;      // {id} -> value, percent-decoded
  QueryParams query;           // percent-decoded, '+' as space
  Headers headers;             // as received
  std::string body;            // complete body (at most ServerOptions::max_body_bytes)
  std::string content_type;    // media_type() of Content-Type, "" when absent
  std::string bearer_token;    // from "Authorization: Bearer ...", "" when absent
  std::string principal;       // customer id from the Authenticator; "" on public routes
  std::string remote_address;  // peer IP address
  int remote_port = 0;
  std::string request_id;  // also sent back as X-Request-Id

  std::optional<std::string_view> header(std::string_view name) const;
  std::optional<std::string_view> query_param(std::string_view name) const;
  // The value of a {name} in the route; "" when the route has no such name.
  std::string_view path_param(std::string_view name) const;
  // Parses the body as JSON; a kParse Error names line/byte of the problem.
  Result<nlohmann::json> json_body() const;
};

// A response, built by a handler (server side) or received (client side).
struct Response {
  int status = 200;
  Headers headers;           // extra headers; Content-Type is taken from content_type
  std::string content_type;  // full Content-Type value; "" = none
  std::string body;

  // `body` serialised (invalid UTF-8 is replaced, never thrown about).
  static Response json(int status, const nlohmann::json& body);
  static Response text(int status, std::string body,
                       std::string content_type = "text/plain; charset=utf-8");
  static Response no_content();  // 204
  // The uniform error body (README.md): {"error": {"status", "code", "message",
  // "field"?, "details"?, "request_id"}}. The server fills in request_id.
  // `field` names the offending input (a JSON pointer, a parameter name),
  // `details` carries structured extras (e.g. a list of FleRD diagnostics).
  static Response error(int status, std::string_view code, std::string_view message,
                        std::string_view field = {}, nlohmann::json details = nullptr);
  // A library Error as an HTTP error (kNotFound -> 404, kConflict -> 409, ...).
  static Response from_error(const Error& error);

  bool ok() const { return status >= 200 && status < 300; }
  std::optional<std::string_view> header(std::string_view name) const;
  Result<nlohmann::json> json_body() const;
};

// Client side: a non-2xx response as an Error (404 -> kNotFound, 409 ->
// kConflict, 5xx -> kUnavailable/kInternal, ...) whose message carries the
// server's error code, message, field and request id. `context` (e.g.
// "GET https://pip1/v1/vnets/7") is put in front.
Error to_error(const Response& response, std::string_view context = {});

// The standard reason phrase of a status code ("Not Found").
const char* status_text(int status);

}  // namespace cloudnet::http
