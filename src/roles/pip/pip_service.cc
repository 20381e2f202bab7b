#include "roles/pip/pip_service.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <random>
#include <set>
#include <sstream>

#include "flerd/io.h"
#include "flerd/validate.h"
#include "flerd/vocabulary.h"
#include "mapping/builder.h"
#include "mapping/checker.h"
#include "mapping/output.h"
#include "mapping/strategy.h"
#include "mapping/usage.h"
#include "roles/stored_document.h"

namespace cloudnet::roles::pip {

namespace {

// FNV-1a: a stable fingerprint of a request for idempotency keys (the same
// request must give the same fingerprint across restarts, which std::hash
// does not promise).
std::string fingerprint(std::string_view text) {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::string new_vnet_id() {
  static std::mutex mu;
  static std::mt19937_64 rng{
      std::random_device{}() ^
      static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count())};
  std::lock_guard lock(mu);
  char buf[20];
  std::snprintf(buf, sizeof buf, "vn-%012llx",
                static_cast<unsigned long long>(rng() & 0xffffffffffffULL));
  return buf;
}

bool ends_with_level(const std::string& attr, std::string_view leaf) {
  auto pos = attr.rfind('/');
  return pos != std::string::npos && std::string_view(attr).substr(pos + 1) == leaf;
}

// The highest topology of a type (the builder's choice, thesis 4.4).
const flerd::Topology* highest(const flerd::Document& doc, flerd::GraphType type) {
  const flerd::Topology* best = nullptr;
  for (const auto& t : doc.topologies)
    if (t.graphLabel && t.graphLabel->graph_type == type &&
        (!best || t.graphLabel->graph_nr > best->graphLabel->graph_nr))
      best = &t;
  return best;
}

// Attributes that describe a path or routing, not a capacity (the builder
// skips them too, mapping/builder.cc; thesis 5.5.5).
bool is_capacity(const flerd::Resource& r) {
  return !ends_with_level(r.attribute, "latency") && !ends_with_level(r.attribute, "weight");
}

std::string join(const std::vector<std::string>& v, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) out += sep;
    out += v[i];
  }
  return out;
}

Error prefixed(const Error& e, const std::string& prefix) {
  return {e.code, prefix + e.message};
}

std::string state_str(embed::ElementState s) {
  return embed::to_string(s);
}

embed::NodeAction to_node_action(Action a) {
  switch (a) {
    case Action::kStart: return embed::NodeAction::kStart;
    case Action::kStop: return embed::NodeAction::kStop;
    case Action::kSuspend: return embed::NodeAction::kSuspend;
    case Action::kResume: return embed::NodeAction::kResume;
    case Action::kPowercycle: return embed::NodeAction::kPowercycle;
  }
  return embed::NodeAction::kStart;
}

// A VNP's partial VNet (CloudNet paper 5.4) ends a link that crosses to
// another PIP at a stub node of type /node/host/pip (naming the peer in its
// alias) and types that link /link/transit. This PIP has no such elements in
// its substrate, so for completion and mapping the stub becomes a
// zero-demand generic endpoint that may sit on any host (where the transit
// hand-off happens; a declared border node is future work), its alias
// marked with vocab::kTransitStubAlias for the data-plane plugin, and the
// transit link a generic link (its alias, with the hops, stays). The OL0 is
// stored as received.
flerd::Document with_stubs_as_endpoints(const flerd::Document& request) {
  flerd::Document out = request;
  for (auto& t : out.topologies) {
    if (!t.graphLabel || t.graphLabel->graph_type != flerd::GraphType::OL) continue;
    for (auto& e : t.networkElements) {
      if (e.ne_type.rfind(flerd::vocab::kNodePip, 0) == 0 && e.resource.empty()) {
        e.ne_type = flerd::vocab::kNodeGeneric;
        e.alias = flerd::vocab::kTransitStubAlias + e.alias.value_or("");
      } else if (e.ne_type.rfind(flerd::vocab::kLinkTransit, 0) == 0)
        e.ne_type = flerd::vocab::kLinkGeneric;
    }
  }
  out.resolve();
  return out;
}

// Completion of a request that may hold stubs: the stubs become generic
// endpoints (above), and whatever completion added to them (the policy's CPU,
// RAM, virtualization defaults for /node/host) is taken off again, so a stub
// demands nothing and fits on any host.
Result<flerd::Completion> complete_with_stubs(const flerd::Document& request,
                                              const flerd::CompletionPolicy& policy,
                                              const flerd::Document* substrate) {
  std::set<std::string> stubs;
  for (const auto& t : request.topologies)
    if (t.graphLabel && t.graphLabel->graph_type == flerd::GraphType::OL)
      for (const auto& e : t.networkElements)
        if (e.ne_type.rfind(flerd::vocab::kNodePip, 0) == 0 && e.resource.empty())
          stubs.insert(e.id);
  auto c = flerd::complete_request(stubs.empty() ? request : with_stubs_as_endpoints(request),
                                   policy, substrate);
  if (!c || stubs.empty()) return c;
  for (auto& t : c->document.topologies) {
    if (!t.graphLabel || t.graphLabel->graph_type != flerd::GraphType::OL) continue;
    for (auto& e : t.networkElements) {
      bool stub = stubs.count(e.id) > 0;
      for (const auto& h : e.hostedNetworkElement) stub = stub || stubs.count(h.id) > 0;
      if (!stub) continue;
      std::set<std::string> dropped;
      for (const auto& r : e.resource) dropped.insert(r.id);
      e.resource.clear();
      e.features.clear();
      std::erase_if(t.resources, [&](const flerd::Resource& r) { return dropped.count(r.id) > 0; });
    }
  }
  c->document.resolve();
  return c;
}

}  // namespace

// What the PIP keeps in memory per VNet: its lock (one operation per VNet at
// a time; the store serialises across VNets) and what it derived from the
// stored documents.
struct PipService::Live {
  std::mutex mu;
  bool loaded = false;
  std::shared_ptr<const flerd::Document> mapping;  // OL0 + OL1 + ML0 + UL + ResourceMappings
  // The customer's element ids (the request's OL) -> the ids of the completed
  // layer, which the mapping and the embedder use.
  std::map<std::string, std::string> embed_id;
  std::map<std::string, std::string> customer_id;  // the reverse
  std::map<std::string, std::string> kinds;        // customer id -> node | link
  std::map<std::string, std::string> completion;   // "element/attribute" -> value
  std::string detail;
};

