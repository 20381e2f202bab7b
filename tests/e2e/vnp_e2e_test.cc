// End to end: real `cloudnetd vnp` and `cloudnetd pip` processes on
// loopback (port 0), each with its own SQLite store and the simulation
// plugin, driven through api::RemoteProvider and the `cloudnet` CLI as a
// customer would (issue 6, "Must show"):
//   - a VNet across 3 PIPs: create, confirm, status with sites, start/stop
//     fan-out, console through the relay chain VNP -> PIP -> echo, delete;
//   - a stack VNP -> VNP -> PIP (depth 3), console across all three relays;
//   - a PIP that refuses (its substrate is fragmented: the aggregate over-
//     states what it can host): another split, or a clean failure with the
//     reason;
//   - a PIP that times out (simulation prepare delay > call_timeout);
//   - a PIP killed (-9) between create and confirm, then restarted;
//   - the VNP killed (-9) while a slow PIP prepares (create) and while one
//     applies (confirm), restarted on its store each time.
// After each: nothing tentative or orphaned at any PIP, by get_metrics
// (available == capacity) and by the PIP's SQLite store opened read-only
// (no live VNet, check_consistency() clean), and the VNP's store without
// pending transactions.
//
// Information hiding (CloudNet paper 4.1): every daemon is reached through a
// small recording HTTP proxy (cpp-httplib, loopback, port 0): the VNP's
// providers through one each, the customer through one in front of the VNP.
// TearDown scans every response body recorded for every id and identifier of
// every PIP's substrate document (elements, interfaces, resources, graph
// label). The proxies also keep a PIP's address fixed across its restarts.
#include <signal.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wall"
#pragma GCC diagnostic ignored "-Wextra"
#pragma GCC diagnostic ignored "-Wpedantic"
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wold-style-cast"
#pragma GCC diagnostic ignored "-Wcast-align"
#pragma GCC diagnostic ignored "-Woverloaded-virtual"
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
#pragma GCC diagnostic ignored "-Wuseless-cast"
#pragma GCC diagnostic ignored "-Wconversion"
#pragma GCC diagnostic ignored "-Wsign-conversion"
#include <httplib.h>
#pragma GCC diagnostic pop

#include "api/remote_provider.h"
#include "console/client.h"
#include "federation/chain_request.h"
#include "flerd/io.h"
#include "store/provider_store.h"

#include "harness.h"

namespace cloudnet::e2e {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr const char* kCpu = "/host/generic/CPU/amount";
// Every daemon knows the same three customers: the end customer, a VNP
// buying from it, and the test's own account for metrics.
constexpr const char* kAliceToken = "alice-token";
constexpr const char* kVnpToken = "vnp-token";
constexpr const char* kOperatorToken = "operator-token";
const roles::Caller kAnyone{};

// A PIP's substrate: `hosts` servers with `cores` cores each on a chain of
// links. Every id and identifier starts with the PIP's name, so the hiding
// scan finds any of them anywhere (as in roles/test/vnp_service_test.cc).
std::string substrate_yaml(const std::string& p, int hosts, int cores) {
  std::string y = "namespaces: {s: /test/" + p + "}\nTopology:\n  - GraphLabel: {id: s:" + p +
                  "ul0, role_identifier: PIP, graph_type: UL, graph_nr: 0, net_identifier: " + p +
                  "sub}\n    NetworkElement:\n";
  std::string res;
  for (int h = 1; h <= hosts; ++h) {
    const std::string id = p + "host" + std::to_string(h);
    std::string ifs = "{id: s:" + id + "x, identifier: " + id + "x, ni_type: /interface/ethernet}";
    if (h > 1)
      ifs += ", {id: s:" + id + "w, identifier: " + id +
             "w, ni_type: /interface/ethernet, connectedInterface: s:" + p + "link" +
             std::to_string(h - 1) + "b}";
    if (h < hosts)
      ifs += ", {id: s:" + id + "e, identifier: " + id +
             "e, ni_type: /interface/ethernet, connectedInterface: s:" + p + "link" +
             std::to_string(h) + "a}";
    y += "      - id: s:" + id + "\n        identifier: " + id +
         "\n        ne_type: /node/host/server\n        graphLabel: s:" + p +
         "ul0\n        resource: [s:" + id + "cpu, s:" + id + "ram]\n" +
         "        features: [{attribute: /virtualization/technology, value: kvm, priority: 0, "
         "request_flag: false}]\n        networkInterfaces: [" +
         ifs + "]\n";
    res += "      - {id: s:" + id + "cpu, attribute: " + kCpu +
           ", value: " + std::to_string(cores) + ", resource_unit: cores, request_flag: false}\n";
    res += "      - {id: s:" + id +
           "ram, attribute: /host/generic/RAM/real/amount, value: 64, resource_unit: GB, "
           "request_flag: false}\n";
  }
  for (int l = 1; l < hosts; ++l) {
    const std::string id = p + "link" + std::to_string(l);
    y += "      - {id: s:" + id + ", identifier: " + id +
         ", ne_type: /link/ethernet, graphLabel: s:" + p + "ul0, resource: [s:" + id +
         "bw],\n         networkInterfaces: [{id: s:" + id + "a, identifier: " + id +
         "a, ni_type: /interface/ethernet, connectedInterface: s:" + p + "host" +
         std::to_string(l) + "e}, {id: s:" + id + "b, identifier: " + id +
         "b, ni_type: /interface/ethernet, connectedInterface: s:" + p + "host" +
         std::to_string(l + 1) + "w}]}\n";
    res += "      - {id: s:" + id +
           "bw, attribute: /link/symmetric/bandwidth, value: 1000, resource_unit: Mbps, "
           "request_flag: false}\n";
  }
  return y + "    Resource:\n" + res;
}

// The customer's request: `n` virtual hosts of `cpu` cores on a chain of
// 100 Mbps links.
flerd::Document chain(int n, int cpu, const std::string& net = "web") {
  flerd::Loaded l =
      flerd::read_string(federation::chain_request_yaml(n, cpu, net), flerd::Format::kYaml, "req");
  EXPECT_TRUE(l.ok()) << l.diagnostics.format();
  return std::move(l.document);
}

// --- processes -----------------------------------------------------------------

// A recording HTTP forwarding proxy on 127.0.0.1 (port 0) in front of one
// daemon: forwards every request to 127.0.0.1:<target> and keeps every
// response body. While the target is down it answers 503 with the API's
// error shape, as a daemon that is unavailable would.
class RecordingProxy {
 public:
  struct Exchange {
    std::string method, target;
    int status = 0;
    std::string body;
  };

