#include "embed/embedder.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <functional>
#include <set>
#include <system_error>
#include <thread>
#include <utility>

namespace cloudnet::embed {

namespace detail {

struct ElementRecord {
  std::string id;
  std::string identifier;
  bool is_node = true;
  std::vector<std::size_t> units;  // a node: its one unit; a link: one per segment
  std::size_t node_index = 0;      // a node: its index in units[0]'s nodes
  ElementState state = ElementState::kTentative;
  std::string error;
  bool busy = false;  // a node action is running on it
};

struct VNetRecord {
  std::string net;
  std::vector<Embedder::PlannedUnit> units;  // immutable after creation
  std::vector<UnitPhase> phases;
  std::vector<ElementRecord> elements;  // nodes first, then links; never resized
  bool busy = false;                    // a VNet-wide operation is running
  std::string error;
  std::vector<Transition> history;
};

}  // namespace detail

namespace {

using detail::ElementRecord;
using detail::VNetRecord;

// The plugin boundary: no exception gets past it (plugin.h contract; a
// third-party plugin may still throw).
template <class F>
auto guarded(const EmbeddingPlugin& plugin, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const std::exception& e) {
    return Error::internal("plugin '" + plugin.name() + "' threw: " + e.what());
  } catch (...) {
    return Error::internal("plugin '" + plugin.name() + "' threw a non-standard exception");
  }
}

// Runs fn(i) for every i < n with at most `width` at once. With
// stop_on_failure no index starts after a failure (all-or-nothing phases
// stop early). ran[i] tells whether fn(i) was called.
struct Outcome {
  std::vector<char> ran;  // not vector<bool>: written from several threads
  std::vector<Status> status;
};

Outcome run_bounded(std::size_t n, std::size_t width, bool stop_on_failure,
                    const std::function<Status(std::size_t)>& fn) {
  Outcome out;
  out.ran.assign(n, 0);
  out.status.resize(n);
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  auto worker = [&] {
    for (;;) {
      if (stop_on_failure && failed.load()) return;
      const std::size_t i = next.fetch_add(1);
      if (i >= n) return;
      out.ran[i] = 1;
      out.status[i] = fn(i);
      if (!out.status[i].ok()) failed.store(true);
    }
  };
  std::vector<std::thread> threads;
  const std::size_t extra = std::min(std::max<std::size_t>(width, 1), n);
  for (std::size_t k = 1; k < extra; ++k) {
    try {
      threads.emplace_back(worker);
    } catch (const std::system_error&) {
      break;  // no more threads: the ones we have (and this one) do the rest
    }
  }
  worker();
  for (auto& t : threads) t.join();
  return out;
}

void set_state(VNetRecord& v, ElementRecord& e, ElementState to, const std::string& reason) {
  if (!transition_allowed(e.state, to))
    e.error = "internal: illegal transition " + std::string(to_string(e.state)) + " -> " +
              to_string(to) + " (" + reason + ")";
  v.history.push_back({e.id, e.state, to, reason});
  e.state = to;
}

bool action_allowed(NodeAction a, ElementState s) {
  switch (a) {
    case NodeAction::kStart: return s == ElementState::kStopped;
    case NodeAction::kStop: return s == ElementState::kRunning || s == ElementState::kSuspended;
    case NodeAction::kSuspend: return s == ElementState::kRunning;
    case NodeAction::kResume: return s == ElementState::kSuspended;
    case NodeAction::kPowercycle: return s == ElementState::kRunning;
  }
  return false;
}

const char* action_needs(NodeAction a) {
  switch (a) {
    case NodeAction::kStart: return "stopped";
    case NodeAction::kStop: return "running or suspended";
    case NodeAction::kSuspend: return "running";
    case NodeAction::kResume: return "suspended";
    case NodeAction::kPowercycle: return "running";
  }
  return "?";
}

ElementState result_of(NodeAction a) {
  switch (a) {
    case NodeAction::kStop: return ElementState::kStopped;
    case NodeAction::kSuspend: return ElementState::kSuspended;
    default: return ElementState::kRunning;
  }
}

ElementState from_power(PowerState p) {
  switch (p) {
    case PowerState::kRunning: return ElementState::kRunning;
    case PowerState::kSuspended: return ElementState::kSuspended;
    case PowerState::kStopped: return ElementState::kStopped;
  }
  return ElementState::kFailed;
}

std::string where(const Embedder::PlannedUnit& pu) {
  return "substrate element '" + pu.unit.substrate + "' (" + pu.unit.substrate_type.str() +
         ") by plugin '" + pu.plugin->name() + "'";
}

// An element by overlay id, else by ne_identifier (thesis 8.2.2 names nodes
// by ne_identifier).
Result<std::size_t> find_element(const VNetRecord& v, std::string_view name) {
  for (std::size_t i = 0; i < v.elements.size(); ++i)
    if (v.elements[i].id == name) return i;
  std::optional<std::size_t> hit;
  for (std::size_t i = 0; i < v.elements.size(); ++i) {
    if (v.elements[i].identifier != name) continue;
    if (hit)
      return Error::invalid("ne_identifier '" + std::string(name) +
                            "' names several elements of vnet '" + v.net + "'; use the element id");
    hit = i;
  }
  if (hit) return *hit;
  return Error::not_found("vnet '" + v.net + "' has no element '" + std::string(name) + "'");
}

Result<std::size_t> find_node(const VNetRecord& v, std::string_view name) {
  auto i = find_element(v, name);
  if (!i) return i;
  if (!v.elements[*i].is_node)
    return Error::invalid("'" + std::string(name) + "' is a virtual link of vnet '" + v.net +
                          "'; node actions apply to virtual nodes");
  return i;
}

VNetStatus snapshot(const VNetRecord& v) {
  VNetStatus out;
  out.net = v.net;
  out.error = v.error;
  std::vector<ElementState> states;
  bool all_running = !v.elements.empty();
  for (const auto& e : v.elements) {
    ElementStatus s;
    s.id = e.id;
    s.identifier = e.identifier;
    s.is_node = e.is_node;
    s.state = e.state;
    s.error = e.error;
    for (std::size_t u : e.units) s.substrate.push_back(v.units[u].unit.substrate);
    states.push_back(e.state);
    all_running = all_running && e.state == ElementState::kRunning;
    out.elements.push_back(std::move(s));
  }
  out.state = aggregate(states);
  out.running = all_running;
  for (std::size_t i = 0; i < v.units.size(); ++i) {
    const auto& pu = v.units[i];
    UnitStatus u;
    u.substrate = pu.unit.substrate;
    u.substrate_type = pu.unit.substrate_type.str();
    u.plugin = pu.plugin->name();
    u.phase = v.phases[i];
    for (const auto& n : pu.unit.nodes) u.nodes.push_back(n.id);
    for (const auto& s : pu.unit.segments) u.links.push_back(s.link);
    out.units.push_back(std::move(u));
  }
  return out;
}

// v.elements from v.units: the virtual nodes in unit order, then the
// virtual links in the order of their first segment.
void index_elements(VNetRecord& v) {
  std::map<std::string, std::size_t> link_index;
  std::vector<ElementRecord> links;
  for (std::size_t u = 0; u < v.units.size(); ++u) {
    const auto& unit = v.units[u].unit;
    for (std::size_t k = 0; k < unit.nodes.size(); ++k) {
      ElementRecord e;
      e.id = unit.nodes[k].id;
      e.identifier = unit.nodes[k].identifier;
      e.units = {u};
      e.node_index = k;
      v.elements.push_back(std::move(e));
    }
    for (const auto& s : unit.segments) {
      auto [it, fresh] = link_index.try_emplace(s.link, links.size());
      if (fresh) {
        ElementRecord e;
        e.id = s.link;
        e.identifier = s.identifier;
        e.is_node = false;
        links.push_back(std::move(e));
      }
      links[it->second].units.push_back(u);
    }
  }
  for (auto& l : links) v.elements.push_back(std::move(l));
}

bool any_busy(const VNetRecord& v) {
  return v.busy ||
         std::any_of(v.elements.begin(), v.elements.end(), [](const auto& e) { return e.busy; });
}

Error busy_error(const VNetRecord& v) {
  return Error::conflict("vnet '" + v.net + "' is busy with another operation; retry later");
}

// "first failure; and N more" for a phase.
std::string phase_failure(const char* phase, const VNetRecord& v, const Outcome& o,
                          std::size_t* first) {
  std::string msg;
  std::size_t others = 0;
  for (std::size_t i = 0; i < o.status.size(); ++i) {
    if (!o.ran[i] || o.status[i].ok()) continue;
    if (msg.empty()) {
      *first = i;
      msg = std::string(phase) + " of vnet '" + v.net + "' failed on " + where(v.units[i]) + ": " +
            o.status[i].error().message;
    } else {
      ++others;
    }
  }
  if (others) msg += " (and on " + std::to_string(others) + " more units)";
  return msg;
}

// Brings a node's power state at the plugin to what its element state says
// (after its unit was applied again or updated): asks status(), then starts,
// suspends, resumes or stops as needed.
Status restore_power(const Embedder::PlannedUnit& pu, const UnitNode& node, ElementState target) {
  const PowerState want = target == ElementState::kRunning     ? PowerState::kRunning
                          : target == ElementState::kSuspended ? PowerState::kSuspended
                                                               : PowerState::kStopped;
  auto p = guarded(*pu.plugin, [&] { return pu.plugin->status(pu.unit, node); });
  if (!p) return p.error();
  auto act = [&](NodeAction a) {
    return guarded(*pu.plugin, [&] { return pu.plugin->act(pu.unit, node, a); });
  };
  PowerState now = *p;
  if (now == want) return Status::Ok();
  if (want == PowerState::kStopped) return act(NodeAction::kStop);
  if (now == PowerState::kStopped) {
    if (Status s = act(NodeAction::kStart); !s.ok()) return s;
    now = PowerState::kRunning;
  }
  if (want == PowerState::kSuspended && now == PowerState::kRunning)
    return act(NodeAction::kSuspend);
  if (want == PowerState::kRunning && now == PowerState::kSuspended)
    return act(NodeAction::kResume);
  return Status::Ok();
}

std::string count_units(std::size_t n) {
  return std::to_string(n) + (n == 1 ? " unit" : " units");
}

}  // namespace

