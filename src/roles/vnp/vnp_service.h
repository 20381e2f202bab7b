// The VNP (CloudNet paper 4.2, 5.1-5.7; thesis 3.2-3.3.4): a virtual network
// provider that owns no substrate. It buys from named downstream providers
// (PIPs, or other VNPs: every one is a roles::Provider, in process or
// api::RemoteProvider) and offers its customers exactly the same Provider
// interface, so VNPs stack to any depth (thesis 3.2).
//
// Life of a request (paper 5.1-5.7):
//   1. substrate synchronisation (5.2): get_metrics from every provider; each
//      becomes one /node/host/pip element whose resources are its aggregated
//      *available* amounts, joined by the configured /link/transit elements
//      (bandwidth = capacity minus what this VNP's live VNets hold);
//   2. completion OL0 -> OL1 (5.3, CompletionPolicy::vnp(): pass-on);
//   3. VNP-level mapping (5.3) onto providers and transit links with the same
//      engine (mapping::build_problem + map_with_strategy);
//   4. partial graph generation (5.4): one partial VNet per provider; a link
//      crossing a border becomes a /link/transit element ending at a stub
//      node /node/host/pip (alias = the peer provider) in each of the two
//      partials, and the VNP picks the transit identifier (e.g. a VLAN tag)
//      from the link's range; identifiers are store reservations of capacity
//      1, so two live VNets never share one;
//   5. negotiation (5.5): a tentative create_vnet at every involved provider,
//      in parallel (or serially), each with a timeout;
//   6. all or nothing (5.5): if one refuses or fails, every part granted is
//      cancelled; a refusal (kInfeasible) excludes that provider and the
//      request is split again without it (up to split_attempts); otherwise
//      the customer's VNet is tentative and confirm_request confirms every
//      part and then starts the nodes through the providers' provisioning
//      interface (5.7, start_on_confirm); a start that fails leaves the VNet
//      confirmed with the reason in VNetInfo::detail.
//
// Partial graph representation (what a provider receives): the customer's
// OL0 restricted to the provider's nodes, their internal links, and per link
// crossing a border: the link itself (ne_type /link/transit, alias
// "transit:<transit link>:<identifier>[@<peer endpoint>][,...]" for the
// hops this provider terminates, the endpoint being the tunnel endpoint of the
// provider at the hop's other end, from the transit link's configuration) plus, per end that lies elsewhere, a stub
// node with id "<link id>-peer" (a second one "<link id>-peer2"; interface
// "<id>if"), ne_type /node/host/pip, alias = the neighbouring provider on the
// link's path, no resources. A crossing link between two providers without a
// direct transit link takes the path with the fewest transit hops; every
// provider in between gets the link with a stub at each end (a pass-through)
// and each hop its own identifier. A PIP maps a stub as a zero-demand
// endpoint on any host (roles/pip/pip_service.cc, complete_with_stubs); a VNP
// receiving a partial passes stubs on like any node. ConstraintGroups are
// not forwarded yet; a link with more than two endpoints is split only when
// all of them land at one or two providers.
//
// Refusals (paper 5.5, issue "retry with another split"): a provider that
// answers kInfeasible is excluded from the next split of the same request
// (its aggregate evidently over-states what it can host for it), up to
// split_attempts splits; any other failure (timeout, unavailable, invalid)
// ends the negotiation at once. Either way every granted part is cancelled
// first and the customer gets every provider's reason.
//
// Modify (issue 6: modify spans every provider of a VNet): the changed
// request goes through steps 1-4 again with a strong preference for the
// current split: every node that still fits stays at its provider (the old
// provider is its only suitable one; otherwise it is mapped with a migration
// cost per moved node, thesis 5.3.5) and a crossing link that keeps its
// path keeps its transit identifiers. Then, per provider, by comparing its
// partial before and after: unchanged -> nothing is sent (a provider must not
// re-map, let alone move, what did not change); changed -> its modify_vnet
// with the new partial (the PIP moves only what must move); newly involved ->
// create_vnet (+ confirm unless the VNet is tentative, then its nodes are
// started); no longer involved -> deleted after the commit. All or nothing:
// first a pending "modify" record (old partials, the parts asked for with
// their idempotency key, the old transit reservations) is written together
// with the union of old and new transit reservations, so a rollback never
// finds its identifiers taken; one transaction then commits the new
// OL0/OL1/ML, elements, parts and reservations, the customer's idempotency
// key and removes the record. Anything failing before that commit rolls back
// (undo_modify): new parts released, changed ones modified back to their old
// partial, old reservations restored; a crash before the commit is rolled
// back the same way at restart. Tentative, confirmed, running and stopped
// VNets can be modified, as at the PIP. Modifies hold the create lock (the
// identifiers are picked against a stable view). A refused modify is not
// split again (unlike create): the customer gets every reason.
//
// Releases owed (issue 6): a cancel or delete a provider does not answer
// (after a refusal, a failed confirm, a delete, a modify, a recovery) is
// recorded as a pending "release" and retried by a background sweep
// (Config::retry_interval_s) and at every start until the provider answers;
// kNotFound counts as done. A tentative part would expire at its provider on
// its own, but a confirmed one would hold resources there for ever. So a
// delete while a provider is down succeeds for the customer (the VNet is
// deleted, the VNP owes the rest); a confirm that loses a provider fails with
// its reason, releases the other parts at once and that one when it returns.
// A modify rollback a provider does not answer stays pending the same way
// (further modifies of that VNet are kUnavailable until it is done). Only a
// late grant after a create's timeout is not recorded (it is cancelled when
// it arrives and, tentative, expires anyway).
//
// State: the VNP's own VNet records, transit reservations (bandwidth and
// one capacity-1 resource per identifier), OL0/OL1 and its ML (the split:
// kML in format "vnp-split") live in store::ProviderStore; parts (provider,
// remote id) as store::Part; a create, confirm or modify in flight and each
// release owed as a store::PendingTransaction. Every downstream create carries the
// idempotency key "vnp-<vnet>-<provider>" and the pending create keeps the
// partial VNets sent, so start() can roll back what a crash interrupted: a
// "create" is rolled back (the recorded parts and any part granted but not
// yet recorded, found by asking again with the same key, are cancelled, the
// VNet is cancelled); a "confirm" is finished (every part confirmed again,
// which is idempotent) or, if a part cannot be confirmed or the VNet expired
// meanwhile, rolled back (every part deleted).
//
// Information hiding (paper 4.1): VNetInfo elements name only the customer's
// ids and the provider (site) hosting them; Metrics are sums of the
// providers' sums. Of what a provider returns only element states and the
// reasons of refusals and failures are passed on, never its VNet ids.
//
// Concurrency: creates and modifies are serialised (one negotiation at a
// time, so transit identifiers are picked against a stable view); confirm,
// cancel, delete, modify, provision and the retry of a modify rollback take a
// per-VNet lock. A customer's idempotency key on create (modify) is stored in
// the transaction that ends it, so a retry returns the first VNet (the VNet
// as it is now) and runs nothing again.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"
#include "console/relay.h"
#include "flerd/model.h"
#include "roles/provider.h"
#include "store/clock.h"
#include "store/provider_store.h"

