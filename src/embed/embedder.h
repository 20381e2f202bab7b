// The PIP's Embedding Component (CloudNet paper 4.2): embeds a (partial)
// CloudNet "given its overlay and mapping layer graphs" by calling, for every
// substrate element the mapping uses, the plugin its type selects (paper
// 2.4), and offers the provisioning interface's node and VNet actions and
// status (thesis 8.2.2).
//
// Embedding is all or nothing (the PIP issue: "a plugin failure during
// embedding rolls the whole request back"): prepare runs on every unit, then
// apply on every unit; when any call fails, every unit already touched is
// removed in reverse unit order (plugins' remove is idempotent, so a unit
// whose call failed half-way is removed too) and the error names the
// substrate element and the plugin. Within a phase units run in parallel, at
// most `parallelism` at a time; after a failure no further unit starts, and
// the rollback itself runs sequentially, so its order is deterministic.
//
// Every virtual element (node or link) follows the state machine of
// embed/state.h; an action that the machine forbids is refused with
// kConflict before any plugin is called. The embedder keeps its state in
// memory; the PIP persists what it needs (store/) and journals the
// transitions (history()).
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "console/relay.h"
#include "embed/plugin.h"
#include "embed/registry.h"
#include "embed/state.h"
#include "embed/unit.h"
#include "flerd/model.h"

namespace cloudnet::embed {

namespace detail {
struct VNetRecord;  // embedder.cc
}

struct EmbedderOptions {
  // Units (for a phase) or nodes (for a VNet action) handled at once; 1 runs
  // them one after the other in unit order.
  std::size_t parallelism = 4;
};

// Where one unit is in its life at the plugin.
enum class UnitPhase { kNew, kPrepared, kApplied, kRemoved, kFailed };
const char* to_string(UnitPhase phase);

struct UnitStatus {
  std::string substrate;
  std::string substrate_type;
  std::string plugin;
  UnitPhase phase = UnitPhase::kNew;
  std::vector<std::string> nodes;  // overlay ids of the virtual nodes it hosts
  std::vector<std::string> links;  // overlay ids of the virtual links crossing it
};

struct ElementStatus {
  std::string id;          // overlay element id
  std::string identifier;  // ne_identifier
  bool is_node = true;
  ElementState state = ElementState::kTentative;
  std::vector<std::string> substrate;  // the substrate elements hosting it
  // Only from node_status(): what the plugin reports, when it could be asked.
  std::optional<PowerState> power;
  std::string error;  // the last failure on this element, if any
  // thesis 8.2.2 node_running: running here and, when asked, at the plugin.
  bool running() const {
    return state == ElementState::kRunning && (!power || *power == PowerState::kRunning);
  }
};

struct VNetStatus {
  std::string net;
  ElementState state = ElementState::kDeleted;  // aggregate() of the elements
  bool running = false;                         // thesis 8.2.2 graph_running: every element running
  std::vector<ElementStatus> elements;          // virtual nodes first, then links
  std::vector<UnitStatus> units;                // in unit order
  std::string error;                            // the last failure of a VNet operation
  const ElementStatus* element(std::string_view id) const;
};

// One state change, for the PIP's journal.
struct Transition {
  std::string element;
  ElementState from = ElementState::kTentative;
  ElementState to = ElementState::kTentative;
  std::string reason;  // "prepare", "apply", "rollback: ...", "start", ...
};

class Embedder {
 public:
  explicit Embedder(std::shared_ptr<const PluginRegistry> registry, EmbedderOptions options = {});
  ~Embedder();
  Embedder(const Embedder&) = delete;
  Embedder& operator=(const Embedder&) = delete;

  // The units of a mapping document and the plugin each would go to,
  // without calling any plugin. Fails like build_units, or when a substrate
  // element's type has no plugin.
  struct PlannedUnit {
    EmbeddingUnit unit;
    std::shared_ptr<EmbeddingPlugin> plugin;
  };
  Result<std::vector<PlannedUnit>> plan(const flerd::Document& mapping,
                                        const UnitOptions& options = {}) const;

  // --- negotiation (thesis 8.2.2 create_vnet / confirm_request / delete) ---

  // Prepares every unit: the VNet's elements become tentative. kConflict if
  // the VNet exists and is not deleted. On failure everything is rolled back
  // (elements end deleted, or failed where a remove failed too).
  Result<VNetStatus> prepare(const flerd::Document& mapping, const UnitOptions& options = {});
  // tentative -> confirmed; no plugin is called.
  Result<VNetStatus> confirm(std::string_view net);
  // Applies every unit of a confirmed VNet: nodes end stopped, links
  // running. On failure every unit is removed (the whole request is gone).
  Result<VNetStatus> apply(std::string_view net);
  // prepare + confirm + apply, for callers that do not negotiate.
  Result<VNetStatus> embed(const flerd::Document& mapping, const UnitOptions& options = {});
  // Removes every unit in reverse unit order; all elements -> deleting ->
  // deleted. Goes on after a failed remove and reports every failure (those
  // elements stay failed; remove again to retry). Removing a deleted VNet is
  // a no-op.
  Result<VNetStatus> remove(std::string_view net);
  // Drops the record of a deleted VNet (kConflict if it is not deleted).
  Status forget(std::string_view net);

