#include "console/io.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <memory>

namespace cloudnet::console {

void Fd::reset(int fd) {
  if (fd_ >= 0) {
    // Linux releases the descriptor even when close() fails with EINTR, so a
    // retry could close a descriptor another thread has just been given.
    ::close(fd_);
  }
  fd_ = fd;
}

std::string Endpoint::str() const {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

namespace io {

std::string errno_text(int err) {
  char buf[256];
  // GNU strerror_r may return a static string instead of filling buf.
  const char* text = strerror_r(err, buf, sizeof buf);
  return text;
}

int Deadline::poll_timeout() const {
  if (!finite_) return -1;
  auto left = at_ - Clock::now();
  if (left <= Clock::duration::zero()) return 0;
  auto ms = std::chrono::ceil<Millis>(left).count();
  return ms > INT_MAX ? INT_MAX : static_cast<int>(ms);
}

Wait wait_for(int fd, short events, const Deadline& deadline, int stop_fd) {
  for (;;) {
    pollfd fds[2] = {{fd, events, 0}, {stop_fd, POLLIN, 0}};
    int n = ::poll(fds, stop_fd >= 0 ? 2 : 1, deadline.poll_timeout());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Wait::kError;
    }
    if (stop_fd >= 0 && (fds[1].revents & POLLIN)) return Wait::kStopped;
    if (fds[0].revents != 0) return Wait::kReady;
    if (n == 0 || deadline.expired()) return Wait::kTimeout;
  }
}

namespace {

struct AddrInfoDeleter {
  void operator()(addrinfo* ai) const { freeaddrinfo(ai); }
};
using AddrInfoPtr = std::unique_ptr<addrinfo, AddrInfoDeleter>;

Result<AddrInfoPtr> resolve(const std::string& host, std::uint16_t port, bool passive) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
  addrinfo* out = nullptr;
  std::string service = std::to_string(port);
  int rc = ::getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &out);
  if (rc != 0) {
    return Error::invalid("cannot resolve '" + host + "': " + gai_strerror(rc));
  }
  return AddrInfoPtr(out);
}

Endpoint endpoint_of(const sockaddr_storage& ss) {
  Endpoint ep;
  char text[INET6_ADDRSTRLEN] = {};
  if (ss.ss_family == AF_INET) {
    sockaddr_in sin;
    std::memcpy(&sin, &ss, sizeof sin);
    ::inet_ntop(AF_INET, &sin.sin_addr, text, sizeof text);
    ep.port = ntohs(sin.sin_port);
  } else if (ss.ss_family == AF_INET6) {
    sockaddr_in6 sin6;
    std::memcpy(&sin6, &ss, sizeof sin6);
    ::inet_ntop(AF_INET6, &sin6.sin6_addr, text, sizeof text);
    ep.port = ntohs(sin6.sin6_port);
  }
  ep.host = text;
  return ep;
}

}  // namespace

Result<Fd> tcp_listen(const std::string& host, std::uint16_t port, int backlog, Endpoint* bound) {
  auto ai = resolve(host, port, true);
  if (!ai) return ai.error();
  std::string last = "no address";
  for (addrinfo* a = ai->get(); a != nullptr; a = a->ai_next) {
    Fd fd(::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol));
    if (!fd) {
      last = errno_text(errno);
      continue;
    }
    int one = 1;
    ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd.get(), a->ai_addr, a->ai_addrlen) != 0 || ::listen(fd.get(), backlog) != 0) {
      last = errno_text(errno);
      continue;
    }
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&ss), &len) != 0) {
      last = errno_text(errno);
      continue;
    }
    if (bound != nullptr) *bound = endpoint_of(ss);
    return fd;
  }
  return Error::io("cannot listen on " + Endpoint{host, port}.str() + ": " + last);
}

Result<Fd> tcp_connect(const Endpoint& to, const Deadline& deadline, int stop_fd) {
  auto ai = resolve(to.host, to.port, false);
  if (!ai) return ai.error();
  std::string last = "no address";
  for (addrinfo* a = ai->get(); a != nullptr; a = a->ai_next) {
    Fd fd(::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol));
    if (!fd) {
      last = errno_text(errno);
      continue;
    }
    int one = 1;
    ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    int rc = ::connect(fd.get(), a->ai_addr, a->ai_addrlen);
    // A non-blocking connect interrupted by a signal keeps going in the
    // background, exactly like EINPROGRESS.
    if (rc != 0 && errno != EINPROGRESS && errno != EINTR) {
      last = errno_text(errno);
      continue;
    }
    if (rc != 0) {
      switch (wait_for(fd.get(), POLLOUT, deadline, stop_fd)) {
        case Wait::kReady: break;
        case Wait::kTimeout: return Error::unavailable("connect to " + to.str() + " timed out");
        case Wait::kStopped: return Error::unavailable("stopped");
        case Wait::kError: return Error::io("poll: " + errno_text(errno));
      }
      int err = 0;
      socklen_t len = sizeof err;
      if (::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
      if (err != 0) {
        last = errno_text(err);
        continue;
      }
    }
    return fd;
  }
  return Error::unavailable("connect to " + to.str() + " failed: " + last);
}

