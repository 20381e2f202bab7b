// The Linux embedding plugin (issue 8; CloudNet paper 4.2.1-4.2.2, thesis
// ch. 8): embedding units made real with netlab (src/netlab) on a lab
// substrate of network namespaces on this machine.
//
//  - start(): removes whatever an earlier run of the same tag left (the way
//    `mn -c` does for Mininet) and builds the lab substrate from the PIP's
//    UL graph. A restarted PIP therefore starts from an empty kernel; its
//    start-up reconcile() prepares and applies every embedded VNet again
//    (roles/pip/pip_service.h), so nothing is adopted half-known.
//  - prepare(unit): validates without touching the kernel: the unit's
//    substrate element is a lab host when it hosts nodes; each node's
//    allocations convert to cgroup limits (CPU cores -> cpu quota, RAM ->
//    memory limit); every link end has a usable interface name and a host in
//    the lab; the link's bandwidth has a known unit. It reserves a VNI per
//    virtual link (see below).
//  - apply(unit): the unit's virtual nodes, stopped (thesis 8.2.2: started
//    by the provisioning interface), and this host's part of each virtual
//    link with an end here (netlab::Lab::attach_link: VXLAN device, a macvlan
//    per end moved into the node, tbf at the link's bandwidth). Units of
//    switches and substrate links need no kernel object: the lab's routes
//    carry the tunnel (paper 4.2.2's per-element segments collapse to the
//    end hosts, netlab README "Limits").
//  - remove(unit): the same parts detached and the nodes removed;
//    idempotent, also after a failed apply (the embedder's rollback).
//  - update(from, to): in place when only amounts changed (new cgroup
//    limits, new link rate; nodes keep running), else remove + prepare +
//    apply.
//  - act/status: start, stop, suspend, resume (cgroup freezer),
//    powercycle (stop + start); status read from the kernel.
//  - console: an interactive shell on a pseudo-terminal inside the node
//    (Lab::spawn_in_node), handed to the PIP's relay as a console::Channel.
//
// Transit links (CloudNet paper 4.2.1, 5.4). A VNP's partial graph ends a
// link that continues at another provider at a stub node, which the PIP maps
// like a zero-demand node and marks (flerd/vocabulary.h, kTransitStubAlias);
// the link's alias lists its hops with the identifiers the VNP handed out
// and the peers' tunnel endpoints. The plugin makes no node for a stub: the
// link's local segment gets the lab's tunnel bridge as one more host, and the
// unit holding the link's first stub end (by host id) attaches the tunnel
// bridge's part, one VXLAN tunnel per hop to the peer's endpoint with the
// identifier as VNI (netlab::Lab::attach_transit). A lab without an uplink
// (LinuxOptions::uplink) refuses transit links in prepare. Provisioning
// actions on a stub do nothing, its status is running, it has no console.
//
// Migration inside the PIP (CloudNet paper 4.2.1, issue 8). A virtual node
// runs as one instance per substrate host: under its own name where it was
// first created, as "<name>@<host>" where it moved to, so the old and the new
// instance exist side by side. When a unit gains a node that has an
// instance on another host (apply of an added unit, or update of a changed
// one; the embedder updates units that gain nodes before the others), the
// move is make-before-break:
//   1. the new instance is created with the same limits, and its link ends
//      are made on the new host with the same MAC addresses (derived from
//      VNet, node and interface, so peers' ARP caches stay right);
//   2. switch-over, the measured downtime: the old instance is frozen (cgroup
//      freezer) and its interfaces taken down, its addresses and routes are
//      copied to the new one, every other host of its links (and the tunnel
//      bridge) is pointed at the new host, and the new instance is started
//      if the old one ran (suspended again if it was suspended);
//   3. the old instance goes when the unit that lost it is updated or
//      removed.
// What survives a move: the node's identity, limits, interface MACs,
// addresses and routes, and its files. What does not: its processes and
// their memory (no CRIU in this kernel); the new instance starts its init
// afresh. The
// node's root filesystem moves with it (in the lab every host's roots share
// one filesystem, so that is a rename while the old instance is frozen; on
// real hosts it would be a copy).
// migrations() lists every move with its downtime; the operator's log
// (stderr) gets one line each.
//
// VNIs. One VXLAN network identifier per virtual link, chosen in prepare and
// shared by every unit of the link (each host's part must use the same):
// the start value is derived from the VNet and link ids (FNV-1a into
// [kVniFirst, kVniLast]), so the same VNet gets the same VNIs run after
// run, and collisions are avoided by probing upwards past VNIs this plugin
// has handed to another link (a table in memory, per plugin, i.e. per lab
// substrate; VNIs only need to be unique among the links of one lab, since
// the VXLAN devices live in that lab's namespaces). The VNI is freed when the
// last unit of the link is removed. VNIs below kVniFirst are left to
// identifiers a VNP hands out for transit links (daemon/config.h: transit
// identifiers, by default 100-199).
//
// Type prefixes. By default the plugin claims /node and /link, i.e. every
// element of the lab substrate, the same prefixes the simulation plugin
// claims. A PIP's configuration therefore enables one of them, or narrows
// one (plugins.linux.type_prefixes or plugins.sim.type_prefixes, e.g. the
// linux plugin on /node/host/server and the simulation for the rest); the
// registry refuses two plugins on one prefix (embed/registry.h).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "embed/plugin.h"
#include "flerd/model.h"
#include "netlab/kernel.h"
#include "netlab/lab.h"

