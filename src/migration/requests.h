// Request models: the time-zone scenario of thesis 7.5.1 and request
// sequences read from a file (a trace).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"
#include "migration/cost_model.h"
#include "migration/substrate.h"

namespace cloudnet::migration {

// thesis 7.5.1: a current zone chosen round-robin every k rounds; new
// requests come from the current zone until it holds a fraction p of all
// requests, the rest from uniformly random access points; each request stays
// for an exponentially distributed sojourn time with mean λ rounds.
struct TimeZoneParams {
  int rounds = 400;            // thesis 7.5.2: 400 turns
  int zone_period = 16;        // k, thesis 7.5.1
  double p = 0.6;              // request correlation
  double lambda = 1.0;         // mean sojourn time in rounds
  int requests_per_round = 0;  // 0: one fifth of the nodes (thesis 7.5.2)
  std::uint64_t seed = 1;
};

// The current zone of round t.
int current_zone(int round, int zone_period, int zones);

// Needs a substrate whose access points all have a zone.
Result<Trace> time_zone_trace(const Substrate& substrate, const TimeZoneParams& params);

// Trace files: one line per round listing the access points of its requests
// by node name, separated by blanks; a line "-" or an empty line is a round
// without requests; '#' starts a comment.
Result<Trace> parse_trace(std::string_view text, const Substrate& substrate);
Result<Trace> read_trace(const std::string& path, const Substrate& substrate);
std::string format_trace(const Trace& trace, const Substrate& substrate);

}  // namespace cloudnet::migration