  explicit RecordingProxy(std::string name) : name_(std::move(name)) {
    auto forward = [this](const httplib::Request& req, httplib::Response& res) {
      this->forward(req, res);
    };
    server_.Get(".*", forward);
    server_.Post(".*", forward);
    server_.Put(".*", forward);
    server_.Delete(".*", forward);
    server_.Patch(".*", forward);
    port_ = server_.bind_to_any_port("127.0.0.1");
    if (port_ > 0) thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~RecordingProxy() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }
  RecordingProxy(const RecordingProxy&) = delete;
  RecordingProxy& operator=(const RecordingProxy&) = delete;

  bool ok() const { return port_ > 0; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  void set_target(int port) { target_ = port; }
  const std::string& name() const { return name_; }
  std::vector<Exchange> exchanges() const {
    std::lock_guard lock(mu_);
    return log_;
  }

 private:
  void forward(const httplib::Request& req, httplib::Response& res) {
    httplib::Client upstream("127.0.0.1", target_.load());
    upstream.set_connection_timeout(5, 0);
    upstream.set_read_timeout(300, 0);
    upstream.set_write_timeout(30, 0);
    httplib::Request out;
    out.method = req.method;
    out.path = req.target;  // path and query as received
    out.body = req.body;
    for (const char* h : {"Authorization", "Content-Type", "Accept", "Idempotency-Key"})
      if (req.has_header(h)) out.headers.emplace(h, req.get_header_value(h));
    auto r = upstream.send(out);
    Exchange e{req.method, req.target, 0, {}};
    if (!r) {
      res.status = 503;
      res.set_content(R"({"error": {"code": "unavailable", "message": "proxy: )" + name_ +
                          " is unreachable\"}}",
                      "application/json");
      e.status = 503;
    } else {
      res.status = r->status;
      const std::string type = r->get_header_value("Content-Type");
      res.set_content(r->body, type.empty() ? "application/octet-stream" : type.c_str());
      e.status = r->status;
      e.body = r->body;
    }
    std::lock_guard lock(mu_);
    log_.push_back(std::move(e));
  }

