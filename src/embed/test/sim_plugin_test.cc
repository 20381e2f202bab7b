// The simulation plugin on its own (thesis 8.2.1): no-ops that keep a
// journal, the substrate state a real plugin would keep, delays and
// injected failures.
#include "embed/sim_plugin.h"

#include <gtest/gtest.h>

#include <chrono>

#include "embed/test/fixture.h"

namespace cloudnet::embed {
namespace {

using namespace std::chrono_literals;

EmbeddingUnit host_unit(const std::string& substrate = "s:h3") {
  EmbeddingUnit u;
  u.net = "vnet1";
  u.substrate = substrate;
  u.substrate_type = flerd::TypePath::parse_lenient("/node/host/server");
  UnitNode n;
  n.id = "c:web1";
  n.identifier = "web1";
  n.allocations = {{"/host/generic/CPU/amount", 2, "cores", "c:cpu.ml0", "s:cpu", 2},
                   {"/host/generic/RAM/real/amount", 512, "MB", "c:ram.ml0", "s:ram", 512}};
  u.nodes.push_back(n);
  return u;
}

TEST(SimPlugin, RecordsWhatWouldBeDone) {
  SimPlugin sim;
  const auto u = host_unit();
  const auto& node = u.nodes.front();
  ASSERT_TRUE(sim.prepare(u).ok());
  EXPECT_TRUE(sim.prepared("vnet1", "s:h3"));
  EXPECT_FALSE(sim.applied("vnet1", "s:h3"));
  ASSERT_TRUE(sim.apply(u).ok());
  EXPECT_EQ(sim.power("vnet1", "c:web1"), PowerState::kStopped);
  ASSERT_TRUE(sim.act(u, node, NodeAction::kStart).ok());
  EXPECT_EQ(*sim.status(u, node), PowerState::kRunning);
  ASSERT_TRUE(sim.remove(u).ok());
  ASSERT_TRUE(sim.remove(u).ok());  // idempotent
  EXPECT_EQ(sim.live_units(), 0u);
  EXPECT_FALSE(sim.power("vnet1", "c:web1"));
  EXPECT_EQ(sim.journal_text(),
            (std::vector<std::string>{
                "ok: prepare vnet1 on s:h3 (/node/host/server): node c:web1 [CPU 2 cores, RAM/real "
                "512 MB]",
                "ok: apply vnet1 on s:h3 (/node/host/server): node c:web1 [CPU 2 cores, RAM/real "
                "512 MB]",
                "ok: start node c:web1 (web1) of vnet1 on s:h3",
                "ok: remove vnet1 on s:h3",
                "ok: remove vnet1 on s:h3 (nothing there)",
            }));
  const auto j = sim.journal();
  EXPECT_EQ(j[2].node, "c:web1");
  EXPECT_EQ(j[4].seq, 5u);
  EXPECT_EQ(sim.calls(SimOp::kRemove), 2);
  sim.clear_journal();
  EXPECT_TRUE(sim.journal().empty());
}

TEST(SimPlugin, RefusesWhatARealSubstrateWould) {
  SimPlugin sim;
  const auto u = host_unit();
  const auto& node = u.nodes.front();
  auto early = sim.apply(u);
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.error().code, Error::Code::kConflict);
  EXPECT_EQ(sim.act(u, node, NodeAction::kStart).error().code, Error::Code::kConflict);
  EXPECT_EQ(sim.status(u, node).error().code, Error::Code::kNotFound);
  ASSERT_TRUE(sim.prepare(u).ok());
  ASSERT_TRUE(sim.apply(u).ok());
  EXPECT_EQ(sim.act(u, node, NodeAction::kResume).error().code, Error::Code::kConflict);
  EXPECT_EQ(sim.act(u, node, NodeAction::kPowercycle).error().code, Error::Code::kConflict);
  EXPECT_FALSE(sim.journal().front().ok);
  EXPECT_NE(sim.journal_text().front().find("FAILED: apply"), std::string::npos);

