// The life of one embedded virtual element (node or link) at the embedder.
// The thesis' provisioning interface (8.2.2) creates embeddings tentatively,
// confirms them, and then starts, stops, suspends, resumes and powercycles
// the virtual nodes; the store's VNet states (store/provider_store.h) are the
// same machine one level up, plus `suspended` here for the node actions.
//
//   tentative -> confirmed -> provisioning -> stopped (nodes) | running (links)
//   stopped -> running (start); running -> stopped (stop), suspended (suspend),
//   running (powercycle); suspended -> running (resume), stopped (stop)
//   running | stopped | suspended -> provisioning -> the same state again (a
//   re-embedding re-applies the element's units, Embedder::reembed)
//   any live state -> failed; failed -> provisioning (re-apply) | deleting
//   every state but provisioning and deleted -> deleting -> deleted
#pragma once

#include <string_view>
#include <vector>

#include "common/result.h"

namespace cloudnet::embed {

enum class ElementState {
  kTentative,     // prepared: validated and reserved locally, not confirmed
  kConfirmed,     // the customer (or VNP) confirmed it; not applied yet
  kProvisioning,  // apply in progress
  kRunning,
  kStopped,
  kSuspended,
  kFailed,    // a plugin failed; the element's real state is unknown
  kDeleting,  // remove in progress
  kDeleted,
};

const char* to_string(ElementState state);
Result<ElementState> parse_element_state(std::string_view text);

// The table above. running -> running is allowed (a powercycle).
bool transition_allowed(ElementState from, ElementState to);

// Ok, or kConflict "element 'X': illegal state transition running -> confirmed".
Status check_transition(std::string_view element, ElementState from, ElementState to);

// Applied on the substrate: a plugin can act on it and report on it.
bool is_embedded(ElementState state);

// A VNet's state from its elements': the common state when they agree;
// otherwise the first of failed, deleting, provisioning, tentative,
// confirmed that any element is in; otherwise (a mix of running, stopped and
// suspended nodes) running if any element runs, else stopped. No elements:
// deleted.
ElementState aggregate(const std::vector<ElementState>& states);

}  // namespace cloudnet::embed
