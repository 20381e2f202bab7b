// The VNP (CloudNet paper 5.1-5.7) over in-process PIPs on SQLite with the
// simulation plugin, through roles::Provider only: splits across 2 and 3
// PIPs, all-or-nothing with cancellation, another split after a refusal, a
// VNP over a VNP, provisioning fan-out, console chains, information hiding;
// modify across PIPs (a part added, removed, changed; all or nothing; the
// idempotency key; rollback, restart, recursion) and releases retried once
// a PIP that did not answer is back.
#include "roles/vnp/vnp_service.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <set>
#include <thread>

#include "console/client.h"
#include "embed/sim_plugin.h"
#include "federation/chain_request.h"
#include "flerd/io.h"
#include "roles/pip/pip_service.h"
#include "store/test/backends.h"

namespace cloudnet::roles::vnp {
namespace {

constexpr const char* kCpu = "/host/generic/CPU/amount";

// A PIP named `p`: `hosts` servers with `cores` cores each on a chain of
// links. Every id starts with the PIP's name, so the hiding test can look
// for them.
std::string substrate(const std::string& p, int hosts, int cores) {
  std::string y = "namespaces: {s: /test/" + p + "}\nTopology:\n  - GraphLabel: {id: s:" + p +
                  "ul0, role_identifier: PIP, graph_type: UL, graph_nr: 0, net_identifier: " + p +
                  "sub}\n    NetworkElement:\n";
  std::string res;
  for (int h = 1; h <= hosts; ++h) {
    const std::string id = p + "host" + std::to_string(h);
    std::string ifs = "{id: s:" + id + "x, identifier: x, ni_type: /interface/ethernet}";
    if (h > 1)
      ifs += ", {id: s:" + id +
             "w, identifier: w, ni_type: /interface/ethernet, connectedInterface: s:" + p + "link" +
             std::to_string(h - 1) + "b}";
    if (h < hosts) {
      ifs += ", {id: s:" + id +
             "e, identifier: e, ni_type: /interface/ethernet, connectedInterface: s:" + p + "link" +
             std::to_string(h) + "a}";
    }
    y += "      - id: s:" + id + "\n        identifier: " + id +
         "\n        ne_type: /node/host/server\n" + "        graphLabel: s:" + p +
         "ul0\n        resource: [s:" + id + "cpu, s:" + id + "ram]\n" +
         "        features: [{attribute: /virtualization/technology, value: kvm, priority: 0, "
         "request_flag: false}]\n";
    y += "        networkInterfaces: [" + ifs + "]\n";
    res += "      - {id: s:" + id +
           "cpu, attribute: /host/generic/CPU/amount, value: " + std::to_string(cores) +
           ", resource_unit: cores, request_flag: false}\n";
    res += "      - {id: s:" + id +
           "ram, attribute: /host/generic/RAM/real/amount, value: 64, resource_unit: GB, "
           "request_flag: false}\n";
  }
  for (int l = 1; l < hosts; ++l) {
    const std::string id = p + "link" + std::to_string(l);
    y += "      - {id: s:" + id + ", identifier: " + id +
         ", ne_type: /link/ethernet, graphLabel: s:" + p + "ul0, resource: [s:" + id +
         "bw],\n         networkInterfaces: [{id: s:" + id +
         "a, identifier: a, ni_type: /interface/ethernet, connectedInterface: s:" + p + "host" +
         std::to_string(l) + "e}, {id: s:" + id +
         "b, identifier: b, ni_type: /interface/ethernet, " + "connectedInterface: s:" + p +
         "host" + std::to_string(l + 1) + "w}]}\n";
    res += "      - {id: s:" + id +
           "bw, attribute: /link/symmetric/bandwidth, value: 1000, resource_unit: Mbps, "
           "request_flag: false}\n";
  }
  return y + "    Resource:\n" + res;
}

// Virtual hosts v1, v2, ... of cpus[i] cores on a chain of 100 Mbps links.
std::string chain_of(const std::vector<int>& cpus, const std::string& net = "web") {
  return federation::chain_request_yaml(cpus, net);
}

// `n` virtual hosts of `cpu` cores on a chain of 100 Mbps links.
std::string chain(int n, int cpu, const std::string& net = "web") {
  return federation::chain_request_yaml(n, cpu, net);
}

flerd::Document parse(const std::string& yaml) {
  flerd::Loaded l = flerd::read_string(yaml, flerd::Format::kYaml, "test");
  EXPECT_TRUE(l.ok()) << l.diagnostics.format() << "\n" << yaml;
  return std::move(l.document);
}

// Wraps a provider; refuses every create (modify) while `refuse`
// (`refuse_modify`) is set, answers nothing while `unreachable`, counts
// creates, modifies and releases.
class Refusing final : public Provider {
 public:
  explicit Refusing(std::shared_ptr<Provider> inner) : inner_(std::move(inner)) {}
  std::atomic<bool> refuse{false};
  std::atomic<bool> refuse_modify{false};
  std::atomic<int> creates{0};
  std::atomic<int> modifies{0};
  std::atomic<int> releases{0};  // cancels and deletes answered
  std::atomic<int> delay_ms{0};
  std::atomic<bool> down{false};               // status() fails
  std::atomic<bool> unreachable{false};        // every call fails
  std::atomic<bool> down_after_modify{false};  // unreachable once a modify went through
  std::atomic<int> finished{0};

  Result<VNetInfo> create_vnet(const Caller& c, const flerd::Document& r,
                               const CreateOptions& o) override {
    if (unreachable) return Error::unavailable("connection refused");
    ++creates;
    if (delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms.load()));
    if (refuse) return Error::infeasible("refused by policy");
    auto out = inner_->create_vnet(c, r, o);
    ++finished;
    return out;
  }
  Result<VNetInfo> confirm_request(const Caller& c, const std::string& v) override {
    if (unreachable) return Error::unavailable("connection refused");
    return inner_->confirm_request(c, v);
  }
  Result<VNetInfo> cancel_request(const Caller& c, const std::string& v) override {
    if (unreachable) return Error::unavailable("connection refused");
    ++releases;
    return inner_->cancel_request(c, v);
  }
  Result<VNetInfo> delete_vnet(const Caller& c, const std::string& v) override {
    if (unreachable) return Error::unavailable("connection refused");
    ++releases;
    return inner_->delete_vnet(c, v);
  }
  Result<VNetInfo> modify_vnet(const Caller& c, const std::string& v,
                               const flerd::Document& r) override {
    if (unreachable) return Error::unavailable("connection refused");
    ++modifies;
    if (refuse_modify) return Error::infeasible("modification refused by policy");
    auto out = inner_->modify_vnet(c, v, r);
    if (out && down_after_modify) unreachable = true;
    return out;
  }
  Result<Metrics> get_metrics(const Caller& c) override {
    if (unreachable) return Error::unavailable("connection refused");
    return inner_->get_metrics(c);
  }
  Result<VNetInfo> provision(const Caller& c, const std::string& v, Action a,
                             const std::string& n) override {
    return inner_->provision(c, v, a, n);
  }
  Result<VNetInfo> status(const Caller& c, const std::string& v) override {
    if (down || unreachable) return Error::unavailable("connection refused");
    return inner_->status(c, v);
  }
  Result<std::vector<VNetInfo>> list(const Caller& c) override { return inner_->list(c); }
  Result<flerd::Document> document(const Caller& c, const std::string& v) override {
    return inner_->document(c, v);
  }
  Result<ConsoleAccess> console(const Caller& c, const std::string& v,
                                const std::string& n) override {
    return inner_->console(c, v, n);
  }

 private:
  std::shared_ptr<Provider> inner_;
};

class VnpTest : public ::testing::Test {
 protected:
  struct Pip {
    std::string name;
    store::test::SqliteEnv env;
    std::shared_ptr<pip::PipService> svc;
    std::shared_ptr<Refusing> front;
    std::string substrate_yaml;
  };

  // Starts PIPs with (hosts, cores) each.
  void add_pip(const std::string& name, int hosts, int cores) {
    auto p = std::make_unique<Pip>();
    p->name = name;
    ASSERT_TRUE(p->env.SetUp().ok());
    auto reg = std::make_shared<embed::PluginRegistry>();
    ASSERT_TRUE(reg->add(std::make_shared<embed::SimPlugin>()).ok());
    pip::Config c;
    c.name = name;
    p->substrate_yaml = substrate(name, hosts, cores);
    c.substrate = parse(p->substrate_yaml);
    c.store_url = p->env.url();
    c.time_budget_s = 5;
    c.registry = reg;
    c.sweep_interval_s = 0;
    auto s = pip::PipService::start(std::move(c));
    ASSERT_TRUE(s.ok()) << s.error().message;
    p->svc = std::shared_ptr<pip::PipService>(std::move(*s));
    p->front = std::make_shared<Refusing>(p->svc);
    pips_.push_back(std::move(p));
  }

