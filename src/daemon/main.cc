// cloudnetd: the provider daemons. `cloudnetd pip --config FILE` serves a PIP
// (CloudNet paper 4.2; thesis 8.2.2 negotiation and provisioning interface)
// over the REST API of src/api; `cloudnetd vnp --config FILE` serves a VNP
// (issue 6, paper 5.1-5.7) the same way, buying from its providers through
// api::RemoteProvider, so a VNP can itself be a provider of another VNP.
//
// On start it prints one line, which tests and scripts parse:
//   cloudnetd: pip <name> listening on http://127.0.0.1:PORT
//   cloudnetd: vnp <name> listening on http://127.0.0.1:PORT
// and on stderr one "cloudnetd: recovered ..." line per VNet start-up
// recovery touched. SIGTERM and SIGINT stop it gracefully (in-flight
// requests finish). SIGKILL loses nothing committed: every state change is
// one store transaction, and the next start reconciles what was
// mid-embedding (roles/pip/pip_service.h) or rolls back / finishes what was
// mid-negotiation (roles/vnp/vnp_service.h).
#include <signal.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "daemon/config.h"
#include "embed/linux_plugin.h"
#include "http/server.h"
#include "roles/hiding.h"
#include "roles/pip/pip_service.h"
#include "roles/vnp/vnp_service.h"
#ifdef CLOUDNETD_HAVE_API
#include "api/remote_provider.h"
#include "api/server.h"
#endif