Result<std::string> read_line(int sock, std::size_t max_len, const Deadline& deadline,
                              int stop_fd) {
  std::string line;
  char buf[512];
  for (;;) {
    std::size_t want = std::min(sizeof buf, max_len + 1 - line.size());
    ssize_t n = ::recv(sock, buf, want, MSG_PEEK | MSG_DONTWAIT);
    if (n > 0) {
      auto* nl = static_cast<const char*>(std::memchr(buf, '\n', static_cast<std::size_t>(n)));
      std::size_t take =
          nl != nullptr ? static_cast<std::size_t>(nl - buf) + 1 : static_cast<std::size_t>(n);
      // Consume exactly what the peek showed us up to the newline; the bytes
      // after it belong to the stream that follows the handshake.
      ssize_t got;
      do {
        got = ::recv(sock, buf, take, MSG_DONTWAIT);
      } while (got < 0 && errno == EINTR);
      if (got != static_cast<ssize_t>(take)) return Error::io("recv: " + errno_text(errno));
      line.append(buf, take);
      if (nl != nullptr) {
        line.pop_back();
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.size() > max_len) return Error::invalid("line too long");
        return line;
      }
      if (line.size() > max_len) return Error::invalid("line too long");
      continue;
    }
    if (n == 0) return Error::unavailable("connection closed");
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return Error::io("recv: " + errno_text(errno));
    switch (wait_for(sock, POLLIN, deadline, stop_fd)) {
      case Wait::kReady: break;
      case Wait::kTimeout: return Error::unavailable("timed out");
      case Wait::kStopped: return Error::unavailable("stopped");
      case Wait::kError: return Error::io("poll: " + errno_text(errno));
    }
  }
}

bool is_socket(int fd) {
  struct stat st {};
  return ::fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
}

Status set_nonblocking(int fd) {
  int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
    return Error::io("fcntl: " + errno_text(errno));
  }
  return Status::Ok();
}

long write_some(int fd, bool sock, const char* data, std::size_t len) {
  if (sock) {
    ssize_t n;
    do {
      n = ::send(fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    return n;
  }
  // Pipes and ttys have no MSG_NOSIGNAL: block SIGPIPE in this thread for the
  // write and consume the one our write raised, leaving any SIGPIPE that was
  // already pending untouched. The descriptor may be blocking (stdout), so
  // write at most PIPE_BUF bytes, which poll's POLLOUT guarantees to fit.
  if (len > PIPE_BUF) len = PIPE_BUF;
  sigset_t pipe_set, old_set, pending;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
  sigemptyset(&pending);
  sigpending(&pending);
  bool was_pending = sigismember(&pending, SIGPIPE) == 1;
  ssize_t n;
  do {
    n = ::write(fd, data, len);
  } while (n < 0 && errno == EINTR);
  int err = errno;
  if (n < 0 && err == EPIPE && !was_pending) {
    timespec zero{0, 0};
    while (sigtimedwait(&pipe_set, nullptr, &zero) < 0 && errno == EINTR) {
    }
  }
  pthread_sigmask(SIG_SETMASK, &old_set, nullptr);
  errno = err;
  return n;
}

long read_some(int fd, bool sock, char* data, std::size_t len) {
  ssize_t n;
  do {
    n = sock ? ::recv(fd, data, len, MSG_DONTWAIT) : ::read(fd, data, len);
  } while (n < 0 && errno == EINTR);
  return n;
}

Status write_all(int fd, std::string_view data, const Deadline& deadline, int stop_fd) {
  bool sock = is_socket(fd);
  while (!data.empty()) {
    long n = write_some(fd, sock, data.data(), data.size());
    if (n > 0) {
      data.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
      return Error::io("write: " + errno_text(errno));
    }
    switch (wait_for(fd, POLLOUT, deadline, stop_fd)) {
      case Wait::kReady: break;
      case Wait::kTimeout: return Error::unavailable("write timed out");
      case Wait::kStopped: return Error::unavailable("stopped");
      case Wait::kError: return Error::io("poll: " + errno_text(errno));
    }
  }
  return Status::Ok();
}

void graceful_close(Fd& sock, Millis linger, int stop_fd) {
  if (!sock) return;
  ::shutdown(sock.get(), SHUT_WR);
  Deadline deadline = Deadline::after(linger);
  char buf[4096];
  for (;;) {
    long n = read_some(sock.get(), true, buf, sizeof buf);
    if (n == 0) break;
    if (n < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK) break;
      if (wait_for(sock.get(), POLLIN, deadline, stop_fd) != Wait::kReady) break;
    }
  }
  sock.reset();
}

Result<Fd> make_eventfd() {
  Fd fd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!fd) return Error::io("eventfd: " + errno_text(errno));
  return fd;
}

void signal_eventfd(int fd) {
  std::uint64_t one = 1;
  ssize_t n;
  do {
    n = ::write(fd, &one, sizeof one);
  } while (n < 0 && errno == EINTR);
  // EAGAIN means the counter is saturated: it is readable anyway.
}

void drain_eventfd(int fd) {
  std::uint64_t value;
  ssize_t n;
  do {
    n = ::read(fd, &value, sizeof value);
  } while (n < 0 && errno == EINTR);
}

}  // namespace io
}  // namespace cloudnet::console