const char* to_string(UnitPhase phase) {
  switch (phase) {
    case UnitPhase::kNew: return "new";
    case UnitPhase::kPrepared: return "prepared";
    case UnitPhase::kApplied: return "applied";
    case UnitPhase::kRemoved: return "removed";
    case UnitPhase::kFailed: return "failed";
  }
  return "?";
}

const ElementStatus* VNetStatus::element(std::string_view id) const {
  for (const auto& e : elements)
    if (e.id == id || e.identifier == id) return &e;
  return nullptr;
}

Embedder::Embedder(std::shared_ptr<const PluginRegistry> registry, EmbedderOptions options)
    : registry_(std::move(registry)), options_(options) {
  if (!registry_) registry_ = std::make_shared<PluginRegistry>();
}

Embedder::~Embedder() = default;

Result<std::vector<Embedder::PlannedUnit>> Embedder::plan(const flerd::Document& mapping,
                                                          const UnitOptions& options) const {
  auto units = build_units(mapping, options);
  if (!units) return units.error();
  std::vector<PlannedUnit> out;
  for (auto& u : *units) {
    auto plugin = registry_->select(u.substrate_type, u.substrate);
    if (!plugin) return plugin.error();
    out.push_back({std::move(u), std::move(*plugin)});
  }
  return out;
}