  std::string name_;
  httplib::Server server_;
  std::thread thread_;
  int port_ = -1;
  std::atomic<int> target_{1};
  mutable std::mutex mu_;
  std::vector<Exchange> log_;
};

// --- the federation -------------------------------------------------------------

struct Node {
  std::string name;
  std::string dir;
  std::unique_ptr<DaemonProcess> daemon;  // cloudnetd "pip" or "vnp" in `dir`
  std::unique_ptr<RecordingProxy> proxy;  // what a VNP (or the customer) talks to
  std::set<std::string> substrate_ids;    // PIPs only
};

struct Transit {
  std::string id, a, b;
  int first = 100, last = 109;
};

class VnpE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string(CLOUDNETD_BIN).empty() || !fs::exists(CLOUDNETD_BIN))
      GTEST_SKIP() << "cloudnetd was not built";
    dir_ = make_temp_dir("cloudnet-vnp-e2e");
    ASSERT_FALSE(dir_.empty());
  }

  void TearDown() override {
    if (!dir_.empty()) {
      if (!IsSkipped()) expect_hidden();
      const bool failed = HasFailure();
      for (auto& n : nodes_) {
        if (n->daemon) n->daemon->kill9();
        if (failed) n->daemon->print_log(n->name);
      }
    }
    nodes_.clear();  // daemons killed, proxies stopped
    remove_temp_dir(dir_);
  }

  Node& node(const std::string& name) {
    for (auto& n : nodes_)
      if (n->name == name) return *n;
    ADD_FAILURE() << "no node " << name;
    return *nodes_.front();
  }

  static std::string customers() {
    return std::string("customers:\n  - {name: alice, token: ") + kAliceToken +
           "}\n  - {name: vnp, token: " + kVnpToken +
           "}\n  - {name: operator, token: " + kOperatorToken + "}\n";
  }

  // A PIP named `name` with `hosts` x `cores`; `sim` is the simulation
  // plugin's settings (delays, test-only failures).
  void add_pip(const std::string& name, int hosts, int cores,
               const std::string& sim = "{enabled: true}") {
    auto n = std::make_unique<Node>();
    n->name = name;
    n->dir = dir_ + "/" + name;
    fs::create_directories(n->dir);
    const std::string sub = substrate_yaml(name, hosts, cores);
    write_text(n->dir + "/substrate.yaml", sub);
    flerd::Loaded l = flerd::read_string(sub, flerd::Format::kYaml, name);
    ASSERT_TRUE(l.ok()) << l.diagnostics.format();
    // Everything the substrate names: elements, interfaces, resources and
    // the graph label. All start with the PIP's name (no short generic
    // strings to exclude).
    for (const auto& t : l.document.topologies) {
      if (t.graphLabel) {
        n->substrate_ids.insert(t.graphLabel->id);
        if (t.graphLabel->net_identifier) n->substrate_ids.insert(*t.graphLabel->net_identifier);
      }
      for (const auto& e : t.networkElements) {
        n->substrate_ids.insert(e.id);
        n->substrate_ids.insert(e.identifier);
        for (const auto& ni : e.networkInterfaces) {
          n->substrate_ids.insert(ni.id);
          n->substrate_ids.insert(ni.identifier);
        }
      }
      for (const auto& r : t.resources) n->substrate_ids.insert(r.id);
    }
    n->daemon = std::make_unique<DaemonProcess>("pip", n->dir);
    write_text(n->daemon->config(),
               "name: " + name + "\nsubstrate: substrate.yaml\nstore: sqlite:pip.db\n" +
                   "listen: 127.0.0.1:0\n" + customers() +
                   "ttl: {default: 60, max: 3600}\n"
                   "mapping: {strategy: auto, time_budget: 5}\n"
                   "plugins:\n  sim: " +
                   sim +
                   "\nconsole: {bind: 127.0.0.1, port: 0, advertise: 127.0.0.1, ticket_ttl: 60}\n"
                   "sweep_interval: 0.2\n");
    n->proxy = std::make_unique<RecordingProxy>(name);
    ASSERT_TRUE(n->proxy->ok());
    ASSERT_TRUE(n->daemon->start());
    n->proxy->set_target(n->daemon->port());
    nodes_.push_back(std::move(n));
  }

  // A VNP buying from `providers` (PIPs or VNPs added before).
  // `negotiation` holds the keys besides retry_interval (0.5 s: releases a
  // PIP missed while down are retried soon after it is back).
  void add_vnp(const std::string& name, const std::vector<std::string>& providers,
               const std::vector<Transit>& transit, const std::string& negotiation = "") {
    auto n = std::make_unique<Node>();
    n->name = name;
    n->dir = dir_ + "/" + name;
    fs::create_directories(n->dir);
    n->daemon = std::make_unique<DaemonProcess>("vnp", n->dir);
    std::string y = "name: " + name + "\nstore: sqlite:vnp.db\nlisten: 127.0.0.1:0\n" +
                    customers() + "providers:\n";
    for (const auto& p : providers)
      y += "  - {name: " + p + ", url: " + node(p).proxy->url() + ", token: " + kVnpToken + "}\n";
    if (!transit.empty()) y += "transit:\n";
    for (const auto& t : transit)
      y += "  - {id: " + t.id + ", a: " + t.a + ", b: " + t.b +
           ", capacity: 1000, identifiers: {first: " + std::to_string(t.first) +
           ", last: " + std::to_string(t.last) + "}}\n";
    y += "ttl: {default: 60, max: 3600}\nmapping: {strategy: auto, time_budget: 5}\n"
         "negotiation: {retry_interval: 0.5" +
         (negotiation.empty() ? "" : ", " + negotiation) +
         "}\nconsole: {bind: 127.0.0.1, port: 0, advertise: 127.0.0.1, ticket_ttl: 60}\n";
    write_text(n->daemon->config(), y);
    n->proxy = std::make_unique<RecordingProxy>(name);
    ASSERT_TRUE(n->proxy->ok());
    ASSERT_TRUE(n->daemon->start());
    n->proxy->set_target(n->daemon->port());
    nodes_.push_back(std::move(n));
  }

  static std::vector<Transit> mesh(const std::vector<std::string>& names) {
    std::vector<Transit> out;
    int base = 100;
    for (std::size_t i = 0; i < names.size(); ++i)
      for (std::size_t j = i + 1; j < names.size(); ++j) {
        out.push_back({"t" + names[i] + names[j], names[i], names[j], base, base + 9});
        base += 100;
      }
    return out;
  }

  // Restarts a node after kill9() on the same store; its proxy follows.
  void restart(const std::string& name) {
    Node& n = node(name);
    ASSERT_TRUE(n.daemon->start());
    n.proxy->set_target(n.daemon->port());
  }

  // The customer, through the proxy in front of `vnp` (recorded).
  std::unique_ptr<api::RemoteProvider> customer(const std::string& vnp,
                                                const std::string& token = kAliceToken) {
    http::ClientOptions o;
    o.base_url = node(vnp).proxy->url();
    o.bearer_token = token;
    o.read_timeout = 120s;
    auto p = api::RemoteProvider::create(o);
    EXPECT_TRUE(p.ok());
    return p.ok() ? std::move(p).value() : nullptr;
  }
  // The test's own view of a daemon, directly (not recorded).
  std::unique_ptr<api::RemoteProvider> direct(const std::string& name) {
    http::ClientOptions o;
    o.base_url = node(name).daemon->url();
    o.bearer_token = kOperatorToken;
    o.read_timeout = 60s;
    auto p = api::RemoteProvider::create(o);
    EXPECT_TRUE(p.ok());
    return p.ok() ? std::move(p).value() : nullptr;
  }

  std::unique_ptr<store::ProviderStore> open_store(const std::string& name) {
    auto s = store::ProviderStore::open("sqlite:" + node(name).daemon->db() + "?mode=ro");
    EXPECT_TRUE(s.ok()) << name << ": " << s.error().message;
    return s.ok() ? std::move(s).value() : nullptr;
  }
  std::vector<store::VNetRecord> live_vnets(const std::string& name) {
    auto s = open_store(name);
    if (!s) return {};
    auto v = s->list_vnets({}, false);
    EXPECT_TRUE(v.ok()) << v.error().message;
    return v.ok() ? *v : std::vector<store::VNetRecord>{};
  }

  // Free CPU at a PIP, by get_metrics.
  double free_cpu(const std::string& pip) {
    auto m = direct(pip)->get_metrics(kAnyone);
    EXPECT_TRUE(m.ok()) << pip << ": " << m.error().message;
    return m.ok() ? m->resources[kCpu].available : -1;
  }

  // Nothing held at `pip`: every attribute's available == capacity, no live
  // VNet in its store (tentative, confirmed, running ...), the store
  // consistent. Waits up to `wait` for background releases (expiry of a
  // part the VNP could not cancel while the PIP was down, a late grant
  // being cancelled, a VNP-side retry).
  ::testing::AssertionResult pip_empty(const std::string& pip,
                                       std::chrono::milliseconds wait = 3s) {
    const auto deadline = std::chrono::steady_clock::now() + wait;
    std::string why;
    do {
      why.clear();
      auto m = direct(pip)->get_metrics(kAnyone);
      if (!m.ok()) {
        why = "get_metrics: " + m.error().message;
      } else {
        for (const auto& [attr, r] : m->resources)
          if (std::abs(r.available - r.capacity) > 1e-9)
            why += attr + ": available " + std::to_string(r.available) + " of " +
                   std::to_string(r.capacity) + "; ";
      }
      for (const auto& v : live_vnets(pip))
        why += "live vnet " + v.id + " (" + store::to_string(v.state) + "); ";
      if (why.empty()) break;
      std::this_thread::sleep_for(100ms);
    } while (std::chrono::steady_clock::now() < deadline);
    if (!why.empty()) return ::testing::AssertionFailure() << pip << ": " << why;
    auto s = open_store(pip);
    if (!s) return ::testing::AssertionFailure() << pip << ": cannot open the store";
    auto problems = s->check_consistency();
    if (!problems.ok()) return ::testing::AssertionFailure() << problems.error().message;
    if (!problems->empty()) {
      auto f = ::testing::AssertionFailure() << pip << ": store inconsistent:";
      for (const auto& p : *problems) f << "\n  " << p;
      return f;
    }
    return ::testing::AssertionSuccess();
  }

  void expect_all_pips_empty(std::chrono::milliseconds wait = 3s) {
    for (auto& n : nodes_)
      if (!n->substrate_ids.empty()) {
        EXPECT_TRUE(pip_empty(n->name, wait));
      }
  }

  // The VNP's own store: no pending transaction, consistent, and (`live`)
  // how many VNets it still has. A release the VNP owes a provider that was
  // down stays pending until a retry gets through: waits up to `wait`.
  void expect_vnp_settled(const std::string& vnp, std::size_t live = 0,
                          std::chrono::milliseconds wait = 3s) {
    const auto deadline = std::chrono::steady_clock::now() + wait;
    std::vector<store::PendingTransaction> left;
    do {
      auto s = open_store(vnp);
      ASSERT_TRUE(s);
      auto pend = s->read("pending", [](store::ProviderTx& tx) { return tx.pending(); });
      ASSERT_TRUE(pend.ok()) << pend.error().message;
      left = *pend;
      if (left.empty()) break;
      std::this_thread::sleep_for(100ms);
    } while (std::chrono::steady_clock::now() < deadline);
    for (const auto& p : left)
      ADD_FAILURE() << vnp << ": pending " << p.operation << " of vnet " << p.vnet << " ("
                    << p.state << ")";
    auto s = open_store(vnp);
    ASSERT_TRUE(s);
    auto problems = s->check_consistency();
    ASSERT_TRUE(problems.ok()) << problems.error().message;
    for (const auto& p : *problems) ADD_FAILURE() << vnp << ": " << p;
    auto v = s->list_vnets({}, false);
    ASSERT_TRUE(v.ok());
    EXPECT_EQ(v->size(), live) << vnp;
  }

  // The scan: no recorded response names anything of any PIP's substrate.
  void expect_hidden() {
    std::set<std::string> ids;
    for (auto& n : nodes_) ids.insert(n->substrate_ids.begin(), n->substrate_ids.end());
    std::size_t bodies = 0;
    for (auto& n : nodes_) {
      if (!n->proxy) continue;
      for (const auto& e : n->proxy->exchanges()) {
        ++bodies;
        std::string named;
        for (const auto& id : ids)
          if (!id.empty() && e.body.find(id) != std::string::npos) named += " '" + id + "'";
        if (!named.empty())
          ADD_FAILURE() << "information hiding: the response of " << n->name << " to " << e.method
                        << " " << e.target << " (HTTP " << e.status << ") names substrate elements"
                        << named << ":\n"
                        << e.body.substr(0, 1500);
      }
    }
    EXPECT_GT(bodies, 0u);
    RecordProperty("responses_scanned", static_cast<int>(bodies));
  }

  // Waits until a VNet (through `p`) reaches `state`.
  std::string wait_state(api::RemoteProvider& p, const std::string& id, const std::string& state,
                         std::chrono::milliseconds wait = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + wait;
    std::string last;
    while (std::chrono::steady_clock::now() < deadline) {
      auto s = p.status(kAnyone, id);
      last = s.ok() ? s->state : s.error().message;
      if (last == state) break;
      std::this_thread::sleep_for(50ms);
    }
    return last;
  }

  static std::set<std::string> sites(const roles::VNetInfo& i) {
    std::set<std::string> out;
    for (const auto& e : i.elements)
      if (e.kind == "node") out.insert(e.site);
    return out;
  }

  // Connects to a console ticket, writes a line and reads the echo.
  static std::string echo(const roles::ConsoleAccess& a, const std::string& text) {
    auto stream =
        console::connect(console::Endpoint{a.host, static_cast<std::uint16_t>(a.port)}, a.token);
    if (!stream.ok()) return "connect: " + stream.error().message;
    if (!stream->write(text + "\n").ok()) return "write failed";
    std::string got;
    char buf[256];
    while (got.find(text) == std::string::npos) {
      auto n = stream->read(buf, sizeof buf, console::Millis(5000));
      if (!n.ok()) return got + " [read: " + n.error().message + "]";
      if (*n == 0) break;
      got.append(buf, *n);
    }
    return got;
  }

  // Exchanges of a proxy matching method and target prefix.
  std::vector<RecordingProxy::Exchange> seen(const std::string& name, const std::string& method,
                                             const std::string& prefix) {
    std::vector<RecordingProxy::Exchange> out;
    for (const auto& e : node(name).proxy->exchanges())
      if (e.method == method && e.target.rfind(prefix, 0) == 0) out.push_back(e);
    return out;
  }

  std::string dir_;
  std::vector<std::unique_ptr<Node>> nodes_;
};

