// Out-of-VNet console access as proxy chains (thesis 3.3.5, VISA paper 3.3
// and 4.2): every role runs a Relay; a console request is "relayed from player
// to player ... while instantiating appropriate connection proxies and
// returning their access information". Here the access information is a
// Ticket (relay address + one-time token), and a relay's target is either the
// next role's ticket (a VNP chaining to a PIP) or a local connector (the
// simulation's echo service, later a namespace shell). Protocol and security
// notes: src/console/README.md.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "common/result.h"
#include "console/io.h"
#include "console/pump.h"

namespace cloudnet::console {

// First line a client sends: kHello + ' ' + token + '\n'. Answers: "OK\n",
// or "ERR <hop> [> <hop> ...]: <reason>\n" followed by close.
inline constexpr std::string_view kHello = "CLOUDNET-CONSOLE";

// Access information for one console session: where to connect and the
// one-time token to present. What the API returns to a customer, and what a
// VNP's relay targets when it chains to a PIP.
struct Ticket {
  std::string host;
  std::uint16_t port = 0;
  std::string token;
  std::chrono::system_clock::time_point expires_at{};

  Endpoint endpoint() const { return {host, port}; }
};

// Opens the far end of a console locally, e.g. the echo service of the
// simulation plugin or a shell in a network namespace. Called once per
// session on the session's thread; should not block for long (stop() waits
// for it).
using Connector = std::function<Result<Channel>()>;

// Where a relay connects once a ticket is redeemed.
struct Target {
  struct Tcp {
    Endpoint endpoint;
    std::optional<std::string> token;  // set: the endpoint is a relay (chaining)
  };
  struct Local {
    Connector connect;
    std::string label;
  };
  std::variant<Tcp, Local> where;

  // A plain TCP console (no handshake), or with `token` the next relay.
  static Target tcp(Endpoint endpoint, std::optional<std::string> token = std::nullopt) {
    return Target{Tcp{std::move(endpoint), std::move(token)}};
  }
  // The next hop of a chain: the relay and token of `next`.
  static Target chain(const Ticket& next) { return tcp(next.endpoint(), next.token); }
  static Target local(Connector connect, std::string label = "local") {
    return Target{Local{std::move(connect), std::move(label)}};
  }
  std::string describe() const;
};

class Relay {
 public:
  struct Options {
    std::string name;  // names this hop in ERR lines; default "relay <host:port>"
    std::string bind_host = "127.0.0.1";
    std::uint16_t port = 0;      // 0: any free port
    std::string advertise_host;  // host written into tickets; default: the bound host
    std::size_t max_sessions = 256;
    std::size_t max_tickets = 100000;  // outstanding, used or expired ones included
    Millis handshake_timeout{5000};    // for the client's CLOUDNET-CONSOLE line
    Millis connect_timeout{10000};     // for the target, including the rest of the chain
    Millis idle_timeout{30 * 60 * 1000};
    Millis max_ttl{24 * 60 * 60 * 1000};
    std::size_t buffer_size = 64 * 1024;  // per direction and session
  };

  // Counters for metrics.
  struct Stats {
    std::uint64_t tickets_issued = 0;
    std::uint64_t connections = 0;        // accepted TCP connections
    std::uint64_t sessions_opened = 0;    // answered OK
    std::uint64_t sessions_failed = 0;    // answered ERR (bad token, target down, ...)
    std::uint64_t sessions_rejected = 0;  // over max_sessions
    std::uint64_t sessions_active = 0;    // connections being served now
    std::uint64_t bytes_to_target = 0;
    std::uint64_t bytes_from_target = 0;
  };

  // Binds and starts serving.
  static Result<Relay> start(Options options);

  Relay(Relay&&) noexcept;
  Relay& operator=(Relay&&) noexcept;
  ~Relay();  // stop()

  Endpoint endpoint() const;
  const std::string& name() const;

  // Creates a one-time ticket for `target`, valid for `ttl` (0 < ttl <=
  // max_ttl). The token is redeemed by the first connection that presents it,
  // whether or not the target can then be reached.
  Result<Ticket> issue(Target target, Millis ttl);

  // Invalidates an unused ticket (e.g. when the VNet is deleted).
  Status revoke(std::string_view token);

  // Closes the listener and every session and joins all threads.
  // Idempotent; issue() fails afterwards.
  void stop();

  Stats stats() const;

 private:
  struct Impl;
  explicit Relay(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cloudnet::console
