// The configurations of `cloudnetd pip --config FILE` and `cloudnetd vnp
// --config FILE`. YAML; relative paths are relative to the file.
//
// The PIP (the PIP issue: "the configuration names the substrate (a FleRD UL
// document), the store, the listen address, the credentials of its
// customers, and the embedding plugins to use"):
//
//   name: pip1
//   substrate: substrate-pip1.yaml      # FleRD with a UL topology
//   store: sqlite:pip1.db               # or postgresql://user@/db?host=/run/postgresql
//   listen: 127.0.0.1:8441              # port 0 = any free port
//   tls: {cert: pip1.crt, key: pip1.key}     # optional: HTTPS
//   customers:
//     - {name: vnp1, token: s3cret}                     # bearer token
//     - {name: alice, token_sha256: 9f86d0...}          # or its SHA-256 (hex)
//   ttl: {default: 300, max: 3600}      # seconds a tentative VNet lives
//   mapping: {strategy: auto, time_budget: 10, solver: cbc}
//   plugins:
//     sim: {enabled: true, delays_ms: {prepare: 0, apply: 0}}
//     # TEST ONLY (end-to-end tests of failure handling; never in
//     # production): failures injected into the simulation plugin
//     # (embed/sim_plugin.h). Each rule names an operation and one of nth
//     # (the nth call of it fails, 1-based), element (every call on that
//     # substrate element or virtual node fails) or probability (with
//     # seed); message (optional, with nth or element) replaces the
//     # default text. The daemon warns on stderr when rules are set:
//     #   sim: {enabled: true, fail: [{op: apply, nth: 2},
//     #                               {op: prepare, element: s:host1}]}
//     # The Linux data plane (embed/linux_plugin.h, issue 8): the substrate
//     # built as network namespaces on this machine, virtual nodes and links
//     # made real. Needs root. tag names every kernel object (default: the
//     # PIP's name, 1-8 characters [a-z0-9]); type_prefixes default /node and
//     # /link, the simulation's, so enable one of the two or narrow one:
//     #   linux: {enabled: true, tag: pip1}
//     # Each node has its own root filesystem (rootfs: true, the default;
//     # under /var/lib/cloudnet/lab/<tag>) and `pool` roots (default 2) are
//     # kept ready so creating a node does not wait for one (pool: 0 builds
//     # each on demand).
//     # Transit links to other providers (a VNP's partials) need an uplink:
//     # the lab's tunnel bridge joins the exchange namespace cn-ix-<exchange>
//     # with this address (its prefix is every provider's there), hanging
//     # off host (default: the first host). The VNP's transit link names the
//     # address as this PIP's endpoint:
//     #   linux: {enabled: true, tag: pip1,
//     #           uplink: {exchange: ix1, address: 10.250.0.1/16, host: s:host1}}
//     # `cloudnetd pip --config FILE --cleanup` removes what the tag left
//     # (like `mn -c`) and exits; start-up does the same before building.
//   console: {bind: 127.0.0.1, port: 0, advertise: 127.0.0.1, ticket_ttl: 60}
//   sweep_interval: 1                   # seconds between expiry sweeps
//
// The VNP (issue 6; CloudNet paper 4.2, 5.1-5.7): no substrate of its own,
// the providers it buys from (PIPs, or other VNPs: recursion, thesis 3.2)
// and the transit links between them. Same style; listen, tls, customers,
// ttl and mapping (the VNP-level mapping onto providers) as for the PIP:
//
//   name: vnp1
//   store: sqlite:vnp1.db               # the VNP's own state (parts, pending transactions)
//   listen: 127.0.0.1:8440
//   tls: {cert: vnp1.crt, key: vnp1.key}     # optional: HTTPS
//   customers:
//     - {name: alice, token: alice-secret}
//   providers:                          # at least one; a VNP's URL makes a stack of VNPs
//     - {name: pip1, url: http://127.0.0.1:8441, token: vnp1-secret}
//     - {name: pip2, url: https://127.0.0.1:8442, token: vnp1-secret, ca_file: pip2-ca.pem}
//   transit:                            # links between providers (paper 5.4)
//     - id: t12
//       a: pip1                         # provider names
//       b: pip2
//       capacity: 1000                  # Mbps (/link/symmetric/bandwidth); default 1000
//       identifiers: {first: 100, last: 199}   # e.g. VLAN tags the VNP hands out;
//                                              # default 100-199, at most 4096
//       endpoints: {a: 192.0.2.1, b: 198.51.100.1}   # tunnel endpoints (optional)
//   ttl: {default: 300, max: 3600}
//   mapping: {strategy: auto, time_budget: 10, solver: cbc}
//   negotiation:                        # paper 5.5
//     parallel: true                    # false: one provider after the other (benchmark)
//     call_timeout: 60                  # seconds per downstream call
//     split_attempts: 3                 # splits tried after refusals
//     start_on_confirm: true            # paper 5.7: start the nodes once confirmed
//     retry_interval: 5                 # seconds between retries of releases a provider
//                                       # did not answer (0: only at start-up)
//   console: {enabled: true, bind: 127.0.0.1, port: 0, advertise: 127.0.0.1, ticket_ttl: 60}
//
// A provider's HTTP read timeout is the larger of 60 s and twice
// call_timeout: a grant that arrives after call_timeout must still be
// received, so that the VNP can cancel it (roles/vnp/vnp_service.h).
//
// Every error names the file, the line and the key ("pip.yaml:7: ttl.max:
// must be >= ttl.default (300)"); unknown keys are errors, so a typo is not
// silently ignored.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "roles/pip/pip_service.h"
#include "roles/vnp/vnp_service.h"

