// The customer's verbs against a provider daemon (PIP or VNP) over its HTTP
// API: create, confirm, cancel, delete, modify, metrics, the provisioning
// actions, status, list, document, console. All go through
// api::RemoteProvider, the same client a VNP uses for its providers.
//
//   cloudnet --provider URL --token T create FILE [--ttl S] [--confirm]
//
// --provider/--token/--json are options of the main app (so they may come
// before the verb, as in the syntax; they are also accepted after
// it), with CLOUDNET_PROVIDER / CLOUDNET_TOKEN as fallback.
// Exit codes: 0 ok, 1 the provider said no (not found, infeasible, conflict,
// invalid request), 2 usage, unreadable file or connection failure.
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>

#include "api/json.h"
#include "api/remote_provider.h"
#include "cli/commands.h"
#include "console/client.h"
#include "flerd/io.h"

namespace cloudnet::cli {

namespace {

struct Globals {
  std::string provider;
  std::string token;
  std::string ca_file;
  double timeout_s = 120;
  bool json = false;
};

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string time_text(std::int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::ostringstream out;
  out << std::put_time(&tm, "%Y-%m-%d %H:%M:%S UTC");
  return out.str();
}

const char* error_code_name(Error::Code c) {
  switch (c) {
    case Error::Code::kInvalidArgument: return "invalid_argument";
    case Error::Code::kNotFound: return "not_found";
    case Error::Code::kIo: return "io_error";
    case Error::Code::kParse: return "parse_error";
    case Error::Code::kInfeasible: return "infeasible";
    case Error::Code::kConflict: return "conflict";
    case Error::Code::kUnavailable: return "unavailable";
    case Error::Code::kInternal: return "internal_error";
  }
  return "internal_error";
}

// Prints the error and gives the exit code: a transport failure (or a daemon
// that says it is unavailable) is 2, a refusal by the provider is 1.
int fail(const Globals& g, const Error& e) {
  std::cerr << "cloudnet: " << e.message << "\n";
  if (g.json) {
    nlohmann::json j = {{"error", {{"code", error_code_name(e.code)}, {"message", e.message}}}};
    std::cout << j.dump(2) << "\n";
  }
  return e.code == Error::Code::kUnavailable || e.code == Error::Code::kIo ? 2 : 1;
}

void print_vnet(const roles::VNetInfo& v) {
  std::cout << "VNet " << v.id << " (customer " << v.customer << "): " << v.state << "\n";
  if (v.created_at_ms > 0) std::cout << "  created  " << time_text(v.created_at_ms) << "\n";
  if (v.expires_at_ms) {
    const double left = static_cast<double>(*v.expires_at_ms - now_ms()) / 1000.0;
    std::cout << "  expires  " << time_text(*v.expires_at_ms) << " (in " << std::fixed
              << std::setprecision(0) << std::max(0.0, left) << " s unless confirmed)\n";
  }
  if (!v.detail.empty()) std::cout << "  detail   " << v.detail << "\n";
  if (!v.elements.empty()) {
    std::size_t w = 2;
    for (const auto& e : v.elements) w = std::max(w, e.id.size());
    for (const auto& e : v.elements) {
      std::cout << "  " << std::left << std::setw(5) << e.kind << " "
                << std::setw(static_cast<int>(w)) << e.id << "  " << std::setw(12) << e.state
                << (e.site.empty() ? "" : " at " + e.site) << "\n";
    }
  }
  for (const auto& [k, val] : v.completion) std::cout << "  chosen   " << k << " = " << val << "\n";
}

void print_list(const std::vector<roles::VNetInfo>& list) {
  if (list.empty()) {
    std::cout << "no VNets\n";
    return;
  }
  std::size_t w = 2;
  for (const auto& v : list) w = std::max(w, v.id.size());
  for (const auto& v : list) {
    std::cout << std::left << std::setw(static_cast<int>(w)) << v.id << "  " << std::setw(12)
              << v.state << " " << v.elements.size() << " elements";
    if (v.created_at_ms > 0) std::cout << ", created " << time_text(v.created_at_ms);
    std::cout << "\n";
  }
}

void print_metrics(const roles::Metrics& m) {
  std::cout << "provider " << m.provider << ", your VNets: " << m.vnets << "\n";
  std::size_t w = 9;
  for (const auto& [a, r] : m.resources) w = std::max(w, a.size());
  std::cout << "  " << std::left << std::setw(static_cast<int>(w)) << "resource" << std::right
            << std::setw(14) << "capacity" << std::setw(14) << "available" << std::setw(14)
            << "largest"
            << "\n";
  for (const auto& [a, r] : m.resources) {
    std::cout << "  " << std::left << std::setw(static_cast<int>(w)) << a << std::right
              << std::fixed << std::setprecision(2) << std::setw(14) << r.capacity << std::setw(14)
              << r.available << std::setw(14) << r.largest_available << "\n";
  }
  for (const auto& [k, val] : m.features) std::cout << "  feature " << k << " = " << val << "\n";
}

// The provider client, or an exit code for a missing/invalid URL.
std::unique_ptr<api::RemoteProvider> connect(const Globals& g, int& exit_code) {
  if (g.provider.empty()) {
    std::cerr << "cloudnet: no provider: use --provider URL or set CLOUDNET_PROVIDER\n";
    exit_code = 2;
    return nullptr;
  }
  http::ClientOptions o;
  o.base_url = g.provider;
  o.bearer_token = g.token;
  o.ca_file = g.ca_file;
  o.read_timeout = std::chrono::milliseconds(static_cast<std::int64_t>(g.timeout_s * 1000));
  o.user_agent = "cloudnet-cli/0.1";
  auto p = api::RemoteProvider::create(std::move(o));
  if (!p) {
    std::cerr << "cloudnet: --provider " << g.provider << ": " << p.error().message << "\n";
    exit_code = 2;
    return nullptr;
  }
  return std::move(p).value();
}

// Reads and validates a request locally first: the user gets the file's own
// name, line and column in every diagnostic.
std::optional<flerd::Document> read_request(const std::string& file, int& exit_code) {
  auto loaded = flerd::read_file(file);
  for (const auto& d : loaded.diagnostics.items()) std::cerr << d.format() << "\n";
  if (!loaded.ok()) {
    // An unreadable file is a usage problem, a bad document the user's input.
    const bool unreadable =
        !loaded.diagnostics.items().empty() && loaded.diagnostics.items()[0].loc.line == 0;
    exit_code = unreadable ? 2 : 1;
    return std::nullopt;
  }
  return std::move(loaded.document);
}

roles::Caller caller_with(const std::string& key) {
  roles::Caller c;
  if (!key.empty()) c.idempotency_key = key;
  return c;
}

// Adds a verb whose callback gets the connected provider; `run` returns the
// exit code. Each verb accepts the global options after it too.
template <class Run>
CLI::App* verb(CLI::App& app, const char* name, const char* help, std::shared_ptr<Globals> g,
               int& exit_code, Run run) {
  auto* cmd = app.add_subcommand(name, help);
  cmd->fallthrough();
  cmd->callback([g, &exit_code, run] {
    auto p = connect(*g, exit_code);
    if (!p) return;
    exit_code = run(*p);
  });
  return cmd;
}

int show_vnet(const Globals& g, const Result<roles::VNetInfo>& v) {
  if (!v) return fail(g, v.error());
  if (g.json) {
    std::cout << api::to_json(*v).dump(2) << "\n";
  } else {
    print_vnet(*v);
  }
  return 0;
}

}  // namespace

void add_provider_commands(CLI::App& app, int& exit_code) {
  auto g = std::make_shared<Globals>();
  auto* opts = app.add_option_group("Provider", "Talking to a provider daemon (PIP or VNP)");
  opts->add_option("--provider", g->provider,
                   "Base URL of the provider's API, e.g. http://127.0.0.1:8080")
      ->envname("CLOUDNET_PROVIDER");
  opts->add_option("--token", g->token, "Bearer token identifying you to the provider")
      ->envname("CLOUDNET_TOKEN");
  opts->add_option("--ca-file", g->ca_file,
                   "PEM file of CAs to trust for https (default: system CAs)");
  opts->add_option("--timeout", g->timeout_s, "Seconds to wait for an answer (default 120)")
      ->check(CLI::PositiveNumber);
  opts->add_flag("--json", g->json, "Machine-readable JSON output");

  auto key = std::make_shared<std::string>();
  auto add_key = [key](CLI::App* cmd) {
    cmd->add_option(
        "--idempotency-key", *key,
        "Retrying with the same key returns the first answer and allocates nothing twice");
  };

  // Negotiation.
  auto file = std::make_shared<std::string>();
  auto ttl = std::make_shared<double>(0);
  auto confirm = std::make_shared<bool>(false);
  auto* create = verb(app, "create", "Request a VNet (tentative until confirmed) from a FleRD file",
                      g, exit_code, [=, &exit_code](api::RemoteProvider& p) {
                        auto doc = read_request(*file, exit_code);
                        if (!doc) return exit_code;
                        return show_vnet(*g, p.create_vnet(caller_with(*key), *doc,
                                                           {.ttl_s = *ttl, .confirm = *confirm}));
                      });
  create->add_option("file", *file, "Request document (.xml, .yaml, .json)")->required();
  create->add_option("--ttl", *ttl, "Seconds the tentative VNet lives unless confirmed")
      ->check(CLI::NonNegativeNumber);
  create->add_flag("--confirm", *confirm, "Create and confirm in one step");
  add_key(create);

  auto id = std::make_shared<std::string>();
  auto node = std::make_shared<std::string>();
  auto by_id = [&](const char* name, const char* help,
                   Result<roles::VNetInfo> (roles::Provider::*method)(const roles::Caller&,
                                                                      const std::string&)) {
    auto* cmd = verb(app, name, help, g, exit_code, [=](api::RemoteProvider& p) {
      return show_vnet(*g, (p.*method)(caller_with(*key), *id));
    });
    cmd->add_option("id", *id, "VNet id")->required();
    add_key(cmd);
  };
  by_id("confirm", "Confirm a tentative VNet", &roles::Provider::confirm_request);
  by_id("cancel", "Cancel a tentative VNet", &roles::Provider::cancel_request);
  by_id("delete", "Delete a VNet and release its resources", &roles::Provider::delete_vnet);

  auto* modify = verb(app, "modify", "Replace a VNet's graph with the one in FILE", g, exit_code,
                      [=, &exit_code](api::RemoteProvider& p) {
                        auto doc = read_request(*file, exit_code);
                        if (!doc) return exit_code;
                        return show_vnet(*g, p.modify_vnet(caller_with(*key), *id, *doc));
                      });
  modify->add_option("id", *id, "VNet id")->required();
  modify->add_option("file", *file, "Changed request document")->required();
  add_key(modify);

  verb(app, "metrics", "The provider's aggregated resources", g, exit_code,
       [=](api::RemoteProvider& p) {
         auto m = p.get_metrics({});
         if (!m) return fail(*g, m.error());
         if (g->json) {
           std::cout << api::to_json(*m).dump(2) << "\n";
         } else {
           print_metrics(*m);
         }
         return 0;
       });

  // Provisioning.
  for (roles::Action a : api::all_actions()) {
    const std::string help =
        std::string(api::action_name(a)) + " every node of a VNet, or one NODE";
    auto* cmd =
        verb(app, api::action_name(a), help.c_str(), g, exit_code, [=](api::RemoteProvider& p) {
          return show_vnet(*g, p.provision(caller_with(*key), *id, a, *node));
        });
    cmd->add_option("id", *id, "VNet id")->required();
    cmd->add_option("node", *node, "Node id (as in your request); default: all nodes");
    add_key(cmd);
  }
  auto* status = verb(
      app, "status", "State of a VNet (or of one NODE)", g, exit_code, [=](api::RemoteProvider& p) {
        auto v = p.status({}, *id);
        if (v && !node->empty()) {
          // One node's view: the VNet with only that element.
          std::erase_if(v->elements, [&](const auto& e) { return e.id != *node; });
          if (v->elements.empty()) {
            return fail(*g, Error::not_found("no node " + *node + " in VNet " + *id));
          }
        }
        return show_vnet(*g, v);
      });
  status->add_option("id", *id, "VNet id")->required();
  status->add_option("node", *node, "Node id; default: the whole VNet");

  verb(app, "list", "Your VNets", g, exit_code, [=](api::RemoteProvider& p) {
    auto l = p.list({});
    if (!l) return fail(*g, l.error());
    if (g->json) {
      std::cout << api::to_json(*l).dump(2) << "\n";
    } else {
      print_list(*l);
    }
    return 0;
  });

  auto format = std::make_shared<std::string>("yaml");
  auto* document = verb(app, "document", "Your VNet as FleRD (OL0 and OL1)", g, exit_code,
                        [=](api::RemoteProvider& p) {
                          auto f = flerd::format_from_name(*format);
                          if (!f) {
                            std::cerr << "cloudnet: --format must be xml, yaml or json\n";
                            return 2;
                          }
                          auto d = p.document({}, *id);
                          if (!d) return fail(*g, d.error());
                          std::cout << flerd::write_string(*d, *f);
                          return 0;
                        });
  document->add_option("id", *id, "VNet id")->required();
  document->add_option("--format", *format, "xml, yaml (default) or json");

  auto ticket_only = std::make_shared<bool>(false);
  auto* console = verb(
      app, "console", "Attach to a node's console (stdin/stdout)", g, exit_code,
      [=](api::RemoteProvider& p) {
        auto access = p.console({}, *id, *node);
        if (!access) return fail(*g, access.error());
        if (*ticket_only) {
          if (g->json) {
            std::cout << api::to_json(*access).dump(2) << "\n";
          } else {
            std::cout << access->host << ":" << access->port << " " << access->token << "\n";
          }
          return 0;
        }
        console::Endpoint relay{access->host, static_cast<std::uint16_t>(access->port)};
        auto stream = console::connect(relay, access->token);
        if (!stream) return fail(*g, stream.error());
        if (isatty(0)) {
          std::cerr << "cloudnet: connected to " << *node << "'s console; end with EOF (Ctrl-D)\n";
        }
        Status s = console::attach(*stream, 0, 1);
        if (!s) return fail(*g, s.error());
        return 0;
      });
  console->add_option("id", *id, "VNet id")->required();
  console->add_option("node", *node, "Node id (as in your request)")->required();
  console->add_flag("--print-ticket", *ticket_only,
                    "Print the relay endpoint and one-time token instead of attaching");
}

}  // namespace cloudnet::cli
