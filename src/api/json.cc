#include "api/json.h"

#include <string>

namespace cloudnet::api {

using nlohmann::json;

json to_json(const roles::ElementStatus& e) {
  json j = {{"id", e.id}, {"kind", e.kind}, {"state", e.state}};
  if (!e.site.empty()) j["site"] = e.site;
  return j;
}

json to_json(const roles::VNetInfo& v) {
  json elements = json::array();
  for (const auto& e : v.elements) elements.push_back(to_json(e));
  json j = {{"id", v.id},
            {"customer", v.customer},
            {"state", v.state},
            {"created_at_ms", v.created_at_ms},
            {"elements", std::move(elements)},
            {"completion", v.completion}};
  if (v.expires_at_ms) j["expires_at_ms"] = *v.expires_at_ms;
  if (!v.detail.empty()) j["detail"] = v.detail;
  return j;
}

json to_json(const std::vector<roles::VNetInfo>& list) {
  json a = json::array();
  for (const auto& v : list) a.push_back(to_json(v));
  return {{"vnets", std::move(a)}};
}

json to_json(const roles::Metrics& m) {
  json resources = json::object();
  for (const auto& [attr, r] : m.resources) {
    resources[attr] = {{"capacity", r.capacity},
                       {"available", r.available},
                       {"largest_available", r.largest_available}};
  }
  return {{"provider", m.provider},
          {"resources", std::move(resources)},
          {"features", m.features},
          {"vnets", m.vnets}};
}

json to_json(const roles::ConsoleAccess& c) {
  return {
      {"host", c.host}, {"port", c.port}, {"token", c.token}, {"expires_at_ms", c.expires_at_ms}};
}

namespace {

// A small reader that remembers the first problem, so the from_json functions
// read like a field list instead of a ladder of checks.
class Reader {
 public:
  explicit Reader(std::string where) : where_(std::move(where)) {}

  const json* field(const json& obj, const char* key, bool required) {
    if (!obj.is_object()) {
      fail(where_ + ": expected an object");
      return nullptr;
    }
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) {
      if (required) fail(where_ + ": missing field \"" + key + "\"");
      return nullptr;
    }
    return &*it;
  }
  void str(const json& obj, const char* key, std::string& out, bool required = true) {
    const json* v = field(obj, key, required);
    if (!v) return;
    if (!v->is_string()) return fail(where_ + ": field \"" + key + "\" must be a string");
    out = v->get<std::string>();
  }
  void i64(const json& obj, const char* key, std::int64_t& out, bool required = true) {
    const json* v = field(obj, key, required);
    if (!v) return;
    if (!v->is_number_integer()) return fail(where_ + ": field \"" + key + "\" must be an integer");
    out = v->get<std::int64_t>();
  }
  void num(const json& obj, const char* key, double& out, bool required = true) {
    const json* v = field(obj, key, required);
    if (!v) return;
    if (!v->is_number()) return fail(where_ + ": field \"" + key + "\" must be a number");
    out = v->get<double>();
  }
  void str_map(const json& obj, const char* key, std::map<std::string, std::string>& out) {
    const json* v = field(obj, key, false);
    if (!v) return;
    if (!v->is_object()) return fail(where_ + ": field \"" + key + "\" must be an object");
    for (const auto& [k, val] : v->items()) {
      if (!val.is_string()) return fail(where_ + ": " + key + "/" + k + " must be a string");
      out[k] = val.get<std::string>();
    }
  }
  void fail(std::string msg) {
    if (!error_) error_ = Error::parse(std::move(msg));
  }
  const std::optional<Error>& error() const { return error_; }

 private:
  std::string where_;
  std::optional<Error> error_;
};

}  // namespace

