#include "embed/state.h"

#include <algorithm>
#include <string>

namespace cloudnet::embed {

namespace {
constexpr ElementState kAll[] = {
    ElementState::kTentative, ElementState::kConfirmed, ElementState::kProvisioning,
    ElementState::kRunning,   ElementState::kStopped,   ElementState::kSuspended,
    ElementState::kFailed,    ElementState::kDeleting,  ElementState::kDeleted,
};
}  // namespace

const char* to_string(ElementState state) {
  switch (state) {
    case ElementState::kTentative: return "tentative";
    case ElementState::kConfirmed: return "confirmed";
    case ElementState::kProvisioning: return "provisioning";
    case ElementState::kRunning: return "running";
    case ElementState::kStopped: return "stopped";
    case ElementState::kSuspended: return "suspended";
    case ElementState::kFailed: return "failed";
    case ElementState::kDeleting: return "deleting";
    case ElementState::kDeleted: return "deleted";
  }
  return "?";
}

Result<ElementState> parse_element_state(std::string_view text) {
  for (ElementState s : kAll)
    if (text == to_string(s)) return s;
  return Error::invalid("unknown element state '" + std::string(text) + "'");
}

bool transition_allowed(ElementState from, ElementState to) {
  using S = ElementState;
  switch (from) {
    case S::kTentative: return to == S::kConfirmed || to == S::kFailed || to == S::kDeleting;
    case S::kConfirmed: return to == S::kProvisioning || to == S::kFailed || to == S::kDeleting;
    // Rollback goes through failed, so provisioning never jumps to deleting.
    // A re-apply (Embedder::reembed) ends in the state the element had
    // before, which for a node may be suspended.
    case S::kProvisioning:
      return to == S::kStopped || to == S::kRunning || to == S::kSuspended || to == S::kFailed;
    case S::kRunning:
      // running -> running is a powercycle; provisioning again: a re-apply
      // (modification or migration).
      return to == S::kRunning || to == S::kStopped || to == S::kSuspended ||
             to == S::kProvisioning || to == S::kFailed || to == S::kDeleting;
    case S::kStopped:
      return to == S::kRunning || to == S::kProvisioning || to == S::kFailed || to == S::kDeleting;
    case S::kSuspended:
      return to == S::kRunning || to == S::kStopped || to == S::kProvisioning || to == S::kFailed ||
             to == S::kDeleting;
    case S::kFailed: return to == S::kProvisioning || to == S::kDeleting;
    case S::kDeleting: return to == S::kDeleted || to == S::kFailed;
    case S::kDeleted: return false;
  }
  return false;
}

Status check_transition(std::string_view element, ElementState from, ElementState to) {
  if (transition_allowed(from, to)) return Status::Ok();
  return Error::conflict("element '" + std::string(element) + "': illegal state transition " +
                         to_string(from) + " -> " + to_string(to));
}

bool is_embedded(ElementState state) {
  return state == ElementState::kRunning || state == ElementState::kStopped ||
         state == ElementState::kSuspended;
}

ElementState aggregate(const std::vector<ElementState>& states) {
  using S = ElementState;
  if (states.empty()) return S::kDeleted;
  if (std::all_of(states.begin(), states.end(), [&](S s) { return s == states.front(); }))
    return states.front();
  auto any = [&](S s) { return std::find(states.begin(), states.end(), s) != states.end(); };
  for (S s : {S::kFailed, S::kDeleting, S::kProvisioning, S::kTentative, S::kConfirmed})
    if (any(s)) return s;
  // A half-deleted VNet (some elements deleted, the rest failed) is caught
  // above by failed; deleted next to live elements does not happen.
  return any(S::kRunning) ? S::kRunning : S::kStopped;
}

}  // namespace cloudnet::embed
