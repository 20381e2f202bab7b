#include "console/echo.h"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace cloudnet::console {

namespace {

// One echoed connection. Echoing streams: the prefix goes out when the first
// byte of a line arrives, so a line of any length needs no line buffer and
// the output is exactly "prefix + line" per line.
struct Conn {
  Fd fd;
  std::string prefix;
  bool at_line_start = true;
  bool eof = false;
  std::string out;
  std::size_t out_off = 0;

  std::size_t pending() const { return out.size() - out_off; }
  // Bytes we may read now: in the worst case every byte starts a line and
  // grows by the prefix, so this bounds memory and pushes back on the sender.
  std::size_t read_budget(std::size_t cap) const {
    if (eof || pending() >= cap) return 0;
    return std::min<std::size_t>((cap - pending()) / (prefix.size() + 1), 16 * 1024);
  }
};

}  // namespace

struct LineEcho::Impl {
  Options opts;
  Endpoint bound;
  Fd listener;
  Fd wake_fd;  // a connector handed over a new connection
  Fd stop_fd;
  std::thread thread;

  std::mutex mu;
  bool stopping = false;
  std::vector<std::pair<Fd, std::string>> incoming;  // fd, prefix

  std::mutex stop_mu;
  bool stopped = false;
  std::atomic<std::size_t> active{0};

  std::vector<std::unique_ptr<Conn>> conns;  // service thread only

  void loop();
  void adopt(Fd fd, std::string prefix) {
    auto c = std::make_unique<Conn>();
    c->fd = std::move(fd);
    c->prefix = std::move(prefix);
    conns.push_back(std::move(c));
    active.fetch_add(1);
  }
  // Returns false when the connection is finished (closed or failed).
  bool on_ready(Conn& c, short revents);
  void stop();
};

namespace {
std::string prefix_of(const std::string& node) {
  return "[" + node + "] ";
}
}  // namespace

bool LineEcho::Impl::on_ready(Conn& c, short revents) {
  const std::size_t cap = opts.buffer_size;
  if (revents & (POLLIN | POLLHUP | POLLERR)) {
    std::size_t take = c.read_budget(cap);
    if (take > 0) {
      char buf[16 * 1024];
      long n = io::read_some(c.fd.get(), true, buf, take);
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return false;
      if (n == 0) c.eof = true;
      if (c.out_off > 0 && c.out_off * 2 >= c.out.size()) {
        c.out.erase(0, c.out_off);
        c.out_off = 0;
      }
      for (long i = 0; i < n; ++i) {
        if (c.at_line_start) c.out += c.prefix;
        c.out.push_back(buf[i]);
        c.at_line_start = buf[i] == '\n';
      }
    }
  }
  if (c.pending() > 0) {
    long n = io::write_some(c.fd.get(), true, c.out.data() + c.out_off, c.pending());
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return false;
    if (n > 0) c.out_off += static_cast<std::size_t>(n);
    if (c.out_off == c.out.size()) {
      c.out.clear();
      c.out_off = 0;
    }
  }
  // Everything read and echoed: closing sends our FIN after the data.
  return !(c.eof && c.pending() == 0);
}

void LineEcho::Impl::loop() {
  for (;;) {
    std::vector<pollfd> fds;
    fds.push_back({stop_fd.get(), POLLIN, 0});
    fds.push_back({wake_fd.get(), POLLIN, 0});
    fds.push_back({listener ? listener.get() : -1, POLLIN, 0});
    for (auto& c : conns) {
      short ev = 0;
      if (c->read_budget(opts.buffer_size) > 0) ev |= POLLIN;
      if (c->pending() > 0) ev |= POLLOUT;
      fds.push_back({c->fd.get(), ev, 0});
    }
    int n = ::poll(fds.data(), fds.size(), -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[0].revents & POLLIN) break;

    std::vector<std::unique_ptr<Conn>> keep;
    for (std::size_t i = 0; i < conns.size(); ++i) {
      short rev = fds[3 + i].revents;
      if (rev == 0 || on_ready(*conns[i], rev)) {
        keep.push_back(std::move(conns[i]));
      } else {
        active.fetch_sub(1);
      }
    }
    conns = std::move(keep);

    if (fds[1].revents & POLLIN) {
      io::drain_eventfd(wake_fd.get());
      std::vector<std::pair<Fd, std::string>> fresh;
      {
        std::lock_guard lock(mu);
        fresh.swap(incoming);
      }
      for (auto& [fd, prefix] : fresh) adopt(std::move(fd), std::move(prefix));
    }
    if (fds[2].revents & POLLIN) {
      for (;;) {
        int fd = ::accept4(listener.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
          if (errno == EINTR || errno == ECONNABORTED) continue;
          break;
        }
        adopt(Fd(fd), prefix_of(opts.node));
      }
    }
  }
  active.fetch_sub(conns.size());
  conns.clear();
}

void LineEcho::Impl::stop() {
  std::lock_guard stop_lock(stop_mu);
  if (stopped) return;
  stopped = true;
  std::vector<std::pair<Fd, std::string>> orphans;
  {
    std::lock_guard lock(mu);
    stopping = true;
  }
  io::signal_eventfd(stop_fd.get());
  if (thread.joinable()) thread.join();
  {
    std::lock_guard lock(mu);
    orphans.swap(incoming);
  }
  listener.reset();
}

Result<LineEcho> LineEcho::start(Options options) {
  auto impl = std::make_shared<Impl>();
  if (options.buffer_size < 1024) options.buffer_size = 1024;
  if (options.listen) {
    auto l = io::tcp_listen(options.bind_host, options.port, 128, &impl->bound);
    if (!l) return l.error();
    impl->listener = std::move(*l);
  }
  auto wake = io::make_eventfd();
  if (!wake) return wake.error();
  auto stop = io::make_eventfd();
  if (!stop) return stop.error();
  impl->wake_fd = std::move(*wake);
  impl->stop_fd = std::move(*stop);
  impl->opts = std::move(options);
  try {
    Impl* raw = impl.get();
    impl->thread = std::thread([raw] { raw->loop(); });
  } catch (const std::system_error& e) {
    return Error::unavailable(std::string("cannot start echo thread: ") + e.what());
  }
  return LineEcho(std::move(impl));
}

LineEcho::LineEcho(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
LineEcho::LineEcho(LineEcho&&) noexcept = default;
LineEcho& LineEcho::operator=(LineEcho&& other) noexcept {
  if (this != &other) {
    stop();
    impl_ = std::move(other.impl_);
  }
  return *this;
}
LineEcho::~LineEcho() {
  stop();
}

void LineEcho::stop() {
  if (impl_) impl_->stop();
}

Endpoint LineEcho::endpoint() const {
  return impl_->bound;
}
std::size_t LineEcho::active() const {
  return impl_->active.load();
}

Connector LineEcho::connector(std::string node) const {
  std::weak_ptr<Impl> weak = impl_;
  std::string prefix = prefix_of(node.empty() ? impl_->opts.node : node);
  return [weak, prefix]() -> Result<Channel> {
    auto impl = weak.lock();
    if (!impl) return Error::unavailable("echo service is gone");
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0) {
      return Error::io("socketpair: " + io::errno_text(errno));
    }
    Fd ours(sv[0]);
    Channel theirs;
    theirs.read = Fd(sv[1]);
    {
      std::lock_guard lock(impl->mu);
      if (impl->stopping) return Error::unavailable("echo service is stopped");
      impl->incoming.emplace_back(std::move(ours), prefix);
    }
    io::signal_eventfd(impl->wake_fd.get());
    return theirs;
  };
}

}  // namespace cloudnet::console
