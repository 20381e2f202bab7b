// The far end of a console in the simulation plugin (PIP issue: "with the
// simulation plugin the far end may be a simple line-echo service; the real
// shell arrives with the Linux data plane"): every line comes back prefixed
// with the virtual node's name, "[node-a] hello", so a test or a customer can
// see which node the proxy chain reached.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "common/result.h"
#include "console/io.h"
#include "console/relay.h"

namespace cloudnet::console {

class LineEcho {
 public:
  struct Options {
    std::string node = "node";  // prefix of TCP connections and the default connector
    bool listen = true;         // also accept TCP connections
    std::string bind_host = "127.0.0.1";
    std::uint16_t port = 0;
    std::size_t buffer_size = 64 * 1024;  // per connection, output side
  };

  static Result<LineEcho> start(Options options);

  LineEcho(LineEcho&&) noexcept;
  LineEcho& operator=(LineEcho&&) noexcept;
  ~LineEcho();  // stop()

  // The TCP address (host empty when not listening). A relay can target it
  // with Target::tcp(endpoint()).
  Endpoint endpoint() const;

  // A connector for Target::local: each call opens a new connection to this
  // service through a socketpair, echoing with prefix "[node] " (the
  // service's node when `node` is empty). The connector stays valid after
  // stop() or destruction and then fails with kUnavailable.
  Connector connector(std::string node = {}) const;

  // Connections being served now.
  std::size_t active() const;

  // Closes the listener and all connections; joins the service thread.
  void stop();

 private:
  struct Impl;
  explicit LineEcho(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace cloudnet::console
