#include "store/provider_store.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

namespace cloudnet::store {

// ---------------------------------------------------------------------------
// Vocabulary

namespace {

constexpr VNetState kAllStates[] = {
    VNetState::kTentative, VNetState::kConfirmed, VNetState::kProvisioning, VNetState::kRunning,
    VNetState::kStopped,   VNetState::kFailed,    VNetState::kDeleting,     VNetState::kDeleted,
};

}  // namespace

const char* to_string(VNetState state) {
  switch (state) {
    case VNetState::kTentative: return "tentative";
    case VNetState::kConfirmed: return "confirmed";
    case VNetState::kProvisioning: return "provisioning";
    case VNetState::kRunning: return "running";
    case VNetState::kStopped: return "stopped";
    case VNetState::kFailed: return "failed";
    case VNetState::kDeleting: return "deleting";
    case VNetState::kDeleted: return "deleted";
  }
  return "?";
}

Result<VNetState> parse_vnet_state(std::string_view text) {
  for (VNetState s : kAllStates) {
    if (text == to_string(s)) return s;
  }
  return Error::invalid("unknown vnet state '" + std::string(text) + "'");
}

bool transition_allowed(VNetState from, VNetState to) {
  using S = VNetState;
  switch (from) {
    case S::kTentative: return to == S::kConfirmed || to == S::kDeleted;
    case S::kConfirmed: return to == S::kProvisioning || to == S::kFailed || to == S::kDeleting;
    case S::kProvisioning:
      return to == S::kRunning || to == S::kStopped || to == S::kFailed || to == S::kDeleting;
    case S::kRunning:
      // provisioning again: a modification or migration being applied.
      return to == S::kStopped || to == S::kProvisioning || to == S::kFailed || to == S::kDeleting;
    case S::kStopped:
      return to == S::kRunning || to == S::kProvisioning || to == S::kFailed || to == S::kDeleting;
    case S::kFailed: return to == S::kProvisioning || to == S::kDeleting;
    case S::kDeleting: return to == S::kDeleted || to == S::kFailed;
    case S::kDeleted: return false;
  }
  return false;
}

bool holds_resources(VNetState state) {
  return state != VNetState::kDeleted;
}

const char* to_string(Layer layer) {
  switch (layer) {
    case Layer::kOL0: return "OL0";
    case Layer::kOL1: return "OL1";
    case Layer::kML: return "ML";
  }
  return "?";
}

Result<Layer> parse_layer(std::string_view text) {
  for (Layer l : {Layer::kOL0, Layer::kOL1, Layer::kML}) {
    if (text == to_string(l)) return l;
  }
  return Error::invalid("unknown layer '" + std::string(text) + "' (OL0, OL1 or ML)");
}

const char* to_string(ElementKind kind) {
  return kind == ElementKind::kNode ? "node" : "link";
}

// ---------------------------------------------------------------------------
// ProviderTx

namespace {

constexpr const char* kVNetColumns =
    "id, customer, state, created_at, updated_at, expires_at, revision";

// Reservations that count against capacity at `now` ($1): those of VNets
// holding resources, minus tentatives already past their expiry (released by
// the next write, but no longer owed), minus those of VNet $2 ('' for none:
// a modify replaces what that VNet holds).
constexpr const char* kReservedSubquery =
    "COALESCE((SELECT SUM(r.amount) FROM reservations r JOIN vnets v ON v.id = r.vnet"
    " WHERE r.resource = c.resource AND v.state <> 'deleted' AND v.id <> $2"
    " AND NOT (v.state = 'tentative' AND v.expires_at <= $1)), 0)";

Result<VNetRecord> decode_vnet(const Row& r) {
  auto state = parse_vnet_state(r.text(2));
  if (!state) return Error::internal("vnet '" + r.text(0) + "': " + state.error().message);
  VNetRecord v;
  v.id = r.text(0);
  v.customer = r.text(1);
  v.state = *state;
  v.created_at = r.int64(3);
  v.updated_at = r.int64(4);
  v.expires_at = r.opt_int64(5);
  v.revision = r.int64(6);
  return v;
}

// Rounding slack for capacity sums of doubles.
double slack(double capacity) {
  return 1e-9 * std::max(1.0, std::fabs(capacity));
}

std::string num(double d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", d);
  return buf;
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (const std::string& p : parts) {
    if (!out.empty()) out += sep;
    out += p;
  }
  return out;
}

}  // namespace

Status ProviderTx::require_write(std::string_view what) {
  if (tx_.mode() != TxMode::kWrite) {
    return Error::internal(std::string(what) + ": a writing operation in a read transaction");
  }
  return Status::Ok();
}

Result<VNetRecord> ProviderTx::load(std::string_view vnet) {
  auto row =
      tx_.query_one("read vnet " + std::string(vnet),
                    std::string("SELECT ") + kVNetColumns + " FROM vnets WHERE id = $1", {vnet});
  if (!row) return row.error();
  if (!*row) return Error::not_found("vnet '" + std::string(vnet) + "' does not exist");
  return decode_vnet(**row);
}

Status ProviderTx::release(std::string_view vnet) {
  auto n = tx_.exec("release reservations of vnet " + std::string(vnet),
                    "DELETE FROM reservations WHERE vnet = $1", {vnet});
  if (!n) return n.error();
  return Status::Ok();
}

Result<VNetRecord> ProviderTx::set_state(const VNetRecord& from, VNetState to,
                                         std::string_view event_kind, std::string_view detail) {
  if (!holds_resources(to)) {
    if (Status s = release(from.id); !s) return s.error();
  }
  // Guarded by the revision read in this transaction: a lost update shows.
  auto n = tx_.exec("set state of vnet " + from.id,
                    "UPDATE vnets SET state = $2, expires_at = NULL, updated_at = $3,"
                    " revision = revision + 1 WHERE id = $1 AND revision = $4",
                    {from.id, to_string(to), now_, from.revision});
  if (!n) return n.error();
  if (*n != 1) {
    return Error::conflict("vnet '" + from.id + "' changed concurrently; try again");
  }
  auto ev = append_event(from.id, event_kind, detail);
  if (!ev) return ev.error();
  VNetRecord v = from;
  v.state = to;
  v.expires_at.reset();
  v.updated_at = now_;
  v.revision = from.revision + 1;
  return v;
}

Result<VNetRecord> ProviderTx::reserve(const NewVNet& req) {
  if (Status s = require_write("reserve"); !s) return s.error();
  const std::string what = "reserve vnet '" + req.id + "'";
  if (req.id.empty()) return Error::invalid("reserve: the vnet id is empty");
  if (req.customer.empty()) return Error::invalid(what + ": the customer is empty");
  if (req.expires_at <= now_) {
    return Error::invalid(what + ": the expiry (" + std::to_string(req.expires_at) +
                          " ms) is not after now (" + std::to_string(now_) + " ms)");
  }
  std::map<std::string, double> wanted;
  for (const Reservation& r : req.reservations) {
    if (r.resource.empty()) return Error::invalid(what + ": a reservation names no resource");
    if (!std::isfinite(r.amount) || r.amount <= 0) {
      return Error::invalid(what + ": the amount of '" + r.resource + "' must be positive, is " +
                            num(r.amount));
    }
    wanted[r.resource] += r.amount;
  }
  std::set<Layer> layers;
  for (const auto& [layer, doc] : req.documents) {
    if (!layers.insert(layer).second) {
      return Error::invalid(what + ": two " + to_string(layer) + " documents");
    }
    if (doc.format.empty()) {
      return Error::invalid(what + ": the " + std::string(to_string(layer)) +
                            " document has no format tag");
    }
  }

  // Free what is due first, so that an expired reservation never blocks.
  auto expired = expire_due();
  if (!expired) return expired.error();

  auto existing = tx_.query_one(what + ": look for an existing vnet",
                                "SELECT state FROM vnets WHERE id = $1", {req.id});
  if (!existing) return existing.error();
  if (*existing) {
    return Error::conflict(what + ": a vnet with this id exists (" + (*existing)->text(0) + ")");
  }

  // The check and the inserts below run in one serialisable transaction:
  // a concurrent reservation of the same resource either commits before this
  // one reads (and is counted) or is aborted and re-run.
  if (Status s = check_capacity(what, wanted, {}); !s) return s.error();

  auto ins = tx_.exec(what + ": insert the vnet",
                      "INSERT INTO vnets (id, customer, state, created_at, updated_at, expires_at,"
                      " revision) VALUES ($1, $2, 'tentative', $3, $3, $4, 1)",
                      {req.id, req.customer, now_, req.expires_at});
  if (!ins) return ins.error();
  for (const auto& [resource, amount] : wanted) {
    auto r = tx_.exec(what + ": insert the reservation of '" + resource + "'",
                      "INSERT INTO reservations (vnet, resource, amount) VALUES ($1, $2, $3)",
                      {req.id, resource, amount});
    if (!r) return r.error();
  }
  for (const Element& e : req.elements) {
    auto r = tx_.exec(what + ": insert element '" + e.id + "'",
                      "INSERT INTO vnet_elements (vnet, element, kind, state, host)"
                      " VALUES ($1, $2, $3, $4, $5)",
                      {req.id, e.id, to_string(e.kind), e.state, e.host});
    if (!r) return r.error();
  }
  for (const auto& [layer, doc] : req.documents) {
    auto r = tx_.exec(what + ": insert the " + std::string(to_string(layer)) + " document",
                      "INSERT INTO vnet_documents (vnet, layer, format, body, updated_at)"
                      " VALUES ($1, $2, $3, $4, $5)",
                      {req.id, to_string(layer), doc.format, doc.body, now_});
    if (!r) return r.error();
  }
  auto ev =
      append_event(req.id, "reserved",
                   "customer " + req.customer + ", expires at " + std::to_string(req.expires_at) +
                       ", " + std::to_string(wanted.size()) + " resources");
  if (!ev) return ev.error();

  VNetRecord v;
  v.id = req.id;
  v.customer = req.customer;
  v.state = VNetState::kTentative;
  v.created_at = now_;
  v.updated_at = now_;
  v.expires_at = req.expires_at;
  v.revision = 1;
  return v;
}

Result<VNetRecord> ProviderTx::confirm(std::string_view vnet) {
  if (Status s = require_write("confirm"); !s) return s.error();
  auto v = load(vnet);
  if (!v) return v.error();
  switch (v->state) {
    case VNetState::kTentative:
      if (*v->expires_at <= now_) {
        return Error::conflict("confirm vnet '" + v->id +
                               "': the tentative reservation expired at " +
                               std::to_string(*v->expires_at) + " ms");
      }
      return set_state(*v, VNetState::kConfirmed, "confirmed", "");
    case VNetState::kConfirmed:
    case VNetState::kProvisioning:
    case VNetState::kRunning:
    case VNetState::kStopped: return v;  // a retried confirm
    case VNetState::kFailed:
    case VNetState::kDeleting:
    case VNetState::kDeleted: break;
  }
  return Error::conflict("confirm vnet '" + v->id + "': it is " + to_string(v->state));
}

Result<VNetRecord> ProviderTx::cancel(std::string_view vnet) {
  if (Status s = require_write("cancel"); !s) return s.error();
  auto v = load(vnet);
  if (!v) return v.error();
  if (v->state == VNetState::kDeleted) return v;  // a retried cancel
  if (v->state != VNetState::kTentative) {
    return Error::conflict("cancel vnet '" + v->id + "': it is " + to_string(v->state) +
                           "; only a tentative vnet can be cancelled, delete this one");
  }
  return set_state(*v, VNetState::kDeleted, "cancelled", "");
}

Result<VNetRecord> ProviderTx::transition(std::string_view vnet, VNetState to,
                                          std::string_view detail) {
  if (Status s = require_write("transition"); !s) return s.error();
  auto v = load(vnet);
  if (!v) return v.error();
  if (!transition_allowed(v->state, to)) {
    return Error::conflict("vnet '" + v->id + "': illegal state transition " + to_string(v->state) +
                           " -> " + to_string(to));
  }
  if (v->state == VNetState::kTentative && to == VNetState::kConfirmed) return confirm(vnet);
  std::string text = std::string(to_string(v->state)) + " -> " + to_string(to);
  if (!detail.empty()) text += ": " + std::string(detail);
  return set_state(*v, to, "state", text);
}

Result<std::vector<std::string>> ProviderTx::expire_due() {
  if (Status s = require_write("expire"); !s) return s.error();
  auto rows = tx_.query("find expired tentative vnets",
                        std::string("SELECT ") + kVNetColumns +
                            " FROM vnets WHERE state = 'tentative' AND expires_at <= $1"
                            " ORDER BY id",
                        {now_});
  if (!rows) return rows.error();
  std::vector<std::string> ids;
  for (const Row& row : *rows) {
    auto v = decode_vnet(row);
    if (!v) return v.error();
    auto done = set_state(*v, VNetState::kDeleted, "expired",
                          "tentative reservation expired at " + std::to_string(*v->expires_at));
    if (!done) return done.error();
    ids.push_back(v->id);
  }
  return ids;
}

Result<VNetRecord> ProviderTx::get_vnet(std::string_view vnet) {
  return load(vnet);
}

Result<std::vector<VNetRecord>> ProviderTx::list_vnets(std::string_view customer,
                                                       bool include_deleted) {
  std::string sql = std::string("SELECT ") + kVNetColumns + " FROM vnets WHERE 1 = 1";
  Params params;
  if (!customer.empty()) {
    params.emplace_back(customer);
    sql += " AND customer = $1";
  }
  if (!include_deleted) sql += " AND state <> 'deleted'";
  sql += " ORDER BY id";
  auto rows = tx_.query("list vnets", sql, params);
  if (!rows) return rows.error();
  std::vector<VNetRecord> out;
  for (const Row& r : *rows) {
    auto v = decode_vnet(r);
    if (!v) return v.error();
    out.push_back(std::move(*v));
  }
  return out;
}

Status ProviderTx::put_document(std::string_view vnet, Layer layer, const Document& document) {
  if (Status s = require_write("put document"); !s) return s;
  if (document.format.empty()) {
    return Error::invalid("put " + std::string(to_string(layer)) + " of vnet '" +
                          std::string(vnet) + "': the document has no format tag");
  }
  if (auto v = load(vnet); !v) return v.error();
  auto n = tx_.exec(
      "store the " + std::string(to_string(layer)) + " document of vnet " + std::string(vnet),
      "INSERT INTO vnet_documents (vnet, layer, format, body, updated_at)"
      " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (vnet, layer) DO UPDATE SET"
      " format = excluded.format, body = excluded.body,"
      " updated_at = excluded.updated_at",
      {vnet, to_string(layer), document.format, document.body, now_});
  if (!n) return n.error();
  return Status::Ok();
}

Result<Document> ProviderTx::document(std::string_view vnet, Layer layer) {
  auto row = tx_.query_one(
      "read the " + std::string(to_string(layer)) + " document of vnet " + std::string(vnet),
      "SELECT format, body FROM vnet_documents WHERE vnet = $1 AND layer = $2",
      {vnet, to_string(layer)});
  if (!row) return row.error();
  if (!*row) {
    return Error::not_found("vnet '" + std::string(vnet) + "' has no " + to_string(layer) +
                            " document");
  }
  return Document{(*row)->text(0), (*row)->text(1)};
}

Status ProviderTx::put_elements(std::string_view vnet, const std::vector<Element>& elements) {
  if (Status s = require_write("put elements"); !s) return s;
  if (auto v = load(vnet); !v) return v.error();
  for (const Element& e : elements) {
    if (e.id.empty()) {
      return Error::invalid("put elements of vnet '" + std::string(vnet) +
                            "': an element id is empty");
    }
    auto n = tx_.exec("store element " + e.id + " of vnet " + std::string(vnet),
                      "INSERT INTO vnet_elements (vnet, element, kind, state, host)"
                      " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (vnet, element) DO UPDATE SET"
                      " kind = excluded.kind, state = excluded.state, host = excluded.host",
                      {vnet, e.id, to_string(e.kind), e.state, e.host});
    if (!n) return n.error();
  }
  return Status::Ok();
}

Status ProviderTx::check_capacity(const std::string& what,
                                  const std::map<std::string, double>& wanted,
                                  std::string_view except_vnet) {
  std::vector<std::string> shortfalls;
  for (const auto& [resource, amount] : wanted) {
    // What `except_vnet` holds now does not count: it is being replaced.
    auto row = tx_.query_one(what + ": read the capacity of '" + resource + "'",
                             std::string("SELECT c.capacity, ") + kReservedSubquery +
                                 " FROM capacities c WHERE c.resource = $3",
                             {now_, except_vnet, resource});
    if (!row) return row.error();
    if (!*row) return Error::invalid(what + ": unknown substrate resource '" + resource + "'");
    double capacity = (*row)->real(0);
    double reserved = (*row)->real(1);
    if (reserved + amount > capacity + slack(capacity)) {
      shortfalls.push_back(resource + ": requested " + num(amount) + ", free " +
                           num(std::max(0.0, capacity - reserved)) + " of " + num(capacity));
    }
  }
  if (!shortfalls.empty()) {
    return Error::infeasible(what + ": not enough capacity: " + join(shortfalls, "; "));
  }
  return Status::Ok();
}

Status ProviderTx::replace_reservations(std::string_view vnet,
                                        const std::vector<Reservation>& reservations) {
  if (Status s = require_write("replace reservations"); !s) return s;
  const std::string what = "replace the reservations of vnet '" + std::string(vnet) + "'";
  auto v = load(vnet);
  if (!v) return v.error();
  if (!holds_resources(v->state))
    return Error::conflict(what + ": it is " + to_string(v->state) + " and holds nothing");
  std::map<std::string, double> wanted;
  for (const Reservation& r : reservations) {
    if (r.resource.empty()) return Error::invalid(what + ": a reservation names no resource");
    if (!std::isfinite(r.amount) || r.amount < 0) {
      return Error::invalid(what + ": the amount of '" + r.resource +
                            "' must not be negative, is " + num(r.amount));
    }
    if (r.amount > 0) wanted[r.resource] += r.amount;
  }
  if (Status s = check_capacity(what, wanted, vnet); !s) return s;
  if (auto d = tx_.exec(what + ": drop the old ones", "DELETE FROM reservations WHERE vnet = $1",
                        {vnet});
      !d)
    return d.error();
  for (const auto& [resource, amount] : wanted) {
    auto r = tx_.exec(what + ": insert the reservation of '" + resource + "'",
                      "INSERT INTO reservations (vnet, resource, amount) VALUES ($1, $2, $3)",
                      {vnet, resource, amount});
    if (!r) return r.error();
  }
  return Status::Ok();
}

Status ProviderTx::replace_elements(std::string_view vnet, const std::vector<Element>& elements) {
  if (Status s = require_write("replace elements"); !s) return s;
  if (auto v = load(vnet); !v) return v.error();
  if (auto d = tx_.exec("replace the elements of vnet '" + std::string(vnet) + "'",
                        "DELETE FROM vnet_elements WHERE vnet = $1", {vnet});
      !d)
    return d.error();
  return put_elements(vnet, elements);
}

Result<std::vector<Element>> ProviderTx::elements(std::string_view vnet) {
  auto rows = tx_.query("read elements of vnet " + std::string(vnet),
                        "SELECT element, kind, state, host FROM vnet_elements WHERE vnet = $1"
                        " ORDER BY element",
                        {vnet});
  if (!rows) return rows.error();
  std::vector<Element> out;
  for (const Row& r : *rows) {
    out.push_back(Element{r.text(0), r.text(1) == "link" ? ElementKind::kLink : ElementKind::kNode,
                          r.text(2), r.text(3)});
  }
  return out;
}

Result<std::vector<Reservation>> ProviderTx::reservations(std::string_view vnet) {
  auto rows = tx_.query("read reservations of vnet " + std::string(vnet),
                        "SELECT resource, amount FROM reservations WHERE vnet = $1"
                        " ORDER BY resource",
                        {vnet});
  if (!rows) return rows.error();
  std::vector<Reservation> out;
  for (const Row& r : *rows) out.push_back(Reservation{r.text(0), r.real(1)});
  return out;
}

Result<std::int64_t> ProviderTx::put_substrate(const Document& document,
                                               const std::map<std::string, double>& capacities) {
  if (Status s = require_write("put substrate"); !s) return s.error();
  if (document.format.empty())
    return Error::invalid("put substrate: the document has no format tag");
  for (const auto& [resource, capacity] : capacities) {
    if (resource.empty()) return Error::invalid("put substrate: a resource id is empty");
    if (!std::isfinite(capacity) || capacity < 0) {
      return Error::invalid("put substrate: the capacity of '" + resource + "' must be >= 0, is " +
                            num(capacity));
    }
  }
  auto next = tx_.query_one("number the substrate version",
                            "SELECT COALESCE(MAX(version), 0) + 1 FROM substrate_versions");
  if (!next) return next.error();
  const std::int64_t version = (*next)->int64(0);
  auto ins = tx_.exec("store substrate version " + std::to_string(version),
                      "INSERT INTO substrate_versions (version, format, body, created_at)"
                      " VALUES ($1, $2, $3, $4)",
                      {version, document.format, document.body, now_});
  if (!ins) return ins.error();
  for (const auto& [resource, capacity] : capacities) {
    auto n = tx_.exec("set the capacity of '" + resource + "'",
                      "INSERT INTO capacities (resource, capacity, substrate_version, updated_at)"
                      " VALUES ($1, $2, $3, $4) ON CONFLICT (resource) DO UPDATE SET"
                      " capacity = excluded.capacity,"
                      " substrate_version = excluded.substrate_version,"
                      " updated_at = excluded.updated_at",
                      {resource, capacity, version, now_});
    if (!n) return n.error();
  }
  auto gone = tx_.query("find resources gone from the substrate",
                        "SELECT c.resource, (SELECT COUNT(*) FROM reservations r"
                        " WHERE r.resource = c.resource) FROM capacities c"
                        " WHERE c.substrate_version <> $1 ORDER BY c.resource",
                        {version});
  if (!gone) return gone.error();
  for (const Row& r : *gone) {
    const std::string resource = r.text(0);
    if (r.int64(1) > 0) {
      auto n = tx_.exec("zero the capacity of '" + resource + "'",
                        "UPDATE capacities SET capacity = 0, updated_at = $2 WHERE resource = $1",
                        {resource, now_});
      if (!n) return n.error();
      auto ev = append_event("", "capacity-withdrawn",
                             "resource " + resource + " left the substrate while reserved");
      if (!ev) return ev.error();
    } else {
      auto n = tx_.exec("remove the capacity of '" + resource + "'",
                        "DELETE FROM capacities WHERE resource = $1", {resource});
      if (!n) return n.error();
    }
  }
  auto ev = append_event("", "substrate",
                         "version " + std::to_string(version) + ", " +
                             std::to_string(capacities.size()) + " resources");
  if (!ev) return ev.error();
  return version;
}

Result<SubstrateVersion> ProviderTx::substrate() {
  auto row = tx_.query_one("read the substrate",
                           "SELECT version, format, body, created_at FROM substrate_versions"
                           " ORDER BY version DESC LIMIT 1");
  if (!row) return row.error();
  if (!*row) return Error::not_found("no substrate has been stored yet");
  return SubstrateVersion{(*row)->int64(0), Document{(*row)->text(1), (*row)->text(2)},
                          (*row)->int64(3)};
}

Result<std::map<std::string, ResourceUsage>> ProviderTx::usage() {
  auto rows = tx_.query("read capacity usage",
                        std::string("SELECT c.resource, c.capacity, ") + kReservedSubquery +
                            " FROM capacities c ORDER BY c.resource",
                        {now_, ""});
  if (!rows) return rows.error();
  std::map<std::string, ResourceUsage> out;
  for (const Row& r : *rows) out[r.text(0)] = ResourceUsage{r.real(1), r.real(2)};
  return out;
}

Result<std::map<std::string, double>> ProviderTx::free_capacity() {
  auto u = usage();
  if (!u) return u.error();
  std::map<std::string, double> out;
  for (const auto& [resource, use] : *u) out[resource] = use.free();
  return out;
}

Result<std::int64_t> ProviderTx::append_event(std::string_view vnet, std::string_view kind,
                                              std::string_view detail) {
  if (Status s = require_write("append event"); !s) return s.error();
  auto row = tx_.query_one("append a " + std::string(kind) + " event",
                           "INSERT INTO events (at, vnet, kind, detail) VALUES ($1, $2, $3, $4)"
                           " RETURNING seq",
                           {now_, vnet, kind, detail});
  if (!row) return row.error();
  return (*row)->int64(0);
}

Result<std::vector<Event>> ProviderTx::events(std::int64_t after_seq, std::int64_t limit) {
  auto rows = tx_.query("read events",
                        "SELECT seq, at, vnet, kind, detail FROM events WHERE seq > $1"
                        " ORDER BY seq LIMIT $2",
                        {after_seq, limit});
  if (!rows) return rows.error();
  std::vector<Event> out;
  for (const Row& r : *rows) {
    out.push_back(Event{r.int64(0), r.int64(1), r.text(2), r.text(3), r.text(4)});
  }
  return out;
}

Result<std::optional<std::string>> ProviderTx::find_response(const IdempotencyKey& key) {
  if (key.customer.empty() || key.key.empty()) {
    return Error::invalid("idempotency key: the customer and the key must not be empty");
  }
  auto row = tx_.query_one("look up idempotency key " + key.key,
                           "SELECT fingerprint, response FROM idempotency_keys"
                           " WHERE customer = $1 AND idem_key = $2",
                           {key.customer, key.key});
  if (!row) return row.error();
  if (!*row) return std::optional<std::string>();
  if ((*row)->text(0) != key.fingerprint) {
    return Error::conflict("idempotency key '" + key.key + "' of customer '" + key.customer +
                           "' was used for a different request");
  }
  return std::optional<std::string>((*row)->text(1));
}

Status ProviderTx::store_response(const IdempotencyKey& key, std::string_view response) {
  if (Status s = require_write("store idempotent response"); !s) return s;
  if (key.customer.empty() || key.key.empty()) {
    return Error::invalid("idempotency key: the customer and the key must not be empty");
  }
  auto n = tx_.exec("store the response for idempotency key " + key.key,
                    "INSERT INTO idempotency_keys (customer, idem_key, fingerprint, response,"
                    " created_at) VALUES ($1, $2, $3, $4, $5)",
                    {key.customer, key.key, key.fingerprint, response, now_});
  if (!n) return n.error();
  return Status::Ok();
}

Result<std::int64_t> ProviderTx::purge_idempotency_keys(std::int64_t before) {
  if (Status s = require_write("purge idempotency keys"); !s) return s.error();
  return tx_.exec("purge old idempotency keys",
                  "DELETE FROM idempotency_keys WHERE created_at < $1", {before});
}

Status ProviderTx::put_part(const Part& part) {
  if (Status s = require_write("put part"); !s) return s;
  if (part.provider.empty()) {
    return Error::invalid("put part of vnet '" + part.vnet + "': the provider is empty");
  }
  if (auto v = load(part.vnet); !v) return v.error();
  auto n = tx_.exec("store the part of vnet " + part.vnet + " at " + part.provider,
                    "INSERT INTO vnet_parts (vnet, provider, remote_vnet, state, updated_at)"
                    " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (vnet, provider) DO UPDATE SET"
                    " remote_vnet = excluded.remote_vnet, state = excluded.state,"
                    " updated_at = excluded.updated_at",
                    {part.vnet, part.provider, part.remote_vnet, part.state, now_});
  if (!n) return n.error();
  return Status::Ok();
}

Status ProviderTx::remove_part(std::string_view vnet, std::string_view provider) {
  if (Status s = require_write("remove part"); !s) return s;
  auto d = tx_.exec("remove the part of vnet " + std::string(vnet) + " at " + std::string(provider),
                    "DELETE FROM vnet_parts WHERE vnet = $1 AND provider = $2", {vnet, provider});
  if (!d) return d.error();
  return Status::Ok();
}

Result<std::vector<Part>> ProviderTx::parts(std::string_view vnet) {
  auto rows = tx_.query("read the parts of vnet " + std::string(vnet),
                        "SELECT vnet, provider, remote_vnet, state, updated_at FROM vnet_parts"
                        " WHERE vnet = $1 ORDER BY provider",
                        {vnet});
  if (!rows) return rows.error();
  std::vector<Part> out;
  for (const Row& r : *rows) {
    out.push_back(Part{r.text(0), r.text(1), r.text(2), r.text(3), r.int64(4)});
  }
  return out;
}

Result<std::int64_t> ProviderTx::add_pending(std::string_view vnet, std::string_view operation,
                                             std::string_view state, std::string_view payload) {
  if (Status s = require_write("add pending transaction"); !s) return s.error();
  auto row =
      tx_.query_one("record a pending " + std::string(operation) + " of vnet " + std::string(vnet),
                    "INSERT INTO pending_transactions (vnet, operation, state, payload,"
                    " created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)"
                    " RETURNING id",
                    {vnet, operation, state, payload, now_});
  if (!row) return row.error();
  return (*row)->int64(0);
}

Status ProviderTx::update_pending(std::int64_t id, std::string_view state,
                                  std::string_view payload) {
  if (Status s = require_write("update pending transaction"); !s) return s;
  auto n = tx_.exec("update pending transaction " + std::to_string(id),
                    "UPDATE pending_transactions SET state = $2, payload = $3, updated_at = $4"
                    " WHERE id = $1",
                    {id, state, payload, now_});
  if (!n) return n.error();
  if (*n == 0)
    return Error::not_found("pending transaction " + std::to_string(id) + " does not exist");
  return Status::Ok();
}

Status ProviderTx::remove_pending(std::int64_t id) {
  if (Status s = require_write("remove pending transaction"); !s) return s;
  auto n = tx_.exec("remove pending transaction " + std::to_string(id),
                    "DELETE FROM pending_transactions WHERE id = $1", {id});
  if (!n) return n.error();
  if (*n == 0)
    return Error::not_found("pending transaction " + std::to_string(id) + " does not exist");
  return Status::Ok();
}

Result<std::vector<PendingTransaction>> ProviderTx::pending() {
  auto rows = tx_.query("read pending transactions",
                        "SELECT id, vnet, operation, state, payload, created_at, updated_at"
                        " FROM pending_transactions ORDER BY id");
  if (!rows) return rows.error();
  std::vector<PendingTransaction> out;
  for (const Row& r : *rows) {
    out.push_back(PendingTransaction{r.int64(0), r.text(1), r.text(2), r.text(3), r.text(4),
                                     r.int64(5), r.int64(6)});
  }
  return out;
}

Result<std::vector<std::string>> ProviderTx::check_consistency() {
  std::vector<std::string> problems;
  auto over = tx_.query("check capacities",
                        "SELECT c.resource, c.capacity, COALESCE((SELECT SUM(r.amount)"
                        " FROM reservations r WHERE r.resource = c.resource), 0)"
                        " FROM capacities c ORDER BY c.resource");
  if (!over) return over.error();
  for (const Row& r : *over) {
    if (r.real(2) > r.real(1) + slack(r.real(1))) {
      problems.push_back("resource " + r.text(0) + ": reserved " + num(r.real(2)) +
                         " exceeds its capacity " + num(r.real(1)));
    }
  }
  auto leaked =
      tx_.query("check for leaked reservations",
                "SELECT r.vnet, r.resource FROM reservations r JOIN vnets v"
                " ON v.id = r.vnet WHERE v.state = 'deleted' ORDER BY r.vnet, r.resource");
  if (!leaked) return leaked.error();
  for (const Row& r : *leaked) {
    problems.push_back("vnet " + r.text(0) + " is deleted but still reserves " + r.text(1));
  }
  auto tentative = tx_.query("check tentative expiries",
                             "SELECT id FROM vnets WHERE (state = 'tentative') <>"
                             " (expires_at IS NOT NULL) ORDER BY id");
  if (!tentative) return tentative.error();
  for (const Row& r : *tentative) {
    problems.push_back("vnet " + r.text(0) + " has an expiry exactly when it is not tentative");
  }
  return problems;
}

// ---------------------------------------------------------------------------
// ProviderStore

Result<std::unique_ptr<ProviderStore>> ProviderStore::open(std::string_view url, Options options) {
  const Clock* clock = options.clock ? options.clock : &system_clock();
  auto db = Database::open(url, options.database);
  if (!db) return db.error();
  auto version = migrate(**db, provider_migrations());
  if (!version) return version.error();
  return std::unique_ptr<ProviderStore>(new ProviderStore(std::move(*db), clock));
}

Status ProviderStore::run_erased(TxMode mode, std::string_view purpose,
                                 const std::function<Status(ProviderTx&)>& fn) {
  return db_->with_transaction(mode, purpose, [&](Transaction& tx) {
    ProviderTx ptx(tx, clock_->now_ms());
    return fn(ptx);
  });
}

Result<VNetRecord> ProviderStore::reserve(const NewVNet& request) {
  return write("reserve vnet " + request.id, [&](ProviderTx& tx) { return tx.reserve(request); });
}

Result<VNetRecord> ProviderStore::confirm(std::string_view vnet) {
  return write("confirm vnet " + std::string(vnet),
               [&](ProviderTx& tx) { return tx.confirm(vnet); });
}

Result<VNetRecord> ProviderStore::cancel(std::string_view vnet) {
  return write("cancel vnet " + std::string(vnet), [&](ProviderTx& tx) { return tx.cancel(vnet); });
}

Result<VNetRecord> ProviderStore::transition(std::string_view vnet, VNetState to,
                                             std::string_view detail) {
  return write("change the state of vnet " + std::string(vnet),
               [&](ProviderTx& tx) { return tx.transition(vnet, to, detail); });
}

Result<std::vector<std::string>> ProviderStore::expire_due() {
  return write("expire tentative vnets", [&](ProviderTx& tx) { return tx.expire_due(); });
}

Result<VNetRecord> ProviderStore::get_vnet(std::string_view vnet) {
  return read("read vnet " + std::string(vnet), [&](ProviderTx& tx) { return tx.get_vnet(vnet); });
}

Result<std::vector<VNetRecord>> ProviderStore::list_vnets(std::string_view customer,
                                                          bool include_deleted) {
  return read("list vnets",
              [&](ProviderTx& tx) { return tx.list_vnets(customer, include_deleted); });
}

Result<std::int64_t> ProviderStore::put_substrate(const Document& document,
                                                  const std::map<std::string, double>& capacities) {
  return write("store the substrate",
               [&](ProviderTx& tx) { return tx.put_substrate(document, capacities); });
}

Result<std::map<std::string, ResourceUsage>> ProviderStore::usage() {
  return read("read capacity usage", [&](ProviderTx& tx) { return tx.usage(); });
}

Result<std::map<std::string, double>> ProviderStore::free_capacity() {
  return read("read free capacity", [&](ProviderTx& tx) { return tx.free_capacity(); });
}

Result<std::vector<std::string>> ProviderStore::check_consistency() {
  return read("check consistency", [&](ProviderTx& tx) { return tx.check_consistency(); });
}

Result<IdempotentResponse> ProviderStore::idempotent(
    const IdempotencyKey& key, const std::function<Result<std::string>(ProviderTx&)>& fn) {
  return write("idempotent request " + key.key, [&](ProviderTx& tx) -> Result<IdempotentResponse> {
    auto prior = tx.find_response(key);
    if (!prior) return prior.error();
    if (*prior) return IdempotentResponse{std::move(**prior), true};
    auto fresh = fn(tx);
    if (!fresh) return fresh.error();
    if (Status s = tx.store_response(key, *fresh); !s) return s.error();
    return IdempotentResponse{std::move(*fresh), false};
  });
}

}  // namespace cloudnet::store
