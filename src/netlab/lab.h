// Virtual nodes and virtual links on a lab substrate (CloudNet paper 4.2.1:
// VNodes on substrate hosts, "each virtual link is assigned a unique VLAN
// tag"; this kernel has no 802.1Q devices and no bridge, so a virtual link is
// a VXLAN segment with its own VNI instead).
//
// Virtual node: a network namespace (cn-<tag>-v-<net>.<node>) and cgroup v1
// groups (cpu quota, memory limit, pids, freezer) created on create_node; on
// start an init process runs in that network namespace, a new UTS namespace
// (hostname = the node's name) and, through `unshare --pid --fork
// --mount-proc`, its own PID and mount namespaces, accounted to the groups
// from its first instruction. suspend/resume is the freezer; stop kills
// everything in the groups. The node's state is read back from the kernel
// (namespace, processes, freezer), so it survives a restart of the caller.
// With LabOptions::rootfs_base each node has its own root filesystem
// (rootfs.h): init runs chrooted into it, with the host's binaries bound
// read-only; a pool builds roots ahead (LabOptions::rootfs_pool).
//
// Transit link: a link that continues at another provider. Its local
// segment is an ordinary virtual link whose hosts include the lab's tunnel
// bridge, which joins the segment to a VXLAN tunnel per hop towards the
// peer provider's tunnel bridge (attach_transit, substrate.h), as CloudNet
// paper 4.2.1's tunnel bridge node joins VLAN and tunnel.
//
// Virtual link: one VXLAN network identifier (VNI) per link. On every
// substrate host with an endpoint the link has one VXLAN device (v<VNI>) in
// the host's namespace, with the host's loopback address as local VTEP, so
// encapsulated frames travel the substrate's routes. Broadcast and unknown
// unicast go to every other host of the link by head-end replication, one
// all-zeros FDB entry per remote VTEP (`bridge fdb append 00:00:00:00:00:00
// dev v<VNI> dst <VTEP>`); learning finds unicast destinations. Each
// endpoint is a macvlan in bridge mode on that device, moved into the node's
// namespace and renamed (eth0, ...).
//
// Co-located endpoints. The kernel keys VXLAN devices by (namespace they were
// created in, UDP port, VNI), so a VNI exists once per port in a host's
// namespace. One device per endpoint on different ports was tried and does
// not work: between two VXLAN devices of one host the kernel skips the
// encapsulation (local bypass), and with the devices in node namespaces ARP
// got through but IP was dropped on this kernel; learned entries would also
// record the receiver's own port. Hence one VXLAN device per
// (link, host) and a macvlan per endpoint: co-located endpoints are switched
// by macvlan's bridge mode, remote ones tunnelled; shared media with any mix
// of local and remote ends work, and so does a node that migrates next to
// its peer. Every link uses UDP port 4789; the VNI separates them.
//
// Bandwidth: a token bucket (tc tbf) on each endpoint's interface, in the
// node's namespace, limits what the node sends into the link; with it on
// every endpoint both directions are limited (the seeds' prototype enforced
// none: thesis 8.7).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/result.h"
#include "flerd/model.h"
#include "netlab/command.h"
#include "netlab/kernel.h"
#include "netlab/names.h"
#include "netlab/rootfs.h"
#include "netlab/substrate.h"

