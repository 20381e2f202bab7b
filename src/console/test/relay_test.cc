// One relay: tickets, the handshake and its errors, limits, stop().
#include "console/relay.h"

#include <sys/socket.h>

#include <random>

#include "console/test/util.h"
#include "console/token.h"

namespace cloudnet::console::testing {
namespace {

using RelayTest = ConsoleTest;

// The relay's raw answer to a hand-written first line.
// With `data` empty the client stays silent (and does not half-close).
std::string raw_exchange(const Endpoint& ep, const std::string& data) {
  auto fd = io::tcp_connect(ep, io::Deadline::after(2s), -1);
  EXPECT_TRUE(fd.ok());
  Stream s(std::move(*fd));
  if (!data.empty()) {
    EXPECT_TRUE(s.write(data, Millis(2000)).ok());
    EXPECT_TRUE(s.shutdown_write().ok());
  }
  return read_to_eof(s, Millis(5000));
}

std::string connect_error(const Ticket& t) {
  auto s = connect(t);
  if (s.ok()) return "<connected>";
  EXPECT_EQ(s.error().code, Error::Code::kUnavailable);
  return s.error().message;
}

TEST_F(RelayTest, EchoThroughOneRelay) {
  Chain chain(1);
  Ticket t = chain.issue("node-a");
  EXPECT_EQ(t.host, "127.0.0.1");
  EXPECT_EQ(t.port, chain.relays[0].endpoint().port);
  EXPECT_TRUE(token::well_formed(t.token));
  EXPECT_GT(t.expires_at, std::chrono::system_clock::now());
  auto s = connect(t);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(roundtrip(*s, "hello"), "[node-a] hello");
  EXPECT_EQ(roundtrip(*s, "again"), "[node-a] again");
  auto st = chain.relays[0].stats();
  EXPECT_EQ(st.tickets_issued, 1u);
  EXPECT_EQ(st.sessions_opened, 1u);
  EXPECT_EQ(st.sessions_active, 1u);
  s->close();
  EXPECT_TRUE(eventually([&] { return chain.idle(); }));
  st = chain.relays[0].stats();
  EXPECT_EQ(st.bytes_to_target, 12u);
  EXPECT_EQ(st.bytes_from_target, 12u + 2 * 9);
}

TEST_F(RelayTest, PlainTcpTarget) {
  LineEcho echo = start_echo("tcp-node", true);
  Relay pip = start_relay("pip");
  auto t = pip.issue(Target::tcp(echo.endpoint()), Millis(5000));
  ASSERT_TRUE(t.ok());
  auto s = connect(*t);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(roundtrip(*s, "hi"), "[tcp-node] hi");
}

TEST_F(RelayTest, TokenIsSingleUse) {
  Chain chain(1);
  Ticket t = chain.issue();
  {
    auto s = connect(t);
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_EQ(roundtrip(*s, "first"), "[node-a] first");
  }
  EXPECT_EQ(connect_error(t), "pip: token already used");
  EXPECT_EQ(chain.relays[0].stats().sessions_failed, 1u);
}

TEST_F(RelayTest, ExpiredToken) {
  Chain chain(1);
  Ticket t = chain.issue("node-a", Millis(30));
  std::this_thread::sleep_for(80ms);
  EXPECT_EQ(connect_error(t), "pip: token expired");
  // Expired is final: the ticket is burnt as well.
  EXPECT_EQ(connect_error(t), "pip: token already used");
}

TEST_F(RelayTest, WrongTokens) {
  Chain chain(1);
  Ticket t = chain.issue();
  Ticket wrong = t;
  wrong.token = *token::generate();
  EXPECT_EQ(connect_error(wrong), "pip: unknown token");
  // Right selector, wrong secret: the same answer, and the real ticket lives.
  wrong.token = t.token;
  wrong.token.back() = wrong.token.back() == '0' ? '1' : '0';
  EXPECT_EQ(connect_error(wrong), "pip: unknown token");
  wrong.token = "not-a-token";
  EXPECT_EQ(connect_error(wrong), "pip: unknown token");
  auto s = connect(t);
  EXPECT_TRUE(s.ok());
}

TEST_F(RelayTest, BadHandshakeAndTimeout) {
  Relay::Options o;
  o.handshake_timeout = Millis(150);
  Relay pip = start_relay("pip", o);
  EXPECT_EQ(raw_exchange(pip.endpoint(), "GET / HTTP/1.1\r\n"),
            "ERR pip: bad handshake (expected 'CLOUDNET-CONSOLE <token>')\n");
  EXPECT_EQ(raw_exchange(pip.endpoint(), std::string(1000, 'a') + "\n"),
            "ERR pip: bad handshake: line too long\n");
  auto t0 = Clock::now();
  EXPECT_EQ(raw_exchange(pip.endpoint(), ""), "ERR pip: handshake timeout\n");
  EXPECT_LT(Clock::now() - t0, 3s);
  // A client that leaves during the handshake just goes.
  {
    auto fd = io::tcp_connect(pip.endpoint(), io::Deadline::after(1s), -1);
    ASSERT_TRUE(fd.ok());
  }
  EXPECT_TRUE(eventually([&] { return pip.stats().sessions_active == 0; }));
}

TEST_F(RelayTest, PipelinedDataAfterTheHandshakeLine) {
  // Bytes sent right behind the token line, before OK, reach the console.
  Chain chain(1);
  Ticket t = chain.issue("node-p");
  std::string out =
      raw_exchange(t.endpoint(), "CLOUDNET-CONSOLE " + t.token + "\r\nfast\nfaster\n");
  EXPECT_EQ(out, "OK\n[node-p] fast\n[node-p] faster\n");
}

TEST_F(RelayTest, TargetDownNamesTheHop) {
  Relay pip = start_relay("pip");
  std::uint16_t port = dead_port();
  auto t = pip.issue(Target::tcp({"127.0.0.1", port}), Millis(5000));
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(connect_error(*t),
            "pip: connect to 127.0.0.1:" + std::to_string(port) + " failed: Connection refused");
}

TEST_F(RelayTest, FailingConnectorNamesTheHop) {
  Relay pip = start_relay("pip");
  auto t =
      pip.issue(Target::local([]() -> Result<Channel> { return Error::unavailable("vm is off"); },
                              "console of node-x"),
                Millis(5000));
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(connect_error(*t), "pip: console of node-x: vm is off");
  auto t2 = pip.issue(
      Target::local([]() -> Result<Channel> { throw std::runtime_error("boom"); }, "thrower"),
      Millis(5000));
  ASSERT_TRUE(t2.ok());
  EXPECT_EQ(connect_error(*t2), "pip: thrower: connector threw: boom");
}

TEST_F(RelayTest, IssueValidatesAndRevokes) {
  Relay::Options o;
  o.max_ttl = Millis(1000);
  o.max_tickets = 3;
  Relay pip = start_relay("pip", o);
  LineEcho echo = start_echo();
  EXPECT_FALSE(pip.issue(Target::local(echo.connector()), Millis(0)).ok());
  EXPECT_FALSE(pip.issue(Target::local(echo.connector()), Millis(1001)).ok());
  EXPECT_FALSE(pip.issue(Target::local(nullptr), Millis(100)).ok());
  auto t = pip.issue(Target::local(echo.connector()), Millis(1000));
  ASSERT_TRUE(t.ok());
  EXPECT_TRUE(pip.revoke(t->token).ok());
  EXPECT_FALSE(pip.revoke(t->token).ok());
  EXPECT_EQ(connect_error(*t), "pip: unknown token");
  ASSERT_TRUE(pip.issue(Target::local(echo.connector()), Millis(1000)).ok());
  ASSERT_TRUE(pip.issue(Target::local(echo.connector()), Millis(1000)).ok());
  ASSERT_TRUE(pip.issue(Target::local(echo.connector()), Millis(1000)).ok());
  auto over = pip.issue(Target::local(echo.connector()), Millis(1000));
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code, Error::Code::kUnavailable);
}

TEST_F(RelayTest, MaxSessions) {
  Relay::Options o;
  o.max_sessions = 2;
  Chain chain(1, o);
  auto a = connect(chain.issue());
  auto b = connect(chain.issue());
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(connect_error(chain.issue()), "pip: too many sessions");
  EXPECT_EQ(chain.relays[0].stats().sessions_rejected, 1u);
  a->close();
  EXPECT_TRUE(eventually([&] { return chain.relays[0].stats().sessions_active == 1; }));
  auto c = connect(chain.issue());
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(roundtrip(*c, "room again"), "[node-a] room again");
}

TEST_F(RelayTest, IdleTimeoutClosesTheSession) {
  Relay::Options o;
  o.idle_timeout = Millis(150);
  Chain chain(1, o);
  auto s = connect(chain.issue());
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(roundtrip(*s, "x"), "[node-a] x");
  auto t0 = Clock::now();
  EXPECT_EQ(read_to_eof(*s, Millis(3000)), "");
  EXPECT_LT(Clock::now() - t0, 2s);
  EXPECT_TRUE(eventually([&] { return chain.idle(); }));
}

TEST_F(RelayTest, BinaryMegabyteRoundTripIsByteExact) {
  Chain chain(1);
  auto s = connect(chain.issue("bin"));
  ASSERT_TRUE(s.ok()) << s.error().message;
  // Every byte value, lines of random length: the relay must not care.
  std::mt19937 rng(42);
  std::string data, expected;
  while (data.size() < (1u << 20)) {
    std::size_t len = rng() % 300;
    std::string line;
    for (std::size_t i = 0; i < len; ++i) {
      char c = static_cast<char>(rng() & 0xff);
      line.push_back(c == '\n' ? '\0' : c);
    }
    data += line + "\n";
    expected += "[bin] " + line + "\n";
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
  EXPECT_EQ(chain.relays[0].stats().bytes_to_target, data.size());
  EXPECT_EQ(chain.relays[0].stats().bytes_from_target, expected.size());
}

TEST_F(RelayTest, ClientDisconnectMidStreamFreesTheSession) {
  Chain chain(1);
  auto s = connect(chain.issue());
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(roundtrip(*s, "before"), "[node-a] before");
  ASSERT_TRUE(s->write(std::string(100000, 'q')).ok());  // a line in flight
  s->close();
  EXPECT_TRUE(eventually([&] { return chain.idle(); }));
  EXPECT_EQ(chain.relays[0].stats().sessions_active, 0u);
}

TEST_F(RelayTest, FarEndHangingUpEndsTheSession) {
  // The client keeps its side open; the console going away still ends it.
  Relay pip = start_relay("pip");
  auto t = pip.issue(Target::local(hang_up_connector("bye\n"), "vm"), Millis(1000));
  ASSERT_TRUE(t.ok());
  auto s = connect(*t);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(read_to_eof(*s, Millis(3000)), "bye\n");
  EXPECT_TRUE(eventually([&] { return pip.stats().sessions_active == 0; }));
  EXPECT_TRUE(s->is_open());
}

TEST_F(RelayTest, StopWithLiveSessions) {
  Chain chain(1);
  std::vector<Stream> streams;
  for (int i = 0; i < 5; ++i) {
    auto s = connect(chain.issue());
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(roundtrip(*s, "up"), "[node-a] up");
    streams.push_back(std::move(*s));
  }
  Ticket unused = chain.issue();
  EXPECT_EQ(chain.relays[0].stats().sessions_active, 5u);
  auto t0 = Clock::now();
  chain.relays[0].stop();
  EXPECT_LT(Clock::now() - t0, 2s);
  EXPECT_EQ(chain.relays[0].stats().sessions_active, 0u);
  for (auto& s : streams) EXPECT_EQ(read_to_eof(s, Millis(2000)), "");
  EXPECT_FALSE(connect(unused).ok());  // the listener is gone
  EXPECT_FALSE(chain.relays[0].issue(Target::local(chain.echo.connector()), Millis(100)).ok());
  chain.relays[0].stop();  // idempotent
  EXPECT_TRUE(eventually([&] { return chain.echo.active() == 0; }));
}

TEST_F(RelayTest, MovedRelayKeepsServing) {
  Relay a = start_relay("pip");
  LineEcho echo = start_echo();
  Relay b = std::move(a);
  auto t = b.issue(Target::local(echo.connector()), Millis(1000));
  ASSERT_TRUE(t.ok());
  auto s = connect(*t);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(roundtrip(*s, "moved"), "[node-a] moved");
}

}  // namespace
}  // namespace cloudnet::console::testing
