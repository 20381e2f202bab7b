// Embedder::reembed: a changed mapping of an embedded VNet moves only what
// must move (PIP modify_vnet), keeps node power states, and is all or
// nothing. Second mappings come from the same problem as the fixture's
// (substrate-pip1 + request-webservice), restricted to force a change.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "embed/embedder.h"
#include "embed/test/fixture.h"

namespace cloudnet::embed {
namespace {

using testing::joined;
using testing::records;
using testing::sim_setup;
using testing::webservice_mapping;

const std::string kNet = "webservice";

// Maps the webservice request again; `edit` may change the request first,
// `restrict` the problem before solve_fast.
flerd::Document remap(const std::function<void(mapping::Problem&)>& restrict,
                      const std::function<void(flerd::Document&)>& edit = {}) {
  auto sub = flerd::read_file(CLOUDNET_SOURCE_DIR "/examples/substrate-pip1.yaml");
  auto req = flerd::read_file(CLOUDNET_SOURCE_DIR "/examples/request-webservice.yaml");
  EXPECT_TRUE(sub.ok() && req.ok());
  if (edit) edit(req.document);
  mapping::BuildInput in;
  in.substrate = &sub.document;
  in.request = &req.document;
  auto problem = mapping::build_problem(in);
  EXPECT_TRUE(problem.ok()) << (problem.ok() ? "" : problem.error().message);
  if (!problem.ok()) return {};
  if (restrict) restrict(*problem);
  auto result = mapping::solve_fast(*problem);
  EXPECT_TRUE(result.has_solution());
  return mapping::mapping_document(req.document, sub.document, *problem, result);
}

// VHost2 on s:host3: only host3 suits it, and the link may cross s:link3
// (the request's Afghanistan black list forbids it otherwise).
const flerd::Document& vhost2_on_host3() {
  static const flerd::Document doc = remap([](mapping::Problem& p) {
    const int u = p.node_index("c:vhost2");
    const int h3 = p.substrate_index("s:host3");
    ASSERT_GE(u, 0);
    ASSERT_GE(h3, 0);
    auto& suit = p.node_suitable[static_cast<std::size_t>(u)];
    for (std::size_t v = 0; v < suit.size(); ++v) suit[v] = static_cast<int>(v) == h3;
    const int l3 = p.substrate_index("s:link3");
    ASSERT_GE(l3, 0);
    for (auto& allowed : p.link_allowed) allowed[static_cast<std::size_t>(l3)] = 1;
  });
  return doc;
}

// The link asks for 200 Mbps instead of 100.
const flerd::Document& wider_link() {
  static const flerd::Document doc = remap({}, [](flerd::Document& req) {
    for (auto& t : req.topologies)
      for (auto& r : t.resources)
        if (r.id == "c:link1bw") r.value = 200;
  });
  return doc;
}

std::string host_of(const Embedder& e, const std::string& node) {
  auto units = e.units(kNet);
  EXPECT_TRUE(units.ok());
  if (units.ok())
    for (const auto& u : *units)
      if (u.node(node)) return u.substrate;
  return {};
}

std::vector<std::string> describe_all(const std::vector<EmbeddingUnit>& units) {
  std::vector<std::string> out;
  for (const auto& u : units) out.push_back(describe(u));
  return out;
}

std::set<std::string> touched(const SimPlugin& sim) {
  std::set<std::string> out;
  for (const auto& r : sim.journal()) out.insert(r.substrate);
  return out;
}

std::map<std::string, ElementState> states(const Embedder& e) {
  std::map<std::string, ElementState> out;
  auto vs = e.vnet_status(kNet);
  EXPECT_TRUE(vs.ok());
  if (vs.ok())
    for (const auto& el : vs->elements) out[el.id] = el.state;
  return out;
}

// Everything observable of the VNet at the embedder and the simulation.
struct Snapshot {
  std::vector<std::string> units;  // describe() of every unit, in order
  std::map<std::string, ElementState> states;
  std::vector<UnitPhase> phases;
  std::map<std::string, std::optional<PowerState>> power;
  std::set<std::string> applied;
  std::size_t live = 0;

