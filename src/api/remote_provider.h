// roles::Provider over HTTP: the client side of api/server.h. The customer
// CLI uses it to talk to a daemon, and a VNP uses one per provider it buys
// from (a PIP or another VNP), so every layer sees only roles::Provider.
//
// Identity comes from the bearer token in the options, not from
// Caller::customer (the server decides who the token belongs to); the
// caller's idempotency key is sent as the Idempotency-Key header. HTTP errors
// come back as Errors with the server's code and message (http::to_error):
// 404 kNotFound, 409 kConflict, 422 kInfeasible, other 4xx kInvalidArgument,
// 503 and transport failures kUnavailable.
#pragma once

#include <memory>
#include <string>

#include "common/result.h"
#include "http/client.h"
#include "roles/provider.h"

namespace cloudnet::api {

class RemoteProvider final : public roles::Provider {
 public:
  // Checks the URL (http::Client::create) without connecting.
  static Result<std::unique_ptr<RemoteProvider>> create(http::ClientOptions options);

  Result<roles::VNetInfo> create_vnet(const roles::Caller& caller, const flerd::Document& request,
                                      const roles::CreateOptions& options) override;
  Result<roles::VNetInfo> confirm_request(const roles::Caller& caller,
                                          const std::string& vnet) override;
  Result<roles::VNetInfo> cancel_request(const roles::Caller& caller,
                                         const std::string& vnet) override;
  Result<roles::VNetInfo> delete_vnet(const roles::Caller& caller,
                                      const std::string& vnet) override;
  Result<roles::VNetInfo> modify_vnet(const roles::Caller& caller, const std::string& vnet,
                                      const flerd::Document& request) override;
  Result<roles::Metrics> get_metrics(const roles::Caller& caller) override;
  Result<roles::VNetInfo> provision(const roles::Caller& caller, const std::string& vnet,
                                    roles::Action action, const std::string& node) override;
  Result<roles::VNetInfo> status(const roles::Caller& caller, const std::string& vnet) override;
  Result<std::vector<roles::VNetInfo>> list(const roles::Caller& caller) override;
  Result<flerd::Document> document(const roles::Caller& caller, const std::string& vnet) override;
  Result<roles::ConsoleAccess> console(const roles::Caller& caller, const std::string& vnet,
                                       const std::string& node) override;

  // Is the daemon up? (GET /v1/health, no token needed.)
  Status health() const;
  const std::string& base_url() const { return client_.base_url(); }

 private:
  explicit RemoteProvider(http::Client client) : client_(std::move(client)) {}
  Result<nlohmann::json> call(const roles::Caller& caller, std::string_view method,
                              const std::string& path, std::string_view body = {},
                              std::string_view content_type = {}) const;

  http::Client client_;
};

}  // namespace cloudnet::api
