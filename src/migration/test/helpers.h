// Small substrates and cost models for the migration tests.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "migration/cost_model.h"
#include "migration/policy.h"
#include "migration/substrate.h"

namespace cloudnet::migration::testing {

// A path 0-1-...-(n-1) with the given link latency and bandwidth.
inline Substrate line(int n, double latency = 1.0, double bandwidth = 1.0) {
  Substrate s;
  for (int i = 0; i < n; ++i) add_node(s, std::to_string(i));
  for (int i = 0; i + 1 < n; ++i) s.links.push_back({i, i + 1, latency, bandwidth});
  return s;
}

// Two PIPs, each a path of `per_pip` nodes, joined end to start by one link:
// PIP 0 = 0..per_pip-1, PIP 1 = per_pip..2·per_pip-1, all latencies 1.
inline Substrate two_pips(int per_pip) {
  Substrate s = line(2 * per_pip);
  for (int i = 0; i < 2 * per_pip; ++i) {
    s.pip[i] = i < per_pip ? 0 : 1;
    s.zone[i] = s.pip[i];
  }
  return s;
}

// Constant migration cost β (override), π = x·β.
inline std::shared_ptr<const CostModel> costs(Substrate s, double beta, double x = 0) {
  CostParams p;
  p.beta = beta;
  p.pi_factor = x;
  auto model = CostModel::build(std::move(s), p);
  EXPECT_TRUE(model.ok()) << (model.ok() ? "" : model.error().message);
  return *model;
}

inline Instance instance(std::shared_ptr<const CostModel> c, NodeId start, int zone_period = 0) {
  return Instance{std::move(c), start, zone_period};
}

// n requests at node a.
inline Round at(NodeId a, int n = 1) {
  return Round(static_cast<std::size_t>(n), a);
}

}  // namespace cloudnet::migration::testing