namespace {

// Ties the customer's ids to the completed ones: the source element lists its
// completed copy as hostingNetworkElement (flerd/completion.h, appendix B).
void index_ids(PipService::Live& lv, const flerd::Document& request_ol0,
               const flerd::Document& mapping) {
  lv.embed_id.clear();
  lv.customer_id.clear();
  lv.kinds.clear();
  const flerd::Topology* src = highest(request_ol0, flerd::GraphType::OL);
  if (!src) return;
  const flerd::Topology* top = highest(mapping, flerd::GraphType::OL);
  std::set<std::string> completed;
  if (top)
    for (const auto& e : top->networkElements) completed.insert(e.id);
  for (const auto& e : src->networkElements) {
    std::string target = e.id;
    if (const flerd::NetworkElement* me = mapping.element(e.id)) {
      for (const auto& h : me->hostingNetworkElement)
        if (completed.count(h.id)) target = h.id;
    }
    lv.embed_id[e.id] = target;
    lv.customer_id[target] = e.id;
    lv.kinds[e.id] = e.is_link() ? "link" : "node";
  }
}

void index_completion(PipService::Live& lv, const flerd::Completion& c) {
  lv.completion.clear();
  for (const auto& ch : c.choices) {
    if (ch.reason == flerd::ChoiceReason::kPassedOn) continue;
    lv.completion[ch.element + "/" + ch.attribute] = ch.value;
  }
}

}  // namespace

PipService::PipService(Config config) : config_(std::move(config)) {}

PipService::~PipService() {
  stop();
}

void PipService::stop() {
  {
    std::lock_guard lock(sweep_mu_);
    stopping_ = true;
  }
  sweep_cv_.notify_all();
  if (sweeper_.joinable()) sweeper_.join();
  if (relay_) relay_->stop();
}

Result<std::unique_ptr<PipService>> PipService::start(Config config) {
  std::unique_ptr<PipService> s(new PipService(std::move(config)));
  if (Status st = s->open(); !st) return st.error();
  if (Status st = s->reconcile(); !st) return st.error();
  if (s->config_.sweep_interval_s > 0) {
    PipService* self = s.get();
    s->sweeper_ = std::thread([self] {
      const auto period = std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::duration<double>(self->config_.sweep_interval_s));
      std::unique_lock lock(self->sweep_mu_);
      while (!self->stopping_) {
        self->sweep_cv_.wait_for(lock, period, [self] { return self->stopping_; });
        if (self->stopping_) break;
        lock.unlock();
        (void)self->sweep();  // a failed sweep (store busy, disk full) is retried next period
        lock.lock();
      }
    });
  }
  return s;
}

Status PipService::open() {
  const std::string who = "pip '" + config_.name + "'";
  clock_ = config_.clock ? config_.clock : &store::system_clock();
  if (config_.default_ttl_s <= 0 || config_.max_ttl_s < config_.default_ttl_s)
    return Error::invalid(who + ": ttl: need 0 < default_ttl_s <= max_ttl_s");
  flerd::Diagnostics diags = config_.substrate.resolve();
  if (diags.has_errors())
    return Error::invalid(who + ": the substrate does not resolve: " + diags.format());
  const flerd::Topology* ul = highest(config_.substrate, flerd::GraphType::UL);
  if (!ul) return Error::invalid(who + ": the substrate document has no UL topology");
  substrate_layer_ = ul->graphLabel->graph_nr;

  store::ProviderStore::Options so;
  so.clock = clock_;
  auto st = store::ProviderStore::open(config_.store_url, so);
  if (!st) return prefixed(st.error(), who + ": open the store: ");
  store_ = std::move(*st);

  // The capacities the store checks reservations against: every capacity
  // resource of the UL (paper 4.2: the PIP knows its substrate exactly).
  std::map<std::string, double> caps;
  for (const auto& r : ul->resources)
    if (is_capacity(r)) caps[r.id] = r.value;
  store::Document sub = to_store(config_.substrate);
  auto newest =
      store_->read("read the substrate", [&](store::ProviderTx& tx) { return tx.substrate(); });
  if (!newest || newest->document != sub) {
    if (!newest && newest.error().code != Error::Code::kNotFound)
      return prefixed(newest.error(), who + ": ");
    auto v = store_->put_substrate(sub, caps);
    if (!v) return prefixed(v.error(), who + ": record the substrate: ");
  }

  if (config_.registry) {
    registry_ = config_.registry;
  } else {
    auto reg = embed::make_registry(config_.plugins, &config_.substrate);
    if (!reg) return prefixed(reg.error(), who + ": plugins: ");
    registry_ = *reg;
  }
  embed::EmbedderOptions eo;
  eo.parallelism = std::max<std::size_t>(1, config_.embed_parallelism);
  embedder_ = std::make_unique<embed::Embedder>(registry_, eo);

  if (config_.console) {
    console::Relay::Options ro;
    ro.name = "pip " + config_.name;
    ro.bind_host = config_.console_bind;
    ro.port = static_cast<std::uint16_t>(config_.console_port);
    ro.advertise_host = config_.console_advertise;
    auto relay = console::Relay::start(ro);
    if (!relay) return prefixed(relay.error(), who + ": console relay: ");
    relay_.emplace(std::move(*relay));
  }
  return Status::Ok();
}

// --- per-VNet cache ---------------------------------------------------------

Result<std::shared_ptr<PipService::Live>> PipService::live(const std::string& vnet) {
  std::shared_ptr<Live> lv;
  {
    std::lock_guard lock(mu_);
    auto& slot = live_[vnet];
    if (!slot) slot = std::make_shared<Live>();
    lv = slot;
  }
  return lv;
}

void PipService::drop_live(const std::string& vnet) {
  std::lock_guard lock(mu_);
  live_.erase(vnet);
}

namespace {

// Fills a Live from the stored documents (after a restart, or for a VNet
// another thread created). lv.mu held.
Status load(PipService::Live& lv, store::ProviderStore& st, const std::string& vnet,
            const Config& config) {
  if (lv.loaded) return Status::Ok();
  auto docs =
      st.read("load vnet '" + vnet + "'",
              [&](store::ProviderTx& tx) -> Result<std::pair<store::Document, store::Document>> {
                auto ml = tx.document(vnet, store::Layer::kML);
                if (!ml) return ml.error();
                auto ol0 = tx.document(vnet, store::Layer::kOL0);
                if (!ol0) return ol0.error();
                return std::make_pair(*ml, *ol0);
              });
  if (!docs) return docs.error();
  auto ml = from_store(docs->first, "vnet " + vnet + " ML");
  if (!ml) return ml.error();
  auto ol0 = from_store(docs->second, "vnet " + vnet + " OL0");
  if (!ol0) return ol0.error();
  auto mapping = std::make_shared<flerd::Document>(std::move(*ml));
  mapping->resolve();
  index_ids(lv, *ol0, *mapping);
  lv.mapping = mapping;
  // The completion's choices are not a store layer of their own; completing
  // the stored OL0 against the same substrate again gives the same choices.
  auto c = complete_with_stubs(*ol0, config.completion, &config.substrate);
  if (c) index_completion(lv, *c);
  lv.loaded = true;
  return Status::Ok();
}

}  // namespace