Result<roles::VNetInfo> vnet_info_from_json(const json& j) {
  Reader r("VNetInfo");
  roles::VNetInfo v;
  r.str(j, "id", v.id);
  r.str(j, "customer", v.customer, false);
  r.str(j, "state", v.state);
  r.i64(j, "created_at_ms", v.created_at_ms, false);
  std::int64_t expires = 0;
  if (r.field(j, "expires_at_ms", false)) {
    r.i64(j, "expires_at_ms", expires);
    v.expires_at_ms = expires;
  }
  r.str(j, "detail", v.detail, false);
  r.str_map(j, "completion", v.completion);
  if (const json* els = r.field(j, "elements", false)) {
    if (!els->is_array()) {
      r.fail("VNetInfo: field \"elements\" must be an array");
    } else {
      for (const auto& e : *els) {
        Reader er("VNetInfo element");
        roles::ElementStatus s;
        er.str(e, "id", s.id);
        er.str(e, "kind", s.kind);
        er.str(e, "state", s.state);
        er.str(e, "site", s.site, false);
        if (er.error()) return *er.error();
        v.elements.push_back(std::move(s));
      }
    }
  }
  if (r.error()) return *r.error();
  return v;
}

Result<std::vector<roles::VNetInfo>> vnet_list_from_json(const json& j) {
  if (!j.is_object() || !j.contains("vnets") || !j["vnets"].is_array()) {
    return Error::parse("VNet list: expected {\"vnets\": [...]}");
  }
  std::vector<roles::VNetInfo> out;
  for (const auto& v : j["vnets"]) {
    auto info = vnet_info_from_json(v);
    if (!info) return info.error();
    out.push_back(std::move(info).value());
  }
  return out;
}

Result<roles::Metrics> metrics_from_json(const json& j) {
  Reader r("Metrics");
  roles::Metrics m;
  r.str(j, "provider", m.provider, false);
  r.str_map(j, "features", m.features);
  std::int64_t vnets = 0;
  r.i64(j, "vnets", vnets, false);
  m.vnets = static_cast<int>(vnets);
  if (const json* res = r.field(j, "resources", false)) {
    if (!res->is_object()) {
      r.fail("Metrics: field \"resources\" must be an object");
    } else {
      for (const auto& [attr, a] : res->items()) {
        Reader ar("Metrics resource " + attr);
        roles::ResourceAggregate agg;
        ar.num(a, "capacity", agg.capacity);
        ar.num(a, "available", agg.available);
        ar.num(a, "largest_available", agg.largest_available, false);
        if (ar.error()) return *ar.error();
        m.resources[attr] = agg;
      }
    }
  }
  if (r.error()) return *r.error();
  return m;
}

Result<roles::ConsoleAccess> console_access_from_json(const json& j) {
  Reader r("ConsoleAccess");
  roles::ConsoleAccess c;
  r.str(j, "host", c.host);
  std::int64_t port = 0;
  r.i64(j, "port", port);
  r.str(j, "token", c.token);
  r.i64(j, "expires_at_ms", c.expires_at_ms, false);
  if (r.error()) return *r.error();
  if (port <= 0 || port > 65535) return Error::parse("ConsoleAccess: port out of range");
  c.port = static_cast<int>(port);
  return c;
}

const char* action_name(roles::Action action) {
  switch (action) {
    case roles::Action::kStart: return "start";
    case roles::Action::kStop: return "stop";
    case roles::Action::kSuspend: return "suspend";
    case roles::Action::kResume: return "resume";
    case roles::Action::kPowercycle: return "powercycle";
  }
  return "?";
}

std::optional<roles::Action> action_from_name(std::string_view name) {
  for (roles::Action a : all_actions()) {
    if (name == action_name(a)) return a;
  }
  return std::nullopt;
}

const std::vector<roles::Action>& all_actions() {
  static const std::vector<roles::Action> actions = {
      roles::Action::kStart, roles::Action::kStop, roles::Action::kSuspend, roles::Action::kResume,
      roles::Action::kPowercycle};
  return actions;
}

}  // namespace cloudnet::api
