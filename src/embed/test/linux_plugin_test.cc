// The Linux embedding plugin on a lab substrate (issue 8): a 2-node VNet
// mapped onto two substrate hosts, prepared and applied unit by unit,
// started, addressed and pinged across the VXLAN segment of its virtual
// link; tbf at the link's grant, consoles, suspend/resume/powercycle,
// resizing in place (CPU quota, link rate), removal without kernel
// leftovers; a failure half-way through an embedding rolled back by the
// embedder without a kernel object left. The kernel tests need root, `ip netns`, the cgroup v1
// controllers and ping, and skip themselves with a message otherwise. Every
// test uses the tag t<pid> (unique among running processes) and removes
// everything of it in TearDown.
#include "embed/linux_plugin.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "embed/embedder.h"
#include "embed/registry.h"
#include "flerd/io.h"
#include "mapping/builder.h"
#include "mapping/fast.h"
#include "mapping/output.h"
#include "netlab/command.h"
#include "netlab/kernel.h"
#include "netlab/names.h"

namespace cloudnet::embed {
namespace {

using namespace std::chrono_literals;

// Two servers joined by one 1 Gbit/s link; two nodes of 1.5 cores each, so
// they cannot share a host (and the request says so as well).
const std::string kSubstrate =
    std::string(CLOUDNET_SOURCE_DIR) + "/tests/fixtures/lab/substrate-2hosts.yaml";
const std::string kRequest =
    std::string(CLOUDNET_SOURCE_DIR) + "/tests/fixtures/lab/request-ping.yaml";

const std::string kNet = "pingnet";

flerd::Document read_fixture(const std::string& path) {
  auto l = flerd::read_file(path);
  EXPECT_TRUE(l.ok()) << l.diagnostics.format();
  return l.document;
}

const flerd::Document& substrate() {
  static const flerd::Document doc = read_fixture(kSubstrate);
  return doc;
}

// The request mapped onto the substrate, as a PIP would (mapping/output.h).
const flerd::Document& mapping_doc() {
  static const flerd::Document doc = [] {
    const flerd::Document req = read_fixture(kRequest);
    mapping::BuildInput in;
    in.substrate = &substrate();
    in.request = &req;
    auto problem = mapping::build_problem(in);
    EXPECT_TRUE(problem.ok()) << (problem.ok() ? "" : problem.error().message);
    if (!problem.ok()) return flerd::Document{};
    auto result = mapping::solve_fast(*problem);
    EXPECT_TRUE(result.has_solution());
    return mapping::mapping_document(req, substrate(), *problem, result);
  }();
  return doc;
}

TEST(LinuxPluginConfig, RefusesAPrefixClashBeforeTouchingTheKernel) {
  PluginConfig pc;  // simulation on /node and /link, and linux by default too
  pc.linux_enabled = true;
  pc.linux_options.tag = "x";
  auto reg = make_registry(pc, &substrate());
  ASSERT_FALSE(reg.ok());
  EXPECT_EQ(reg.error().code, Error::Code::kConflict);
  EXPECT_NE(reg.error().message.find("type prefix /node is claimed by both plugin 'sim' and "
                                     "plugin 'linux'"),
            std::string::npos)
      << reg.error().message;

  pc.simulation = false;
  auto none = make_registry(pc, nullptr);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().message.find("needs the PIP's substrate"), std::string::npos);
}

TEST(LinuxPluginConfig, ConvertsAllocationsToLimits) {
  UnitNode n;
  n.id = "c:n";
  n.allocations.push_back({"/host/generic/CPU/amount", 1.5, "cores", "", "", 1.5});
  n.allocations.push_back({"/host/generic/RAM/real/amount", 0.5, "GB", "", "", 0.5});
  n.allocations.push_back({"/host/generic/HDD/space", 10, "GB", "", "", 10});
  auto l = node_limits(n, 64);
  ASSERT_TRUE(l.ok()) << l.error().message;
  EXPECT_DOUBLE_EQ(*l->cpus, 1.5);
  EXPECT_EQ(*l->memory_bytes, 512ull << 20);
  EXPECT_EQ(*l->pids_max, 64);

  n.allocations[1].unit = "furlongs";
  auto bad = node_limits(n, 64);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("unit 'furlongs' is not a size"), std::string::npos)
      << bad.error().message;
  n.allocations[1] = {"/host/generic/RAM/real/amount", 1, "MB", "", "", 1};
  EXPECT_FALSE(node_limits(n, 64).ok());  // below 8 MiB