Result<store::VNetRecord> PipService::owned(const Caller& caller, const std::string& vnet) {
  auto rec = store_->get_vnet(vnet);
  // Another customer's VNet is indistinguishable from a missing one (paper
  // 4.1: ids do not leak).
  if (!rec) {
    if (rec.error().code == Error::Code::kNotFound)
      return Error::not_found("no vnet '" + vnet + "'");
    return rec.error();
  }
  if (rec->customer != caller.customer) return Error::not_found("no vnet '" + vnet + "'");
  return rec;
}

Result<VNetInfo> PipService::info(const std::string& vnet, bool lock_live) {
  auto data =
      store_->read("status of vnet '" + vnet + "'",
                   [&](store::ProviderTx& tx)
                       -> Result<std::pair<store::VNetRecord, std::vector<store::Element>>> {
                     auto rec = tx.get_vnet(vnet);
                     if (!rec) return rec.error();
                     auto els = tx.elements(vnet);
                     if (!els) return els.error();
                     return std::make_pair(*rec, *els);
                   });
  if (!data) return data.error();
  const auto& [rec, els] = *data;
  VNetInfo out;
  out.id = rec.id;
  out.customer = rec.customer;
  out.state = store::to_string(rec.state);
  out.created_at_ms = rec.created_at;
  out.expires_at_ms = rec.expires_at;
  for (const auto& e : els) {
    ElementStatus s;
    s.id = e.id;
    s.kind = store::to_string(e.kind);
    s.state = rec.state == store::VNetState::kDeleted ? "deleted" : e.state;
    s.site = config_.name;  // never e.host: that is a substrate element (paper 4.1)
    out.elements.push_back(std::move(s));
  }
  std::shared_ptr<Live> lv;
  {
    std::lock_guard lock(mu_);
    auto it = live_.find(vnet);
    if (it != live_.end()) lv = it->second;
  }
  if (lv) {
    // completion and detail change only under lv->mu: the operations call
    // info() holding it; status() and list() take it (waiting for an
    // operation in flight on this VNet).
    std::unique_lock lock(lv->mu, std::defer_lock);
    if (lock_live) lock.lock();
    out.completion = lv->completion;
    out.detail = lv->detail;
  }
  return out;
}

// --- create ---------------------------------------------------------------

Result<VNetInfo> PipService::create_vnet(const Caller& caller, const flerd::Document& request,
                                         const CreateOptions& options) {
  if (caller.customer.empty()) return Error::invalid("create_vnet: no customer");
  std::ostringstream fp;
  fp << "create\n"
     << options.ttl_s << "\n"
     << options.confirm << "\n"
     << flerd::write_string(request, flerd::Format::kYaml);
  return create_locked(caller, request, options, fingerprint(fp.str()));
}

