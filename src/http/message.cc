#include "http/message.h"

#include <algorithm>
#include <cctype>

namespace cloudnet::http {

namespace {

char lower(char c) {
  return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

// Serialises without throwing: nlohmann's dump() throws on invalid UTF-8,
// which user-supplied strings (ids, names) may contain.
std::string dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<nlohmann::json> parse_json(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_discarded()) return j;
  // Parse again with exceptions only to get nlohmann's position message.
  try {
    auto again = nlohmann::json::parse(text);
    (void)again;
  } catch (const nlohmann::json::parse_error& e) {
    return Error::parse(std::string("malformed JSON: ") + e.what());
  } catch (const std::exception& e) {
    return Error::parse(std::string("malformed JSON: ") + e.what());
  }
  return Error::parse("malformed JSON");
}

template <class Map>
std::optional<std::string_view> find_value(const Map& map, std::string_view key) {
  auto it = map.find(key);
  if (it == map.end()) return std::nullopt;
  return std::string_view(it->second);
}

}  // namespace

bool CaseInsensitiveLess::operator()(std::string_view a, std::string_view b) const {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(),
                                      [](char x, char y) { return lower(x) < lower(y); });
}

std::string media_type(std::string_view content_type) {
  auto end = content_type.find(';');
  std::string_view type = content_type.substr(0, end);
  while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) type.remove_prefix(1);
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  std::string out(type);
  std::transform(out.begin(), out.end(), out.begin(), lower);
  return out;
}

std::string url_encode(std::string_view component) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(component.size());
  for (char c : component) {
    auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0xF];
    }
  }
  return out;
}

std::optional<std::string_view> Request::header(std::string_view name) const {
  return find_value(headers, name);
}

std::optional<std::string_view> Request::query_param(std::string_view name) const {
  return find_value(query, name);
}

std::string_view Request::path_param(std::string_view name) const {
  return find_value(path_params, name).value_or(std::string_view());
}

Result<nlohmann::json> Request::json_body() const {
  return parse_json(body);
}

Response Response::json(int status, const nlohmann::json& body) {
  Response r;
  r.status = status;
  r.content_type = "application/json";
  r.body = dump(body);
  return r;
}

Response Response::text(int status, std::string body, std::string content_type) {
  Response r;
  r.status = status;
  r.content_type = std::move(content_type);
  r.body = std::move(body);
  return r;
}

Response Response::no_content() {
  Response r;
  r.status = 204;
  return r;
}

Response Response::error(int status, std::string_view code, std::string_view message,
                         std::string_view field, nlohmann::json details) {
  nlohmann::json e = {{"status", status}, {"code", code}, {"message", message}};
  if (!field.empty()) e["field"] = field;
  if (!details.is_null()) e["details"] = std::move(details);
  return json(status, {{"error", std::move(e)}});
}

Response Response::from_error(const Error& error) {
  switch (error.code) {
    case Error::Code::kInvalidArgument:
      return Response::error(400, "invalid_argument", error.message);
    case Error::Code::kParse: return Response::error(400, "parse_error", error.message);
    case Error::Code::kNotFound: return Response::error(404, "not_found", error.message);
    case Error::Code::kConflict: return Response::error(409, "conflict", error.message);
    case Error::Code::kInfeasible: return Response::error(422, "infeasible", error.message);
    case Error::Code::kUnavailable: return Response::error(503, "unavailable", error.message);
    case Error::Code::kIo: return Response::error(500, "io_error", error.message);
    case Error::Code::kInternal: break;
  }
  return Response::error(500, "internal_error", error.message);
}

std::optional<std::string_view> Response::header(std::string_view name) const {
  return find_value(headers, name);
}

Result<nlohmann::json> Response::json_body() const {
  return parse_json(body);
}

Error to_error(const Response& response, std::string_view context) {
  std::string code;
  std::string message;
  std::string field;
  std::string request_id;
  auto j = nlohmann::json::parse(response.body, nullptr, false);
  if (!j.is_discarded() && j.is_object() && j.contains("error") && j["error"].is_object()) {
    const auto& e = j["error"];
    auto str = [&](const char* key) {
      return e.contains(key) && e[key].is_string() ? e[key].get<std::string>() : std::string();
    };
    code = str("code");
    message = str("message");
    field = str("field");
    request_id = str("request_id");
  } else if (response.body.size() <= 200) {
    message = response.body;  // a non-JSON error from some proxy: short ones are worth showing
  }

  std::string text;
  if (!context.empty()) {
    text += context;
    text += ": ";
  }
  text += "HTTP " + std::to_string(response.status) + " " + status_text(response.status);
  if (!code.empty()) text += " (" + code + ")";
  if (!message.empty()) text += ": " + message;
  if (!field.empty()) text += " [field " + field + "]";
  if (!request_id.empty()) text += " [request " + request_id + "]";

  Error::Code c = Error::Code::kInternal;
  int s = response.status;
  if (s == 404 || s == 410) {
    c = Error::Code::kNotFound;
  } else if (s == 409 || s == 412) {
    c = Error::Code::kConflict;
  } else if (s == 422 && code == "infeasible") {
    c = Error::Code::kInfeasible;
  } else if (code == "parse_error") {
    c = Error::Code::kParse;
  } else if (s >= 400 && s < 500) {
    c = Error::Code::kInvalidArgument;
  } else if (s == 502 || s == 503 || s == 504) {
    c = Error::Code::kUnavailable;
  }
  return Error{c, std::move(text)};
}

const char* status_text(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 412: return "Precondition Failed";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: break;
  }
  return "";
}

}  // namespace cloudnet::http