namespace cloudnet::roles::vnp {

// A downstream provider and the account the VNP holds there.
struct Downstream {
  std::string name;  // ElementStatus::site towards the VNP's customers
  std::shared_ptr<Provider> provider;
  std::string account = "vnp";  // Caller::customer used towards it
};

// A transit link between two downstream providers (paper 5.4: the VNP
// picks the identifier, e.g. a VLAN tag, so PIPs need not negotiate one).
struct TransitLink {
  std::string id;              // e.g. "t12"
  std::string a, b;            // provider names
  double capacity = 1000;      // /link/symmetric/bandwidth units (Mbps)
  int first_identifier = 100;  // the identifiers the VNP may hand out, e.g. VLAN 100-199
  int last_identifier = 199;
  // Tunnel endpoints of a and b ("address[:UDP port]"): each side's partial
  // names the other's, where its data plane sends the transit tunnel
  // (embed/linux_plugin.h). Optional for PIPs that only simulate.
  std::string endpoint_a, endpoint_b;
};

struct Config {
  std::string name = "vnp";
  std::vector<Downstream> providers;
  std::vector<TransitLink> transit;
  std::string store_url = "sqlite::memory:";
  double default_ttl_s = 300;
  double max_ttl_s = 3600;
  // VNP-level mapping.
  std::string strategy = "auto";
  double time_budget_s = 10;
  std::string solver = "cbc";
  // Negotiation: per downstream call; parallel = false for the benchmark.
  double call_timeout_s = 60;
  bool parallel = true;
  // Splits tried after refusals (each excludes the refusing providers).
  int split_attempts = 3;
  // Paper 5.7: once every part is confirmed the VNP starts the nodes.
  bool start_on_confirm = true;
  // Console relay (thesis 3.3.5): the VNP's hop of the proxy chain.
  bool console = true;
  std::string console_bind = "127.0.0.1";
  int console_port = 0;           // 0: any free port
  std::string console_advertise;  // host written into tickets; default: the bound host
  double console_ticket_ttl_s = 60;
  const store::Clock* clock = nullptr;
  // Period of the background retry of releases a provider did not answer
  // and of modifications whose rollback is unfinished; 0 = no thread (call
  // retry_pending()). Start-up retries them once in any case.
  double retry_interval_s = 5;
};

struct RecoveryReport {
  std::vector<std::string> lines;
};

class VnpService final : public Provider {
 public:
  static Result<std::unique_ptr<VnpService>> start(Config config);
  ~VnpService() override;
  VnpService(const VnpService&) = delete;
  VnpService& operator=(const VnpService&) = delete;

