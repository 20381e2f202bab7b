#include "migration/timm.h"

#include "migration/requests.h"

namespace cloudnet::migration {

Status TimmPolicy::reset(const Instance& instance) {
  if (!instance.costs) return Error::invalid("instance without costs");
  if (instance.zone_period < 1)
    return Error::invalid("TIMM needs the zone period k of the scenario");
  const Substrate& s = instance.costs->substrate();
  const int zones = s.num_zones();
  if (zones == 0) return Error::invalid("TIMM needs a substrate with zones");
  for (int z = 0; z < zones; ++z) {
    if (s.zone_nodes(z).empty())
      return Error::invalid("zone " + std::to_string(z) + " has no node");
  }
  instance_ = instance;
  current_ = instance.start;
  round_ = 0;
  rng_.seed(params_.seed);
  return Status::Ok();
}

Placement TimmPolicy::decide(const Round& /*served*/) {
  ++round_;  // the round about to start
  if (round_ % instance_.zone_period == 0) {
    const Substrate& s = instance_.costs->substrate();
    const auto nodes = s.zone_nodes(current_zone(round_, instance_.zone_period, s.num_zones()));
    std::uniform_int_distribution<std::size_t> pick(0, nodes.size() - 1);
    current_ = nodes[pick(rng_)];
  }
  return Placement::single(current_);
}

}  // namespace cloudnet::migration