  // A VNP's configuration on a fresh SQLite store of its own; the tests
  // that restart a VNP start it from this themselves.
  void vnp_config(Config* c, const std::string& name, std::vector<Downstream> ds,
                  std::vector<TransitLink> transit) {
    vnp_env_.push_back(std::make_unique<store::test::SqliteEnv>());
    ASSERT_TRUE(vnp_env_.back()->SetUp().ok());
    c->name = name;
    c->providers = std::move(ds);
    c->transit = std::move(transit);
    c->store_url = vnp_env_.back()->url();
    c->time_budget_s = 5;
  }

  Result<std::unique_ptr<VnpService>> make_vnp(const std::string& name, std::vector<Downstream> ds,
                                               std::vector<TransitLink> transit) {
    EXPECT_TRUE(vnp_env_.size() < 4);
    Config c;
    vnp_config(&c, name, std::move(ds), std::move(transit));
    c.call_timeout_s = 60;
    c.retry_interval_s = 0;  // tests call retry_pending() themselves
    return VnpService::start(std::move(c));
  }

  // Recursion across a border: an upper VNP buying from a lower VNP (over
  // pa and pb) and from pc directly, so the lower VNP receives partial VNets
  // with stubs and transit links. Needs the PIPs pa, pb and pc, in order.
  void make_upper_over_lower(std::unique_ptr<VnpService>* upper) {
    std::vector<Downstream> lower_ds = {{"pa", pips_[0]->front, "vnp"},
                                        {"pb", pips_[1]->front, "vnp"}};
    auto lower = make_vnp("lower", lower_ds, full_mesh({"pa", "pb"}));
    ASSERT_TRUE(lower.ok()) << lower.error().message;
    std::shared_ptr<Provider> lp(std::move(*lower));
    auto u = make_vnp("upper", {{"lower", lp, "upper"}, {"pc", pips_[2]->front, "vnp"}},
                      full_mesh({"lower", "pc"}));
    ASSERT_TRUE(u.ok()) << u.error().message;
    *upper = std::move(*u);
  }

  std::vector<Downstream> downstream() {
    std::vector<Downstream> ds;
    for (auto& p : pips_) ds.push_back({p->name, p->front, "vnp"});
    return ds;
  }

  static std::vector<TransitLink> full_mesh(const std::vector<std::string>& names) {
    std::vector<TransitLink> out;
    int base = 100;
    for (std::size_t i = 0; i < names.size(); ++i)
      for (std::size_t j = i + 1; j < names.size(); ++j) {
        TransitLink t;
        t.id = "t" + names[i] + names[j];
        t.a = names[i];
        t.b = names[j];
        t.capacity = 1000;
        t.first_identifier = base;
        t.last_identifier = base + 9;
        base += 100;
        out.push_back(t);
      }
    return out;
  }

  double free_cpu(Pip& p) {
    auto m = p.svc->get_metrics(Caller{"vnp", {}});
    EXPECT_TRUE(m.ok());
    return m->resources[kCpu].available;
  }

  // Everything any PIP's substrate names.
  std::set<std::string> substrate_ids() {
    std::set<std::string> out;
    for (auto& p : pips_) {
      const flerd::Document d = parse(p->substrate_yaml);
      for (const auto& t : d.topologies) {
        for (const auto& e : t.networkElements) {
          out.insert(e.id);
          out.insert(e.identifier);
          for (const auto& ni : e.networkInterfaces) out.insert(ni.id);
        }
        for (const auto& r : t.resources) out.insert(r.id);
      }
    }
    return out;
  }

  void expect_hidden(const std::string& text, const std::string& what) {
    for (const auto& id : substrate_ids())
      EXPECT_EQ(text.find(id), std::string::npos) << what << " names substrate element " << id;
  }
  static std::string dump(const VNetInfo& i) {
    std::string s = i.id + " " + i.state + " " + i.detail;
    for (const auto& e : i.elements) s += " " + e.id + " " + e.kind + " " + e.state + " " + e.site;
    for (const auto& [k, v] : i.completion) s += " " + k + "=" + v;
    return s;
  }
  static std::string dump(const Metrics& m) {
    std::string s = m.provider;
    for (const auto& [k, v] : m.resources) s += " " + k;
    for (const auto& [k, v] : m.features) s += " " + k + "=" + v;
    return s;
  }

  std::set<std::string> sites(const VNetInfo& i) {
    std::set<std::string> out;
    for (const auto& e : i.elements)
      if (e.kind == "node") out.insert(e.site);
    return out;
  }

  Caller alice_{"alice", {}};
  std::vector<std::unique_ptr<Pip>> pips_;
  std::vector<std::unique_ptr<store::test::SqliteEnv>> vnp_env_;
};

// 3 cores per node, 4 cores per host, 1 host per PIP: every node needs its
// own PIP, so 2 and 3 nodes span 2 and 3 PIPs.
TEST_F(VnpTest, SplitsAcrossTwoAndThreePips) {
  add_pip("pa", 1, 4);
  add_pip("pb", 1, 4);
  add_pip("pc", 1, 4);
  auto vnp = make_vnp("vnp1", downstream(), full_mesh({"pa", "pb", "pc"}));
  ASSERT_TRUE(vnp.ok()) << vnp.error().message;

  auto v2 = (*vnp)->create_vnet(alice_, parse(chain(2, 3, "two")), {});
  ASSERT_TRUE(v2.ok()) << v2.error().message;
  EXPECT_EQ(v2->state, "tentative");
  EXPECT_EQ(sites(*v2).size(), 2u);
  auto parts2 = (*vnp)->store().read("p", [&](store::ProviderTx& tx) { return tx.parts(v2->id); });
  ASSERT_TRUE(parts2.ok());
  EXPECT_EQ(parts2->size(), 2u);
  // The same request with the same idempotency key: the first answer.
  Caller keyed{"alice", "k2"};
  auto first = (*vnp)->create_vnet(keyed, parse(chain(1, 1, "keyed")), {});
  ASSERT_TRUE(first.ok()) << first.error().message;
  auto again = (*vnp)->create_vnet(keyed, parse(chain(1, 1, "keyed")), {});
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(first->id, again->id);
  auto other = (*vnp)->create_vnet(keyed, parse(chain(1, 1, "other")), {});
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code, Error::Code::kConflict);
  ASSERT_TRUE((*vnp)->cancel_request(alice_, first->id).ok());
  auto c2 = (*vnp)->confirm_request(alice_, v2->id);
  ASSERT_TRUE(c2.ok()) << c2.error().message;

  // Free everything again; then 3 nodes span all three PIPs.
  ASSERT_TRUE((*vnp)->delete_vnet(alice_, v2->id).ok());
  for (auto& p : pips_) EXPECT_DOUBLE_EQ(free_cpu(*p), 4.0) << p->name;
  auto gone = (*vnp)->status(alice_, v2->id);
  ASSERT_TRUE(gone.ok()) << gone.error().message;
  EXPECT_EQ(gone->state, "deleted");
  for (const auto& e : gone->elements) EXPECT_EQ(e.state, "deleted") << e.id;

  // More than any provider has: refused by the VNP's own mapping, in terms
  // of the providers' names, not the VNP's internal element ids.
  auto huge = (*vnp)->create_vnet(alice_, parse(chain(1, 50, "huge")), {});
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.error().code, Error::Code::kInfeasible) << huge.error().message;
  EXPECT_EQ(huge.error().message.find("v:p"), std::string::npos) << huge.error().message;

  auto v3 = (*vnp)->create_vnet(alice_, parse(chain(3, 3, "three")), {});
  ASSERT_TRUE(v3.ok()) << v3.error().message;
  EXPECT_EQ(sites(*v3).size(), 3u);
  auto parts3 = (*vnp)->store().read("p", [&](store::ProviderTx& tx) { return tx.parts(v3->id); });
  ASSERT_TRUE(parts3.ok());
  EXPECT_EQ(parts3->size(), 3u);
  // Transit identifiers: one reservation each, all distinct.
  auto res =
      (*vnp)->store().read("r", [&](store::ProviderTx& tx) { return tx.reservations(v3->id); });
  ASSERT_TRUE(res.ok());
  std::set<std::string> ids;
  for (const auto& r : *res)
    if (r.resource.find("/identifier/") != std::string::npos) ids.insert(r.resource);
  EXPECT_EQ(ids.size(), 2u);
  // The VNP's own ML records both crossings with their identifiers.
  auto ml = (*vnp)->store().read(
      "ml", [&](store::ProviderTx& tx) { return tx.document(v3->id, store::Layer::kML); });
  ASSERT_TRUE(ml.ok()) << ml.error().message;
  EXPECT_EQ(ml->format, "vnp-split");
  EXPECT_NE(ml->body.find("transit c:l1 "), std::string::npos) << ml->body;
  EXPECT_NE(ml->body.find("transit c:l2 "), std::string::npos) << ml->body;
  for (auto& p : pips_) EXPECT_DOUBLE_EQ(free_cpu(*p), 1.0) << p->name;
}

