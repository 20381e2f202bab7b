// The one interface every migration algorithm of thesis ch. 7 implements, so
// a simulator or a live controller can drive any of them by name.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "common/result.h"
#include "migration/cost_model.h"

namespace cloudnet::migration {

// What a policy is run on: the costs (substrate included) and where the
// server starts.
struct Instance {
  std::shared_ptr<const CostModel> costs;
  NodeId start = 0;     // thesis 7.5.2: all algorithms start at the weighted centre
  int zone_period = 0;  // k of the time-zone scenario, if known (TIMM needs it)
};

// Tuning of the online algorithms; defaults follow thesis 7.5.2.
struct PolicyParams {
  double c = 1.0;          // weighting factor: migrate when C(current) >= c·β
  double phi = 0.5;        // φ: nodes with C(v) < τ = φ·c·β are active
  double phi_prime = 0.5;  // φ': PIP/node activity over large epochs (MIX_k, CEN_k)
  int servers = 2;         // k, the maximal number of servers of ONCONF
  std::uint64_t seed = 1;  // randomised policies (MIX, MIX_k, TIMM, ONCONF)
  std::size_t max_configurations = 100000;  // ONCONF state-space limit
};

class Policy {
 public:
  virtual ~Policy() = default;
  // The registry name, e.g. "cen".
  virtual std::string_view name() const = 0;
  // Starts over on an instance: counters, epochs and phases cleared, the
  // server at instance.start. Fails if the policy cannot run on it.
  virtual Status reset(const Instance& instance) = 0;
  // Offline policies (OPT) see the whole request sequence before round 0.
  virtual bool offline() const { return false; }
  virtual Status plan(const Trace& trace);
  // Where the servers are during round 0 (an offline policy may migrate
  // before it; online ones are at the start).
  virtual Placement initial() const = 0;
  // Called after the requests of a round were served at the current
  // placement: updates the policy's state and returns the placement for
  // the next round (different from the current one = a migration).
  virtual Placement decide(const Round& served) = 0;
};

}  // namespace cloudnet::migration