// --- a VNet across three PIPs ---------------------------------------------------

// 3 cores per node, one 4-core host per PIP: each node needs its own PIP.
TEST_F(VnpE2E, ThreePipsLifecycleConsoleAndCli) {
  for (const char* p : {"pa", "pb", "pc"}) ASSERT_NO_FATAL_FAILURE(add_pip(p, 1, 4));
  ASSERT_NO_FATAL_FAILURE(add_vnp("vnp1", {"pa", "pb", "pc"}, mesh({"pa", "pb", "pc"})));
  auto alice = customer("vnp1");

  auto v = alice->create_vnet(kAnyone, chain(3, 3), {});
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(v->state, "tentative");
  EXPECT_TRUE(v->expires_at_ms.has_value());
  EXPECT_EQ(sites(*v), (std::set<std::string>{"pa", "pb", "pc"}));
  for (const char* p : {"pa", "pb", "pc"}) {
    auto live = live_vnets(p);
    ASSERT_EQ(live.size(), 1u) << p;
    EXPECT_EQ(live[0].state, store::VNetState::kTentative) << p;
    EXPECT_EQ(live[0].customer, "vnp") << p;
    EXPECT_DOUBLE_EQ(free_cpu(p), 1.0) << p;
  }

  // Confirm: every part confirmed, then started (paper 5.7).
  auto c = alice->confirm_request(kAnyone, v->id);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->state, "running") << c->detail;
  auto st = alice->status(kAnyone, v->id);
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(st->state, "running");
  std::map<std::string, std::string> where;
  for (const auto& e : st->elements) {
    if (e.kind == "node") {
      where[e.id] = e.site;
      EXPECT_EQ(e.state, "running") << e.id;
    }
  }
  EXPECT_EQ(where.size(), 3u);
  EXPECT_EQ(std::set<std::string>({where["c:v1"], where["c:v2"], where["c:v3"]}),
            (std::set<std::string>{"pa", "pb", "pc"}));

  // Provisioning fans out: the whole VNet, then one node (only its PIP).
  auto stopped = alice->provision(kAnyone, v->id, roles::Action::kStop, "");
  ASSERT_TRUE(stopped.ok()) << stopped.error().message;
  EXPECT_EQ(stopped->state, "stopped");
  // Provisioning calls each PIP received so far.
  auto actions = [&] {
    std::map<std::string, std::size_t> out;
    for (const char* p : {"pa", "pb", "pc"})
      for (const auto& e : seen(p, "POST", "/v1/vnets/"))
        if (e.target.find("/actions/") != std::string::npos) ++out[p];
    return out;
  };
  const auto before = actions();
  auto one = alice->provision(kAnyone, v->id, roles::Action::kStart, "c:v2");
  ASSERT_TRUE(one.ok()) << one.error().message;
  for (const auto& e : one->elements)
    if (e.kind == "node") {
      EXPECT_EQ(e.state, e.id == "c:v2" ? "running" : "stopped") << e.id;
    }
  auto expected = before;
  ++expected[where["c:v2"]];  // only the PIP hosting c:v2 was asked
  EXPECT_EQ(actions(), expected);
  auto all = alice->provision(kAnyone, v->id, roles::Action::kStart, "");
  ASSERT_TRUE(all.ok()) << all.error().message;
  EXPECT_EQ(all->state, "running");
  auto bad = alice->provision(kAnyone, v->id, roles::Action::kStart, "c:nosuch");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Error::Code::kNotFound);

  // Console: the VNP's relay chains to the PIP's relay, which reaches the
  // simulation's echo far end (thesis 3.3.5).
  auto access = alice->console(kAnyone, v->id, "c:v1");
  ASSERT_TRUE(access.ok()) << access.error().message;
  EXPECT_EQ(access->host, "127.0.0.1");
  EXPECT_NE(echo(*access, "hello through vnp1").find("hello through vnp1"), std::string::npos);
  EXPECT_FALSE(
      console::connect(console::Endpoint{access->host, static_cast<std::uint16_t>(access->port)},
                       access->token)
          .ok())
      << "a ticket is one-time";

  // Views: list, the customer's document, the VNP's aggregated metrics.
  auto l = alice->list(kAnyone);
  ASSERT_TRUE(l.ok()) << l.error().message;
  ASSERT_EQ(l->size(), 1u);
  EXPECT_EQ((*l)[0].id, v->id);
  auto doc = alice->document(kAnyone, v->id);
  ASSERT_TRUE(doc.ok()) << doc.error().message;
  auto m = alice->get_metrics(kAnyone);
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->provider, "vnp1");
  EXPECT_DOUBLE_EQ(m->resources[kCpu].capacity, 12);
  EXPECT_DOUBLE_EQ(m->resources[kCpu].available, 3);
  // Another customer of the VNP sees nothing of it.
  auto bob = customer("vnp1", kOperatorToken);
  EXPECT_EQ(bob->status(kAnyone, v->id).error().code, Error::Code::kNotFound);

  // The `cloudnet` CLI against the VNP, unchanged (the VNP offers the PIP's
  // interface): status, console, stop/start of one node.
  if (!std::string(CLOUDNET_BIN).empty() && fs::exists(CLOUDNET_BIN)) {
    auto cli = [&](const std::string& args, const std::string& in = "") {
      return run_cli(
          dir_, "--provider " + node("vnp1").proxy->url() + " --token " + kAliceToken + " " + args,
          in);
    };
    auto r = cli("--json status " + v->id);
    EXPECT_EQ(r.rc, 0) << r.out << read_text(dir_ + "/cli-stderr.log");
    EXPECT_NE(r.out.find("\"running\""), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("\"pb\""), std::string::npos) << r.out;
    r = cli("stop " + v->id + " c:v3");
    EXPECT_EQ(r.rc, 0) << r.out;
    r = cli("start " + v->id + " c:v3");
    EXPECT_EQ(r.rc, 0) << r.out;
    r = cli("console " + v->id + " c:v3", "hello cli through vnp1\n");
    EXPECT_EQ(r.rc, 0) << r.out << read_text(dir_ + "/cli-stderr.log");
    EXPECT_NE(r.out.find("hello cli through vnp1"), std::string::npos) << r.out;
    r = cli("metrics");
    EXPECT_EQ(r.rc, 0) << r.out;
    EXPECT_NE(r.out.find("vnp1"), std::string::npos) << r.out;
    EXPECT_EQ(cli("status vv-nosuch").rc, 1);
  }

  // Delete spans every PIP.
  auto d = alice->delete_vnet(kAnyone, v->id);
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->state, "deleted");
  expect_all_pips_empty();
  expect_vnp_settled("vnp1");
}

