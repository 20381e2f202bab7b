// The embedder on a real mapping document with the simulation plugin: all or
// nothing embedding with deterministic rollback, the provisioning actions of
// thesis 8.2.2 and their state machine, consoles, and parallel phases.
#include "embed/embedder.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>

#include "embed/test/fixture.h"

namespace cloudnet::embed {
namespace {

using namespace std::chrono_literals;
using testing::joined;
using testing::records;
using testing::sim_setup;
using testing::webservice_mapping;

const std::string kNet = "webservice";

std::vector<std::string> unit_order(const Embedder& e) {
  std::vector<std::string> out;
  auto units = e.units(kNet);
  EXPECT_TRUE(units.ok());
  if (units.ok())
    for (const auto& u : *units) out.push_back(u.substrate);
  return out;
}

std::vector<std::string> substrates(const std::vector<SimRecord>& rs) {
  std::vector<std::string> out;
  for (const auto& r : rs) out.push_back(r.substrate);
  return out;
}

std::vector<std::string> reversed(std::vector<std::string> v) {
  std::reverse(v.begin(), v.end());
  return v;
}

TEST(Embedder, EmbedsEveryUnitPrepareThenApply) {
  auto s = sim_setup();
  auto st = s.embedder->embed(webservice_mapping());
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(st->net, kNet);
  const auto order = unit_order(*s.embedder);
  ASSERT_GE(order.size(), 4u);  // two hosts and the link's path
  EXPECT_EQ(substrates(records(*s.sim, SimOp::kPrepare)), order);
  EXPECT_EQ(substrates(records(*s.sim, SimOp::kApply)), order);
  // Every prepare before the first apply.
  const auto j = s.sim->journal();
  for (std::size_t i = 0; i < order.size(); ++i) EXPECT_EQ(j[i].op, SimOp::kPrepare);
  EXPECT_EQ(s.sim->live_units(), order.size());
  for (const auto& sub : order) EXPECT_TRUE(s.sim->applied(kNet, sub));

  // Nodes wait for start, links are up (paper 4.2.2).
  for (const auto& e : st->elements)
    EXPECT_EQ(e.state, e.is_node ? ElementState::kStopped : ElementState::kRunning) << e.id;
  EXPECT_EQ(st->state, ElementState::kRunning);  // a mix: the links run
  EXPECT_FALSE(st->running);
  for (const auto& u : st->units) {
    EXPECT_EQ(u.phase, UnitPhase::kApplied);
    EXPECT_EQ(u.plugin, "sim");
  }
  ASSERT_NE(st->element("VHost1"), nullptr);
  EXPECT_EQ(st->element("VHost1")->id, "c:vhost1");

  // The journal says what would be done, per substrate element.
  const std::string text = joined(s.sim->journal_text());
  EXPECT_NE(text.find("ok: apply webservice on "), std::string::npos) << text;
  EXPECT_NE(text.find("node c:vhost1 [CPU 2 cores"), std::string::npos) << text;
  EXPECT_NE(text.find("segment c:link1 [symmetric/bandwidth 100 Mbps"), std::string::npos) << text;

  // The element histories: tentative -> confirmed -> provisioning -> ...
  auto h = s.embedder->history(kNet);
  ASSERT_TRUE(h.ok());
  std::vector<std::string> vhost1;
  for (const auto& t : *h)
    if (t.element == "c:vhost1") vhost1.push_back(std::string(to_string(t.to)));
  EXPECT_EQ(vhost1, (std::vector<std::string>{"confirmed", "provisioning", "stopped"}));
}

TEST(Embedder, FailureInTheMiddleOfApplyRollsEverythingBack) {
  auto s = sim_setup();
  s.sim->fail_nth(SimOp::kApply, 3);
  auto st = s.embedder->embed(webservice_mapping());
  ASSERT_FALSE(st.ok());
  const auto order = unit_order(*s.embedder);
  EXPECT_EQ(st.error().code, Error::Code::kUnavailable);
  const std::string& msg = st.error().message;
  EXPECT_NE(msg.find("apply of vnet 'webservice' failed on substrate element '" + order[2] + "'"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("by plugin 'sim'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("rolled back: removed " + std::to_string(order.size()) + " units"),
            std::string::npos)
      << msg;

  // Two applies succeeded, the third failed, the rest never started; then
  // every prepared unit is removed, last first.
  auto applies = records(*s.sim, SimOp::kApply);
  ASSERT_EQ(applies.size(), 3u);
  EXPECT_FALSE(applies[2].ok);
  EXPECT_EQ(substrates(records(*s.sim, SimOp::kRemove)), reversed(order));
  const auto j = s.sim->journal();
  EXPECT_EQ(j.back().op, SimOp::kRemove);
  EXPECT_EQ(j.back().substrate, order.front());
  EXPECT_EQ(s.sim->live_units(), 0u);

  // Every element went failed -> deleting -> deleted.
  auto vs = s.embedder->vnet_status(kNet);
  ASSERT_TRUE(vs.ok());
  EXPECT_EQ(vs->state, ElementState::kDeleted);
  EXPECT_EQ(vs->error, msg);
  for (const auto& u : vs->units) EXPECT_EQ(u.phase, UnitPhase::kRemoved);
  auto h = s.embedder->history(kNet);
  ASSERT_TRUE(h.ok());
  std::map<std::string, std::vector<ElementState>> seq;
  for (const auto& t : *h) seq[t.element].push_back(t.to);
  for (const auto& e : vs->elements) {
    EXPECT_EQ(e.state, ElementState::kDeleted) << e.id;
    EXPECT_EQ(seq[e.id],
              (std::vector<ElementState>{ElementState::kConfirmed, ElementState::kProvisioning,
                                         ElementState::kFailed, ElementState::kDeleting,
                                         ElementState::kDeleted}))
        << e.id;
  }

  // Cleaned: the same VNet can be embedded again.
  s.sim->clear_failures();
  auto again = s.embedder->embed(webservice_mapping());
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(s.sim->live_units(), order.size());
}

TEST(Embedder, FailedPrepareRemovesWhatWasTouched) {
  auto s = sim_setup();
  auto plan = s.embedder->plan(webservice_mapping());
  ASSERT_TRUE(plan.ok());
  const std::string third = (*plan)[2].unit.substrate;
  s.sim->fail_element(SimOp::kPrepare, third, "disk full");
  auto st = s.embedder->prepare(webservice_mapping());
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("prepare of vnet 'webservice' failed on substrate element '" +
                                    third + "'"),
            std::string::npos)
      << st.error().message;
  EXPECT_NE(st.error().message.find("disk full"), std::string::npos);
  // The failed unit is removed too (it may hold a part), then the others.
  EXPECT_EQ(
      substrates(records(*s.sim, SimOp::kRemove)),
      (std::vector<std::string>{third, (*plan)[1].unit.substrate, (*plan)[0].unit.substrate}));
  EXPECT_TRUE(records(*s.sim, SimOp::kApply).empty());
  EXPECT_EQ(s.sim->live_units(), 0u);
  auto vs = s.embedder->vnet_status(kNet);
  ASSERT_TRUE(vs.ok());
  EXPECT_EQ(vs->state, ElementState::kDeleted);
  EXPECT_EQ(vs->units[3].phase, UnitPhase::kNew);  // never called
}

TEST(Embedder, ParallelFailureRollsBackInReverseUnitOrder) {
  auto s = sim_setup(4);
  s.sim->set_delay(SimOp::kApply, 20ms);
  auto plan = s.embedder->plan(webservice_mapping());
  ASSERT_TRUE(plan.ok());
  s.sim->fail_element(SimOp::kApply, "c:vhost2");
  auto st = s.embedder->embed(webservice_mapping());
  ASSERT_FALSE(st.ok());
  std::string host2;
  for (const auto& pu : *plan)
    if (pu.unit.node("c:vhost2")) host2 = pu.unit.substrate;
  EXPECT_NE(st.error().message.find("failed on substrate element '" + host2 + "'"),
            std::string::npos)
      << st.error().message;
  EXPECT_EQ(substrates(records(*s.sim, SimOp::kRemove)), reversed(unit_order(*s.embedder)));
  EXPECT_EQ(s.sim->live_units(), 0u);
}

TEST(Embedder, RandomFailuresAlwaysLeaveAllOrNothing) {
  // Whatever fails where, the substrate ends fully embedded or empty.
  for (std::uint64_t seed = 1; seed <= 12; ++seed) {
    auto s = sim_setup(seed % 3 + 1);
    s.sim->fail_randomly(SimOp::kPrepare, 0.1, seed);
    s.sim->fail_randomly(SimOp::kApply, 0.15, seed * 7);
    auto st = s.embedder->embed(webservice_mapping());
    const std::size_t units = s.embedder->units(kNet)->size();
    EXPECT_EQ(s.sim->live_units(), st.ok() ? units : 0u) << "seed " << seed;
    auto vs = s.embedder->vnet_status(kNet);
    ASSERT_TRUE(vs.ok());
    if (!st.ok()) {
      EXPECT_EQ(vs->state, ElementState::kDeleted) << st.error().message;
    }
  }
}

TEST(Embedder, NegotiationStatesAreEnforced) {
  auto s = sim_setup();
  auto st = s.embedder->prepare(webservice_mapping());
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(st->state, ElementState::kTentative);
  EXPECT_TRUE(records(*s.sim, SimOp::kApply).empty());

  // Not confirmed yet: no apply, no node action, no console.
  auto early = s.embedder->apply(kNet);
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.error().code, Error::Code::kConflict);
  EXPECT_NE(early.error().message.find("is tentative (apply needs confirmed)"), std::string::npos);
  EXPECT_EQ(s.embedder->node_action(kNet, "VHost1", NodeAction::kStart).error().code,
            Error::Code::kConflict);
  EXPECT_EQ(s.embedder->console(kNet, "VHost1").error().code, Error::Code::kConflict);
  // A second request with the same name is refused.
  EXPECT_EQ(s.embedder->prepare(webservice_mapping()).error().code, Error::Code::kConflict);

  ASSERT_TRUE(s.embedder->confirm(kNet).ok());
  auto again = s.embedder->confirm(kNet);  // harmless retry
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->state, ElementState::kConfirmed);
  auto applied = s.embedder->apply(kNet);
  ASSERT_TRUE(applied.ok()) << applied.error().message;
  EXPECT_EQ(s.embedder->apply(kNet).error().code, Error::Code::kConflict);
  ASSERT_TRUE(s.embedder->confirm(kNet).ok());  // further along: unchanged

