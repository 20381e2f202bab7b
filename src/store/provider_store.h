// The durable state of a provider (the PIP now, the VNP later): its
// substrate, every VNet with its OL0/OL1/ML documents, elements and
// reservations, the capacities they draw on, idempotency keys, an
// append-only event journal, and for the VNP the parts of a VNet placed at
// other providers and pending transactions. Tables: src/store/README.md.
//
//   auto store = ProviderStore::open("sqlite:/var/lib/cloudnet/pip.db");
//   auto vnet = (*store)->reserve(request);          // tentative, expires later
//   if (!vnet) return vnet.error();                  // kInfeasible: no capacity
//   (*store)->confirm(vnet->id);
//
// Several operations commit atomically through write():
//   auto r = store->write("create vnet", [&](ProviderTx& tx) -> Result<VNetRecord> {
//     auto v = tx.reserve(request);
//     if (!v) return v.error();
//     if (Status s = tx.put_document(v->id, Layer::kML, ml); !s) return s.error();
//     return v;
//   });
// The function may run more than once (a serialization failure re-runs the
// whole transaction), so it must only touch the store.
//
// Capacity is never over-booked: reserve() checks, inside one serialisable
// write transaction, that capacity - (sum of live reservations) >= amount
// for every resource it takes. Of two racing reservations for the last
// capacity exactly one commits; the other is re-run, sees the first, and
// fails with kInfeasible.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "common/result.h"
#include "store/clock.h"
#include "store/migrate.h"
#include "store/sql.h"

namespace cloudnet::store {

// The life of a VNet at a provider:
//   tentative -> confirmed -> provisioning -> running <-> stopped
//   tentative -> deleted (cancelled or expired: reservations released)
//   any live state -> failed; confirmed..failed -> deleting -> deleted
// (transition_allowed() has the full table.) Every state but kDeleted holds
// the VNet's reservations.
enum class VNetState {
  kTentative,
  kConfirmed,
  kProvisioning,
  kRunning,
  kStopped,
  kFailed,
  kDeleting,
  kDeleted,
};

const char* to_string(VNetState state);
Result<VNetState> parse_vnet_state(std::string_view text);
bool transition_allowed(VNetState from, VNetState to);
bool holds_resources(VNetState state);

// The graphs kept per VNet (thesis 4.4): the request as received (OL0), as
// completed by this provider (OL1), and the mapping layer (ML).
enum class Layer { kOL0, kOL1, kML };
const char* to_string(Layer layer);
Result<Layer> parse_layer(std::string_view text);

enum class ElementKind { kNode, kLink };
const char* to_string(ElementKind kind);

// A FleRD document as text with its format tag ("flerd+yaml", "flerd+xml",
// "flerd+json").
struct Document {
  std::string format;
  std::string body;
  friend bool operator==(const Document&, const Document&) = default;
};

// A virtual element of a VNet and where it is placed.
struct Element {
  std::string id;  // the virtual element's id in the OL
  ElementKind kind = ElementKind::kNode;
  std::string state;  // the daemon's own vocabulary ("reserved", "running", ...)
  std::string host;   // substrate host id; empty while unplaced
  friend bool operator==(const Element&, const Element&) = default;
};

// An amount of one substrate resource (an id such as "host1/cpu").
struct Reservation {
  std::string resource;
  double amount = 0.0;
  friend bool operator==(const Reservation&, const Reservation&) = default;
};

struct VNetRecord {
  std::string id;
  std::string customer;
  VNetState state = VNetState::kTentative;
  std::int64_t created_at = 0;  // ms since the epoch, from the store's clock
  std::int64_t updated_at = 0;
  std::optional<std::int64_t> expires_at;  // set exactly while tentative
  std::int64_t revision = 0;               // +1 on every state change
};

// What reserve() creates: a tentative VNet holding its reservations.
struct NewVNet {
  std::string id;  // chosen by the caller, unique per provider
  std::string customer;
  std::int64_t expires_at = 0;            // absolute (ms); must lie after now
  std::vector<Reservation> reservations;  // repeated resources are summed
  std::vector<Element> elements;
  std::vector<std::pair<Layer, Document>> documents;
};

struct ResourceUsage {
  double capacity = 0.0;
  double reserved = 0.0;  // by VNets that hold resources (expired tentatives excluded)
  double free() const { return capacity - reserved; }
};

struct SubstrateVersion {
  std::int64_t version = 0;  // 1, 2, 3, ...
  Document document;
  std::int64_t created_at = 0;
};

struct Event {
  std::int64_t seq = 0;  // increasing in insertion order
  std::int64_t at = 0;
  std::string vnet;  // empty for provider-wide events
  std::string kind;  // "reserved", "confirmed", "cancelled", "expired", "state", ...
  std::string detail;
};

// VNP: the part of a VNet placed at another provider.
struct Part {
  std::string vnet;
  std::string provider;     // the PIP's (or VNP's) name
  std::string remote_vnet;  // the VNet id at that provider
  std::string state;
  std::int64_t updated_at = 0;
};

// VNP: a transaction with other providers not finished yet (crash recovery
// replays these).
struct PendingTransaction {
  std::int64_t id = 0;
  std::string vnet;
  std::string operation;  // "create", "modify", "delete", ...
  std::string state;
  std::string payload;  // the daemon's own record (e.g. JSON)
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
};

// A request's idempotency key: a retry carries the same customer, key and
// fingerprint (a hash of the request the caller computes).
struct IdempotencyKey {
  std::string customer;
  std::string key;
  std::string fingerprint;
};

struct IdempotentResponse {
  std::string response;
  bool replayed = false;  // true: stored by an earlier call, nothing ran now
};

// The store's operations inside one transaction (see ProviderStore::write).
// Writing operations in a read transaction are an Error.
class ProviderTx {
 public:
  ProviderTx(Transaction& tx, std::int64_t now) : tx_(tx), now_(now) {}

