#include "console/pump.h"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <vector>

namespace cloudnet::console::io {

const char* to_string(PumpEnd end) {
  switch (end) {
    case PumpEnd::kClosed: return "closed";
    case PumpEnd::kIdle: return "idle timeout";
    case PumpEnd::kStopped: return "stopped";
    case PumpEnd::kError: return "error";
  }
  return "unknown";
}

namespace {

// One direction: src -> bounded buffer -> dst.
struct Direction {
  int src = -1;
  int dst = -1;
  bool src_sock = false;
  bool dst_sock = false;
  Fd* owned_dst = nullptr;
  std::vector<char> buf;
  std::size_t off = 0;  // first unsent byte
  std::size_t len = 0;  // end of buffered bytes
  bool eof = false;     // src ended (or never sends)
  bool done = false;    // eof seen, everything delivered, dst half-closed
  std::atomic<std::uint64_t>* counter = nullptr;
  std::uint64_t total = 0;

  bool pending() const { return len > off; }
  bool can_read() const {
    return !eof && (len < buf.size() || off > 0);  // room after compaction
  }
  void half_close() {
    if (dst >= 0) {
      if (dst_sock) {
        ::shutdown(dst, SHUT_WR);
      } else if (owned_dst != nullptr) {
        owned_dst->reset();
      }
    }
    done = true;
  }
  // Returns false on a hard read error.
  bool do_read(bool& moved) {
    if (off > 0 && off == len) off = len = 0;
    if (len == buf.size() && off > 0) {
      std::copy(buf.begin() + static_cast<std::ptrdiff_t>(off),
                buf.begin() + static_cast<std::ptrdiff_t>(len), buf.begin());
      len -= off;
      off = 0;
    }
    long n = read_some(src, src_sock, buf.data() + len, buf.size() - len);
    if (n > 0) {
      len += static_cast<std::size_t>(n);
      moved = true;
      return true;
    }
    if (n == 0) {
      eof = true;
      return true;
    }
    return errno == EAGAIN || errno == EWOULDBLOCK;
  }
  bool do_write(bool& moved) {
    long n = write_some(dst, dst_sock, buf.data() + off, len - off);
    if (n > 0) {
      off += static_cast<std::size_t>(n);
      total += static_cast<std::uint64_t>(n);
      if (counter != nullptr) counter->fetch_add(static_cast<std::uint64_t>(n));
      if (off == len) off = len = 0;
      moved = true;
      return true;
    }
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }
};

void setup(Direction& d, const PumpSide& from, const PumpSide& to, std::size_t size,
           std::atomic<std::uint64_t>* counter) {
  d.src = from.read_fd;
  d.dst = to.write_fd;
  d.src_sock = d.src >= 0 && is_socket(d.src);
  d.dst_sock = d.dst >= 0 && is_socket(d.dst);
  d.owned_dst = to.owned_write;
  d.counter = counter;
  if (d.src < 0 || d.dst < 0) {
    d.eof = true;  // nothing can flow this way
  } else {
    d.buf.resize(std::max<std::size_t>(size, 512));
  }
}

// The poll set merges the interests of both directions per descriptor.
struct PollSet {
  std::vector<pollfd> fds;
  void add(int fd, short events) {
    if (fd < 0) return;
    for (auto& p : fds) {
      if (p.fd == fd) {
        p.events = static_cast<short>(p.events | events);
        return;
      }
    }
    fds.push_back({fd, events, 0});
  }
  short revents(int fd) const {
    for (const auto& p : fds) {
      if (p.fd == fd) return p.revents;
    }
    return 0;
  }
};

}  // namespace

PumpResult pump(PumpSide a, PumpSide b, const PumpOptions& options) {
  Direction dirs[2];
  setup(dirs[0], a, b, options.buffer_size, options.a_to_b);
  setup(dirs[1], b, a, options.buffer_size, options.b_to_a);
  PumpResult result;
  auto finish = [&](PumpEnd end, std::string error = {}) {
    result.end = end;
    result.error = std::move(error);
    result.a_to_b = dirs[0].total;
    result.b_to_a = dirs[1].total;
    return result;
  };
  auto last_activity = Clock::now();

  for (;;) {
    for (auto& d : dirs) {
      if (!d.done && d.eof && !d.pending()) d.half_close();
    }
    if (dirs[1].done && (dirs[0].done || options.end_when_b_done)) return finish(PumpEnd::kClosed);

    PollSet set;
    for (auto& d : dirs) {
      // A descriptor with no interest is left out: its POLLHUP would
      // otherwise wake us in a busy loop.
      if (d.can_read()) set.add(d.src, POLLIN);
      if (d.pending()) set.add(d.dst, POLLOUT);
    }
    std::size_t stop_index = set.fds.size();
    if (options.stop_fd >= 0) set.fds.push_back({options.stop_fd, POLLIN, 0});

    int timeout = -1;
    if (options.idle_timeout.count() >= 0) {
      auto left =
          options.idle_timeout - std::chrono::duration_cast<Millis>(Clock::now() - last_activity);
      timeout = static_cast<int>(std::max<Millis::rep>(0, left.count()));
    }
    int n = ::poll(set.fds.data(), set.fds.size(), timeout);
    if (n < 0) {
      if (errno == EINTR) continue;
      return finish(PumpEnd::kError, "poll: " + errno_text(errno));
    }
    if (options.stop_fd >= 0 && (set.fds[stop_index].revents & POLLIN)) {
      return finish(PumpEnd::kStopped);
    }
    if (n == 0) {
      if (options.idle_timeout.count() >= 0 &&
          Clock::now() - last_activity >= options.idle_timeout) {
        return finish(PumpEnd::kIdle);
      }
      continue;
    }

    bool moved = false;
    for (auto& d : dirs) {
      if (d.can_read() && (set.revents(d.src) & (POLLIN | POLLHUP | POLLERR))) {
        if (!d.do_read(moved)) return finish(PumpEnd::kError, "read: " + errno_text(errno));
        // Try the write at once on sockets (never blocking: MSG_DONTWAIT)
        // rather than paying another poll round per chunk.
        if (d.pending() && d.dst_sock && !d.do_write(moved)) {
          return finish(PumpEnd::kError, "write: " + errno_text(errno));
        }
      } else if (d.pending() && (set.revents(d.dst) & (POLLOUT | POLLHUP | POLLERR))) {
        if (!d.do_write(moved)) return finish(PumpEnd::kError, "write: " + errno_text(errno));
      }
    }
    if (moved) last_activity = Clock::now();
  }
}

}  // namespace cloudnet::console::io
