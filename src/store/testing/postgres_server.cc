#include "store/testing/postgres_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>
#include <vector>

namespace cloudnet::store::testing {
namespace {

namespace fs = std::filesystem;

bool executable(const fs::path& p) {
  return ::access(p.c_str(), X_OK) == 0;
}

bool has_server(const fs::path& dir) {
  return executable(dir / "initdb") && executable(dir / "postgres");
}

std::string pg_config_bindir() {
  FILE* f = ::popen("pg_config --bindir 2>/dev/null", "r");
  if (!f) return {};
  char buf[4096];
  std::string out;
  while (std::fgets(buf, sizeof buf, f)) out += buf;
  ::pclose(f);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

Result<std::string> find_bindir(const std::string& requested) {
  std::vector<std::string> tried;
  auto consider = [&](const std::string& dir) {
    if (dir.empty()) return false;
    tried.push_back(dir);
    return has_server(dir);
  };
  if (!requested.empty()) {
    if (consider(requested)) return requested;
  } else {
    if (const char* env = std::getenv("CLOUDNET_PG_BINDIR"); env && consider(env)) {
      return std::string(env);
    }
    if (std::string d = pg_config_bindir(); consider(d)) return d;
    // The newest Debian server installed.
    std::vector<std::pair<int, std::string>> found;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator("/usr/lib/postgresql", ec)) {
      int major = std::atoi(e.path().filename().c_str());
      if (major > 0 && has_server(e.path() / "bin")) found.emplace_back(major, e.path() / "bin");
    }
    std::sort(found.begin(), found.end());
    if (!found.empty()) return found.back().second;
    tried.push_back("/usr/lib/postgresql/*/bin");
  }
  std::string list;
  for (const auto& t : tried) list += (list.empty() ? "" : ", ") + t;
  return Error::unavailable(
      "PostgreSQL server binaries (initdb, postgres) not found (looked in " + list +
      "); install the Debian package 'postgresql' with scripts/install-deps.sh, or point "
      "CLOUDNET_PG_BINDIR at them");
}

std::string tail_of(const std::string& path, std::size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  if (s.size() > max_bytes) s = "..." + s.substr(s.size() - max_bytes);
  return s;
}

int free_tcp_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

struct SpawnOptions {
  std::string log_path;  // stdout and stderr go here (appended)
  bool drop_privileges = false;
  uid_t uid = 0;
  gid_t gid = 0;
  bool die_with_parent = false;  // SIGQUIT when the starting thread dies
};

// fork + exec; returns the child's pid.
Result<pid_t> spawn(const std::vector<std::string>& args, const SpawnOptions& o) {
  // Everything the child touches is prepared before fork(): after it only
  // async-signal-safe calls are allowed.
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const char* log = o.log_path.c_str();
  const pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) return Error::io(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    if (o.drop_privileges) {
      if (::setgroups(0, nullptr) != 0 || ::setgid(o.gid) != 0 || ::setuid(o.uid) != 0) {
        ::_exit(126);
      }
    }
    int out = ::open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (out >= 0) {
      ::dup2(out, 1);
      ::dup2(out, 2);
    }
    // Inherited sockets (the test's own connections) must not stay open in
    // the server, or a killed client would never look disconnected.
    ::close_range(3, ~0U, 0);
    if (o.die_with_parent) {
      // Set after setuid(): changing credentials clears it.
      ::prctl(PR_SET_PDEATHSIG, SIGQUIT);
      if (::getppid() != parent) ::_exit(125);
    }
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

Result<int> wait_exit(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return Error::io(std::string("waitpid: ") + std::strerror(errno));
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

// Recursively hands `root` to the server's user.
void chown_tree(const fs::path& root, uid_t uid, gid_t gid) {
  ::lchown(root.c_str(), uid, gid);
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    ::lchown(it->path().c_str(), uid, gid);
  }
}

// Memory when there is plenty (a cluster is ~30 MB of small files, and
// creating them on a busy disk takes seconds), else $TMPDIR or /tmp. Short
// paths only: the socket's path must fit in sun_path (108 bytes).
std::string choose_base_dir(const std::string& requested) {
  if (!requested.empty()) return requested;
  struct statvfs vfs {};
  if (::statvfs("/dev/shm", &vfs) == 0 && ::access("/dev/shm", W_OK) == 0 &&
      static_cast<double>(vfs.f_bavail) * static_cast<double>(vfs.f_frsize) >=
          1024.0 * 1024 * 1024) {
    return "/dev/shm";
  }
  if (const char* t = std::getenv("TMPDIR"); t && *t && std::strlen(t) < 60) return t;
  return "/tmp";
}

const std::vector<std::string>& initdb_options() {
  // A 1 MB WAL segment instead of 16 MB: a smaller cluster to create or copy.
  static const std::vector<std::string> options = {
      "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C", "--wal-segsize=1"};
  return options;
}

std::string cache_key(const std::string& bindir) {
  struct stat st {};
  std::string postgres = bindir + "/postgres";
  ::stat(postgres.c_str(), &st);
  std::string id = bindir + ":" + std::to_string(st.st_mtime) + ":" + std::to_string(st.st_size);
  for (const std::string& o : initdb_options()) id += " " + o;
  std::size_t h = std::hash<std::string>{}(id);
  char buf[32];
  std::snprintf(buf, sizeof buf, "pgdata-%016zx", h);
  return buf;
}

}  // namespace

Result<std::unique_ptr<PostgresServer>> PostgresServer::start(Options options) {
  std::unique_ptr<PostgresServer> s(new PostgresServer());
  s->options_ = options;
  auto bindir = find_bindir(options.bindir);
  if (!bindir) return bindir.error();
  s->bindir_ = *bindir;

  if (::geteuid() == 0) {
    // PostgreSQL refuses to run as root.
    struct passwd* pw = ::getpwnam("postgres");
    if (!pw) {
      return Error::unavailable(
          "running as root, the PostgreSQL test server needs the 'postgres' system user "
          "(created by the Debian package 'postgresql')");
    }
    s->drop_privileges_ = true;
    s->uid_ = pw->pw_uid;
    s->gid_ = pw->pw_gid;
  }

  std::string templ = choose_base_dir(options.base_dir) + "/cloudnet-pg-XXXXXX";
  if (!::mkdtemp(templ.data())) {
    return Error::io("mkdtemp " + templ + ": " + std::strerror(errno));
  }
  s->dir_ = templ;
  if (s->drop_privileges_ && ::chown(s->dir_.c_str(), s->uid_, s->gid_) != 0) {
    return Error::io("chown " + s->dir_ + ": " + std::strerror(errno));
  }

  const fs::path data = fs::path(s->dir_) / "data";
  bool from_cache = false;
  fs::path cached;
  if (!options.template_cache.empty()) {
    cached = fs::path(options.template_cache) / cache_key(s->bindir_);
    std::error_code ec;
    if (fs::exists(cached / "PG_VERSION", ec)) {
      fs::copy(cached, data, fs::copy_options::recursive | fs::copy_options::copy_symlinks, ec);
      if (!ec) {
        fs::permissions(data, fs::perms::owner_all, ec);
        if (s->drop_privileges_) chown_tree(data, s->uid_, s->gid_);
        from_cache = true;
      } else {
        fs::remove_all(data, ec);
      }
    }
  }
  if (!from_cache) {
    SpawnOptions so{s->dir_ + "/initdb.log", s->drop_privileges_, s->uid_, s->gid_, false};
    std::vector<std::string> args = {s->bindir_ + "/initdb", "-D", data.string()};
    args.insert(args.end(), initdb_options().begin(), initdb_options().end());
    auto pid = spawn(args, so);
    if (!pid) return pid.error();
    auto rc = wait_exit(*pid);
    if (!rc) return rc.error();
    if (*rc != 0) {
      return Error::unavailable("initdb failed (exit " + std::to_string(*rc) +
                                "): " + tail_of(so.log_path, 2000));
    }
    if (!cached.empty()) {
      // Publish atomically: a half-copied template is never seen.
      std::error_code ec;
      fs::create_directories(cached.parent_path(), ec);
      fs::path tmp = cached;
      tmp += ".tmp" + std::to_string(::getpid());
      fs::copy(data, tmp, fs::copy_options::recursive | fs::copy_options::copy_symlinks, ec);
      if (!ec) fs::rename(tmp, cached, ec);
      if (ec) fs::remove_all(tmp, ec);  // another test published it first
    }
  }

  s->port_ = options.tcp ? free_tcp_port() : 5432;
  if (s->port_ == 0) return Error::io("no free TCP port on 127.0.0.1");
  if (Status st = s->launch(); !st) return st.error();
  return s;
}

Status PostgresServer::launch() {
  const std::string data = dir_ + "/data";
  std::vector<std::string> args = {
      bindir_ + "/postgres",
      "-D",
      data,
      "-k",
      dir_,
      "-p",
      std::to_string(port_),
      "-c",
      std::string("listen_addresses=") + (options_.tcp ? "127.0.0.1" : ""),
      "-c",
      std::string("fsync=") + (options_.fsync ? "on" : "off"),
      "-c",
      "shared_buffers=16MB",
      "-c",
      "max_connections=60",
      "-c",
      "log_min_messages=warning",
  };
  SpawnOptions so{dir_ + "/server.log", drop_privileges_, uid_, gid_, true};
  auto pid = spawn(args, so);
  if (!pid) return pid.error();
  pid_ = *pid;

  const std::string ping = "host=" + dir_ + " port=" + std::to_string(port_) +
                           " dbname=postgres user=postgres connect_timeout=2";
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(options_.start_timeout_s);
  for (;;) {
    if (PQping(ping.c_str()) == PQPING_OK) return Status::Ok();
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return Error::unavailable("the PostgreSQL test server exited during startup: " +
                                log_tail(2000));
    }
    if (std::chrono::steady_clock::now() > deadline) {
      (void)stop(SIGQUIT);
      return Error::unavailable("the PostgreSQL test server did not accept connections within " +
                                std::to_string(options_.start_timeout_s) + " s: " + log_tail(2000));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

Status PostgresServer::stop(int signal) {
  if (pid_ <= 0) return Status::Ok();
  ::kill(pid_, signal);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_ || (r < 0 && errno == ECHILD)) break;
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  pid_ = -1;
  return Status::Ok();
}

PostgresServer::~PostgresServer() {
  (void)stop(SIGQUIT);
  if (!dir_.empty()) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
}

Status PostgresServer::crash() {
  return stop(SIGQUIT);
}

Status PostgresServer::restart() {
  if (pid_ > 0) return Status::Ok();
  return launch();
}

std::string PostgresServer::url(std::string_view name) const {
  return "postgresql://postgres@/" + std::string(name) + "?host=" + dir_ +
         "&port=" + std::to_string(port_);
}

std::string PostgresServer::tcp_url(std::string_view name) const {
  if (!options_.tcp) return {};
  return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + std::string(name);
}

std::string PostgresServer::log_tail(std::size_t max_bytes) const {
  return tail_of(dir_ + "/server.log", max_bytes);
}

Status PostgresServer::admin(std::string_view sql) const {
  PGconn* conn = PQconnectdb(url("postgres").c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(conn);
    PQfinish(conn);
    return Error::unavailable("test server: connect: " + msg);
  }
  PGresult* res = PQexec(conn, std::string(sql).c_str());
  ExecStatusType st = PQresultStatus(res);
  std::string msg = PQresultErrorMessage(res);
  PQclear(res);
  PQfinish(conn);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    return Error::internal("test server: " + std::string(sql) + ": " + msg);
  }
  return Status::Ok();
}

Result<std::string> PostgresServer::create_database(std::string_view name) {
  bool ok = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
  if (!ok) return Error::invalid("test database name '" + std::string(name) + "': use [a-z0-9_]");
  if (Status s = admin("CREATE DATABASE \"" + std::string(name) + "\""); !s) return s.error();
  return url(name);
}

}  // namespace cloudnet::store::testing