// --- recursion: VNP -> VNP -> PIP ---------------------------------------------------

TEST_F(VnpE2E, StackOfVnpVnpPip) {
  ASSERT_NO_FATAL_FAILURE(add_pip("pa", 2, 4));
  ASSERT_NO_FATAL_FAILURE(add_vnp("lower", {"pa"}, {}));
  ASSERT_NO_FATAL_FAILURE(add_vnp("upper", {"lower"}, {}));
  auto alice = customer("upper");

  auto v = alice->create_vnet(kAnyone, chain(2, 3), {.ttl_s = 0, .confirm = true});
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(v->state, "running") << v->detail;
  EXPECT_EQ(sites(*v), std::set<std::string>{"lower"});
  // The lower VNP sells to the upper one as to any customer; the PIP sells
  // to the lower one.
  auto lower_live = live_vnets("lower");
  ASSERT_EQ(lower_live.size(), 1u);
  EXPECT_EQ(lower_live[0].customer, "vnp");
  ASSERT_EQ(live_vnets("pa").size(), 1u);
  EXPECT_DOUBLE_EQ(free_cpu("pa"), 2.0);
  auto via_lower = direct("lower")->get_metrics(kAnyone);
  ASSERT_TRUE(via_lower.ok());
  EXPECT_DOUBLE_EQ(via_lower->resources[kCpu].available, 2.0);

  auto st = alice->provision(kAnyone, v->id, roles::Action::kStop, "c:v2");
  ASSERT_TRUE(st.ok()) << st.error().message;
  for (const auto& e : st->elements)
    if (e.id == "c:v2") {
      EXPECT_EQ(e.state, "stopped");
    }
  ASSERT_TRUE(alice->provision(kAnyone, v->id, roles::Action::kStart, "c:v2").ok());
  EXPECT_EQ(wait_state(*alice, v->id, "running"), "running");

  // Three relays: upper -> lower -> pa -> echo.
  auto access = alice->console(kAnyone, v->id, "c:v2");
  ASSERT_TRUE(access.ok()) << access.error().message;
  EXPECT_NE(echo(*access, "hello depth three").find("hello depth three"), std::string::npos);

  ASSERT_TRUE(alice->delete_vnet(kAnyone, v->id).ok());
  expect_all_pips_empty();
  expect_vnp_settled("upper");
  expect_vnp_settled("lower");
}

