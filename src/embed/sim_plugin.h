// The simulation plugin (thesis 8.2.1: "In order to test the mapping process,
// we provide a simulation mode. For the simulation mode, the embedding
// functionality is replaced by NoOps using the corresponding plugin. The
// latter is also used by PIPs to handle components mapped to remote
// providers.")
//
// Every operation is a no-op on the outside world that appends a record of
// what would have been done to an inspectable journal. The plugin keeps the
// state a real substrate would (units prepared and applied, each node's
// power state) and refuses what a real one would (apply before prepare, a
// start of a running node), so protocol errors of its callers show up in
// tests. For tests of the callers: per-operation delays and injected
// failures (the Nth call of an operation, every call on a given element,
// or calls at random with probability p from a seed). Consoles are a
// console::LineEcho service: each node's connector echoes lines prefixed
// with the node's name.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "console/echo.h"
#include "embed/plugin.h"

namespace cloudnet::embed {

// Every plugin call, for delays, failures and counting.
enum class SimOp {
  kPrepare,
  kApply,
  kRemove,
  kStart,
  kStop,
  kSuspend,
  kResume,
  kPowercycle,
  kStatus,
  kConsole,
};
const char* to_string(SimOp op);
SimOp sim_op(NodeAction action);

struct SimOptions {
  std::string name = "sim";
  // The simulation takes every substrate element by default.
  std::vector<std::string> type_prefixes = {"/node", "/link"};
  std::map<SimOp, std::chrono::milliseconds> delays;
};

// One journal entry: what the plugin did (or refused, ok == false).
struct SimRecord {
  std::uint64_t seq = 0;  // 1, 2, ... in the order the calls completed
  SimOp op = SimOp::kPrepare;
  std::string net;
  std::string substrate;  // the unit's substrate element
  std::string node;       // for node operations
  bool ok = true;
  std::string error;  // why it failed (injected failure or refusal)
  // e.g. "apply webservice on s:host1 (/node/host/server): node c:vhost1
  // [CPU 2 cores, RAM/real 1 GB]" or "start node c:vhost1 on s:host1".
  std::string text;
};

class SimPlugin final : public EmbeddingPlugin {
 public:
  explicit SimPlugin(SimOptions options = {});
  ~SimPlugin() override;
  SimPlugin(const SimPlugin&) = delete;
  SimPlugin& operator=(const SimPlugin&) = delete;

  std::string name() const override;
  std::vector<flerd::TypePath> type_prefixes() const override;
  Status prepare(const EmbeddingUnit& unit) override;
  Status apply(const EmbeddingUnit& unit) override;
  Status remove(const EmbeddingUnit& unit) override;
  Status act(const EmbeddingUnit& unit, const UnitNode& node, NodeAction action) override;
  Result<PowerState> status(const EmbeddingUnit& unit, const UnitNode& node) override;
  Result<console::Connector> console(const EmbeddingUnit& unit, const UnitNode& node) override;

  // --- test controls (thread-safe; take effect for the next call) ---
  void set_delay(SimOp op, std::chrono::milliseconds delay);
  // The n-th call (1-based, counted since construction or reset_counts())
  // of `op` fails with kUnavailable.
  void fail_nth(SimOp op, int n, std::string message = {});
  // Every call of `op` on `element` (a substrate element id, or for node
  // operations also a virtual node id) fails.
  void fail_element(SimOp op, std::string element, std::string message = {});
  // Each call of `op` fails with probability p, drawn from a generator
  // seeded with `seed` (reproducible when calls come in a fixed order).
  void fail_randomly(SimOp op, double p, std::uint64_t seed);
  void clear_failures();
  void reset_counts();

  // --- inspection ---
  std::vector<SimRecord> journal() const;
  std::vector<std::string> journal_text() const;  // "ok: ..." / "FAILED: ..." lines
  void clear_journal();
  int calls(SimOp op) const;
  bool prepared(const std::string& net, const std::string& substrate) const;
  bool applied(const std::string& net, const std::string& substrate) const;
  // Units prepared or applied and not removed (0 after a clean rollback).
  std::size_t live_units() const;
  // The node's power state on whichever unit holds it (during a migration
  // it may be applied on two; then the running one, else the first).
  std::optional<PowerState> power(const std::string& net, const std::string& node) const;

 private:
  struct UnitState {
    bool applied = false;
    // Per node of the unit once applied: a node moving between substrate
    // elements (Embedder::reembed) is briefly on two units.
    std::map<std::string, PowerState> power;
  };
  struct Rule {
    SimOp op;
    int nth = 0;          // > 0: the nth call
    std::string element;  // non-empty: calls on this element
    double probability = 0;
    std::string message;
  };

  // Counts the call, sleeps its delay and decides on an injected failure.
  std::optional<Error> begin(SimOp op, const EmbeddingUnit& unit, const UnitNode* node);
  // The node's power state on this unit, if the unit is applied; mu_ held.
  PowerState* find_power(const EmbeddingUnit& unit, const UnitNode& node);
  // Appends a journal record; mu_ must be held. Returns `result`.
  Status append(SimOp op, const EmbeddingUnit& unit, const UnitNode* node, std::string text,
                Status result);

  const SimOptions options_;
  mutable std::mutex mu_;
  std::map<SimOp, std::chrono::milliseconds> delays_;
  std::map<SimOp, int> counts_;
  std::vector<Rule> rules_;
  std::map<SimOp, std::mt19937_64> rngs_;
  std::vector<SimRecord> journal_;
  std::uint64_t seq_ = 0;
  std::map<std::string, UnitState> units_;   // unit key -> state
  std::unique_ptr<console::LineEcho> echo_;  // started on first console()
};

}  // namespace cloudnet::embed