  Result<VNetInfo> create_vnet(const Caller& caller, const flerd::Document& request,
                               const CreateOptions& options) override;
  Result<VNetInfo> confirm_request(const Caller& caller, const std::string& vnet) override;
  Result<VNetInfo> cancel_request(const Caller& caller, const std::string& vnet) override;
  Result<VNetInfo> delete_vnet(const Caller& caller, const std::string& vnet) override;
  // Re-splits the changed request keeping nodes where they live; all or
  // nothing across the providers (see above).
  Result<VNetInfo> modify_vnet(const Caller& caller, const std::string& vnet,
                               const flerd::Document& request) override;
  Result<Metrics> get_metrics(const Caller& caller) override;
  Result<VNetInfo> provision(const Caller& caller, const std::string& vnet, Action action,
                             const std::string& node) override;
  Result<VNetInfo> status(const Caller& caller, const std::string& vnet) override;
  Result<std::vector<VNetInfo>> list(const Caller& caller) override;
  Result<flerd::Document> document(const Caller& caller, const std::string& vnet) override;
  Result<ConsoleAccess> console(const Caller& caller, const std::string& vnet,
                                const std::string& node) override;

  const std::string& name() const { return config_.name; }
  store::ProviderStore& store() { return *store_; }
  const RecoveryReport& recovery_report() const { return recovery_; }

  // What the last create_vnet did (tests, benchmark): splits tried and the
  // providers excluded after refusals.
  struct NegotiationStats {
    int splits = 0;
    std::vector<std::string> excluded;
  };
  NegotiationStats last_negotiation() const;

  // Retries now what the background sweep retries (releases owed to
  // providers that did not answer, unfinished modify rollbacks); returns how
  // many are still outstanding.
  std::size_t retry_pending();

 private:
  explicit VnpService(Config config);
  Status open();
  Status recover();

  const Downstream* find(const std::string& provider) const;
  Result<store::VNetRecord> owned(const Caller& caller, const std::string& vnet);
  Result<VNetInfo> info(const store::VNetRecord& rec);
  // Cancels (tentative) or deletes (otherwise) every part; errors collected.
  // A part whose provider fails to answer is recorded as a pending "release"
  // and retried until it answers (*recorded: every failure was recorded).
  std::string release_parts(const std::vector<store::Part>& parts, bool cancel,
                            bool* recorded = nullptr);
  std::vector<Result<VNetInfo>> release_calls(const std::vector<store::Part>& parts, bool cancel);
  // Runs recorded releases; removes those done; returns how many remain.
  std::size_t run_releases(const std::vector<store::PendingTransaction>& releases);
  // Rolls a modification back (pending operation "modify"): parts created
  // for it are released, changed ones get their old partial again, the old
  // transit reservations return. `granted` (the live path) names what each
  // new provider granted; without it they are asked again with the create's
  // idempotency key. What a provider did not answer stays in the record for
  // the next retry.
  // `untouched`: changed providers known not to have applied the change.
  // Returns what is not back as before; *finished: the record is removed.
  std::string undo_modify(const store::PendingTransaction& pending,
                          const std::map<std::string, std::optional<std::string>>* granted,
                          const std::set<std::string>& untouched, bool* finished = nullptr);
  void retry_loop();
  // Starts every part's nodes (paper 5.7); errors collected.
  std::string start_parts(const std::vector<store::Part>& parts);

  Config config_;
  const store::Clock* clock_ = nullptr;
  std::unique_ptr<store::ProviderStore> store_;
  std::optional<console::Relay> relay_;
  RecoveryReport recovery_;
  // One operation per VNet at a time (confirm, cancel, delete, provision);
  // recursive because delete of a tentative VNet is a cancel.
  std::shared_ptr<std::recursive_mutex> lock_vnet(const std::string& vnet);

  mutable std::mutex mu_;  // one create at a time (transit identifiers, stats)
  NegotiationStats stats_;
  std::mutex locks_mu_;
  std::map<std::string, std::shared_ptr<std::recursive_mutex>> vnet_locks_;

  std::mutex retry_mu_;  // one retry_pending() at a time
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread retrier_;
};

}  // namespace cloudnet::roles::vnp