TEST_F(VnpTest, RefusalCancelsGrantedParts) {
  add_pip("pa", 1, 4);
  add_pip("pb", 1, 4);
  auto vnp = make_vnp("vnp1", downstream(), full_mesh({"pa", "pb"}));
  ASSERT_TRUE(vnp.ok()) << vnp.error().message;
  pips_[1]->front->refuse = true;
  auto v = (*vnp)->create_vnet(alice_, parse(chain(2, 3)), {});
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.error().message.find("refused by policy"), std::string::npos) << v.error().message;
  for (auto& p : pips_) EXPECT_DOUBLE_EQ(free_cpu(*p), 4.0) << p->name;
  auto cons = (*vnp)->store().check_consistency();
  ASSERT_TRUE(cons.ok());
  EXPECT_TRUE(cons->empty());
  auto pend = (*vnp)->store().read("p", [](store::ProviderTx& tx) { return tx.pending(); });
  ASSERT_TRUE(pend.ok());
  EXPECT_TRUE(pend->empty());
}

// pa alone could host both nodes (no transit needed, the cheapest split);
// it refuses, so the VNP splits again without it, across pb and pc.
TEST_F(VnpTest, AnotherSplitAfterRefusal) {
  add_pip("pa", 1, 8);
  add_pip("pb", 1, 4);
  add_pip("pc", 1, 4);
  auto vnp = make_vnp("vnp1", downstream(), full_mesh({"pa", "pb", "pc"}));
  ASSERT_TRUE(vnp.ok()) << vnp.error().message;
  pips_[0]->front->refuse = true;
  auto v = (*vnp)->create_vnet(alice_, parse(chain(2, 3)), {});
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(sites(*v), (std::set<std::string>{"pb", "pc"}));
  EXPECT_EQ(pips_[0]->front->creates, 1);
  EXPECT_EQ((*vnp)->last_negotiation().splits, 2);
  EXPECT_EQ((*vnp)->last_negotiation().excluded, std::vector<std::string>{"pa"});
  EXPECT_DOUBLE_EQ(free_cpu(*pips_[0]), 8.0);
  EXPECT_DOUBLE_EQ(free_cpu(*pips_[1]), 1.0);
  EXPECT_DOUBLE_EQ(free_cpu(*pips_[2]), 1.0);
}

// A PIP that answers after the per-call timeout: the VNP gives up on it,
// cancels the other part, and the late grant is cancelled when it arrives.
// Serial negotiation (the benchmark's mode) gives the same outcome.
TEST_F(VnpTest, TimeoutCancelsLateGrantAndSerialMode) {
  add_pip("pa", 1, 4);
  add_pip("pb", 1, 4);
  Config c;
  ASSERT_NO_FATAL_FAILURE(vnp_config(&c, "vnp1", downstream(), full_mesh({"pa", "pb"})));
  c.call_timeout_s = 0.3;
  auto vnp = VnpService::start(c);
  ASSERT_TRUE(vnp.ok()) << vnp.error().message;
  pips_[1]->front->delay_ms = 1500;
  auto v = (*vnp)->create_vnet(alice_, parse(chain(2, 3)), {});
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().code, Error::Code::kUnavailable) << v.error().message;
  EXPECT_DOUBLE_EQ(free_cpu(*pips_[0]), 4.0);
  for (int i = 0; i < 100 && (pips_[1]->front->finished < 1 || free_cpu(*pips_[1]) < 4.0); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_DOUBLE_EQ(free_cpu(*pips_[1]), 4.0);

  pips_[1]->front->delay_ms = 0;
  (*vnp).reset();
  c.parallel = false;
  c.call_timeout_s = 60;
  auto serial = VnpService::start(c);
  ASSERT_TRUE(serial.ok()) << serial.error().message;
  auto w = (*serial)->create_vnet(alice_, parse(chain(2, 3)), {});
  ASSERT_TRUE(w.ok()) << w.error().message;
  EXPECT_EQ(sites(*w).size(), 2u);
}

TEST_F(VnpTest, ProvisioningStatusConsoleAndHiding) {
  add_pip("pa", 1, 4);
  add_pip("pb", 1, 4);
  auto vnp = make_vnp("vnp1", downstream(), full_mesh({"pa", "pb"}));
  ASSERT_TRUE(vnp.ok()) << vnp.error().message;
  auto& s = **vnp;
  CreateOptions o;
  o.confirm = true;
  auto v = s.create_vnet(alice_, parse(chain(2, 3)), o);
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(v->state, "running");  // paper 5.7: started once confirmed
  auto started = s.provision(alice_, v->id, Action::kStart, "");
  ASSERT_TRUE(started.ok()) << started.error().message;
  EXPECT_EQ(started->state, "running");
  for (const auto& e : started->elements) {
    EXPECT_EQ(e.id.find("-peer"), std::string::npos);  // stubs stay inside
    if (e.kind == "node") {
      EXPECT_EQ(e.state, "running") << e.id;
    }
  }
  auto stopped = s.provision(alice_, v->id, Action::kStop, "c:v2");
  ASSERT_TRUE(stopped.ok()) << stopped.error().message;
  for (const auto& e : stopped->elements)
    if (e.id == "c:v2") {
      EXPECT_EQ(e.state, "stopped");
    }
  ASSERT_TRUE(s.provision(alice_, v->id, Action::kStart, "c:v2").ok());

  // Console through the chain VNP relay -> PIP relay -> echo.
  auto t = s.console(alice_, v->id, "c:v1");
  ASSERT_TRUE(t.ok()) << t.error().message;
  console::Ticket ticket;
  ticket.host = t->host;
  ticket.port = static_cast<std::uint16_t>(t->port);
  ticket.token = t->token;
  auto stream = console::connect(ticket);
  ASSERT_TRUE(stream.ok()) << stream.error().message;
  ASSERT_TRUE(stream->write("hello vnp\n").ok());
  std::string got;
  char buf[256];
  while (got.find("hello vnp") == std::string::npos) {
    auto n = stream->read(buf, sizeof buf, console::Millis(5000));
    ASSERT_TRUE(n.ok()) << n.error().message;
    if (*n == 0) break;
    got.append(buf, *n);
  }
  EXPECT_NE(got.find("hello vnp"), std::string::npos) << got;

  // Information hiding: nothing the VNP returns names a PIP's substrate.
  expect_hidden(dump(*v), "create");
  expect_hidden(dump(*started), "provision");
  expect_hidden(dump(*s.status(alice_, v->id)), "status");
  auto listed = s.list(alice_);
  ASSERT_TRUE(listed.ok());
  for (const auto& i : *listed) expect_hidden(dump(i), "list");
  expect_hidden(dump(*s.get_metrics(alice_)), "metrics");
  auto doc = s.document(alice_, v->id);
  ASSERT_TRUE(doc.ok()) << doc.error().message;
  expect_hidden(flerd::write_string(*doc, flerd::Format::kYaml), "document");
  // And nothing a PIP returns to the VNP either.
  auto parts = s.store().read("p", [&](store::ProviderTx& tx) { return tx.parts(v->id); });
  ASSERT_TRUE(parts.ok());
  for (const auto& p : *parts)
    for (auto& pip : pips_)
      if (pip->name == p.provider)
        expect_hidden(dump(*pip->svc->status(Caller{"vnp", {}}, p.remote_vnet)), "pip");

  ASSERT_TRUE(s.delete_vnet(alice_, v->id).ok());
  for (auto& p : pips_) EXPECT_DOUBLE_EQ(free_cpu(*p), 4.0) << p->name;
}

TEST_F(VnpTest, VnpOverVnp) {
  add_pip("pa", 1, 4);
  add_pip("pb", 1, 4);
  auto lower = make_vnp("lower", downstream(), full_mesh({"pa", "pb"}));
  ASSERT_TRUE(lower.ok()) << lower.error().message;
  std::shared_ptr<Provider> lp(std::move(*lower));
  auto upper = make_vnp("upper", {{"lower", lp, "upper"}}, {});
  ASSERT_TRUE(upper.ok()) << upper.error().message;
  CreateOptions o;
  o.confirm = true;
  // Node-only request (the upper VNP has one provider and no transit).
  auto v = (*upper)->create_vnet(alice_, parse(chain(2, 3)), o);
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(sites(*v), std::set<std::string>{"lower"});
  auto st = (*upper)->provision(alice_, v->id, Action::kStart, "");
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(st->state, "running");
  for (auto& p : pips_) EXPECT_DOUBLE_EQ(free_cpu(*p), 1.0) << p->name;
  auto m = (*upper)->get_metrics(alice_);
  ASSERT_TRUE(m.ok());
  EXPECT_DOUBLE_EQ(m->resources[kCpu].capacity, 8.0);
  EXPECT_DOUBLE_EQ(m->resources[kCpu].available, 2.0);
  ASSERT_TRUE((*upper)->delete_vnet(alice_, v->id).ok());
  for (auto& p : pips_) EXPECT_DOUBLE_EQ(free_cpu(*p), 4.0) << p->name;
}

