#include "http/client.h"

#include <netdb.h>
#include <signal.h>

#include <charconv>
#include <fstream>
#include <mutex>
#include <vector>

#include "http/httplib_private.h"

namespace cloudnet::http {

namespace {

using Clock = std::chrono::steady_clock;

// Writing to a connection the peer has closed raises SIGPIPE, whose default
// action kills the process; cpp-httplib's client does not guard against it.
// Only a default disposition is replaced, so a handler the program installed
// itself stays.
void ignore_sigpipe_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction current {};
    if (::sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) {
      struct sigaction ignore {};
      ignore.sa_handler = SIG_IGN;
      sigemptyset(&ignore.sa_mask);
      ::sigaction(SIGPIPE, &ignore, nullptr);
    }
  });
}

bool idempotent(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "PUT" || method == "DELETE" ||
         method == "OPTIONS";
}

std::string ms(std::chrono::milliseconds d) {
  return std::to_string(d.count()) + " ms";
}

bool resolves(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* result = nullptr;
  int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &result);
  if (result != nullptr) ::freeaddrinfo(result);
  return rc == 0;
}

}  // namespace

struct Client::Impl {
  ClientOptions options;
  bool tls = false;
  std::string host;  // without brackets
  int port = 0;
  std::string prefix;  // "" or "/api"
  std::string base_url;

  std::mutex mu;
  std::vector<std::unique_ptr<httplib::ClientImpl>> idle;

  std::unique_ptr<httplib::ClientImpl> make() const {
    std::unique_ptr<httplib::ClientImpl> c;
    if (tls) {
      auto s = std::make_unique<httplib::SSLClient>(host, port);
      if (!options.ca_file.empty()) s->set_ca_cert_path(options.ca_file);
      s->enable_server_certificate_verification(!options.insecure_skip_verify);
      c = std::move(s);
    } else {
      c = std::make_unique<httplib::ClientImpl>(host, port);
    }
    c->set_keep_alive(true);
    c->set_tcp_nodelay(true);
    c->set_connection_timeout(options.connect_timeout);
    c->set_read_timeout(options.read_timeout);
    c->set_write_timeout(options.write_timeout);
    c->set_url_encode(false);  // paths are sent as given (see url_encode())
    c->set_follow_location(false);
    c->set_decompress(options.accept_compressed);
    if (!options.bearer_token.empty()) c->set_bearer_token_auth(options.bearer_token);
    return c;
  }

  std::unique_ptr<httplib::ClientImpl> acquire() {
    {
      std::lock_guard lock(mu);
      if (!idle.empty()) {
        auto c = std::move(idle.back());
        idle.pop_back();
        return c;
      }
    }
    return make();
  }

  void release(std::unique_ptr<httplib::ClientImpl> c) {
    std::lock_guard lock(mu);
    if (idle.size() < options.max_idle_connections) idle.push_back(std::move(c));
  }

  Error transport_error(std::string_view method, std::string_view path, httplib::Error err,
                        Clock::duration elapsed, const httplib::ClientImpl& c) const {
    std::string what = std::string(method) + " " + base_url + std::string(path) + ": ";
    Error::Code code = Error::Code::kUnavailable;
    switch (err) {
      case httplib::Error::Connection:
        // errno is useless here (cpp-httplib connects non-blocking), but a
        // name that does not resolve is worth telling apart.
        if (!resolves(host)) {
          what += "cannot resolve host name '" + host + "'";
        } else {
          what += "cannot connect to " + host + ":" + std::to_string(port) +
                  "; is the server running and reachable?";
        }
        break;
      case httplib::Error::ConnectionTimeout:
        what += "connecting timed out after " + ms(options.connect_timeout);
        break;
      case httplib::Error::Read:
        if (elapsed + std::chrono::milliseconds(50) >= options.read_timeout) {
          what += "no response within the read timeout of " + ms(options.read_timeout);
        } else {
          what += "the connection broke before a complete response arrived";
        }
        break;
      case httplib::Error::Write:
        what += "sending the request failed (connection closed or write timeout of " +
                ms(options.write_timeout) + ")";
        break;
      case httplib::Error::SSLConnection:
        what += "TLS handshake failed (does the server speak HTTPS on this port?)";
        break;
      case httplib::Error::SSLLoadingCerts:
        code = Error::Code::kInvalidArgument;
        what += "cannot load CA certificates from '" + options.ca_file + "'";
        break;
      case httplib::Error::SSLServerVerification: {
        long result = X509_V_OK;
        if (const auto* s = dynamic_cast<const httplib::SSLClient*>(&c)) {
          result = s->get_openssl_verify_result();
        }
        what += "server certificate verification failed: ";
        if (result != X509_V_OK) {
          what += X509_verify_cert_error_string(result);
        } else {
          what += "the certificate does not match host '" + host + "'";
        }
        break;
      }
      case httplib::Error::BindIPAddress:
      case httplib::Error::Canceled:
      case httplib::Error::Compression:
      case httplib::Error::ExceedRedirectCount:
      case httplib::Error::UnsupportedMultipartBoundaryChars:
      case httplib::Error::Unknown:
      case httplib::Error::Success:
      default:
        code = Error::Code::kInternal;
        what += "request failed (" + httplib::to_string(err) + ")";
        break;
    }
    return Error{code, std::move(what)};
  }
};

