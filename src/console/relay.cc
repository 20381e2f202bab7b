#include "console/relay.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "console/token.h"

namespace cloudnet::console {

std::string Target::describe() const {
  if (const auto* tcp = std::get_if<Tcp>(&where)) {
    return (tcp->token ? "relay " : "tcp ") + tcp->endpoint.str();
  }
  return std::get<Local>(where).label;
}

namespace {

// Longest handshake line we accept: the hello, a token and some slack.
constexpr std::size_t kMaxLine = 256;
// How long a closing connection is drained so its last line is not lost.
constexpr Millis kLinger{500};
// Used and expired tickets are remembered this long past their expiry, to
// answer "already used" / "expired" rather than "unknown".
constexpr auto kRetention = std::chrono::seconds(60);
// Connections refused for overload that are still being drained.
constexpr std::size_t kMaxLingering = 64;

struct TicketEntry {
  std::string verifier;
  std::optional<Target> target;  // moved out when redeemed
  Clock::time_point deadline;
  bool used = false;
};

}  // namespace

struct Relay::Impl {
  Options opts;
  Endpoint bound;
  Endpoint advertised;
  Fd listener;
  Fd stop_fd;  // level-triggered: once signalled every poll sees it
  Fd reap_fd;  // session threads signal that they finished
  std::thread acceptor;

  std::mutex mu;  // guards tickets, finished, stopping
  std::unordered_map<std::string, TicketEntry> tickets;
  std::vector<std::uint64_t> finished;
  Clock::time_point last_purge{};
  bool stopping = false;

  std::mutex stop_mu;  // serialises stop()
  bool stopped = false;

  // Owned by the acceptor thread (and by stop() once that has been joined).
  std::map<std::uint64_t, std::thread> sessions;
  std::uint64_t next_session = 0;
  struct Lingering {
    Fd fd;
    Clock::time_point until;
  };
  std::vector<Lingering> lingering;

  std::atomic<std::uint64_t> tickets_issued{0}, connections{0}, sessions_opened{0},
      sessions_failed{0}, sessions_rejected{0}, sessions_active{0}, bytes_to_target{0},
      bytes_from_target{0};

