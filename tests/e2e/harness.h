// What the end-to-end suites (pip_e2e_test, vnp_e2e_test) share: real
// `cloudnetd` and `cloudnet` processes, each test in its own temporary
// directory. Written against the daemon's documented behaviour
// (src/daemon/main.cc): once serving it prints
// "cloudnetd: <role> <name> listening on http(s)://127.0.0.1:PORT".
//
// src/daemon/test/daemon_process.h is the daemon's own, smaller harness: it
// inherits stderr, blocks on the start line and hands back exit statuses,
// which is what its tests check; these suites instead keep each daemon's
// stderr for the failure report and must not hang on a daemon that does not
// start or stop.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <utility>

// The binaries under test (tests/CMakeLists.txt); empty when not built, and
// the suites skip themselves then.
#ifndef CLOUDNETD_BIN
#define CLOUDNETD_BIN ""
#endif
#ifndef CLOUDNET_BIN
#define CLOUDNET_BIN ""
#endif

namespace cloudnet::e2e {

inline std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
}

// A fresh directory /tmp/<prefix>-XXXXXX; empty when it cannot be made.
inline std::string make_temp_dir(const std::string& prefix) {
  std::string tmpl = "/tmp/" + prefix + "-XXXXXX";
  return ::mkdtemp(tmpl.data()) != nullptr ? tmpl : std::string();
}

// Removes a test's directory, also after a failure, unless
// CLOUDNET_E2E_KEEP is set (to look at the stores and logs afterwards).
inline void remove_temp_dir(const std::string& dir) {
  std::error_code ec;
  if (!dir.empty() && std::getenv("CLOUDNET_E2E_KEEP") == nullptr)
    std::filesystem::remove_all(dir, ec);
}

// One `cloudnetd <role> --config <dir>/<role>.yaml` process; its stderr is
// appended to <dir>/stderr.log (kept across restarts, printed on failure).
// start() may be called again after stop() or kill9(), on the same store.
// The destructor kills the process (SIGKILL: a test's state is in the
// stores, which survive that by design); the directory is the caller's.
class DaemonProcess {
 public:
  DaemonProcess(std::string role, std::string dir) : role_(std::move(role)), dir_(std::move(dir)) {}
  ~DaemonProcess() { stop(SIGKILL); }
  DaemonProcess(const DaemonProcess&) = delete;
  DaemonProcess& operator=(const DaemonProcess&) = delete;

  std::string config() const { return dir_ + "/" + role_ + ".yaml"; }
  std::string db() const { return dir_ + "/" + role_ + ".db"; }
  std::string log_file() const { return dir_ + "/stderr.log"; }
  std::string log() const { return read_text(log_file()); }
  const std::string& url() const { return url_; }
  int port() const { return std::stoi(url_.substr(url_.rfind(':') + 1)); }
  bool running() const { return pid_ > 0; }

  // Starts the daemon and waits (at most 60 s) for its start line.
  ::testing::AssertionResult start() {
    using namespace std::chrono_literals;
    if (pid_ > 0) return ::testing::AssertionFailure() << "already running";
    int out[2];
    if (::pipe(out) != 0) return ::testing::AssertionFailure() << "pipe";
    const std::string cfg = config();
    const std::string err_file = log_file();
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out[1], 1);
      int err = ::open(err_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (err >= 0) ::dup2(err, 2);
      ::close(out[0]);
      ::execl(CLOUDNETD_BIN, CLOUDNETD_BIN, role_.c_str(), "--config", cfg.c_str(),
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(out[1]);
    std::string line;
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (line.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
      pollfd p{out[0], POLLIN, 0};
      if (::poll(&p, 1, 200) <= 0) continue;
      char buf[256];
      ssize_t n = ::read(out[0], buf, sizeof buf);
      if (n <= 0) break;
      line.append(buf, static_cast<std::size_t>(n));
    }
    ::close(out[0]);
    const std::string marker = "cloudnetd: " + role_ + " ";
    const std::string listening = " listening on ";
    auto pos = line.find(listening);
    if (line.rfind(marker, 0) != 0 || pos == std::string::npos) {
      stop(SIGKILL);
      return ::testing::AssertionFailure() << "cloudnetd " << role_ << " did not start; stdout: '"
                                           << line << "'\nstderr: " << log();
    }
    url_ = line.substr(pos + listening.size());
    url_ = url_.substr(0, url_.find('\n'));
    return ::testing::AssertionSuccess();
  }

  // Sends `sig` and reaps the process. A daemon still there after `grace`
  // gets SIGKILL (one that hangs must not hang the test) and the answer is
  // false; true when it exited by itself, or was not running.
  bool stop(int sig, std::chrono::milliseconds grace = std::chrono::seconds(10)) {
    if (pid_ <= 0) return true;
    ::kill(pid_, sig);
    int status = 0;
    bool exited = true;
    const auto deadline = std::chrono::steady_clock::now() + grace;
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        exited = false;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    pid_ = -1;
    return exited;
  }
  void kill9() { stop(SIGKILL); }

  // The stderr log, framed, to std::cerr: for the report of a failed test.
  void print_log(const std::string& name) const {
    std::cerr << "--- " << name << " stderr (" << log_file() << ") ---\n"
              << log() << "--- end ---\n";
  }

 private:
  std::string role_;
  std::string dir_;
  std::string url_;
  pid_t pid_ = -1;
};

// What the `cloudnet` CLI exited with and printed on stdout.
struct CliResult {
  int rc = -1;
  std::string out;
};

// Runs `cloudnet <args>` with `stdin_text` as its stdin (through
// <dir>/cli-stdin) and its stderr appended to <dir>/cli-stderr.log.
inline CliResult run_cli(const std::string& dir, const std::string& args,
                         const std::string& stdin_text = "") {
  const std::string in = dir + "/cli-stdin";
  write_text(in, stdin_text);
  const std::string cmd =
      std::string(CLOUDNET_BIN) + " " + args + " < " + in + " 2>>" + dir + "/cli-stderr.log";
  CliResult r;
  FILE* f = ::popen(cmd.c_str(), "r");
  if (!f) return r;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) r.out.append(buf, n);
  const int status = ::pclose(f);
  r.rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace cloudnet::e2e
