// Starting cloudnetd as a child process in tests.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <regex>
#include <string>

namespace cloudnet::daemon::test {

namespace fs = std::filesystem;

struct Daemon {
  pid_t pid = -1;
  int port = 0;
  std::string line;
  ~Daemon() {
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  }
  int stop(int sig) {
    ::kill(pid, sig);
    int status = 0;
    ::waitpid(pid, &status, 0);
    pid = -1;
    return status;
  }
};

// Starts `cloudnetd <role>` and reads its first stdout line (the listening
// line).
inline bool start(Daemon& d, const std::string& config, std::string* err,
                  const std::string& role = "pip") {
  int out[2];
  if (::pipe(out) != 0) return false;
  d.pid = ::fork();
  if (d.pid == 0) {
    ::dup2(out[1], 1);
    ::close(out[0]);
    ::close(out[1]);
    std::string bin = std::string(CLOUDNET_BINARY_DIR) + "/bin/cloudnetd";
    ::execl(bin.c_str(), bin.c_str(), role.c_str(), "--config", config.c_str(), nullptr);
    ::_exit(127);
  }
  ::close(out[1]);
  std::string line;
  char ch;
  while (::read(out[0], &ch, 1) == 1 && ch != '\n') line += ch;
  ::close(out[0]);
  d.line = line;
  std::smatch m;
  const std::regex re("^cloudnetd: " + role +
                      " (\\S+) listening on https?://127\\.0\\.0\\.1:(\\d+)$");
  if (!std::regex_match(line, m, re)) {
    *err = "unexpected first line: '" + line + "'";
    return false;
  }
  d.port = std::stoi(m[2]);
  return true;
}

// Runs `cloudnetd <role>` on `config` to its end (stderr discarded: the
// tests that use this expect it to refuse) and returns its wait status.
inline int run_to_exit(const std::string& role, const std::string& config) {
  pid_t pid = ::fork();
  if (pid == 0) {
    int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, 2);
    std::string bin = std::string(CLOUDNET_BINARY_DIR) + "/bin/cloudnetd";
    ::execl(bin.c_str(), bin.c_str(), role.c_str(), "--config", config.c_str(), nullptr);
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}

}  // namespace cloudnet::daemon::test
