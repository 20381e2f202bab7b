#include "common/result.h"

namespace cloudnet {

const char* to_string(Error::Code code) {
  switch (code) {
    case Error::Code::kInvalidArgument: return "invalid argument";
    case Error::Code::kNotFound: return "not found";
    case Error::Code::kIo: return "i/o error";
    case Error::Code::kParse: return "parse error";
    case Error::Code::kInfeasible: return "infeasible";
    case Error::Code::kConflict: return "conflict";
    case Error::Code::kUnavailable: return "unavailable";
    case Error::Code::kInternal: return "internal error";
  }
  return "unknown";
}

}  // namespace cloudnet