TEST_F(VnpTest, RestartRollsBackInterruptedCreate) {
  add_pip("pa", 1, 4);
  add_pip("pb", 1, 4);
  Config c;
  ASSERT_NO_FATAL_FAILURE(vnp_config(&c, "vnp1", downstream(), full_mesh({"pa", "pb"})));
  std::string remote;
  {
    auto s = VnpService::start(c);
    ASSERT_TRUE(s.ok()) << s.error().message;
    // A crash between the tentative creates and the confirm: a part is
    // granted and recorded, the pending "create" still open.
    auto part = pips_[0]->svc->create_vnet(Caller{"vnp", {}}, parse(chain(1, 2)), {});
    ASSERT_TRUE(part.ok()) << part.error().message;
    remote = part->id;
    store::NewVNet nv;
    nv.id = "vv-crashed";
    nv.customer = "alice";
    nv.expires_at = (*s)->store().clock().now_ms() + 60000;
    auto w = (*s)->store().write("crash", [&](store::ProviderTx& tx) -> Status {
      auto v = tx.reserve(nv);
      if (!v) return v.error();
      if (Status st = tx.put_part({"vv-crashed", "pa", remote, "tentative", 0}); !st) return st;
      auto p = tx.add_pending("vv-crashed", "create", "negotiating", "pa");
      if (!p) return p.error();
      return Status::Ok();
    });
    ASSERT_TRUE(w.ok()) << w.error().message;
    EXPECT_DOUBLE_EQ(free_cpu(*pips_[0]), 2.0);
  }
  auto s = VnpService::start(c);
  ASSERT_TRUE(s.ok()) << s.error().message;
  ASSERT_EQ((*s)->recovery_report().lines.size(), 1u);
  EXPECT_NE((*s)->recovery_report().lines[0].find("rolled back"), std::string::npos);
  EXPECT_DOUBLE_EQ(free_cpu(*pips_[0]), 4.0);
  EXPECT_EQ((*s)->store().get_vnet("vv-crashed")->state, store::VNetState::kDeleted);
}

// A crash after the parts were confirmed at some PIPs but before the VNP
// recorded it: the restart finishes the confirm at every part.
TEST_F(VnpTest, RestartFinishesInterruptedConfirm) {
  add_pip("pa", 1, 4);
  add_pip("pb", 1, 4);
  Config c;
  ASSERT_NO_FATAL_FAILURE(vnp_config(&c, "vnp1", downstream(), full_mesh({"pa", "pb"})));
  std::string id;
  {
    auto s = VnpService::start(c);
    ASSERT_TRUE(s.ok()) << s.error().message;
    auto v = (*s)->create_vnet(alice_, parse(chain(2, 3)), {});
    ASSERT_TRUE(v.ok()) << v.error().message;
    id = v->id;
    auto parts = (*s)->store().read("p", [&](store::ProviderTx& tx) { return tx.parts(id); });
    ASSERT_TRUE(parts.ok());
    ASSERT_EQ(parts->size(), 2u);
    // Only the first part got confirmed, then the VNP died.
    for (auto& p : pips_) {
      if (p->name == (*parts)[0].provider) {
        ASSERT_TRUE(p->svc->confirm_request(Caller{"vnp", {}}, (*parts)[0].remote_vnet).ok());
      }
    }
    auto w = (*s)->store().write("crash", [&](store::ProviderTx& tx) {
      return tx.add_pending(id, "confirm", "confirming", "");
    });
    ASSERT_TRUE(w.ok());
  }
  auto s = VnpService::start(c);
  ASSERT_TRUE(s.ok()) << s.error().message;
  ASSERT_EQ((*s)->recovery_report().lines.size(), 1u);
  EXPECT_NE((*s)->recovery_report().lines[0].find("confirm finished"), std::string::npos)
      << (*s)->recovery_report().lines[0];
  auto st = (*s)->status(alice_, id);
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(st->state, "running");  // confirmed everywhere, then started (paper 5.7)
  for (auto& p : pips_) EXPECT_DOUBLE_EQ(free_cpu(*p), 1.0) << p->name;
}

// A crash after a PIP granted its part but before the VNP recorded it: the
// restart asks again with the same idempotency key and cancels what it gets.
TEST_F(VnpTest, RestartCancelsUnrecordedGrant) {
  add_pip("pa", 1, 4);
  add_pip("pb", 1, 4);
  Config c;
  ASSERT_NO_FATAL_FAILURE(vnp_config(&c, "vnp1", downstream(), full_mesh({"pa", "pb"})));
  {
    auto s = VnpService::start(c);
    ASSERT_TRUE(s.ok()) << s.error().message;
    const std::string part = chain(1, 2);
    auto granted = pips_[0]->svc->create_vnet(Caller{"vnp", "vnp-vv-lost-pa"}, parse(part), {});
    ASSERT_TRUE(granted.ok()) << granted.error().message;
    EXPECT_DOUBLE_EQ(free_cpu(*pips_[0]), 2.0);
    store::NewVNet nv;
    nv.id = "vv-lost";
    nv.customer = "alice";
    nv.expires_at = (*s)->store().clock().now_ms() + 60000;
    const std::string text = flerd::write_string(parse(part), flerd::Format::kYaml);
    const std::string payload = "pa\n" + std::to_string(text.size()) + "\n" + text;
    auto w = (*s)->store().write("crash", [&](store::ProviderTx& tx) -> Status {
      auto v = tx.reserve(nv);
      if (!v) return v.error();
      auto p = tx.add_pending("vv-lost", "create", "negotiating", payload);
      if (!p) return p.error();
      return Status::Ok();
    });
    ASSERT_TRUE(w.ok()) << w.error().message;
  }
  auto s = VnpService::start(c);
  ASSERT_TRUE(s.ok()) << s.error().message;
  ASSERT_EQ((*s)->recovery_report().lines.size(), 1u);
  EXPECT_NE((*s)->recovery_report().lines[0].find("rolled back"), std::string::npos);
  EXPECT_DOUBLE_EQ(free_cpu(*pips_[0]), 4.0);
  EXPECT_DOUBLE_EQ(free_cpu(*pips_[1]), 4.0);
}

// Transit identifiers are exclusive: with one identifier on the only transit
// link, a second crossing VNet is refused until the first is deleted. A PIP
// that does not answer status makes the aggregate "failed", with the reason.
TEST_F(VnpTest, TransitIdentifiersExclusiveAndStatusOfUnreachablePip) {
  add_pip("pa", 1, 8);
  add_pip("pb", 1, 8);
  auto t = full_mesh({"pa", "pb"});
  t[0].last_identifier = t[0].first_identifier;
  auto vnp = make_vnp("vnp1", downstream(), t);
  ASSERT_TRUE(vnp.ok()) << vnp.error().message;
  CreateOptions o;
  o.confirm = true;
  auto first = (*vnp)->create_vnet(alice_, parse(chain(2, 5, "first")), o);
  ASSERT_TRUE(first.ok()) << first.error().message;
  ASSERT_EQ(sites(*first).size(), 2u);
  auto second = (*vnp)->create_vnet(alice_, parse(chain(2, 2, "second")), {});
  // Either it fits inside one PIP (no identifier needed) or it is refused.
  if (second.ok()) {
    EXPECT_EQ(sites(*second).size(), 1u);
    ASSERT_TRUE((*vnp)->cancel_request(alice_, second->id).ok());
  }
  auto third = (*vnp)->create_vnet(alice_, parse(chain(2, 3, "third")), {});
  ASSERT_FALSE(third.ok());
  EXPECT_NE(third.error().message.find("no free identifier"), std::string::npos)
      << third.error().message;

  pips_[1]->front->down = true;
  auto st = (*vnp)->status(alice_, first->id);
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(st->state, "failed");
  EXPECT_NE(st->detail.find("pb: connection refused"), std::string::npos) << st->detail;
  pips_[1]->front->down = false;

  ASSERT_TRUE((*vnp)->delete_vnet(alice_, first->id).ok());
  auto fourth = (*vnp)->create_vnet(alice_, parse(chain(2, 5, "fourth")), {});
  ASSERT_TRUE(fourth.ok()) << fourth.error().message;
  EXPECT_EQ(sites(*fourth).size(), 2u);
}

