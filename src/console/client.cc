#include "console/client.h"

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <string>

#include "console/pump.h"

namespace cloudnet::console {

Result<std::size_t> Stream::read(char* buf, std::size_t len, Millis timeout) {
  if (!fd_) return Error::invalid("console stream is closed");
  auto deadline = io::Deadline::after(timeout);
  for (;;) {
    long n = io::read_some(fd_.get(), true, buf, len);
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno != EAGAIN && errno != EWOULDBLOCK) return Error::io("recv: " + io::errno_text(errno));
    switch (io::wait_for(fd_.get(), POLLIN, deadline, -1)) {
      case io::Wait::kReady: break;
      case io::Wait::kTimeout: return Error::unavailable("timed out");
      case io::Wait::kStopped: return Error::unavailable("stopped");
      case io::Wait::kError: return Error::io("poll: " + io::errno_text(errno));
    }
  }
}

Status Stream::write(std::string_view data, Millis timeout) {
  if (!fd_) return Error::invalid("console stream is closed");
  return io::write_all(fd_.get(), data, io::Deadline::after(timeout), -1);
}

Status Stream::shutdown_write() {
  if (!fd_) return Error::invalid("console stream is closed");
  if (::shutdown(fd_.get(), SHUT_WR) != 0) return Error::io("shutdown: " + io::errno_text(errno));
  return Status::Ok();
}

Result<Stream> connect(const Endpoint& relay, std::string_view token,
                       const ConnectOptions& options) {
  auto deadline = io::Deadline::after(options.timeout);
  auto sock = io::tcp_connect(relay, deadline, -1);
  if (!sock) return sock.error();
  std::string hello = std::string(kHello) + " " + std::string(token) + "\n";
  if (auto st = io::write_all(sock->get(), hello, deadline, -1); !st) {
    return Error::unavailable("console relay " + relay.str() + ": " + st.error().message);
  }
  // The answer comes once the whole chain is connected (or has failed).
  auto reply = io::read_line(sock->get(), 4096, deadline, -1);
  if (!reply)
    return Error::unavailable("console relay " + relay.str() + ": " + reply.error().message);
  if (*reply == "OK") return Stream(std::move(*sock));
  if (reply->rfind("ERR ", 0) == 0) return Error::unavailable(reply->substr(4));
  return Error::unavailable("console relay " + relay.str() + ": unexpected reply");
}

Result<Stream> connect(const Ticket& ticket, const ConnectOptions& options) {
  return connect(ticket.endpoint(), ticket.token, options);
}

Status attach(Stream& stream, int in_fd, int out_fd, const AttachOptions& options) {
  if (!stream.is_open()) return Error::invalid("console stream is closed");
  io::PumpOptions po;
  po.buffer_size = options.buffer_size;
  po.idle_timeout = options.idle_timeout;
  po.stop_fd = options.stop_fd;
  po.end_when_b_done = true;  // the console closed: return even if stdin is open
  io::PumpSide local{in_fd, out_fd, nullptr};
  io::PumpSide remote{stream.fd(), stream.fd(), nullptr};
  auto r = io::pump(local, remote, po);
  switch (r.end) {
    case io::PumpEnd::kClosed: return Status::Ok();
    case io::PumpEnd::kIdle: return Error::unavailable("console idle timeout");
    case io::PumpEnd::kStopped: return Error::unavailable("console detached");
    case io::PumpEnd::kError: return Error::io("console: " + r.error);
  }
  return Error::internal("unknown pump end");
}

}  // namespace cloudnet::console
