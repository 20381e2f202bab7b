// The simulation's far end: the line-echo service over TCP and connectors.
#include "console/echo.h"

#include <sys/socket.h>

#include "console/test/util.h"

namespace cloudnet::console::testing {
namespace {

using EchoTest = ConsoleTest;

Stream tcp_stream(const Endpoint& ep) {
  auto fd = io::tcp_connect(ep, io::Deadline::after(2s), -1);
  EXPECT_TRUE(fd.ok()) << (fd.ok() ? "" : fd.error().message);
  return Stream(std::move(*fd));
}

TEST_F(EchoTest, EchoesLinesWithTheNodePrefixOverTcp) {
  LineEcho echo = start_echo("node-a", /*listen=*/true);
  ASSERT_NE(echo.endpoint().port, 0);
  Stream s = tcp_stream(echo.endpoint());
  ASSERT_TRUE(s.write("hello\nworld\n").ok());
  EXPECT_EQ(read_n(s, 30), "[node-a] hello\n[node-a] world\n");
  EXPECT_EQ(roundtrip(s, ""), "[node-a] ");
  EXPECT_EQ(echo.active(), 1u);
}

TEST_F(EchoTest, PartialLineAtEndOfStream) {
  LineEcho echo = start_echo("n1", true);
  Stream s = tcp_stream(echo.endpoint());
  ASSERT_TRUE(s.write("one\ntw").ok());
  ASSERT_TRUE(s.write("o").ok());
  ASSERT_TRUE(s.shutdown_write().ok());
  EXPECT_EQ(read_to_eof(s), "[n1] one\n[n1] two");
  EXPECT_TRUE(eventually([&] { return echo.active() == 0; }));
}

TEST_F(EchoTest, ConnectorsCarryTheirOwnNode) {
  LineEcho echo = start_echo("default", false);
  EXPECT_EQ(echo.endpoint().port, 0);
  for (const char* node : {"node-a", "node-b"}) {
    auto ch = echo.connector(node)();
    ASSERT_TRUE(ch.ok()) << ch.error().message;
    Stream s(std::move(ch->read));
    EXPECT_EQ(roundtrip(s, "x"), std::string("[") + node + "] x");
  }
  auto ch = echo.connector()();
  ASSERT_TRUE(ch.ok());
  Stream s(std::move(ch->read));
  EXPECT_EQ(roundtrip(s, "y"), "[default] y");
}

TEST_F(EchoTest, ConnectorOutlivesTheService) {
  Connector c;
  {
    LineEcho echo = start_echo("gone", false);
    c = echo.connector();
    echo.stop();
    auto r = c();
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Error::Code::kUnavailable);
  }
  auto r = c();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Error::Code::kUnavailable);
}

TEST_F(EchoTest, StopClosesConnections) {
  LineEcho echo = start_echo("n", true);
  Stream s = tcp_stream(echo.endpoint());
  EXPECT_EQ(roundtrip(s, "a"), "[n] a");
  echo.stop();
  EXPECT_EQ(read_to_eof(s, Millis(2000)), "");
  EXPECT_EQ(echo.active(), 0u);
}

TEST_F(EchoTest, LargeLinesStreamWithoutLineBuffer) {
  // A 3 MiB line with no newline: echoed as it arrives, not held back.
  LineEcho echo = start_echo("big", true);
  Stream s = tcp_stream(echo.endpoint());
  std::string line(3 << 20, 'z');
  std::thread writer([&] {
    EXPECT_TRUE(s.write(line, Millis(10000)).ok());
    EXPECT_TRUE(s.shutdown_write().ok());
  });
  std::string got = read_to_eof(s, Millis(10000));
  writer.join();
  EXPECT_EQ(got.size(), line.size() + 6);
  EXPECT_EQ(got, "[big] " + line);
}

}  // namespace
}  // namespace cloudnet::console::testing