Result<std::shared_ptr<Embedder::VNet>> Embedder::find_locked(std::string_view net) const {
  auto it = vnets_.find(net);
  if (it == vnets_.end())
    return Error::not_found("no vnet '" + std::string(net) + "' is embedded here");
  return it->second;
}

std::vector<std::string> Embedder::teardown(VNet& v, const std::vector<char>& touched,
                                            const std::string& reason) {
  {
    std::lock_guard lock(mu_);
    for (auto& e : v.elements)
      if (e.state != ElementState::kDeleted && e.state != ElementState::kDeleting)
        set_state(v, e, ElementState::kDeleting, reason);
  }
  // Sequential, last unit first: the reverse of the build order (segments
  // go before the nodes they attach to), the same order every time.
  std::vector<std::string> failures;
  std::vector<char> failed(v.units.size(), 0);
  for (std::size_t k = v.units.size(); k-- > 0;) {
    if (!touched[k]) continue;
    const PlannedUnit& pu = v.units[k];
    Status s = guarded(*pu.plugin, [&] { return pu.plugin->remove(pu.unit); });
    std::lock_guard lock(mu_);
    if (s.ok()) {
      v.phases[k] = UnitPhase::kRemoved;
    } else {
      v.phases[k] = UnitPhase::kFailed;
      failed[k] = 1;
      failures.push_back("remove on " + where(pu) + ": " + s.error().message);
    }
  }
  std::lock_guard lock(mu_);
  for (auto& e : v.elements) {
    if (e.state != ElementState::kDeleting) continue;
    const bool bad = std::any_of(e.units.begin(), e.units.end(), [&](auto u) { return failed[u]; });
    if (bad) {
      e.error = "remove failed; remove the vnet again to retry";
      set_state(v, e, ElementState::kFailed, reason + ": remove failed");
    } else {
      set_state(v, e, ElementState::kDeleted, reason);
    }
  }
  return failures;
}

Result<VNetStatus> Embedder::prepare(const flerd::Document& mapping, const UnitOptions& options) {
  auto planned = plan(mapping, options);
  if (!planned) return planned.error();
  if (planned->empty())
    return Error::invalid("the mapping document maps no virtual element; nothing to embed");

  auto v = std::make_shared<VNet>();
  v->net = planned->front().unit.net;
  v->units = std::move(*planned);
  v->phases.assign(v->units.size(), UnitPhase::kNew);
  index_elements(*v);

  {
    std::lock_guard lock(mu_);
    if (auto it = vnets_.find(v->net); it != vnets_.end()) {
      const VNet& old = *it->second;
      std::vector<ElementState> states;
      for (const auto& e : old.elements) states.push_back(e.state);
      if (any_busy(old) || aggregate(states) != ElementState::kDeleted)
        return Error::conflict("vnet '" + v->net + "' is already embedded here (" +
                               to_string(aggregate(states)) + "); remove it first");
    }
    v->busy = true;
    vnets_[v->net] = v;
  }

  Outcome o = run_bounded(v->units.size(), options_.parallelism, true, [&](std::size_t i) {
    const PlannedUnit& pu = v->units[i];
    return guarded(*pu.plugin, [&] { return pu.plugin->prepare(pu.unit); });
  });

  std::string msg;
  std::size_t first = 0;
  {
    std::lock_guard lock(mu_);
    for (std::size_t i = 0; i < o.ran.size(); ++i)
      if (o.ran[i]) v->phases[i] = o.status[i].ok() ? UnitPhase::kPrepared : UnitPhase::kFailed;
    msg = phase_failure("prepare", *v, o, &first);
    if (msg.empty()) {
      v->busy = false;
      return snapshot(*v);
    }
    v->error = msg;
    for (auto& e : v->elements) {
      e.error = msg;
      set_state(*v, e, ElementState::kFailed, msg);
    }
  }
  // A unit whose prepare failed may hold a part: remove it too (remove is
  // idempotent).
  auto failures = teardown(*v, o.ran, "rollback");
  std::size_t touched = static_cast<std::size_t>(std::count(o.ran.begin(), o.ran.end(), 1));
  std::lock_guard lock(mu_);
  v->busy = false;
  msg += failures.empty() ? "; rolled back: removed " + std::to_string(touched) + " units"
                          : "; rollback incomplete: " + failures.front();
  v->error = msg;
  return Error{o.status[first].error().code, msg};
}

Result<VNetStatus> Embedder::confirm(std::string_view net) {
  std::lock_guard lock(mu_);
  auto found = find_locked(net);
  if (!found) return found.error();
  VNet& v = **found;
  if (any_busy(v)) return busy_error(v);
  bool any_tentative = false;
  for (const auto& e : v.elements) {
    if (e.state == ElementState::kTentative) {
      any_tentative = true;
      continue;
    }
    // Confirmed or further along: a retried confirm is harmless.
    if (e.state == ElementState::kFailed || e.state == ElementState::kDeleting ||
        e.state == ElementState::kDeleted)
      return Error::conflict("vnet '" + v.net + "' cannot be confirmed: element '" + e.id +
                             "' is " + to_string(e.state));
  }
  if (any_tentative)
    for (auto& e : v.elements)
      if (e.state == ElementState::kTentative) set_state(v, e, ElementState::kConfirmed, "confirm");
  return snapshot(v);
}

