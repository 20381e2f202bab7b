// cloudnetd: the provider daemons. `cloudnetd pip --config FILE` serves a PIP
// (CloudNet paper 4.2; thesis 8.2.2 negotiation and provisioning interface)
// over the REST API of src/api.
//
// On start it prints one line, which tests and scripts parse:
//   cloudnetd: pip <name> listening on http://127.0.0.1:PORT
// SIGTERM and SIGINT stop it gracefully (in-flight requests finish). SIGKILL
// loses nothing committed: every state change is one store transaction, and
// the next start reconciles what was mid-embedding (roles/pip/pip_service.h).
#include <signal.h>

#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "daemon/config.h"
#include "http/server.h"
#include "roles/pip/pip_service.h"
#ifdef CLOUDNETD_HAVE_API
#include "api/server.h"
#endif

namespace {

using cloudnet::Status;

// The one call that puts the provider behind HTTP.
void add_api(cloudnet::http::Server& server, cloudnet::roles::Provider& provider,
             const cloudnet::daemon::PipDaemonConfig& config) {
#ifdef CLOUDNETD_HAVE_API
  cloudnet::api::ApiOptions o;
  o.name = config.pip.name;
  o.max_ttl_s = config.pip.max_ttl_s;
  cloudnet::api::register_routes(server, provider, o);
#else
  (void)provider;
  const std::string name = config.pip.name;
  cloudnet::http::RouteOptions pub;
  pub.access = cloudnet::http::Access::kPublic;
  server.route(
      "GET", "/v1/health",
      [name](const cloudnet::http::Request&) {
        return cloudnet::http::Response::json(200, {{"status", "ok"}, {"name", name}});
      },
      pub);
#endif
}

int run_pip(const std::string& config_path) {
  auto cfg = cloudnet::daemon::load_pip_config(config_path);
  if (!cfg) {
    std::cerr << "cloudnetd: " << cfg.error().message << "\n";
    return 2;
  }
  // Signals are taken by sigwait below; every thread started from here on
  // inherits the mask, so none of them is interrupted by SIGTERM.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  if (!cfg->sim_failures.empty()) {
    if (Status s = cloudnet::daemon::install_sim_failures(*cfg); !s) {
      std::cerr << "cloudnetd: " << s.error().message << "\n";
      return 2;
    }
    std::cerr << "cloudnetd: TEST ONLY: " << cfg->sim_failures.size()
              << " injected failure rule(s) of the simulation plugin (plugins.sim.fail)\n";
  }
  auto pip = cloudnet::roles::pip::PipService::start(cfg->pip);
  if (!pip) {
    std::cerr << "cloudnetd: " << pip.error().message << "\n";
    return 1;
  }
  for (const auto& line : (*pip)->reconcile_report().lines)
    std::cerr << "cloudnetd: recovered " << line << "\n";

  cloudnet::http::ServerOptions so;
  so.bind_address = cfg->listen_host;
  so.port = cfg->listen_port;
  if (cfg->tls_cert) so.tls = cloudnet::http::TlsFiles{*cfg->tls_cert, *cfg->tls_key};
  auto customers = cfg->customers;
  so.authenticator = [customers](std::string_view token) {
    return cloudnet::daemon::authenticate(customers, token);
  };
  cloudnet::http::Server server(so);
  add_api(server, **pip, *cfg);
  auto port = server.start();
  if (!port) {
    std::cerr << "cloudnetd: listen on " << cfg->listen_host << ":" << cfg->listen_port << ": "
              << port.error().message << "\n";
    return 1;
  }
  std::string host = cfg->listen_host;
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  std::cout << "cloudnetd: pip " << cfg->pip.name << " listening on "
            << (cfg->tls_cert ? "https://" : "http://") << host << ":" << *port << std::endl;

  int sig = 0;
  sigwait(&stop_signals, &sig);
  std::cerr << "cloudnetd: " << (sig == SIGTERM ? "SIGTERM" : "SIGINT") << ", stopping\n";
  server.stop();
  (*pip)->stop();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"cloudnetd: CloudNet provider daemons"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "cloudnetd 0.1.0");
  std::string config;
  auto* pip = app.add_subcommand("pip", "run a PIP (physical infrastructure provider)");
  pip->add_option("--config", config, "YAML configuration (see src/daemon/config.h)")
      ->required()
      ->check(CLI::ExistingFile);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  if (*pip) return run_pip(config);
  return 2;
}