// Recursion across a border: the upper VNP buys from a lower VNP (over pa
// and pb) and from pc directly, so the lower VNP receives a partial VNet with
// a stub and a transit link, which it passes on like any other element.
TEST_F(VnpTest, VnpOverVnpAndPipWithTransit) {
  add_pip("pa", 1, 4);
  add_pip("pb", 1, 4);
  add_pip("pc", 1, 4);
  std::unique_ptr<VnpService> upper;
  ASSERT_NO_FATAL_FAILURE(make_upper_over_lower(&upper));
  CreateOptions o;
  o.confirm = true;
  auto v = upper->create_vnet(alice_, parse(chain(3, 3)), o);
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(sites(*v), (std::set<std::string>{"lower", "pc"}));
  auto st = upper->provision(alice_, v->id, Action::kStart, "");
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(st->state, "running");
  for (auto& p : pips_) EXPECT_DOUBLE_EQ(free_cpu(*p), 1.0) << p->name;
  expect_hidden(dump(*st), "status");
  ASSERT_TRUE(upper->delete_vnet(alice_, v->id).ok());
  for (auto& p : pips_) EXPECT_DOUBLE_EQ(free_cpu(*p), 4.0) << p->name;
}

// No transit link between pa and pc: the link between their nodes passes
// pb, which gets a pass-through part (two stubs, no demand), and each hop
// its own identifier.
TEST_F(VnpTest, MultiHopTransitThroughIntermediatePip) {
  add_pip("pa", 1, 4);
  add_pip("pb", 1, 2);  // too small for a node: only transit passes
  add_pip("pc", 1, 4);
  std::vector<TransitLink> t(2);
  t[0] = {"tab", "pa", "pb", 1000, 100, 109, "", ""};
  t[1] = {"tbc", "pb", "pc", 1000, 200, 209, "", ""};
  auto vnp = make_vnp("vnp1", downstream(), t);
  ASSERT_TRUE(vnp.ok()) << vnp.error().message;
  auto v = (*vnp)->create_vnet(alice_, parse(chain(2, 3)), {});
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(sites(*v), (std::set<std::string>{"pa", "pc"}));
  auto parts = (*vnp)->store().read("p", [&](store::ProviderTx& tx) { return tx.parts(v->id); });
  ASSERT_TRUE(parts.ok());
  EXPECT_EQ(parts->size(), 3u);
  auto res =
      (*vnp)->store().read("r", [&](store::ProviderTx& tx) { return tx.reservations(v->id); });
  ASSERT_TRUE(res.ok());
  std::set<std::string> ids;
  for (const auto& r : *res)
    if (r.resource.find("/identifier/") != std::string::npos) ids.insert(r.resource);
  EXPECT_EQ(ids,
            (std::set<std::string>{"transit/tab/identifier/100", "transit/tbc/identifier/200"}));
  ASSERT_TRUE((*vnp)->confirm_request(alice_, v->id).ok());
  EXPECT_DOUBLE_EQ(free_cpu(*pips_[1]), 2.0);  // the pass-through demands no CPU
  auto st = (*vnp)->provision(alice_, v->id, Action::kStart, "");
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(st->state, "running");
  ASSERT_TRUE((*vnp)->delete_vnet(alice_, v->id).ok());
  for (auto& p : pips_) EXPECT_DOUBLE_EQ(free_cpu(*p), p->name == "pb" ? 2.0 : 4.0) << p->name;
}

// --- modify (issue 6) and releases owed ------------------------------------------

std::string site_of(const VNetInfo& i, const std::string& node) {
  for (const auto& e : i.elements)
    if (e.id == node) return e.site;
  return "";
}

std::vector<store::Part> parts_of(VnpService& s, const std::string& vnet) {
  auto p = s.store().read("p", [&](store::ProviderTx& tx) { return tx.parts(vnet); });
  EXPECT_TRUE(p.ok());
  return p.ok() ? *p : std::vector<store::Part>{};
}

std::vector<store::PendingTransaction> pending_of(VnpService& s) {
  auto p = s.store().read("p", [](store::ProviderTx& tx) { return tx.pending(); });
  EXPECT_TRUE(p.ok());
  return p.ok() ? *p : std::vector<store::PendingTransaction>{};
}

std::set<std::string> identifiers_of(VnpService& s, const std::string& vnet) {
  auto res = s.store().read("r", [&](store::ProviderTx& tx) { return tx.reservations(vnet); });
  EXPECT_TRUE(res.ok());
  std::set<std::string> ids;
  if (res.ok())
    for (const auto& r : *res)
      if (r.resource.find("/identifier/") != std::string::npos) ids.insert(r.resource);
  return ids;
}

// v3 joins a running VNet across two PIPs and can only go to the third: the
// PIP of v2 (which gains the link to v3) gets a modify, the third a create,
// the PIP of v1 hears nothing (its partial, transit identifier included, is
// unchanged).
TEST_F(VnpTest, ModifyAddsNodeAtNewPip) {
  add_pip("pa", 1, 4);
  add_pip("pb", 1, 4);
  add_pip("pc", 1, 4);
  auto vnp = make_vnp("vnp1", downstream(), full_mesh({"pa", "pb", "pc"}));
  ASSERT_TRUE(vnp.ok()) << vnp.error().message;
  auto& s = **vnp;
  CreateOptions o;
  o.confirm = true;
  auto v = s.create_vnet(alice_, parse(chain(2, 3)), o);
  ASSERT_TRUE(v.ok()) << v.error().message;
  ASSERT_EQ(sites(*v).size(), 2u);
  const std::string s1 = site_of(*v, "c:v1"), s2 = site_of(*v, "c:v2");
  const auto ids_before = identifiers_of(s, v->id);
  std::map<std::string, int> creates;
  for (auto& p : pips_) creates[p->name] = p->front->creates;

  auto m = s.modify_vnet(alice_, v->id, parse(chain(3, 3)));
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(sites(*m), (std::set<std::string>{"pa", "pb", "pc"}));
  EXPECT_EQ(site_of(*m, "c:v1"), s1);
  EXPECT_EQ(site_of(*m, "c:v2"), s2);
  const std::string s3 = site_of(*m, "c:v3");
  for (auto& p : pips_) {
    EXPECT_EQ(p->front->modifies, p->name == s2 ? 1 : 0) << p->name;
    EXPECT_EQ(p->front->creates - creates[p->name], p->name == s3 ? 1 : 0) << p->name;
    EXPECT_DOUBLE_EQ(free_cpu(*p), 1.0) << p->name;
  }
  EXPECT_EQ(parts_of(s, v->id).size(), 3u);
  const auto ids_after = identifiers_of(s, v->id);
  EXPECT_EQ(ids_after.size(), 2u);
  for (const auto& id : ids_before) EXPECT_TRUE(ids_after.count(id)) << id;  // l1 keeps its tag
  EXPECT_TRUE(pending_of(s).empty());
  auto st = s.status(alice_, v->id);
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(st->state, "running");  // the new part's node was started (paper 5.7)
  expect_hidden(dump(*m), "modify");
  auto cons = s.store().check_consistency();
  ASSERT_TRUE(cons.ok());
  EXPECT_TRUE(cons->empty());
  ASSERT_TRUE(s.delete_vnet(alice_, v->id).ok());
  for (auto& p : pips_) EXPECT_DOUBLE_EQ(free_cpu(*p), 4.0) << p->name;
}

// The reverse: v3 goes, so its PIP's part is deleted, v2's PIP loses the
// link (modify), v1's PIP hears nothing, and l2's transit identifier is free.
TEST_F(VnpTest, ModifyRemovesAllNodesOfOnePip) {
  add_pip("pa", 1, 4);
  add_pip("pb", 1, 4);
  add_pip("pc", 1, 4);
  auto vnp = make_vnp("vnp1", downstream(), full_mesh({"pa", "pb", "pc"}));
  ASSERT_TRUE(vnp.ok()) << vnp.error().message;
  auto& s = **vnp;
  CreateOptions o;
  o.confirm = true;
  auto v = s.create_vnet(alice_, parse(chain(3, 3)), o);
  ASSERT_TRUE(v.ok()) << v.error().message;
  ASSERT_EQ(sites(*v).size(), 3u);
  const std::string s1 = site_of(*v, "c:v1"), s2 = site_of(*v, "c:v2"), s3 = site_of(*v, "c:v3");
  auto m = s.modify_vnet(alice_, v->id, parse(chain(2, 3)));
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(sites(*m), (std::set<std::string>{s1, s2}));
  for (auto& p : pips_) {
    EXPECT_EQ(p->front->modifies, p->name == s2 ? 1 : 0) << p->name;
    EXPECT_EQ(p->front->releases, p->name == s3 ? 1 : 0) << p->name;
    EXPECT_DOUBLE_EQ(free_cpu(*p), p->name == s3 ? 4.0 : 1.0) << p->name;
  }
  auto parts = parts_of(s, v->id);
  ASSERT_EQ(parts.size(), 2u);
  for (const auto& p : parts) EXPECT_NE(p.provider, s3);
  EXPECT_EQ(identifiers_of(s, v->id).size(), 1u);
  EXPECT_TRUE(pending_of(s).empty());
  auto st = s.status(alice_, v->id);
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(st->state, "running");
  EXPECT_EQ(st->elements.size(), 3u);  // v1, v2, l1
}

