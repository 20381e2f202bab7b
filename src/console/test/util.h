// Shared helpers for the console tests: descriptor accounting, chains of
// relays ending in a line-echo service, and stream reading with deadlines.
#pragma once

#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "console/client.h"
#include "console/echo.h"
#include "console/io.h"
#include "console/relay.h"

namespace cloudnet::console::testing {

using namespace std::chrono_literals;

// Open descriptors of this process (the directory stream's own excluded).
inline int fd_count() {
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return -1;
  int n = 0;
  while (readdir(dir) != nullptr) ++n;
  ::closedir(dir);
  return n - 3;  // ".", ".." and the directory's descriptor
}

// Polls `cond` until it holds or `timeout` passes.
inline bool eventually(const std::function<bool()>& cond, Millis timeout = Millis(3000)) {
  auto until = Clock::now() + timeout;
  while (!cond()) {
    if (Clock::now() >= until) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

// Every test checks that it leaves no descriptor behind: relays, echo
// services and streams are all scoped to the test body.
class ConsoleTest : public ::testing::Test {
 protected:
  void SetUp() override { baseline_ = fd_count(); }
  void TearDown() override {
    // Everything was stopped and joined in the body; allow a moment for
    // nothing but safety.
    EXPECT_TRUE(eventually([&] { return fd_count() == baseline_; }, Millis(1000)))
        << "descriptors before " << baseline_ << ", after " << fd_count();
  }
  int baseline_ = 0;
};

// Reads until `n` bytes have arrived, EOF, or the timeout.
inline std::string read_n(Stream& s, std::size_t n, Millis timeout = Millis(5000)) {
  std::string out;
  auto until = Clock::now() + timeout;
  char buf[65536];
  while (out.size() < n) {
    auto left = std::chrono::duration_cast<Millis>(until - Clock::now());
    if (left.count() <= 0) break;
    auto r = s.read(buf, std::min(sizeof buf, n - out.size()), left);
    if (!r || *r == 0) break;
    out.append(buf, *r);
  }
  return out;
}

// Reads everything until EOF (or the timeout).
inline std::string read_to_eof(Stream& s, Millis timeout = Millis(5000)) {
  std::string out;
  auto until = Clock::now() + timeout;
  char buf[65536];
  for (;;) {
    auto left = std::chrono::duration_cast<Millis>(until - Clock::now());
    if (left.count() <= 0) break;
    auto r = s.read(buf, sizeof buf, left);
    if (!r || *r == 0) break;
    out.append(buf, *r);
  }
  return out;
}

// Sends a line and returns the echoed line.
inline std::string roundtrip(Stream& s, const std::string& line) {
  if (!s.write(line + "\n", Millis(5000))) return "<write failed>";
  std::string out;
  char c;
  auto until = Clock::now() + 5s;
  while (Clock::now() < until) {
    auto r = s.read(&c, 1, Millis(5000));
    if (!r || *r == 0) break;
    if (c == '\n') return out;
    out.push_back(c);
  }
  return out + "<incomplete>";
}

inline Relay start_relay(const std::string& name, Relay::Options o = {}) {
  o.name = name;
  auto r = Relay::start(std::move(o));
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return std::move(r).value();
}

inline LineEcho start_echo(const std::string& node = "node-a", bool listen = false) {
  LineEcho::Options o;
  o.node = node;
  o.listen = listen;
  auto e = LineEcho::start(std::move(o));
  EXPECT_TRUE(e.ok()) << (e.ok() ? "" : e.error().message);
  return std::move(e).value();
}

// A proxy chain as the roles build it (thesis 3.3.5): relays[0] is the one
// the customer talks to (the outermost VNP), relays.back() is the PIP whose
// target is the node's console. hops == 1 is a PIP alone.
struct Chain {
  LineEcho echo;
  std::vector<Relay> relays;

  static std::vector<std::string> names(std::size_t hops) {
    std::vector<std::string> n;
    for (std::size_t i = 0; i + 1 < hops; ++i) n.push_back("vnp" + std::to_string(i + 1));
    n.push_back("pip");
    return n;
  }

  explicit Chain(std::size_t hops, Relay::Options o = {}) : echo(start_echo()) {
    for (const auto& n : names(hops)) relays.push_back(start_relay(n, o));
  }

  // Issues the tickets from the PIP outwards, each relay targeting the next
  // hop's ticket, and returns the customer's ticket.
  Ticket issue(const std::string& node = "node-a", Millis ttl = Millis(10000)) {
    Target target = Target::local(echo.connector(node), "console of " + node);
    Ticket t;
    for (std::size_t i = relays.size(); i-- > 0;) {
      auto r = relays[i].issue(std::move(target), ttl);
      EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
      t = *r;
      target = Target::chain(t);
    }
    return t;
  }

  bool idle() const {
    for (const auto& r : relays) {
      if (r.stats().sessions_active != 0) return false;
    }
    return echo.active() == 0;
  }
};

// A console whose far end says `words` and hangs up at once (a shell that
// exits, a VM powering off).
inline Connector hang_up_connector(std::string words) {
  return [words]() -> Result<Channel> {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
      return Error::io("socketpair");
    }
    Fd far(sv[0]);
    Channel ch;
    ch.read = Fd(sv[1]);
    if (!io::write_all(far.get(), words, io::Deadline::after(Millis(1000)), -1)) {
      return Error::io("write");
    }
    return ch;  // `far` closes here: EOF after the words
  };
}

// A loopback port on which nothing listens (bound, then closed).
inline std::uint16_t dead_port() {
  Endpoint ep;
  auto l = io::tcp_listen("127.0.0.1", 0, 1, &ep);
  EXPECT_TRUE(l.ok());
  return ep.port;  // the listener closes here
}

}  // namespace cloudnet::console::testing