namespace cloudnet::embed {

struct LinuxOptions {
  std::string name = "linux";
  // The netlab tag of everything the plugin creates (netlab/names.h): 1-8
  // characters [a-z0-9], e.g. the PIP's name.
  std::string tag;
  std::vector<std::string> type_prefixes = {"/node", "/link"};
  // Every node's pids.max (a fork bomb in a node stays in the node).
  std::int64_t pids_max = 1024;
  std::string cgroup_root = "/sys/fs/cgroup";
  // Shape the substrate's wires to their bandwidth resources.
  bool shape_substrate = true;
  // The lab's uplink to the exchange, for transit links (netlab/substrate.h).
  std::optional<netlab::Uplink> uplink;
  // Each node's own root filesystem (netlab/rootfs.h) under
  // <rootfs_base>/<tag>, and the pre-allocation pool of ready roots (the
  // paper's VM image cache): `pool` roots are built ahead, so creating a
  // node does not wait for one.
  bool rootfs = true;
  std::string rootfs_base = netlab::kRootfsBase;
  std::size_t pool = 2;
};

// Identifiers of locally allocated VNIs (see above).
inline constexpr std::uint32_t kVniFirst = 0x10000;
inline constexpr std::uint32_t kVniLast = 0xFFFFFF;

// The limits a unit's node gets from its allocations: /.../CPU/... in cores
// (unit "cores", "core", "cpus", "vcpus" or none), /.../RAM/... (not
// .../virtual or .../swap) in bytes (B, KB, MB, GB, TB as powers of 1024,
// or KiB ... TiB); several of a kind add up; other attributes
// (disk, service figures) are not enforced by this plugin. kInvalidArgument
// for a unit it cannot convert, a non-positive amount or less than 8 MiB of
// memory.
Result<netlab::Limits> node_limits(const UnitNode& node, std::int64_t pids_max);
// A link's bandwidth in Mbit/s from allocations whose attribute names a
// bandwidth (bps, kbps, Mbps, Gbps; none = Mbps); nullopt if there is none.
Result<std::optional<double>> link_bandwidth_mbps(const std::vector<Allocation>& allocations);

class LinuxPlugin final : public EmbeddingPlugin, public std::enable_shared_from_this<LinuxPlugin> {
 public:
  // Cleans the tag's leftovers and builds the lab substrate of `substrate`
  // (its UL graph). Errors name the tag and the failing command.
  static Result<std::shared_ptr<LinuxPlugin>> start(LinuxOptions options,
                                                    const flerd::Document& substrate);
  // Reaps console shells; leaves the kernel as it is (the next start, or
  // cleanup(), removes it).
  ~LinuxPlugin() override;
  LinuxPlugin(const LinuxPlugin&) = delete;
  LinuxPlugin& operator=(const LinuxPlugin&) = delete;

