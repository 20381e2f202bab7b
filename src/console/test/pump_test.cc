// The pump alone (pipes, half-close, backpressure, idle timeout), a pipe
// connector to a real child process, and attach().
#include "console/pump.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <mutex>
#include <thread>

#include "console/test/util.h"

extern char** environ;

namespace cloudnet::console::testing {
namespace {

struct Pipe {
  Fd r, w;
  Pipe() {
    int p[2];
    EXPECT_EQ(::pipe2(p, O_CLOEXEC), 0);
    r = Fd(p[0]);
    w = Fd(p[1]);
  }
};

struct SocketPair {
  Fd a, b;
  SocketPair() {
    int sv[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    a = Fd(sv[0]);
    b = Fd(sv[1]);
  }
};

std::string read_fd_to_eof(int fd) {
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

using PumpTest = ConsoleTest;

TEST_F(PumpTest, PipesAndHalfCloseBothWays) {
  SocketPair sock;    // side A: a socket; the test holds sock.b
  Pipe to_b, from_b;  // side B: a child's stdin/stdout pair
  Channel b;
  b.read = std::move(to_b.r);
  b.write = std::move(from_b.w);
  io::PumpResult result;
  std::thread t([&] {
    io::PumpSide a{sock.a.get(), sock.a.get(), nullptr};
    result = io::pump(a, io::PumpSide::of(b), {});
  });
  ASSERT_TRUE(io::write_all(sock.b.get(), "hello", io::Deadline::after(1s), -1).ok());
  ::shutdown(sock.b.get(), SHUT_WR);
  // A's EOF reaches B as the end of its input pipe...
  EXPECT_EQ(read_fd_to_eof(from_b.r.get()), "hello");
  // ...while B -> A still flows.
  ASSERT_TRUE(io::write_all(to_b.w.get(), "world", io::Deadline::after(1s), -1).ok());
  to_b.w.reset();
  std::string back;
  char buf[64];
  for (;;) {
    ssize_t n = ::read(sock.b.get(), buf, sizeof buf);
    if (n <= 0) break;
    back.append(buf, static_cast<std::size_t>(n));
  }
  EXPECT_EQ(back, "world");
  t.join();
  EXPECT_EQ(result.end, io::PumpEnd::kClosed);
  EXPECT_EQ(result.a_to_b, 5u);
  EXPECT_EQ(result.b_to_a, 5u);
  EXPECT_FALSE(b.write.valid());  // the pump closed B's input to signal EOF
}

TEST_F(PumpTest, BackpressureBoundsBuffering) {
  SocketPair a, b;  // nobody reads b.b
  auto stop = io::make_eventfd();
  ASSERT_TRUE(stop.ok());
  io::PumpOptions po;
  po.stop_fd = stop->get();
  io::PumpResult result;
  std::thread t([&] {
    io::PumpSide sa{a.a.get(), a.a.get(), nullptr};
    io::PumpSide sb{b.a.get(), b.a.get(), nullptr};
    result = io::pump(sa, sb, po);
  });
  // Push until the writer would block: only the socket buffers and the
  // pump's 64 KiB can hold data, far less than what we try to send.
  std::string chunk(64 * 1024, 'x');
  std::size_t accepted = 0;
  auto until = Clock::now() + 2s;
  int stalls = 0;
  while (accepted < (64u << 20) && Clock::now() < until && stalls < 20) {
    long n = io::write_some(a.b.get(), true, chunk.data(), chunk.size());
    if (n > 0) {
      accepted += static_cast<std::size_t>(n);
      stalls = 0;
    } else {
      ++stalls;
      std::this_thread::sleep_for(5ms);
    }
  }
  EXPECT_LT(accepted, 16u << 20) << "the pump buffered without bound";
  io::signal_eventfd(stop->get());
  t.join();
  EXPECT_EQ(result.end, io::PumpEnd::kStopped);
  EXPECT_LE(result.a_to_b, accepted);
}

TEST_F(PumpTest, IdleTimeout) {
  SocketPair a, b;
  io::PumpOptions po;
  po.idle_timeout = Millis(100);
  io::PumpSide sa{a.a.get(), a.a.get(), nullptr};
  io::PumpSide sb{b.a.get(), b.a.get(), nullptr};
  auto t0 = Clock::now();
  auto r = io::pump(sa, sb, po);
  EXPECT_EQ(r.end, io::PumpEnd::kIdle);
  EXPECT_GE(Clock::now() - t0, Millis(90));
}

// A connector handing out pipes to a child process: the shape the Linux
// data plane's namespace shell will have. `cat` echoes without a prefix.
struct CatConnector {
  std::mutex mu;
  std::vector<pid_t> children;

  Result<Channel> operator()() {
    int in[2], out[2];
    if (::pipe2(in, O_CLOEXEC) != 0) return Error::io("pipe");
    if (::pipe2(out, O_CLOEXEC) != 0) {
      ::close(in[0]);
      ::close(in[1]);
      return Error::io("pipe");
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    char arg0[] = "cat";
    char* argv[] = {arg0, nullptr};
    pid_t pid = -1;
    int rc = ::posix_spawnp(&pid, "cat", &fa, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    ::close(in[0]);
    ::close(out[1]);
    Channel ch;
    ch.read = Fd(out[0]);
    ch.write = Fd(in[1]);
    if (rc != 0) return Error::unavailable("cannot spawn cat");
    std::lock_guard lock(mu);
    children.push_back(pid);
    return ch;
  }
  void reap() {
    std::lock_guard lock(mu);
    for (pid_t p : children) {
      int status = 0;
      EXPECT_EQ(::waitpid(p, &status, 0), p);
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    children.clear();
  }
};

TEST_F(PumpTest, PipeConnectorToAChildProcess) {
  CatConnector cat;
  {
    Relay pip = start_relay("pip");
    auto ticket = pip.issue(Target::local([&cat] { return cat(); }, "cat"), Millis(5000));
    ASSERT_TRUE(ticket.ok());
    auto s = connect(*ticket);
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_EQ(roundtrip(*s, "hello cat"), "hello cat");
    // Our EOF closes cat's stdin; cat exits and its stdout EOF comes back.
    ASSERT_TRUE(s->write("last words").ok());
    ASSERT_TRUE(s->shutdown_write().ok());
    EXPECT_EQ(read_to_eof(*s), "last words");
    EXPECT_TRUE(eventually([&] { return pip.stats().sessions_active == 0; }));
  }
  cat.reap();
}

TEST_F(PumpTest, AttachPumpsTerminalDescriptors) {
  Chain chain(2);
  auto s = connect(chain.issue("node-b"));
  ASSERT_TRUE(s.ok()) << s.error().message;
  Pipe in, out;
  ASSERT_TRUE(io::write_all(in.w.get(), "ls\npwd\n", io::Deadline::after(1s), -1).ok());
  in.w.reset();  // stdin ends: attach half-closes and prints the rest
  Status st = attach(*s, in.r.get(), out.w.get());
  EXPECT_TRUE(st.ok()) << st.error().message;
  out.w.reset();
  EXPECT_EQ(read_fd_to_eof(out.r.get()), "[node-b] ls\n[node-b] pwd\n");
  s->close();
  EXPECT_TRUE(eventually([&] { return chain.idle(); }));
}

TEST_F(PumpTest, AttachReturnsWhenTheConsoleHangsUp) {
  Relay vnp = start_relay("vnp");
  Relay pip = start_relay("pip");
  auto inner = pip.issue(Target::local(hang_up_connector("logout\n"), "vm"), Millis(1000));
  ASSERT_TRUE(inner.ok());
  auto outer = vnp.issue(Target::chain(*inner), Millis(1000));
  ASSERT_TRUE(outer.ok());
  auto s = connect(*outer);
  ASSERT_TRUE(s.ok()) << s.error().message;
  Pipe in, out;  // stdin stays open, as on a terminal
  Status st = attach(*s, in.r.get(), out.w.get());
  EXPECT_TRUE(st.ok()) << st.error().message;
  out.w.reset();
  EXPECT_EQ(read_fd_to_eof(out.r.get()), "logout\n");
  s->close();
  EXPECT_TRUE(eventually(
      [&] { return vnp.stats().sessions_active == 0 && pip.stats().sessions_active == 0; }));
}

TEST_F(PumpTest, AttachStopsOnStopFd) {
  Chain chain(1);
  auto s = connect(chain.issue());
  ASSERT_TRUE(s.ok()) << s.error().message;
  Pipe in, out;  // stdin stays open: only the stop fd ends the session
  auto stop = io::make_eventfd();
  ASSERT_TRUE(stop.ok());
  std::thread t([&] {
    std::this_thread::sleep_for(50ms);
    io::signal_eventfd(stop->get());
  });
  AttachOptions ao;
  ao.stop_fd = stop->get();
  Status st = attach(*s, in.r.get(), out.w.get(), ao);
  t.join();
  EXPECT_FALSE(st.ok());
  s->close();
  EXPECT_TRUE(eventually([&] { return chain.idle(); }));
}

}  // namespace
}  // namespace cloudnet::console::testing