  auto bw = link_bandwidth_mbps({{"/link/symmetric/bandwidth", 2, "Gbps", "", "", 2}});
  ASSERT_TRUE(bw.ok());
  EXPECT_DOUBLE_EQ(**bw, 2000);
}

class LinuxPluginTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const std::string why = netlab::lab_unavailable({"ping"}); !why.empty())
      GTEST_SKIP() << why;
    tag_ = netlab::Tag::for_process();
    LinuxOptions o;
    o.tag = tag_->str();
    auto p = LinuxPlugin::start(o, substrate());  // cleans the tag first
    ASSERT_TRUE(p.ok()) << p.error().message;
    plugin_ = *p;
  }

  void TearDown() override {
    if (!tag_) return;
    // Even after a failed assertion: nothing of the tag stays.
    if (plugin_) {
      auto st = plugin_->cleanup();
      EXPECT_TRUE(st.ok()) << st.error().message;
    }
    EXPECT_TRUE(netlab::cleanup(&*tag_).ok());
    auto left = netlab::find_leftovers(&*tag_);
    ASSERT_TRUE(left.ok()) << left.error().message;
    EXPECT_TRUE(left->empty()) << left->describe();
  }

  // Namespaces of virtual nodes of the tag (the substrate's stay until
  // cleanup).
  std::vector<std::string> node_namespaces() {
    std::vector<std::string> out;
    auto left = netlab::find_leftovers(&*tag_);
    EXPECT_TRUE(left.ok());
    if (!left.ok()) return out;
    const std::string substrate_prefix = netlab::prefix(*tag_) + "s-";
    for (const auto& n : left->netns)
      if (n.rfind(substrate_prefix, 0) != 0) out.push_back(n);
    return out;
  }

  // VXLAN devices (v<VNI>) in the substrate hosts' namespaces.
  std::vector<std::string> tunnel_devices() {
    std::vector<std::string> out;
    for (const auto& n : plugin_->lab().substrate()->nodes) {
      auto names = netlab::link_names(n.netns);
      EXPECT_TRUE(names.ok());
      if (!names.ok()) continue;
      for (const auto& d : *names)
        if (d.size() > 1 && d[0] == 'v' && std::isdigit(static_cast<unsigned char>(d[1])))
          out.push_back(n.netns + ":" + d);
    }
    return out;
  }

  template <class T>
  static T or_else(const Result<T>& r, T fallback) {
    return r.ok() ? r.value() : fallback;
  }

  bool ping(const std::string& from, const std::string& to) {
    auto r = plugin_->lab().exec_in_node(kNet, from, {"ping", "-n", "-q", "-c", "1", "-w", "5", to},
                                         10s);
    return r.ok() && r->exit_code == 0;
  }

  void address(const std::string& node, const std::string& cidr) {
    auto a = plugin_->lab().exec_in_node(kNet, node, {"ip", "addr", "add", cidr, "dev", "eth0"});
    ASSERT_TRUE(a.ok() && a->exit_code == 0) << (a.ok() ? a->err : a.error().message);
    auto u = plugin_->lab().exec_in_node(kNet, node, {"ip", "link", "set", "eth0", "up"});
    ASSERT_TRUE(u.ok() && u->exit_code == 0) << (u.ok() ? u->err : u.error().message);
  }

  std::optional<netlab::Tag> tag_;
  std::shared_ptr<LinuxPlugin> plugin_;
};