  // Remove: reverse order, then deleted; removing again is a no-op.
  s.sim->clear_journal();
  auto removed = s.embedder->remove(kNet);
  ASSERT_TRUE(removed.ok()) << removed.error().message;
  EXPECT_EQ(removed->state, ElementState::kDeleted);
  EXPECT_EQ(substrates(records(*s.sim, SimOp::kRemove)), reversed(unit_order(*s.embedder)));
  EXPECT_EQ(s.sim->live_units(), 0u);
  ASSERT_TRUE(s.embedder->remove(kNet).ok());
  EXPECT_EQ(records(*s.sim, SimOp::kRemove).size(), unit_order(*s.embedder).size());
  EXPECT_EQ(s.embedder->confirm(kNet).error().code, Error::Code::kConflict);

  ASSERT_TRUE(s.embedder->forget(kNet).ok());
  EXPECT_EQ(s.embedder->vnet_status(kNet).error().code, Error::Code::kNotFound);
  EXPECT_TRUE(s.embedder->vnets().empty());
}

TEST(Embedder, FailedRemoveKeepsElementsFailedUntilRetried) {
  auto s = sim_setup();
  ASSERT_TRUE(s.embedder->embed(webservice_mapping()).ok());
  const auto order = unit_order(*s.embedder);
  s.sim->fail_element(SimOp::kRemove, order[0]);
  auto r = s.embedder->remove(kNet);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find(order[0]), std::string::npos);
  // Every other unit was still removed.
  EXPECT_EQ(records(*s.sim, SimOp::kRemove).size(), order.size());
  EXPECT_EQ(s.sim->live_units(), 1u);
  auto vs = s.embedder->vnet_status(kNet);
  ASSERT_TRUE(vs.ok());
  EXPECT_EQ(vs->state, ElementState::kFailed);
  EXPECT_EQ(s.embedder->forget(kNet).error().code, Error::Code::kConflict);
  s.sim->clear_failures();
  auto retry = s.embedder->remove(kNet);
  ASSERT_TRUE(retry.ok()) << retry.error().message;
  EXPECT_EQ(retry->state, ElementState::kDeleted);
  EXPECT_EQ(s.sim->live_units(), 0u);
}

