// libFuzzer target: the FleRD YAML reader and the round trip through all
// three forms (round_trip.h).
#include "round_trip.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return cloudnet::fuzz::check_round_trip(data, size, cloudnet::flerd::Format::kYaml);
}