  EmbeddingUnit empty;
  empty.net = "vnet1";
  empty.substrate = "s:x";
  EXPECT_EQ(sim.prepare(empty).error().code, Error::Code::kInvalidArgument);
  auto negative = host_unit("s:h4");
  negative.nodes[0].allocations[0].amount = -1;
  EXPECT_EQ(sim.prepare(negative).error().code, Error::Code::kInvalidArgument);
  EXPECT_FALSE(sim.prepared("vnet1", "s:h4"));
}

TEST(SimPlugin, InjectedFailures) {
  SimPlugin sim;
  const auto a = host_unit("s:a");
  const auto b = host_unit("s:b");
  sim.fail_nth(SimOp::kPrepare, 2, "second prepare fails");
  ASSERT_TRUE(sim.prepare(a).ok());
  auto second = sim.prepare(b);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, Error::Code::kUnavailable);
  EXPECT_EQ(second.error().message, "second prepare fails");
  EXPECT_FALSE(sim.prepared("vnet1", "s:b"));  // a failure has no effect
  ASSERT_TRUE(sim.prepare(b).ok());            // third call

  sim.fail_element(SimOp::kApply, "s:b");
  EXPECT_TRUE(sim.apply(a).ok());
  auto on_b = sim.apply(b);
  ASSERT_FALSE(on_b.ok());
  EXPECT_NE(on_b.error().message.find("simulated failure of apply call #2 on s:b"),
            std::string::npos)
      << on_b.error().message;
  sim.clear_failures();
  EXPECT_TRUE(sim.apply(b).ok());

  // A node id names node operations too.
  sim.fail_element(SimOp::kStart, "c:web1");
  EXPECT_FALSE(sim.act(a, a.nodes[0], NodeAction::kStart).ok());
  sim.clear_failures();

  // Random failures are reproducible from the seed.
  auto pattern = [](std::uint64_t seed) {
    SimPlugin s;
    s.fail_randomly(SimOp::kPrepare, 0.5, seed);
    std::string out;
    for (int i = 0; i < 40; ++i) out += s.prepare(host_unit()).ok() ? '.' : 'x';
    return out;
  };
  EXPECT_EQ(pattern(7), pattern(7));
  EXPECT_NE(pattern(7), pattern(8));
  const std::string p = pattern(7);
  EXPECT_NE(p.find('x'), std::string::npos);
  EXPECT_NE(p.find('.'), std::string::npos);
}

TEST(SimPlugin, DelaysEachCall) {
  SimOptions o;
  o.delays[SimOp::kPrepare] = 30ms;
  SimPlugin sim(o);
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(sim.prepare(host_unit()).ok());
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 30ms);
  sim.set_delay(SimOp::kPrepare, 0ms);
  sim.set_delay(SimOp::kApply, 20ms);
  const auto t1 = std::chrono::steady_clock::now();
  ASSERT_TRUE(sim.apply(host_unit()).ok());
  EXPECT_GE(std::chrono::steady_clock::now() - t1, 20ms);
}

TEST(SimPlugin, ConsoleEchoesWithTheNodeName) {
  SimPlugin sim;
  const auto u = host_unit();
  EXPECT_EQ(sim.console(u, u.nodes[0]).error().code, Error::Code::kConflict);
  ASSERT_TRUE(sim.prepare(u).ok());
  ASSERT_TRUE(sim.apply(u).ok());
  auto c = sim.console(u, u.nodes[0]);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(testing::console_roundtrip(*c, "ls"), "[web1] ls");
  EXPECT_EQ(testing::console_roundtrip(*c, "again"), "[web1] again");
  EXPECT_EQ(sim.journal_text().back(), "ok: console node c:web1 (web1) of vnet1 on s:h3");
}

TEST(SimPlugin, DefaultConsoleIsUnavailable) {
  // A plugin that does not override console().
  struct Bare : EmbeddingPlugin {
    std::string name() const override { return "bare"; }
    std::vector<flerd::TypePath> type_prefixes() const override { return {}; }
    Status prepare(const EmbeddingUnit&) override { return Status::Ok(); }
    Status apply(const EmbeddingUnit&) override { return Status::Ok(); }
    Status remove(const EmbeddingUnit&) override { return Status::Ok(); }
    Status act(const EmbeddingUnit&, const UnitNode&, NodeAction) override { return Status::Ok(); }
    Result<PowerState> status(const EmbeddingUnit&, const UnitNode&) override {
      return PowerState::kStopped;
    }
  } bare;
  const auto u = host_unit();
  auto c = bare.console(u, u.nodes[0]);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, Error::Code::kUnavailable);
  EXPECT_NE(c.error().message.find("plugin 'bare'"), std::string::npos);

  EXPECT_EQ(*parse_node_action("powercycle"), NodeAction::kPowercycle);
  EXPECT_FALSE(parse_node_action("reboot").ok());
}

}  // namespace
}  // namespace cloudnet::embed