Result<VNetStatus> Embedder::apply(std::string_view net) {
  std::shared_ptr<VNet> vp;
  {
    std::lock_guard lock(mu_);
    auto found = find_locked(net);
    if (!found) return found.error();
    vp = *found;
    if (any_busy(*vp)) return busy_error(*vp);
    for (const auto& e : vp->elements)
      if (e.state != ElementState::kConfirmed)
        return Error::conflict("vnet '" + vp->net + "' cannot be applied: element '" + e.id +
                               "' is " + to_string(e.state) + " (apply needs confirmed)");
    for (auto& e : vp->elements) set_state(*vp, e, ElementState::kProvisioning, "apply");
    vp->busy = true;
  }
  VNet& v = *vp;
  Outcome o = run_bounded(v.units.size(), options_.parallelism, true, [&](std::size_t i) {
    const PlannedUnit& pu = v.units[i];
    return guarded(*pu.plugin, [&] { return pu.plugin->apply(pu.unit); });
  });
  std::string msg;
  std::size_t first = 0;
  {
    std::lock_guard lock(mu_);
    for (std::size_t i = 0; i < o.ran.size(); ++i)
      if (o.ran[i]) v.phases[i] = o.status[i].ok() ? UnitPhase::kApplied : UnitPhase::kFailed;
    msg = phase_failure("apply", v, o, &first);
    if (msg.empty()) {
      // Nodes wait for start (thesis 8.2.2); links are "brought up
      // automatically" (paper 4.2.2).
      for (auto& e : v.elements)
        set_state(v, e, e.is_node ? ElementState::kStopped : ElementState::kRunning, "apply");
      v.busy = false;
      return snapshot(v);
    }
    v.error = msg;
    for (auto& e : v.elements) {
      e.error = msg;
      set_state(v, e, ElementState::kFailed, msg);
    }
  }
  // Every unit was prepared: all of them go, last first.
  auto failures = teardown(v, std::vector<char>(v.units.size(), 1), "rollback");
  std::lock_guard lock(mu_);
  v.busy = false;
  msg += failures.empty() ? "; rolled back: removed " + std::to_string(v.units.size()) + " units"
                          : "; rollback incomplete: " + failures.front();
  v.error = msg;
  return Error{o.status[first].error().code, msg};
}

Result<VNetStatus> Embedder::embed(const flerd::Document& mapping, const UnitOptions& options) {
  auto prepared = prepare(mapping, options);
  if (!prepared) return prepared;
  auto confirmed = confirm(prepared->net);
  if (!confirmed) return confirmed;
  return apply(prepared->net);
}

Result<VNetStatus> Embedder::remove(std::string_view net) {
  std::shared_ptr<VNet> vp;
  std::vector<char> touched;
  {
    std::lock_guard lock(mu_);
    auto found = find_locked(net);
    if (!found) return found.error();
    vp = *found;
    if (any_busy(*vp)) return busy_error(*vp);
    if (std::all_of(vp->elements.begin(), vp->elements.end(),
                    [](const auto& e) { return e.state == ElementState::kDeleted; }))
      return snapshot(*vp);
    for (UnitPhase p : vp->phases)
      touched.push_back(p != UnitPhase::kNew && p != UnitPhase::kRemoved);
    vp->busy = true;
  }
  auto failures = teardown(*vp, touched, "remove");
  std::lock_guard lock(mu_);
  vp->busy = false;
  if (!failures.empty()) {
    std::string msg = "remove of vnet '" + vp->net + "' failed: ";
    for (std::size_t i = 0; i < failures.size(); ++i) msg += (i ? "; " : "") + failures[i];
    vp->error = msg;
    return Error::unavailable(msg);
  }
  vp->error.clear();
  return snapshot(*vp);
}

Status Embedder::forget(std::string_view net) {
  std::lock_guard lock(mu_);
  auto found = find_locked(net);
  if (!found) return found.error();
  const VNet& v = **found;
  if (any_busy(v)) return busy_error(v);
  for (const auto& e : v.elements)
    if (e.state != ElementState::kDeleted)
      return Error::conflict("vnet '" + v.net + "' is not deleted (element '" + e.id + "' is " +
                             to_string(e.state) + "); remove it first");
  vnets_.erase(vnets_.find(net));
  return Status::Ok();
}