TEST(Embedder, NodeActionsFollowTheStateMachine) {
  auto s = sim_setup();
  ASSERT_TRUE(s.embedder->embed(webservice_mapping()).ok());
  auto state = [&](const char* node) {
    auto st = s.embedder->node_status(kNet, node);
    EXPECT_TRUE(st.ok());
    return st.ok() ? st->state : ElementState::kFailed;
  };
  auto conflict = [&](const char* node, NodeAction a) {
    auto r = s.embedder->node_action(kNet, node, a);
    return !r.ok() && r.error().code == Error::Code::kConflict;
  };

  // By ne_identifier or by id (thesis 8.2.2 names nodes by ne_identifier).
  ASSERT_TRUE(s.embedder->node_action(kNet, "VHost1", NodeAction::kStart).ok());
  EXPECT_EQ(state("c:vhost1"), ElementState::kRunning);
  EXPECT_EQ(s.sim->power(kNet, "c:vhost1"), PowerState::kRunning);
  EXPECT_TRUE(conflict("VHost1", NodeAction::kStart));
  EXPECT_TRUE(conflict("VHost1", NodeAction::kResume));
  ASSERT_TRUE(s.embedder->node_action(kNet, "c:vhost1", NodeAction::kSuspend).ok());
  EXPECT_EQ(state("VHost1"), ElementState::kSuspended);
  EXPECT_TRUE(conflict("VHost1", NodeAction::kStart));
  EXPECT_TRUE(conflict("VHost1", NodeAction::kPowercycle));
  ASSERT_TRUE(s.embedder->node_action(kNet, "VHost1", NodeAction::kResume).ok());
  ASSERT_TRUE(s.embedder->node_action(kNet, "VHost1", NodeAction::kPowercycle).ok());
  EXPECT_EQ(state("VHost1"), ElementState::kRunning);
  ASSERT_TRUE(s.embedder->node_action(kNet, "VHost1", NodeAction::kStop).ok());
  EXPECT_EQ(state("VHost1"), ElementState::kStopped);
  EXPECT_TRUE(conflict("VHost1", NodeAction::kStop));
  EXPECT_TRUE(conflict("VHost1", NodeAction::kPowercycle));
  EXPECT_TRUE(conflict("VHost1", NodeAction::kSuspend));
  auto msg = s.embedder->node_action(kNet, "VHost1", NodeAction::kSuspend).error().message;
  EXPECT_EQ(msg, "node 'c:vhost1' of vnet 'webservice' is stopped; suspend needs running");

  // Refused actions never reached the plugin.
  std::vector<std::string> acted;
  for (const auto& r : s.sim->journal())
    if (!r.node.empty()) acted.push_back(std::string(to_string(r.op)));
  EXPECT_EQ(acted, (std::vector<std::string>{"start", "suspend", "resume", "powercycle", "stop"}));

  // A powercycle shows in the history as running -> running.
  auto h = s.embedder->history(kNet);
  ASSERT_TRUE(h.ok());
  bool cycled = false;
  for (const auto& t : *h)
    cycled = cycled || (t.element == "c:vhost1" && t.from == ElementState::kRunning &&
                        t.to == ElementState::kRunning && t.reason == "powercycle");
  EXPECT_TRUE(cycled);

  // Links and unknown names.
  EXPECT_EQ(s.embedder->node_action(kNet, "c:link1", NodeAction::kStart).error().code,
            Error::Code::kInvalidArgument);
  EXPECT_EQ(s.embedder->node_action(kNet, "nope", NodeAction::kStart).error().code,
            Error::Code::kNotFound);
  EXPECT_EQ(s.embedder->node_action("other", "VHost1", NodeAction::kStart).error().code,
            Error::Code::kNotFound);
}

