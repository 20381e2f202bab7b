#include "http/server.h"

#include <sys/socket.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <mutex>
#include <random>
#include <thread>

#include "http/httplib_private.h"
#include "http/router.h"

namespace cloudnet::http {

namespace {

using Clock = std::chrono::steady_clock;

// cpp-httplib keeps the listening socket in a protected member. We need it to
// raise the listen backlog, which the Debian build compiles in as 5: a burst
// of concurrent connects would otherwise see SYN drops and 1 s retransmits.
template <class Base>
class Listener : public Base {
 public:
  using Base::Base;
  int listen_socket() const { return this->svr_sock_; }
};

// Per-request state cpp-httplib has no slot for. One worker thread serves a
// connection from request line to logged response, so a thread_local carries
// it from the pre-routing hook through the handler to the logger.
struct RequestContext {
  const void* owner = nullptr;  // the Server::Impl that began this request
  Clock::time_point start;
  std::string request_id;
  std::string route;
  std::string principal;
  std::string error;
};
thread_local RequestContext t_ctx;

// cpp-httplib puts these pseudo-headers into every request.
bool is_pseudo_header(std::string_view name) {
  CaseInsensitiveLess less;
  auto eq = [&](std::string_view a, std::string_view b) { return !less(a, b) && !less(b, a); };
  return eq(name, "REMOTE_ADDR") || eq(name, "REMOTE_PORT") || eq(name, "LOCAL_ADDR") ||
         eq(name, "LOCAL_PORT");
}

bool valid_request_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.' || c == ':';
    if (!ok) return false;
  }
  return true;
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const auto& s : items) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

std::string dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// A handler's own error body gets the request id unless it has one.
void add_request_id(Response& r, const std::string& id) {
  if (r.status < 400 || r.body.empty() || media_type(r.content_type) != kJson) return;
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (!j.is_object() || !j.contains("error") || !j["error"].is_object()) return;
  auto& e = j["error"];
  if (e.contains("request_id")) return;
  e["request_id"] = id;
  r.body = dump(j);
}

// The error code for a status the server produces without a handler.
const char* default_code(int status) {
  switch (status) {
    case 400: return "bad_request";
    case 401: return "unauthenticated";
    case 403: return "forbidden";
    case 404: return "not_found";
    case 405: return "method_not_allowed";
    case 408: return "request_timeout";
    case 409: return "conflict";
    case 413: return "payload_too_large";
    case 414: return "uri_too_long";
    case 415: return "unsupported_media_type";
    case 422: return "unprocessable";
    case 503: return "unavailable";
    default: break;
  }
  return status >= 500 ? "internal_error" : "error";
}

bool is_served_method(std::string_view m) {
  return m == "GET" || m == "HEAD" || m == "POST" || m == "PUT" || m == "PATCH" || m == "DELETE" ||
         m == "OPTIONS";
}

std::string_view raw_path_of(const httplib::Request& req) {
  std::string_view target = req.target;
  return target.substr(0, target.find('?'));
}

bool readable(const std::string& path) {
  return std::ifstream(path).good();
}

}  // namespace

struct Server::Impl {
  ServerOptions options;
  internal::Router router;
  std::optional<Error> setup_error;

  std::mutex lifecycle;  // start() / stop()
  std::unique_ptr<httplib::Server> svr;
  std::thread listener;
  std::atomic<bool> listen_returned{false};
  std::atomic<bool> stopping{false};
  std::atomic<bool> serving{false};
  std::atomic<int> port{0};
  bool started = false;
  bool stopped = false;

  std::string id_prefix;
  std::atomic<std::uint64_t> next_id{0};

  explicit Impl(ServerOptions o) : options(std::move(o)) {
    std::random_device rd;
    char buf[16];
    std::snprintf(buf, sizeof buf, "%08x", static_cast<unsigned>(rd()));
    id_prefix = buf;
  }

