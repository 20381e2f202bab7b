#include "migration/stat.h"

namespace cloudnet::migration {

Status StatPolicy::reset(const Instance& instance) {
  if (!instance.costs) return Error::invalid("instance without costs");
  start_ = instance.start;
  return Status::Ok();
}

}  // namespace cloudnet::migration