namespace cloudnet::daemon {

struct Customer {
  std::string name;
  std::string token_sha256;  // lower-case hex; a plain token is hashed on load
};

// One injected failure of the simulation plugin (plugins.sim.fail; test only).
struct SimFailure {
  embed::SimOp op = embed::SimOp::kApply;
  int nth = 0;             // > 0: the nth call of op
  std::string element;     // non-empty: every call on this element
  double probability = 0;  // > 0: each call with this probability ...
  std::uint64_t seed = 0;  // ... drawn from a generator seeded with this
  std::string message;     // empty: the plugin's default message
};

struct PipDaemonConfig {
  std::string file;  // the configuration file, as given
  roles::pip::Config pip;
  std::string substrate_path;  // absolute
  std::string listen_host = "127.0.0.1";
  int listen_port = 0;
  std::optional<std::string> tls_cert, tls_key;  // absolute
  std::vector<Customer> customers;
  std::vector<SimFailure> sim_failures;  // plugins.sim.fail (test only)
};

// A provider a VNP buys from, as configured; cloudnetd turns each into an
// api::RemoteProvider wrapped as a roles::vnp::Downstream.
struct DownstreamConfig {
  std::string name;
  std::string url;      // http:// or https://
  std::string token;    // the bearer token the provider knows the VNP by
  std::string ca_file;  // absolute; "" = the system's CAs
};

struct VnpDaemonConfig {
  std::string file;  // the configuration file, as given
  // Everything but `providers`, which needs the HTTP clients (cloudnetd).
  roles::vnp::Config vnp;
  std::vector<DownstreamConfig> providers;
  std::string listen_host = "127.0.0.1";
  int listen_port = 0;
  std::optional<std::string> tls_cert, tls_key;  // absolute
  std::vector<Customer> customers;

  // The HTTP read timeout towards the providers (see above).
  double read_timeout_s() const;
};

// Reads and validates the file, loads the substrate document.
Result<PipDaemonConfig> load_pip_config(const std::string& path);
// The same from text; `dir` resolves relative paths.
Result<PipDaemonConfig> parse_pip_config(std::string_view text, const std::string& file,
                                         const std::string& dir);

// The VNP's configuration from a file, and from text (`dir` resolves
// relative paths).
Result<VnpDaemonConfig> load_vnp_config(const std::string& path);
Result<VnpDaemonConfig> parse_vnp_config(std::string_view text, const std::string& file,
                                         const std::string& dir);

// Sets config.pip.registry to a registry whose simulation plugin has the
// injected failures of config.sim_failures (nothing to do when there are
// none: PipService builds its registry from config.pip.plugins).
Status install_sim_failures(PipDaemonConfig& config);

// SHA-256 as lower-case hex.
std::string sha256_hex(std::string_view data);

// The customer a bearer token belongs to (constant-time comparison of the
// hashes), or nullopt.
std::optional<std::string> authenticate(const std::vector<Customer>& customers,
                                        std::string_view token);

}  // namespace cloudnet::daemon
