// The provider interface (roles/provider.h) as a REST API over http::Server.
// Role-agnostic: it serves any roles::Provider, so a PIP daemon and a VNP
// daemon (which itself talks to its providers through api::RemoteProvider)
// offer the same API. docs/api/openapi.yaml is its contract and is served at
// GET /v1/openapi.yaml.
//
// The http layer authenticates (bearer token -> principal); the principal is
// the roles::Caller's customer, and the provider hides other customers' VNets
// (kNotFound). Error statuses (see also docs/api/README.md):
//   400 invalid_document   FleRD body malformed or invalid; `details` lists
//                          every diagnostic with line, column and path
//   400 invalid_argument   bad query parameter, header or action name
//   404 not_found          unknown VNet or node (also another customer's)
//   409 conflict           illegal state transition, idempotency key reused
//                          with a different request
//   415                    body media type not FleRD JSON/XML/YAML
//   413                    body over the server's max_body_bytes
//   422 infeasible         well-formed request the substrate cannot host
//                          (kept apart from 409: nothing the caller did
//                          concurrently is wrong; retrying later may succeed)
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "http/server.h"
#include "roles/provider.h"

namespace cloudnet::api {

struct ApiOptions {
  // Shown by GET /v1/health (e.g. "pip1"); "" = not shown.
  std::string name;
  // Largest TTL (seconds) a client may ask for in ?ttl=; larger values are
  // passed as this. The provider caps too; this only guards the parsing.
  double max_ttl_s = 7 * 24 * 3600.0;
};

// Adds the API's routes to `server` (before server.start()). `provider` must
// outlive the server and be safe to call from the server's worker threads.
void register_routes(http::Server& server, roles::Provider& provider, ApiOptions options = {});

// The routes register_routes adds (method, pattern, public?), for the
// OpenAPI consistency test and for documentation.
struct RouteInfo {
  std::string method;
  std::string pattern;
  bool is_public = false;
};
std::vector<RouteInfo> routes();

// The OpenAPI 3 document (docs/api/openapi.yaml), compiled in.
std::string_view openapi_yaml();

// Media types accepted for FleRD request bodies.
const std::vector<std::string>& document_media_types();

inline constexpr std::string_view kIdempotencyKeyHeader = "Idempotency-Key";

}  // namespace cloudnet::api
