#include "migration/requests.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <random>
#include <sstream>

namespace cloudnet::migration {

int current_zone(int round, int zone_period, int zones) {
  return zones <= 0 || zone_period <= 0 ? 0 : (round / zone_period) % zones;
}

Result<Trace> time_zone_trace(const Substrate& s, const TimeZoneParams& params) {
  if (params.rounds < 0) return Error::invalid("rounds must be >= 0");
  if (params.zone_period < 1) return Error::invalid("zone period k must be >= 1");
  if (!(params.p >= 0 && params.p <= 1)) return Error::invalid("p must be in [0, 1]");
  if (!(params.lambda > 0)) return Error::invalid("lambda must be > 0");
  if (params.requests_per_round < 0) return Error::invalid("requests per round must be >= 0");
  const int zones = s.num_zones();
  if (zones == 0) return Error::invalid("the time-zone scenario needs a substrate with zones");
  std::vector<std::vector<NodeId>> zone_aps(zones);
  for (NodeId a : s.access_points) {
    if (s.zone[a] < 0) return Error::invalid("access point '" + s.names[a] + "' has no zone");
    zone_aps[s.zone[a]].push_back(a);
  }
  const int total =
      params.requests_per_round > 0 ? params.requests_per_round : std::max(1, s.num_nodes() / 5);
  // Zones without access points cannot host the current-zone share.
  const int target_zone_share = static_cast<int>(std::lround(params.p * total));

  std::mt19937_64 rng(params.seed);
  std::exponential_distribution<double> sojourn(1.0 / params.lambda);
  struct Request {
    NodeId at;
    int until;  // first round without this request
  };
  std::vector<Request> live;
  Trace trace(params.rounds);
  for (int t = 0; t < params.rounds; ++t) {
    std::erase_if(live, [t](const Request& r) { return r.until <= t; });
    const int z = current_zone(t, params.zone_period, zones);
    const auto& here = zone_aps[z];
    int in_zone = static_cast<int>(std::count_if(
        live.begin(), live.end(), [&](const Request& r) { return s.zone[r.at] == z; }));
    auto add = [&](const std::vector<NodeId>& from) {
      std::uniform_int_distribution<std::size_t> pick(0, from.size() - 1);
      // Sojourn rounded up: every request lasts at least the round it arrives in.
      const int duration = std::max(1, static_cast<int>(std::ceil(sojourn(rng))));
      live.push_back({from[pick(rng)], t + duration});
    };
    while (static_cast<int>(live.size()) < total && in_zone < target_zone_share && !here.empty()) {
      add(here);
      ++in_zone;
    }
    while (static_cast<int>(live.size()) < total) add(s.access_points);
    Round& round = trace[t];
    for (const Request& r : live) round.push_back(r.at);
    std::sort(round.begin(), round.end());
  }
  return trace;
}

Result<Trace> parse_trace(std::string_view text, const Substrate& s) {
  std::vector<bool> is_ap(s.num_nodes(), false);
  for (NodeId a : s.access_points) is_ap[a] = true;
  Trace trace;
  std::istringstream in{std::string(text)};
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (auto hash = line.find('#'); hash != std::string::npos) {
      line.resize(hash);
      // A line holding only a comment is no round.
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    }
    std::istringstream fields(line);
    Round round;
    std::string name;
    while (fields >> name) {
      if (name == "-") continue;
      auto id = s.find(name);
      if (!id)
        return Error::parse("trace line " + std::to_string(line_no) + ": " + id.error().message);
      if (!is_ap[*id]) {
        return Error::invalid("trace line " + std::to_string(line_no) + ": '" + name +
                              "' is not an access point");
      }
      round.push_back(*id);
    }
    trace.push_back(std::move(round));
  }
  return trace;
}

Result<Trace> read_trace(const std::string& path, const Substrate& s) {
  std::ifstream in(path);
  if (!in) return Error::io("cannot open trace file '" + path + "'");
  std::stringstream buffer;
  buffer << in.rdbuf();
  auto t = parse_trace(buffer.str(), s);
  if (!t) return Error{t.error().code, path + ": " + t.error().message};
  return t;
}

std::string format_trace(const Trace& trace, const Substrate& s) {
  std::string out;
  for (const Round& round : trace) {
    if (round.empty()) out += '-';
    for (std::size_t i = 0; i < round.size(); ++i) {
      if (i) out += ' ';
      out += s.names[round[i]];
    }
    out += '\n';
  }
  return out;
}

}  // namespace cloudnet::migration