TEST_F(LinuxPluginTest, TwoHostsPingOverTheirVirtualLinkAndLeaveNothing) {
  auto units = build_units(mapping_doc());
  ASSERT_TRUE(units.ok()) << units.error().message;
  // Both hosts and the substrate link between them.
  ASSERT_EQ(units->size(), 3u);
  std::vector<const EmbeddingUnit*> hosts;
  for (const auto& u : *units)
    if (!u.nodes.empty()) hosts.push_back(&u);
  ASSERT_EQ(hosts.size(), 2u);
  ASSERT_NE(hosts[0]->substrate, hosts[1]->substrate);

  for (const auto& u : *units) {
    auto st = plugin_->prepare(u);
    ASSERT_TRUE(st.ok()) << u.key() << ": " << st.error().message;
  }
  // One VNI for the link, shared by both hosts' parts, from the local range.
  auto vni = plugin_->vni(kNet, "c:link1");
  ASSERT_TRUE(vni.has_value());
  EXPECT_GE(*vni, kVniFirst);
  EXPECT_LE(*vni, kVniLast);
  EXPECT_TRUE(node_namespaces().empty()) << "prepare touches no kernel object";

  for (const auto& u : *units) {
    auto st = plugin_->apply(u);
    ASSERT_TRUE(st.ok()) << u.key() << ": " << st.error().message;
  }
  EXPECT_EQ(node_namespaces().size(), 2u);
  EXPECT_EQ(tunnel_devices().size(), 2u);  // one VXLAN device per host of the link
  for (const auto* h : hosts) {
    auto s = plugin_->status(*h, h->nodes[0]);
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_EQ(*s, PowerState::kStopped) << "nodes come up stopped (thesis 8.2.2)";
    ASSERT_TRUE(plugin_->act(*h, h->nodes[0], NodeAction::kStart).ok());
    s = plugin_->status(*h, h->nodes[0]);
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(*s, PowerState::kRunning);
  }
  // The limits from the allocations: 1.5 cores, 256 MiB.
  const std::string key = netlab::node_key(kNet, "VHost1");
  const std::string cg = "/cloudnet/" + tag_->str() + "/" + key;
  EXPECT_EQ(or_else(netlab::run_ok({"cat", "/sys/fs/cgroup/cpu" + cg + "/cpu.cfs_quota_us"}),
                    std::string("?")),
            "150000\n");
  EXPECT_EQ(
      or_else(netlab::run_ok({"cat", "/sys/fs/cgroup/memory" + cg + "/memory.limit_in_bytes"}),
              std::string("?")),
      std::to_string(256ull << 20) + "\n");

  // The link's 50 Mbit/s grant (held by the substrate link's unit) as a
  // token bucket on both ends.
  for (const char* n : {"VHost1", "VHost2"}) {
    auto q = netlab::exec_in_netns(netlab::node_netns(*tag_, kNet, n),
                                   {"tc", "qdisc", "show", "dev", "eth0"}, 10s);
    ASSERT_TRUE(q.ok()) << q.error().message;
    EXPECT_NE(q->out.find("tbf"), std::string::npos) << n << ": " << q->out;
    EXPECT_NE(q->out.find("rate 50Mbit"), std::string::npos) << n << ": " << q->out;
  }

  address("VHost1", "192.168.50.1/24");
  address("VHost2", "192.168.50.2/24");
  EXPECT_TRUE(ping("VHost1", "192.168.50.2"));
  EXPECT_TRUE(ping("VHost2", "192.168.50.1"));

  // The console: a shell inside the node, through a console::Channel.
  const EmbeddingUnit& h1 = *hosts[0];
  auto connector = plugin_->console(h1, h1.nodes[0]);
  ASSERT_TRUE(connector.ok()) << connector.error().message;
  auto ch = (*connector)();
  ASSERT_TRUE(ch.ok()) << ch.error().message;
  const std::string cmd = "echo \"[$(hostname)]\"; exit\n";
  ASSERT_EQ(::write(ch->write_fd(), cmd.data(), cmd.size()), static_cast<ssize_t>(cmd.size()));
  std::string seen;
  const std::string want = "[" + h1.nodes[0].name() + "]";
  char buf[512];
  for (;;) {
    const ssize_t n = ::read(ch->read_fd(), buf, sizeof buf);
    if (n <= 0) break;
    seen.append(buf, static_cast<std::size_t>(n));
    if (seen.find(want + "\r\n") != std::string::npos) break;
  }
  EXPECT_NE(seen.find(want), std::string::npos) << seen;
  ch->read = console::Fd();

  // Suspend stops the node's traffic, resume continues it.
  const EmbeddingUnit& h2 = *hosts[1];
  ASSERT_TRUE(plugin_->act(h2, h2.nodes[0], NodeAction::kSuspend).ok());
  EXPECT_EQ(or_else(plugin_->status(h2, h2.nodes[0]), PowerState::kStopped),
            PowerState::kSuspended);
  ASSERT_TRUE(plugin_->act(h2, h2.nodes[0], NodeAction::kResume).ok());
  EXPECT_EQ(or_else(plugin_->status(h2, h2.nodes[0]), PowerState::kStopped), PowerState::kRunning);
  ASSERT_TRUE(plugin_->act(h2, h2.nodes[0], NodeAction::kPowercycle).ok());
  EXPECT_EQ(or_else(plugin_->status(h2, h2.nodes[0]), PowerState::kStopped), PowerState::kRunning);

  // A resize in place (a re-embedding that changed only amounts): the node
  // keeps running with its new quota.
  EmbeddingUnit bigger = h2;
  for (auto& a : bigger.nodes[0].allocations)
    if (a.attribute.find("CPU") != std::string::npos) a.amount = 1;
  auto up = plugin_->update(h2, bigger);
  ASSERT_TRUE(up.ok()) << up.error().message;
  const std::string cg2 =
      "/cloudnet/" + tag_->str() + "/" + netlab::node_key(kNet, h2.nodes[0].name());
  EXPECT_EQ(or_else(netlab::run_ok({"cat", "/sys/fs/cgroup/cpu" + cg2 + "/cpu.cfs_quota_us"}),
                    std::string("?")),
            "100000\n");
  EXPECT_EQ(or_else(plugin_->status(h2, h2.nodes[0]), PowerState::kStopped), PowerState::kRunning);
  ASSERT_TRUE(plugin_->update(bigger, h2).ok());
  // A new grant for the link reaches the plugin as an update of the
  // substrate link's unit only (the hosts' units are unchanged and kept).
  const EmbeddingUnit* wire = nullptr;
  for (const auto& u : *units)
    if (u.nodes.empty()) wire = &u;
  ASSERT_NE(wire, nullptr);
  auto doc = std::make_shared<flerd::Document>(mapping_doc());
  for (auto& t : doc->topologies)
    for (auto& r : t.resources)
      if (r.attribute.find("bandwidth") != std::string::npos && r.value == 50) r.value = 20;
  EmbeddingUnit faster = *wire;
  faster.mapping = doc;
  for (auto& a : faster.segments[0].allocations) a.amount = 20;
  auto bw = plugin_->update(*wire, faster);
  ASSERT_TRUE(bw.ok()) << bw.error().message;
  auto q = netlab::exec_in_netns(netlab::node_netns(*tag_, kNet, "VHost2"),
                                 {"tc", "qdisc", "show", "dev", "eth0"}, 10s);
  ASSERT_TRUE(q.ok());
  EXPECT_NE(q->out.find("rate 20Mbit"), std::string::npos) << q->out;

  // Remove in reverse unit order, twice (idempotent).
  for (int round = 0; round < 2; ++round)
    for (auto it = units->rbegin(); it != units->rend(); ++it) {
      auto st = plugin_->remove(*it);
      EXPECT_TRUE(st.ok()) << it->key() << ": " << st.error().message;
    }
  EXPECT_TRUE(node_namespaces().empty());
  EXPECT_TRUE(tunnel_devices().empty());
  EXPECT_FALSE(plugin_->vni(kNet, "c:link1").has_value()) << "the VNI is free again";
  EXPECT_TRUE(plugin_->cleanup().ok());
  auto left = netlab::find_leftovers(&*tag_);
  ASSERT_TRUE(left.ok());
  EXPECT_TRUE(left->empty()) << left->describe();
}