Result<VNetInfo> PipService::create_locked(const Caller& caller, const flerd::Document& request,
                                           const CreateOptions& options,
                                           const std::string& fprint) {
  // A retry of a request already answered: the first answer, nothing new.
  std::optional<store::IdempotencyKey> key;
  if (caller.idempotency_key) {
    key = store::IdempotencyKey{caller.customer, *caller.idempotency_key, fprint};
    auto found = store_->read("look up idempotency key",
                              [&](store::ProviderTx& tx) { return tx.find_response(*key); });
    if (!found) return found.error();
    if (*found) {
      const std::string id = **found;
      auto rec = store_->get_vnet(id);
      if (!rec) return rec.error();
      if (rec->state == store::VNetState::kDeleted) {
        return Error::conflict("the request with idempotency key '" + *caller.idempotency_key +
                               "' created vnet '" + id +
                               "', which is deleted now (rolled back, expired, cancelled or "
                               "deleted); use a new key to create another");
      }
      if (options.confirm && rec->state == store::VNetState::kConfirmed) {
        auto lvr = live(id);
        std::lock_guard lock((*lvr)->mu);
        if (Status s = load(**lvr, *store_, id, config_); !s) return s.error();
        auto c = confirm_locked(id, **lvr);
        if (!c) return c.error();
      }
      return info(id);
    }
  }

  // 1. Validate (thesis 8.2.2: a malformed request names element and field).
  flerd::Document req = request;
  flerd::Diagnostics diags = req.resolve();
  if (!diags.has_errors()) diags.append(flerd::validate(req));
  if (diags.has_errors()) return Error::invalid("invalid request: " + diags.format());
  if (!highest(req, flerd::GraphType::OL))
    return Error::invalid("invalid request: the document has no OL topology");

  // 2. Complete OL0 -> OL1 (paper 5.3): the PIP chooses what was left vague.
  auto comp = complete_with_stubs(req, config_.completion, &config_.substrate);
  if (!comp) return prefixed(comp.error(), "complete the request: ");
  comp->document.resolve();

  const double ttl =
      std::min(options.ttl_s > 0 ? options.ttl_s : config_.default_ttl_s, config_.max_ttl_s);
  const std::string id = new_vnet_id();
  embed::UnitOptions uo;
  uo.net = id;

  std::shared_ptr<flerd::Document> mapping;
  std::vector<store::Element> elements;
  bool replayed = false;
  std::string replay_id;
  std::shared_ptr<Live> lv = *live(id);
  std::unique_lock lv_lock(lv->mu);
  index_completion(*lv, *comp);

  for (int attempt = 1;; ++attempt) {
    // 3. Map onto what is free now; the store re-checks atomically below.
    auto usage = store_->usage();
    if (!usage) return usage.error();
    mapping::BuildInput in;
    in.substrate = &config_.substrate;
    in.request = &comp->document;
    in.substrate_layer = substrate_layer_;
    mapping::BuildNotes notes;
    auto problem = mapping::build_problem(in, &notes);
    if (!problem) {
      drop_live(id);
      return prefixed(problem.error(), "build the mapping problem: ");
    }
    for (auto& sr : problem->substrate_resources) {
      auto it = usage->find(sr.id);
      sr.used = it == usage->end() ? 0.0 : it->second.reserved;
    }
    mapping::StrategyRequest sreq;
    sreq.name = config_.strategy;
    sreq.settings.time_limit_s = config_.time_budget_s;
    sreq.settings.solver = config_.solver;
    mapping::StrategyChoice choice;
    auto result = mapping::map_with_strategy(*problem, sreq, &choice);
    if (!result) {
      drop_live(id);
      return prefixed(result.error(), "map the request: ");
    }
    if (!result->has_solution()) {
      drop_live(id);
      std::string why = result->explanation.empty()
                            ? std::string(mapping::to_string(result->status))
                            : join(result->explanation, "; ");
      return Error::infeasible("the request cannot be embedded on pip '" + config_.name +
                               "': " + why);
    }
    // 4. The independent checker sees every mapping before anything is reserved.
    mapping::CheckReport report = mapping::check(*problem, result->solution);
    if (!report.ok()) {
      drop_live(id);
      return Error::internal("the mapping (" + result->strategy +
                             ") failed the independent check: " + report.format());
    }
    mapping = std::make_shared<flerd::Document>(mapping::mapping_document(
        comp->document, config_.substrate, *problem, *result, config_.name));
    mapping->resolve();
    index_ids(*lv, req, *mapping);
    mapping::Usage use = mapping::compute_usage(*problem, result->solution);
    std::vector<store::Reservation> reservations;
    for (std::size_t r = 0; r < use.resource_use.size(); ++r)
      if (use.resource_use[r] > 1e-12)
        reservations.push_back({problem->substrate_resources[r].id, use.resource_use[r]});

    // Where each element goes, from the embedder's plan (also proves that
    // every substrate element used has a plugin before anything is reserved).
    auto plan = embedder_->plan(*mapping, uo);
    if (!plan) {
      drop_live(id);
      return prefixed(plan.error(), "plan the embedding: ");
    }
    std::map<std::string, std::vector<std::string>> hosts;
    for (const auto& pu : *plan) {
      for (const auto& n : pu.unit.nodes) hosts[n.id].push_back(pu.unit.substrate);
      for (const auto& sgm : pu.unit.segments) hosts[sgm.link].push_back(pu.unit.substrate);
    }
    elements.clear();
    for (const auto& [cid, eid] : lv->embed_id) {
      store::Element e;
      e.id = cid;
      e.kind = lv->kinds[cid] == "link" ? store::ElementKind::kLink : store::ElementKind::kNode;
      e.state = "tentative";
      e.host = join(hosts[eid], ",");
      elements.push_back(std::move(e));
    }

    store::NewVNet nv;
    nv.id = id;
    nv.customer = caller.customer;
    nv.expires_at = clock_->now_ms() + std::max<std::int64_t>(1, std::llround(ttl * 1000));
    nv.reservations = std::move(reservations);
    nv.elements = elements;
    nv.documents = {{store::Layer::kOL0, to_store(req)},
                    {store::Layer::kOL1, to_store(comp->document)},
                    {store::Layer::kML, to_store(*mapping)}};
    const std::string strategy_note = "mapped by " + result->strategy + " (" + choice.reason + ")";
    // 5. One transaction: VNet, reservations, elements, documents, journal
    // entry and the idempotency key (store/README.md: never half).
    auto reserve = [&](store::ProviderTx& tx) -> Result<std::string> {
      auto v = tx.reserve(nv);
      if (!v) return v.error();
      auto ev = tx.append_event(id, "mapped", strategy_note);
      if (!ev) return ev.error();
      return id;
    };
    Status st;
    if (key) {
      auto r = store_->idempotent(*key, reserve);
      if (r) {
        replayed = r->replayed;
        replay_id = r->response;
      } else {
        st = r.error();
      }
    } else {
      auto r = store_->write("create vnet '" + id + "'", reserve);
      if (!r) st = r.error();
    }
    if (st) break;
    // Another request took the capacity between mapping and reserving: map
    // again with what is left (the store's check is the authority).
    if (st.error().code == Error::Code::kInfeasible && attempt < config_.reserve_attempts) continue;
    drop_live(id);
    return prefixed(st.error(), "reserve: ");
  }
  if (replayed) {
    lv_lock.unlock();
    drop_live(id);
    Caller again = caller;
    return create_locked(again, request, options, fprint);  // answers from the stored key
  }
  lv->mapping = mapping;
  lv->loaded = true;

  // 6. Tentative embedding at the plugins (prepare: validate and reserve
  // locally). All or nothing: a failure cancels the VNet in the store.
  auto prep = embedder_->prepare(*mapping, uo);
  if (!prep) {
    lv->detail = "embedding failed and was rolled back: " + prep.error().message;
    (void)embedder_->forget(id);
    auto c = store_->write("roll back vnet '" + id + "'",
                           [&](store::ProviderTx& tx) -> Result<store::VNetRecord> {
                             auto v = tx.transition(id, store::VNetState::kDeleted, lv->detail);
                             if (!v) return v.error();
                             return v;
                           });
    // If even the rollback cannot be written (full disk), the tentative VNet
    // still expires: its reservation is bounded by the ttl, never leaked.
    std::string also =
        c ? ""
          : " (releasing it failed too: " + c.error().message + "; it is released when it expires)";
    return Error{prep.error().code == Error::Code::kInternal ? Error::Code::kInternal
                                                             : Error::Code::kUnavailable,
                 "embedding vnet '" + id + "' failed, rolled back: " + prep.error().message + also};
  }
  if (Status s = sync_elements(id, *lv, false); !s) {
    // The store could not take the element states; the VNet is consistent
    // (tentative in both), only the element view lags. Go on.
  }
  if (options.confirm) {
    auto c = store_->confirm(id);
    if (!c) return c.error();
    auto r = confirm_locked(id, *lv);
    if (!r) return r.error();
  }
  return info(id);
}

// --- confirm / apply --------------------------------------------------------

Result<VNetInfo> PipService::confirm_request(const Caller& caller, const std::string& vnet) {
  auto rec = owned(caller, vnet);
  if (!rec) return rec.error();
  auto lvr = live(vnet);
  Live& lv = **lvr;
  std::lock_guard lock(lv.mu);
  if (Status s = load(lv, *store_, vnet, config_); !s) return s.error();
  if (caller.idempotency_key) {
    store::IdempotencyKey key{caller.customer, *caller.idempotency_key,
                              fingerprint("confirm\n" + vnet)};
    auto r = store_->idempotent(key, [&](store::ProviderTx& tx) -> Result<std::string> {
      auto v = tx.confirm(vnet);
      if (!v) return v.error();
      return vnet;
    });
    if (!r) return r.error();
  } else {
    auto c = store_->confirm(vnet);
    if (!c) return c.error();
  }
  return confirm_locked(vnet, lv);
}

Result<VNetInfo> PipService::confirm_locked(const std::string& vnet, Live& lv) {
  auto rec = store_->get_vnet(vnet);
  if (!rec) return rec.error();
  // confirmed: not applied yet; provisioning: an apply was interrupted (a
  // store failure after it, or a crash). Both are finished here.
  if (rec->state == store::VNetState::kConfirmed || rec->state == store::VNetState::kProvisioning) {
    if (Status s = apply_locked(vnet, lv); !s) return s.error();
  }
  return info(vnet);
}

