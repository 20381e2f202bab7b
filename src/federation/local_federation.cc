#include "federation/local_federation.h"

#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <system_error>

#include "api/remote_provider.h"
#include "api/server.h"
#include "embed/registry.h"
#include "embed/sim_plugin.h"
#include "flerd/io.h"
#include "http/server.h"
#include "roles/hiding.h"
#include "roles/pip/pip_service.h"

namespace cloudnet::federation {

namespace {

// A bearer token per run: the servers listen on loopback only, but another
// local user must not be able to guess one.
std::string random_token(const std::string& prefix) {
  static std::mutex mu;
  static std::mt19937_64 rng{std::random_device{}()};
  std::lock_guard lock(mu);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = prefix + "-";
  for (int i = 0; i < 32; ++i) out += kHex[rng() % 16];
  return out;
}

// Token -> principal, comparing every token without an early exit.
http::Authenticator authenticator(std::map<std::string, std::string> tokens) {
  return [tokens = std::move(tokens)](std::string_view token) -> std::optional<std::string> {
    std::optional<std::string> who;
    for (const auto& [t, name] : tokens) {
      unsigned char diff = t.size() == token.size() ? 0 : 1;
      for (std::size_t i = 0; i < t.size(); ++i)
        diff |= static_cast<unsigned char>(t[i] ^ (i < token.size() ? token[i] : 0));
      if (diff == 0) who = name;
    }
    return who;
  };
}

std::string url_of(int port) {
  return "http://127.0.0.1:" + std::to_string(port);
}

}  // namespace

struct LocalFederation::Impl {
  struct Pip {
    PipOptions options;
    std::shared_ptr<embed::SimPlugin> sim;  // or
    std::shared_ptr<embed::LinuxPlugin> linux;
    std::unique_ptr<roles::pip::PipService> service;
    // What the API serves: the service behind the information-hiding
    // boundary, as cloudnetd serves it (roles/hiding.h).
    std::unique_ptr<roles::HidingProvider> facade;
    std::unique_ptr<http::Server> server;
    std::string token;  // the VNP's at this PIP
  };
  Options options;
  std::filesystem::path dir;  // empty when in memory
  std::vector<std::unique_ptr<Pip>> pips;
  std::vector<roles::vnp::TransitLink> transit;
  std::unique_ptr<roles::vnp::VnpService> vnp;
  std::unique_ptr<roles::HidingProvider> vnp_facade;
  std::unique_ptr<http::Server> vnp_server;
  std::string vnp_account = "vnp";
  std::string customer_token;

  ~Impl() {
    // Customers first, then the VNP (its calls to the PIPs end with it),
    // then each PIP's API (in-flight requests finish) before its service.
    if (vnp_server) vnp_server->stop();
    vnp_server.reset();
    vnp_facade.reset();
    vnp.reset();
    for (auto& p : pips) {
      if (p->server) p->server->stop();
      p->server.reset();
      p->facade.reset();
      if (p->service) p->service->stop();
      p->service.reset();
      // A federation in one process owns its labs: nothing outlives it.
      if (p->linux) (void)p->linux->cleanup();
    }
    pips.clear();
    if (!dir.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  }

  std::string store_url(const std::string& name) const {
    if (dir.empty()) return "sqlite::memory:";
    return "sqlite:" + (dir / (name + ".db")).string();
  }

  http::ServerOptions server_options(std::map<std::string, std::string> tokens) const {
    http::ServerOptions so;
    so.bind_address = "127.0.0.1";
    so.port = 0;
    so.threads = options.http_threads;
    so.authenticator = authenticator(std::move(tokens));
    return so;
  }
};

LocalFederation::LocalFederation(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LocalFederation::~LocalFederation() = default;

Result<std::unique_ptr<LocalFederation>> LocalFederation::start(Options options) {
  if (options.pips.empty()) return Error::invalid("local federation: no PIP configured");
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  const Options& o = impl->options;
  std::set<std::string> names;
  for (const auto& p : o.pips) {
    if (p.name.empty() || !names.insert(p.name).second)
      return Error::invalid("local federation: PIP names must be unique and non-empty ('" + p.name +
                            "')");
  }
  if (!o.in_memory) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "cloudnet-fed-XXXXXX").string();
    if (!mkdtemp(tmpl.data()))
      return Error::io("local federation: cannot create a temporary directory under " +
                       std::filesystem::temp_directory_path().string());
    impl->dir = tmpl;
  }

