// Small POSIX socket layer for the console relay (no Boost): an owning file
// descriptor, TCP endpoints, and deadline-bounded connect, listen, line and
// write helpers. Every call retries on EINTR and never raises SIGPIPE
// (MSG_NOSIGNAL on sockets, a blocked-and-consumed SIGPIPE on pipes), so the
// daemons need not touch the process-wide signal disposition.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace cloudnet::console {

using Clock = std::chrono::steady_clock;
using Millis = std::chrono::milliseconds;

// "No timeout" for the calls below that take one.
inline constexpr Millis kForever{-1};

// An owning file descriptor: closed on destruction, move-only.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(other.release()) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  explicit operator bool() const { return valid(); }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

// A TCP address as the API hands it out: numeric host (or name) and port.
struct Endpoint {
  std::string host;
  std::uint16_t port = 0;

  std::string str() const;  // "127.0.0.1:4000", "[::1]:4000"
  friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

namespace io {

// A point in time after which a blocking helper gives up; Deadline::never()
// waits forever.
class Deadline {
 public:
  static Deadline never() { return Deadline(); }
  static Deadline after(Millis timeout) {
    Deadline d;
    if (timeout.count() >= 0) {
      d.finite_ = true;
      d.at_ = Clock::now() + timeout;
    }
    return d;
  }
  bool expired() const { return finite_ && Clock::now() >= at_; }
  // Milliseconds for poll(): -1 for never, else the rest rounded up.
  int poll_timeout() const;

 private:
  bool finite_ = false;
  Clock::time_point at_{};
};

// Outcome of waiting for one descriptor while also watching a stop eventfd.
enum class Wait { kReady, kTimeout, kStopped, kError };

// poll() on `fd` for `events` until ready, the deadline passes or `stop_fd`
// (an eventfd, -1 for none) becomes readable. EINTR restarts the wait.
Wait wait_for(int fd, short events, const Deadline& deadline, int stop_fd);

// Listening TCP socket (non-blocking, close-on-exec, SO_REUSEADDR); `bound`
// receives the actual address (port 0 picks a free port).
Result<Fd> tcp_listen(const std::string& host, std::uint16_t port, int backlog, Endpoint* bound);

// Connected, non-blocking TCP socket with TCP_NODELAY (consoles are
// interactive: Nagle would delay every keystroke).
Result<Fd> tcp_connect(const Endpoint& to, const Deadline& deadline, int stop_fd);

// Reads one '\n'-terminated line of at most `max_len` bytes from a socket
// without consuming anything after the newline (MSG_PEEK), so the bytes that
// follow a handshake line stay for the relay. The newline and a trailing '\r'
// are stripped.
Result<std::string> read_line(int sock, std::size_t max_len, const Deadline& deadline, int stop_fd);

// Writes all of `data` to a socket or pipe, waiting for POLLOUT as needed.
Status write_all(int fd, std::string_view data, const Deadline& deadline, int stop_fd);

// One non-blocking write that cannot raise SIGPIPE. Returns bytes written or
// -1 with errno set (EAGAIN when the descriptor is full).
long write_some(int fd, bool is_socket, const char* data, std::size_t len);

// One read; -1 with errno set on failure, 0 at end of stream.
long read_some(int fd, bool is_socket, char* data, std::size_t len);

bool is_socket(int fd);
Status set_nonblocking(int fd);

// Sends nothing more, then reads and discards what the peer still sends for
// up to `linger` so that close() does not reset the connection before the peer
// has read our last line (an RST would discard the "ERR ..." it is waiting for).
void graceful_close(Fd& sock, Millis linger, int stop_fd);

// An eventfd used as a level-triggered "stop" or "wake" flag.
Result<Fd> make_eventfd();
void signal_eventfd(int fd);
void drain_eventfd(int fd);

std::string errno_text(int err);

}  // namespace io
}  // namespace cloudnet::console
