// The byte pump shared by every relay hop and by the client's attach(): it
// copies both directions between two channels through bounded buffers until
// the streams end (VISA paper 4.2: "the proxy connection is terminated by
// either a disconnection from either the client or server").
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>

#include "console/io.h"

namespace cloudnet::console {

// One end of a byte stream: a socket (`write` empty: `read` is used both
// ways) or a pair of descriptors such as a child's stdout/stdin pipes.
// Console targets hand out channels (see Connector in relay.h).
struct Channel {
  Fd read;
  Fd write;  // optional; when empty, `read` is bidirectional

  int read_fd() const { return read.get(); }
  int write_fd() const { return write ? write.get() : read.get(); }
  bool valid() const { return read.valid(); }
};

namespace io {

// How a pump ended.
enum class PumpEnd {
  kClosed,   // both sides finished their streams (the normal end)
  kIdle,     // nothing moved for idle_timeout
  kStopped,  // the stop eventfd fired
  kError,    // a read or write failed (reset, broken pipe)
};

const char* to_string(PumpEnd end);

struct PumpOptions {
  std::size_t buffer_size = 64 * 1024;  // per direction: the backpressure bound
  Millis idle_timeout = kForever;
  int stop_fd = -1;
  // Counters bumped as bytes are delivered (may be null).
  std::atomic<std::uint64_t>* a_to_b = nullptr;
  std::atomic<std::uint64_t>* b_to_a = nullptr;
  // End as soon as b's stream has ended and been delivered to a, without
  // waiting for a's EOF. Side b is the console: when the far end goes (the
  // shell exits, a hop disconnects) the session is over, while a client's EOF
  // only half-closes (`echo ls | cloudnet console ...` still gets its output).
  bool end_when_b_done = false;
};

// One pump side as raw descriptors. When a side's stream toward it ends, the
// pump half-closes it: shutdown(SHUT_WR) on a socket, reset of `owned_write`
// for a pipe (EOF for the reader), nothing for a borrowed descriptor (stdout).
struct PumpSide {
  int read_fd = -1;   // -1: this side never sends
  int write_fd = -1;  // -1: this side never receives
  Fd* owned_write = nullptr;

  static PumpSide of(Channel& ch) {
    return {ch.read_fd(), ch.write_fd(), ch.write ? &ch.write : nullptr};
  }
};

struct PumpResult {
  PumpEnd end = PumpEnd::kClosed;
  std::uint64_t a_to_b = 0;
  std::uint64_t b_to_a = 0;
  std::string error;  // for kError
};

// Copies a -> b and b -> a with poll(). A direction reads only while its
// buffer has room, so a slow reader throttles the writer through TCP flow
// control instead of growing memory. EOF on one side is forwarded as a
// half-close and the other direction keeps flowing.
PumpResult pump(PumpSide a, PumpSide b, const PumpOptions& options);

}  // namespace io
}  // namespace cloudnet::console
