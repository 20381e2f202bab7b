#include "embed/plugin.h"

#include <string>

namespace cloudnet::embed {

const char* to_string(NodeAction action) {
  switch (action) {
    case NodeAction::kStart: return "start";
    case NodeAction::kStop: return "stop";
    case NodeAction::kSuspend: return "suspend";
    case NodeAction::kResume: return "resume";
    case NodeAction::kPowercycle: return "powercycle";
  }
  return "?";
}

Result<NodeAction> parse_node_action(std::string_view text) {
  for (NodeAction a : {NodeAction::kStart, NodeAction::kStop, NodeAction::kSuspend,
                       NodeAction::kResume, NodeAction::kPowercycle})
    if (text == to_string(a)) return a;
  return Error::invalid("unknown node action '" + std::string(text) +
                        "' (start, stop, suspend, resume or powercycle)");
}

const char* to_string(PowerState state) {
  switch (state) {
    case PowerState::kStopped: return "stopped";
    case PowerState::kRunning: return "running";
    case PowerState::kSuspended: return "suspended";
  }
  return "?";
}

Status EmbeddingPlugin::update(const EmbeddingUnit& from, const EmbeddingUnit& to) {
  if (Status s = remove(from); !s.ok()) return s;
  if (Status s = prepare(to); !s.ok()) return s;
  return apply(to);
}

Result<console::Connector> EmbeddingPlugin::console(const EmbeddingUnit& unit,
                                                    const UnitNode& node) {
  return Error::unavailable("plugin '" + name() + "' offers no console for node '" + node.id +
                            "' on '" + unit.substrate + "'");
}

}  // namespace cloudnet::embed