  Transaction& sql() { return tx_; }
  // The store clock's time when the transaction began.
  std::int64_t now() const { return now_; }

  // --- VNets
  // Releases due tentatives first, then checks every resource's free
  // capacity and inserts the VNet (tentative), its reservations, elements and
  // documents. kInfeasible names each short resource; kConflict if the id
  // exists; kInvalidArgument for a bad request or an unknown resource.
  Result<VNetRecord> reserve(const NewVNet& request);
  // tentative -> confirmed (clears the expiry). Confirming a VNet that is
  // already confirmed or further along returns it unchanged, so a retried
  // confirm is harmless; an expired, cancelled or deleted one is kConflict.
  Result<VNetRecord> confirm(std::string_view vnet);
  // tentative -> deleted, releasing its reservations. Cancelling a deleted
  // VNet returns it unchanged; any other state is kConflict (delete it).
  Result<VNetRecord> cancel(std::string_view vnet);
  // Any allowed transition (kConflict otherwise); entering kDeleted releases
  // the reservations. `detail` goes into the journal.
  Result<VNetRecord> transition(std::string_view vnet, VNetState to, std::string_view detail = {});
  // Releases every tentative VNet whose expiry is <= now (-> deleted, event
  // "expired"); returns their ids. Idempotent; run it at startup.
  Result<std::vector<std::string>> expire_due();
  Result<VNetRecord> get_vnet(std::string_view vnet);
  // Of one customer (all customers when empty), by id; deleted ones only on
  // request.
  Result<std::vector<VNetRecord>> list_vnets(std::string_view customer = {},
                                             bool include_deleted = false);

  // --- Graphs and placement
  Status put_document(std::string_view vnet, Layer layer, const Document& document);
  Result<Document> document(std::string_view vnet, Layer layer);  // kNotFound when absent
  // Inserts or replaces elements (by id).
  Status put_elements(std::string_view vnet, const std::vector<Element>& elements);
  // A modify (thesis 5.3.5): the VNet's elements become exactly `elements`.
  Status replace_elements(std::string_view vnet, const std::vector<Element>& elements);
  // A modify: the VNet's reservations become exactly `reservations`, checked
  // against capacity as reserve() does, the VNet's own current holding not
  // counted; kInfeasible names each short resource. Zero amounts are dropped.
  Status replace_reservations(std::string_view vnet, const std::vector<Reservation>& reservations);
  Result<std::vector<Element>> elements(std::string_view vnet);
  Result<std::vector<Reservation>> reservations(std::string_view vnet);

  // --- Substrate and capacities
  // Stores a new substrate version and sets the capacity of each resource.
  // A resource missing from `capacities` is removed, unless VNets still hold
  // it: then its capacity becomes 0 (it shows as over-booked until they go).
  Result<std::int64_t> put_substrate(const Document& document,
                                     const std::map<std::string, double>& capacities);
  Result<SubstrateVersion> substrate();  // the newest; kNotFound before the first
  Result<std::map<std::string, ResourceUsage>> usage();
  // capacity - reserved per resource (what get_metrics reports).
  Result<std::map<std::string, double>> free_capacity();

  // --- Journal (append-only: the tables refuse UPDATE and DELETE)
  Result<std::int64_t> append_event(std::string_view vnet, std::string_view kind,
                                    std::string_view detail);
  Result<std::vector<Event>> events(std::int64_t after_seq = 0, std::int64_t limit = 1000);

  // --- Idempotency keys
  // The stored response of an earlier request with this key; std::nullopt
  // for a new key; kConflict when the key came with another fingerprint.
  Result<std::optional<std::string>> find_response(const IdempotencyKey& key);
  Status store_response(const IdempotencyKey& key, std::string_view response);
  // Forgets keys created before `before`; returns how many.
  Result<std::int64_t> purge_idempotency_keys(std::int64_t before);