namespace cloudnet::netlab {

enum class NodeState { kAbsent, kStopped, kRunning, kSuspended };

// A process started in a node with one bidirectional descriptor as its
// stdin, stdout and stderr (a pseudo-terminal's master, or a socket). The
// caller owns both: close fd, and reap pid (netlab::reap) after it exits.
struct Spawned {
  pid_t pid = -1;
  int fd = -1;
};
const char* to_string(NodeState state);

struct NodeSpec {
  std::string net;       // the VNet
  std::string name;      // the node, unique within the VNet
  std::string host;      // substrate element (id or identifier) of the lab
  std::string hostname;  // default: name
  Limits limits;
  // The init process; runs as PID 1 of the node's PID namespace.
  std::vector<std::string> init = {"sleep", "infinity"};
  std::string log_path;  // init's stdout and stderr; default /dev/null
};

struct LinkEndpoint {
  std::string node;                // node name within the link's VNet
  std::string interface = "eth0";  // device name inside the node (<= 15 chars)
  std::string address;             // optional "192.168.0.1/24"
  std::string mac;                 // optional; default 02:<VNI>:<endpoint index>
  // The node's substrate host (id or identifier). Optional for nodes this
  // Lab created; needed for nodes another host's part creates (a plugin
  // applies one substrate element at a time).
  std::string host;
};

// A VTEP outside the lab (a transit link's tunnel endpoint at another PIP):
// frames are replicated to it too.
struct RemoteVtep {
  std::string address;
  std::uint16_t port = 4789;
};

// One hop of a transit link (CloudNet paper 4.2.1, 5.4): the tunnel from this
// lab's tunnel bridge to the peer provider's, with the identifier the VNP
// handed out as its VNI on the wire.
struct TransitHop {
  std::uint32_t identifier = 0;  // 1 .. 2^24-1
  std::string remote;            // the peer's tunnel endpoint (its uplink address)
  std::uint16_t port = 4789;     // UDP port at both ends
};

struct LinkSpec {
  std::string net;
  std::string name;       // unique within the VNet
  std::uint32_t vni = 0;  // 1 .. 2^24-1, unique per link among everything sharing the substrate
  std::vector<LinkEndpoint> endpoints;  // may be empty for a transit link passing through
  std::vector<RemoteVtep> remote;
  // Non-empty for a transit link: the tunnel bridge is one more host of the
  // link (every other host replicates to it too) and joins the local segment
  // to these tunnels (attach_transit).
  std::vector<TransitHop> transit;
  std::optional<double> bandwidth_mbps;  // tbf on every endpoint; none = unlimited
};

struct LabOptions {
  std::string cgroup_root = "/sys/fs/cgroup";
  std::uint16_t vxlan_port = 4789;  // IANA's VXLAN port, for every link
  // The VXLAN devices' MTU: the wires' 1500 less 50 bytes of encapsulation,
  // so tunnelled frames are never fragmented.
  int mtu = 1450;
  // Each node's own root filesystem (rootfs.h) under <rootfs_base>/<tag>;
  // empty: nodes see the host's files (their mount namespace is still
  // their own).
  std::string rootfs_base;
  // Ready roots kept by the pre-allocation pool while the lab has a
  // substrate (0: every node builds its own when it is created).
  std::size_t rootfs_pool = 0;
};

// Thread-safe: calls for different nodes and links may run at once (an
// embedding plugin's units run in parallel).
class Lab {
 public:
  explicit Lab(Tag tag, LabOptions options = {});
  // Leaves the kernel as it is, so a restarted owner can adopt the lab; call
  // cleanup() to remove everything of the tag.
  ~Lab();
  Lab(const Lab&) = delete;
  Lab& operator=(const Lab&) = delete;

  const Tag& tag() const { return tag_; }

  // --- substrate ---
  // Plans and builds the lab substrate of a UL document (substrate.h).
  Status build_substrate(const flerd::Document& ul, const SubstrateOptions& options = {});
  // Takes a plan whose namespaces exist already (adoption after a restart).
  void adopt_substrate(SubstratePlan plan);
  const SubstratePlan* substrate() const;
  Status remove_substrate();

