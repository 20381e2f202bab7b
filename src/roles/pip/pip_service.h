// The PIP (CloudNet paper 4.2): a physical infrastructure provider that maps
// virtual networks onto its own substrate and embeds them with its plugins,
// behind the negotiation and provisioning interface of roles::Provider
// (thesis 8.2.2, paper 4.2.3).
//
// Life of a request (paper 5.x, thesis 8.2):
//   create_vnet: validate the OL0 -> complete it to OL1 (flerd/completion.h)
//     -> build the Problem with the store's current reservations as `used`
//     -> map (mapping/strategy.h) -> independent check -> reservations
//     (mapping/usage.h) -> one store transaction: the tentative VNet, its
//     reservations, elements and OL0/OL1/ML documents (and the idempotency
//     key) -> embedder prepare. A failed prepare cancels the VNet: all or
//     nothing. A tentative VNet expires after its ttl unless confirmed.
//   confirm_request: store confirm -> embedder confirm + apply (provisioning)
//     -> nodes stopped, links up (VNet "stopped"). A plugin failure removes
//     every unit and deletes the VNet, releasing its reservations.
//   provision: start/stop/suspend/resume/powercycle per node or per VNet.
//
// Crash consistency (the store commits before any plugin is called, so the
// store never claims less than the plugins hold); reconcile() at start-up,
// after expire_due():
//   tentative    -> prepared again (failure: cancelled, reservations freed)
//   confirmed    -> completed: applied as confirm would have
//   provisioning -> units removed (idempotent), then applied again;
//                   failure: rolled back (deleted, reservations freed)
//   running/stopped -> re-embedded and node power states restored;
//                   failure: failed (reservations kept until deleted)
//   deleting     -> units removed, deleted
// Plugins' remove is idempotent (embed/plugin.h), which makes every step
// above safe to repeat after a second crash.
//
// Information hiding (paper 4.1): VNetInfo and Metrics never name a
// substrate element; Metrics are sums per resource attribute.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"
#include "console/relay.h"
#include "embed/embedder.h"
#include "embed/registry.h"
#include "flerd/completion.h"
#include "flerd/model.h"
#include "roles/provider.h"
#include "store/clock.h"
#include "store/provider_store.h"

namespace cloudnet::roles::pip {

struct Config {
  std::string name = "pip";  // the PIP's name: ElementStatus::site, Metrics::provider
  // The substrate: a FleRD document with a UL topology (the highest UL is
  // used, as by mapping::build_problem).
  flerd::Document substrate;
  std::string store_url = "sqlite::memory:";  // store/README.md
  // Tentative VNets expire after default_ttl_s unless the request asks for
  // another ttl; requests are capped at max_ttl_s.
  double default_ttl_s = 300;
  double max_ttl_s = 3600;
  // Mapping (mapping/strategy.h): strategy name and time budget per request.
  std::string strategy = "auto";
  double time_budget_s = 10;
  std::string solver = "cbc";
  // Completion of vague requests (OL0 -> OL1); a PIP chooses.
  flerd::CompletionPolicy completion = flerd::CompletionPolicy::pip();
  // Plugins: built with embed::make_registry(plugins, &substrate) unless
  // `registry` is given (tests pass their own SimPlugin to inject
  // failures). With plugins.linux_enabled the Linux plugin builds its lab
  // substrate from `substrate` when the service starts.
  embed::PluginConfig plugins;
  std::shared_ptr<embed::PluginRegistry> registry;
  std::size_t embed_parallelism = 4;
  // The console relay (thesis 3.3.5): where it listens (port 0 = any) and the
  // host written into tickets.
  std::string console_bind = "127.0.0.1";
  int console_port = 0;
  std::string console_advertise;
  double console_ticket_ttl_s = 60;
  bool console = true;  // false: no relay (console() is kUnavailable)
  // The expiry sweeper's period; 0 = no background thread (call sweep()).
  double sweep_interval_s = 1;
  // Time for the store and the expiries; system_clock() when null. Must
  // outlive the service.
  const store::Clock* clock = nullptr;
  // Re-map attempts when a concurrent reservation took the capacity the
  // mapping planned with.
  int reserve_attempts = 3;
};

// What start-up recovery did, one line per VNet touched.
struct ReconcileReport {
  std::vector<std::string> expired;
  std::vector<std::string> lines;
};

class PipService final : public Provider {
 public:
  // Opens the store, records the substrate's capacities, releases due
  // tentatives, reconciles (see above), starts the relay and the sweeper.
  // Errors name what is wrong: the substrate (no UL), the store URL, a
  // plugin configuration.
  static Result<std::unique_ptr<PipService>> start(Config config);
  ~PipService() override;  // stop()
  PipService(const PipService&) = delete;
  PipService& operator=(const PipService&) = delete;

  Result<VNetInfo> create_vnet(const Caller& caller, const flerd::Document& request,
                               const CreateOptions& options) override;
  Result<VNetInfo> confirm_request(const Caller& caller, const std::string& vnet) override;
  Result<VNetInfo> cancel_request(const Caller& caller, const std::string& vnet) override;
  Result<VNetInfo> delete_vnet(const Caller& caller, const std::string& vnet) override;
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

  // Releases due tentatives in the store and removes their (and any other
  // released VNet's) prepared units at the plugins; what the sweeper runs.
  // Returns the ids released now.
  Result<std::vector<std::string>> sweep();
  // Stops the sweeper and the relay. Idempotent. The store stays open.
  void stop();

  const std::string& name() const { return config_.name; }
  store::ProviderStore& store() { return *store_; }
  embed::Embedder& embedder() { return *embedder_; }
  const ReconcileReport& reconcile_report() const { return reconcile_; }

  struct Live;  // per-VNet cache and lock (pip_service.cc)

 private:
  explicit PipService(Config config);
  Status open();
  Status reconcile();

  Result<std::shared_ptr<Live>> live(const std::string& vnet);
  void drop_live(const std::string& vnet);
  // The VNet if it exists and belongs to the caller (kNotFound otherwise).
  Result<store::VNetRecord> owned(const Caller& caller, const std::string& vnet);
  // lock_live: take the VNet's lock (callers that do not hold it already).
  Result<VNetInfo> info(const std::string& vnet, bool lock_live = false);

  Result<VNetInfo> create_locked(const Caller& caller, const flerd::Document& request,
                                 const CreateOptions& options, const std::string& fingerprint);
  Result<VNetInfo> confirm_locked(const std::string& vnet, Live& lv);
  Status apply_locked(const std::string& vnet, Live& lv);
  Status teardown_units(const std::string& vnet, Live& lv);
  Status sync_elements(const std::string& vnet, Live& lv, bool set_vnet_state);

  Config config_;
  const store::Clock* clock_ = nullptr;
  std::int64_t substrate_layer_ = 0;
  std::unique_ptr<store::ProviderStore> store_;
  std::shared_ptr<embed::PluginRegistry> registry_;
  std::unique_ptr<embed::Embedder> embedder_;
  std::optional<console::Relay> relay_;
  ReconcileReport reconcile_;

  std::mutex mu_;  // live_
  std::map<std::string, std::shared_ptr<Live>> live_;

  std::mutex sweep_mu_;
  std::condition_variable sweep_cv_;
  bool stopping_ = false;
  std::thread sweeper_;
};

}  // namespace cloudnet::roles::pip
