// Commands through a console (thesis 3.3.5): a shell session on a virtual
// node reached with a console ticket, for programs that drive a node the
// way a customer would by hand (the demo, end-to-end tests). The node's
// console must be an interactive POSIX shell (the Linux data plane's is
// /bin/sh on a pseudo-terminal).
#pragma once

#include <string>
#include <utility>

#include "common/result.h"
#include "console/client.h"
#include "console/relay.h"

namespace cloudnet::console {

class Shell {
 public:
  // Redeems the ticket at its relay (console::connect).
  static Result<Shell> open(const Ticket& ticket);
  // connect() plus the chain's handshake, in milliseconds.
  double connect_ms() const { return connect_ms_; }

  // Runs `command` and waits for it: its output (the terminal's echo of
  // the command line dropped) and exit code. The shell prints the end
  // marker itself ("__done <code>__"), so the echo of the typed line, which
  // holds "$?" unexpanded, never matches it.
  Result<std::pair<std::string, int>> run(const std::string& command,
                                          Millis timeout = Millis(20000));

 private:
  Stream stream_;
  std::string buffer_;
  double connect_ms_ = 0;
};

}  // namespace cloudnet::console