// --- a PIP that refuses -----------------------------------------------------------

// pf has 8 cores in total but no host with more than 2: its aggregate says it
// can host two 3-core nodes, its substrate cannot. The cheapest split puts
// both on pf (no transit); pf refuses (422), the VNP splits again without it
// across pa and pb (vnp_service.h, "Refusals"). Three such nodes do not fit
// without pf: a clean failure naming pf's refusal.
TEST_F(VnpE2E, RefusingPipAnotherSplitOrCleanFailure) {
  ASSERT_NO_FATAL_FAILURE(add_pip("pf", 4, 2));
  ASSERT_NO_FATAL_FAILURE(add_pip("pa", 1, 4));
  ASSERT_NO_FATAL_FAILURE(add_pip("pb", 1, 4));
  ASSERT_NO_FATAL_FAILURE(add_vnp("vnp1", {"pf", "pa", "pb"}, mesh({"pf", "pa", "pb"})));
  auto alice = customer("vnp1");

  auto v = alice->create_vnet(kAnyone, chain(2, 3, "two"), {});
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(sites(*v), (std::set<std::string>{"pa", "pb"}));
  auto refused = seen("pf", "POST", "/v1/vnets");
  ASSERT_FALSE(refused.empty()) << "pf was never asked";
  EXPECT_EQ(refused.front().status, 422) << refused.front().body;
  EXPECT_TRUE(pip_empty("pf"));
  ASSERT_TRUE(alice->cancel_request(kAnyone, v->id).ok());
  expect_all_pips_empty();

  auto w = alice->create_vnet(kAnyone, chain(3, 3, "three"), {});
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().code, Error::Code::kInfeasible) << w.error().message;
  EXPECT_NE(w.error().message.find("pf:"), std::string::npos)
      << "the customer must learn pf's refusal: " << w.error().message;
  expect_all_pips_empty();
  expect_vnp_settled("vnp1");
}