  // --- virtual nodes ---
  // Namespace and cgroups; the node is stopped. kConflict if it exists,
  // kNotFound for an unknown host.
  Status create_node(const NodeSpec& spec);
  Status start_node(const std::string& net, const std::string& name);
  // Kills every process of the node (it stays created).
  Status stop_node(const std::string& net, const std::string& name);
  Status suspend_node(const std::string& net, const std::string& name);
  Status resume_node(const std::string& net, const std::string& name);
  Status set_limits(const std::string& net, const std::string& name, const Limits& limits);
  // The IPv4 addresses (scope global) of `from`'s interfaces onto the
  // interfaces of the same name of `to`, and the routes `from` added
  // itself: the network state a migrating node keeps (its processes do not:
  // no checkpointing in this kernel).
  Status copy_addresses(const std::string& net, const std::string& from, const std::string& to);
  // The node's root filesystem folder ("" without LabOptions::rootfs_base).
  std::string rootfs_of(const std::string& net, const std::string& name) const;
  // Moves `from`'s root filesystem to `to` (replacing the fresh one `to`
  // got): a migrating node keeps its files. One filesystem holds every lab
  // host's roots, so this is a rename; between real hosts it is a copy.
  Status move_rootfs(const std::string& net, const std::string& from, const std::string& to);
  // The pool, while the lab has a substrate and LabOptions::rootfs_pool > 0.
  std::shared_ptr<RootfsPool> rootfs_pool() const;
  // From the kernel: no namespace -> absent; no process -> stopped; freezer
  // FROZEN -> suspended; else running.
  Result<NodeState> node_state(const std::string& net, const std::string& name) const;
  // Stops the node and deletes its namespace (and the link interfaces in it)
  // and cgroups. Idempotent.
  Status remove_node(const std::string& net, const std::string& name);

  std::string netns_of(const std::string& net, const std::string& name) const;
  // The node's init (PID 1 of its PID namespace) as seen from here.
  Result<pid_t> init_pid(const std::string& net, const std::string& name) const;
  // Runs argv inside a running node: its network, UTS, PID and mount
  // namespaces (nsenter to its init) and its cgroups, so limits apply.
  Result<CommandOutput> exec_in_node(const std::string& net, const std::string& name,
                                     const std::vector<std::string>& argv,
                                     std::chrono::milliseconds timeout = std::chrono::seconds(10));

  // Starts argv in a running node like exec_in_node, without waiting: with
  // terminal, on a new pseudo-terminal (its controlling terminal, so an
  // interactive shell gets job control and ^C), else on a socket pair. The
  // node's console is spawn_in_node(net, name, {"/bin/sh", "-i"}, true),
  // whose fd a console::Channel can carry.
  Result<Spawned> spawn_in_node(const std::string& net, const std::string& name,
                                const std::vector<std::string>& argv, bool terminal);

  // --- virtual links ---
  // A link is made per substrate host, as an embedding plugin applies one
  // substrate element at a time: attach_link(spec, host) creates the link's
  // VXLAN device on `host`, with replication to every other host of the
  // spec's endpoints (their VTEP addresses are fixed by the plan, so the
  // other parts may come before or after), and the interfaces of the
  // endpoints on that host, whose nodes must be created (not necessarily
  // started). All or nothing per host. kConflict if the host's part exists,
  // the VNI belongs to another link, or an interface name is taken.
  Status attach_link(const LinkSpec& spec, const std::string& host);
  // Removes the host's part. Idempotent.
  Status detach_link(const std::string& net, const std::string& name, const std::string& host);
  // The same from the spec, for a caller without this Lab's records (an
  // owner restarted since attach_link): the names follow from the spec.
  Status detach_link(const LinkSpec& spec, const std::string& host);
  // Points the host's part at the hosts of `spec` (whose endpoints may have
  // moved: a migrating node's new instance): all-zeros entries for the
  // current peers, stale ones and entries learned from a VTEP that is no
  // longer a peer removed, so traffic finds the new place at once. Moving an
  // endpoint make-before-break: attach_link on the new host,
  // update_link_peers on the others, detach_link on the old host, and
  // update_link_peers once more (the old instance may have been learned
  // again until it went).
  Status update_link_peers(const LinkSpec& spec, const std::string& host);
  // The tunnel bridge's part of a transit link (substrate.h): the link's
  // VXLAN device there (replicating to every host of the endpoints), one
  // VXLAN device per hop towards the peer's tunnel endpoint (t<identifier>,
  // with p<port> when the port is not 4789; tbf at the link's bandwidth, so
  // the VNet sends no more than it was granted into the transit tunnel), and
  // tc mirred between them: what arrives on one is sent out on every other.
  // That is a learning-free bridge without a Linux bridge; frames never go
  // back where they came from, so two tunnel bridges cannot loop. All or
  // nothing. kConflict without an uplink, if the part exists, or if another
  // link of this lab holds a hop's identifier on the same port.
  Status attach_transit(const LinkSpec& spec);
  // Removes the tunnel bridge's part. Idempotent.
  Status detach_transit(const LinkSpec& spec);
  // The substrate hosts (ids; kTunnelBridge for the tunnel bridge) that have
  // a part of the link.
  std::vector<std::string> link_hosts(const std::string& net, const std::string& name) const;
  // Brings the host's part in line with `spec` without touching the ends
  // that stay (their addresses, set inside the node, survive): ends no
  // longer on this host are deleted, new ones made (their nodes must be
  // created), the replication entries follow (update_link_peers). No part
  // yet: attach_link; no end here any more: detach_link. This is how a
  // migrating node's endpoint moves (make before break: reconcile the new
  // host, then the old one, then update_link_peers on the others).
  Status reconcile_link(const LinkSpec& spec, const std::string& host);
  // Every host's part (and the tunnel bridge's for a transit link); all or
  // nothing.
  Status create_link(const LinkSpec& spec);
  // Every part, the tunnel bridge's too. Idempotent.
  Status remove_link(const std::string& net, const std::string& name);
  // Replaces (or with nullopt removes) the token bucket on every endpoint
  // and transit tunnel.
  Status set_link_bandwidth(const std::string& net, const std::string& name,
                            std::optional<double> mbps);