  void accept_loop();
  bool accept_ready();  // false: out of resources
  void reject(Fd client);
  void reap();
  void run_session(std::uint64_t id, Fd client);
  void serve(Fd& client);
  Result<Target> redeem(std::string_view token);
  Result<Channel> open_target(Target& target);
  void fail(Fd& client, const std::string& reason);
  void purge_locked(Clock::time_point now);
  void stop();
};

// ---------------------------------------------------------------- tickets

void Relay::Impl::purge_locked(Clock::time_point now) {
  for (auto it = tickets.begin(); it != tickets.end();) {
    if (now >= it->second.deadline + kRetention) {
      it = tickets.erase(it);
    } else {
      ++it;
    }
  }
  last_purge = now;
}

Result<Ticket> Relay::issue(Target target, Millis ttl) {
  Impl& s = *impl_;
  if (ttl.count() <= 0 || ttl > s.opts.max_ttl) {
    return Error::invalid("ticket ttl must be in (0, " + std::to_string(s.opts.max_ttl.count()) +
                          "] ms");
  }
  if (const auto* local = std::get_if<Target::Local>(&target.where); local && !local->connect) {
    return Error::invalid("local console target without a connector");
  }
  auto tok = token::generate();
  if (!tok) return tok.error();
  auto now = Clock::now();
  Ticket ticket{s.advertised.host, s.advertised.port, *tok, std::chrono::system_clock::now() + ttl};
  std::lock_guard lock(s.mu);
  if (s.stopping) return Error::unavailable("console relay " + s.opts.name + " is stopped");
  if (now - s.last_purge > std::chrono::seconds(1) || s.tickets.size() >= s.opts.max_tickets) {
    s.purge_locked(now);
  }
  if (s.tickets.size() >= s.opts.max_tickets) {
    return Error::unavailable("console relay " + s.opts.name + ": too many outstanding tickets");
  }
  std::string sel(token::selector(ticket.token));
  if (s.tickets.count(sel) != 0) return Error::internal("token selector collision");
  s.tickets.emplace(std::move(sel), TicketEntry{std::string(token::verifier(ticket.token)),
                                                std::move(target), now + ttl, false});
  s.tickets_issued.fetch_add(1);
  return ticket;
}

Status Relay::revoke(std::string_view tok) {
  Impl& s = *impl_;
  std::lock_guard lock(s.mu);
  if (!token::well_formed(tok)) return Error::not_found("unknown token");
  auto it = s.tickets.find(std::string(token::selector(tok)));
  if (it == s.tickets.end() ||
      !token::constant_time_equal(it->second.verifier, token::verifier(tok))) {
    return Error::not_found("unknown token");
  }
  s.tickets.erase(it);
  return Status::Ok();
}

Result<Target> Relay::Impl::redeem(std::string_view tok) {
  std::lock_guard lock(mu);
  // Every wrong token gets the same answer, whichever part was wrong.
  if (!token::well_formed(tok)) return Error::not_found("unknown token");
  auto it = tickets.find(std::string(token::selector(tok)));
  if (it == tickets.end() ||
      !token::constant_time_equal(it->second.verifier, token::verifier(tok))) {
    return Error::not_found("unknown token");
  }
  TicketEntry& e = it->second;
  if (e.used) return Error::conflict("token already used");
  // An expired ticket is burnt too: it can never become valid again.
  e.used = true;
  Target target = std::move(*e.target);
  e.target.reset();
  if (Clock::now() >= e.deadline) return Error::conflict("token expired");
  return target;
}

// ---------------------------------------------------------------- lifecycle

Result<Relay> Relay::start(Options options) {
  if (options.max_sessions == 0) return Error::invalid("max_sessions must be positive");
  auto impl = std::make_unique<Impl>();
  Impl& s = *impl;
  auto listener = io::tcp_listen(options.bind_host, options.port, 128, &s.bound);
  if (!listener) return listener.error();
  s.listener = std::move(*listener);
  auto stop_fd = io::make_eventfd();
  if (!stop_fd) return stop_fd.error();
  auto reap_fd = io::make_eventfd();
  if (!reap_fd) return reap_fd.error();
  s.stop_fd = std::move(*stop_fd);
  s.reap_fd = std::move(*reap_fd);
  s.advertised = s.bound;
  if (!options.advertise_host.empty()) {
    s.advertised.host = options.advertise_host;
  } else if (s.bound.host == "0.0.0.0") {
    s.advertised.host = "127.0.0.1";
  } else if (s.bound.host == "::") {
    s.advertised.host = "::1";
  }
  if (options.name.empty()) options.name = "relay " + s.bound.str();
  s.opts = std::move(options);
  try {
    s.acceptor = std::thread([&s] { s.accept_loop(); });
  } catch (const std::system_error& e) {
    return Error::unavailable(std::string("cannot start relay thread: ") + e.what());
  }
  return Relay(std::move(impl));
}

Relay::Relay(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Relay::Relay(Relay&&) noexcept = default;
Relay& Relay::operator=(Relay&& other) noexcept {
  if (this != &other) {
    stop();
    impl_ = std::move(other.impl_);
  }
  return *this;
}
Relay::~Relay() {
  stop();
}

Endpoint Relay::endpoint() const {
  return impl_->advertised;
}
const std::string& Relay::name() const {
  return impl_->opts.name;
}

void Relay::stop() {
  if (impl_) impl_->stop();
}

void Relay::Impl::stop() {
  std::lock_guard stop_lock(stop_mu);
  if (stopped) return;
  stopped = true;
  {
    std::lock_guard lock(mu);
    stopping = true;
    tickets.clear();
  }
  io::signal_eventfd(stop_fd.get());
  if (acceptor.joinable()) acceptor.join();
  // The acceptor is gone: its session table is ours now. Every session sees
  // stop_fd in its polls and ends; only a connector still running delays us.
  for (auto& [id, thread] : sessions) {
    if (thread.joinable()) thread.join();
  }
  sessions.clear();
  lingering.clear();
  listener.reset();
}

Relay::Stats Relay::stats() const {
  const Impl& s = *impl_;
  Stats st;
  st.tickets_issued = s.tickets_issued.load();
  st.connections = s.connections.load();
  st.sessions_opened = s.sessions_opened.load();
  st.sessions_failed = s.sessions_failed.load();
  st.sessions_rejected = s.sessions_rejected.load();
  st.sessions_active = s.sessions_active.load();
  st.bytes_to_target = s.bytes_to_target.load();
  st.bytes_from_target = s.bytes_from_target.load();
  return st;
}

// ---------------------------------------------------------------- acceptor

void Relay::Impl::accept_loop() {
  bool accept_paused = false;  // out of descriptors: retry the backlog shortly
  for (;;) {
    std::vector<pollfd> fds;
    fds.push_back({stop_fd.get(), POLLIN, 0});
    fds.push_back({reap_fd.get(), POLLIN, 0});
    fds.push_back({accept_paused ? -1 : listener.get(), POLLIN, 0});
    auto now = Clock::now();
    int timeout = accept_paused ? 100 : -1;
    for (auto& l : lingering) {
      fds.push_back({l.fd.get(), POLLIN, 0});
      auto left = std::chrono::ceil<Millis>(l.until - now).count();
      int ms = static_cast<int>(std::max<Millis::rep>(0, left));
      timeout = timeout < 0 ? ms : std::min(timeout, ms);
    }
    int n = ::poll(fds.data(), fds.size(), timeout);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[0].revents & POLLIN) break;
    if (fds[1].revents & POLLIN) {
      io::drain_eventfd(reap_fd.get());
      reap();
    }
    if (accept_paused || (fds[2].revents & POLLIN)) accept_paused = !accept_ready();

    // Drain refused connections; close them at EOF, on error or when due.
    now = Clock::now();
    std::vector<Lingering> keep;
    for (std::size_t i = 0; i < lingering.size(); ++i) {
      Lingering& l = lingering[i];
      bool done = now >= l.until;
      if (!done && fds[3 + i].revents != 0) {
        char buf[1024];
        for (;;) {
          long r = io::read_some(l.fd.get(), true, buf, sizeof buf);
          if (r > 0) continue;
          done = r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
          break;
        }
      }
      if (!done) keep.push_back(std::move(l));
    }
    lingering = std::move(keep);
  }
}

bool Relay::Impl::accept_ready() {
  for (;;) {
    int fd = ::accept4(listener.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      // EMFILE, ENFILE, ENOBUFS, ENOMEM: the connection stays in the backlog
      // and the listener stays readable, so pause instead of spinning.
      return errno == EAGAIN || errno == EWOULDBLOCK;
    }
    Fd client(fd);
    connections.fetch_add(1);
    int one = 1;
    ::setsockopt(client.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (sessions_active.load() >= opts.max_sessions) {
      reject(std::move(client));
      continue;
    }
    std::uint64_t id = next_session++;
    sessions_active.fetch_add(1);
    try {
      // The thread owns the client; `this` outlives it (stop() joins).
      auto thread =
          std::thread([this, id](Fd c) { run_session(id, std::move(c)); }, std::move(client));
      sessions.emplace(id, std::move(thread));
    } catch (const std::system_error&) {
      // No thread: the connection (moved into the failed call or still here)
      // is closed; account for it as rejected.
      sessions_active.fetch_sub(1);
      sessions_rejected.fetch_add(1);
    }
  }
}

void Relay::Impl::reject(Fd client) {
  sessions_rejected.fetch_add(1);
  std::string line = "ERR " + opts.name + ": too many sessions\n";
  // The line fits in an empty socket buffer; a failed send only loses the
  // explanation, never blocks the acceptor.
  (void)io::write_some(client.get(), true, line.data(), line.size());
  ::shutdown(client.get(), SHUT_WR);
  if (lingering.size() < kMaxLingering) {
    lingering.push_back({std::move(client), Clock::now() + kLinger});
  }
}

void Relay::Impl::reap() {
  std::vector<std::uint64_t> done;
  {
    std::lock_guard lock(mu);
    done.swap(finished);
  }
  for (auto id : done) {
    auto it = sessions.find(id);
    if (it == sessions.end()) continue;
    if (it->second.joinable()) it->second.join();
    sessions.erase(it);
  }
}

// ---------------------------------------------------------------- sessions

void Relay::Impl::run_session(std::uint64_t id, Fd client) {
  serve(client);
  client.reset();
  sessions_active.fetch_sub(1);
  {
    std::lock_guard lock(mu);
    finished.push_back(id);
  }
  io::signal_eventfd(reap_fd.get());
}

void Relay::Impl::fail(Fd& client, const std::string& reason) {
  sessions_failed.fetch_add(1);
  std::string line = "ERR " + reason + "\n";
  auto deadline = io::Deadline::after(opts.handshake_timeout);
  if (io::write_all(client.get(), line, deadline, stop_fd.get())) {
    io::graceful_close(client, kLinger, stop_fd.get());
  }
}

void Relay::Impl::serve(Fd& client) {
  const std::string& me = opts.name;
  auto line = io::read_line(client.get(), kMaxLine, io::Deadline::after(opts.handshake_timeout),
                            stop_fd.get());
  if (!line) {
    // Only a slow or oversized hello is worth an answer; a vanished client
    // or a stopping relay has no one to tell.
    const Error& e = line.error();
    if (e.code == Error::Code::kInvalidArgument)
      return fail(client, me + ": bad handshake: " + e.message);
    if (e.message == "timed out") return fail(client, me + ": handshake timeout");
    sessions_failed.fetch_add(1);
    return;
  }
  std::string_view text = *line;
  if (text.size() <= kHello.size() || text.substr(0, kHello.size()) != kHello ||
      text[kHello.size()] != ' ') {
    return fail(client, me + ": bad handshake (expected '" + std::string(kHello) + " <token>')");
  }
  auto target = redeem(text.substr(kHello.size() + 1));
  if (!target) return fail(client, me + ": " + target.error().message);

  auto upstream = open_target(*target);
  if (!upstream) return fail(client, upstream.error().message);

  // The whole chain behind us is connected: only now does the client hear OK.
  if (!io::write_all(client.get(), "OK\n", io::Deadline::after(opts.handshake_timeout),
                     stop_fd.get())) {
    sessions_failed.fetch_add(1);
    return;
  }
  sessions_opened.fetch_add(1);

  io::PumpOptions po;
  po.buffer_size = opts.buffer_size;
  po.idle_timeout = opts.idle_timeout;
  po.stop_fd = stop_fd.get();
  po.a_to_b = &bytes_to_target;
  po.b_to_a = &bytes_from_target;
  po.end_when_b_done = true;
  io::PumpSide client_side{client.get(), client.get(), nullptr};
  auto result = io::pump(client_side, io::PumpSide::of(*upstream), po);
  upstream->read.reset();
  upstream->write.reset();
  // The far end went first: the client has our FIN; let it read everything
  // before the close (unread client input would otherwise turn it into RST).
  if (result.end == io::PumpEnd::kClosed) io::graceful_close(client, kLinger, stop_fd.get());
}

Result<Channel> Relay::Impl::open_target(Target& target) {
  const std::string& me = opts.name;
  if (auto* local = std::get_if<Target::Local>(&target.where)) {
    Result<Channel> ch = Error::internal("connector did not run");
    try {
      ch = local->connect();
    } catch (const std::exception& e) {
      // A connector is caller code: keep its exception inside the library.
      ch = Error::internal(std::string("connector threw: ") + e.what());
    } catch (...) {
      ch = Error::internal("connector threw");
    }
    if (!ch) return Error::unavailable(me + ": " + local->label + ": " + ch.error().message);
    if (!ch->valid()) return Error::unavailable(me + ": " + local->label + ": no channel");
    // Owned descriptors: non-blocking so that no pump write can stall.
    (void)io::set_nonblocking(ch->read_fd());
    (void)io::set_nonblocking(ch->write_fd());
    return std::move(*ch);
  }

  auto& tcp = std::get<Target::Tcp>(target.where);
  auto deadline = io::Deadline::after(opts.connect_timeout);
  auto sock = io::tcp_connect(tcp.endpoint, deadline, stop_fd.get());
  if (!sock) return Error::unavailable(me + ": " + sock.error().message);
  Channel ch;
  ch.read = std::move(*sock);
  if (!tcp.token) return ch;

  // Chaining: present the next hop's token and wait for its verdict, which
  // covers everything behind it.
  std::string next = "next hop " + tcp.endpoint.str();
  std::string hello = std::string(kHello) + " " + *tcp.token + "\n";
  if (auto st = io::write_all(ch.read.get(), hello, deadline, stop_fd.get()); !st) {
    return Error::unavailable(me + ": " + next + ": " + st.error().message);
  }
  auto reply = io::read_line(ch.read.get(), 4096, deadline, stop_fd.get());
  if (!reply) return Error::unavailable(me + ": " + next + ": " + reply.error().message);
  if (*reply == "OK") return ch;
  if (reply->rfind("ERR ", 0) == 0) return Error::unavailable(me + " > " + reply->substr(4));
  return Error::unavailable(me + ": " + next + ": unexpected reply");
}

}  // namespace cloudnet::console
