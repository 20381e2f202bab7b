// Proxy chains across roles (thesis 3.3.5, VISA paper 3.3/4.2): the customer
// talks to the outermost VNP's relay, which chains through further VNPs to
// the PIP hosting the node.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <random>

#include "console/test/util.h"

namespace cloudnet::console::testing {
namespace {

using ChainTest = ConsoleTest;

std::string connect_error(const Ticket& t) {
  auto s = connect(t);
  if (s.ok()) return "<connected>";
  return s.error().message;
}

TEST_F(ChainTest, EchoThroughThreeRelays) {
  Chain chain(3);  // vnp1 -> vnp2 -> pip
  Ticket t = chain.issue("node-a");
  EXPECT_EQ(t.port, chain.relays[0].endpoint().port);
  auto s = connect(t);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(roundtrip(*s, "hello"), "[node-a] hello");
  for (const auto& r : chain.relays) {
    EXPECT_EQ(r.stats().sessions_opened, 1u);
    EXPECT_EQ(r.stats().sessions_active, 1u);
  }
  ASSERT_TRUE(s->shutdown_write().ok());
  EXPECT_EQ(read_to_eof(*s), "");
  EXPECT_TRUE(eventually([&] { return chain.idle(); }));
  for (const auto& r : chain.relays) EXPECT_EQ(r.stats().bytes_to_target, 6u);
}

TEST_F(ChainTest, DifferentNodesThroughTheSameChain) {
  Chain chain(2);
  auto a = connect(chain.issue("node-a"));
  auto b = connect(chain.issue("node-b"));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(roundtrip(*b, "who"), "[node-b] who");
  EXPECT_EQ(roundtrip(*a, "who"), "[node-a] who");
}

TEST_F(ChainTest, TargetDownReportsTheWholePath) {
  Chain chain(3);
  std::uint16_t port = dead_port();
  auto pip_ticket = chain.relays[2].issue(Target::tcp({"127.0.0.1", port}), Millis(5000));
  ASSERT_TRUE(pip_ticket.ok());
  auto vnp2 = chain.relays[1].issue(Target::chain(*pip_ticket), Millis(5000));
  ASSERT_TRUE(vnp2.ok());
  auto vnp1 = chain.relays[0].issue(Target::chain(*vnp2), Millis(5000));
  ASSERT_TRUE(vnp1.ok());
  EXPECT_EQ(connect_error(*vnp1), "vnp1 > vnp2 > pip: connect to 127.0.0.1:" +
                                      std::to_string(port) + " failed: Connection refused");
  EXPECT_TRUE(eventually([&] { return chain.idle(); }));
  for (const auto& r : chain.relays) EXPECT_EQ(r.stats().sessions_failed, 1u);
}

TEST_F(ChainTest, TokenProblemsDeepInTheChain) {
  Chain chain(3);
  // Someone used the PIP-level ticket directly: the VNP path reports it.
  LineEcho& echo = chain.echo;
  auto pip_ticket = chain.relays[2].issue(Target::local(echo.connector()), Millis(5000));
  ASSERT_TRUE(pip_ticket.ok());
  auto vnp2 = chain.relays[1].issue(Target::chain(*pip_ticket), Millis(5000));
  auto vnp1 = chain.relays[0].issue(Target::chain(*vnp2), Millis(5000));
  {
    auto direct = connect(*pip_ticket);
    ASSERT_TRUE(direct.ok());
  }
  EXPECT_EQ(connect_error(*vnp1), "vnp1 > vnp2 > pip: token already used");
  // An inner ticket that expired first.
  auto short_lived = chain.relays[2].issue(Target::local(echo.connector()), Millis(20));
  auto outer2 = chain.relays[1].issue(Target::chain(*short_lived), Millis(5000));
  auto outer1 = chain.relays[0].issue(Target::chain(*outer2), Millis(5000));
  std::this_thread::sleep_for(60ms);
  EXPECT_EQ(connect_error(*outer1), "vnp1 > vnp2 > pip: token expired");
}

TEST_F(ChainTest, MissingRelayInTheMiddle) {
  Chain chain(3);
  Ticket t = chain.issue();
  Endpoint vnp2 = chain.relays[1].endpoint();
  chain.relays[1].stop();
  EXPECT_EQ(connect_error(t), "vnp1: connect to " + vnp2.str() + " failed: Connection refused");
  EXPECT_TRUE(eventually([&] { return chain.idle(); }));
}

TEST_F(ChainTest, MiddleRelayStoppingEndsLiveSessions) {
  Chain chain(3);
  auto s = connect(chain.issue());
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(roundtrip(*s, "alive"), "[node-a] alive");
  chain.relays[1].stop();
  EXPECT_EQ(read_to_eof(*s, Millis(3000)), "");
  EXPECT_TRUE(eventually([&] { return chain.idle(); }));
}

TEST_F(ChainTest, MegabyteThroughThreeHopsIsByteExact) {
  Chain chain(3);
  auto s = connect(chain.issue("n3"));
  ASSERT_TRUE(s.ok()) << s.error().message;
  std::mt19937 rng(7);
  std::string data, expected;
  while (data.size() < (1u << 20)) {
    std::string line(rng() % 2000, '\0');
    for (auto& c : line) {
      c = static_cast<char>(rng() & 0xff);
      if (c == '\n') c = '\r';
    }
    data += line + "\n";
    expected += "[n3] " + line + "\n";
  }
  std::thread writer([&] {
    EXPECT_TRUE(s->write(data, Millis(20000)).ok());
    EXPECT_TRUE(s->shutdown_write().ok());
  });
  std::string got = read_to_eof(*s, Millis(20000));
  writer.join();
  EXPECT_EQ(got.size(), expected.size());
  EXPECT_TRUE(got == expected);
  EXPECT_TRUE(eventually([&] { return chain.idle(); }));
  for (const auto& r : chain.relays) {
    EXPECT_EQ(r.stats().bytes_to_target, data.size());
    EXPECT_EQ(r.stats().bytes_from_target, expected.size());
  }
}

TEST_F(ChainTest, FiftyConcurrentSessions) {
  Chain chain(3);
  constexpr int kSessions = 50;
  std::vector<Ticket> tickets;
  for (int i = 0; i < kSessions; ++i) tickets.push_back(chain.issue("node-" + std::to_string(i)));
  std::atomic<int> good{0};
  std::atomic<int> connected{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < kSessions; ++i) {
    clients.emplace_back([&, i] {
      auto s = connect(tickets[static_cast<std::size_t>(i)]);
      if (!s.ok()) return;
      connected.fetch_add(1);
      // Hold every session open at once before talking.
      while (connected.load() < kSessions) std::this_thread::sleep_for(1ms);
      std::string prefix = "[node-" + std::to_string(i) + "] ";
      bool ok = true;
      for (int k = 0; k < 20 && ok; ++k) {
        std::string line = "line " + std::to_string(k) + " of " + std::to_string(i);
        ok = roundtrip(*s, line) == prefix + line;
      }
      if (ok) good.fetch_add(1);
    });
  }
  EXPECT_TRUE(eventually([&] { return connected.load() == kSessions; }, Millis(10000)));
  for (const auto& r : chain.relays) EXPECT_LE(r.stats().sessions_active, 50u);
  for (auto& t : clients) t.join();
  EXPECT_EQ(good.load(), kSessions);
  EXPECT_TRUE(eventually([&] { return chain.idle(); }));
  for (const auto& r : chain.relays) EXPECT_EQ(r.stats().sessions_opened, 50u);
}

// The VISA paper (4.2, Figure 9) reports the proxy chain's setup time per
// management node; this prints ours per chain length. No assertions: the
// numbers depend on the machine and its load.
TEST_F(ChainTest, SetupLatencyPerChainLength) {
  constexpr int kRuns = 100;
  std::printf("\nconsole proxy chain setup latency (loopback, %d runs each)\n", kRuns);
  std::printf("%5s  %14s  %22s  %22s\n", "hops", "issue med (us)", "connect->OK med/p95 (us)",
              "first echo med/p95 (us)");
  for (std::size_t hops = 1; hops <= 4; ++hops) {
    Chain chain(hops);
    std::vector<double> issue_us, setup_us, echo_us;
    for (int i = 0; i < kRuns; ++i) {
      auto t0 = Clock::now();
      Ticket t = chain.issue();
      auto t1 = Clock::now();
      auto s = connect(t);
      auto t2 = Clock::now();
      ASSERT_TRUE(s.ok()) << s.error().message;
      ASSERT_EQ(roundtrip(*s, "x"), "[node-a] x");
      auto t3 = Clock::now();
      auto us = [](auto d) { return std::chrono::duration<double, std::micro>(d).count(); };
      issue_us.push_back(us(t1 - t0));
      setup_us.push_back(us(t2 - t1));
      echo_us.push_back(us(t3 - t2));
    }
    auto pct = [](std::vector<double> v, double p) {
      std::sort(v.begin(), v.end());
      return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
    };
    std::printf("%5zu  %14.0f  %11.0f / %8.0f  %11.0f / %8.0f\n", hops, pct(issue_us, 0.5),
                pct(setup_us, 0.5), pct(setup_us, 0.95), pct(echo_us, 0.5), pct(echo_us, 0.95));
    RecordProperty("setup_us_median_" + std::to_string(hops) + "_hops",
                   static_cast<int>(pct(setup_us, 0.5)));
    EXPECT_TRUE(eventually([&] { return chain.idle(); }));
  }
  std::fflush(stdout);
}

}  // namespace
}  // namespace cloudnet::console::testing
