// A whole federation in one process (issue 6, "Demo: the main job"): N PIPs
// and one VNP, every role behind its own real HTTP server on 127.0.0.1 (port
// 0), so everything between the roles is the real API: the VNP buys from the
// PIPs through api::RemoteProvider (bearer token per PIP), and a customer
// reaches the VNP through api::RemoteProvider or the `cloudnet` CLI
// (CLOUDNET_PROVIDER = vnp_url(), CLOUDNET_TOKEN = customer_token()).
//
//   customer --HTTP--> VNP (roles::vnp::VnpService) --HTTP--> PIP 1..N
//                                                   (roles::pip::PipService,
//                                                    SQLite, SimPlugin)
//
// Each PIP has its own substrate document, its own SQLite store (a file in a
// private temporary directory, or in memory) and its own simulation plugin
// (thesis 8.2.1) with an optional delay per operation; the VNP knows the
// transit links between them (CloudNet paper 5.4). Used by `cloudnet demo`,
// the VNP benchmark (bench/vnp) and tests. The destructor shuts everything
// down in dependency order: the VNP's API first, then the VNP, then each
// PIP's API and the PIP (and a Linux PIP's whole lab), and removes the
// temporary directory.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <optional>

#include "common/result.h"
#include "embed/linux_plugin.h"
#include "flerd/model.h"
#include "roles/provider.h"
#include "roles/vnp/vnp_service.h"

namespace cloudnet::api {
class RemoteProvider;
}
namespace cloudnet::embed {
class SimPlugin;
class LinuxPlugin;
}  // namespace cloudnet::embed
namespace cloudnet::roles::pip {
class PipService;
}

namespace cloudnet::federation {

struct PipOptions {
  std::string name;           // ElementStatus::site as the VNP's customer sees it
  flerd::Document substrate;  // FleRD with a UL topology
  // Mapping at the PIP (mapping/strategy.h).
  std::string strategy = "auto";
  double time_budget_s = 10;
  // Each simulation-plugin operation (prepare, apply, start, ...) sleeps
  // this long: stands in for the time a real plugin takes.
  std::chrono::milliseconds sim_delay{0};
  // The Linux data plane instead of the simulation (issue 8; needs root):
  // the substrate built as a lab of namespaces under this tag. With an
  // uplink, the transit links' endpoints at this PIP are its address.
  std::optional<embed::LinuxOptions> linux_plugin;
};

struct Options {
  std::vector<PipOptions> pips;
  // Transit links between PIPs (by PIP name). Empty and full_mesh: one link
  // between every pair, 1000 Mbps, identifiers 100-199, 200-299, ...
  std::vector<roles::vnp::TransitLink> transit;
  bool full_mesh = true;
  std::string vnp_name = "vnp1";
  // VNP-level mapping and negotiation (roles/vnp/vnp_service.h).
  std::string vnp_strategy = "auto";
  double vnp_time_budget_s = 10;
  bool parallel = true;  // negotiation with the PIPs in parallel or one after the other
  double call_timeout_s = 120;
  bool start_on_confirm = true;  // paper 5.7
  // Stores: SQLite files in a private directory under the system's temp
  // directory (removed at shutdown), or SQLite in memory.
  bool in_memory = false;
  // The VNP's one customer (its token is generated per run).
  std::string customer = "alice";
  int http_threads = 8;  // per server
  // Wraps the client of each PIP before the VNP gets it (the benchmark
  // times the VNP's calls this way); identity when empty.
  std::function<std::shared_ptr<roles::Provider>(const std::string& pip,
                                                 std::shared_ptr<roles::Provider> client)>
      wrap;
};

class LocalFederation {
 public:
  // Starts every PIP and its server, then the VNP and its server. Errors
  // name the role that failed (a substrate without UL, a bad transit link).
  static Result<std::unique_ptr<LocalFederation>> start(Options options);
  ~LocalFederation();
  LocalFederation(const LocalFederation&) = delete;
  LocalFederation& operator=(const LocalFederation&) = delete;

  std::size_t pip_count() const;
  const std::string& pip_name(std::size_t i) const;
  roles::pip::PipService& pip(std::size_t i);
  // The PIP's simulation plugin; null for a PIP on the Linux data plane.
  embed::SimPlugin* sim(std::size_t i);
  // The PIP's Linux plugin; null for a simulated PIP.
  embed::LinuxPlugin* linux_plugin(std::size_t i);
  const flerd::Document& substrate(std::size_t i) const;
  std::string pip_url(std::size_t i) const;
  // The account the VNP holds at every PIP (roles::Caller::customer there).
  const std::string& vnp_account() const;

  roles::vnp::VnpService& vnp();
  std::string vnp_url() const;
  const std::string& customer() const;
  const std::string& customer_token() const;
  const std::vector<roles::vnp::TransitLink>& transit() const;
  // A fresh client of the VNP's API with the customer's token.
  Result<std::unique_ptr<api::RemoteProvider>> customer_client() const;

 private:
  struct Impl;
  explicit LocalFederation(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// A generated PIP substrate: `hosts` servers (`cores` CPU cores, `ram_gb`
// RAM each, feature /position/continent/country = `location`) on a star
// around one switch, links of `bandwidth` Mbps. Every id starts with
// `name`, so tests can scan responses for them.
struct GeneratedSubstrate {
  std::string name;
  int hosts = 4;
  int cores = 8;
  int ram_gb = 32;
  std::string location = "/Europe/Germany";
  double bandwidth = 10000;
};
std::string generated_substrate_yaml(const GeneratedSubstrate& shape);
Result<flerd::Document> generated_substrate(const GeneratedSubstrate& shape);

// The full mesh of transit links between `names` (as Options::full_mesh).
std::vector<roles::vnp::TransitLink> full_mesh(const std::vector<std::string>& names);

}  // namespace cloudnet::federation