Status PipService::apply_locked(const std::string& vnet, Live& lv) {
  embed::UnitOptions uo;
  uo.net = vnet;
  auto rec = store_->get_vnet(vnet);
  if (!rec) return rec.error();
  if (rec->state == store::VNetState::kProvisioning) {
    // Whatever an interrupted apply left at the plugins goes first.
    if (Status s = teardown_units(vnet, lv); !s) return s;
  }
  auto es = embedder_->vnet_status(vnet);
  if (!es || es->state == embed::ElementState::kDeleted) {
    if (es) (void)embedder_->forget(vnet);
    auto p = embedder_->prepare(*lv.mapping, uo);
    if (!p) return prefixed(p.error(), "prepare vnet '" + vnet + "': ");
  }
  if (auto c = embedder_->confirm(vnet); !c) return c.error();
  if (rec->state == store::VNetState::kConfirmed) {
    auto t = store_->transition(vnet, store::VNetState::kProvisioning, "apply");
    if (!t) return t.error();  // nothing applied yet; the VNet stays confirmed
  }
  auto applied = embedder_->apply(vnet);
  if (!applied) {
    // A plugin failed: the embedder removed every unit. Roll the whole
    // request back (the issue: "a plugin failure during embedding rolls the
    // whole request back"): deleted, reservations released.
    lv.detail = "embedding failed and was rolled back: " + applied.error().message;
    (void)embedder_->forget(vnet);
    auto d = store_->write("roll back vnet '" + vnet + "'",
                           [&](store::ProviderTx& tx) -> Result<store::VNetRecord> {
                             auto v = tx.transition(vnet, store::VNetState::kDeleting, lv.detail);
                             if (!v) return v.error();
                             return tx.transition(vnet, store::VNetState::kDeleted, "rolled back");
                           });
    std::string also = d ? ""
                         : " (recording the rollback failed: " + d.error().message +
                               "; it is finished at the next start)";
    return Error{Error::Code::kUnavailable, "embedding vnet '" + vnet + "' failed, rolled back: " +
                                                applied.error().message + also};
  }
  if (Status s = sync_elements(vnet, lv, true); !s) {
    // Applied at the plugins but the store cannot say so (full disk,
    // read-only): undo the apply so the plugins hold no more than the store
    // records (provisioning; a retried confirm or the next start finishes it).
    (void)embedder_->remove(vnet);
    (void)embedder_->forget(vnet);
    return s;
  }
  lv.detail.clear();
  return Status::Ok();
}

// Writes the embedder's element states into the store and, when asked, the
// VNet state they add up to (paper 4.2.3 status: running when any node runs,
// stopped when none does, failed when an element failed).
Status PipService::sync_elements(const std::string& vnet, Live& lv, bool set_vnet_state) {
  auto es = embedder_->vnet_status(vnet);
  if (!es) return es.error();
  bool any_running = false, any_failed = false;
  std::map<std::string, std::string> states;
  for (const auto& e : es->elements) {
    auto it = lv.customer_id.find(e.id);
    const std::string cid = it == lv.customer_id.end() ? e.id : it->second;
    states[cid] = state_str(e.state);
    if (e.is_node && e.state == embed::ElementState::kRunning) any_running = true;
    if (e.state == embed::ElementState::kFailed) any_failed = true;
  }
  return store_->write("record element states of vnet '" + vnet + "'",
                       [&](store::ProviderTx& tx) -> Status {
                         auto els = tx.elements(vnet);
                         if (!els) return els.error();
                         for (auto& e : *els) {
                           auto it = states.find(e.id);
                           if (it != states.end()) e.state = it->second;
                         }
                         if (Status s = tx.put_elements(vnet, *els); !s) return s;
                         if (!set_vnet_state) return Status::Ok();
                         auto rec = tx.get_vnet(vnet);
                         if (!rec) return rec.error();
                         store::VNetState want = any_failed    ? store::VNetState::kFailed
                                                 : any_running ? store::VNetState::kRunning
                                                               : store::VNetState::kStopped;
                         if (rec->state == want) return Status::Ok();
                         auto t = tx.transition(vnet, want, "elements");
                         if (!t) return t.error();
                         return Status::Ok();
                       });
}

// Removes whatever the plugins hold of the VNet: through the embedder when it
// knows the VNet, else (after a restart) unit by unit from the stored ML
// document; plugins' remove is idempotent (embed/plugin.h).
Status PipService::teardown_units(const std::string& vnet, Live& lv) {
  auto es = embedder_->vnet_status(vnet);
  if (es) {
    if (es->state != embed::ElementState::kDeleted) {
      auto r = embedder_->remove(vnet);
      if (!r) return prefixed(r.error(), "remove vnet '" + vnet + "': ");
    }
    (void)embedder_->forget(vnet);
    return Status::Ok();
  }
  if (!lv.mapping) return Status::Ok();
  embed::UnitOptions uo;
  uo.net = vnet;
  auto plan = embedder_->plan(*lv.mapping, uo);
  if (!plan) return prefixed(plan.error(), "remove vnet '" + vnet + "': ");
  std::vector<std::string> failures;
  for (auto it = plan->rbegin(); it != plan->rend(); ++it) {
    Status s = it->plugin->remove(it->unit);
    if (!s) failures.push_back(it->unit.substrate + ": " + s.error().message);
  }
  if (!failures.empty())
    return Error::unavailable("remove vnet '" + vnet + "': " + join(failures, "; "));
  return Status::Ok();
}

// --- cancel / delete --------------------------------------------------------

Result<VNetInfo> PipService::cancel_request(const Caller& caller, const std::string& vnet) {
  auto rec = owned(caller, vnet);
  if (!rec) return rec.error();
  auto lvr = live(vnet);
  Live& lv = **lvr;
  std::lock_guard lock(lv.mu);
  auto cur = store_->get_vnet(vnet);
  if (!cur) return cur.error();
  if (cur->state == store::VNetState::kDeleted) return info(vnet);  // a retried cancel
  if (cur->state != store::VNetState::kTentative)
    return Error::conflict("vnet '" + vnet + "' is " + store::to_string(cur->state) +
                           "; only a tentative request can be cancelled (delete it instead)");
  if (Status s = load(lv, *store_, vnet, config_); !s) return s.error();
  // Plugins first, then the store: a crash in between leaves a tentative
  // VNet that is prepared again at start-up or expires, never a plugin
  // holding what the store has released.
  if (Status s = teardown_units(vnet, lv); !s) return s.error();
  auto c = store_->cancel(vnet);
  if (!c) return c.error();
  return info(vnet);
}

Result<VNetInfo> PipService::delete_vnet(const Caller& caller, const std::string& vnet) {
  auto rec = owned(caller, vnet);
  if (!rec) return rec.error();
  if (rec->state == store::VNetState::kTentative) return cancel_request(caller, vnet);
  auto lvr = live(vnet);
  Live& lv = **lvr;
  std::lock_guard lock(lv.mu);
  auto cur = store_->get_vnet(vnet);
  if (!cur) return cur.error();
  if (cur->state == store::VNetState::kDeleted) return info(vnet);
  if (cur->state == store::VNetState::kTentative) {
    if (Status s = load(lv, *store_, vnet, config_); !s) return s.error();
    if (Status s = teardown_units(vnet, lv); !s) return s.error();
    auto c = store_->cancel(vnet);
    if (!c) return c.error();
    return info(vnet);
  }
  if (Status s = load(lv, *store_, vnet, config_); !s) return s.error();
  if (cur->state != store::VNetState::kDeleting) {
    auto t = store_->transition(vnet, store::VNetState::kDeleting, "delete");
    if (!t) return t.error();
  }
  if (Status s = teardown_units(vnet, lv); !s) {
    // Resources may still be in use at the plugin: keep the reservation.
    lv.detail = s.error().message;
    (void)store_->transition(vnet, store::VNetState::kFailed, s.error().message);
    return s.error();
  }
  auto d = store_->transition(vnet, store::VNetState::kDeleted, "deleted");
  if (!d) return d.error();
  return info(vnet);
}