  // --- VNP: parts and pending transactions
  Status put_part(const Part& part);  // inserts or replaces (vnet, provider)
  Status remove_part(std::string_view vnet, std::string_view provider);
  Result<std::vector<Part>> parts(std::string_view vnet);
  Result<std::int64_t> add_pending(std::string_view vnet, std::string_view operation,
                                   std::string_view state, std::string_view payload);
  Status update_pending(std::int64_t id, std::string_view state, std::string_view payload);
  Status remove_pending(std::int64_t id);
  Result<std::vector<PendingTransaction>> pending();

  // Invariants a crash or fault must never break; one line per violation:
  // a resource reserved beyond its capacity (beyond rounding), reservations
  // of a VNet that holds none (deleted), a tentative VNet without expiry.
  Result<std::vector<std::string>> check_consistency();

 private:
  Status require_write(std::string_view what);
  // kInfeasible unless every amount in `wanted` fits beside what the other
  // VNets (all but `except_vnet`) hold.
  Status check_capacity(const std::string& what, const std::map<std::string, double>& wanted,
                        std::string_view except_vnet);
  Result<VNetRecord> load(std::string_view vnet);
  Result<VNetRecord> set_state(const VNetRecord& from, VNetState to, std::string_view event_kind,
                               std::string_view detail);
  Status release(std::string_view vnet);

  Transaction& tx_;
  std::int64_t now_;
};

// The versioned schema of the provider store.
const std::vector<Migration>& provider_migrations();

class ProviderStore {
 public:
  struct Options {
    DatabaseOptions database;
    const Clock* clock = nullptr;  // system_clock() when null; must outlive the store
  };

  // Opens (creating it if needed) and migrates the store at `url` (see
  // Database::open for the forms).
  static Result<std::unique_ptr<ProviderStore>> open(std::string_view url, Options options);
  static Result<std::unique_ptr<ProviderStore>> open(std::string_view url) {
    return open(url, Options{});
  }

  Database& database() { return *db_; }
  const Clock& clock() const { return *clock_; }

  // Runs fn(ProviderTx&) in one write (read) transaction and commits when it
  // returns success; fn returns Status or Result<T>, which is passed on.
  template <class F>
  auto write(std::string_view purpose, F&& fn) {
    return run<std::invoke_result_t<F&, ProviderTx&>>(TxMode::kWrite, purpose, fn);
  }
  template <class F>
  auto read(std::string_view purpose, F&& fn) {
    return run<std::invoke_result_t<F&, ProviderTx&>>(TxMode::kRead, purpose, fn);
  }

  // One-transaction shorthands for the ProviderTx operations.
  Result<VNetRecord> reserve(const NewVNet& request);
  Result<VNetRecord> confirm(std::string_view vnet);
  Result<VNetRecord> cancel(std::string_view vnet);
  Result<VNetRecord> transition(std::string_view vnet, VNetState to, std::string_view detail = {});
  Result<std::vector<std::string>> expire_due();
  Result<VNetRecord> get_vnet(std::string_view vnet);
  Result<std::vector<VNetRecord>> list_vnets(std::string_view customer = {},
                                             bool include_deleted = false);
  Result<std::int64_t> put_substrate(const Document& document,
                                     const std::map<std::string, double>& capacities);
  Result<std::map<std::string, ResourceUsage>> usage();
  Result<std::map<std::string, double>> free_capacity();
  Result<std::vector<std::string>> check_consistency();

  // Runs fn once per idempotency key: the first call runs fn and stores its
  // response in the same transaction as fn's writes; a retry with the same
  // key and fingerprint returns the stored response (replayed) without
  // running fn; another fingerprint is kConflict. When fn fails nothing is
  // stored, so a retry runs it again.
  Result<IdempotentResponse> idempotent(const IdempotencyKey& key,
                                        const std::function<Result<std::string>(ProviderTx&)>& fn);

 private:
  ProviderStore(std::unique_ptr<Database> db, const Clock* clock)
      : db_(std::move(db)), clock_(clock) {}

  Status run_erased(TxMode mode, std::string_view purpose,
                    const std::function<Status(ProviderTx&)>& fn);

  template <class R, class F>
  R run(TxMode mode, std::string_view purpose, F& fn) {
    std::optional<R> out;
    Status s = run_erased(mode, purpose, [&](ProviderTx& tx) -> Status {
      out.reset();
      out.emplace(fn(tx));
      if (!*out) return out->error();
      return Status::Ok();
    });
    if (!s) return R(s.error());
    return std::move(*out);
  }

  std::unique_ptr<Database> db_;
  const Clock* clock_;
};

}  // namespace cloudnet::store
