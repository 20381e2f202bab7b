// JSON forms of the provider interface's values (roles/provider.h), shared by
// the server (api/server.h) and the client (api/remote_provider.h) so the two
// sides cannot drift apart. docs/api/openapi.yaml describes the same shapes.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "roles/provider.h"

namespace cloudnet::api {

nlohmann::json to_json(const roles::ElementStatus& e);
nlohmann::json to_json(const roles::VNetInfo& v);
nlohmann::json to_json(const std::vector<roles::VNetInfo>& list);  // {"vnets": [...]}
nlohmann::json to_json(const roles::Metrics& m);
nlohmann::json to_json(const roles::ConsoleAccess& c);

// The readers are strict about types and required fields (a kParse Error
// names the field) and ignore unknown fields, so a newer server can add some.
Result<roles::VNetInfo> vnet_info_from_json(const nlohmann::json& j);
Result<std::vector<roles::VNetInfo>> vnet_list_from_json(const nlohmann::json& j);
Result<roles::Metrics> metrics_from_json(const nlohmann::json& j);
Result<roles::ConsoleAccess> console_access_from_json(const nlohmann::json& j);

// Action names on the wire ("start", "stop", "suspend", "resume",
// "powercycle"). Kept here rather than using roles' to_string/parse_action so
// the API layer needs only the roles header, not a roles implementation.
const char* action_name(roles::Action action);
std::optional<roles::Action> action_from_name(std::string_view name);
const std::vector<roles::Action>& all_actions();

}  // namespace cloudnet::api