TEST(Embedder, VNetActionsFanOutToEveryNode) {
  auto s = sim_setup(4);
  ASSERT_TRUE(s.embedder->embed(webservice_mapping()).ok());
  ASSERT_TRUE(s.embedder->node_action(kNet, "VHost1", NodeAction::kStart).ok());
  // Already running nodes are skipped.
  auto st = s.embedder->vnet_action(kNet, NodeAction::kStart);
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_TRUE(st->running);  // graph_running: every element runs
  EXPECT_EQ(st->state, ElementState::kRunning);
  EXPECT_EQ(records(*s.sim, SimOp::kStart).size(), 2u);

  ASSERT_TRUE(s.embedder->node_action(kNet, "VHost2", NodeAction::kSuspend).ok());
  // Suspend of the VNet: VHost2 is suspended already, VHost1 follows.
  st = s.embedder->vnet_action(kNet, NodeAction::kSuspend);
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_FALSE(st->running);
  // Start cannot take a suspended node: nothing is done.
  auto refused = s.embedder->vnet_action(kNet, NodeAction::kStart);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Error::Code::kConflict);
  EXPECT_NE(refused.error().message.find("c:vhost1 (suspended), c:vhost2 (suspended)"),
            std::string::npos)
      << refused.error().message;
  ASSERT_TRUE(s.embedder->vnet_action(kNet, NodeAction::kResume).ok());
  ASSERT_TRUE(s.embedder->vnet_action(kNet, NodeAction::kPowercycle).ok());
  EXPECT_EQ(records(*s.sim, SimOp::kPowercycle).size(), 2u);
  st = s.embedder->vnet_action(kNet, NodeAction::kStop);
  ASSERT_TRUE(st.ok());
  for (const auto& e : st->elements)
    if (e.is_node) {
      EXPECT_EQ(e.state, ElementState::kStopped);
    }

  // A failing node: the others still act; the error names the one.
  s.sim->fail_element(SimOp::kStart, "c:vhost2", "hypervisor busy");
  auto partial = s.embedder->vnet_action(kNet, NodeAction::kStart);
  ASSERT_FALSE(partial.ok());
  EXPECT_NE(partial.error().message.find("failed on 1 of 2 nodes"), std::string::npos)
      << partial.error().message;
  EXPECT_NE(partial.error().message.find("hypervisor busy"), std::string::npos);
  // The plugin still reports the node stopped, so it stays stopped.
  auto vs = s.embedder->vnet_status(kNet);
  ASSERT_TRUE(vs.ok());
  EXPECT_EQ(vs->element("c:vhost1")->state, ElementState::kRunning);
  EXPECT_EQ(vs->element("c:vhost2")->state, ElementState::kStopped);
  EXPECT_NE(vs->element("c:vhost2")->error.find("hypervisor busy"), std::string::npos);
}