// --- provisioning -------------------------------------------------------------

Result<VNetInfo> PipService::provision(const Caller& caller, const std::string& vnet, Action action,
                                       const std::string& node) {
  auto rec = owned(caller, vnet);
  if (!rec) return rec.error();
  auto lvr = live(vnet);
  Live& lv = **lvr;
  std::lock_guard lock(lv.mu);
  auto cur = store_->get_vnet(vnet);
  if (!cur) return cur.error();
  if (cur->state != store::VNetState::kRunning && cur->state != store::VNetState::kStopped)
    return Error::conflict("vnet '" + vnet + "' is " + store::to_string(cur->state) + ": " +
                           to_string(action) + " needs a running or stopped (confirmed) vnet");
  if (Status s = load(lv, *store_, vnet, config_); !s) return s.error();
  Status acted;
  if (node.empty()) {
    auto r = embedder_->vnet_action(vnet, to_node_action(action));
    if (!r) acted = r.error();
  } else {
    auto it = lv.embed_id.find(node);
    if (it == lv.embed_id.end())
      return Error::not_found("vnet '" + vnet + "' has no element '" + node + "'");
    if (lv.kinds[node] != "node")
      return Error::invalid("vnet '" + vnet + "': '" + node + "' is a link; " + to_string(action) +
                            " applies to virtual nodes");
    acted = embedder_->node_action(vnet, it->second, to_node_action(action));
  }
  // Record what the plugins now report, also after a failure (the node may
  // have changed state, thesis 8.2.2 node_running).
  Status synced = sync_elements(vnet, lv, true);
  if (!acted) return acted.error();
  if (!synced) return synced.error();
  return info(vnet);
}

Result<VNetInfo> PipService::status(const Caller& caller, const std::string& vnet) {
  auto rec = owned(caller, vnet);
  if (!rec) return rec.error();
  return info(vnet, true);
}

Result<std::vector<VNetInfo>> PipService::list(const Caller& caller) {
  auto recs = store_->list_vnets(caller.customer, false);
  if (!recs) return recs.error();
  std::vector<VNetInfo> out;
  for (const auto& r : *recs) {
    auto i = info(r.id, true);
    if (i) out.push_back(std::move(*i));
  }
  return out;
}

Result<flerd::Document> PipService::document(const Caller& caller, const std::string& vnet) {
  auto rec = owned(caller, vnet);
  if (!rec) return rec.error();
  // OL0 + OL1 only: the OL1 document is the request plus its completion;
  // the ML and the substrate stay inside (paper 4.1).
  auto d = store_->read("document of vnet '" + vnet + "'", [&](store::ProviderTx& tx) {
    return tx.document(vnet, store::Layer::kOL1);
  });
  if (!d) return d.error();
  return from_store(*d, "vnet " + vnet + " OL1");
}

Result<ConsoleAccess> PipService::console(const Caller& caller, const std::string& vnet,
                                          const std::string& node) {
  auto rec = owned(caller, vnet);
  if (!rec) return rec.error();
  if (!relay_) return Error::unavailable("pip '" + config_.name + "' runs no console relay");
  auto lvr = live(vnet);
  Live& lv = **lvr;
  std::lock_guard lock(lv.mu);
  if (Status s = load(lv, *store_, vnet, config_); !s) return s.error();
  auto it = lv.embed_id.find(node);
  if (it == lv.embed_id.end() || lv.kinds[node] != "node")
    return Error::not_found("vnet '" + vnet + "' has no node '" + node + "'");
  auto conn = embedder_->console(vnet, it->second);
  if (!conn) return conn.error();
  const auto ttl = std::chrono::milliseconds(
      std::max<std::int64_t>(1000, std::llround(config_.console_ticket_ttl_s * 1000)));
  auto ticket = relay_->issue(console::Target::local(*conn, vnet + "/" + node), ttl);
  if (!ticket) return ticket.error();
  ConsoleAccess a;
  a.host = ticket->host;
  a.port = ticket->port;
  a.token = ticket->token;
  a.expires_at_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(ticket->expires_at.time_since_epoch())
          .count();
  return a;
}

// --- metrics ---------------------------------------------------------------

Result<Metrics> PipService::get_metrics(const Caller& caller) {
  auto usage = store_->usage();
  if (!usage) return usage.error();
  Metrics m;
  m.provider = config_.name;
  // Sums per attribute (paper 5.2: aggregated, never topology); resource ids
  // stay inside.
  for (const auto& [id, u] : *usage) {
    const flerd::Resource* r = config_.substrate.resource(id);
    if (!r) continue;  // left the substrate; capacity 0
    auto& a = m.resources[r->attribute];
    a.capacity += u.capacity;
    const double free = std::max(0.0, u.free());
    a.available += free;
    a.largest_available = std::max(a.largest_available, free);
  }
  std::map<std::string, std::set<std::string>> features;
  if (const flerd::Topology* ul = highest(config_.substrate, flerd::GraphType::UL))
    for (const auto& e : ul->networkElements)
      if (e.is_node())
        for (const auto& f : e.features) features[f.attribute].insert(f.value);
  for (const auto& [attr, values] : features)
    m.features[attr] = join(std::vector<std::string>(values.begin(), values.end()), ",");
  auto mine = store_->list_vnets(caller.customer, false);
  if (mine) m.vnets = static_cast<int>(mine->size());
  return m;
}

// --- modify (thesis 5.3.5: re-map with migration costs) -----------------------

namespace {

// What a VNet holds in the store, to write back when a modification cannot
// be embedded.
struct Holding {
  std::vector<store::Reservation> reservations;
  std::vector<store::Element> elements;
  std::vector<std::pair<store::Layer, store::Document>> documents;
};

// Replaces a VNet's reservations, elements and documents inside one write
// transaction (capacity checked as ProviderTx::reserve does).
Status replace_holding(store::ProviderTx& tx, const std::string& vnet, const Holding& h) {
  if (Status s = tx.replace_reservations(vnet, h.reservations); !s) return s;
  if (Status s = tx.replace_elements(vnet, h.elements); !s) return s;
  for (const auto& [layer, doc] : h.documents)
    if (Status s = tx.put_document(vnet, layer, doc); !s) return s;
  return Status::Ok();
}

}  // namespace