  // --- everything ---
  // netlab::cleanup of this tag, and forgets every record.
  Status cleanup();

 private:
  struct NodeRecord {
    NodeSpec spec;
    std::string netns;
    std::string host_netns;    // the substrate host's namespace
    std::string host_address;  // its loopback address: the VTEP
    std::unique_ptr<Cgroup> cgroup;
    std::string root;  // its root filesystem; empty: the host's
    pid_t pid = -1;    // our child (unshare) while started by us
  };
  struct EndpointRecord {
    LinkEndpoint spec;
    std::string node_netns;
    std::string host_netns;
    std::string vtep;
    std::string mac;
    std::string tmp;  // the macvlan's name in the host's namespace
  };
  struct LinkPart {  // what a link has on one host
    std::string host_netns;
    std::vector<EndpointRecord> ends;  // the endpoints on this host
    std::vector<std::string> tunnels;  // the tunnel bridge's: one device per transit hop
    bool complete = false;             // false while attach_link runs
  };
  struct LinkRecord {
    LinkSpec spec;
    std::map<std::string, LinkPart> parts;  // by host namespace
  };
  // A lab host (not a hub) by id or identifier (kTunnelBridge too); mu_ held.
  Result<const LabNode*> host_locked(const std::string& host, const std::string& what) const;
  // Endpoints with their hosts and names; mu_ held.
  Result<std::vector<EndpointRecord>> resolve_locked(const LinkSpec& spec,
                                                     const std::string& what) const;
  // One end's macvlan on the host's VXLAN device, moved into its node,
  // addressed, shaped and up; *made counts it once it is in the node.
  Status make_endpoint(const LinkSpec& spec, const EndpointRecord& e, const std::string& host_netns,
                       std::size_t* made);
  void undo_part(std::uint32_t vni, const std::string& host_netns,
                 const std::vector<EndpointRecord>& ends, std::size_t made);

  NodeRecord* find_node(const std::string& net, const std::string& name);
  const NodeRecord* find_node(const std::string& net, const std::string& name) const;

  const Tag tag_;
  const LabOptions options_;
  mutable std::mutex mu_;
  std::unique_ptr<SubstratePlan> substrate_;
  std::shared_ptr<RootfsPool> pool_;
  // <rootfs_base>/<tag>; empty without roots.
  std::string roots_dir() const;
  void start_pool_locked();
  std::map<std::string, NodeRecord> nodes_;  // by node_key
  std::map<std::string, LinkRecord> links_;  // by net + "/" + name
};

}  // namespace cloudnet::netlab