Result<VNetStatus> Embedder::reembed(std::string_view net, const flerd::Document& mapping,
                                     const UnitOptions& options) {
  auto planned = plan(mapping, options);
  if (!planned) return planned.error();
  if (planned->empty())
    return Error::invalid("the mapping document maps no virtual element; remove vnet '" +
                          std::string(net) + "' instead");
  if (planned->front().unit.net != net)
    return Error::invalid("the mapping document is for vnet '" + planned->front().unit.net +
                          "', not '" + std::string(net) + "'");

  constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  enum class Kind { kKept, kAdded, kChanged };
  std::shared_ptr<VNet> vp;
  auto nv = std::make_shared<VNet>();
  std::vector<Kind> kind;                          // per new unit
  std::vector<std::size_t> old_of;                 // per new unit: the old one (kept, changed)
  std::vector<std::size_t> adds, changes;          // new unit indices, in unit order
  std::size_t gaining = 0;                         // changes[0, gaining) gain a node
  std::vector<std::size_t> removes;                // old unit indices, in unit order
  std::vector<char> old_touched;                   // per old unit: not kept
  std::map<std::string, std::size_t> old_element;  // id -> old element index
  std::vector<char> touched_element;               // per new element
  std::vector<ElementState> before;                // per new element: its state before
  std::vector<std::string> move;                   // per new element: "s:a to s:b"
  {
    std::lock_guard lock(mu_);
    auto found = find_locked(net);
    if (!found) return found.error();
    vp = *found;
    if (any_busy(*vp)) return busy_error(*vp);
    for (const auto& e : vp->elements) {
      const bool steady = e.is_node ? is_embedded(e.state) : e.state == ElementState::kRunning;
      if (!steady)
        return Error::conflict("vnet '" + vp->net + "' cannot be re-embedded: element '" + e.id +
                               "' is " + to_string(e.state) + " (needs " +
                               (e.is_node ? "stopped, running or suspended" : "running") + ")");
    }
    // A unit an incomplete rollback left behind is not matched against.
    for (std::size_t j = 0; j < vp->units.size(); ++j)
      if (vp->phases[j] != UnitPhase::kApplied)
        return Error::conflict("vnet '" + vp->net + "' cannot be re-embedded: its unit on " +
                               where(vp->units[j]) + " is " + to_string(vp->phases[j]) +
                               "; remove the vnet");

    // Match the units by substrate element.
    std::map<std::string, std::size_t> old_at;
    for (std::size_t j = 0; j < vp->units.size(); ++j)
      old_at.emplace(vp->units[j].unit.substrate, j);
    std::vector<char> matched(vp->units.size(), 0);
    old_touched.assign(vp->units.size(), 1);
    nv->net = vp->net;
    for (auto& pu : *planned) {
      const std::size_t i = nv->units.size();
      auto it = old_at.find(pu.unit.substrate);
      if (it != old_at.end() && vp->units[it->second].plugin == pu.plugin) {
        const std::size_t j = it->second;
        old_at.erase(it);
        matched[j] = 1;
        old_of.push_back(j);
        if (same_embedding(vp->units[j].unit, pu.unit)) {
          kind.push_back(Kind::kKept);
          old_touched[j] = 0;
          nv->units.push_back(vp->units[j]);
          continue;
        }
        kind.push_back(Kind::kChanged);
        changes.push_back(i);
      } else {
        kind.push_back(Kind::kAdded);
        old_of.push_back(kNone);
        adds.push_back(i);
      }
      nv->units.push_back(std::move(pu));
    }
    for (std::size_t j = 0; j < vp->units.size(); ++j)
      if (!matched[j]) removes.push_back(j);
    // Make before break across changed units: the ones that gain a node
    // (a node moving in) are updated before the ones that only lose or
    // change nodes.
    auto gains = [&](std::size_t i) {
      const auto& was = vp->units[old_of[i]].unit.nodes;
      return std::any_of(nv->units[i].unit.nodes.begin(), nv->units[i].unit.nodes.end(),
                         [&](const UnitNode& n) {
                           return std::none_of(was.begin(), was.end(),
                                               [&](const UnitNode& o) { return o.id == n.id; });
                         });
    };
    gaining = static_cast<std::size_t>(
        std::stable_partition(changes.begin(), changes.end(), gains) - changes.begin());
    // Nothing changed on the substrate: nothing to call.
    if (adds.empty() && changes.empty() && removes.empty()) return snapshot(*vp);

    for (std::size_t i = 0; i < nv->units.size(); ++i)
      nv->phases.push_back(kind[i] == Kind::kKept ? vp->phases[old_of[i]] : UnitPhase::kNew);
    index_elements(*nv);
    nv->history = vp->history;
    for (std::size_t k = 0; k < vp->elements.size(); ++k)
      old_element.emplace(vp->elements[k].id, k);
    touched_element.assign(nv->elements.size(), 0);
    before.assign(nv->elements.size(), ElementState::kTentative);
    move.resize(nv->elements.size());
    for (std::size_t k = 0; k < nv->elements.size(); ++k) {
      ElementRecord& e = nv->elements[k];
      bool touched = std::any_of(e.units.begin(), e.units.end(),
                                 [&](std::size_t u) { return kind[u] != Kind::kKept; });
      auto it = old_element.find(e.id);
      if (it == old_element.end()) {
        touched_element[k] = 1;
        set_state(*nv, e, ElementState::kConfirmed, "reembed: new element");
        set_state(*nv, e, ElementState::kProvisioning, "reembed");
        continue;
      }
      const ElementRecord& o = vp->elements[it->second];
      e.state = before[k] = o.state;
      e.error = o.error;
      touched = touched || std::any_of(o.units.begin(), o.units.end(),
                                       [&](std::size_t u) { return old_touched[u] != 0; });
      if (!touched) continue;
      touched_element[k] = 1;
      if (e.is_node && o.is_node) {
        const std::string& from = vp->units[o.units.front()].unit.substrate;
        const std::string& to = nv->units[e.units.front()].unit.substrate;
        if (from != to) move[k] = from + " to " + to;
      }
      set_state(*nv, e, ElementState::kProvisioning,
                move[k].empty() ? "reembed" : "reembed: moving from " + move[k]);
    }
    vp->busy = true;
    nv->busy = true;
    vnets_[nv->net] = nv;
  }

  // --- forward: prepare, apply, update, node states, remove ---
  std::optional<Error::Code> code;
  std::string msg;  // the first failure: "<phase> failed on <where>: <message>"
  std::vector<char> add_ran(adds.size(), 0), change_ran(changes.size(), 0);
  std::vector<char> remove_ran(removes.size(), 0);
  auto phase = [&](const char* name, const std::vector<std::size_t>& which, std::vector<char>* ran,
                   const std::function<Status(std::size_t)>& call) {
    Outcome o = run_bounded(which.size(), options_.parallelism, true,
                            [&](std::size_t k) { return call(which[k]); });
    std::size_t others = 0;
    for (std::size_t k = 0; k < which.size(); ++k) {
      if (!o.ran[k]) continue;
      if (ran) (*ran)[k] = 1;
      if (o.status[k].ok()) continue;
      if (code) {
        ++others;
        continue;
      }
      code = o.status[k].error().code;
      msg = std::string(name) + " failed on " + where(nv->units[which[k]]) + ": " +
            o.status[k].error().message;
    }
    if (others) msg += " (and on " + count_units(others) + " more)";
    return !code;
  };
  auto prepare_unit = [&](std::size_t i) {
    const PlannedUnit& pu = nv->units[i];
    return guarded(*pu.plugin, [&] { return pu.plugin->prepare(pu.unit); });
  };
  auto apply_unit = [&](std::size_t i) {
    const PlannedUnit& pu = nv->units[i];
    return guarded(*pu.plugin, [&] { return pu.plugin->apply(pu.unit); });
  };
  auto update_unit = [&](std::size_t i) {
    const PlannedUnit& pu = nv->units[i];
    const EmbeddingUnit& from = vp->units[old_of[i]].unit;
    return guarded(*pu.plugin, [&] { return pu.plugin->update(from, pu.unit); });
  };
  // Existing nodes on added or changed units get their state back.
  auto restore_nodes = [&] {
    std::vector<std::size_t> todo;
    for (std::size_t k = 0; k < nv->elements.size(); ++k) {
      const ElementRecord& e = nv->elements[k];
      if (e.is_node && touched_element[k] && old_element.count(e.id) &&
          kind[e.units.front()] != Kind::kKept)
        todo.push_back(k);
    }
    Outcome o = run_bounded(todo.size(), options_.parallelism, true, [&](std::size_t r) {
      const ElementRecord& e = nv->elements[todo[r]];
      const PlannedUnit& pu = nv->units[e.units.front()];
      return restore_power(pu, pu.unit.nodes[e.node_index], before[todo[r]]);
    });
    for (std::size_t r = 0; r < todo.size(); ++r) {
      if (!o.ran[r] || o.status[r].ok()) continue;
      const ElementRecord& e = nv->elements[todo[r]];
      code = o.status[r].error().code;
      msg = "start of node '" + e.id + "' failed on " + where(nv->units[e.units.front()]) + ": " +
            o.status[r].error().message;
      break;
    }
    return !code;
  };
  // The gaining units first (see above), then the others.
  auto update_phases = [&] {
    const std::vector<std::size_t> first(changes.begin(),
                                         changes.begin() + static_cast<std::ptrdiff_t>(gaining));
    const std::vector<std::size_t> rest(changes.begin() + static_cast<std::ptrdiff_t>(gaining),
                                        changes.end());
    std::vector<char> ran_first(first.size(), 0), ran_rest(rest.size(), 0);
    const bool ok = phase("update", first, &ran_first, update_unit) &&
                    phase("update", rest, &ran_rest, update_unit);
    for (std::size_t k = 0; k < first.size(); ++k) change_ran[k] = ran_first[k];
    for (std::size_t k = 0; k < rest.size(); ++k) change_ran[gaining + k] = ran_rest[k];
    return ok;
  };
  auto remove_old = [&] {
    // Last unit first, one at a time, as in teardown.
    for (std::size_t k = removes.size(); k-- > 0;) {
      const PlannedUnit& pu = vp->units[removes[k]];
      remove_ran[k] = 1;
      Status st = guarded(*pu.plugin, [&] { return pu.plugin->remove(pu.unit); });
      if (st.ok()) continue;
      code = st.error().code;
      msg = "remove failed on " + where(pu) + ": " + st.error().message;
      return false;
    }
    return true;
  };
  const bool ok = phase("prepare", adds, &add_ran, prepare_unit) &&
                  phase("apply", adds, nullptr, apply_unit) && update_phases() && restore_nodes() &&
                  remove_old();

  if (ok) {
    std::lock_guard lock(mu_);
    for (std::size_t k = 0; k < nv->elements.size(); ++k) {
      if (!touched_element[k]) continue;
      ElementRecord& e = nv->elements[k];
      const bool fresh = !old_element.count(e.id);
      const ElementState to = !fresh      ? before[k]
                              : e.is_node ? ElementState::kStopped
                                          : ElementState::kRunning;
      set_state(*nv, e, to, move[k].empty() ? "reembed" : "reembed: moved from " + move[k]);
    }
    std::set<std::string> now;
    for (const auto& e : nv->elements) now.insert(e.id);
    for (const auto& o : vp->elements) {
      if (now.count(o.id)) continue;
      ElementRecord gone = o;  // only its history entries remain
      set_state(*nv, gone, ElementState::kDeleting, "reembed: no longer in the vnet");
      set_state(*nv, gone, ElementState::kDeleted, "reembed: no longer in the vnet");
    }
    nv->phases.assign(nv->units.size(), UnitPhase::kApplied);
    nv->busy = false;
    // vp stays busy: whoever still holds it is refused and looks again.
    return snapshot(*nv);
  }

  // --- rollback: one call at a time, make before break again ---
  std::vector<std::string> failures;
  std::vector<char> broken(vp->units.size(), 0);    // old units not restored
  std::vector<char> restored(vp->units.size(), 0);  // old units re-applied or reverted
  std::vector<char> node_failed(vp->elements.size(), 0);
  std::vector<char> orphan(nv->units.size(), 0);  // added units that could not be removed
  std::size_t reverted = 0, reapplied = 0, removed = 0;
  for (std::size_t k = changes.size(); k-- > 0;) {
    if (!change_ran[k]) continue;
    const std::size_t i = changes[k];
    const PlannedUnit& old = vp->units[old_of[i]];
    Status st =
        guarded(*old.plugin, [&] { return old.plugin->update(nv->units[i].unit, old.unit); });
    if (st.ok()) {
      ++reverted;
      restored[old_of[i]] = 1;
    } else {
      broken[old_of[i]] = 1;
      failures.push_back("update back on " + where(old) + ": " + st.error().message);
    }
  }
  for (std::size_t k = 0; k < removes.size(); ++k) {
    if (!remove_ran[k]) continue;
    const PlannedUnit& old = vp->units[removes[k]];
    Status st = guarded(*old.plugin, [&] { return old.plugin->prepare(old.unit); });
    if (st.ok()) st = guarded(*old.plugin, [&] { return old.plugin->apply(old.unit); });
    if (st.ok()) {
      ++reapplied;
      restored[removes[k]] = 1;
    } else {
      broken[removes[k]] = 1;
      failures.push_back("re-apply on " + where(old) + ": " + st.error().message);
    }
  }
  for (std::size_t k = 0; k < vp->elements.size(); ++k) {
    const ElementRecord& e = vp->elements[k];
    if (!e.is_node || !restored[e.units.front()]) continue;
    const PlannedUnit& pu = vp->units[e.units.front()];
    Status st = restore_power(pu, pu.unit.nodes[e.node_index], e.state);
    if (st.ok()) continue;
    node_failed[k] = 1;
    failures.push_back("start of node '" + e.id + "' on " + where(pu) + ": " + st.error().message);
  }
  for (std::size_t k = adds.size(); k-- > 0;) {
    if (!add_ran[k]) continue;
    const PlannedUnit& pu = nv->units[adds[k]];
    Status st = guarded(*pu.plugin, [&] { return pu.plugin->remove(pu.unit); });
    if (st.ok()) {
      ++removed;
    } else {
      orphan[adds[k]] = 1;
      failures.push_back("remove on " + where(pu) + ": " + st.error().message);
    }
  }

  std::lock_guard lock(mu_);
  msg = "reembed of vnet '" + vp->net + "': " + msg;
  if (failures.empty()) {
    msg += "; rolled back: reverted " + count_units(reverted) + ", re-applied " +
           count_units(reapplied) + ", removed " + count_units(removed);
  } else {
    msg += "; rollback incomplete: ";
    for (std::size_t i = 0; i < failures.size(); ++i) msg += (i ? "; " : "") + failures[i];
  }
  // The attempt's transitions (on the new record) end where they started.
  for (std::size_t k = 0; k < nv->elements.size(); ++k) {
    if (!touched_element[k]) continue;
    ElementRecord& e = nv->elements[k];
    auto it = old_element.find(e.id);
    if (it == old_element.end()) {
      set_state(*nv, e, ElementState::kFailed, msg);
      const bool stuck = std::any_of(e.units.begin(), e.units.end(), [&](std::size_t u) {
        return orphan[u] || (kind[u] == Kind::kChanged && broken[old_of[u]]);
      });
      if (!stuck) {
        set_state(*nv, e, ElementState::kDeleting, "reembed rolled back");
        set_state(*nv, e, ElementState::kDeleted, "reembed rolled back");
      }
      continue;
    }
    const ElementRecord& o = vp->elements[it->second];
    const bool bad =
        node_failed[it->second] ||
        std::any_of(o.units.begin(), o.units.end(), [&](std::size_t u) { return broken[u] != 0; });
    set_state(*nv, e, bad ? ElementState::kFailed : before[k],
              bad ? msg : std::string("reembed rolled back"));
  }
  vp->history = std::move(nv->history);
  for (std::size_t k = 0; k < vp->elements.size(); ++k) {
    ElementRecord& e = vp->elements[k];
    const bool bad = node_failed[k] || std::any_of(e.units.begin(), e.units.end(),
                                                   [&](std::size_t u) { return broken[u] != 0; });
    if (!bad) continue;
    e.error = msg;
    // An element still in the VNet has its transition in the history already.
    bool logged = false;
    for (const auto& n : nv->elements) logged = logged || n.id == e.id;
    if (logged)
      e.state = ElementState::kFailed;
    else
      set_state(*vp, e, ElementState::kFailed, msg);
  }
  for (std::size_t j = 0; j < vp->units.size(); ++j)
    if (broken[j]) vp->phases[j] = UnitPhase::kFailed;
  // An added unit that would not go stays on record, so remove(net) retries it.
  for (std::size_t i = 0; i < nv->units.size(); ++i) {
    if (!orphan[i]) continue;
    vp->units.push_back(nv->units[i]);
    vp->phases.push_back(UnitPhase::kFailed);
  }
  vp->error = msg;
  vp->busy = false;
  vnets_[vp->net] = vp;
  return Error{*code, msg};
}