  std::string new_request_id() {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%s-%08llx", id_prefix.c_str(),
                  static_cast<unsigned long long>(next_id.fetch_add(1) + 1));
    return buf;
  }

  // Starts the per-request context (idempotent within one request).
  RequestContext& context(const httplib::Request& req) {
    if (t_ctx.owner != this) {
      t_ctx.owner = this;
      t_ctx.start = Clock::now();
      auto given = req.get_header_value("X-Request-Id");
      t_ctx.request_id = valid_request_id(given) ? given : new_request_id();
      t_ctx.route.clear();
      t_ctx.principal.clear();
      t_ctx.error.clear();
    }
    return t_ctx;
  }

  Response error(int status, std::string_view code, std::string_view message,
                 std::string_view field = {}) const {
    Response r = Response::error(status, code, message, field);
    add_request_id(r, t_ctx.request_id);
    return r;
  }

  Response unauthenticated(std::string_view message, bool invalid_token) const {
    Response r = error(401, "unauthenticated", message);
    std::string challenge = "Bearer realm=\"" + options.realm + "\"";
    if (invalid_token) challenge += ", error=\"invalid_token\"";
    r.headers.emplace("WWW-Authenticate", std::move(challenge));
    return r;
  }

  static void write(Response&& r, httplib::Response& res) {
    res.status = r.status;
    CaseInsensitiveLess less;
    auto same = [&](std::string_view a, std::string_view b) { return !less(a, b) && !less(b, a); };
    for (auto& [name, value] : r.headers) {
      // Framing is cpp-httplib's business; a handler's value would corrupt it.
      if (same(name, "Content-Length") || same(name, "Transfer-Encoding") ||
          same(name, "Connection")) {
        continue;
      }
      res.set_header(name, value);
    }
    if (!r.content_type.empty()) res.set_header("Content-Type", r.content_type);
    res.body = std::move(r.body);
  }

  // The one cpp-httplib handler behind every method: routing, authentication,
  // content-type check, the route's handler, error bodies.
  void handle(const httplib::Request& hreq, httplib::Response& res) {
    RequestContext& ctx = context(hreq);
    write(serve(hreq, ctx), res);
  }

  Response serve(const httplib::Request& hreq, RequestContext& ctx) {
    auto segments = internal::split_path(raw_path_of(hreq));
    if (!segments) return error(400, "bad_request", segments.error().message);

    auto m = router.match(hreq.method, *segments);
    if (m.route == nullptr) {
      if (m.allowed.empty()) {
        return error(404, "not_found", "no resource at " + hreq.path);
      }
      m.allowed.push_back("OPTIONS");
      std::string allow = join(m.allowed, ", ");
      if (hreq.method == "OPTIONS") {
        Response r = Response::no_content();
        r.headers.emplace("Allow", allow);
        return r;
      }
      Response r =
          error(405, "method_not_allowed",
                hreq.method + " is not allowed on " + hreq.path + " (allowed: " + allow + ")");
      r.headers.emplace("Allow", std::move(allow));
      return r;
    }
    const internal::Route& route = *m.route;
    ctx.route = route.pattern;

    Request req;
    req.method = hreq.method;
    req.path = hreq.path;
    req.route = route.pattern;
    req.path_params = std::move(m.params);
    for (const auto& [k, v] : hreq.params) req.query.emplace(k, v);
    for (const auto& [k, v] : hreq.headers) {
      if (!is_pseudo_header(k)) req.headers.emplace(k, v);
    }
    // The request object is not const inside cpp-httplib (only the handler
    // signature is); moving saves a copy of a body of up to max_body_bytes.
    req.body = std::move(const_cast<httplib::Request&>(hreq).body);
    req.content_type = media_type(hreq.get_header_value("Content-Type"));
    req.remote_address = hreq.remote_addr;
    req.remote_port = hreq.remote_port;
    req.request_id = ctx.request_id;

    std::string_view authorization;
    if (auto a = req.header("Authorization")) authorization = *a;
    if (!authorization.empty()) {
      auto space = authorization.find(' ');
      std::string scheme = media_type(authorization.substr(0, space));  // lower-cased
      if (scheme == "bearer" && space != std::string_view::npos) {
        std::string_view token = authorization.substr(space + 1);
        while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
        while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
        req.bearer_token = std::string(token);
      }
    }

    try {
      if (route.options.access == Access::kAuthenticated) {
        if (authorization.empty()) {
          return unauthenticated("missing bearer token (Authorization: Bearer <token>)", false);
        }
        if (req.bearer_token.empty()) {
          return unauthenticated("the Authorization header must use the Bearer scheme", false);
        }
        auto principal = options.authenticator(req.bearer_token);
        if (!principal || principal->empty()) {
          return unauthenticated("invalid bearer token", true);
        }
        req.principal = std::move(*principal);
        ctx.principal = req.principal;
      }

      const auto& accepts = route.options.accepts;
      if (!accepts.empty() && !req.body.empty() &&
          std::find(accepts.begin(), accepts.end(), req.content_type) == accepts.end()) {
        std::string got =
            req.content_type.empty() ? "no content type" : "'" + req.content_type + "'";
        return error(415, "unsupported_media_type",
                     got + " is not accepted here; send one of " + join(accepts, ", "),
                     "Content-Type");
      }

      Response r = route.handler(req);
      if (r.status < 100 || r.status > 599) {
        ctx.error = "handler returned HTTP status " + std::to_string(r.status);
        return error(500, "internal_error", "internal error");
      }
      add_request_id(r, ctx.request_id);
      return r;
    } catch (const std::exception& e) {
      ctx.error = e.what();
    } catch (...) {
      ctx.error = "unknown exception";
    }
    return error(500, "internal_error",
                 "internal error while handling " + req.method + " " + route.pattern +
                     " (request " + ctx.request_id + ")");
  }

  // Called by cpp-httplib for every response with status >= 400. Fills the
  // JSON body of the errors cpp-httplib produces itself (413, 400, 414) and
  // of handler responses without a body; leaves other bodies alone.
  httplib::Server::HandlerResponse on_error(const httplib::Request& hreq, httplib::Response& res) {
    using HR = httplib::Server::HandlerResponse;
    try {
      RequestContext& ctx = context(hreq);
      if (!res.has_header("X-Request-Id")) res.set_header("X-Request-Id", ctx.request_id);
      if (!res.body.empty()) return HR::Unhandled;

      int status = res.status;
      std::string message;
      std::vector<std::string> allowed;
      if (status == 413) {
        message = "request body exceeds the limit of " + std::to_string(options.max_body_bytes) +
                  " bytes";
      } else if (status == 414) {
        message = "request URI too long";
      } else if (status == 400 && !is_served_method(hreq.method) && !hreq.target.empty() &&
                 hreq.target.front() == '/' && hreq.version.rfind("HTTP/1.", 0) == 0) {
        // CONNECT, TRACE, ...: cpp-httplib parses them but has no handlers.
        auto segments = internal::split_path(raw_path_of(hreq));
        if (segments) allowed = router.match(hreq.method, *segments).allowed;
        if (allowed.empty()) {
          status = 404;
          message = "no resource at " + hreq.path;
        } else {
          allowed.push_back("OPTIONS");
          status = 405;
          message = hreq.method + " is not allowed on " + hreq.path;
        }
      } else if (status == 400) {
        message = hreq.version.empty() ? "malformed HTTP request" : "malformed request";
      } else {
        message = status_text(status);
        if (message.empty()) message = "error";
      }
      Response r = error(status, default_code(status), message);
      if (!allowed.empty()) r.headers.emplace("Allow", join(allowed, ", "));
      write(std::move(r), res);
      return HR::Handled;
    } catch (...) {
      return HR::Unhandled;  // never let an exception into cpp-httplib
    }
  }

  void on_log(const httplib::Request& hreq, const httplib::Response& res) {
    if (!options.access_log) {
      t_ctx.owner = nullptr;
      return;
    }
    try {
      AccessLogEntry e;
      e.method = hreq.method;
      e.path = hreq.path;
      e.status = res.status;
      e.remote_address = hreq.remote_addr;
      e.response_bytes = res.body.size();
      auto length = hreq.get_header_value("Content-Length");
      e.request_bytes = length.empty() ? 0 : std::strtoull(length.c_str(), nullptr, 10);
      if (t_ctx.owner == this) {
        e.duration =
            std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t_ctx.start);
        e.request_id = t_ctx.request_id;
        e.route = t_ctx.route;
        e.principal = t_ctx.principal;
        e.error = t_ctx.error;
      }
      options.access_log(e);
    } catch (...) {
      // A failing access log must not take the request down.
    }
    t_ctx.owner = nullptr;
  }

  template <class S>
  Result<int> bind(Listener<S>& s) {
    errno = 0;
    int bound = options.port == 0
                    ? s.bind_to_any_port(options.bind_address)
                    : (s.bind_to_port(options.bind_address, options.port) ? options.port : -1);
    if (bound < 0) {
      int err = errno;
      return Error::unavailable(
          "cannot listen on " + options.bind_address + ":" + std::to_string(options.port) +
          (err != 0 ? std::string(": ") + std::strerror(err) : std::string()));
    }
    ::listen(s.listen_socket(), SOMAXCONN);
    return bound;
  }

  void configure(httplib::Server& s) {
    int threads = options.threads;
    s.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
    // SO_REUSEADDR only: cpp-httplib's default SO_REUSEPORT would let a
    // second daemon bind the same port silently instead of failing.
    s.set_socket_options([](socket_t sock) {
      int yes = 1;
      ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    });
    s.set_read_timeout(options.read_timeout);
    s.set_write_timeout(options.write_timeout);
    s.set_keep_alive_timeout(
        static_cast<time_t>(std::max<std::int64_t>(1, options.keep_alive_timeout.count())));
    s.set_keep_alive_max_count(std::max<std::size_t>(1, options.keep_alive_max_requests));
    s.set_payload_max_length(options.max_body_bytes);
    s.set_tcp_nodelay(true);

    auto h = [this](const httplib::Request& req, httplib::Response& res) { handle(req, res); };
    s.Get(".*", h);
    s.Post(".*", h);
    s.Put(".*", h);
    s.Patch(".*", h);
    s.Delete(".*", h);
    s.Options(".*", h);
    s.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      t_ctx.owner = nullptr;  // a new request on this thread
      res.set_header("X-Request-Id", context(req).request_id);
      return httplib::Server::HandlerResponse::Unhandled;
    });
    s.set_error_handler(httplib::Server::HandlerWithResponse(
        [this](const httplib::Request& req, httplib::Response& res) {
          return on_error(req, res);
        }));
    // Backstop only: handle() catches everything itself.
    s.set_exception_handler(
        [this](const httplib::Request& req, httplib::Response& res, std::exception_ptr) {
          res.status = 500;
          res.body.clear();
          (void)on_error(req, res);
        });
    s.set_post_routing_handler([this](const httplib::Request&, httplib::Response& res) {
      // Tell clients not to reuse a connection the server is about to drop.
      if (stopping && res.get_header_value("Connection") != "close") {
        res.set_header("Connection", "close");
      }
    });
    s.set_logger(
        [this](const httplib::Request& req, const httplib::Response& res) { on_log(req, res); });
  }
};

