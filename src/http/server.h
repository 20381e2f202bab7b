// An HTTP(S) server with our own routing, authentication hook and uniform JSON
// errors, on top of cpp-httplib (kept out of this header behind a pimpl).
//
// Every response the server produces itself (unknown route, wrong method,
// oversized body, wrong content type, missing token, handler exception) has
// the JSON error body of README.md, and no handler exception escapes: the
// server answers 500 and keeps serving.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "http/message.h"

namespace cloudnet::http {

// Maps a bearer token to the principal (customer id) it belongs to, or
// nullopt when the token is not valid. Called concurrently from the server's
// worker threads; it should compare tokens in constant time. An exception
// from it becomes a 500.
using Authenticator = std::function<std::optional<std::string>(std::string_view token)>;

struct AccessLogEntry {
  std::string method;
  std::string path;   // as requested, without the query string
  std::string route;  // matched pattern, "" when none matched
  int status = 0;
  std::chrono::microseconds duration{0};  // from the parsed request headers to the response
  std::string request_id;
  std::string remote_address;
  std::string principal;  // "" when not authenticated
  std::size_t request_bytes = 0;
  std::size_t response_bytes = 0;
  std::string error;  // what() of a handler exception behind a 500, else ""
};
// Called once per response from the worker threads (must be thread-safe);
// exceptions from it are swallowed.
using AccessLogger = std::function<void(const AccessLogEntry&)>;

struct TlsFiles {
  std::string cert_file;  // PEM certificate (chain)
  std::string key_file;   // PEM private key, unencrypted
};

struct ServerOptions {
  std::string bind_address = "127.0.0.1";
  int port = 0;  // 0 = let the kernel pick a free port (start() returns it)
  // Worker threads. cpp-httplib keeps a connection on one worker for as long
  // as it is kept alive, so this bounds the number of concurrently served
  // connections; further connections wait until a worker is free.
  int threads = 32;
  std::size_t max_body_bytes = 16u << 20;  // larger bodies get 413
  std::chrono::milliseconds read_timeout{10'000};
  std::chrono::milliseconds write_timeout{10'000};
  // An idle kept-alive connection is closed after this long (cpp-httplib counts
  // whole seconds). stop() waits for idle connections up to this long.
  std::chrono::seconds keep_alive_timeout{2};
  std::size_t keep_alive_max_requests = 100;  // per connection, then it is closed
  std::optional<TlsFiles> tls;                // HTTPS when set
  Authenticator authenticator;                // needed if any route is authenticated
  AccessLogger access_log;                    // optional
  std::string realm = "cloudnet";             // in WWW-Authenticate
};

enum class Access { kAuthenticated, kPublic };

struct RouteOptions {
  Access access = Access::kAuthenticated;
  // Media types accepted for a request body (e.g. {kJson, kXml, kYaml}); a
  // non-empty body of another (or no) type gets 415. Empty = no check.
  std::vector<std::string> accepts;
};

using Handler = std::function<Response(const Request&)>;

class Server {
 public:
  explicit Server(ServerOptions options);
  ~Server();  // stop()s
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Registers a handler for `method` ("GET", "POST", "PUT", "PATCH", "DELETE",
  // "OPTIONS"; GET routes also answer HEAD) and `pattern`: '/'-separated
  // segments, each a literal or a "{name}" parameter, e.g.
  // "/v1/vnets/{id}/nodes/{node}". Literal segments win over parameters.
  // Must be called before start(); a bad pattern, a duplicate route or a late
  // call is remembered and reported by start() (the sticky style of
  // solver::Model, so registering a route table needs no error plumbing).
  void route(std::string_view method, std::string_view pattern, Handler handler,
             RouteOptions options = {});

  // Binds, starts serving in a background thread and returns the bound port.
  // A Server starts at most once.
  Result<int> start();
  // Stops accepting, lets in-flight requests finish and joins the workers
  // (idle kept-alive connections are waited for up to keep_alive_timeout).
  // Idempotent.
  void stop();

  int port() const;  // the bound port once started, else 0
  bool running() const;
  const ServerOptions& options() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cloudnet::http