Status Embedder::act_on(VNet& v, std::size_t index, NodeAction action) {
  // Immutable parts of the record: safe to read without the lock.
  const ElementRecord& rec = v.elements[index];
  const PlannedUnit& pu = v.units[rec.units.front()];
  const UnitNode& node = pu.unit.nodes[rec.node_index];
  Status s = guarded(*pu.plugin, [&] { return pu.plugin->act(pu.unit, node, action); });
  std::optional<ElementState> after;
  std::string why;
  if (s.ok()) {
    after = result_of(action);
  } else {
    // The call failed: believe what the substrate says now, so a start that
    // did nothing leaves the node stopped instead of failed.
    auto p = guarded(*pu.plugin, [&] { return pu.plugin->status(pu.unit, node); });
    if (p) after = from_power(*p);
    why = std::string(to_string(action)) + " of node '" + rec.id + "' failed on " + where(pu) +
          ": " + s.error().message;
    if (!p) why += "; its state is unknown (" + p.error().message + ")";
  }
  std::lock_guard lock(mu_);
  ElementRecord& e = v.elements[index];
  e.busy = false;
  const std::string reason = s.ok() ? to_string(action) : why;
  if (!s.ok()) e.error = why;
  if (!after || (*after != e.state && !transition_allowed(e.state, *after))) {
    set_state(v, e, ElementState::kFailed, reason);
  } else if (*after != e.state || action == NodeAction::kPowercycle) {
    set_state(v, e, *after, reason);
  }
  if (s.ok()) return Status::Ok();
  return Error{s.error().code, why};
}

