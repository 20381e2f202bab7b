// Client side of the console protocol: redeem a Ticket at the first relay of
// a chain and get a byte stream to the virtual node's console; attach() pumps
// that stream to a terminal (the future `cloudnet console ID NODE`).
#pragma once

#include <cstddef>
#include <string_view>

#include "common/result.h"
#include "console/io.h"
#include "console/relay.h"

namespace cloudnet::console {

// A connected console stream (a TCP socket after a successful handshake).
class Stream {
 public:
  Stream() = default;
  explicit Stream(Fd sock) : fd_(std::move(sock)) {}

  bool is_open() const { return fd_.valid(); }
  int fd() const { return fd_.get(); }

  // Up to `len` bytes; 0 at end of stream. kUnavailable "timed out" when
  // nothing arrived within `timeout`.
  Result<std::size_t> read(char* buf, std::size_t len, Millis timeout = kForever);
  // All of `data`.
  Status write(std::string_view data, Millis timeout = kForever);
  // Tells the far end we send nothing more; reading goes on.
  Status shutdown_write();
  void close() { fd_.reset(); }

 private:
  Fd fd_;
};

struct ConnectOptions {
  // TCP connect plus the whole chain's handshake, up to the "OK".
  Millis timeout{15000};
};

// Connects to the ticket's relay, presents the token and waits for the chain.
// On "ERR <hops>: <reason>" the Error (kUnavailable) carries that text.
Result<Stream> connect(const Ticket& ticket, const ConnectOptions& options = {});
Result<Stream> connect(const Endpoint& relay, std::string_view token,
                       const ConnectOptions& options = {});

struct AttachOptions {
  Millis idle_timeout = kForever;
  int stop_fd = -1;  // an eventfd that ends the session when signalled
  std::size_t buffer_size = 64 * 1024;
};

// Copies in_fd -> stream and stream -> out_fd until the far end closes. EOF
// on in_fd half-closes the stream and keeps printing what still arrives
// (`echo ls | cloudnet console ...`). The descriptors are borrowed: their
// flags are left alone (no O_NONBLOCK on a shared terminal) and they stay open.
Status attach(Stream& stream, int in_fd = 0, int out_fd = 1, const AttachOptions& options = {});

}  // namespace cloudnet::console
