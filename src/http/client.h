// An HTTP(S) client for our JSON APIs (customer CLI -> daemon, VNP -> PIP),
// on top of cpp-httplib (kept out of this header behind a pimpl).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"
#include "http/message.h"

namespace cloudnet::http {

struct ClientOptions {
  // "http://host[:port][/prefix]" or "https://..."; IPv6 hosts in brackets.
  // A path prefix is put in front of every request path.
  std::string base_url;
  std::string bearer_token;  // sent as "Authorization: Bearer ..." when set
  std::chrono::milliseconds connect_timeout{5'000};
  std::chrono::milliseconds read_timeout{60'000};  // per read; mapping can take a while
  std::chrono::milliseconds write_timeout{30'000};
  // HTTPS: PEM file of the CAs to trust; "" = the system's default CAs.
  std::string ca_file;
  // HTTPS without certificate verification. For tests only.
  bool insecure_skip_verify = false;
  // Kept-alive connections kept for reuse when idle.
  std::size_t max_idle_connections = 8;
  // Ask for gzip/brotli-compressed responses (worth it for large documents
  // over slow links, wasted CPU on a LAN).
  bool accept_compressed = false;
  std::string user_agent = "cloudnet-http/0.1";
  Headers default_headers;  // sent with every request
};

// Thread-safe: concurrent requests each take a kept-alive connection from a
// small pool (or open a new one), so one Client serves a whole daemon.
//
// Transport failures (connection refused, timeout, TLS failure) are Errors
// naming the method and URL; any HTTP response, including 4xx/5xx, is a
// Response (to_error() turns a failed one into an Error).
//
// Creating a Client makes the process ignore SIGPIPE (unless the program set
// its own disposition): writing to a connection the server has closed must
// become an error, not kill the process.
class Client {
 public:
  // Checks the URL (and that ca_file is readable) without connecting.
  static Result<Client> create(ClientOptions options);

  Client(Client&&) noexcept;  // a moved-from Client may only be assigned or destroyed
  Client& operator=(Client&&) noexcept;
  ~Client();

  // `path` starts with '/' and is sent as given (may contain a query string);
  // encode ids with url_encode(). Idempotent requests (GET, HEAD, PUT, DELETE,
  // OPTIONS) that fail on a reused connection the server had already closed
  // are retried once on a fresh connection.
  Result<Response> request(std::string_view method, std::string_view path,
                           std::string_view body = {}, std::string_view content_type = {},
                           const Headers& headers = {}) const;

  Result<Response> get(std::string_view path, const Headers& headers = {}) const;
  Result<Response> del(std::string_view path, const Headers& headers = {}) const;
  Result<Response> post(std::string_view path, std::string_view body,
                        std::string_view content_type = kJson, const Headers& headers = {}) const;
  Result<Response> put(std::string_view path, std::string_view body,
                       std::string_view content_type = kJson, const Headers& headers = {}) const;
  Result<Response> post_json(std::string_view path, const nlohmann::json& body,
                             const Headers& headers = {}) const;
  Result<Response> put_json(std::string_view path, const nlohmann::json& body,
                            const Headers& headers = {}) const;

  // "scheme://host:port/prefix" as normalised from the options.
  const std::string& base_url() const;
  const ClientOptions& options() const;

 private:
  struct Impl;
  explicit Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cloudnet::http