Server::Server(ServerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

Server::~Server() {
  stop();
}

void Server::route(std::string_view method, std::string_view pattern, Handler handler,
                   RouteOptions options) {
  std::lock_guard lock(impl_->lifecycle);
  if (impl_->setup_error) return;
  if (impl_->started) {
    impl_->setup_error = Error::invalid("route '" + std::string(method) + " " +
                                        std::string(pattern) + "' added after start()");
    return;
  }
  Status s = impl_->router.add(method, pattern, std::move(handler), std::move(options));
  if (!s) impl_->setup_error = s.error();
}

Result<int> Server::start() {
  Impl& d = *impl_;
  std::lock_guard lock(d.lifecycle);
  if (d.setup_error) return *d.setup_error;
  if (d.started) return Error::conflict("the server was already started (a Server starts once)");
  const ServerOptions& o = d.options;
  if (o.threads < 1) return Error::invalid("ServerOptions::threads must be at least 1");
  if (o.max_body_bytes == 0)
    return Error::invalid("ServerOptions::max_body_bytes must be positive");
  if (o.port < 0 || o.port > 65535) return Error::invalid("ServerOptions::port out of range");
  if (d.router.any_authenticated() && !o.authenticator) {
    return Error::invalid(
        "some routes require authentication but ServerOptions::authenticator is not set");
  }

  Result<int> bound = Error::internal("unreachable");
  if (o.tls) {
    for (const std::string* f : {&o.tls->cert_file, &o.tls->key_file}) {
      if (!readable(*f)) return Error::invalid("cannot read TLS file '" + *f + "'");
    }
    auto s = std::make_unique<Listener<httplib::SSLServer>>(o.tls->cert_file.c_str(),
                                                            o.tls->key_file.c_str());
    if (!s->is_valid()) {
      return Error::invalid("cannot load TLS certificate '" + o.tls->cert_file + "' with key '" +
                            o.tls->key_file + "' (not PEM, encrypted key, or key does not match)");
    }
    d.configure(*s);
    bound = d.bind(*s);
    d.svr = std::move(s);
  } else {
    auto s = std::make_unique<Listener<httplib::Server>>();
    d.configure(*s);
    bound = d.bind(*s);
    d.svr = std::move(s);
  }
  if (!bound) return bound.error();

  d.listener = std::thread([&d] {
    d.svr->listen_after_bind();
    d.listen_returned = true;
  });
  // stop() is a no-op in cpp-httplib until listen_after_bind() has marked the
  // server running, so wait for that (it happens right away).
  while (!d.svr->is_running() && !d.listen_returned) {
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  d.started = true;
  if (d.listen_returned) {
    d.listener.join();
    d.stopped = true;
    return Error::unavailable("the server stopped right after starting");
  }
  d.port = *bound;
  d.serving = true;
  return *bound;
}

void Server::stop() {
  Impl& d = *impl_;
  std::lock_guard lock(d.lifecycle);
  if (!d.started || d.stopped) return;
  d.stopping = true;
  d.serving = false;
  d.svr->stop();
  if (d.listener.joinable()) d.listener.join();
  d.stopped = true;
}

int Server::port() const {
  return impl_->port;
}

bool Server::running() const {
  return impl_->serving;
}

const ServerOptions& Server::options() const {
  return impl_->options;
}

}  // namespace cloudnet::http