// A node changes within its PIP: only that PIP sees a modify.
TEST_F(VnpTest, ModifyWithinOnePipTouchesOnlyIt) {
  add_pip("pa", 1, 4);
  add_pip("pb", 1, 4);
  auto vnp = make_vnp("vnp1", downstream(), full_mesh({"pa", "pb"}));
  ASSERT_TRUE(vnp.ok()) << vnp.error().message;
  auto& s = **vnp;
  CreateOptions o;
  o.confirm = true;
  auto v = s.create_vnet(alice_, parse(chain(2, 3)), o);
  ASSERT_TRUE(v.ok()) << v.error().message;
  const std::string s1 = site_of(*v, "c:v1");
  auto m = s.modify_vnet(alice_, v->id, parse(chain_of({2, 3})));
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(site_of(*m, "c:v1"), s1);
  for (auto& p : pips_) {
    EXPECT_EQ(p->front->modifies, p->name == s1 ? 1 : 0) << p->name;
    EXPECT_EQ(p->front->releases, 0) << p->name;
    EXPECT_DOUBLE_EQ(free_cpu(*p), p->name == s1 ? 2.0 : 1.0) << p->name;
  }
  EXPECT_NE(m->detail.find("changed at " + s1), std::string::npos) << m->detail;
  // The customer's view is the new request.
  auto doc = s.document(alice_, v->id);
  ASSERT_TRUE(doc.ok()) << doc.error().message;
  const flerd::Resource* cpu = doc->resource("c:v1cpu");
  ASSERT_NE(cpu, nullptr);
  EXPECT_DOUBLE_EQ(cpu->value, 2.0);
  // A tentative VNet can be modified too (as at the PIP).
  auto t = s.create_vnet(alice_, parse(chain(1, 1, "small")), {});
  ASSERT_TRUE(t.ok()) << t.error().message;
  auto tm = s.modify_vnet(alice_, t->id, parse(chain(1, 1, "small")));
  ASSERT_TRUE(tm.ok()) << tm.error().message;
  EXPECT_EQ(tm->state, "tentative");
  EXPECT_NE(tm->detail.find("no provider's part changed"), std::string::npos) << tm->detail;
  ASSERT_TRUE(s.cancel_request(alice_, t->id).ok());
  auto gone = s.modify_vnet(alice_, t->id, parse(chain(1, 1, "small")));
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().code, Error::Code::kConflict);
}

// All or nothing across providers: a modify that needs v1's PIP to change,
// v2's PIP to change and pc to take v3 fails (pc refuses the create; then
// v1's PIP refuses its modify) and leaves every PIP and the VNP exactly as
// before.
TEST_F(VnpTest, RefusedModifyLeavesEveryPipAsBefore) {
  add_pip("pa", 1, 4);
  add_pip("pb", 1, 4);
  add_pip("pc", 1, 4);
  std::vector<TransitLink> t = full_mesh({"pa", "pb", "pc"});
  auto vnp = make_vnp("vnp1", downstream(), t);
  ASSERT_TRUE(vnp.ok()) << vnp.error().message;
  auto& s = **vnp;
  CreateOptions o;
  o.confirm = true;
  // Two nodes of 3 cores can only be at pa and pb if pc is excluded: pc
  // refuses the first create, the split without it is pa + pb.
  pips_[2]->front->refuse = true;
  auto v = s.create_vnet(alice_, parse(chain(2, 3)), o);
  ASSERT_TRUE(v.ok()) << v.error().message;
  ASSERT_EQ(sites(*v), (std::set<std::string>{"pa", "pb"}));
  const std::string s1 = site_of(*v, "c:v1");

  struct Snapshot {
    std::map<std::string, std::map<std::string, double>> available;
    std::vector<std::string> parts;  // provider remote state updated_at
    std::vector<store::Reservation> vnp_reservations;
    std::map<std::string, std::vector<store::Reservation>> pip_reservations;
    std::map<std::string, std::vector<store::Element>> pip_elements;
    std::string ol0, ml;
  };
  auto snapshot = [&] {
    Snapshot sn;
    for (auto& p : pips_) {
      auto m = p->svc->get_metrics(Caller{"vnp", {}});
      EXPECT_TRUE(m.ok());
      for (const auto& [attr, a] : m->resources) sn.available[p->name][attr] = a.available;
    }
    const auto parts = parts_of(s, v->id);
    for (const auto& part : parts)
      sn.parts.push_back(part.provider + " " + part.remote_vnet + " " + part.state + " " +
                         std::to_string(part.updated_at));
    for (const auto& part : parts)
      for (auto& p : pips_)
        if (p->name == part.provider) {
          auto r = p->svc->store().read(
              "r", [&](store::ProviderTx& tx) { return tx.reservations(part.remote_vnet); });
          EXPECT_TRUE(r.ok());
          sn.pip_reservations[p->name] = *r;
          auto e = p->svc->store().read(
              "e", [&](store::ProviderTx& tx) { return tx.elements(part.remote_vnet); });
          EXPECT_TRUE(e.ok());
          for (auto el : *e) {
            el.state.clear();
            sn.pip_elements[p->name].push_back(el);
          }
        }
    auto r = s.store().read("r", [&](store::ProviderTx& tx) { return tx.reservations(v->id); });
    EXPECT_TRUE(r.ok());
    sn.vnp_reservations = *r;
    auto ol0 = s.store().read(
        "d", [&](store::ProviderTx& tx) { return tx.document(v->id, store::Layer::kOL0); });
    auto ml = s.store().read(
        "d", [&](store::ProviderTx& tx) { return tx.document(v->id, store::Layer::kML); });
    EXPECT_TRUE(ol0.ok() && ml.ok());
    sn.ol0 = ol0->body;
    sn.ml = ml->body;
    return sn;
  };
  auto expect_same = [&](const Snapshot& a, const Snapshot& b, const std::string& what) {
    EXPECT_EQ(a.available, b.available) << what;
    EXPECT_EQ(a.parts, b.parts) << what;
    EXPECT_EQ(a.vnp_reservations, b.vnp_reservations) << what;
    EXPECT_EQ(a.pip_reservations, b.pip_reservations) << what;
    EXPECT_EQ(a.pip_elements, b.pip_elements) << what;
    EXPECT_EQ(a.ol0, b.ol0) << what;
    EXPECT_EQ(a.ml, b.ml) << what;
    EXPECT_TRUE(pending_of(s).empty()) << what;
    auto cons = s.store().check_consistency();
    ASSERT_TRUE(cons.ok());
    EXPECT_TRUE(cons->empty()) << what;
  };
  const Snapshot before = snapshot();

  // v1 and v2 shrink (both partials change), v3 needs pc, which refuses.
  const auto bigger = parse(chain_of({2, 2, 3}));
  auto m = s.modify_vnet(alice_, v->id, bigger);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code, Error::Code::kInfeasible) << m.error().message;
  EXPECT_NE(m.error().message.find("pc: refused by policy"), std::string::npos)
      << m.error().message;
  expect_same(before, snapshot(), "after pc refused");

  // pc grants, but v1's PIP refuses its modify: pc's new part is cancelled,
  // v2's PIP gets its old part back.
  pips_[2]->front->refuse = false;
  for (auto& p : pips_)
    if (p->name == s1) p->front->refuse_modify = true;
  m = s.modify_vnet(alice_, v->id, bigger);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().message.find("modification refused by policy"), std::string::npos)
      << m.error().message;
  EXPECT_EQ(pips_[2]->front->releases, 1);
  expect_same(before, snapshot(), "after " + s1 + " refused");

  // Everyone agrees: the same modify goes through.
  for (auto& p : pips_) p->front->refuse_modify = false;
  m = s.modify_vnet(alice_, v->id, bigger);
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(sites(*m), (std::set<std::string>{"pa", "pb", "pc"}));
  EXPECT_DOUBLE_EQ(free_cpu(*pips_[2]), 1.0);
}

// The customer's idempotency key: the same modify twice runs once; the key
// with another request is kConflict.
TEST_F(VnpTest, ModifyWithIdempotencyKeyRunsOnce) {
  add_pip("pa", 1, 4);
  add_pip("pb", 1, 4);
  auto vnp = make_vnp("vnp1", downstream(), full_mesh({"pa", "pb"}));
  ASSERT_TRUE(vnp.ok()) << vnp.error().message;
  auto& s = **vnp;
  CreateOptions o;
  o.confirm = true;
  auto v = s.create_vnet(alice_, parse(chain(2, 3)), o);
  ASSERT_TRUE(v.ok()) << v.error().message;
  Caller keyed{"alice", "modify-1"};
  auto first = s.modify_vnet(keyed, v->id, parse(chain_of({2, 3})));
  ASSERT_TRUE(first.ok()) << first.error().message;
  auto again = s.modify_vnet(keyed, v->id, parse(chain_of({2, 3})));
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->id, v->id);
  int modifies = 0;
  for (auto& p : pips_) modifies += p->front->modifies;
  EXPECT_EQ(modifies, 1);
  auto other = s.modify_vnet(keyed, v->id, parse(chain_of({1, 3})));
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code, Error::Code::kConflict);
  // Another customer's VNet does not exist for bob.
  auto bob = s.modify_vnet(Caller{"bob", {}}, v->id, parse(chain_of({1, 3})));
  ASSERT_FALSE(bob.ok());
  EXPECT_EQ(bob.error().code, Error::Code::kNotFound);
}