namespace {

using cloudnet::Status;

// The one call that puts the provider behind HTTP.
void add_api(cloudnet::http::Server& server, cloudnet::roles::Provider& provider,
             const std::string& name, double max_ttl_s) {
#ifdef CLOUDNETD_HAVE_API
  cloudnet::api::ApiOptions o;
  o.name = name;
  o.max_ttl_s = max_ttl_s;
  cloudnet::api::register_routes(server, provider, o);
#else
  (void)provider;
  (void)max_ttl_s;
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

// Signals are taken by sigwait (serve() below); every thread started after
// this inherits the mask, so none of them is interrupted by SIGTERM.
sigset_t block_stop_signals() {
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  return stop_signals;
}

// Serves `inner` until SIGTERM/SIGINT; prints the listening line first.
// The caller stops the provider afterwards. Everything the customers get
// back passes `scrub` (information hiding, roles/hiding.h); the original
// text of every refusal goes to stderr for the operator.
template <class Config>
int serve(cloudnet::roles::Provider& inner, cloudnet::roles::Scrubber scrub, const Config& cfg,
          const char* role, const std::string& name, double max_ttl_s, sigset_t stop_signals) {
  cloudnet::roles::HidingProvider provider(inner, std::move(scrub), [](const std::string& what) {
    std::cerr << "cloudnetd: refused " << what << "\n";
  });
  cloudnet::http::ServerOptions so;
  so.bind_address = cfg.listen_host;
  so.port = cfg.listen_port;
  if (cfg.tls_cert) so.tls = cloudnet::http::TlsFiles{*cfg.tls_cert, *cfg.tls_key};
  auto customers = cfg.customers;
  so.authenticator = [customers](std::string_view token) {
    return cloudnet::daemon::authenticate(customers, token);
  };
  cloudnet::http::Server server(so);
  add_api(server, provider, name, max_ttl_s);
  auto port = server.start();
  if (!port) {
    std::cerr << "cloudnetd: listen on " << cfg.listen_host << ":" << cfg.listen_port << ": "
              << port.error().message << "\n";
    return 1;
  }
  std::string host = cfg.listen_host;
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  std::cout << "cloudnetd: " << role << " " << name << " listening on "
            << (cfg.tls_cert ? "https://" : "http://") << host << ":" << *port << std::endl;

  int sig = 0;
  sigwait(&stop_signals, &sig);
  std::cerr << "cloudnetd: " << (sig == SIGTERM ? "SIGTERM" : "SIGINT") << ", stopping\n";
  server.stop();
  return 0;
}

int run_pip(const std::string& config_path, bool cleanup_only) {
  auto cfg = cloudnet::daemon::load_pip_config(config_path);
  if (!cfg) {
    std::cerr << "cloudnetd: " << cfg.error().message << "\n";
    return 2;
  }
  if (cleanup_only) {
    // `mn -c` for the Linux plugin: every kernel object of the tag goes
    // (the daemon's own start-up does the same before building its lab).
    if (!cfg->pip.plugins.linux_enabled) {
      std::cout << "cloudnetd: pip " << cfg->pip.name
                << ": the linux plugin is not enabled, nothing to clean up" << std::endl;
      return 0;
    }
    const std::string& tag = cfg->pip.plugins.linux_options.tag;
    if (Status s = cloudnet::embed::LinuxPlugin::cleanup_tag(tag); !s) {
      std::cerr << "cloudnetd: cleanup of tag " << tag << ": " << s.error().message << "\n";
      return 1;
    }
    std::cout << "cloudnetd: pip " << cfg->pip.name << ": removed the leftovers of tag " << tag
              << std::endl;
    return 0;
  }
  const sigset_t stop_signals = block_stop_signals();

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

  const auto names = std::make_shared<cloudnet::roles::SubstrateNames>(cfg->pip.substrate);
  auto scrub = [names](const std::string& text) {
    return cloudnet::roles::without_addresses(names->hide(text));
  };
  const int rc = serve(**pip, scrub, *cfg, "pip", cfg->pip.name, cfg->pip.max_ttl_s, stop_signals);
  (*pip)->stop();
  return rc;
}

int run_vnp(const std::string& config_path) {
  auto cfg = cloudnet::daemon::load_vnp_config(config_path);
  if (!cfg) {
    std::cerr << "cloudnetd: " << cfg.error().message << "\n";
    return 2;
  }
#ifdef CLOUDNETD_HAVE_API
  const sigset_t stop_signals = block_stop_signals();
  // Every provider is reached through the same REST API the VNP serves
  // (api::RemoteProvider), whether it is a PIP or another VNP (thesis 3.2).
  for (const auto& p : cfg->providers) {
    cloudnet::http::ClientOptions o;
    o.base_url = p.url;
    o.bearer_token = p.token;
    o.ca_file = p.ca_file;
    o.read_timeout = std::chrono::milliseconds(std::llround(cfg->read_timeout_s() * 1000));
    auto client = cloudnet::api::RemoteProvider::create(o);
    if (!client) {
      std::cerr << "cloudnetd: " << cfg->file << ": provider '" << p.name
                << "': " << client.error().message << "\n";
      return 2;
    }
    cloudnet::roles::vnp::Downstream d;
    d.name = p.name;
    d.provider = std::shared_ptr<cloudnet::roles::Provider>(std::move(*client));
    d.account = cfg->vnp.name;  // informational: the token is what identifies the VNP
    cfg->vnp.providers.push_back(std::move(d));
  }
  // Start-up recovery (pending negotiations rolled back or finished) talks
  // to the providers before the API serves.
  auto vnp = cloudnet::roles::vnp::VnpService::start(cfg->vnp);
  if (!vnp) {
    std::cerr << "cloudnetd: " << vnp.error().message << "\n";
    return 1;
  }
  for (const auto& line : (*vnp)->recovery_report().lines)
    std::cerr << "cloudnetd: recovered " << line << "\n";
  // The VNP has no substrate of its own to hide; what it must not pass on
  // is where its providers live.
  return serve(**vnp, cloudnet::roles::without_addresses, *cfg, "vnp", cfg->vnp.name,
               cfg->vnp.max_ttl_s, stop_signals);
#else
  std::cerr << "cloudnetd: " << cfg->file << ": this build has no API library (src/api)\n";
  return 1;
#endif
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
  bool cleanup = false;
  pip->add_flag("--cleanup", cleanup,
                "remove the kernel objects the linux plugin's tag left behind, then exit");
  std::string vnp_config;
  auto* vnp = app.add_subcommand("vnp", "run a VNP (virtual network provider)");
  vnp->add_option("--config", vnp_config, "YAML configuration (see src/daemon/config.h)")
      ->required()
      ->check(CLI::ExistingFile);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  if (*pip) return run_pip(config, cleanup);
  if (*vnp) return run_vnp(vnp_config);
  return 2;
}