TEST(Embedder, NodeWhoseStateCannotBeToldBecomesFailed) {
  auto s = sim_setup();
  ASSERT_TRUE(s.embedder->embed(webservice_mapping()).ok());
  s.sim->fail_element(SimOp::kStart, "c:vhost1");
  s.sim->fail_element(SimOp::kStatus, "c:vhost1");
  auto r = s.embedder->node_action(kNet, "VHost1", NodeAction::kStart);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("its state is unknown"), std::string::npos) << r.error().message;
  auto st = s.embedder->node_status(kNet, "VHost1");
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->state, ElementState::kFailed);
  EXPECT_FALSE(st->running());
  // failed nodes take no actions; removing the VNet still works.
  EXPECT_EQ(s.embedder->node_action(kNet, "VHost1", NodeAction::kStart).error().code,
            Error::Code::kConflict);
  s.sim->clear_failures();
  auto removed = s.embedder->remove(kNet);
  ASSERT_TRUE(removed.ok()) << removed.error().message;
  EXPECT_EQ(removed->state, ElementState::kDeleted);
}

TEST(Embedder, NodeStatusAsksThePlugin) {
  auto s = sim_setup();
  ASSERT_TRUE(s.embedder->embed(webservice_mapping()).ok());
  ASSERT_TRUE(s.embedder->node_action(kNet, "VHost2", NodeAction::kStart).ok());
  const int before = s.sim->calls(SimOp::kStatus);
  auto st = s.embedder->node_status(kNet, "VHost2");
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->id, "c:vhost2");
  EXPECT_EQ(st->power, PowerState::kRunning);
  EXPECT_TRUE(st->running());
  ASSERT_EQ(st->substrate.size(), 1u);
  EXPECT_EQ(s.sim->calls(SimOp::kStatus), before + 1);
  // vnet_status reads the records only.
  ASSERT_TRUE(s.embedder->vnet_status(kNet).ok());
  EXPECT_EQ(s.sim->calls(SimOp::kStatus), before + 1);
}