  // --- modification (PIP modify_vnet: a changed VNet graph, re-mapped) ---

  // Re-embeds the applied VNet `net` on a new mapping document of it, moving
  // only what must move. The new units (build_units) are matched with the
  // current ones by substrate element:
  //  - kept: same_embedding() (unit.h) and the same plugin. No plugin call;
  //    the record keeps the applied unit (and its mapping document).
  //  - added: a substrate element only the new mapping uses: prepare, apply.
  //  - changed: used by both, content differs: plugin update(old, new).
  //  - removed: only the old mapping uses it: remove.
  // (A unit whose element now goes to another plugin is removed + added.)
  // Order: prepare added, apply added, update changed (first the units that
  // gain a node, then the rest), restore node power states, remove removed
  // (make before break: a moving node runs on its new host before its old
  // one goes). Each phase runs up to `parallelism` units
  // at once; removal runs last unit first, one at a time.
  //
  // Node states are kept: every existing node on an added or changed unit is
  // brought back to the state it had (the plugin is asked for status(); a
  // node that ran is started, a suspended one started and suspended), so a
  // node that stays runs on, and one that moved ends as it was (live
  // migration in the simulation's sense). Elements on touched units go
  // <state> -> provisioning -> <state> in the history, a moved node with the
  // reason "reembed: moved from <old> to <new>"; new elements go tentative ->
  // confirmed -> provisioning -> stopped (nodes) / running (links); elements
  // no longer in the VNet go deleting -> deleted.
  //
  // All or nothing: when a call fails no further call starts, and the old
  // embedding is restored, one call at a time: changed units are reverted
  // with update(new, old) (last first), removed units prepared and applied
  // again, the node states on them restored, added units removed (last
  // first). The record is then exactly what it was (units, element states;
  // the history shows the attempt and the rollback). The error keeps the
  // plugin's code and names the phase (prepare, apply, update, start,
  // remove), the substrate element, its type and the plugin, e.g.
  // "reembed of vnet 'webservice': apply failed on substrate element
  // 's:host3' (/node/host/mainframe) by plugin 'sim': ...; rolled back:
  // ...". If a compensating call fails as well, the elements on that unit
  // end failed, an added unit that could not be removed stays in the record
  // (failed) so that remove(net) retries it, and the message says "rollback
  // incomplete".
  //
  // A mapping identical to the current one calls no plugin at all. Refused
  // (before any plugin call): kNotFound for an unknown VNet; kConflict when
  // it is busy or not fully embedded (every node stopped, running or
  // suspended and every link running); kInvalidArgument when the document
  // maps nothing or names another VNet. Failures of build_units or plugin
  // selection come back as plan() returns them.
  Result<VNetStatus> reembed(std::string_view net, const flerd::Document& mapping,
                             const UnitOptions& options = {});

  // --- provisioning (thesis 8.2.2 start_vnode ... powercycle_graph) ---

  // `node` is an overlay id or ne_identifier. kConflict when the node's
  // state does not allow the action (start needs stopped; stop running or
  // suspended; suspend running; resume suspended; powercycle running). When
  // the plugin fails, the node takes the state the plugin then reports, or
  // failed if it cannot tell.
  Status node_action(std::string_view net, std::string_view node, NodeAction action);
  // The action on every virtual node of the VNet, in parallel. Nodes
  // already in the action's result state are skipped; if any other node
  // cannot take the action, nothing is done (kConflict naming them). Not a
  // transaction: nodes whose plugin call succeeded keep their new state, and
  // the error lists every node that failed.
  Result<VNetStatus> vnet_action(std::string_view net, NodeAction action);

  // The node's recorded state and what its plugin reports (asked when the
  // node is embedded; a plugin error goes into `error`).
  Result<ElementStatus> node_status(std::string_view net, std::string_view node);
  // From the recorded states; no plugin is asked.
  Result<VNetStatus> vnet_status(std::string_view net) const;

  // How to reach the node's console (for console::Target::local). The node
  // must be embedded (stopped, running or suspended).
  Result<console::Connector> console(std::string_view net, std::string_view node);

  // --- inspection ---
  std::vector<std::string> vnets() const;
  Result<std::vector<EmbeddingUnit>> units(std::string_view net) const;
  Result<std::vector<Transition>> history(std::string_view net) const;

 private:
  using VNet = detail::VNetRecord;
  // mu_ held.
  Result<std::shared_ptr<VNet>> find_locked(std::string_view net) const;
  // One node action through the plugin; the element is marked busy by the
  // caller. mu_ not held.
  Status act_on(VNet& v, std::size_t element, NodeAction action);
  // Elements -> deleting, removes the `touched` units last first, then
  // elements -> deleted (or failed where a unit's remove failed). Returns the
  // failures. mu_ not held.
  std::vector<std::string> teardown(VNet& v, const std::vector<char>& touched,
                                    const std::string& reason);

  std::shared_ptr<const PluginRegistry> registry_;
  EmbedderOptions options_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<VNet>, std::less<>> vnets_;
};

}  // namespace cloudnet::embed