TEST_F(LinuxPluginTest, PrepareRejectsWhatItCannotDoWithoutKernelObjects) {
  auto units = build_units(mapping_doc());
  ASSERT_TRUE(units.ok());
  EmbeddingUnit u = units->front();
  ASSERT_FALSE(u.nodes.empty());
  for (auto& a : u.nodes[0].allocations)
    if (a.attribute.find("RAM") != std::string::npos) a.unit = "furlongs";
  auto st = plugin_->prepare(u);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Error::Code::kInvalidArgument);
  EXPECT_NE(st.error().message.find("unit 'furlongs' is not a size"), std::string::npos)
      << st.error().message;

  u = units->front();
  ASSERT_FALSE(u.segments.empty());
  u.segments[0].ends[0].interface = "a-much-too-long-name";
  st = plugin_->prepare(u);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("is not a Linux interface name"), std::string::npos)
      << st.error().message;
  EXPECT_FALSE(plugin_->vni(kNet, "c:link1").has_value()) << "nothing reserved";
  EXPECT_TRUE(node_namespaces().empty());
}

TEST_F(LinuxPluginTest, EmbedderRollsBackAFailureHalfWayWithoutKernelLeftovers) {
  auto registry = std::make_shared<PluginRegistry>();
  ASSERT_TRUE(registry->add(plugin_).ok());
  EmbedderOptions eo;
  eo.parallelism = 1;  // unit order: the first host is applied before the second fails
  Embedder embedder(registry, eo);

  auto units = build_units(mapping_doc());
  ASSERT_TRUE(units.ok());
  const EmbeddingUnit* second = nullptr;
  int hosts = 0;
  for (const auto& u : *units)
    if (!u.nodes.empty() && ++hosts == 2) second = &u;
  ASSERT_NE(second, nullptr);
  // A stale namespace where the second host's node goes: its create_node
  // fails after the first host's node and link part were made.
  const std::string stale = netlab::node_netns(*tag_, kNet, second->nodes[0].name());
  ASSERT_TRUE(netlab::add_netns(stale).ok());

  auto st = embedder.embed(mapping_doc());
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("apply"), std::string::npos) << st.error().message;
  EXPECT_NE(st.error().message.find(second->substrate), std::string::npos) << st.error().message;
  EXPECT_NE(st.error().message.find("rolled back"), std::string::npos) << st.error().message;
  // The rollback removed every unit, the failed one included.
  EXPECT_TRUE(node_namespaces().empty()) << "node namespaces left after rollback";
  EXPECT_TRUE(tunnel_devices().empty()) << "tunnel devices left after rollback";
  auto left = netlab::find_leftovers(&*tag_);
  ASSERT_TRUE(left.ok());
  // The tag's own folder under each controller may stay; no node's group.
  for (const auto& c : left->cgroups)
    EXPECT_TRUE(c.ends_with("/cloudnet/" + tag_->str())) << "node cgroup left: " << c;
  EXPECT_FALSE(plugin_->vni(kNet, "c:link1").has_value());

  // With the obstacle gone the same VNet embeds, starts and forwards.
  ASSERT_TRUE(embedder.forget(kNet).ok());
  auto ok = embedder.embed(mapping_doc());
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  auto started = embedder.vnet_action(kNet, NodeAction::kStart);
  ASSERT_TRUE(started.ok()) << started.error().message;
  EXPECT_TRUE(started->running);
  address("VHost1", "10.77.0.1/24");
  address("VHost2", "10.77.0.2/24");
  EXPECT_TRUE(ping("VHost1", "10.77.0.2"));
  auto removed = embedder.remove(kNet);
  ASSERT_TRUE(removed.ok()) << removed.error().message;
  EXPECT_TRUE(node_namespaces().empty());
  EXPECT_TRUE(tunnel_devices().empty());
}

}  // namespace
}  // namespace cloudnet::embed