TEST(Embedder, ConsoleConnectorEchoes) {
  auto s = sim_setup();
  ASSERT_TRUE(s.embedder->embed(webservice_mapping()).ok());
  auto c1 = s.embedder->console(kNet, "VHost1");
  ASSERT_TRUE(c1.ok()) << c1.error().message;
  EXPECT_EQ(testing::console_roundtrip(*c1, "hello"), "[VHost1] hello");
  auto c2 = s.embedder->console(kNet, "c:vhost2");
  ASSERT_TRUE(c2.ok());
  EXPECT_EQ(testing::console_roundtrip(*c2, "uname -a"), "[VHost2] uname -a");
  // A relay can serve it as a local target (console/README.md).
  console::Target t = console::Target::local(*c1, "sim VHost1");
  EXPECT_NE(t.describe().find("sim VHost1"), std::string::npos);
  ASSERT_TRUE(s.embedder->remove(kNet).ok());
  EXPECT_EQ(s.embedder->console(kNet, "VHost1").error().code, Error::Code::kConflict);
}

// Wraps the simulation and counts how many unit calls are in flight at once.
class Counting : public EmbeddingPlugin {
 public:
  explicit Counting(std::shared_ptr<SimPlugin> sim) : sim_(std::move(sim)) {}
  std::string name() const override { return sim_->name(); }
  std::vector<flerd::TypePath> type_prefixes() const override { return sim_->type_prefixes(); }
  Status prepare(const EmbeddingUnit& u) override {
    return counted([&] { return sim_->prepare(u); });
  }
  Status apply(const EmbeddingUnit& u) override {
    return counted([&] { return sim_->apply(u); });
  }
  Status remove(const EmbeddingUnit& u) override {
    return counted([&] { return sim_->remove(u); });
  }
  Status act(const EmbeddingUnit& u, const UnitNode& n, NodeAction a) override {
    return counted([&] { return sim_->act(u, n, a); });
  }
  Result<PowerState> status(const EmbeddingUnit& u, const UnitNode& n) override {
    return sim_->status(u, n);
  }
  int max_in_flight() const { return max_.load(); }

 private:
  template <class F>
  Status counted(F&& f) {
    const int now = ++in_flight_;
    int seen = max_.load();
    while (now > seen && !max_.compare_exchange_weak(seen, now)) {
    }
    Status s = f();
    --in_flight_;
    return s;
  }
  std::shared_ptr<SimPlugin> sim_;
  std::atomic<int> in_flight_{0};
  std::atomic<int> max_{0};
};

TEST(Embedder, ParallelPhasesOverlapDelaysWithinTheBound) {
  using Clock = std::chrono::steady_clock;
  const auto delay = 80ms;
  struct Run {
    Clock::duration took;
    int units;
    int max_in_flight;
  };
  auto timed_apply = [&](std::size_t parallelism) {
    auto sim = std::make_shared<SimPlugin>();
    sim->set_delay(SimOp::kApply, delay);
    auto counting = std::make_shared<Counting>(sim);
    auto registry = std::make_shared<PluginRegistry>();
    EXPECT_TRUE(registry->add(counting).ok());
    EmbedderOptions eo;
    eo.parallelism = parallelism;
    Embedder e(registry, eo);
    EXPECT_TRUE(e.prepare(webservice_mapping()).ok());
    EXPECT_TRUE(e.confirm(kNet).ok());
    const auto t0 = Clock::now();
    EXPECT_TRUE(e.apply(kNet).ok());
    const auto took = Clock::now() - t0;
    const int units = static_cast<int>(unit_order(e).size());
    EXPECT_EQ(sim->calls(SimOp::kApply), units);
    return Run{took, units, counting->max_in_flight()};
  };
  const Run all = timed_apply(16);
  const Run two = timed_apply(2);
  const Run one = timed_apply(1);
  ASSERT_GE(all.units, 4);
  // All units at once: about one delay, far less than one delay per unit.
  EXPECT_EQ(all.max_in_flight, all.units);
  EXPECT_GE(all.took, delay);
  EXPECT_LT(all.took, delay * all.units - delay / 2) << "no overlap";
  // Never more than the bound: ceil(n / 2) rounds of two.
  EXPECT_EQ(two.max_in_flight, 2);
  EXPECT_GE(two.took, delay * ((two.units + 1) / 2));
  EXPECT_EQ(one.max_in_flight, 1);
  EXPECT_GE(one.took, delay * one.units);
}

}  // namespace
}  // namespace cloudnet::embed
