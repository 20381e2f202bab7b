#include "netlab/kernel.h"

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "netlab/rootfs.h"

namespace cloudnet::netlab {

namespace {

std::string errno_text(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

Status write_file(const std::string& path, const std::string& value) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return Error::io(errno_text("open " + path));
  const ssize_t w = ::write(fd, value.data(), value.size());
  const int saved = errno;
  ::close(fd);
  if (w != static_cast<ssize_t>(value.size())) {
    errno = saved;
    return Error::io(errno_text("write '" + value + "' to " + path));
  }
  return Status::Ok();
}

Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Error::io("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> list_dir(const std::string& path, bool dirs_only) {
  std::vector<std::string> out;
  DIR* d = ::opendir(path.c_str());
  if (!d) return out;
  while (dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    if (dirs_only && e->d_type != DT_DIR) continue;
    out.push_back(name);
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

bool is_dir(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

Status mkdir_p(const std::string& path) {
  std::string cur;
  std::size_t pos = 0;
  while (pos != std::string::npos) {
    pos = path.find('/', pos + 1);
    cur = path.substr(0, pos);
    if (cur.empty() || is_dir(cur)) continue;
    if (::mkdir(cur.c_str(), 0755) != 0 && errno != EEXIST)
      return Error::io(errno_text("mkdir " + cur));
  }
  return Status::Ok();
}

// rmdir with retries: a memory group stays busy for a moment after its last
// task exits.
Status rmdir_retry(const std::string& path) {
  for (int i = 0; i < 200; ++i) {
    if (::rmdir(path.c_str()) == 0 || errno == ENOENT) return Status::Ok();
    if (errno != EBUSY) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return Error::io(errno_text("rmdir " + path));
}

std::vector<pid_t> parse_pids(const std::string& text) {
  std::vector<pid_t> out;
  std::istringstream in(text);
  long p = 0;
  while (in >> p)
    if (p > 0) out.push_back(static_cast<pid_t>(p));
  return out;
}

void append_error(std::string& all, const Status& st) {
  if (st.ok()) return;
  if (!all.empty()) all += "; ";
  all += st.error().message;
}

}  // namespace

// ---- network namespaces -------------------------------------------------

bool netns_exists(const std::string& name) {
  struct stat st {};
  return ::stat(("/run/netns/" + name).c_str(), &st) == 0;
}

Status add_netns(const std::string& name) {
  if (netns_exists(name)) return Error::conflict("network namespace " + name + " exists already");
  if (auto st = check({"ip", "netns", "add", name}); !st) return st;
  return ip(name, {"link", "set", "lo", "up"});
}

Status delete_netns(const std::string& name) {
  if (!netns_exists(name)) return Status::Ok();
  // A namespace lives on while a process is in it; `ip netns exec` children
  // (a test's ping) and strays of a crashed run would keep its interfaces.
  if (auto pids = run_ok({"ip", "netns", "pids", name}); pids)
    for (pid_t p : parse_pids(*pids))
      if (p != ::getpid()) ::kill(p, SIGKILL);
  auto st = check({"ip", "netns", "delete", name});
  if (!st && !netns_exists(name)) return Status::Ok();
  return st;
}

Result<std::vector<std::string>> list_netns() {
  // /run/netns holds one bind mount per named namespace; reading the folder
  // avoids parsing `ip netns list` (which adds "(id: N)").
  return list_dir("/run/netns", false);
}

Status ip(const std::string& ns, std::vector<std::string> args) {
  std::vector<std::string> argv = {"ip"};
  if (!ns.empty()) argv.insert(argv.end(), {"-n", ns});
  argv.insert(argv.end(), args.begin(), args.end());
  return check(argv);
}

Status tc(const std::string& ns, std::vector<std::string> args) {
  std::vector<std::string> argv = {"tc"};
  if (!ns.empty()) argv.insert(argv.end(), {"-n", ns});
  argv.insert(argv.end(), args.begin(), args.end());
  return check(argv);
}

Result<CommandOutput> exec_in_netns(const std::string& ns, const std::vector<std::string>& argv,
                                    std::chrono::milliseconds timeout) {
  std::vector<std::string> full = {"ip", "netns", "exec", ns};
  full.insert(full.end(), argv.begin(), argv.end());
  RunOptions options;
  options.timeout = timeout;
  return run(full, options);
}

Status in_netns(const std::string& ns, const std::function<Status()>& fn) {
  Status result;
  std::thread t([&] {
    const int fd = ::open(("/run/netns/" + ns).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      result = Error::not_found(errno_text("network namespace " + ns));
      return;
    }
    const int r = ::setns(fd, CLONE_NEWNET);
    const int saved = errno;
    ::close(fd);
    if (r != 0) {
      errno = saved;
      result = Error::unavailable(errno_text("setns into " + ns));
      return;
    }
    result = fn();
  });
  t.join();
  return result;
}

Result<int> socket_in_netns(const std::string& ns, int domain, int type) {
  int fd = -1;
  auto st = in_netns(ns, [&]() -> Status {
    fd = ::socket(domain, type | SOCK_CLOEXEC, 0);
    if (fd < 0) return Error::io(errno_text("socket in " + ns));
    return Status::Ok();
  });
  if (!st) return st.error();
  return fd;
}

Status set_sysctl(const std::string& ns, const std::string& key, const std::string& value) {
  std::string path = "/proc/sys/" + key;
  std::replace(path.begin() + 10, path.end(), '.', '/');
  // /proc/sys/net follows the network namespace of the opening thread.
  return in_netns(ns, [&] { return write_file(path, value); });
}

Result<LinkCounters> link_counters(const std::string& ns, const std::string& dev) {
  std::vector<std::string> argv = {"ip"};
  if (!ns.empty()) argv.insert(argv.end(), {"-n", ns});
  argv.insert(argv.end(), {"-s", "-j", "link", "show", "dev", dev});
  auto out = run_ok(argv);
  if (!out) return out.error();
  auto j = nlohmann::json::parse(*out, nullptr, false);
  if (j.is_discarded() || !j.is_array() || j.empty() || !j[0].contains("stats64"))
    return Error::parse(detail::cat("unexpected output of ", command_line(argv)));
  const auto& s = j[0]["stats64"];
  LinkCounters c;
  c.rx_packets = s["rx"].value("packets", std::uint64_t{0});
  c.rx_bytes = s["rx"].value("bytes", std::uint64_t{0});
  c.tx_packets = s["tx"].value("packets", std::uint64_t{0});
  c.tx_bytes = s["tx"].value("bytes", std::uint64_t{0});
  return c;
}

Result<std::vector<std::string>> link_names(const std::string& ns) {
  std::vector<std::string> argv = {"ip"};
  if (!ns.empty()) argv.insert(argv.end(), {"-n", ns});
  argv.insert(argv.end(), {"-j", "link", "show"});
  auto out = run_ok(argv);
  if (!out) return out.error();
  auto j = nlohmann::json::parse(*out, nullptr, false);
  if (j.is_discarded() || !j.is_array())
    return Error::parse(detail::cat("unexpected output of ", command_line(argv)));
  std::vector<std::string> names;
  for (const auto& l : j) names.push_back(l.value("ifname", std::string()));
  return names;
}

// ---- cgroup v1 ------------------------------------------------------------

const std::vector<std::string>& Cgroup::controllers() {
  static const std::vector<std::string> kControllers = {"cpu", "memory", "freezer", "pids"};
  return kControllers;
}

Cgroup::Cgroup(std::string root, Tag tag, std::string key)
    : root_(std::move(root)), tag_(std::move(tag)), key_(std::move(key)) {}

std::string Cgroup::dir(const std::string& controller) const {
  return root_ + "/" + controller + "/" + std::string(kCgroupFolder) + "/" + tag_.str() + "/" +
         key_;
}

bool Cgroup::exists() const {
  return is_dir(dir("freezer"));
}

Status Cgroup::create(const Limits& limits) {
  for (const auto& c : controllers()) {
    if (!is_dir(root_ + "/" + c))
      return Error::unavailable("cgroup v1 controller " + c + " is not mounted at " + root_ + "/" +
                                c);
    if (auto st = mkdir_p(dir(c)); !st) return st;
  }
  return set_limits(limits);
}

Status Cgroup::set_limits(const Limits& limits) {
  if (limits.cpus) {
    if (*limits.cpus <= 0) return Error::invalid("cpu limit must be positive");
    // Quota per 100 ms period: 1.5 cores may run 150 ms of every 100 ms.
    const long period = 100'000;
    const long quota = std::max(1'000L, static_cast<long>(*limits.cpus * period));
    if (auto st = write_file(dir("cpu") + "/cpu.cfs_period_us", std::to_string(period)); !st)
      return st;
    if (auto st = write_file(dir("cpu") + "/cpu.cfs_quota_us", std::to_string(quota)); !st)
      return st;
  }
  if (limits.memory_bytes) {
    const std::string v = std::to_string(*limits.memory_bytes);
    // memsw >= limit must hold at every step, so the order depends on
    // whether the limit grows or shrinks; writing memsw first when growing.
    const std::string memsw = dir("memory") + "/memory.memsw.limit_in_bytes";
    const bool has_memsw = ::access(memsw.c_str(), F_OK) == 0;
    if (has_memsw) (void)write_file(memsw, v);
    if (auto st = write_file(dir("memory") + "/memory.limit_in_bytes", v); !st) return st;
    // Without swap accounting a node could swap instead of hitting its limit.
    if (has_memsw)
      if (auto st = write_file(memsw, v); !st) return st;
  }
  if (limits.pids_max)
    if (auto st = write_file(dir("pids") + "/pids.max", std::to_string(*limits.pids_max)); !st)
      return st;
  return Status::Ok();
}

Result<std::vector<int>> Cgroup::open_procs() const {
  std::vector<int> fds;
  for (const auto& c : controllers()) {
    const std::string path = dir(c) + "/cgroup.procs";
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
      const Error e = Error::io(errno_text("open " + path));
      for (int f : fds) ::close(f);
      return e;
    }
    fds.push_back(fd);
  }
  return fds;
}

Status Cgroup::freeze() {
  // A task forked while the freezer walks the group can escape it, and the
  // group then stays FREEZING for good (runc's freezer works around the same
  // race): wait a little, else thaw and freeze again.
  for (int attempt = 0; attempt < 50; ++attempt) {
    if (auto st = write_file(dir("freezer") + "/freezer.state", "FROZEN"); !st) return st;
    for (int i = 0; i < 40; ++i) {
      auto s = freezer_state();
      if (s && *s == "FROZEN") return Status::Ok();
      std::this_thread::sleep_for(std::chrono::milliseconds(i < 10 ? 1 : 5));
    }
    if (auto st = thaw(); !st) return st;
    std::this_thread::sleep_for(std::chrono::milliseconds(attempt < 10 ? 1 : 10));
  }
  (void)thaw();
  return Error::unavailable(detail::cat("cgroup ", dir("freezer"), " did not reach FROZEN"));
}

Status Cgroup::thaw() {
  return write_file(dir("freezer") + "/freezer.state", "THAWED");
}

Result<std::string> Cgroup::freezer_state() const {
  auto s = read_file(dir("freezer") + "/freezer.state");
  if (!s) return s.error();
  std::string v = *s;
  while (!v.empty() && (v.back() == '\n' || v.back() == ' ')) v.pop_back();
  return v;
}

std::vector<pid_t> Cgroup::procs() const {
  auto s = read_file(dir("freezer") + "/cgroup.procs");
  return s ? parse_pids(*s) : std::vector<pid_t>{};
}

Status Cgroup::kill_all(std::chrono::milliseconds timeout) {
  if (!exists()) return Status::Ok();
  // A frozen task does not act on SIGKILL until it is thawed.
  (void)thaw();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto pids = procs();
    // Never this process, whoever put it there.
    std::erase(pids, ::getpid());
    if (pids.empty()) return Status::Ok();
    for (pid_t p : pids) ::kill(p, SIGKILL);
    if (std::chrono::steady_clock::now() >= deadline)
      return Error::unavailable(
          detail::cat("processes of cgroup ", dir("freezer"), " did not exit"));
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

Status Cgroup::remove() {
  auto st = kill_all();
  std::string errors;
  append_error(errors, st);
  for (const auto& c : controllers()) append_error(errors, rmdir_retry(dir(c)));
  if (!errors.empty()) return Error::unavailable(errors);
  return Status::Ok();
}

std::string lab_unavailable(const std::vector<std::string>& tools, const std::string& cgroup_root) {
  if (::geteuid() != 0) return "not root (namespaces and cgroups need it)";
  if (!run_ok({"ip", "netns", "list"}).ok()) return "`ip netns` is unavailable (install iproute2)";
  for (const auto& c : Cgroup::controllers())
    if (::access((cgroup_root + "/" + c + "/cgroup.procs").c_str(), F_OK) != 0)
      return "cgroup v1 controller " + c + " is not mounted at " + cgroup_root + "/" + c;
  const char* path = std::getenv("PATH");
  for (const auto& t : tools) {
    bool found = false;
    std::istringstream dirs(path ? path : "/usr/bin:/bin");
    for (std::string d; !found && std::getline(dirs, d, ':');)
      found = !d.empty() && ::access((d + "/" + t).c_str(), X_OK) == 0;
    if (!found) return t + " is missing (scripts/install-deps.sh installs it)";
  }
  return "";
}

// ---- leftovers and cleanup ------------------------------------------------

Status prune_exchanges() {
  auto ns = list_netns();
  if (!ns) return ns.error();
  std::string errors;
  const std::string p = std::string(kPrefix) + "ix-";
  for (const auto& n : *ns) {
    if (n.rfind(p, 0) != 0) continue;
    auto links = link_names(n);
    if (!links) continue;  // gone meanwhile
    if (std::any_of(links->begin(), links->end(), [](const std::string& l) { return l != "lo"; }))
      continue;
    append_error(errors, delete_netns(n));
  }
  if (!errors.empty()) return Error::unavailable(errors);
  return Status::Ok();
}

std::string Leftovers::describe() const {
  std::string out;
  auto list = [&](const char* what, const std::vector<std::string>& v) {
    if (v.empty()) return;
    if (!out.empty()) out += "; ";
    out += what;
    for (const auto& s : v) out += " " + s;
  };
  list("namespaces:", netns);
  list("interfaces:", links);
  list("cgroups:", cgroups);
  return out.empty() ? "nothing" : out;
}

namespace {

// kRootfsBase/<tag> of `tag` or of every tag.
std::vector<std::string> root_folders(const Tag* tag) {
  const std::string base = kRootfsBase;
  if (tag) {
    if (is_dir(base + "/" + tag->str())) return {base + "/" + tag->str()};
    return {};
  }
  std::vector<std::string> out;
  for (const auto& t : list_dir(base, true)) out.push_back(base + "/" + t);
  return out;
}

// <root>/<ctl>/cloudnet/<tag> folders of `tag` or of every tag.
std::vector<std::string> tag_folders(const Tag* tag, const std::string& root) {
  std::vector<std::string> out;
  for (const auto& c : Cgroup::controllers()) {
    const std::string base = root + "/" + c + "/" + std::string(kCgroupFolder);
    if (tag) {
      if (is_dir(base + "/" + tag->str())) out.push_back(base + "/" + tag->str());
    } else {
      for (const auto& t : list_dir(base, true)) out.push_back(base + "/" + t);
    }
  }
  return out;
}

}  // namespace

Result<Leftovers> find_leftovers(const Tag* tag, const std::string& cgroup_root) {
  Leftovers l;
  auto ns = list_netns();
  if (!ns) return ns.error();
  for (const auto& n : *ns)
    if (owned(n, tag)) l.netns.push_back(n);
  auto links = link_names("");
  if (!links) return links.error();
  for (const auto& n : *links)
    if (owned(n, tag)) l.links.push_back(n);
  for (const auto& f : tag_folders(tag, cgroup_root)) {
    l.cgroups.push_back(f);
    for (const auto& k : list_dir(f, true)) l.cgroups.push_back(f + "/" + k);
  }
  for (const auto& r : root_folders(tag)) l.roots.push_back(r);
  return l;
}

Status cleanup(const Tag* tag, const std::string& cgroup_root) {
  std::string errors;
  // 1. Processes: every node's cgroup (frozen ones thawed first).
  const auto folders = tag_folders(tag, cgroup_root);
  for (const auto& f : folders) {
    if (f.find("/freezer/") == std::string::npos) continue;
    for (const auto& k : list_dir(f, true)) {
      auto path = f + "/" + k;
      (void)write_file(path + "/freezer.state", "THAWED");
      for (int i = 0; i < 400; ++i) {
        auto s = read_file(path + "/cgroup.procs");
        auto pids = s ? parse_pids(*s) : std::vector<pid_t>{};
        std::erase(pids, ::getpid());
        if (pids.empty()) break;
        for (pid_t p : pids) ::kill(p, SIGKILL);
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    }
  }
  // 2. Namespaces: nodes ("-v-") before substrate hosts ("-s-").
  if (auto ns = list_netns(); ns) {
    std::vector<std::string> mine;
    for (const auto& n : *ns)
      if (owned(n, tag)) mine.push_back(n);
    std::stable_partition(mine.begin(), mine.end(),
                          [](const std::string& n) { return n.find("-v-") != std::string::npos; });
    for (const auto& n : mine) append_error(errors, delete_netns(n));
  } else {
    append_error(errors, ns.error());
  }
  // The exchanges this tag's tunnel bridge was the last lab on.
  append_error(errors, prune_exchanges());
  // 3. Interfaces in the root namespace (none are made there; a crash
  // between two steps of a future remote-host backend could leave one).
  if (auto links = link_names(""); links) {
    for (const auto& n : *links)
      if (owned(n, tag)) {
        // Deleting one end of a veth pair deletes the other: only a device
        // that is still there after a failed delete is an error.
        auto st = ip("", {"link", "delete", n});
        if (!st && ::access(("/sys/class/net/" + n).c_str(), F_OK) == 0) append_error(errors, st);
      }
  }
  // 4. cgroup folders, leaves first.
  for (const auto& f : folders) {
    for (const auto& k : list_dir(f, true)) append_error(errors, rmdir_retry(f + "/" + k));
    append_error(errors, rmdir_retry(f));
  }
  // 5. Root filesystems (their mounts lived in the nodes' mount
  // namespaces, gone with their processes).
  for (const auto& r : root_folders(tag)) append_error(errors, remove_tree(r));
  // The shared cloudnet folder stays for a single tag's cleanup (another
  // owner may be creating its tag folder in it right now); all-tag cleanup
  // removes it when it is empty.
  if (!tag)
    for (const auto& c : Cgroup::controllers())
      (void)::rmdir((cgroup_root + "/" + c + "/" + std::string(kCgroupFolder)).c_str());
  if (!errors.empty()) return Error::unavailable("cleanup: " + errors);
  return Status::Ok();
}

}  // namespace cloudnet::netlab
