#include "roles/provider.h"

namespace cloudnet::roles {

const char* to_string(Action action) {
  switch (action) {
    case Action::kStart: return "start";
    case Action::kStop: return "stop";
    case Action::kSuspend: return "suspend";
    case Action::kResume: return "resume";
    case Action::kPowercycle: return "powercycle";
  }
  return "?";
}

Result<Action> parse_action(std::string_view text) {
  for (Action a :
       {Action::kStart, Action::kStop, Action::kSuspend, Action::kResume, Action::kPowercycle}) {
    if (text == to_string(a)) return a;
  }
  return Error::invalid("unknown action '" + std::string(text) +
                        "' (expected start, stop, suspend, resume or powercycle)");
}

}  // namespace cloudnet::roles