Status Embedder::node_action(std::string_view net, std::string_view node, NodeAction action) {
  std::shared_ptr<VNet> vp;
  std::size_t index = 0;
  {
    std::lock_guard lock(mu_);
    auto found = find_locked(net);
    if (!found) return found.error();
    vp = *found;
    auto i = find_node(*vp, node);
    if (!i) return i.error();
    index = *i;
    ElementRecord& e = vp->elements[index];
    if (vp->busy || e.busy) return busy_error(*vp);
    if (!action_allowed(action, e.state))
      return Error::conflict("node '" + e.id + "' of vnet '" + vp->net + "' is " +
                             to_string(e.state) + "; " + to_string(action) + " needs " +
                             action_needs(action));
    e.busy = true;
  }
  return act_on(*vp, index, action);
}

Result<VNetStatus> Embedder::vnet_action(std::string_view net, NodeAction action) {
  std::shared_ptr<VNet> vp;
  std::vector<std::size_t> todo;
  {
    std::lock_guard lock(mu_);
    auto found = find_locked(net);
    if (!found) return found.error();
    vp = *found;
    if (any_busy(*vp)) return busy_error(*vp);
    std::string illegal;
    for (std::size_t i = 0; i < vp->elements.size(); ++i) {
      const ElementRecord& e = vp->elements[i];
      if (!e.is_node) continue;
      if (action != NodeAction::kPowercycle && e.state == result_of(action)) continue;
      if (action_allowed(action, e.state)) {
        todo.push_back(i);
      } else {
        illegal += (illegal.empty() ? "" : ", ") + e.id + " (" + to_string(e.state) + ")";
      }
    }
    if (!illegal.empty())
      return Error::conflict(std::string(to_string(action)) + " of vnet '" + vp->net +
                             "' needs every node " + action_needs(action) + "; not: " + illegal);
    for (std::size_t i : todo) vp->elements[i].busy = true;
  }
  Outcome o = run_bounded(todo.size(), options_.parallelism, false,
                          [&](std::size_t k) { return act_on(*vp, todo[k], action); });
  std::lock_guard lock(mu_);
  std::string msg;
  std::size_t failed = 0;
  std::optional<Error::Code> code;
  for (const Status& s : o.status) {
    if (s.ok()) continue;
    ++failed;
    if (!code) code = s.error().code;
    msg += (msg.empty() ? "" : "; ") + s.error().message;
  }
  if (failed) {
    msg = std::string(to_string(action)) + " of vnet '" + vp->net + "' failed on " +
          std::to_string(failed) + " of " + std::to_string(todo.size()) + " nodes: " + msg;
    vp->error = msg;
    return Error{*code, msg};
  }
  return snapshot(*vp);
}