  // The PIPs, each behind its own server (thesis 8.2.2 interfaces over the
  // API of src/api).
  roles::vnp::Config vc;
  vc.name = o.vnp_name;
  for (const auto& po : o.pips) {
    auto p = std::make_unique<Impl::Pip>();
    p->options = po;
    embed::SimOptions so;
    if (po.sim_delay.count() > 0)
      for (embed::SimOp op : {embed::SimOp::kPrepare, embed::SimOp::kApply, embed::SimOp::kRemove,
                              embed::SimOp::kStart, embed::SimOp::kStop, embed::SimOp::kSuspend,
                              embed::SimOp::kResume, embed::SimOp::kPowercycle})
        so.delays[op] = po.sim_delay;
    auto reg = std::make_shared<embed::PluginRegistry>();
    if (po.linux_plugin) {
      auto lx = embed::LinuxPlugin::start(*po.linux_plugin, po.substrate);
      if (!lx) return Error{lx.error().code, "pip '" + po.name + "': " + lx.error().message};
      p->linux = std::move(*lx);
      if (Status s = reg->add(p->linux); !s) return s.error();
    } else {
      p->sim = std::make_shared<embed::SimPlugin>(so);
      if (Status s = reg->add(p->sim); !s) return s.error();
    }
    roles::pip::Config pc;
    pc.name = po.name;
    pc.substrate = po.substrate;
    pc.store_url = impl->store_url(po.name);
    pc.strategy = po.strategy;
    pc.time_budget_s = po.time_budget_s;
    pc.registry = reg;
    auto svc = roles::pip::PipService::start(std::move(pc));
    if (!svc) return Error{svc.error().code, "pip '" + po.name + "': " + svc.error().message};
    p->service = std::move(*svc);
    p->token = random_token(po.name);
    p->server =
        std::make_unique<http::Server>(impl->server_options({{p->token, impl->vnp_account}}));
    api::ApiOptions ao;
    ao.name = po.name;
    auto hidden = std::make_shared<roles::SubstrateNames>(po.substrate);
    p->facade = std::make_unique<roles::HidingProvider>(
        *p->service,
        [hidden](const std::string& text) { return roles::without_addresses(hidden->hide(text)); });
    api::register_routes(*p->server, *p->facade, ao);
    auto port = p->server->start();
    if (!port) return Error{port.error().code, "pip '" + po.name + "': " + port.error().message};

    http::ClientOptions co;
    co.base_url = url_of(*port);
    co.bearer_token = p->token;
    co.read_timeout = std::chrono::milliseconds(
        static_cast<long long>(std::max(1.0, o.call_timeout_s) * 1000) + 5000);
    auto client = api::RemoteProvider::create(co);
    if (!client) return client.error();
    std::shared_ptr<roles::Provider> prov(std::move(*client));
    if (o.wrap) prov = o.wrap(po.name, std::move(prov));
    vc.providers.push_back({po.name, std::move(prov), impl->vnp_account});
    impl->pips.push_back(std::move(p));
  }
  std::vector<std::string> pip_names;
  for (const auto& p : o.pips) pip_names.push_back(p.name);
  impl->transit = o.transit.empty() && o.full_mesh ? full_mesh(pip_names) : o.transit;
  // A PIP on the Linux data plane with an uplink: its end of every transit
  // link is its address at the exchange.
  for (auto& t : impl->transit)
    for (const auto& po : o.pips) {
      if (!po.linux_plugin || !po.linux_plugin->uplink) continue;
      const std::string& a = po.linux_plugin->uplink->address;
      const std::string addr = a.substr(0, a.find('/'));
      if (t.a == po.name) t.endpoint_a = addr;
      if (t.b == po.name) t.endpoint_b = addr;
    }