Result<Client> Client::create(ClientOptions options) {
  auto impl = std::make_unique<Impl>();
  std::string_view url = options.base_url;
  auto bad = [&](std::string_view why) {
    return Error::invalid("bad base URL '" + options.base_url + "': " + std::string(why));
  };
  if (url.rfind("http://", 0) == 0) {
    url.remove_prefix(7);
  } else if (url.rfind("https://", 0) == 0) {
    url.remove_prefix(8);
    impl->tls = true;
  } else {
    return bad("must start with http:// or https://");
  }
  if (url.find_first_of("?#") != std::string_view::npos) return bad("no query or fragment allowed");
  auto slash = url.find('/');
  std::string_view authority = url.substr(0, slash);
  std::string_view prefix =
      slash == std::string_view::npos ? std::string_view() : url.substr(slash);
  while (!prefix.empty() && prefix.back() == '/') prefix.remove_suffix(1);

  std::string_view host;
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return bad("unterminated IPv6 address");
    host = authority.substr(1, close - 1);
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return bad("junk after IPv6 address");
      port_text = rest.substr(1);
    }
  } else {
    auto colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
    if (port_text.find(':') != std::string_view::npos) return bad("IPv6 addresses need brackets");
  }
  if (host.empty()) return bad("no host");
  if (host.find_first_of(" @/\\") != std::string_view::npos) return bad("bad host");
  int port = impl->tls ? 443 : 80;
  if (!port_text.empty() || authority.back() == ':') {
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port < 1 ||
        port > 65535) {
      return bad("bad port");
    }
  }
  if (impl->tls && !options.ca_file.empty() && !std::ifstream(options.ca_file).good()) {
    return Error::invalid("cannot read CA file '" + options.ca_file + "'");
  }

  impl->host = std::string(host);
  impl->port = port;
  impl->prefix = std::string(prefix);
  std::string shown_host =
      impl->host.find(':') != std::string::npos ? "[" + impl->host + "]" : impl->host;
  impl->base_url =
      (impl->tls ? "https://" : "http://") + shown_host + ":" + std::to_string(port) + impl->prefix;
  impl->options = std::move(options);
  ignore_sigpipe_once();
  return Client(std::move(impl));
}

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;
Client::~Client() = default;

Result<Response> Client::request(std::string_view method, std::string_view path,
                                 std::string_view body, std::string_view content_type,
                                 const Headers& headers) const {
  Impl& d = *impl_;
  if (method.empty() ||
      method.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") != std::string_view::npos) {
    return Error::invalid("bad HTTP method '" + std::string(method) + "'");
  }
  if (path.empty() || path.front() != '/') {
    return Error::invalid("request path '" + std::string(path) + "' must start with '/'");
  }
  for (char c : path) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) {
      return Error::invalid("request path '" + std::string(path) +
                            "' contains a space, control or non-ASCII character; use url_encode()");
    }
  }

  httplib::Request req;
  req.method = std::string(method);
  req.path = d.prefix + std::string(path);
  for (const auto& [k, v] : d.options.default_headers) req.headers.emplace(k, v);
  for (const auto& [k, v] : headers) req.headers.emplace(k, v);
  if (!req.has_header("Accept")) req.headers.emplace("Accept", "application/json");
  if (!req.has_header("User-Agent")) req.headers.emplace("User-Agent", d.options.user_agent);
  // Explicit either way: cpp-httplib's client does not ask for compression
  // itself, and its server compresses JSON for any client that allows it.
  if (!req.has_header("Accept-Encoding")) {
    req.headers.emplace("Accept-Encoding",
                        d.options.accept_compressed ? "br, gzip, deflate" : "identity");
  }
  if (!content_type.empty()) req.headers.emplace("Content-Type", std::string(content_type));
  req.body = std::string(body);

  for (int attempt = 0;; ++attempt) {
    auto c = d.acquire();
    bool reused = c->is_socket_open() != 0;
    auto start = Clock::now();
    httplib::Result r = c->send(req);
    if (r) {
      Response out;
      out.status = r->status;
      for (auto& [k, v] : r->headers) out.headers.emplace(k, v);
      out.content_type = r->get_header_value("Content-Type");
      out.body = std::move(r->body);
      d.release(std::move(c));
      return out;
    }
    httplib::Error err = r.error();
    // A kept-alive connection the server closed meanwhile fails on first use;
    // retrying is safe for idempotent methods only.
    if (attempt == 0 && reused && idempotent(method) &&
        (err == httplib::Error::Read || err == httplib::Error::Write)) {
      continue;
    }
    return d.transport_error(method, path, err, Clock::now() - start, *c);
  }
}

Result<Response> Client::get(std::string_view path, const Headers& headers) const {
  return request("GET", path, {}, {}, headers);
}

Result<Response> Client::del(std::string_view path, const Headers& headers) const {
  return request("DELETE", path, {}, {}, headers);
}

Result<Response> Client::post(std::string_view path, std::string_view body,
                              std::string_view content_type, const Headers& headers) const {
  return request("POST", path, body, content_type, headers);
}

Result<Response> Client::put(std::string_view path, std::string_view body,
                             std::string_view content_type, const Headers& headers) const {
  return request("PUT", path, body, content_type, headers);
}

Result<Response> Client::post_json(std::string_view path, const nlohmann::json& body,
                                   const Headers& headers) const {
  return post(path, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), kJson,
              headers);
}

Result<Response> Client::put_json(std::string_view path, const nlohmann::json& body,
                                  const Headers& headers) const {
  return put(path, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), kJson,
             headers);
}

const std::string& Client::base_url() const {
  return impl_->base_url;
}

const ClientOptions& Client::options() const {
  return impl_->options;
}

}  // namespace cloudnet::http
