// Which plugin embeds on which substrate element (CloudNet paper 2.4: "the
// lower levels of the substrate NE's type will be used to determine which
// plugin to use"). A plugin registers type prefixes; a substrate element goes
// to the plugin whose prefix is the longest prefix of its type, so a
// catch-all simulation on /node and /link coexists with a Linux plugin on
// /node/host/server/linux, which wins for those servers.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "embed/linux_plugin.h"
#include "embed/plugin.h"
#include "embed/sim_plugin.h"
#include "flerd/type_path.h"

namespace cloudnet::embed {

// Filled once at start-up (add is not thread-safe), then only read; the
// embedder holds it as shared_ptr<const PluginRegistry>.
class PluginRegistry {
 public:
  // Registers every prefix of plugin->type_prefixes(). kInvalidArgument for a
  // null plugin, an empty name or no prefixes; kConflict for a second plugin
  // of the same name or a prefix another plugin already has (the choice
  // would be ambiguous).
  Status add(std::shared_ptr<EmbeddingPlugin> plugin);

  // The plugin for a substrate element of type `type`: the longest
  // registered prefix of it. kNotFound naming the element, its type and what
  // is registered when no prefix matches.
  Result<std::shared_ptr<EmbeddingPlugin>> select(const flerd::TypePath& type,
                                                  std::string_view element = {}) const;

  // By name; null if none.
  std::shared_ptr<EmbeddingPlugin> find(std::string_view name) const;
  // Each plugin once, in registration order.
  std::vector<std::shared_ptr<EmbeddingPlugin>> plugins() const;
  // "/link -> sim, /node -> sim, /node/host/server/linux -> linux"
  std::string describe() const;

 private:
  struct Entry {
    flerd::TypePath prefix;
    std::shared_ptr<EmbeddingPlugin> plugin;
  };
  std::vector<Entry> entries_;
};

// What the one explicit registration place below builds.
struct PluginConfig {
  bool simulation = true;  // register the simulation plugin (thesis 8.2.1)
  SimOptions sim;
  // The Linux data plane on a lab substrate (linux_plugin.h, issue 8). Not
  // named `linux`: GCC predefines that macro outside strict ISO modes.
  bool linux_enabled = false;
  LinuxOptions linux_options;
};

// The one place where the built-in plugins are registered (like
// solver/registry.cc and migration/registry.cc). Further plugins, e.g. a
// test's own, can be added to the result before it is handed to an Embedder.
// `substrate` is the PIP's substrate document; the Linux plugin needs it
// (it builds the lab substrate from its UL graph when it starts, removing
// the leftovers of its tag first), the simulation does not.
Result<std::shared_ptr<PluginRegistry>> make_registry(const PluginConfig& config = {},
                                                      const flerd::Document* substrate = nullptr);

}  // namespace cloudnet::embed