  // The VNP, buying over HTTP, selling over HTTP.
  vc.transit = impl->transit;
  vc.store_url = impl->store_url(o.vnp_name);
  vc.strategy = o.vnp_strategy;
  vc.time_budget_s = o.vnp_time_budget_s;
  vc.parallel = o.parallel;
  vc.call_timeout_s = o.call_timeout_s;
  vc.start_on_confirm = o.start_on_confirm;
  auto vnp = roles::vnp::VnpService::start(std::move(vc));
  if (!vnp) return Error{vnp.error().code, "vnp '" + o.vnp_name + "': " + vnp.error().message};
  impl->vnp = std::move(*vnp);
  impl->customer_token = random_token(o.customer);
  impl->vnp_server =
      std::make_unique<http::Server>(impl->server_options({{impl->customer_token, o.customer}}));
  api::ApiOptions ao;
  ao.name = o.vnp_name;
  impl->vnp_facade = std::make_unique<roles::HidingProvider>(*impl->vnp, roles::without_addresses);
  api::register_routes(*impl->vnp_server, *impl->vnp_facade, ao);
  auto port = impl->vnp_server->start();
  if (!port) return Error{port.error().code, "vnp '" + o.vnp_name + "': " + port.error().message};
  return std::unique_ptr<LocalFederation>(new LocalFederation(std::move(impl)));
}

std::size_t LocalFederation::pip_count() const {
  return impl_->pips.size();
}
const std::string& LocalFederation::pip_name(std::size_t i) const {
  return impl_->pips.at(i)->options.name;
}
roles::pip::PipService& LocalFederation::pip(std::size_t i) {
  return *impl_->pips.at(i)->service;
}
embed::SimPlugin* LocalFederation::sim(std::size_t i) {
  return impl_->pips.at(i)->sim.get();
}
embed::LinuxPlugin* LocalFederation::linux_plugin(std::size_t i) {
  return impl_->pips.at(i)->linux.get();
}
const flerd::Document& LocalFederation::substrate(std::size_t i) const {
  return impl_->pips.at(i)->options.substrate;
}
std::string LocalFederation::pip_url(std::size_t i) const {
  return url_of(impl_->pips.at(i)->server->port());
}
const std::string& LocalFederation::vnp_account() const {
  return impl_->vnp_account;
}
roles::vnp::VnpService& LocalFederation::vnp() {
  return *impl_->vnp;
}
std::string LocalFederation::vnp_url() const {
  return url_of(impl_->vnp_server->port());
}
const std::string& LocalFederation::customer() const {
  return impl_->options.customer;
}
const std::string& LocalFederation::customer_token() const {
  return impl_->customer_token;
}
const std::vector<roles::vnp::TransitLink>& LocalFederation::transit() const {
  return impl_->transit;
}

Result<std::unique_ptr<api::RemoteProvider>> LocalFederation::customer_client() const {
  http::ClientOptions co;
  co.base_url = vnp_url();
  co.bearer_token = impl_->customer_token;
  co.read_timeout = std::chrono::milliseconds(
      static_cast<long long>(std::max(1.0, impl_->options.call_timeout_s) * 3000) + 5000);
  return api::RemoteProvider::create(co);
}

std::vector<roles::vnp::TransitLink> full_mesh(const std::vector<std::string>& names) {
  std::vector<roles::vnp::TransitLink> out;
  int base = 100;
  for (std::size_t i = 0; i < names.size(); ++i)
    for (std::size_t j = i + 1; j < names.size(); ++j) {
      roles::vnp::TransitLink t;
      t.id = "t-" + names[i] + "-" + names[j];
      t.a = names[i];
      t.b = names[j];
      t.capacity = 1000;
      t.first_identifier = base;
      t.last_identifier = base + 99;
      t.endpoint_a = names[i] + "-gw";
      t.endpoint_b = names[j] + "-gw";
      base += 100;
      out.push_back(std::move(t));
    }
  return out;
}

std::string generated_substrate_yaml(const GeneratedSubstrate& g) {
  const std::string& p = g.name;
  std::ostringstream y, res;
  y << "namespaces: {s: /cloudnet/generated/" << p << "}\nTopology:\n"
    << "  - GraphLabel: {id: s:" << p << "ul0, role_identifier: " << p
    << ", graph_type: UL, graph_nr: 0, net_identifier: " << p << "-substrate}\n"
    << "    NetworkElement:\n";
  // The switch in the middle of the star.
  y << "      - id: s:" << p << "sw\n        identifier: " << p << "sw\n"
    << "        ne_type: /node/switch\n        graphLabel: s:" << p << "ul0\n"
    << "        networkInterfaces:\n";
  for (int h = 1; h <= g.hosts; ++h)
    y << "          - {id: s:" << p << "sw" << h << ", identifier: p" << h
      << ", ni_type: /interface/ethernet, connectedInterface: s:" << p << "l" << h << "b}\n";
  for (int h = 1; h <= g.hosts; ++h) {
    const std::string id = p + "h" + std::to_string(h);
    y << "      - id: s:" << id << "\n        identifier: " << id
      << "\n        ne_type: /node/host/server\n        graphLabel: s:" << p << "ul0\n"
      << "        resource: [s:" << id << "cpu, s:" << id << "ram]\n"
      << "        features: [{attribute: /position/continent/country, value: " << g.location
      << ", priority: 0, request_flag: false}]\n"
      << "        networkInterfaces: [{id: s:" << id
      << "e, identifier: eth0, ni_type: /interface/ethernet, connectedInterface: s:" << p << "l"
      << h << "a}]\n";
    res << "      - {id: s:" << id << "cpu, attribute: /host/generic/CPU/amount, value: " << g.cores
        << ", resource_unit: cores, request_flag: false}\n"
        << "      - {id: s:" << id
        << "ram, attribute: /host/generic/RAM/real/amount, value: " << g.ram_gb
        << ", resource_unit: GB, request_flag: false}\n";
  }
  for (int h = 1; h <= g.hosts; ++h) {
    const std::string id = p + "l" + std::to_string(h);
    y << "      - {id: s:" << id << ", identifier: " << id
      << ", ne_type: /link/ethernet, graphLabel: s:" << p << "ul0, resource: [s:" << id
      << "bw],\n         networkInterfaces: [{id: s:" << id
      << "a, identifier: a, ni_type: /interface/ethernet, connectedInterface: s:" << p << "h" << h
      << "e}, {id: s:" << id
      << "b, identifier: b, ni_type: /interface/ethernet, connectedInterface: s:" << p << "sw" << h
      << "}]}\n";
    res << "      - {id: s:" << id
        << "bw, attribute: /link/symmetric/bandwidth, value: " << g.bandwidth
        << ", resource_unit: Mbps, request_flag: false}\n";
  }
  return y.str() + "    Resource:\n" + res.str();
}

Result<flerd::Document> generated_substrate(const GeneratedSubstrate& shape) {
  if (shape.name.empty() || shape.hosts < 1)
    return Error::invalid("generated substrate: needs a name and at least one host");
  flerd::Loaded l = flerd::read_string(generated_substrate_yaml(shape), flerd::Format::kYaml,
                                       shape.name + " (generated)");
  if (!l.ok())
    return Error::internal("generated substrate '" + shape.name +
                           "' is malformed: " + l.diagnostics.format());
  return std::move(l.document);
}

}  // namespace cloudnet::federation