Result<ElementStatus> Embedder::node_status(std::string_view net, std::string_view node) {
  std::shared_ptr<VNet> vp;
  ElementStatus out;
  bool ask = false;
  std::size_t index = 0;
  {
    std::lock_guard lock(mu_);
    auto found = find_locked(net);
    if (!found) return found.error();
    vp = *found;
    auto i = find_node(*vp, node);
    if (!i) return i.error();
    index = *i;
    const ElementRecord& e = vp->elements[index];
    out.id = e.id;
    out.identifier = e.identifier;
    out.is_node = true;
    out.state = e.state;
    out.error = e.error;
    out.substrate.push_back(vp->units[e.units.front()].unit.substrate);
    // Not while an action runs on it: the plugin sees one call per node.
    ask = is_embedded(e.state) && !e.busy && !vp->busy;
  }
  if (ask) {
    const ElementRecord& rec = vp->elements[index];
    const PlannedUnit& pu = vp->units[rec.units.front()];
    const UnitNode& n = pu.unit.nodes[rec.node_index];
    auto p = guarded(*pu.plugin, [&] { return pu.plugin->status(pu.unit, n); });
    if (p)
      out.power = *p;
    else
      out.error = "status from " + where(pu) + ": " + p.error().message;
  }
  return out;
}

Result<VNetStatus> Embedder::vnet_status(std::string_view net) const {
  std::lock_guard lock(mu_);
  auto found = find_locked(net);
  if (!found) return found.error();
  return snapshot(**found);
}

Result<console::Connector> Embedder::console(std::string_view net, std::string_view node) {
  std::shared_ptr<VNet> vp;
  std::size_t index = 0;
  {
    std::lock_guard lock(mu_);
    auto found = find_locked(net);
    if (!found) return found.error();
    vp = *found;
    auto i = find_node(*vp, node);
    if (!i) return i.error();
    index = *i;
    const ElementRecord& e = vp->elements[index];
    if (!is_embedded(e.state))
      return Error::conflict("node '" + e.id + "' of vnet '" + vp->net + "' is " +
                             to_string(e.state) + "; a console needs an embedded node");
  }
  const ElementRecord& rec = vp->elements[index];
  const PlannedUnit& pu = vp->units[rec.units.front()];
  const UnitNode& n = pu.unit.nodes[rec.node_index];
  return guarded(*pu.plugin, [&] { return pu.plugin->console(pu.unit, n); });
}

std::vector<std::string> Embedder::vnets() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& [net, v] : vnets_) out.push_back(net);
  return out;
}

Result<std::vector<EmbeddingUnit>> Embedder::units(std::string_view net) const {
  std::lock_guard lock(mu_);
  auto found = find_locked(net);
  if (!found) return found.error();
  std::vector<EmbeddingUnit> out;
  for (const auto& pu : (*found)->units) out.push_back(pu.unit);
  return out;
}

Result<std::vector<Transition>> Embedder::history(std::string_view net) const {
  std::lock_guard lock(mu_);
  auto found = find_locked(net);
  if (!found) return found.error();
  return (*found)->history;
}

}  // namespace cloudnet::embed
