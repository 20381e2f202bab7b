// The one interface every embedding plugin implements (CloudNet paper 2.4:
// "the lower levels of the substrate NE's type will be used to determine
// which plugin to use to provision the CloudNet NEs in question"; 4.2: the
// PIP's "extensible (plugin based) Embedding Component").
//
// A plugin works on EmbeddingUnits (embed/unit.h): everything of one VNet
// that one substrate element hosts. The simulation plugin (sim_plugin.h,
// thesis 8.2.1) records what it would do; the Linux data plane (namespaces,
// veth, VXLAN, tc) and a VNP's plugins that talk to PIPs implement the same
// calls.
//
// Contract:
//  - No exception leaves a plugin; every outcome is a Status or Result (the
//    embedder still catches one and reports it as kInternal).
//  - Calls may arrive concurrently from several threads: for different units
//    (the embedder runs a phase in parallel) and for different nodes of one
//    unit (a VNet-wide action). The embedder never runs two calls for the
//    same node, or a unit call next to a node call of that unit.
//  - prepare validates the unit and reserves what it needs locally; it may
//    fail and must then leave nothing behind that remove could not undo.
//  - apply makes a prepared unit real. Virtual nodes come up stopped
//    (started by the provisioning interface, thesis 8.2.2); link segments
//    come up carrying traffic (paper 4.2.2: "provisioned and brought up
//    automatically").
//  - remove undoes whatever prepare and apply did, also after a partial or
//    failed prepare or apply, and is idempotent: removing a unit that is not
//    there succeeds. Rollback and deletion depend on this.
//  - update changes an applied unit into another one for the same VNet and
//    substrate element (a re-embedding changed what it hosts). After a
//    failure the unit may be anywhere between the two; update(to, from) and
//    remove(to) must then still work (the embedder reverts with the
//    former). Nodes need not keep their power state: the embedder asks
//    status() afterwards and starts what ran before.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "console/relay.h"
#include "embed/unit.h"
#include "flerd/type_path.h"

namespace cloudnet::embed {

// The node actions of the provisioning interface (thesis 8.2.2: start_vnode,
// stop_vnode, suspend_vnode, resume_vnode, powercycle_vnode).
enum class NodeAction { kStart, kStop, kSuspend, kResume, kPowercycle };
const char* to_string(NodeAction action);
Result<NodeAction> parse_node_action(std::string_view text);

// What a plugin reports about a virtual node it has applied.
enum class PowerState { kStopped, kRunning, kSuspended };
const char* to_string(PowerState state);

class EmbeddingPlugin {
 public:
  virtual ~EmbeddingPlugin() = default;

  // Unique within a registry, e.g. "sim", "linux".
  virtual std::string name() const = 0;
  // Substrate type prefixes this plugin embeds on, e.g. /node and /link for
  // the simulation or /node/host/server/linux. The registry gives a unit to
  // the plugin with the longest prefix of the substrate element's type.
  virtual std::vector<flerd::TypePath> type_prefixes() const = 0;

  virtual Status prepare(const EmbeddingUnit& unit) = 0;
  virtual Status apply(const EmbeddingUnit& unit) = 0;
  virtual Status remove(const EmbeddingUnit& unit) = 0;
  // Makes the applied unit `from` into `to` (same net and substrate
  // element). Default: remove(from), prepare(to), apply(to), stopping at the
  // first failure. A plugin that can change a unit in place (resize a
  // reservation, retarget a tunnel) overrides it and may keep nodes running.
  virtual Status update(const EmbeddingUnit& from, const EmbeddingUnit& to);

  // A node action on `node` (one of unit.nodes) of an applied unit.
  virtual Status act(const EmbeddingUnit& unit, const UnitNode& node, NodeAction action) = 0;
  // The node's state as the substrate sees it (thesis 8.2.2 node_running).
  virtual Result<PowerState> status(const EmbeddingUnit& unit, const UnitNode& node) = 0;

  // How to reach the node's console: a connector for console::Target::local,
  // which the PIP's relay hands out as a one-time ticket (thesis 3.3.5,
  // console/README.md). Default: kUnavailable.
  virtual Result<console::Connector> console(const EmbeddingUnit& unit, const UnitNode& node);
};

}  // namespace cloudnet::embed