// --- a PIP that times out -----------------------------------------------------------

// ps prepares for 4 s; the VNP waits 1 s per call. The create fails
// (unavailable, naming ps), pa's part is cancelled at once, and ps's grant,
// arriving late, is cancelled when it arrives.
TEST_F(VnpE2E, SlowPipTimesOut) {
  ASSERT_NO_FATAL_FAILURE(add_pip("pa", 1, 4));
  ASSERT_NO_FATAL_FAILURE(add_pip("ps", 1, 4, "{enabled: true, delays_ms: {prepare: 4000}}"));
  ASSERT_NO_FATAL_FAILURE(add_vnp("vnp1", {"pa", "ps"}, mesh({"pa", "ps"}), "call_timeout: 1"));
  auto alice = customer("vnp1");

  const auto t0 = std::chrono::steady_clock::now();
  auto v = alice->create_vnet(kAnyone, chain(2, 3), {.ttl_s = 30, .confirm = false});
  const auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_FALSE(v.ok()) << "created although ps cannot answer in time";
  EXPECT_EQ(v.error().code, Error::Code::kUnavailable) << v.error().message;
  EXPECT_NE(v.error().message.find("ps: no answer within"), std::string::npos) << v.error().message;
  EXPECT_LT(took, 3900ms) << "the VNP waited for the slow PIP instead of timing out";
  EXPECT_TRUE(pip_empty("pa"));
  // Well before ps's tentative ttl (30 s): only the late cancel frees it.
  EXPECT_TRUE(pip_empty("ps", 10s));
  expect_vnp_settled("vnp1");
}

// --- a PIP killed between create and confirm -------------------------------------

TEST_F(VnpE2E, PipCrashBetweenCreateAndConfirm) {
  ASSERT_NO_FATAL_FAILURE(add_pip("pa", 1, 4));
  ASSERT_NO_FATAL_FAILURE(add_pip("pb", 1, 4));
  ASSERT_NO_FATAL_FAILURE(add_vnp("vnp1", {"pa", "pb"}, mesh({"pa", "pb"})));
  auto alice = customer("vnp1");

  // 1. pb dies and comes back before the confirm: its tentative part
  // survives the restart (the PIP's reconciliation), the confirm succeeds.
  {
    auto v = alice->create_vnet(kAnyone, chain(2, 3, "first"), {.ttl_s = 60, .confirm = false});
    ASSERT_TRUE(v.ok()) << v.error().message;
    node("pb").daemon->kill9();
    ASSERT_NO_FATAL_FAILURE(restart("pb"));
    auto c = alice->confirm_request(kAnyone, v->id);
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->state, "running") << c->detail;
    ASSERT_TRUE(alice->delete_vnet(kAnyone, v->id).ok());
    expect_all_pips_empty();
  }

  // 2. pb is down at the confirm: the confirm fails cleanly, pa's part is
  // released at once; pb's part, which the VNP could not cancel, is gone
  // once pb is back and its 4 s ttl has passed (or a VNP-side retry of the
  // release got it first).
  {
    auto v = alice->create_vnet(kAnyone, chain(2, 3, "second"), {.ttl_s = 4, .confirm = false});
    ASSERT_TRUE(v.ok()) << v.error().message;
    node("pb").daemon->kill9();
    auto c = alice->confirm_request(kAnyone, v->id);
    ASSERT_FALSE(c.ok()) << "confirmed without pb";
    EXPECT_NE(c.error().message.find("pb"), std::string::npos) << c.error().message;
    auto s = alice->status(kAnyone, v->id);
    EXPECT_TRUE(!s.ok() || s->state == "deleted") << (s.ok() ? s->state : "");
    EXPECT_TRUE(pip_empty("pa"));
    ASSERT_NO_FATAL_FAILURE(restart("pb"));
    EXPECT_TRUE(pip_empty("pb", 12s));
  }
  expect_vnp_settled("vnp1", 0, 10s);
}

// --- the VNP killed mid-transaction -------------------------------------------------

