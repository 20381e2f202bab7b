#include "api/remote_provider.h"

#include <cstdio>

#include "api/json.h"
#include "api/server.h"
#include "flerd/io.h"

namespace cloudnet::api {

namespace {

std::string vnet_path(const std::string& vnet) {
  return "/v1/vnets/" + http::url_encode(vnet);
}

std::string ttl_text(double ttl) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", ttl);
  return buf;
}

template <class T, class F>
Result<T> decode(const Result<nlohmann::json>& j, F&& from_json) {
  if (!j) return j.error();
  return from_json(*j);
}

}  // namespace

Result<std::unique_ptr<RemoteProvider>> RemoteProvider::create(http::ClientOptions options) {
  auto client = http::Client::create(std::move(options));
  if (!client) return client.error();
  return std::unique_ptr<RemoteProvider>(new RemoteProvider(std::move(client).value()));
}

Result<nlohmann::json> RemoteProvider::call(const roles::Caller& caller, std::string_view method,
                                            const std::string& path, std::string_view body,
                                            std::string_view content_type) const {
  http::Headers headers;
  if (caller.idempotency_key)
    headers.emplace(std::string(kIdempotencyKeyHeader), *caller.idempotency_key);
  auto r = client_.request(method, path, body, content_type, headers);
  if (!r) return r.error();
  const std::string context = std::string(method) + " " + client_.base_url() + path;
  if (!r->ok()) return http::to_error(*r, context);
  auto j = r->json_body();
  if (!j) return Error::parse(context + ": the response is not JSON: " + j.error().message);
  return j;
}

Result<roles::VNetInfo> RemoteProvider::create_vnet(const roles::Caller& caller,
                                                    const flerd::Document& request,
                                                    const roles::CreateOptions& options) {
  std::string path = "/v1/vnets";
  char sep = '?';
  if (options.ttl_s > 0) {
    path += sep + std::string("ttl=") + ttl_text(options.ttl_s);
    sep = '&';
  }
  if (options.confirm) path += sep + std::string("confirm=true");
  return decode<roles::VNetInfo>(
      call(caller, "POST", path, flerd::write_string(request, flerd::Format::kJson), http::kJson),
      vnet_info_from_json);
}

Result<roles::VNetInfo> RemoteProvider::confirm_request(const roles::Caller& caller,
                                                        const std::string& vnet) {
  return decode<roles::VNetInfo>(call(caller, "POST", vnet_path(vnet) + "/confirm"),
                                 vnet_info_from_json);
}

Result<roles::VNetInfo> RemoteProvider::cancel_request(const roles::Caller& caller,
                                                       const std::string& vnet) {
  return decode<roles::VNetInfo>(call(caller, "POST", vnet_path(vnet) + "/cancel"),
                                 vnet_info_from_json);
}

Result<roles::VNetInfo> RemoteProvider::delete_vnet(const roles::Caller& caller,
                                                    const std::string& vnet) {
  return decode<roles::VNetInfo>(call(caller, "DELETE", vnet_path(vnet)), vnet_info_from_json);
}

Result<roles::VNetInfo> RemoteProvider::modify_vnet(const roles::Caller& caller,
                                                    const std::string& vnet,
                                                    const flerd::Document& request) {
  return decode<roles::VNetInfo>(
      call(caller, "PUT", vnet_path(vnet), flerd::write_string(request, flerd::Format::kJson),
           http::kJson),
      vnet_info_from_json);
}

Result<roles::Metrics> RemoteProvider::get_metrics(const roles::Caller& caller) {
  return decode<roles::Metrics>(call(caller, "GET", "/v1/metrics"), metrics_from_json);
}

Result<roles::VNetInfo> RemoteProvider::provision(const roles::Caller& caller,
                                                  const std::string& vnet, roles::Action action,
                                                  const std::string& node) {
  std::string path = vnet_path(vnet);
  if (!node.empty()) path += "/nodes/" + http::url_encode(node);
  path += "/actions/";
  path += action_name(action);
  return decode<roles::VNetInfo>(call(caller, "POST", path), vnet_info_from_json);
}

Result<roles::VNetInfo> RemoteProvider::status(const roles::Caller& caller,
                                               const std::string& vnet) {
  return decode<roles::VNetInfo>(call(caller, "GET", vnet_path(vnet)), vnet_info_from_json);
}

Result<std::vector<roles::VNetInfo>> RemoteProvider::list(const roles::Caller& caller) {
  return decode<std::vector<roles::VNetInfo>>(call(caller, "GET", "/v1/vnets"),
                                              vnet_list_from_json);
}

Result<flerd::Document> RemoteProvider::document(const roles::Caller& caller,
                                                 const std::string& vnet) {
  const std::string path = vnet_path(vnet) + "/document";
  http::Headers headers = {{"Accept", std::string(http::kJson)}};
  if (caller.idempotency_key)
    headers.emplace(std::string(kIdempotencyKeyHeader), *caller.idempotency_key);
  auto r = client_.request("GET", path, {}, {}, headers);
  if (!r) return r.error();
  const std::string context = "GET " + client_.base_url() + path;
  if (!r->ok()) return http::to_error(*r, context);
  flerd::Loaded loaded = flerd::read_string(r->body, flerd::Format::kJson, context);
  if (!loaded.ok()) return Error::parse(context + ": " + loaded.diagnostics.format());
  return std::move(loaded.document);
}

Result<roles::ConsoleAccess> RemoteProvider::console(const roles::Caller& caller,
                                                     const std::string& vnet,
                                                     const std::string& node) {
  return decode<roles::ConsoleAccess>(
      call(caller, "POST", vnet_path(vnet) + "/nodes/" + http::url_encode(node) + "/console"),
      console_access_from_json);
}

Status RemoteProvider::health() const {
  auto r = client_.get("/v1/health");
  if (!r) return r.error();
  if (!r->ok()) return http::to_error(*r, "GET " + client_.base_url() + "/v1/health");
  return Status::Ok();
}

}  // namespace cloudnet::api
