#include "netlab/lab.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

namespace cloudnet::netlab {

namespace {

// The link's VXLAN device in a host's namespace (<= 9 characters).
std::string vxlan_name(std::uint32_t vni) {
  std::string n = "v";
  n += std::to_string(vni);
  return n;
}

// An endpoint's macvlan in the host's namespace before it moves into the
// node's: unique there per (VNI, endpoint), <= 15 characters.
std::string macvlan_tmp_name(std::uint32_t vni, std::size_t index) {
  std::string n = "m";
  n += std::to_string(vni);
  n += '.';
  n += std::to_string(index);
  return n;
}

std::string link_key(const std::string& net, const std::string& name) {
  return net + "/" + name;
}

bool valid_ifname(const std::string& n) {
  return !n.empty() && n.size() <= 15 && sanitize(n) == n && n != "lo" && n != "." && n != "..";
}

// A locally administered MAC per (VNI, endpoint): stable, unique on the
// link, and readable in a capture (02:vv:vv:vv:ii:ii).
std::string endpoint_mac(std::uint32_t vni, std::size_t index) {
  char buf[18];
  std::snprintf(buf, sizeof buf, "02:%02x:%02x:%02x:%02x:%02x", (vni >> 16) & 255u,
                (vni >> 8) & 255u, vni & 255u, static_cast<unsigned>((index >> 8) & 255u),
                static_cast<unsigned>(index & 255u));
  return buf;
}

// Whether namespace ns has an interface dev (defined with the links below).
bool has_link(const std::string& ns, const std::string& dev);

void close_all(const std::vector<int>& fds) {
  for (int f : fds) ::close(f);
}

}  // namespace

const char* to_string(NodeState state) {
  switch (state) {
    case NodeState::kAbsent: return "absent";
    case NodeState::kStopped: return "stopped";
    case NodeState::kRunning: return "running";
    case NodeState::kSuspended: return "suspended";
  }
  return "?";
}

Lab::Lab(Tag tag, LabOptions options) : tag_(std::move(tag)), options_(std::move(options)) {}

Lab::~Lab() {
  // Reap children that already exited; running nodes stay (adoptable).
  for (auto& [k, n] : nodes_)
    if (n.pid > 0) reap(n.pid, std::chrono::milliseconds(0));
}

// ---- substrate --------------------------------------------------------------

Status Lab::build_substrate(const flerd::Document& ul, const SubstrateOptions& options) {
  {
    std::lock_guard lock(mu_);
    if (substrate_) return Error::conflict("lab " + tag_.str() + " has a substrate already");
  }
  auto plan = plan_substrate(ul, tag_, options);
  if (!plan) return plan.error();
  if (auto st = netlab::build_substrate(*plan); !st) return st;
  std::lock_guard lock(mu_);
  substrate_ = std::make_unique<SubstratePlan>(std::move(*plan));
  start_pool_locked();
  return Status::Ok();
}

void Lab::adopt_substrate(SubstratePlan plan) {
  std::lock_guard lock(mu_);
  substrate_ = std::make_unique<SubstratePlan>(std::move(plan));
  start_pool_locked();
}

std::string Lab::roots_dir() const {
  if (options_.rootfs_base.empty()) return "";
  return options_.rootfs_base + "/" + tag_.str();
}

void Lab::start_pool_locked() {
  if (pool_ || options_.rootfs_base.empty() || options_.rootfs_pool == 0) return;
  pool_ = std::make_shared<RootfsPool>(roots_dir() + "/.pool", options_.rootfs_pool);
}

std::shared_ptr<RootfsPool> Lab::rootfs_pool() const {
  std::lock_guard lock(mu_);
  return pool_;
}

std::string Lab::rootfs_of(const std::string& net, const std::string& name) const {
  if (options_.rootfs_base.empty()) return "";
  return roots_dir() + "/" + node_key(net, name);
}

Status Lab::move_rootfs(const std::string& net, const std::string& from, const std::string& to) {
  const std::string src = rootfs_of(net, from);
  const std::string dst = rootfs_of(net, to);
  if (src.empty()) return Status::Ok();
  if (Status s = remove_tree(dst); !s) return s;
  std::error_code ec;
  std::filesystem::rename(src, dst, ec);
  if (ec)
    return Error::io("moving the root filesystem of " + net + "/" + from + " to " + to + ": " +
                     ec.message());
  return Status::Ok();
}

const SubstratePlan* Lab::substrate() const {
  std::lock_guard lock(mu_);
  return substrate_.get();
}

Status Lab::remove_substrate() {
  std::unique_ptr<SubstratePlan> plan;
  {
    std::lock_guard lock(mu_);
    plan = std::move(substrate_);
  }
  if (!plan) return Status::Ok();
  std::shared_ptr<RootfsPool> pool;
  {
    std::lock_guard lock(mu_);
    pool = std::move(pool_);
  }
  pool.reset();  // its thread stops before the roots go
  return netlab::remove_substrate(*plan);
}

// ---- virtual nodes ----------------------------------------------------------

Lab::NodeRecord* Lab::find_node(const std::string& net, const std::string& name) {
  auto it = nodes_.find(node_key(net, name));
  return it == nodes_.end() ? nullptr : &it->second;
}

const Lab::NodeRecord* Lab::find_node(const std::string& net, const std::string& name) const {
  auto it = nodes_.find(node_key(net, name));
  return it == nodes_.end() ? nullptr : &it->second;
}

std::string Lab::netns_of(const std::string& net, const std::string& name) const {
  return node_netns(tag_, net, name);
}

Status Lab::create_node(const NodeSpec& spec) {
  if (spec.net.empty() || spec.name.empty())
    return Error::invalid("virtual node needs a net and a name");
  if (spec.init.empty())
    return Error::invalid("virtual node " + spec.name + ": empty init command");
  NodeRecord rec;
  rec.spec = spec;
  if (rec.spec.hostname.empty()) rec.spec.hostname = spec.name;
  std::shared_ptr<RootfsPool> pool;
  rec.netns = node_netns(tag_, spec.net, spec.name);
  const std::string key = node_key(spec.net, spec.name);
  {
    std::lock_guard lock(mu_);
    if (!substrate_) return Error::conflict("lab " + tag_.str() + " has no substrate");
    const LabNode* host = substrate_->find(spec.host);
    if (!host || host->hub)
      return Error::not_found("virtual node " + spec.net + "/" + spec.name +
                              ": no substrate host '" + spec.host + "' in lab " + tag_.str());
    rec.host_netns = host->netns;
    rec.host_address = host->address;
    if (nodes_.count(key))
      return Error::conflict("virtual node " + spec.net + "/" + spec.name + " exists (as " + key +
                             ")");
    rec.cgroup = std::make_unique<Cgroup>(options_.cgroup_root, tag_, key);
    // Reserve the name while the kernel work runs without the lock.
    nodes_.emplace(key, NodeRecord{});
    pool = pool_;
  }
  rec.root = rootfs_of(spec.net, spec.name);
  // Undoes only what this call made: a namespace or cgroup of the same name
  // (a node of an earlier run, to adopt or clean up) stays.
  bool made_netns = false;
  bool made_root = false;
  auto fail = [&](const Status& st) -> Status {
    if (made_netns) {
      (void)delete_netns(rec.netns);
      (void)rec.cgroup->remove();
    }
    if (made_root) (void)remove_tree(rec.root);
    std::lock_guard lock(mu_);
    nodes_.erase(key);
    return Error(st.error().code,
                 "creating virtual node " + spec.net + "/" + spec.name + ": " + st.error().message);
  };
  if (rec.cgroup->exists())
    return fail(Error::conflict("its cgroup " + rec.cgroup->dir("freezer") + " exists already"));
  if (auto st = add_netns(rec.netns); !st) return fail(st);
  made_netns = true;
  if (auto st = rec.cgroup->create(spec.limits); !st) return fail(st);
  if (!rec.root.empty()) {
    if (std::filesystem::exists(rec.root))
      return fail(Error::conflict("its root filesystem " + rec.root + " exists already"));
    std::error_code ec;
    std::filesystem::create_directories(roots_dir(), ec);
    Status st = pool ? pool->take(rec.root) : build_rootfs(rec.root);
    if (!st) return fail(st);
    made_root = true;
    if (auto h = set_rootfs_hostname(rec.root, rec.spec.hostname); !h) return fail(h);
  }
  std::lock_guard lock(mu_);
  nodes_[key] = std::move(rec);
  return Status::Ok();
}

Result<NodeState> Lab::node_state(const std::string& net, const std::string& name) const {
  if (!netns_exists(node_netns(tag_, net, name))) return NodeState::kAbsent;
  Cgroup cg(options_.cgroup_root, tag_, node_key(net, name));
  if (!cg.exists()) return NodeState::kAbsent;
  if (cg.procs().empty()) return NodeState::kStopped;
  auto fs = cg.freezer_state();
  if (!fs) return fs.error();
  return *fs == "THAWED" ? NodeState::kRunning : NodeState::kSuspended;
}

Status Lab::start_node(const std::string& net, const std::string& name) {
  std::unique_lock lock(mu_);
  NodeRecord* n = find_node(net, name);
  if (!n || !n->cgroup)
    return Error::not_found("virtual node " + net + "/" + name + " is not created");
  if (n->pid > 0 && reap(n->pid, std::chrono::milliseconds(0))) n->pid = -1;
  if (!n->cgroup->procs().empty())
    return Error::conflict("virtual node " + net + "/" + name + " is running");
  const std::string what = "starting virtual node " + net + "/" + name;

  // Everything the child needs, prepared before fork (only
  // async-signal-safe calls are allowed after fork in a threaded process).
  auto procs = n->cgroup->open_procs();
  if (!procs) return Error(procs.error().code, what + ": " + procs.error().message);
  const int netfd = ::open(("/run/netns/" + n->netns).c_str(), O_RDONLY | O_CLOEXEC);
  const std::string log = n->spec.log_path.empty() ? "/dev/null" : n->spec.log_path;
  const int logfd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  const int nullfd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (netfd < 0 || logfd < 0 || nullfd < 0) {
    const std::string err = std::strerror(errno);
    for (int f : {netfd, logfd, nullfd})
      if (f >= 0) ::close(f);
    close_all(*procs);
    return Error::io(what + ": opening its namespace or log " + log + ": " + err);
  }
  // unshare makes the PID namespace (its child is PID 1 there), a mount
  // namespace with a private /proc for it, and kills that child if it dies.
  std::vector<std::string> argv;
  if (n->root.empty()) {
    argv = {"unshare", "--pid", "--fork", "--mount-proc", "--kill-child", "--"};
    argv.insert(argv.end(), n->spec.init.begin(), n->spec.init.end());
  } else {
    // Its own root: the mounts and the chroot happen in the new namespaces
    // (rootfs.h).
    argv = {"unshare", "--pid",         "--fork",  "--kill-child",
            "--mount", "--propagation", "private", "--"};
    for (auto& a : chroot_argv(n->root, n->spec.init)) argv.push_back(std::move(a));
  }
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  const std::string hostname = n->spec.hostname;
  const std::string root = n->root;

  const pid_t pid = ::fork();
  if (pid == 0) {
    for (int fd : *procs)
      if (::write(fd, "0", 1) != 1) ::_exit(121);
    if (::setns(netfd, CLONE_NEWNET) != 0) ::_exit(122);
    if (::unshare(CLONE_NEWUTS) != 0) ::_exit(123);
    if (::sethostname(hostname.data(), hostname.size()) != 0) ::_exit(124);
    ::setsid();
    ::dup2(nullfd, 0);
    ::dup2(logfd, 1);
    ::dup2(logfd, 2);
    close_inherited_fds();
    ::signal(SIGPIPE, SIG_DFL);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  const int fork_errno = errno;
  for (int f : {netfd, logfd, nullfd}) ::close(f);
  close_all(*procs);
  if (pid < 0) return Error::unavailable(what + ": fork: " + std::strerror(fork_errno));
  n->pid = pid;
  lock.unlock();

  // Wait until its init runs, so exec_in_node works right after start (with
  // its own root: once it is chrooted there, not while the mounts are made).
  for (int i = 0; i < 1000; ++i) {
    if (auto init = init_pid(net, name)) {
      if (root.empty()) return Status::Ok();
      std::error_code ec;
      const auto at =
          std::filesystem::read_symlink(detail::cat("/proc/", std::to_string(*init), "/root"), ec);
      if (!ec && at == std::filesystem::path(root)) return Status::Ok();
    }
    int status = 0;
    if (reap(pid, std::chrono::milliseconds(0), &status)) {
      std::lock_guard relock(mu_);
      if (NodeRecord* again = find_node(net, name)) again->pid = -1;
      return Error::unavailable(what + ": its init exited at once (status " +
                                std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) +
                                "; 121-124: joining cgroups/namespaces failed)");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return Error::unavailable(what + ": init did not appear within 2 s");
}

Status Lab::stop_node(const std::string& net, const std::string& name) {
  pid_t pid = -1;
  Cgroup cg(options_.cgroup_root, tag_, node_key(net, name));
  {
    std::lock_guard lock(mu_);
    if (NodeRecord* n = find_node(net, name)) {
      pid = n->pid;
      n->pid = -1;
    }
  }
  auto st = cg.kill_all();
  if (pid > 0) reap(pid, std::chrono::seconds(2));
  if (!st)
    return Error(st.error().code,
                 "stopping virtual node " + net + "/" + name + ": " + st.error().message);
  return Status::Ok();
}

Status Lab::suspend_node(const std::string& net, const std::string& name) {
  auto s = node_state(net, name);
  if (!s) return s.error();
  if (*s != NodeState::kRunning)
    return Error::conflict("virtual node " + net + "/" + name + " is " + to_string(*s) +
                           "; suspend needs running");
  return Cgroup(options_.cgroup_root, tag_, node_key(net, name)).freeze();
}

Status Lab::resume_node(const std::string& net, const std::string& name) {
  auto s = node_state(net, name);
  if (!s) return s.error();
  if (*s != NodeState::kSuspended)
    return Error::conflict("virtual node " + net + "/" + name + " is " + to_string(*s) +
                           "; resume needs suspended");
  return Cgroup(options_.cgroup_root, tag_, node_key(net, name)).thaw();
}

Status Lab::set_limits(const std::string& net, const std::string& name, const Limits& limits) {
  Cgroup cg(options_.cgroup_root, tag_, node_key(net, name));
  if (!cg.exists()) return Error::not_found("virtual node " + net + "/" + name + " is not created");
  return cg.set_limits(limits);
}

Status Lab::copy_addresses(const std::string& net, const std::string& from, const std::string& to) {
  const std::string what = "copying addresses of " + net + "/" + from + " to " + to;
  const std::string src = node_netns(tag_, net, from);
  const std::string dst = node_netns(tag_, net, to);
  auto addrs = run_ok({"ip", "-n", src, "-j", "addr", "show"});
  if (!addrs) return Error(addrs.error().code, what + ": " + addrs.error().message);
  auto j = nlohmann::json::parse(*addrs, nullptr, false);
  if (j.is_discarded() || !j.is_array()) return Error::parse(what + ": unexpected `ip -j addr`");
  for (const auto& dev : j) {
    const std::string name = dev.value("ifname", std::string());
    if (name.empty() || name == "lo" || !has_link(dst, name)) continue;
    for (const auto& a : dev.value("addr_info", nlohmann::json::array())) {
      if (a.value("family", std::string()) != "inet" || a.value("scope", std::string()) != "global")
        continue;
      const std::string cidr =
          a.value("local", std::string()) + "/" + std::to_string(a.value("prefixlen", 32));
      if (auto st = ip(dst, {"addr", "replace", cidr, "dev", name}); !st)
        return Error(st.error().code, what + ": " + st.error().message);
    }
  }
  // Routes the node added itself (a default route, static routes); the
  // kernel's own come with the addresses.
  auto routes = run_ok({"ip", "-n", src, "-j", "route", "show"});
  if (!routes) return Error(routes.error().code, what + ": " + routes.error().message);
  auto r = nlohmann::json::parse(*routes, nullptr, false);
  if (r.is_discarded() || !r.is_array()) return Error::parse(what + ": unexpected `ip -j route`");
  for (const auto& route : r) {
    if (route.value("protocol", std::string()) == "kernel") continue;
    const std::string dev = route.value("dev", std::string());
    if (dev.empty() || !has_link(dst, dev)) continue;
    std::vector<std::string> args = {"route", "replace",
                                     route.value("dst", std::string("default"))};
    if (route.contains("gateway"))
      args.insert(args.end(), {"via", route["gateway"].get<std::string>()});
    args.insert(args.end(), {"dev", dev});
    if (auto st = ip(dst, args); !st)
      return Error(st.error().code, what + ": " + st.error().message);
  }
  return Status::Ok();
}

Status Lab::remove_node(const std::string& net, const std::string& name) {
  std::string errors;
  if (auto st = stop_node(net, name); !st) errors += st.error().message;
  if (auto st = delete_netns(node_netns(tag_, net, name)); !st)
    errors += (errors.empty() ? "" : "; ") + st.error().message;
  if (auto st = Cgroup(options_.cgroup_root, tag_, node_key(net, name)).remove(); !st)
    errors += (errors.empty() ? "" : "; ") + st.error().message;
  // Its processes, and with them the mounts into its root, are gone.
  if (const std::string root = rootfs_of(net, name); !root.empty())
    if (auto st = remove_tree(root); !st)
      errors += (errors.empty() ? "" : "; ") + st.error().message;
  {
    std::lock_guard lock(mu_);
    nodes_.erase(node_key(net, name));
  }
  if (!errors.empty())
    return Error::unavailable("removing virtual node " + net + "/" + name + ": " + errors);
  return Status::Ok();
}

Result<pid_t> Lab::init_pid(const std::string& net, const std::string& name) const {
  Cgroup cg(options_.cgroup_root, tag_, node_key(net, name));
  // The process whose PID in its innermost namespace is 1 ("NSpid: 4711 1").
  for (pid_t p : cg.procs()) {
    std::ifstream in(detail::cat("/proc/", std::to_string(p), "/status"));
    std::string line;
    while (std::getline(in, line)) {
      if (!line.starts_with("NSpid:")) continue;
      std::istringstream ss(line.substr(6));
      std::vector<long> ids;
      long v = 0;
      while (ss >> v) ids.push_back(v);
      if (ids.size() >= 2 && ids.back() == 1) return p;
      break;
    }
  }
  return Error::conflict("virtual node " + net + "/" + name + " is not running");
}

Result<CommandOutput> Lab::exec_in_node(const std::string& net, const std::string& name,
                                        const std::vector<std::string>& argv,
                                        std::chrono::milliseconds timeout) {
  auto pid = init_pid(net, name);
  if (!pid) return pid.error();
  Cgroup cg(options_.cgroup_root, tag_, node_key(net, name));
  auto fds = cg.open_procs();
  if (!fds) return fds.error();
  // -r/-w: its root and working directory (a chroot with its own root
  // filesystem, rootfs.h).
  std::vector<std::string> full = {
      "nsenter", "-t", std::to_string(*pid), "-n", "-u", "-p", "-m", "-r", "-w", "--"};
  full.insert(full.end(), argv.begin(), argv.end());
  RunOptions ro;
  ro.timeout = timeout;
  ro.join_cgroups = *fds;
  auto r = run(full, ro);
  close_all(*fds);
  return r;
}

Result<Spawned> Lab::spawn_in_node(const std::string& net, const std::string& name,
                                   const std::vector<std::string>& argv, bool terminal) {
  if (argv.empty()) return Error::invalid("spawn_in_node: empty command");
  auto pid1 = init_pid(net, name);
  if (!pid1) return pid1.error();
  Cgroup cg(options_.cgroup_root, tag_, node_key(net, name));
  auto fds = cg.open_procs();
  if (!fds) return fds.error();
  std::vector<std::string> full = {
      "nsenter", "-t", std::to_string(*pid1), "-n", "-u", "-p", "-m", "-r", "-w", "--"};
  full.insert(full.end(), argv.begin(), argv.end());
  std::vector<char*> args;
  for (auto& a : full) args.push_back(a.data());
  args.push_back(nullptr);

  int parent_fd = -1;
  int child_fd = -1;
  std::string slave;
  if (terminal) {
    parent_fd = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    char buf[128];
    if (parent_fd < 0 || ::grantpt(parent_fd) != 0 || ::unlockpt(parent_fd) != 0 ||
        ::ptsname_r(parent_fd, buf, sizeof buf) != 0) {
      const std::string err = std::strerror(errno);
      if (parent_fd >= 0) ::close(parent_fd);
      close_all(*fds);
      return Error::io("spawn_in_node: pseudo-terminal: " + err);
    }
    slave = buf;
  } else {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
      close_all(*fds);
      return Error::io(std::string("spawn_in_node: socketpair: ") + std::strerror(errno));
    }
    parent_fd = sv[0];
    child_fd = sv[1];
  }
  const pid_t pid = ::fork();
  if (pid == 0) {
    for (int fd : *fds)
      if (::write(fd, "0", 1) != 1) ::_exit(121);
    ::setsid();
    int io = child_fd;
    if (terminal) {
      // The first terminal a session leader opens becomes its controlling one.
      io = ::open(slave.c_str(), O_RDWR);
      if (io < 0) ::_exit(122);
      ::ioctl(io, TIOCSCTTY, 0);
    }
    ::dup2(io, 0);
    ::dup2(io, 1);
    ::dup2(io, 2);
    close_inherited_fds();
    ::signal(SIGPIPE, SIG_DFL);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  const int fork_errno = errno;
  if (child_fd >= 0) ::close(child_fd);
  close_all(*fds);
  if (pid < 0) {
    ::close(parent_fd);
    return Error::unavailable(std::string("spawn_in_node: fork: ") + std::strerror(fork_errno));
  }
  return Spawned{pid, parent_fd};
}

// ---- virtual links ------------------------------------------------------------

namespace {

std::string link_what(const char* verb, const std::string& net, const std::string& name,
                      std::uint32_t vni) {
  std::string what = verb;
  what += " virtual link ";
  what += net;
  what += '/';
  what += name;
  what += " (VNI ";
  what += std::to_string(vni);
  what += ')';
  return what;
}

bool has_link(const std::string& ns, const std::string& dev) {
  auto names = link_names(ns);
  return names && std::find(names->begin(), names->end(), dev) != names->end();
}

}  // namespace

Result<const LabNode*> Lab::host_locked(const std::string& host, const std::string& what) const {
  const LabNode* h = substrate_ ? substrate_->find(host) : nullptr;
  if (!h || h->hub) return Error::not_found(what + ": no substrate host '" + host + "'");
  return h;
}

Result<std::vector<Lab::EndpointRecord>> Lab::resolve_locked(const LinkSpec& spec,
                                                             const std::string& what) const {
  if (spec.vni == 0 || spec.vni > 0xFFFFFF)
    return Error::invalid(what + ": VNI must be in 1..16777215");
  if (spec.endpoints.empty() && spec.transit.empty())
    return Error::invalid(what + ": no endpoints");
  if (spec.bandwidth_mbps && *spec.bandwidth_mbps <= 0)
    return Error::invalid(what + ": bandwidth must be positive");
  if (!substrate_) return Error::conflict(what + ": lab " + tag_.str() + " has no substrate");
  std::vector<EndpointRecord> out;
  std::set<std::pair<std::string, std::string>> seen;
  for (std::size_t i = 0; i < spec.endpoints.size(); ++i) {
    const auto& e = spec.endpoints[i];
    if (!valid_ifname(e.interface))
      return Error::invalid(what + ": bad interface name '" + e.interface + "'");
    if (!seen.emplace(e.node, e.interface).second)
      return Error::invalid(what + ": endpoint " + e.node + "/" + e.interface + " twice");
    EndpointRecord er;
    er.spec = e;
    er.node_netns = node_netns(tag_, spec.net, e.node);
    const LabNode* host = nullptr;
    if (!e.host.empty()) {
      host = substrate_->find(e.host);
      if (!host || host->hub)
        return Error::not_found(what + ": no substrate host '" + e.host + "' for endpoint " +
                                e.node);
    } else if (const NodeRecord* n = find_node(spec.net, e.node); n && n->cgroup) {
      host = substrate_->find(n->spec.host);
    }
    if (!host)
      return Error::not_found(what + ": virtual node " + spec.net + "/" + e.node +
                              " is not created and its endpoint names no host");
    er.host_netns = host->netns;
    er.vtep = host->address;
    er.mac = e.mac.empty() ? endpoint_mac(spec.vni, i) : e.mac;
    er.tmp = macvlan_tmp_name(spec.vni, i);
    out.push_back(std::move(er));
  }
  return out;
}

void Lab::undo_part(std::uint32_t vni, const std::string& host_netns,
                    const std::vector<EndpointRecord>& ends, std::size_t made) {
  auto del = [](const std::string& ns, const std::string& dev) {
    if (netns_exists(ns) && has_link(ns, dev)) (void)ip(ns, {"link", "delete", dev});
  };
  for (std::size_t i = 0; i < ends.size(); ++i) {
    const auto& e = ends[i];
    // Only interfaces this part made: one of the same name that another
    // link owns stays.
    if (i < made) del(e.node_netns, e.spec.interface);
    del(e.node_netns, e.tmp);
    del(e.host_netns, e.tmp);
  }
  del(host_netns, vxlan_name(vni));
}

Status Lab::attach_link(const LinkSpec& spec, const std::string& host) {
  std::string what = link_what("attaching", spec.net, spec.name, spec.vni);
  what += " on ";
  what += host;
  std::string host_netns;
  std::string vtep;
  std::vector<EndpointRecord> local;
  std::vector<std::string> others;  // VTEPs of the link's other hosts
  const std::string key = link_key(spec.net, spec.name);
  {
    std::lock_guard lock(mu_);
    auto ends = resolve_locked(spec, what);
    if (!ends) return ends.error();
    auto h = host_locked(host, what);
    if (!h) return h.error();
    host_netns = (*h)->netns;
    vtep = (*h)->address;
    for (const auto& [k, l] : links_)
      if (k != key && l.spec.vni == spec.vni)
        return Error::conflict(what + ": VNI used by link " + l.spec.net + "/" + l.spec.name);
    auto it = links_.find(key);
    if (it != links_.end() && it->second.spec.vni != spec.vni)
      return Error::conflict(what + ": the link has VNI " + std::to_string(it->second.spec.vni));
    if (it != links_.end() && it->second.parts.count(host_netns))
      return Error::conflict(what + ": attached already");
    for (auto& e : *ends) {
      if (e.host_netns == host_netns) {
        const NodeRecord* n = find_node(spec.net, e.spec.node);
        if (!n || !n->cgroup)
          return Error::not_found(what + ": virtual node " + spec.net + "/" + e.spec.node +
                                  " is not created");
        local.push_back(std::move(e));
      } else if (std::find(others.begin(), others.end(), e.vtep) == others.end()) {
        others.push_back(e.vtep);
      }
    }
    if (!spec.transit.empty()) {
      const LabNode* gw = substrate_->gateway();
      if (!gw)
        return Error::conflict(what + ": a transit link needs the lab's uplink, and lab " +
                               tag_.str() + " has none");
      others.push_back(gw->address);
    }
    auto& rec = links_[key];
    rec.spec = spec;
    rec.parts[host_netns] = LinkPart{host_netns, local, {}, false};
  }
  std::size_t made = 0;
  auto fail = [&](const Status& st) -> Status {
    undo_part(spec.vni, host_netns, local, made);
    std::lock_guard lock(mu_);
    if (auto it = links_.find(key); it != links_.end()) {
      it->second.parts.erase(host_netns);
      if (it->second.parts.empty()) links_.erase(it);
    }
    return Error(st.error().code, what + ": " + st.error().message);
  };
  // An interface name the node uses already is refused before anything is
  // made.
  for (const auto& e : local)
    if (has_link(e.node_netns, e.spec.interface))
      return fail(Error::conflict("virtual node " + spec.net + "/" + e.spec.node +
                                  " has an interface " + e.spec.interface + " already"));

  const std::string vx = vxlan_name(spec.vni);
  // The link's VXLAN device on this host, with the host's loopback address
  // as VTEP, so the tunnel follows the substrate's routes.
  if (auto st = ip(host_netns, {"link", "add", vx, "mtu", std::to_string(options_.mtu), "type",
                                "vxlan", "id", std::to_string(spec.vni), "local", vtep, "dstport",
                                std::to_string(options_.vxlan_port)});
      !st)
    return fail(st);
  // Head-end replication: broadcast and unknown unicast to every other host
  // of the link and to the remote VTEPs; learning finds unicast targets.
  std::vector<std::pair<std::string, std::uint16_t>> dsts;
  for (const auto& o : others) dsts.emplace_back(o, options_.vxlan_port);
  for (const auto& r : spec.remote) dsts.emplace_back(r.address, r.port);
  for (const auto& [addr, port] : dsts)
    if (auto st = check({"bridge", "-n", host_netns, "fdb", "append", "00:00:00:00:00:00", "dev",
                         vx, "dst", addr, "port", std::to_string(port)});
        !st)
      return fail(st);
  if (auto st = ip(host_netns, {"link", "set", vx, "up"}); !st) return fail(st);
  // One macvlan (bridge mode) per local endpoint on that device, moved into
  // the node: endpoints on one host switch locally, the others tunnel.
  for (const auto& e : local)
    if (auto st = make_endpoint(spec, e, host_netns, &made); !st) return fail(st);
  std::lock_guard lock(mu_);
  links_[key].parts[host_netns].complete = true;
  return Status::Ok();
}

Status Lab::make_endpoint(const LinkSpec& spec, const EndpointRecord& e,
                          const std::string& host_netns, std::size_t* made) {
  const std::string vx = vxlan_name(spec.vni);
  if (auto st = ip(host_netns, {"link", "add", e.tmp, "link", vx, "address", e.mac, "type",
                                "macvlan", "mode", "bridge"});
      !st)
    return st;
  if (auto st = ip(host_netns, {"link", "set", e.tmp, "netns", e.node_netns}); !st) return st;
  if (auto st = ip(e.node_netns, {"link", "set", e.tmp, "name", e.spec.interface}); !st) return st;
  ++*made;  // from here on the interface is this link's
  const std::string& dev = e.spec.interface;
  if (!e.spec.address.empty())
    if (auto st = ip(e.node_netns, {"addr", "add", e.spec.address, "dev", dev}); !st) return st;
  if (spec.bandwidth_mbps)
    if (auto st = tc(e.node_netns, tbf_args(dev, *spec.bandwidth_mbps)); !st) return st;
  return ip(e.node_netns, {"link", "set", dev, "up"});
}

std::vector<std::string> Lab::link_hosts(const std::string& net, const std::string& name) const {
  std::vector<std::string> out;
  std::lock_guard lock(mu_);
  auto it = links_.find(link_key(net, name));
  if (it == links_.end() || !substrate_) return out;
  for (const auto& [ns, part] : it->second.parts)
    for (const auto& n : substrate_->nodes)
      if (n.netns == ns) out.push_back(n.gateway ? std::string(kTunnelBridge) : n.element);
  return out;
}

Status Lab::reconcile_link(const LinkSpec& spec, const std::string& host) {
  std::string what = link_what("reconciling", spec.net, spec.name, spec.vni);
  what += " on ";
  what += host;
  const std::string key = link_key(spec.net, spec.name);
  std::string host_netns;
  std::vector<EndpointRecord> wanted;  // the spec's endpoints on this host
  std::vector<EndpointRecord> have;    // the part's
  bool part = false;
  {
    std::lock_guard lock(mu_);
    auto ends = resolve_locked(spec, what);
    if (!ends) return ends.error();
    auto h = host_locked(host, what);
    if (!h) return h.error();
    host_netns = (*h)->netns;
    for (auto& e : *ends)
      if (e.host_netns == host_netns) wanted.push_back(std::move(e));
    auto it = links_.find(key);
    if (it != links_.end() && it->second.spec.vni != spec.vni)
      return Error::conflict(what + ": the link has VNI " + std::to_string(it->second.spec.vni));
    if (it != links_.end() && it->second.parts.count(host_netns)) {
      part = true;
      have = it->second.parts[host_netns].ends;
    }
  }
  if (!part) return wanted.empty() ? Status::Ok() : attach_link(spec, host);
  if (wanted.empty()) return detach_link(spec, host);
  auto same = [](const EndpointRecord& a, const EndpointRecord& b) {
    return a.spec.node == b.spec.node && a.spec.interface == b.spec.interface;
  };
  std::vector<EndpointRecord> kept;
  for (const auto& e : have) {
    if (std::any_of(wanted.begin(), wanted.end(), [&](const auto& w) { return same(e, w); })) {
      kept.push_back(e);
      continue;
    }
    // An end that left this host (its node moved or went).
    if (netns_exists(e.node_netns) && has_link(e.node_netns, e.spec.interface))
      if (auto st = ip(e.node_netns, {"link", "delete", e.spec.interface}); !st)
        return Error(st.error().code, what + ": " + st.error().message);
  }
  for (const auto& w : wanted) {
    if (std::any_of(have.begin(), have.end(), [&](const auto& e) { return same(e, w); })) continue;
    {
      std::lock_guard lock(mu_);
      const NodeRecord* n = find_node(spec.net, w.spec.node);
      if (!n || !n->cgroup)
        return Error::not_found(what + ": virtual node " + spec.net + "/" + w.spec.node +
                                " is not created");
    }
    if (has_link(w.node_netns, w.spec.interface))
      return Error::conflict(what + ": virtual node " + spec.net + "/" + w.spec.node +
                             " has an interface " + w.spec.interface + " already");
    std::size_t made = 0;
    if (auto st = make_endpoint(spec, w, host_netns, &made); !st) {
      // Only this end's interfaces go; the device and the other ends stay.
      for (const auto& [ns, dev] : {std::pair{w.node_netns, made ? w.spec.interface : w.tmp},
                                    std::pair{w.node_netns, w.tmp}, std::pair{host_netns, w.tmp}})
        if (netns_exists(ns) && has_link(ns, dev)) (void)ip(ns, {"link", "delete", dev});
      return Error(st.error().code, what + ": " + st.error().message);
    }
    kept.push_back(w);
  }
  {
    std::lock_guard lock(mu_);
    auto& rec = links_[key];
    rec.spec = spec;
    rec.parts[host_netns].ends = kept;
  }
  return update_link_peers(spec, host);
}

Status Lab::detach_link(const std::string& net, const std::string& name, const std::string& host) {
  LinkSpec spec;
  {
    std::lock_guard lock(mu_);
    auto it = links_.find(link_key(net, name));
    if (it == links_.end()) return Status::Ok();
    spec = it->second.spec;
  }
  return detach_link(spec, host);
}

Status Lab::detach_link(const LinkSpec& spec, const std::string& host) {
  const std::string key = link_key(spec.net, spec.name);
  std::string host_netns;
  std::vector<EndpointRecord> local;
  {
    std::lock_guard lock(mu_);
    if (!substrate_) return Status::Ok();
    const LabNode* h = substrate_->find(host);
    if (!h) return Status::Ok();
    host_netns = h->netns;
    auto it = links_.find(key);
    if (it != links_.end() && it->second.parts.count(host_netns)) {
      local = it->second.parts[host_netns].ends;
    } else {
      // No record (a restarted owner): the spec says what is there. An
      // endpoint is on this host if it names it, or its node's record does.
      for (std::size_t i = 0; i < spec.endpoints.size(); ++i) {
        const auto& e = spec.endpoints[i];
        const LabNode* eh = nullptr;
        if (!e.host.empty())
          eh = substrate_->find(e.host);
        else if (const NodeRecord* n = find_node(spec.net, e.node); n && n->cgroup)
          eh = substrate_->find(n->spec.host);
        if (!eh || eh->netns != host_netns) continue;
        EndpointRecord er;
        er.spec = e;
        er.node_netns = node_netns(tag_, spec.net, e.node);
        er.host_netns = host_netns;
        er.tmp = macvlan_tmp_name(spec.vni, i);
        local.push_back(std::move(er));
      }
    }
  }
  undo_part(spec.vni, host_netns, local, local.size());
  std::string errors;
  for (const auto& e : local)
    if (netns_exists(e.node_netns) && has_link(e.node_netns, e.spec.interface))
      errors += (errors.empty() ? "" : "; ") + e.node_netns + " keeps " + e.spec.interface;
  if (netns_exists(host_netns) && has_link(host_netns, vxlan_name(spec.vni)))
    errors += (errors.empty() ? "" : "; ") + host_netns + " keeps " + vxlan_name(spec.vni);
  if (!errors.empty())
    return Error::unavailable(link_what("detaching", spec.net, spec.name, spec.vni) + " from " +
                              host + ": " + errors);
  std::lock_guard lock(mu_);
  if (auto it = links_.find(key); it != links_.end()) {
    it->second.parts.erase(host_netns);
    if (it->second.parts.empty()) links_.erase(it);
  }
  return Status::Ok();
}

Status Lab::update_link_peers(const LinkSpec& spec, const std::string& host) {
  std::string what = link_what("updating peers of", spec.net, spec.name, spec.vni);
  what += " on ";
  what += host;
  std::string host_netns;
  std::set<std::string> peers;  // VTEP addresses
  {
    std::lock_guard lock(mu_);
    auto ends = resolve_locked(spec, what);
    if (!ends) return ends.error();
    auto h = host_locked(host, what);
    if (!h) return h.error();
    host_netns = (*h)->netns;
    for (const auto& e : *ends)
      if (e.host_netns != host_netns) peers.insert(e.vtep);
    for (const auto& r : spec.remote) peers.insert(r.address);
    if (const LabNode* gw = substrate_->gateway(); gw && !spec.transit.empty())
      if (gw->netns != host_netns) peers.insert(gw->address);
    // The record follows the spec, so later parts and removals see the move.
    if (auto it = links_.find(link_key(spec.net, spec.name)); it != links_.end())
      it->second.spec = spec;
  }
  const std::string vx = vxlan_name(spec.vni);
  auto shown = run_ok({"bridge", "-n", host_netns, "-j", "fdb", "show", "dev", vx});
  if (!shown) return Error(shown.error().code, what + ": " + shown.error().message);
  auto j = nlohmann::json::parse(*shown, nullptr, false);
  if (j.is_discarded() || !j.is_array())
    return Error::parse(what + ": unexpected output of bridge fdb show");
  std::set<std::string> flooded;
  for (const auto& entry : j) {
    const std::string mac = entry.value("mac", std::string());
    const std::string dst = entry.value("dst", std::string());
    if (dst.empty()) continue;
    const bool flood = mac == "00:00:00:00:00:00";
    if (flood) flooded.insert(dst);
    if (peers.count(dst)) continue;
    // A flood entry to a host that left, or a MAC learned behind it.
    if (auto st = check({"bridge", "-n", host_netns, "fdb", "del", mac, "dev", vx, "dst", dst});
        !st && flood)
      return Error(st.error().code, what + ": " + st.error().message);
  }
  for (const auto& p : peers) {
    if (flooded.count(p)) continue;
    std::uint16_t port = options_.vxlan_port;
    for (const auto& r : spec.remote)
      if (r.address == p) port = r.port;
    if (auto st = check({"bridge", "-n", host_netns, "fdb", "append", "00:00:00:00:00:00", "dev",
                         vx, "dst", p, "port", std::to_string(port)});
        !st)
      return Error(st.error().code, what + ": " + st.error().message);
  }
  return Status::Ok();
}

namespace {

// A hop's tunnel device at the tunnel bridge (<= 15 characters).
std::string tunnel_name(const TransitHop& hop) {
  std::string n = "t";
  n += std::to_string(hop.identifier);
  if (hop.port != 4789) {
    n += 'p';
    n += std::to_string(hop.port);
  }
  return n;
}

}  // namespace

Status Lab::attach_transit(const LinkSpec& spec) {
  std::string what = link_what("attaching", spec.net, spec.name, spec.vni);
  what += " to its transit tunnels";
  const std::string key = link_key(spec.net, spec.name);
  std::string gw_netns;
  std::string gw_vtep;
  std::string uplink;
  std::vector<std::string> others;  // VTEPs of the hosts with endpoints
  std::vector<std::string> tunnels;
  {
    std::lock_guard lock(mu_);
    if (spec.transit.empty()) return Error::invalid(what + ": the link has no transit hop");
    if (!substrate_) return Error::conflict(what + ": lab " + tag_.str() + " has no substrate");
    const LabNode* gw = substrate_->gateway();
    if (!gw)
      return Error::conflict(what + ": lab " + tag_.str() +
                             " has no uplink, so no tunnel bridge to join the tunnels at");
    auto ends = resolve_locked(spec, what);
    if (!ends) return ends.error();
    for (const auto& e : *ends)
      if (std::find(others.begin(), others.end(), e.vtep) == others.end()) others.push_back(e.vtep);
    std::set<std::pair<std::uint32_t, std::uint16_t>> hops;
    for (const auto& h : spec.transit) {
      if (h.identifier == 0 || h.identifier > 0xFFFFFF)
        return Error::invalid(what + ": transit identifier " + std::to_string(h.identifier) +
                              " is not a VNI (1..16777215)");
      if (!is_ipv4(h.remote))
        return Error::invalid(what + ": the peer's tunnel endpoint '" + h.remote +
                              "' is not an IPv4 address");
      if (h.port == 0) return Error::invalid(what + ": transit port 0");
      if (!hops.emplace(h.identifier, h.port).second)
        return Error::invalid(what + ": transit identifier " + std::to_string(h.identifier) +
                              " twice");
      tunnels.push_back(tunnel_name(h));
    }
    for (const auto& [k, l] : links_) {
      if (k == key) continue;
      if (l.spec.vni == spec.vni)
        return Error::conflict(what + ": VNI used by link " + l.spec.net + "/" + l.spec.name);
      if (!l.parts.count(gw->netns)) continue;
      for (const auto& h : l.spec.transit)
        if (hops.count({h.identifier, h.port}))
          return Error::conflict(what + ": transit identifier " + std::to_string(h.identifier) +
                                 " on port " + std::to_string(h.port) + " is used by link " +
                                 l.spec.net + "/" + l.spec.name);
    }
    auto it = links_.find(key);
    if (it != links_.end() && it->second.spec.vni != spec.vni)
      return Error::conflict(what + ": the link has VNI " + std::to_string(it->second.spec.vni));
    if (it != links_.end() && it->second.parts.count(gw->netns))
      return Error::conflict(what + ": attached already");
    gw_netns = gw->netns;
    gw_vtep = gw->address;
    uplink = substrate_->uplink_address();
    auto& rec = links_[key];
    rec.spec = spec;
    LinkPart part;
    part.host_netns = gw_netns;
    part.tunnels = tunnels;
    rec.parts[gw_netns] = std::move(part);
  }
  auto fail = [&](const Status& st) -> Status {
    for (const auto& t : tunnels)
      if (has_link(gw_netns, t)) (void)ip(gw_netns, {"link", "delete", t});
    if (has_link(gw_netns, vxlan_name(spec.vni)))
      (void)ip(gw_netns, {"link", "delete", vxlan_name(spec.vni)});
    std::lock_guard lock(mu_);
    if (auto it = links_.find(key); it != links_.end()) {
      it->second.parts.erase(gw_netns);
      if (it->second.parts.empty()) links_.erase(it);
    }
    return Error(st.error().code, what + ": " + st.error().message);
  };
  // The local segment, as on any host of the link.
  const std::string vx = vxlan_name(spec.vni);
  if (auto st = ip(gw_netns, {"link", "add", vx, "mtu", std::to_string(options_.mtu), "type",
                              "vxlan", "id", std::to_string(spec.vni), "local", gw_vtep, "dstport",
                              std::to_string(options_.vxlan_port)});
      !st)
    return fail(st);
  for (const auto& o : others)
    if (auto st = check({"bridge", "-n", gw_netns, "fdb", "append", "00:00:00:00:00:00", "dev", vx,
                         "dst", o, "port", std::to_string(options_.vxlan_port)});
        !st)
      return fail(st);
  // A tunnel per hop: point to point, so no learning and no FDB.
  for (std::size_t i = 0; i < spec.transit.size(); ++i) {
    const TransitHop& h = spec.transit[i];
    if (auto st =
            ip(gw_netns, {"link", "add", tunnels[i], "mtu", std::to_string(options_.mtu), "type",
                          "vxlan", "id", std::to_string(h.identifier), "local", uplink, "remote",
                          h.remote, "dstport", std::to_string(h.port), "nolearning"});
        !st)
      return fail(st);
    if (spec.bandwidth_mbps)
      if (auto st = tc(gw_netns, tbf_args(tunnels[i], *spec.bandwidth_mbps)); !st) return fail(st);
  }
  // The bridge: every port's ingress copied to every other port.
  std::vector<std::string> ports = {vx};
  ports.insert(ports.end(), tunnels.begin(), tunnels.end());
  for (const auto& p : ports) {
    if (auto st = tc(gw_netns, {"qdisc", "add", "dev", p, "ingress"}); !st) return fail(st);
    std::vector<std::string> args = {"filter", "add", "dev",   p,     "parent", "ffff:", "protocol",
                                     "all",    "u32", "match", "u32", "0",      "0"};
    std::vector<std::string> outs;
    for (const auto& q : ports)
      if (q != p) outs.push_back(q);
    if (outs.size() == 1) {
      args.insert(args.end(), {"action", "mirred", "egress", "redirect", "dev", outs[0]});
    } else {
      for (const auto& q : outs)
        args.insert(args.end(), {"action", "mirred", "egress", "mirror", "dev", q});
      args.insert(args.end(), {"action", "drop"});
    }
    if (auto st = tc(gw_netns, args); !st) return fail(st);
  }
  for (const auto& p : ports)
    if (auto st = ip(gw_netns, {"link", "set", p, "up"}); !st) return fail(st);
  std::lock_guard lock(mu_);
  links_[key].parts[gw_netns].complete = true;
  return Status::Ok();
}

Status Lab::detach_transit(const LinkSpec& spec) {
  const std::string key = link_key(spec.net, spec.name);
  std::string gw_netns;
  {
    std::lock_guard lock(mu_);
    if (!substrate_ || !substrate_->gateway()) return Status::Ok();
    gw_netns = substrate_->gateway()->netns;
  }
  std::vector<std::string> devs = {vxlan_name(spec.vni)};
  for (const auto& h : spec.transit) devs.push_back(tunnel_name(h));
  std::string errors;
  for (const auto& d : devs) {
    if (!netns_exists(gw_netns) || !has_link(gw_netns, d)) continue;
    if (auto st = ip(gw_netns, {"link", "delete", d}); !st && has_link(gw_netns, d))
      errors += (errors.empty() ? "" : "; ") + st.error().message;
  }
  if (!errors.empty())
    return Error::unavailable(link_what("detaching", spec.net, spec.name, spec.vni) +
                              " from its transit tunnels: " + errors);
  std::lock_guard lock(mu_);
  if (auto it = links_.find(key); it != links_.end()) {
    it->second.parts.erase(gw_netns);
    if (it->second.parts.empty()) links_.erase(it);
  }
  return Status::Ok();
}

Status Lab::create_link(const LinkSpec& spec) {
  const std::string what = link_what("creating", spec.net, spec.name, spec.vni);
  std::vector<std::string> hosts;  // substrate elements, each once
  {
    std::lock_guard lock(mu_);
    if (links_.count(link_key(spec.net, spec.name))) return Error::conflict(what + ": exists");
    auto ends = resolve_locked(spec, what);
    if (!ends) return ends.error();
    for (const auto& e : *ends)
      for (const auto& n : substrate_->nodes)
        if (n.netns == e.host_netns &&
            std::find(hosts.begin(), hosts.end(), n.element) == hosts.end())
          hosts.push_back(n.element);
  }
  for (const auto& h : hosts)
    if (auto st = attach_link(spec, h); !st) {
      (void)remove_link(spec.net, spec.name);
      return st;
    }
  if (!spec.transit.empty())
    if (auto st = attach_transit(spec); !st) {
      (void)remove_link(spec.net, spec.name);
      return st;
    }
  return Status::Ok();
}

Status Lab::remove_link(const std::string& net, const std::string& name) {
  std::vector<std::string> hosts;
  std::optional<LinkSpec> transit;  // the tunnel bridge has a part
  {
    std::lock_guard lock(mu_);
    auto it = links_.find(link_key(net, name));
    if (it == links_.end() || !substrate_) return Status::Ok();
    for (const auto& [ns, part] : it->second.parts)
      for (const auto& n : substrate_->nodes)
        if (n.netns == ns) {
          if (n.gateway)
            transit = it->second.spec;
          else
            hosts.push_back(n.element);
        }
  }
  std::string errors;
  if (transit)
    if (auto st = detach_transit(*transit); !st) errors = st.error().message;
  for (const auto& h : hosts)
    if (auto st = detach_link(net, name, h); !st)
      errors += (errors.empty() ? "" : "; ") + st.error().message;
  if (!errors.empty()) return Error::unavailable(errors);
  return Status::Ok();
}

Status Lab::set_link_bandwidth(const std::string& net, const std::string& name,
                               std::optional<double> mbps) {
  std::vector<EndpointRecord> ends;
  std::string gw_netns;
  std::vector<std::string> tunnels;
  {
    std::lock_guard lock(mu_);
    auto it = links_.find(link_key(net, name));
    if (it == links_.end()) return Error::not_found("virtual link " + net + "/" + name);
    it->second.spec.bandwidth_mbps = mbps;
    for (const auto& [ns, part] : it->second.parts) {
      ends.insert(ends.end(), part.ends.begin(), part.ends.end());
      if (!part.tunnels.empty()) {
        gw_netns = ns;
        tunnels = part.tunnels;
      }
    }
  }
  for (const auto& t : tunnels) {
    if (mbps) {
      if (auto st = tc(gw_netns, tbf_args(t, *mbps)); !st) return st;
    } else {
      (void)tc(gw_netns, {"qdisc", "del", "dev", t, "root"});
    }
  }
  for (const auto& e : ends) {
    if (!netns_exists(e.node_netns)) continue;
    if (mbps) {
      if (auto st = tc(e.node_netns, tbf_args(e.spec.interface, *mbps)); !st) return st;
    } else {
      (void)tc(e.node_netns, {"qdisc", "del", "dev", e.spec.interface, "root"});
    }
  }
  return Status::Ok();
}

// ---- everything -------------------------------------------------------------

Status Lab::cleanup() {
  std::shared_ptr<RootfsPool> pool;
  {
    std::lock_guard lock(mu_);
    pool = std::move(pool_);
  }
  pool.reset();  // its thread stops before the roots go
  auto st = netlab::cleanup(&tag_, options_.cgroup_root);
  if (st && !roots_dir().empty()) st = remove_tree(roots_dir());
  std::lock_guard lock(mu_);
  for (auto& [k, n] : nodes_)
    if (n.pid > 0) reap(n.pid, std::chrono::seconds(1));
  nodes_.clear();
  links_.clear();
  substrate_.reset();
  return st;
}

}  // namespace cloudnet::netlab
