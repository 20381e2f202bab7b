// The configuration of `cloudnetd pip --config FILE` (the PIP issue: "the
// configuration names the substrate (a FleRD UL document), the store, the
// listen address, the credentials of its customers, and the embedding
// plugins to use"). YAML; relative paths are relative to the file:
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
//   console: {bind: 127.0.0.1, port: 0, advertise: 127.0.0.1, ticket_ttl: 60}
//   sweep_interval: 1                   # seconds between expiry sweeps
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

// Reads and validates the file, loads the substrate document.
Result<PipDaemonConfig> load_pip_config(const std::string& path);
// The same from text; `dir` resolves relative paths.
Result<PipDaemonConfig> parse_pip_config(std::string_view text, const std::string& file,
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