Result<VNetInfo> PipService::modify_vnet(const Caller& caller, const std::string& vnet,
                                         const flerd::Document& request) {
  auto rec = owned(caller, vnet);
  if (!rec) return rec.error();
  auto lvr = live(vnet);
  Live& lv = **lvr;
  std::lock_guard lock(lv.mu);
  auto cur = store_->get_vnet(vnet);
  if (!cur) return cur.error();
  const store::VNetState state = cur->state;
  if (state != store::VNetState::kTentative && state != store::VNetState::kConfirmed &&
      state != store::VNetState::kRunning && state != store::VNetState::kStopped)
    return Error::conflict(
        "vnet '" + vnet + "' is " + store::to_string(state) +
        "; only a tentative, confirmed, running or stopped vnet can be modified");
  if (Status s = load(lv, *store_, vnet, config_); !s) return s.error();

  flerd::Document req = request;
  flerd::Diagnostics diags = req.resolve();
  if (!diags.has_errors()) diags.append(flerd::validate(req));
  if (diags.has_errors()) return Error::invalid("invalid request: " + diags.format());
  if (!highest(req, flerd::GraphType::OL))
    return Error::invalid("invalid request: the document has no OL topology");
  auto comp = complete_with_stubs(req, config_.completion, &config_.substrate);
  if (!comp) return prefixed(comp.error(), "complete the request: ");
  comp->document.resolve();

  // What the VNet holds now, to restore if the new embedding fails.
  auto old =
      store_->read("read vnet '" + vnet + "'", [&](store::ProviderTx& tx) -> Result<Holding> {
        Holding h;
        auto r = tx.reservations(vnet);
        if (!r) return r.error();
        h.reservations = *r;
        auto e = tx.elements(vnet);
        if (!e) return e.error();
        h.elements = *e;
        for (store::Layer l : {store::Layer::kOL0, store::Layer::kOL1, store::Layer::kML}) {
          auto d = tx.document(vnet, l);
          if (!d) return d.error();
          h.documents.emplace_back(l, *d);
        }
        return h;
      });
  if (!old) return old.error();
  std::map<std::string, double> own;
  for (const auto& r : old->reservations) own[r.resource] += r.amount;
  std::map<std::string, std::string> old_host;
  for (const auto& e : old->elements) old_host[e.id] = e.host;

  embed::UnitOptions uo;
  uo.net = vnet;
  auto new_lv = std::make_shared<Live>();
  std::shared_ptr<flerd::Document> mapping;
  Holding next;
  std::vector<std::string> moved;
  for (int attempt = 1;; ++attempt) {
    auto usage = store_->usage();
    if (!usage) return usage.error();
    mapping::BuildInput in;
    in.substrate = &config_.substrate;
    in.request = &comp->document;
    in.substrate_layer = substrate_layer_;
    // Thesis 5.3.5: the old mapping makes moving cost penalty(u), so only
    // what must move moves.
    in.existing = {lv.mapping.get()};
    auto problem = mapping::build_problem(in);
    if (!problem) return prefixed(problem.error(), "build the mapping problem: ");
    for (auto& sr : problem->substrate_resources) {
      auto it = usage->find(sr.id);
      const double reserved = it == usage->end() ? 0.0 : it->second.reserved;
      sr.used = std::max(0.0, reserved - own[sr.id]);  // our own capacity is ours to reuse
    }
    mapping::StrategyRequest sreq;
    sreq.name = config_.strategy;
    sreq.settings.time_limit_s = config_.time_budget_s;
    sreq.settings.solver = config_.solver;
    auto result = mapping::map_with_strategy(*problem, sreq);
    if (!result) return prefixed(result.error(), "map the request: ");
    if (!result->has_solution())
      return Error::infeasible(
          "the modified request cannot be embedded on pip '" + config_.name + "': " +
          (result->explanation.empty() ? std::string(mapping::to_string(result->status))
                                       : join(result->explanation, "; ")));
    mapping::CheckReport report = mapping::check(*problem, result->solution);
    if (!report.ok())
      return Error::internal("the mapping failed the independent check: " + report.format());
    mapping = std::make_shared<flerd::Document>(mapping::mapping_document(
        comp->document, config_.substrate, *problem, *result, config_.name));
    mapping->resolve();
    index_ids(*new_lv, req, *mapping);
    index_completion(*new_lv, *comp);
    mapping::Usage use = mapping::compute_usage(*problem, result->solution);
    next = Holding{};
    for (std::size_t r = 0; r < use.resource_use.size(); ++r)
      if (use.resource_use[r] > 1e-12)
        next.reservations.push_back({problem->substrate_resources[r].id, use.resource_use[r]});
    auto plan = embedder_->plan(*mapping, uo);
    if (!plan) return prefixed(plan.error(), "plan the embedding: ");
    std::map<std::string, std::vector<std::string>> hosts;
    for (const auto& pu : *plan) {
      for (const auto& n : pu.unit.nodes) hosts[n.id].push_back(pu.unit.substrate);
      for (const auto& sg : pu.unit.segments) hosts[sg.link].push_back(pu.unit.substrate);
    }
    moved.clear();
    for (const auto& [cid, eid] : new_lv->embed_id) {
      store::Element e;
      e.id = cid;
      e.kind = new_lv->kinds[cid] == "link" ? store::ElementKind::kLink : store::ElementKind::kNode;
      e.state = store::to_string(state);
      e.host = join(hosts[eid], ",");
      auto oh = old_host.find(cid);
      if (e.kind == store::ElementKind::kNode && oh != old_host.end() && oh->second != e.host)
        moved.push_back(cid);
      next.elements.push_back(std::move(e));
    }
    next.documents = {{store::Layer::kOL0, to_store(req)},
                      {store::Layer::kOL1, to_store(comp->document)},
                      {store::Layer::kML, to_store(*mapping)}};
    const std::string note = moved.empty() ? "re-mapped; no virtual node moved"
                                           : "re-mapped; moved " + join(moved, ", ");
    Status st = store_->write("modify vnet '" + vnet + "'", [&](store::ProviderTx& tx) -> Status {
      auto r = tx.get_vnet(vnet);
      if (!r) return r.error();
      if (r->state != state)
        return Error::conflict("vnet '" + vnet + "' changed state while being modified");
      if (Status s = replace_holding(tx, vnet, next); !s) return s;
      auto ev = tx.append_event(vnet, "modified", note);
      if (!ev) return ev.error();
      return Status::Ok();
    });
    if (st) break;
    if (st.error().code == Error::Code::kInfeasible && attempt < config_.reserve_attempts) continue;
    return prefixed(st.error(), "reserve: ");
  }

  // Re-embed. An applied VNet goes through embed::Embedder::reembed: only the
  // units that differ are touched, node power states carry over (a moved
  // running node runs again on its new host) and a failure restores the old
  // embedding itself. A tentative or confirmed one is simply prepared anew.
  // Only for a tentative or confirmed VNet (nothing applied yet).
  auto embed_as = [&](const flerd::Document& doc) -> Status {
    Result<embed::VNetStatus> r = embedder_->prepare(doc, uo);
    if (r && state == store::VNetState::kConfirmed) r = embedder_->confirm(vnet);
    if (!r) {
      (void)embedder_->forget(vnet);
      return r.error();
    }
    return Status::Ok();
  };
  const bool applied =
      state != store::VNetState::kTentative && state != store::VNetState::kConfirmed;
  Status embedded = Status::Ok();
  if (applied) {
    auto r = embedder_->reembed(vnet, *mapping, uo);
    if (!r) embedded = r.error();
  } else {
    Status torn = teardown_units(vnet, lv);
    embedded = torn ? embed_as(*mapping) : torn;
  }
  // After a failed reembed the old embedding is back unless the embedder
  // says an element failed (its rollback was incomplete).
  auto old_embedding_intact = [&]() -> Status {
    auto es = embedder_->vnet_status(vnet);
    if (!es) return es.error();
    for (const auto& e : es->elements)
      if (e.state == embed::ElementState::kFailed)
        return Error::internal("element '" + e.id + "' failed during the rollback");
    return Status::Ok();
  };
  if (!embedded) {
    // All or nothing: back to the old mapping, in the store and at the plugins.
    Status back =
        store_->write("restore vnet '" + vnet + "'", [&](store::ProviderTx& tx) -> Status {
          if (Status s = replace_holding(tx, vnet, *old); !s) return s;
          auto ev = tx.append_event(vnet, "modify-rolled-back", embedded.error().message);
          if (!ev) return ev.error();
          return Status::Ok();
        });
    Status again = !back ? back : applied ? old_embedding_intact() : embed_as(*lv.mapping);
    if (!again) {
      lv.detail = "modification failed and the old embedding could not be restored: " +
                  again.error().message;
      (void)store_->transition(vnet, store::VNetState::kFailed, lv.detail);
    } else {
      lv.detail = "modification rolled back: " + embedded.error().message;
      (void)sync_elements(
          vnet, lv, state != store::VNetState::kTentative && state != store::VNetState::kConfirmed);
    }
    return Error{Error::Code::kUnavailable,
                 "embedding the modified vnet '" + vnet +
                     "' failed, rolled back: " + embedded.error().message};
  }
  lv.mapping = mapping;
  lv.embed_id = new_lv->embed_id;
  lv.customer_id = new_lv->customer_id;
  lv.kinds = new_lv->kinds;
  lv.completion = new_lv->completion;
  lv.detail =
      moved.empty() ? "modified; no virtual node moved" : "modified; moved " + join(moved, ", ");
  (void)sync_elements(
      vnet, lv, state != store::VNetState::kTentative && state != store::VNetState::kConfirmed);
  return info(vnet);
}