// ps prepares for 3 s; the VNP is killed while ps holds the request. The
// restart on the same store rolls the negotiation back (vnp_service.h:
// asks ps again with the same idempotency key, cancels what it gets).
TEST_F(VnpE2E, VnpCrashMidNegotiation) {
  ASSERT_NO_FATAL_FAILURE(add_pip("pa", 1, 4));
  ASSERT_NO_FATAL_FAILURE(add_pip("ps", 1, 4, "{enabled: true, delays_ms: {prepare: 3000}}"));
  ASSERT_NO_FATAL_FAILURE(add_vnp("vnp1", {"pa", "ps"}, mesh({"pa", "ps"}), "call_timeout: 30"));

  std::optional<Result<roles::VNetInfo>> answer;
  std::thread creator([&answer, c = customer("vnp1")] {
    answer.emplace(c->create_vnet(kAnyone, chain(2, 3), {.ttl_s = 5, .confirm = false}));
  });
  // ps has reserved (its store has the VNet) and is preparing.
  bool reached = false;
  for (int i = 0; i < 500 && !reached; ++i) {
    reached = !live_vnets("ps").empty();
    if (!reached) std::this_thread::sleep_for(10ms);
  }
  std::this_thread::sleep_for(200ms);
  node("vnp1").daemon->kill9();
  creator.join();
  ASSERT_TRUE(reached) << "the create never reached ps";
  ASSERT_TRUE(answer.has_value());
  ASSERT_FALSE(answer->ok()) << "the create finished before the kill";
  {
    auto pend =
        open_store("vnp1")->read("pending", [](store::ProviderTx& tx) { return tx.pending(); });
    ASSERT_TRUE(pend.ok());
    EXPECT_EQ(pend->size(), 1u) << "the crash left no pending negotiation to recover";
  }

  ASSERT_NO_FATAL_FAILURE(restart("vnp1"));
  const std::string log = node("vnp1").daemon->log();
  EXPECT_NE(log.find("cloudnetd: recovered vnet "), std::string::npos) << log;
  EXPECT_NE(log.find("create rolled back"), std::string::npos) << log;
  expect_vnp_settled("vnp1");
  expect_all_pips_empty(10s);

  // And the VNP serves on: the same request now succeeds whole.
  auto alice = customer("vnp1");
  auto v = alice->create_vnet(kAnyone, chain(2, 3), {.ttl_s = 60, .confirm = true});
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(sites(*v), (std::set<std::string>{"pa", "ps"}));
  ASSERT_TRUE(alice->delete_vnet(kAnyone, v->id).ok());
  expect_all_pips_empty();
  expect_vnp_settled("vnp1");
}

// ps applies for 2 s; the VNP is killed while its confirm is at ps. The
// restart finishes the confirm (every part confirmed again, idempotent) or
// rolls it back (every part deleted): whole or gone, never half.
TEST_F(VnpE2E, VnpCrashMidConfirm) {
  ASSERT_NO_FATAL_FAILURE(add_pip("pa", 1, 4));
  ASSERT_NO_FATAL_FAILURE(add_pip("ps", 1, 4, "{enabled: true, delays_ms: {apply: 2000}}"));
  ASSERT_NO_FATAL_FAILURE(add_vnp("vnp1", {"pa", "ps"}, mesh({"pa", "ps"}), "call_timeout: 30"));
  auto alice = customer("vnp1");
  auto v = alice->create_vnet(kAnyone, chain(2, 3), {.ttl_s = 60, .confirm = false});
  ASSERT_TRUE(v.ok()) << v.error().message;
  const std::string id = v->id;

  std::optional<Result<roles::VNetInfo>> answer;
  std::thread confirmer(
      [&answer, c = customer("vnp1"), id] { answer.emplace(c->confirm_request(kAnyone, id)); });
  // ps is applying (provisioning) its part.
  bool reached = false;
  for (int i = 0; i < 500 && !reached; ++i) {
    auto live = live_vnets("ps");
    reached = !live.empty() && live[0].state == store::VNetState::kProvisioning;
    if (!reached) std::this_thread::sleep_for(10ms);
  }
  std::this_thread::sleep_for(200ms);
  node("vnp1").daemon->kill9();
  confirmer.join();
  ASSERT_TRUE(reached) << "the confirm never reached ps";
  ASSERT_TRUE(answer.has_value());
  ASSERT_FALSE(answer->ok()) << "the confirm finished before the kill";

  ASSERT_NO_FATAL_FAILURE(restart("vnp1"));
  const std::string log = node("vnp1").daemon->log();
  const bool finished = log.find("confirm finished") != std::string::npos;
  EXPECT_TRUE(finished || log.find("confirm rolled back") != std::string::npos) << log;
  alice = customer("vnp1");
  auto s = alice->status(kAnyone, id);
  if (finished) {
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_EQ(wait_state(*alice, id, "running"), "running");
    EXPECT_EQ(sites(*s), (std::set<std::string>{"pa", "ps"}));
    EXPECT_DOUBLE_EQ(free_cpu("pa"), 1.0);
    EXPECT_DOUBLE_EQ(free_cpu("ps"), 1.0);
    expect_vnp_settled("vnp1", 1);
    ASSERT_TRUE(alice->delete_vnet(kAnyone, id).ok());
  } else {
    EXPECT_TRUE(!s.ok() || s->state == "deleted") << (s.ok() ? s->state : "");
  }
  expect_all_pips_empty(10s);
  expect_vnp_settled("vnp1");
}

}  // namespace
}  // namespace cloudnet::e2e
