// Thin wrappers over the kernel objects the lab is made of: network
// namespaces (iproute2's named namespaces in /run/netns), running code inside
// one (a thread that setns()es: network namespaces are per thread), interface
// counters, cgroup v1 groups for limits and the freezer, and finding and
// removing everything a tag left behind.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "netlab/command.h"
#include "netlab/names.h"

namespace cloudnet::netlab {

// Why this machine cannot run labs, or "" if it can: root, `ip netns`, the
// cgroup v1 controllers, and each of `tools` on the PATH (e.g. ping for a
// test). Tests skip with it, the demo falls back to the simulation.
std::string lab_unavailable(const std::vector<std::string>& tools = {},
                            const std::string& cgroup_root = "/sys/fs/cgroup");

// ---- network namespaces -------------------------------------------------

// `ip netns add NAME` and loopback up. kConflict if it exists already.
Status add_netns(const std::string& name);
// Kills the processes still in it (`ip netns pids`), then `ip netns delete`.
// Succeeds if it does not exist (idempotent).
Status delete_netns(const std::string& name);
bool netns_exists(const std::string& name);
Result<std::vector<std::string>> list_netns();
// Deletes every exchange namespace (cn-ix-*, substrate.h) that no lab is on
// any more: nothing but its loopback left.
Status prune_exchanges();

// `ip -n NS <args>`; with ns empty, `ip <args>` in the root namespace.
Status ip(const std::string& ns, std::vector<std::string> args);
// `tc -n NS <args>`.
Status tc(const std::string& ns, std::vector<std::string> args);
// `ip netns exec NS argv...`: a command in a namespace (not in a node's
// cgroups; see Lab::exec_in_node for that).
Result<CommandOutput> exec_in_netns(const std::string& ns, const std::vector<std::string>& argv,
                                    std::chrono::milliseconds timeout);

// Runs fn on a fresh thread that has joined the namespace; the caller's
// thread never changes namespace. Sockets fn creates stay in that namespace.
Status in_netns(const std::string& ns, const std::function<Status()>& fn);
// A socket(domain, type, 0) in namespace ns; the caller owns the descriptor.
Result<int> socket_in_netns(const std::string& ns, int domain, int type);
// Writes /proc/sys/<key with '/' for '.'> inside ns, e.g.
// set_sysctl(ns, "net.ipv4.ip_forward", "1").
Status set_sysctl(const std::string& ns, const std::string& key, const std::string& value);

struct LinkCounters {
  std::uint64_t rx_packets = 0, tx_packets = 0, rx_bytes = 0, tx_bytes = 0;
};
Result<LinkCounters> link_counters(const std::string& ns, const std::string& dev);
// Interface names in ns (root namespace if ns is empty).
Result<std::vector<std::string>> link_names(const std::string& ns);

// ---- cgroup v1 ------------------------------------------------------------

// What a virtual node may use (thesis 5.3.2's node resources made real).
struct Limits {
  std::optional<double> cpus;                 // cores: cpu.cfs_quota_us / cpu.cfs_period_us
  std::optional<std::uint64_t> memory_bytes;  // memory.limit_in_bytes (and memsw if present)
  std::optional<std::int64_t> pids_max;       // pids.max
};

// One node's group in each controller: <root>/<ctl>/cloudnet/<tag>/<key>.
class Cgroup {
 public:
  static const std::vector<std::string>& controllers();  // cpu, memory, freezer, pids

  Cgroup(std::string root, Tag tag, std::string key);
  std::string dir(const std::string& controller) const;
  const std::string& key() const { return key_; }

  // Creates the groups (idempotent) and writes the limits.
  Status create(const Limits& limits);
  Status set_limits(const Limits& limits);
  bool exists() const;

  // Descriptors of each controller's cgroup.procs, opened for a child that
  // writes "0" into each after fork (async-signal-safe), so that it and
  // everything it starts are accounted from the first instruction.
  Result<std::vector<int>> open_procs() const;

  Status freeze();
  Status thaw();
  // "THAWED", "FREEZING" or "FROZEN".
  Result<std::string> freezer_state() const;
  // The processes in the group (freezer hierarchy).
  std::vector<pid_t> procs() const;
  // Thaws, SIGKILLs every process, and waits until the group is empty.
  Status kill_all(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // kill_all, then rmdir in every controller. Idempotent.
  Status remove();

 private:
  std::string root_;
  Tag tag_;
  std::string key_;
};

// ---- leftovers and cleanup ------------------------------------------------

struct Leftovers {
  std::vector<std::string> netns;    // namespace names
  std::vector<std::string> links;    // interfaces in the root namespace
  std::vector<std::string> cgroups;  // cgroup directories
  std::vector<std::string> roots;    // root filesystem folders (rootfs.h, kRootfsBase)
  bool empty() const { return netns.empty() && links.empty() && cgroups.empty() && roots.empty(); }
  std::string describe() const;
};

// Everything of `tag` (every tag with nullptr) in the kernel.
Result<Leftovers> find_leftovers(const Tag* tag, const std::string& cgroup_root = "/sys/fs/cgroup");
// Removes it, the way `mn -c` does for Mininet: kills the processes in the
// tag's cgroups and namespaces, deletes the namespaces (virtual nodes first,
// so their VXLAN devices go before the substrate hosts they were made in),
// root-namespace interfaces with the prefix, the cgroup folders and the
// nodes' root filesystems under kRootfsBase/<tag> (rootfs.h). Carries
// on past failures and reports them together; idempotent.
Status cleanup(const Tag* tag, const std::string& cgroup_root = "/sys/fs/cgroup");

}  // namespace cloudnet::netlab
