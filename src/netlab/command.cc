#include "netlab/command.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

namespace cloudnet::netlab {

namespace {

std::string errno_text(const char* what) {
  return std::string(what) + ": " + std::strerror(errno);
}

struct Pipe {
  int fd[2] = {-1, -1};
  ~Pipe() { close_all(); }
  void close_all() {
    for (int& f : fd)
      if (f >= 0) {
        ::close(f);
        f = -1;
      }
  }
  void close_end(int i) {
    if (fd[i] >= 0) ::close(fd[i]);
    fd[i] = -1;
  }
};

// Blocks SIGPIPE on the calling thread for its lifetime; a SIGPIPE raised
// meanwhile for this thread is consumed, not delivered.
class SigpipeGuard {
 public:
  explicit SigpipeGuard(bool active) : active_(active) {
    if (!active_) return;
    sigset_t pipe_set;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    ::pthread_sigmask(SIG_BLOCK, &pipe_set, &old_);
  }
  ~SigpipeGuard() {
    if (!active_) return;
    sigset_t pipe_set;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    if (sigismember(&pending, SIGPIPE) && !sigismember(&old_, SIGPIPE)) {
      const timespec zero{0, 0};
      while (::sigtimedwait(&pipe_set, nullptr, &zero) == -1 && errno == EINTR) {
      }
    }
    ::pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SigpipeGuard(const SigpipeGuard&) = delete;
  SigpipeGuard& operator=(const SigpipeGuard&) = delete;

 private:
  bool active_;
  sigset_t old_{};
};

}  // namespace

std::string command_line(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) {
    if (!out.empty()) out += ' ';
    if (a.empty() || a.find_first_of(" \t\"'\\$") != std::string::npos) {
      out += '\'';
      for (char c : a) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
      out += '\'';
    } else {
      out += a;
    }
  }
  return out;
}

void close_inherited_fds() {
#ifdef SYS_close_range
  if (::syscall(SYS_close_range, 3U, ~0U, 0U) == 0) return;
#endif
  const long max = ::sysconf(_SC_OPEN_MAX);
  for (long f = 3; f < (max > 0 ? max : 1024); ++f) ::close(static_cast<int>(f));
}

bool reap(pid_t pid, std::chrono::milliseconds timeout, int* status) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int st = 0;
    const pid_t r = ::waitpid(pid, &st, WNOHANG);
    if (r == pid) {
      if (status) *status = st;
      return true;
    }
    if (r < 0 && errno != EINTR) return errno == ECHILD;  // not ours, or already reaped
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

Result<CommandOutput> run(const std::vector<std::string>& argv, const RunOptions& options) {
  if (argv.empty()) return Error::invalid("run: empty command");
  Pipe in, out, err;
  if (::pipe2(in.fd, O_CLOEXEC) != 0 || ::pipe2(out.fd, O_CLOEXEC) != 0 ||
      ::pipe2(err.fd, O_CLOEXEC) != 0)
    return Error::io(errno_text("pipe"));
  // Everything the child needs is built before fork: after fork in a
  // threaded process only async-signal-safe calls are allowed.
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  const pid_t pid = ::fork();
  if (pid < 0) return Error::unavailable(errno_text("fork") + " for " + command_line(argv));
  if (pid == 0) {
    for (int fd : options.join_cgroups)
      if (::write(fd, "0", 1) != 1) ::_exit(126);
    ::dup2(in.fd[0], 0);
    ::dup2(out.fd[1], 1);
    ::dup2(err.fd[1], 2);
    close_inherited_fds();
    ::signal(SIGPIPE, SIG_DFL);
    ::execvp(args[0], args.data());
    const char msg[] = "exec failed\n";
    [[maybe_unused]] auto w = ::write(2, msg, sizeof msg - 1);
    ::_exit(127);
  }
  in.close_end(0);
  out.close_end(1);
  err.close_end(1);

  CommandOutput result;
  std::size_t written = 0;
  if (options.input.empty()) in.close_end(1);
  // A command that exits before reading all its input (`ip -batch` stops at
  // its first error) would raise SIGPIPE on our write and kill the caller:
  // block it on this thread, and swallow one that arrived before unblocking.
  SigpipeGuard sigpipe_guard(!options.input.empty());
  const auto deadline = std::chrono::steady_clock::now() + options.timeout;
  bool timed_out = false;
  while (out.fd[0] >= 0 || err.fd[0] >= 0) {
    pollfd fds[3];
    int n = 0;
    int idx_out = -1, idx_err = -1, idx_in = -1;
    if (out.fd[0] >= 0) fds[idx_out = n++] = {out.fd[0], POLLIN, 0};
    if (err.fd[0] >= 0) fds[idx_err = n++] = {err.fd[0], POLLIN, 0};
    if (in.fd[1] >= 0) fds[idx_in = n++] = {in.fd[1], POLLOUT, 0};
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    const int r = ::poll(fds, static_cast<nfds_t>(n), static_cast<int>(left.count()));
    if (r < 0) {
      if (errno == EINTR) continue;
      ::kill(pid, SIGKILL);
      reap(pid, std::chrono::seconds(5));
      return Error::io(errno_text("poll") + " for " + command_line(argv));
    }
    char buf[16384];
    auto drain = [&](int idx, Pipe& p, std::string& into) {
      if (idx < 0 || !(fds[idx].revents & (POLLIN | POLLHUP | POLLERR))) return;
      const ssize_t got = ::read(p.fd[0], buf, sizeof buf);
      if (got > 0)
        into.append(buf, static_cast<std::size_t>(got));
      else if (got == 0 || errno != EINTR)
        p.close_end(0);
    };
    drain(idx_out, out, result.out);
    drain(idx_err, err, result.err);
    if (idx_in >= 0 && (fds[idx_in].revents & (POLLOUT | POLLERR | POLLHUP))) {
      const ssize_t w =
          ::write(in.fd[1], options.input.data() + written, options.input.size() - written);
      if (w > 0) written += static_cast<std::size_t>(w);
      if (w < 0 || written >= options.input.size()) in.close_end(1);
    }
  }
  if (timed_out) ::kill(pid, SIGKILL);
  int status = 0;
  // The pipes closed, so the command has (nearly) exited; a command that
  // closed its output early but keeps running is killed at the deadline.
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (reap(pid, std::max(left, std::chrono::milliseconds(0)), &status)) break;
    ::kill(pid, SIGKILL);
    timed_out = true;
    reap(pid, std::chrono::seconds(5), &status);
    break;
  }
  if (timed_out)
    return Error::unavailable(command_line(argv) + ": timed out after " +
                              std::to_string(options.timeout.count()) + " ms");
  if (WIFEXITED(status))
    result.exit_code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status))
    result.exit_code = 128 + WTERMSIG(status);
  if (result.exit_code == 127 && result.err == "exec failed\n")
    return Error::unavailable(command_line(argv) + ": cannot execute " + argv[0]);
  return result;
}

Result<std::string> run_ok(const std::vector<std::string>& argv, const RunOptions& options) {
  auto r = run(argv, options);
  if (!r) return r.error();
  if (r->exit_code != 0) {
    std::string err = r->err;
    while (!err.empty() && (err.back() == '\n' || err.back() == ' ')) err.pop_back();
    std::string msg = "`";
    msg += command_line(argv);
    msg += "` failed (exit ";
    msg += std::to_string(r->exit_code);
    msg += ")";
    if (!err.empty()) msg += ": " + err;
    return Error::unavailable(std::move(msg));
  }
  return std::move(r->out);
}

Status check(const std::vector<std::string>& argv, const RunOptions& options) {
  auto r = run_ok(argv, options);
  if (!r) return r.error();
  return Status::Ok();
}

}  // namespace cloudnet::netlab