  std::string name() const override;
  std::vector<flerd::TypePath> type_prefixes() const override;
  Status prepare(const EmbeddingUnit& unit) override;
  Status apply(const EmbeddingUnit& unit) override;
  Status remove(const EmbeddingUnit& unit) override;
  // In place when only amounts changed (the same nodes with the same
  // interfaces, the same links with the same ends): new cgroup limits and
  // link rates, nodes keep running. Anything else: the default (remove,
  // prepare, apply).
  Status update(const EmbeddingUnit& from, const EmbeddingUnit& to) override;
  Status act(const EmbeddingUnit& unit, const UnitNode& node, NodeAction action) override;
  Result<PowerState> status(const EmbeddingUnit& unit, const UnitNode& node) override;
  Result<console::Connector> console(const EmbeddingUnit& unit, const UnitNode& node) override;

  netlab::Lab& lab() { return *lab_; }
  const netlab::Tag& tag() const { return lab_->tag(); }
  // The VNI of a virtual link (overlay link id) while a unit of it is
  // prepared or applied.
  std::optional<std::uint32_t> vni(const std::string& net, const std::string& link) const;
  // Everything of the tag: nodes, links, substrate (netlab::cleanup).
  Status cleanup();

  // A node's instance on a substrate host (above), if it has one there.
  std::optional<std::string> instance(const std::string& net, const std::string& node,
                                      const std::string& host) const;
  struct Migration {
    std::string net, node, from, to;  // substrate hosts
    double downtime_ms = 0;           // old instance frozen -> new one reachable and started
  };
  std::vector<Migration> migrations() const;

  // `cloudnetd pip --cleanup`: removes every kernel object of `tag`.
  static Status cleanup_tag(const std::string& tag);

 private:
  LinuxPlugin(LinuxOptions options, netlab::Tag tag);

  struct VniEntry {
    std::uint32_t vni = 0;
    std::set<std::string> holders;  // substrate elements with a prepared unit of the link
  };
  // The VNI of (net, link), reserved for `holder`; mu_ held.
  Result<std::uint32_t> reserve_vni_locked(const std::string& net, const std::string& link,
                                           const std::string& holder);
  // The whole link from the unit's mapping document: every end with its
  // node's name and host.
  // For a transit link, *transit_owner is set to the substrate element whose
  // unit attaches the tunnel bridge's part.
  Result<netlab::LinkSpec> link_spec(const EmbeddingUnit& unit, const UnitSegment& segment,
                                     std::uint32_t vni, std::string* transit_owner = nullptr) const;
  void reap_consoles(bool wait);

  // The instance name of `node` on `host`: the one there, else its name if
  // it has no instance anywhere, else "<name>@<host>"; mu_ held.
  std::string instance_name_locked(const std::string& net, const std::string& node,
                                   const std::string& host) const;
  // The instance on the unit's host, or the node's name if none is known.
  std::string here(const EmbeddingUnit& unit, const UnitNode& node) const;
  // Creates the node's instance on the unit's host (stopped). *from: the
  // host and instance it has elsewhere, when it is moving in.
  Status create_instance(const EmbeddingUnit& unit, const UnitNode& node,
                         std::optional<std::pair<std::string, std::string>>* from);
  Status remove_instance(const EmbeddingUnit& unit, const UnitNode& node);
  Status update_structure(const EmbeddingUnit& from, const EmbeddingUnit& to);
  // Step 2 above, for a node whose new instance and link ends exist.
  Status switch_over(const EmbeddingUnit& unit, const UnitNode& node,
                     const std::pair<std::string, std::string>& from);
  // Points every other host with a part of the unit's links of `node` (and
  // the tunnel bridge) at their ends' current hosts.
  Status repoint_peers(const EmbeddingUnit& unit, const UnitNode& node);

  const LinuxOptions options_;
  std::unique_ptr<netlab::Lab> lab_;
  mutable std::mutex mu_;
  std::map<std::pair<std::string, std::string>, VniEntry> vnis_;  // (net, link)
  std::map<std::uint32_t, std::pair<std::string, std::string>> vni_owner_;
  std::vector<pid_t> consoles_;  // shells to reap
  // (net, node) -> host -> instance name.
  std::map<std::pair<std::string, std::string>, std::map<std::string, std::string>> instances_;
  std::vector<Migration> migrations_;
  // Structural updates one at a time: a move touches two hosts' units.
  std::mutex update_mu_;
};

}  // namespace cloudnet::embed