  bool operator==(const Snapshot&) const = default;
};

Snapshot snapshot(const Embedder& e, const SimPlugin& sim) {
  Snapshot s;
  auto units = e.units(kNet);
  EXPECT_TRUE(units.ok());
  if (units.ok()) {
    s.units = describe_all(*units);
    for (const auto& u : *units)
      if (sim.applied(kNet, u.substrate)) s.applied.insert(u.substrate);
  }
  s.states = states(e);
  auto vs = e.vnet_status(kNet);
  if (vs.ok())
    for (const auto& u : vs->units) s.phases.push_back(u.phase);
  for (const char* n : {"c:vhost1", "c:vhost2"}) s.power[n] = sim.power(kNet, n);
  s.live = sim.live_units();
  return s;
}

TEST(SameEmbedding, IgnoresOrderAndMlIdsButNotContent) {
  auto units = build_units(webservice_mapping());
  ASSERT_TRUE(units.ok());
  EmbeddingUnit host;
  for (const auto& u : *units)
    if (u.node("c:vhost1")) host = u;
  ASSERT_FALSE(host.nodes.empty());
  EmbeddingUnit other = host;
  other.mapping.reset();
  other.nodes[0].ml_id = "ml:renamed";
  for (auto& a : other.nodes[0].allocations) a.ml_resource += ".1";
  std::reverse(other.nodes[0].allocations.begin(), other.nodes[0].allocations.end());
  EXPECT_TRUE(same_embedding(host, other));
  other.nodes[0].allocations[0].substrate_amount += 1;
  EXPECT_FALSE(same_embedding(host, other));
  other = host;
  ASSERT_FALSE(other.segments.empty());
  other.segments[0].adjacent.push_back("s:elsewhere");
  EXPECT_FALSE(same_embedding(host, other));
  other = host;
  other.nodes[0].interfaces.push_back("eth1");
  EXPECT_FALSE(same_embedding(host, other));
}

TEST(Reembed, IdenticalMappingCallsNoPlugin) {
  auto s = sim_setup();
  ASSERT_TRUE(s.embedder->embed(webservice_mapping()).ok());
  ASSERT_TRUE(s.embedder->node_action(kNet, "VHost1", NodeAction::kStart).ok());
  const Snapshot before = snapshot(*s.embedder, *s.sim);
  const auto history = s.embedder->history(kNet)->size();
  s.sim->clear_journal();
  s.sim->reset_counts();
  // The same document, and the same request mapped again (a new document).
  auto same = s.embedder->reembed(kNet, webservice_mapping());
  ASSERT_TRUE(same.ok()) << same.error().message;
  auto again = s.embedder->reembed(kNet, remap({}));
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_TRUE(s.sim->journal().empty()) << joined(s.sim->journal_text());
  for (SimOp op : {SimOp::kPrepare, SimOp::kApply, SimOp::kRemove, SimOp::kStart, SimOp::kStatus})
    EXPECT_EQ(s.sim->calls(op), 0) << to_string(op);
  EXPECT_EQ(snapshot(*s.embedder, *s.sim), before);
  EXPECT_EQ(s.embedder->history(kNet)->size(), history);
}

TEST(Reembed, MovedNodeTouchesOnlyItsHostsAndChangedSegments) {
  auto s = sim_setup();
  ASSERT_TRUE(s.embedder->embed(webservice_mapping()).ok());
  const std::string old_host = host_of(*s.embedder, "c:vhost2");
  ASSERT_EQ(old_host, "s:host2");
  const auto old_units = *s.embedder->units(kNet);
  const std::size_t embedded = s.embedder->history(kNet)->size();
  s.sim->clear_journal();

  auto st = s.embedder->reembed(kNet, vhost2_on_host3());
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(host_of(*s.embedder, "c:vhost2"), "s:host3");
  EXPECT_EQ(host_of(*s.embedder, "c:vhost1"), "s:host1");
  // host2 and link2 go, host3 and link3 come, the router's segment now
  // points to link3; host1 and link1 carry the same as before.
  EXPECT_EQ(touched(*s.sim),
            (std::set<std::string>{"s:host2", "s:host3", "s:link2", "s:link3", "s:router"}))
      << joined(s.sim->journal_text());
  const std::string text = joined(s.sim->journal_text());
  EXPECT_NE(text.find("ok: remove webservice on s:host2"), std::string::npos) << text;
  EXPECT_NE(text.find("ok: apply webservice on s:host3"), std::string::npos) << text;
  EXPECT_EQ(text.find("FAILED"), std::string::npos) << text;
  EXPECT_FALSE(s.sim->prepared(kNet, "s:host2"));
  EXPECT_FALSE(s.sim->prepared(kNet, "s:link2"));
  for (const char* sub : {"s:host1", "s:host3", "s:router", "s:link1", "s:link3"})
    EXPECT_TRUE(s.sim->applied(kNet, sub)) << sub;
  EXPECT_EQ(s.sim->live_units(), 5u);

  // Untouched units are the very units applied before (same document).
  auto units = *s.embedder->units(kNet);
  for (const auto& u : units)
    if (u.substrate == "s:host1" || u.substrate == "s:link1") {
      bool found = false;
      for (const auto& o : old_units)
        if (o.substrate == u.substrate) found = o.mapping == u.mapping;
      EXPECT_TRUE(found) << u.substrate;
    }
  for (const auto& u : st->units) EXPECT_EQ(u.phase, UnitPhase::kApplied) << u.substrate;
  for (const auto& e : st->elements)
    EXPECT_EQ(e.state, e.is_node ? ElementState::kStopped : ElementState::kRunning) << e.id;
  // The move is in the history; VHost1 was not touched.
  auto h = s.embedder->history(kNet);
  ASSERT_TRUE(h.ok());
  bool moved = false;
  ASSERT_GT(h->size(), embedded);
  for (std::size_t i = embedded; i < h->size(); ++i) {
    const Transition& t = (*h)[i];
    EXPECT_NE(t.element, "c:vhost1") << t.reason;
    moved = moved || (t.element == "c:vhost2" && t.from == ElementState::kProvisioning &&
                      t.to == ElementState::kStopped &&
                      t.reason == "reembed: moved from s:host2 to s:host3");
  }
  EXPECT_TRUE(moved);

  // And back again: the same five units in the other direction.
  s.sim->clear_journal();
  auto back = s.embedder->reembed(kNet, webservice_mapping());
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(touched(*s.sim),
            (std::set<std::string>{"s:host2", "s:host3", "s:link2", "s:link3", "s:router"}));
  EXPECT_EQ(describe_all(*s.embedder->units(kNet)), describe_all(old_units));
}

TEST(Reembed, RunningNodesStayRunningAndMovedOnesRunAgain) {
  auto s = sim_setup();
  ASSERT_TRUE(s.embedder->embed(webservice_mapping()).ok());
  ASSERT_TRUE(s.embedder->vnet_action(kNet, NodeAction::kStart).ok());
  s.sim->clear_journal();
  auto st = s.embedder->reembed(kNet, vhost2_on_host3());
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_TRUE(st->running);
  EXPECT_EQ(st->element("c:vhost2")->state, ElementState::kRunning);
  EXPECT_EQ(s.sim->power(kNet, "c:vhost2"), PowerState::kRunning);
  EXPECT_EQ(s.sim->power(kNet, "c:vhost1"), PowerState::kRunning);
  // Started on host3 before host2 went (make before break); VHost1 never
  // stopped.
  const auto j = s.sim->journal();
  std::vector<std::string> node_ops;
  std::size_t start_at = 0, remove_at = 0;
  for (std::size_t i = 0; i < j.size(); ++i) {
    if (!j[i].node.empty()) node_ops.push_back(std::string(to_string(j[i].op)) + " " + j[i].node);
    if (j[i].op == SimOp::kStart) start_at = i;
    if (j[i].op == SimOp::kRemove && j[i].substrate == "s:host2") remove_at = i;
  }
  EXPECT_EQ(node_ops, (std::vector<std::string>{"start c:vhost2"}));
  EXPECT_LT(start_at, remove_at);
  auto status = s.embedder->node_status(kNet, "VHost2");
  ASSERT_TRUE(status.ok());
  EXPECT_TRUE(status->running());
  EXPECT_EQ(status->substrate, (std::vector<std::string>{"s:host3"}));
  // The console follows the node.
  auto c = s.embedder->console(kNet, "VHost2");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(testing::console_roundtrip(*c, "hi"), "[VHost2] hi");
}

TEST(Reembed, SuspendedNodeEndsSuspended) {
  auto s = sim_setup();
  ASSERT_TRUE(s.embedder->embed(webservice_mapping()).ok());
  ASSERT_TRUE(s.embedder->node_action(kNet, "VHost2", NodeAction::kStart).ok());
  ASSERT_TRUE(s.embedder->node_action(kNet, "VHost2", NodeAction::kSuspend).ok());
  auto st = s.embedder->reembed(kNet, vhost2_on_host3());
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(st->element("c:vhost2")->state, ElementState::kSuspended);
  EXPECT_EQ(s.sim->power(kNet, "c:vhost2"), PowerState::kSuspended);
  EXPECT_EQ(st->element("c:vhost1")->state, ElementState::kStopped);
}

TEST(Reembed, BandwidthChangeTouchesOnlyTheLinkUnits) {
  auto s = sim_setup();
  ASSERT_TRUE(s.embedder->embed(webservice_mapping()).ok());
  ASSERT_TRUE(s.embedder->vnet_action(kNet, NodeAction::kStart).ok());
  s.sim->clear_journal();
  auto st = s.embedder->reembed(kNet, wider_link());
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(touched(*s.sim), (std::set<std::string>{"s:link1", "s:link2"}))
      << joined(s.sim->journal_text());
  // An update: the default remove, prepare, apply of each unit; no node call.
  std::vector<std::string> ops;
  for (const auto& r : s.sim->journal())
    ops.push_back(std::string(to_string(r.op)) + " " + r.substrate);
  EXPECT_EQ(ops, (std::vector<std::string>{"remove s:link1", "prepare s:link1", "apply s:link1",
                                           "remove s:link2", "prepare s:link2", "apply s:link2"}));
  EXPECT_NE(joined(s.sim->journal_text()).find("segment c:link1 [symmetric/bandwidth 200 Mbps"),
            std::string::npos);
  EXPECT_TRUE(st->running);
  auto h = s.embedder->history(kNet);
  ASSERT_TRUE(h.ok());
  std::vector<std::string> link;
  for (const auto& t : *h)
    if (t.element == "c:link1") link.push_back(std::string(to_string(t.to)));
  EXPECT_EQ(link, (std::vector<std::string>{"confirmed", "provisioning", "running", "provisioning",
                                            "running"}));
}

// A failure anywhere in the re-embedding restores the old embedding exactly.
struct Injected {
  SimOp op;
  const char* element;  // fail_element, or null: the nth call of op
  int nth;
  const char* phase;  // as the error names it
  const char* where;  // the substrate element it names
};

TEST(Reembed, FailureRestoresTheOldEmbeddingExactly) {
  const Injected cases[] = {
      {SimOp::kPrepare, "s:host3", 0, "prepare", "s:host3"},
      {SimOp::kApply, "s:link3", 0, "apply", "s:link3"},
      // host3 and link3 are applied first; the router's update applies third
      // (only once: its revert applies it again).
      {SimOp::kApply, nullptr, 3, "update", "s:router"},
      {SimOp::kStart, "c:vhost2", 0, "start of node 'c:vhost2'", "s:host3"},
      {SimOp::kRemove, "s:host2", 0, "remove", "s:host2"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(to_string(c.op)) + " on " + c.where);
    auto s = sim_setup();
    ASSERT_TRUE(s.embedder->embed(webservice_mapping()).ok());
    ASSERT_TRUE(s.embedder->node_action(kNet, "VHost1", NodeAction::kStart).ok());
    ASSERT_TRUE(s.embedder->node_action(kNet, "VHost2", NodeAction::kStart).ok());
    const Snapshot before = snapshot(*s.embedder, *s.sim);
    s.sim->clear_journal();
    s.sim->reset_counts();
    if (c.element)
      s.sim->fail_element(c.op, c.element, "injected");
    else
      s.sim->fail_nth(c.op, c.nth, "injected");

    auto st = s.embedder->reembed(kNet, vhost2_on_host3());
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, Error::Code::kUnavailable);
    const std::string& msg = st.error().message;
    EXPECT_NE(msg.find("reembed of vnet 'webservice': " + std::string(c.phase) +
                       " failed on substrate element '" + c.where + "'"),
              std::string::npos)
        << msg;
    EXPECT_NE(msg.find("by plugin 'sim': injected"), std::string::npos) << msg;
    EXPECT_NE(msg.find("; rolled back: "), std::string::npos) << msg;

    s.sim->clear_failures();
    EXPECT_EQ(snapshot(*s.embedder, *s.sim), before) << joined(s.sim->journal_text());
    // Nothing of the new embedding is left at the simulation.
    EXPECT_FALSE(s.sim->prepared(kNet, "s:host3"));
    EXPECT_FALSE(s.sim->prepared(kNet, "s:link3"));
    auto vs = s.embedder->vnet_status(kNet);
    ASSERT_TRUE(vs.ok());
    EXPECT_EQ(vs->error, msg);
    EXPECT_TRUE(vs->running);

    // Compensation in the journal: whatever was added is removed again.
    const std::string text = joined(s.sim->journal_text());
    EXPECT_NE(text.find("FAILED: "), std::string::npos) << text;
    for (const auto& r : s.sim->journal())
      if (r.ok && r.op == SimOp::kApply && r.substrate == "s:host3") {
        EXPECT_NE(text.find("ok: remove webservice on s:host3"), std::string::npos) << text;
      }
    // The history shows the attempt and its end.
    auto h = s.embedder->history(kNet);
    ASSERT_TRUE(h.ok());
    std::vector<std::string> vhost2;
    for (const auto& t : *h)
      if (t.element == "c:vhost2") vhost2.push_back(std::string(to_string(t.to)));
    EXPECT_EQ(vhost2, (std::vector<std::string>{"confirmed", "provisioning", "stopped", "running",
                                                "provisioning", "running"}));

    // And the VNet can still move.
    auto retry = s.embedder->reembed(kNet, vhost2_on_host3());
    ASSERT_TRUE(retry.ok()) << retry.error().message;
    EXPECT_EQ(s.sim->power(kNet, "c:vhost2"), PowerState::kRunning);
  }
}

TEST(Reembed, RemoveFailureIsUndoneByReapplying) {
  auto s = sim_setup();
  ASSERT_TRUE(s.embedder->embed(webservice_mapping()).ok());
  ASSERT_TRUE(s.embedder->vnet_action(kNet, NodeAction::kStart).ok());
  s.sim->clear_journal();
  // link2 goes first (last unit first), then host2 fails: link2 comes back.
  s.sim->fail_element(SimOp::kRemove, "s:host2");
  auto st = s.embedder->reembed(kNet, vhost2_on_host3());
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("re-applied 2 units"), std::string::npos) << st.error().message;
  std::vector<std::string> tail;
  bool after_failure = false;
  for (const auto& r : s.sim->journal()) {
    if (!r.ok) after_failure = true;
    if (after_failure && r.ok)
      tail.push_back(std::string(to_string(r.op)) + " " + r.substrate + " " + r.node);
  }
  // Router back (update), link2 and host2 again, VHost2 already runs on
  // host2 (its remove failed) so no start, then the added units go.
  EXPECT_EQ(tail,
            (std::vector<std::string>{"remove s:router ", "prepare s:router ", "apply s:router ",
                                      "prepare s:host2 ", "apply s:host2 ", "prepare s:link2 ",
                                      "apply s:link2 ", "remove s:link3 ", "remove s:host3 "}))
      << joined(s.sim->journal_text());
}