// --- expiry and recovery ---------------------------------------------------------

Result<std::vector<std::string>> PipService::sweep() {
  auto ids = store_->expire_due();
  if (!ids) return ids.error();
  // Expired here or inside another request's reserve(): either way the store
  // released them, so their prepared units go too.
  for (const std::string& net : embedder_->vnets()) {
    auto rec = store_->get_vnet(net);
    if (!rec || rec->state != store::VNetState::kDeleted) continue;
    auto lvr = live(net);
    Live& lv = **lvr;
    {
      std::lock_guard lock(lv.mu);
      auto again = store_->get_vnet(net);
      if (!again || again->state != store::VNetState::kDeleted) continue;
      if (Status s = teardown_units(net, lv); !s) continue;  // retried next sweep
      if (lv.detail.empty()) lv.detail = "expired";
    }
  }
  for (const auto& id : *ids) {
    std::shared_ptr<Live> lv;
    {
      std::lock_guard lock(mu_);
      auto it = live_.find(id);
      if (it != live_.end()) lv = it->second;
    }
    if (!lv) continue;
    std::lock_guard lock(lv->mu);
    if (lv->detail.empty()) lv->detail = "expired";
  }
  return ids;
}

Status PipService::reconcile() {
  auto expired = store_->expire_due();
  if (!expired) return prefixed(expired.error(), "reconcile: ");
  reconcile_.expired = *expired;
  auto recs = store_->list_vnets({}, false);
  if (!recs) return prefixed(recs.error(), "reconcile: ");
  embed::UnitOptions uo;
  for (const auto& rec : *recs) {
    const std::string& id = rec.id;
    uo.net = id;
    auto lvr = live(id);
    Live& lv = **lvr;
    std::lock_guard lock(lv.mu);
    if (Status s = load(lv, *store_, id, config_); !s) {
      reconcile_.lines.push_back(id + ": cannot load: " + s.error().message);
      continue;
    }
    auto note = [&](const std::string& what) {
      reconcile_.lines.push_back(id + " (" + store::to_string(rec.state) + "): " + what);
    };
    switch (rec.state) {
      case store::VNetState::kTentative: {
        auto p = embedder_->prepare(*lv.mapping, uo);
        if (p) {
          (void)sync_elements(id, lv, false);
          note("prepared again");
        } else {
          (void)embedder_->forget(id);
          lv.detail = "could not be prepared again after a restart: " + p.error().message;
          (void)store_->cancel(id);
          note("cancelled: " + p.error().message);
        }
        break;
      }
      case store::VNetState::kConfirmed:
      case store::VNetState::kProvisioning: {
        // Mid-embedding at the crash: completed (the customer confirmed it);
        // if the plugins refuse, rolled back like a failed confirm.
        Status s = apply_locked(id, lv);
        note(s ? "embedding completed" : "rolled back: " + s.error().message);
        break;
      }
      case store::VNetState::kRunning:
      case store::VNetState::kStopped: {
        // The embedder's view is rebuilt; node power states as recorded.
        (void)teardown_units(id, lv);
        auto e = embedder_->embed(*lv.mapping, uo);
        if (!e) {
          lv.detail = "could not be embedded again after a restart: " + e.error().message;
          (void)embedder_->forget(id);
          (void)store_->transition(id, store::VNetState::kFailed, lv.detail);
          note("failed: " + e.error().message);
          break;
        }
        auto els = store_->read("elements", [&](store::ProviderTx& tx) { return tx.elements(id); });
        if (els) {
          for (const auto& el : *els) {
            if (el.kind != store::ElementKind::kNode) continue;
            const std::string& eid = lv.embed_id[el.id];
            if (el.state == "running" || el.state == "suspended")
              (void)embedder_->node_action(id, eid, embed::NodeAction::kStart);
            if (el.state == "suspended")
              (void)embedder_->node_action(id, eid, embed::NodeAction::kSuspend);
          }
        }
        (void)sync_elements(id, lv, true);
        note("embedded again");
        break;
      }
      case store::VNetState::kDeleting: {
        Status s = teardown_units(id, lv);
        if (s) (void)store_->transition(id, store::VNetState::kDeleted, "deleted after restart");
        note(s ? "deleted" : "delete failed: " + s.error().message);
        break;
      }
      case store::VNetState::kFailed:
      case store::VNetState::kDeleted: break;
    }
  }
  return Status::Ok();
}

}  // namespace cloudnet::roles::pip