// A provider that does not answer a release is asked again until it does:
// after a delete (its confirmed part), after a confirm it missed (the
// customer gets the reason, the other part is released at once), and across
// a VNP restart. Nothing is left anywhere in the end.
TEST_F(VnpTest, ReleaseRetriedAfterProviderComesBack) {
  add_pip("pa", 1, 4);
  add_pip("pb", 1, 4);
  Config c;
  ASSERT_NO_FATAL_FAILURE(vnp_config(&c, "vnp1", downstream(), full_mesh({"pa", "pb"})));
  c.retry_interval_s = 0;
  auto& pb = *pips_[1]->front;
  {
    auto vnp = VnpService::start(c);
    ASSERT_TRUE(vnp.ok()) << vnp.error().message;
    auto& s = **vnp;
    CreateOptions o;
    o.confirm = true;
    auto v = s.create_vnet(alice_, parse(chain(2, 3)), o);
    ASSERT_TRUE(v.ok()) << v.error().message;

    // 1. Delete while pb is down: the customer's VNet is gone, pb's part is
    // owed a delete.
    pb.unreachable = true;
    auto d = s.delete_vnet(alice_, v->id);
    ASSERT_TRUE(d.ok()) << d.error().message;
    EXPECT_EQ(d->state, "deleted");
    EXPECT_NE(d->detail.find("pb: connection refused"), std::string::npos) << d->detail;
    EXPECT_DOUBLE_EQ(free_cpu(*pips_[0]), 4.0);
    EXPECT_DOUBLE_EQ(free_cpu(*pips_[1]), 1.0);  // still held at pb
    ASSERT_EQ(pending_of(s).size(), 1u);
    EXPECT_EQ(pending_of(s)[0].operation, "release");
    EXPECT_EQ(s.retry_pending(), 1u);  // still down
    pb.unreachable = false;
    EXPECT_EQ(s.retry_pending(), 0u);
    EXPECT_DOUBLE_EQ(free_cpu(*pips_[1]), 4.0);
    EXPECT_TRUE(pending_of(s).empty());

    // 2. pb dies between create and confirm: the confirm fails with pb's
    // reason, pa's part is released at once, pb's when it is back.
    auto t = s.create_vnet(alice_, parse(chain(2, 3, "second")), {});
    ASSERT_TRUE(t.ok()) << t.error().message;
    pb.unreachable = true;
    auto conf = s.confirm_request(alice_, t->id);
    ASSERT_FALSE(conf.ok());
    EXPECT_EQ(conf.error().code, Error::Code::kUnavailable);
    EXPECT_NE(conf.error().message.find("pb: connection refused"), std::string::npos)
        << conf.error().message;
    EXPECT_EQ(s.status(alice_, t->id)->state, "deleted");
    EXPECT_DOUBLE_EQ(free_cpu(*pips_[0]), 4.0);
    EXPECT_DOUBLE_EQ(free_cpu(*pips_[1]), 1.0);
    ASSERT_EQ(pending_of(s).size(), 1u);

    // 3. A third one deleted while pb is down, then the VNP stops.
    pb.unreachable = false;
    EXPECT_EQ(s.retry_pending(), 0u);
    EXPECT_DOUBLE_EQ(free_cpu(*pips_[1]), 4.0);
    auto u = s.create_vnet(alice_, parse(chain(2, 3, "third")), o);
    ASSERT_TRUE(u.ok()) << u.error().message;
    pb.unreachable = true;
    ASSERT_TRUE(s.delete_vnet(alice_, u->id).ok());
    EXPECT_EQ(pending_of(s).size(), 1u);
  }
  // The restart retries it (pb is back) ...
  pb.unreachable = false;
  EXPECT_DOUBLE_EQ(free_cpu(*pips_[1]), 1.0);
  {
    auto vnp = VnpService::start(c);
    ASSERT_TRUE(vnp.ok()) << vnp.error().message;
    ASSERT_EQ((*vnp)->recovery_report().lines.size(), 1u);
    EXPECT_NE((*vnp)->recovery_report().lines[0].find("1 done"), std::string::npos)
        << (*vnp)->recovery_report().lines[0];
    EXPECT_TRUE(pending_of(**vnp).empty());
  }
  for (auto& p : pips_) {
    EXPECT_DOUBLE_EQ(free_cpu(*p), 4.0) << p->name;
    auto cons = p->svc->store().check_consistency();
    ASSERT_TRUE(cons.ok());
    EXPECT_TRUE(cons->empty()) << p->name;
  }
  // ... and so does the background sweep.
  c.retry_interval_s = 0.05;
  auto vnp = VnpService::start(c);
  ASSERT_TRUE(vnp.ok()) << vnp.error().message;
  CreateOptions o;
  o.confirm = true;
  auto w = (*vnp)->create_vnet(alice_, parse(chain(2, 3, "fourth")), o);
  ASSERT_TRUE(w.ok()) << w.error().message;
  pb.unreachable = true;
  ASSERT_TRUE((*vnp)->delete_vnet(alice_, w->id).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(pending_of(**vnp).size(), 1u);
  pb.unreachable = false;
  for (int i = 0; i < 100 && !pending_of(**vnp).empty(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_TRUE(pending_of(**vnp).empty());
  EXPECT_DOUBLE_EQ(free_cpu(*pips_[1]), 4.0);
}

// A modify interrupted by a crash (the pending record written, a new part
// granted, the VNP gone before the commit) is rolled back at restart: the
// new part is found again by its key and cancelled, the VNet is as before.
TEST_F(VnpTest, RestartRollsBackInterruptedModify) {
  add_pip("pa", 1, 4);
  add_pip("pb", 1, 4);
  add_pip("pc", 1, 4);
  Config c;
  ASSERT_NO_FATAL_FAILURE(vnp_config(&c, "vnp1", downstream(), full_mesh({"pa", "pb", "pc"})));
  c.retry_interval_s = 0;
  std::string id;
  {
    auto s = VnpService::start(c);
    ASSERT_TRUE(s.ok()) << s.error().message;
    CreateOptions o;
    o.confirm = true;
    auto v = (*s)->create_vnet(alice_, parse(chain(1, 3)), o);
    ASSERT_TRUE(v.ok()) << v.error().message;
    id = v->id;
    // What modify records before negotiating, then a part granted at a
    // PIP not involved yet, with the key modify would have used.
    const std::string part = flerd::write_string(parse(chain(1, 2, "extra")), flerd::Format::kYaml);
    std::string prov;
    for (auto& p : pips_)
      if (p->name != site_of(*v, "c:v1") && prov.empty()) prov = p->name;
    auto rs = (*s)->store().read("r", [&](store::ProviderTx& tx) { return tx.reservations(id); });
    ASSERT_TRUE(rs.ok());
    const std::string payload = "#nonce\n2\nm7#reservations\n0\n#ttl\n2\n60new/" + prov + "\n" +
                                std::to_string(part.size()) + "\n" + part;
    auto pend = (*s)->store().write("crash", [&](store::ProviderTx& tx) {
      return tx.add_pending(id, "modify", "negotiating", payload);
    });
    ASSERT_TRUE(pend.ok());
    Caller key{"vnp", "vnp-" + id + "-" + prov + "-m7"};
    CreateOptions co;
    co.ttl_s = 60;
    for (auto& p : pips_)
      if (p->name == prov) {
        ASSERT_TRUE(p->svc->create_vnet(key, parse(part), co).ok());
        EXPECT_DOUBLE_EQ(free_cpu(*p), 2.0);
      }
  }
  auto s = VnpService::start(c);
  ASSERT_TRUE(s.ok()) << s.error().message;
  ASSERT_EQ((*s)->recovery_report().lines.size(), 1u);
  EXPECT_NE((*s)->recovery_report().lines[0].find("modify rolled back"), std::string::npos)
      << (*s)->recovery_report().lines[0];
  EXPECT_TRUE(pending_of(**s).empty());
  double total = 0;
  for (auto& p : pips_) total += free_cpu(*p);
  EXPECT_DOUBLE_EQ(total, 12.0 - 3.0);  // only v1 holds anything
  EXPECT_EQ(parts_of(**s, id).size(), 1u);
}

// A rollback a provider does not answer is not forgotten either: pb applied
// the change, pc refused, and pb is gone before it can be given its old
// part back. The modify fails, the record stays (the VNet cannot be modified
// meanwhile), and once pb is back the retry restores its part.
TEST_F(VnpTest, ModifyRollbackRetriedAfterProviderComesBack) {
  add_pip("pa", 1, 4);
  add_pip("pb", 1, 4);
  add_pip("pc", 1, 4);
  auto vnp = make_vnp("vnp1", downstream(), full_mesh({"pa", "pb", "pc"}));
  ASSERT_TRUE(vnp.ok()) << vnp.error().message;
  auto& s = **vnp;
  CreateOptions o;
  o.confirm = true;
  pips_[2]->front->refuse = true;
  auto v = s.create_vnet(alice_, parse(chain(2, 3)), o);
  ASSERT_TRUE(v.ok()) << v.error().message;
  const std::string s2 = site_of(*v, "c:v2");
  Refusing* front = nullptr;
  pip::PipService* svc = nullptr;
  std::string remote;
  for (auto& p : pips_)
    if (p->name == s2) {
      front = p->front.get();
      svc = p->svc.get();
    }
  for (const auto& part : parts_of(s, v->id))
    if (part.provider == s2) remote = part.remote_vnet;
  ASSERT_TRUE(front && svc && !remote.empty());
  auto pip_reservations = [&] {
    auto r = svc->store().read("r", [&](store::ProviderTx& tx) { return tx.reservations(remote); });
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : std::vector<store::Reservation>{};
  };
  const auto before = pip_reservations();
  const auto vnp_before =
      s.store().read("r", [&](store::ProviderTx& tx) { return tx.reservations(v->id); });
  ASSERT_TRUE(vnp_before.ok());

  // v2 grows a link to v3 (v2's PIP changes), v3 needs pc, which refuses.
  front->down_after_modify = true;
  auto m = s.modify_vnet(alice_, v->id, parse(chain_of({3, 3, 3})));
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().message.find("still being restored"), std::string::npos) << m.error().message;
  auto pend = pending_of(s);
  ASSERT_EQ(pend.size(), 1u);
  EXPECT_EQ(pend[0].operation, "modify");
  EXPECT_EQ(pend[0].state, "rolling-back");
  auto busy = s.modify_vnet(alice_, v->id, parse(chain(2, 3)));
  ASSERT_FALSE(busy.ok());
  EXPECT_EQ(busy.error().code, Error::Code::kUnavailable);
  EXPECT_EQ(s.retry_pending(), 1u);  // still down

  front->down_after_modify = false;
  front->unreachable = false;
  EXPECT_EQ(s.retry_pending(), 0u);
  EXPECT_TRUE(pending_of(s).empty());
  EXPECT_EQ(pip_reservations(), before);
  const auto vnp_after =
      s.store().read("r", [&](store::ProviderTx& tx) { return tx.reservations(v->id); });
  ASSERT_TRUE(vnp_after.ok());
  EXPECT_EQ(*vnp_after, *vnp_before);
  EXPECT_DOUBLE_EQ(free_cpu(*pips_[2]), 4.0);
  auto again = s.modify_vnet(alice_, v->id, parse(chain(2, 3)));
  ASSERT_TRUE(again.ok()) << again.error().message;
}

// A node added at a PIP that already hosts part of a running VNet boots like
// the rest (paper 5.7).
TEST_F(VnpTest, ModifyAddsNodeAtExistingPipAndStartsIt) {
  add_pip("pa", 2, 4);
  auto vnp = make_vnp("vnp1", downstream(), {});
  ASSERT_TRUE(vnp.ok()) << vnp.error().message;
  auto& s = **vnp;
  CreateOptions o;
  o.confirm = true;
  auto v = s.create_vnet(alice_, parse(chain(1, 3)), o);
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(v->state, "running");
  auto m = s.modify_vnet(alice_, v->id, parse(chain(2, 3)));
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(pips_[0]->front->modifies, 1);
  EXPECT_EQ(m->state, "running") << dump(*m);
  for (const auto& e : m->elements) EXPECT_EQ(e.state, "running") << e.id << " " << m->detail;
  EXPECT_DOUBLE_EQ(free_cpu(*pips_[0]), 2.0);
}

// Recursion (thesis 3.2): the upper VNP's modify reaches the lower VNP as a
// modify of its partial (stubs and transit included), which the lower VNP
// passes on to the one PIP whose part changed.
TEST_F(VnpTest, ModifyThroughVnpOverVnp) {
  add_pip("pa", 1, 4);
  add_pip("pb", 1, 4);
  add_pip("pc", 1, 4);
  std::unique_ptr<VnpService> upper;
  ASSERT_NO_FATAL_FAILURE(make_upper_over_lower(&upper));
  CreateOptions o;
  o.confirm = true;
  auto v = upper->create_vnet(alice_, parse(chain(3, 3)), o);
  ASSERT_TRUE(v.ok()) << v.error().message;
  ASSERT_EQ(sites(*v), (std::set<std::string>{"lower", "pc"}));
  // The node to shrink: one the lower VNP holds.
  std::string node;
  for (const auto& e : v->elements)
    if (e.kind == "node" && e.site == "lower" && node.empty()) node = e.id;
  std::vector<int> cpus = {3, 3, 3};
  cpus[static_cast<std::size_t>(node.back() - '1')] = 2;
  auto m = upper->modify_vnet(alice_, v->id, parse(chain_of(cpus)));
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(sites(*m), (std::set<std::string>{"lower", "pc"}));
  EXPECT_EQ(pips_[2]->front->modifies, 0);
  EXPECT_EQ(pips_[0]->front->modifies + pips_[1]->front->modifies, 1);
  double total = 0;
  for (auto& p : pips_) total += free_cpu(*p);
  EXPECT_DOUBLE_EQ(total, 12.0 - 8.0);
  auto st = upper->status(alice_, v->id);
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(st->state, "running");
  expect_hidden(dump(*m), "modify");
  ASSERT_TRUE(upper->delete_vnet(alice_, v->id).ok());
  for (auto& p : pips_) EXPECT_DOUBLE_EQ(free_cpu(*p), 4.0) << p->name;
}

// A tentative VNet grows a tentative part (expiring with it); the confirm
// then confirms every part, the new one included.
TEST_F(VnpTest, ModifyTentativeThenConfirm) {
  add_pip("pa", 1, 4);
  add_pip("pb", 1, 4);
  add_pip("pc", 1, 4);
  auto vnp = make_vnp("vnp1", downstream(), full_mesh({"pa", "pb", "pc"}));
  ASSERT_TRUE(vnp.ok()) << vnp.error().message;
  auto& s = **vnp;
  auto v = s.create_vnet(alice_, parse(chain(2, 3)), {});
  ASSERT_TRUE(v.ok()) << v.error().message;
  auto m = s.modify_vnet(alice_, v->id, parse(chain(3, 3)));
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->state, "tentative");
  EXPECT_EQ(m->expires_at_ms, v->expires_at_ms);
  auto parts = parts_of(s, v->id);
  ASSERT_EQ(parts.size(), 3u);
  for (const auto& p : parts) EXPECT_EQ(p.state, "tentative") << p.provider;
  auto c = s.confirm_request(alice_, v->id);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->state, "running");
  for (auto& p : pips_) EXPECT_DOUBLE_EQ(free_cpu(*p), 1.0) << p->name;
}

