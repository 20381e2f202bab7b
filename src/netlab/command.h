// Running the kernel's own tools (iproute2's ip/tc/bridge, unshare, nsenter)
// without a shell: argv goes to execvp as is, so no name from a FleRD
// document is ever interpreted by a shell. iproute2 keeps this library small
// and its actions readable in errors and logs (every error names the command
// line and what the tool printed on stderr); the same commands work on a real
// substrate host over a remote shell later.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "common/result.h"

namespace cloudnet::netlab {

struct CommandOutput {
  int exit_code = 0;  // 128 + signal when the command was killed by one
  std::string out;
  std::string err;
};

struct RunOptions {
  // The command is killed (SIGKILL) after this long and the call fails.
  std::chrono::milliseconds timeout{30'000};
  std::string input;  // written to the command's stdin, then closed
  // cgroup.procs descriptors (Cgroup::open_procs) the child joins before
  // exec, so the command and its children count against a node's limits.
  std::vector<int> join_cgroups;
};

// "ip -n cn-t1-s-h1 link add ..." (arguments with spaces quoted), for messages.
std::string command_line(const std::vector<std::string>& argv);

// Runs argv[0] (looked up in PATH) and waits for it. Fails only if the command
// cannot be started, is killed by the timeout, or its output cannot be read;
// a non-zero exit is a value in CommandOutput.
Result<CommandOutput> run(const std::vector<std::string>& argv, const RunOptions& options = {});

// Like run, but a non-zero exit is an error too: kUnavailable with the
// command line, the exit code and stderr. Returns stdout.
Result<std::string> run_ok(const std::vector<std::string>& argv, const RunOptions& options = {});

// Status-only shorthand for run_ok.
Status check(const std::vector<std::string>& argv, const RunOptions& options = {});

// Closes every descriptor from 3 up in a freshly forked child (so a
// long-lived process never holds a pipe of a command run by another thread).
// Async-signal-safe.
void close_inherited_fds();

// Waits for pid (our child) for up to `timeout`; true if it was reaped.
bool reap(pid_t pid, std::chrono::milliseconds timeout, int* status = nullptr);

}  // namespace cloudnet::netlab