TEST(Reembed, RandomFailuresInParallelLeaveOldOrNewOrARemovableRest) {
  // Whatever fails where (compensations too), the VNet ends on the new
  // mapping, exactly on the old one, or says the rollback is incomplete and
  // a remove cleans up everything.
  int outcomes[3] = {0, 0, 0};
  for (std::uint64_t seed = 1; seed <= 30; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    auto s = sim_setup(seed % 3 + 1);
    ASSERT_TRUE(s.embedder->embed(webservice_mapping()).ok());
    ASSERT_TRUE(s.embedder->vnet_action(kNet, NodeAction::kStart).ok());
    const Snapshot before = snapshot(*s.embedder, *s.sim);
    s.sim->fail_randomly(SimOp::kPrepare, 0.1, seed);
    s.sim->fail_randomly(SimOp::kApply, 0.1, seed * 7);
    s.sim->fail_randomly(SimOp::kRemove, 0.1, seed * 13);
    s.sim->fail_randomly(SimOp::kStart, 0.1, seed * 17);
    auto st = s.embedder->reembed(kNet, vhost2_on_host3());
    s.sim->clear_failures();
    if (st.ok()) {
      ++outcomes[0];
      EXPECT_EQ(host_of(*s.embedder, "c:vhost2"), "s:host3");
      EXPECT_TRUE(st->running);
      EXPECT_EQ(s.sim->live_units(), 5u);
      EXPECT_FALSE(s.sim->prepared(kNet, "s:host2"));
      EXPECT_EQ(s.sim->power(kNet, "c:vhost2"), PowerState::kRunning);
      continue;
    }
    if (st.error().message.find("rollback incomplete") == std::string::npos) {
      ++outcomes[1];
      EXPECT_EQ(snapshot(*s.embedder, *s.sim), before) << st.error().message;
      continue;
    }
    ++outcomes[2];
    // What is left is failed somewhere: no second re-embedding on top of it.
    EXPECT_EQ(s.embedder->reembed(kNet, vhost2_on_host3()).error().code, Error::Code::kConflict);
    auto removed = s.embedder->remove(kNet);
    ASSERT_TRUE(removed.ok()) << removed.error().message;
    EXPECT_EQ(s.sim->live_units(), 0u) << st.error().message;
    EXPECT_EQ(removed->state, ElementState::kDeleted);
  }
  EXPECT_GT(outcomes[0], 0);
  EXPECT_GT(outcomes[1], 0);
}

TEST(Reembed, RefusesWhatItCannotDo) {
  auto s = sim_setup();
  EXPECT_EQ(s.embedder->reembed(kNet, webservice_mapping()).error().code, Error::Code::kNotFound);
  ASSERT_TRUE(s.embedder->prepare(webservice_mapping()).ok());
  auto tentative = s.embedder->reembed(kNet, vhost2_on_host3());
  ASSERT_FALSE(tentative.ok());
  EXPECT_EQ(tentative.error().code, Error::Code::kConflict);
  EXPECT_NE(tentative.error().message.find("is tentative"), std::string::npos);
  ASSERT_TRUE(s.embedder->confirm(kNet).ok());
  ASSERT_TRUE(s.embedder->apply(kNet).ok());
  UnitOptions other;
  other.net = "other";
  auto wrong = s.embedder->reembed(kNet, vhost2_on_host3(), other);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, Error::Code::kInvalidArgument);
  ASSERT_TRUE(s.embedder->remove(kNet).ok());
  EXPECT_EQ(s.embedder->reembed(kNet, vhost2_on_host3()).error().code, Error::Code::kConflict);
}

}  // namespace
}  // namespace cloudnet::embed