// The VNP's own state on PostgreSQL (the production store), across a
// restart: the same ProviderStore code as the PIP's, so one create, confirm,
// restart and delete shows the VNP's tables and recovery work there too.
TEST_F(VnpTest, StateOnPostgresqlSurvivesARestart) {
  store::test::PostgresEnv::SetUpTestSuite();
  store::test::PostgresEnv pg;
  Status up = pg.SetUp();
  ASSERT_TRUE(up.ok()) << up.error().message;
  add_pip("pa", 1, 4);
  add_pip("pb", 1, 4);
  Config c;
  ASSERT_NO_FATAL_FAILURE(vnp_config(&c, "vnp1", downstream(), full_mesh({"pa", "pb"})));
  c.store_url = pg.url();
  c.retry_interval_s = 0;
  std::string id;
  {
    auto s = VnpService::start(c);
    ASSERT_TRUE(s.ok()) << s.error().message;
    auto v = (*s)->create_vnet(alice_, parse(chain(2, 3)), {});
    ASSERT_TRUE(v.ok()) << v.error().message;
    id = v->id;
    ASSERT_TRUE((*s)->confirm_request(alice_, id).ok());
  }
  auto s = VnpService::start(c);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_TRUE((*s)->recovery_report().lines.empty());
  auto st = (*s)->status(alice_, id);
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(st->state, "running");
  EXPECT_EQ(sites(*st).size(), 2u);
  ASSERT_TRUE((*s)->delete_vnet(alice_, id).ok());
  for (auto& p : pips_) EXPECT_DOUBLE_EQ(free_cpu(*p), 4.0) << p->name;
  auto problems = (*s)->store().check_consistency();
  ASSERT_TRUE(problems.ok()) << problems.error().message;
  EXPECT_TRUE(problems->empty()) << problems->front();
  s->reset();
  store::test::PostgresEnv::TearDownTestSuite();
}

}  // namespace
}  // namespace cloudnet::roles::vnp
