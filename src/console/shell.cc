#include "console/shell.h"

#include <cctype>
#include <chrono>

namespace cloudnet::console {

Result<Shell> Shell::open(const Ticket& ticket) {
  const auto t0 = std::chrono::steady_clock::now();
  auto stream = connect(ticket);
  if (!stream) return stream.error();
  Shell shell;
  shell.stream_ = std::move(*stream);
  shell.connect_ms_ =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  return shell;
}

Result<std::pair<std::string, int>> Shell::run(const std::string& command, Millis timeout) {
  const std::string marker = "__done ";
  // "cmd &; echo" is a syntax error: a command put in the background ends
  // the list itself.
  const bool background = command.find_last_not_of(" \t") != std::string::npos &&
                          command[command.find_last_not_of(" \t")] == '&';
  const std::string line = command + (background ? " " : "; ") + "echo \"" + marker + "$?__\"\n";
  if (auto st = stream_.write(line); !st) return st.error();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[4096];
  for (;;) {
    // The marker followed by digits: the shell's output, not the echo.
    for (std::size_t at = buffer_.find(marker); at != std::string::npos;
         at = buffer_.find(marker, at + 1)) {
      const std::size_t digits = at + marker.size();
      std::size_t end = digits;
      while (end < buffer_.size() && std::isdigit(static_cast<unsigned char>(buffer_[end]))) ++end;
      if (end == digits || buffer_.compare(end, 2, "__") != 0) continue;
      std::string out = buffer_.substr(0, at);
      const int code = std::stoi(buffer_.substr(digits, end - digits));
      buffer_.erase(0, end + 2);
      // Drop the echoed command line (up to its first newline).
      if (auto nl = out.find('\n'); nl != std::string::npos) out.erase(0, nl + 1);
      return std::make_pair(out, code);
    }
    const auto left =
        std::chrono::duration_cast<Millis>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return Error::unavailable("console: no answer to '" + command + "'");
    auto n = stream_.read(buf, sizeof buf, left);
    if (!n) return n.error();
    if (*n == 0) return Error::unavailable("console: closed while running '" + command + "'");
    buffer_.append(buf, *n);
  }
}

}  // namespace cloudnet::console
