// A private PostgreSQL server for tests: a fresh cluster in a temporary
// directory, listening on a unix socket there (and, on request, on a free
// TCP port of 127.0.0.1), trust authentication, superuser "postgres".
//
//   auto server = PostgresServer::start();
//   ASSERT_TRUE(server.ok()) << server.error().message;   // fails, never skips
//   auto url = (*server)->create_database("t1");           // postgresql://...
//
// Running as root, initdb and postgres run as the `postgres` system user
// (PostgreSQL refuses root); the directory is owned by it. Destruction stops
// the server (immediate shutdown) and removes the directory; the server also
// gets SIGQUIT if the thread that started it dies, so a crashed test leaves
// no server behind.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"

namespace cloudnet::store::testing {

class PostgresServer {
 public:
  struct Options {
    // Where initdb, postgres and pg_ctl live; empty: $CLOUDNET_PG_BINDIR,
    // then `pg_config --bindir`, then the newest /usr/lib/postgresql/*/bin.
    std::string bindir;
    // A directory where a freshly initialised cluster is kept and copied
    // from next time (initdb takes seconds; a copy takes milliseconds).
    // Empty: run initdb every time.
    std::string template_cache;
    // Where the temporary directory goes; empty: /dev/shm when it has 1 GB
    // free (fast), else $TMPDIR or /tmp.
    std::string base_dir;
    // Also listen on 127.0.0.1 at a free port.
    bool tcp = false;
    // fsync=off: a test's kill -9 of a process loses nothing with it (the
    // kernel keeps the written pages); only a machine crash would.
    bool fsync = false;
    // Seconds to wait for the server to accept connections.
    int start_timeout_s = 30;
  };

  static Result<std::unique_ptr<PostgresServer>> start(Options options);
  static Result<std::unique_ptr<PostgresServer>> start() { return start(Options{}); }
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // Creates database `name` and returns its URL.
  Result<std::string> create_database(std::string_view name);
  // The URL of database `name` (over the unix socket).
  std::string url(std::string_view name) const;
  // The URL over TCP (Options::tcp), empty otherwise.
  std::string tcp_url(std::string_view name) const;
  // Runs one SQL command as superuser in database "postgres" (for
  // ALTER DATABASE and the like).
  Status admin(std::string_view sql) const;

  // Simulates a crash: SIGQUIT makes the postmaster stop at once without a
  // checkpoint, so the next start replays the WAL.
  Status crash();
  // Starts the server again on the same directory and port.
  Status restart();

  const std::string& dir() const { return dir_; }
  int port() const { return port_; }
  // The server's log (for failure messages).
  std::string log_tail(std::size_t max_bytes = 4000) const;

 private:
  PostgresServer() = default;
  Status launch();
  Status stop(int signal);

  Options options_;
  std::string bindir_;
  std::string dir_;  // the temporary root: data/, the socket, the log
  int port_ = 0;
  pid_t pid_ = -1;
  uid_t uid_ = 0;  // the server's user when we are root
  gid_t gid_ = 0;
  bool drop_privileges_ = false;
};

}  // namespace cloudnet::store::testing
