#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iterator>

#include "migration/requests.h"
#include "migration/test/helpers.h"

namespace cloudnet::migration {
namespace {

Substrate zoned(int nodes, int zones) {
  ZonedGraphParams p;
  p.nodes = nodes;
  p.zones = zones;
  auto s = zoned_erdos_renyi(p);
  EXPECT_TRUE(s.ok());
  return *s;
}

TEST(TimeZones, CurrentZoneIsRoundRobinEveryKRounds) {
  EXPECT_EQ(current_zone(0, 16, 8), 0);
  EXPECT_EQ(current_zone(15, 16, 8), 0);
  EXPECT_EQ(current_zone(16, 16, 8), 1);
  EXPECT_EQ(current_zone(16 * 8, 16, 8), 0);
}

TEST(TimeZones, OneFifthOfTheNodesRequestEachRound) {
  const Substrate s = zoned(130, 8);
  TimeZoneParams p;
  p.rounds = 50;
  auto trace = time_zone_trace(s, p);
  ASSERT_TRUE(trace.ok()) << trace.error().message;
  ASSERT_EQ(trace->size(), 50u);
  for (const Round& r : *trace) EXPECT_EQ(r.size(), 26u);
  p.requests_per_round = 7;
  trace = time_zone_trace(s, p);
  for (const Round& r : *trace) EXPECT_EQ(r.size(), 7u);
}

TEST(TimeZones, FractionPComesFromTheCurrentZone) {
  const Substrate s = zoned(80, 8);
  TimeZoneParams p;
  p.rounds = 64;
  p.zone_period = 4;
  p.p = 1.0;
  p.lambda = 1e-6;  // every request lasts exactly one round
  auto trace = time_zone_trace(s, p);
  ASSERT_TRUE(trace.ok());
  for (int t = 0; t < 64; ++t) {
    for (NodeId a : (*trace)[t]) EXPECT_EQ(s.zone[a], current_zone(t, 4, 8)) << t;
  }
  p.p = 0.5;
  trace = time_zone_trace(s, p);
  for (int t = 0; t < 64; ++t) {
    int in_zone = 0;
    for (NodeId a : (*trace)[t]) in_zone += s.zone[a] == current_zone(t, 4, 8) ? 1 : 0;
    EXPECT_GE(in_zone, 8) << t;  // round(0.5 · 16), plus uniform ones that land there
  }
}

TEST(TimeZones, SojournTimesAreExponentialWithMeanLambda) {
  // Many nodes, so a fresh request rarely lands where a leaving one was.
  const Substrate s = zoned(4000, 8);
  TimeZoneParams p;
  p.rounds = 1000;
  p.p = 0;
  p.requests_per_round = 40;
  for (double lambda : {1.0, 10.0}) {
    p.lambda = lambda;
    auto trace = time_zone_trace(s, p);
    ASSERT_TRUE(trace.ok());
    // Requests leaving per round = 40 / mean duration; mean of ceil(Exp(λ))
    // is 1 / (1 − e^{−1/λ}).
    long long fresh = 0;
    for (int t = 1; t < p.rounds; ++t) {
      // Multiset difference: requests of round t not carried over from t−1.
      std::vector<NodeId> now = (*trace)[t], before = (*trace)[t - 1], diff;
      std::set_difference(now.begin(), now.end(), before.begin(), before.end(),
                          std::back_inserter(diff));
      fresh += static_cast<long long>(diff.size());
    }
    const double mean_duration = 1.0 / (1.0 - std::exp(-1.0 / lambda));
    const double expected = 40.0 / mean_duration * (p.rounds - 1);
    // A fresh request may repeat a leaving one's node, so the difference
    // undercounts by about 1%.
    EXPECT_NEAR(fresh / expected, 1.0, 0.05) << lambda;
  }
}

TEST(TimeZones, RejectsBadParameters) {
  const Substrate s = zoned(16, 8);
  TimeZoneParams p;
  p.p = 1.5;
  EXPECT_FALSE(time_zone_trace(s, p).ok());
  p = {};
  p.lambda = 0;
  EXPECT_FALSE(time_zone_trace(s, p).ok());
  p = {};
  p.zone_period = 0;
  EXPECT_FALSE(time_zone_trace(s, p).ok());
  EXPECT_FALSE(time_zone_trace(testing::line(4), {}).ok());  // no zones
}

TEST(Trace, ReadsRoundsByNodeName) {
  const Substrate s = testing::line(4);
  auto t = parse_trace("0 3 3\n-\n\n# a comment line is no round\n2 # trailing comment\n", s);
  ASSERT_TRUE(t.ok()) << t.error().message;
  ASSERT_EQ(t->size(), 4u);
  EXPECT_EQ((*t)[0], (Round{0, 3, 3}));
  EXPECT_TRUE((*t)[1].empty());
  EXPECT_TRUE((*t)[2].empty());
  EXPECT_EQ((*t)[3], (Round{2}));
  auto again = parse_trace(format_trace(*t, s), s);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *t);
}

TEST(Trace, RejectsUnknownNodesAndNonAccessPoints) {
  Substrate s = testing::line(4);
  EXPECT_EQ(parse_trace("0 9\n", s).error().code, Error::Code::kParse);
  s.access_points = {0, 1};
  EXPECT_EQ(parse_trace("3\n", s).error().code, Error::Code::kInvalidArgument);
  EXPECT_EQ(read_trace("/nonexistent", s).error().code, Error::Code::kIo);
}

}  // namespace
}  // namespace cloudnet::migration
