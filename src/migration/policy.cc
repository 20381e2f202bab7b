#include "migration/policy.h"

#include <string>

namespace cloudnet::migration {

Status Policy::plan(const Trace& /*trace*/) {
  return Error::invalid("policy '" + std::string(name()) + "' is online and takes no plan");
}

}  // namespace cloudnet::migration
