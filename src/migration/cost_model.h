// The cost model of thesis 7.1.1 with every all-pairs quantity precomputed:
// access cost from path latency (plus an optional server-load term),
// migration cost from server size over migration bandwidth plus π per
// crossed PIP border, and running costs of multi-server configurations.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "common/result.h"
#include "migration/substrate.h"

namespace cloudnet::migration {

// σ_t: the multi-set of access points of the requests of one round.
using Round = std::vector<NodeId>;
// σ_0, σ_1, ...: a request sequence.
using Trace = std::vector<Round>;

// Where the servers of a service are (thesis Definition 7.4.1). A single
// server is one active node; ONCONF also uses inactive servers. Both lists
// are sorted and disjoint (at most one server per node).
struct Placement {
  std::vector<NodeId> active;
  std::vector<NodeId> inactive;

  static Placement single(NodeId v) { return {{v}, {}}; }
  // The (first) active server; -1 if there is none.
  NodeId server() const { return active.empty() ? -1 : active.front(); }
  int servers() const { return static_cast<int>(active.size() + inactive.size()); }
  bool operator==(const Placement&) const = default;
};

enum class MigrationCostMode {
  // thesis 7.5.2: β = server size / mean link bandwidth for every migration.
  kConstant,
  // thesis 7.1.1: size / ω(p_m), with p_m the migration path of largest
  // bottleneck bandwidth between source and destination.
  kBottleneck,
};

struct CostParams {
  double server_size_mb = 2048;  // size(s), thesis 7.5.2
  MigrationCostMode mode = MigrationCostMode::kConstant;
  double beta = 0;       // > 0 overrides the β derived from size and bandwidths
  double pi_factor = 3;  // x = π / β, thesis 7.5.2; π is paid per crossed PIP border
  // f(delay, load) = delay + load_weight · η(v, t) / ω(v) per request, where
  // η is the number of requests the server answers (thesis 7.1.1); 0 = latency only.
  double load_weight = 0;
  // Running costs of thesis 7.1.1 (per server and round) and creation cost c.
  double active_cost = 0;    // C_a
  double inactive_cost = 0;  // C_i
  double creation_cost = 0;  // c, paid when a server not in use is started
};

class CostModel {
 public:
  // Precomputes all-pairs latencies, migration costs and PIP-border counts:
  // O(n·m·log n) for the latencies and bandwidths, O(n²) memory.
  static Result<std::shared_ptr<const CostModel>> build(Substrate substrate,
                                                        const CostParams& params);

  const Substrate& substrate() const { return substrate_; }
  const CostParams& params() const { return params_; }
  int num_nodes() const { return n_; }

  // Shortest-path latency d(a, b).
  double distance(NodeId a, NodeId b) const { return dist_[index(a, b)]; }
  // Cost_mig(from, to): 0 if from == to.
  double migration(NodeId from, NodeId to) const { return mig_[index(from, to)]; }
  // Number of PIP borders a migration from a to b crosses at least.
  int pip_borders(NodeId a, NodeId b) const {
    return pip_hops_[substrate_.pip[a]][substrate_.pip[b]];
  }
  // β for the online thresholds: the constant β, or size / min_e ω(e) with
  // per-path bandwidths (thesis Theorems 7.2.2 and 7.2.7).
  double beta() const { return beta_; }
  // π = x·β, the transit cost per crossed PIP border (thesis 7.2.1.2).
  double pi() const { return pi_; }
  // Largest number of PIP borders on a shortest migration path (Δ).
  int pip_diameter() const;

  // Cost_acc of one round with a single server at v.
  double access(const Round& round, NodeId v) const;
  // Cost_acc with requests routed to the closest active server; infinite if
  // there is no active server and the round has requests.
  double access(const Round& round, const Placement& placement) const;
  // Adds the single-server access cost of the round at every node to
  // counters (size n): the counter update of MIX and CEN in O(n·|σ_t|).
  void add_access(const Round& round, std::vector<double>& counters) const;
  // Cost_run of one round.
  double running(const Placement& placement) const;
  // Cost of changing configurations: released servers migrate to new
  // locations (cheapest matching), further new locations are created at cost
  // c; activating, deactivating and releasing are free (thesis 7.1.1). For a
  // single server this is Cost_mig(from, to).
  double transition(const Placement& from, const Placement& to) const;
  // Server moves and creations in a transition: the locations in use after
  // it that were not in use before.
  static int transition_moves(const Placement& from, const Placement& to);

 private:
  CostModel() = default;
  std::size_t index(NodeId a, NodeId b) const {
    return static_cast<std::size_t>(a) * static_cast<std::size_t>(n_) + static_cast<std::size_t>(b);
  }

  Substrate substrate_;
  CostParams params_;
  int n_ = 0;
  std::vector<double> dist_;
  std::vector<double> mig_;
  std::vector<std::vector<int>> pip_hops_;
  double beta_ = 0;
  double pi_ = 0;
};

// The 1-median of the substrate: the node with the smallest latency sum to
// all access points (thesis 7.5.2/7.5.3: "centre of the weighted graph",
// start of all algorithms and location of STAT).
NodeId weighted_center(const CostModel& costs);

}  // namespace cloudnet::migration
