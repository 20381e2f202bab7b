#include "embed/registry.h"

#include <algorithm>

namespace cloudnet::embed {

Status PluginRegistry::add(std::shared_ptr<EmbeddingPlugin> plugin) {
  if (!plugin) return Error::invalid("cannot register a null embedding plugin");
  const std::string name = plugin->name();
  if (name.empty()) return Error::invalid("an embedding plugin needs a name");
  const auto prefixes = plugin->type_prefixes();
  if (prefixes.empty())
    return Error::invalid("embedding plugin '" + name + "' registers no type prefix");
  for (const auto& e : entries_)
    if (e.plugin != plugin && e.plugin->name() == name)
      return Error::conflict("an embedding plugin named '" + name + "' is already registered");
  for (const auto& p : prefixes) {
    if (p.empty())
      return Error::invalid("embedding plugin '" + name + "' registers an empty prefix");
    for (const auto& e : entries_)
      if (e.prefix == p)
        return Error::conflict("type prefix " + p.str() + " of plugin '" + name +
                               "' is already registered by plugin '" + e.plugin->name() + "'");
  }
  for (const auto& p : prefixes) entries_.push_back({p, plugin});
  return Status::Ok();
}

Result<std::shared_ptr<EmbeddingPlugin>> PluginRegistry::select(const flerd::TypePath& type,
                                                                std::string_view element) const {
  const Entry* best = nullptr;
  for (const auto& e : entries_)
    if (e.prefix.contains(type) && (!best || e.prefix.depth() > best->prefix.depth())) best = &e;
  if (best) return best->plugin;
  std::string what = element.empty() ? std::string("a substrate element")
                                     : "substrate element '" + std::string(element) + "'";
  return Error::not_found("no embedding plugin for " + what + " of type " + type.str() +
                          " (registered: " + (entries_.empty() ? "none" : describe()) + ")");
}

std::shared_ptr<EmbeddingPlugin> PluginRegistry::find(std::string_view name) const {
  for (const auto& e : entries_)
    if (e.plugin->name() == name) return e.plugin;
  return nullptr;
}

std::vector<std::shared_ptr<EmbeddingPlugin>> PluginRegistry::plugins() const {
  std::vector<std::shared_ptr<EmbeddingPlugin>> out;
  for (const auto& e : entries_)
    if (std::find(out.begin(), out.end(), e.plugin) == out.end()) out.push_back(e.plugin);
  return out;
}

std::string PluginRegistry::describe() const {
  std::vector<const Entry*> sorted;
  for (const auto& e : entries_) sorted.push_back(&e);
  std::sort(sorted.begin(), sorted.end(),
            [](const Entry* a, const Entry* b) { return a->prefix < b->prefix; });
  std::string out;
  for (const auto* e : sorted)
    out += (out.empty() ? "" : ", ") + e->prefix.str() + " -> " + e->plugin->name();
  return out;
}

Result<std::shared_ptr<PluginRegistry>> make_registry(const PluginConfig& config,
                                                      const flerd::Document* substrate) {
  auto registry = std::make_shared<PluginRegistry>();
  if (config.simulation)
    if (Status s = registry->add(std::make_shared<SimPlugin>(config.sim)); !s) return s.error();
  if (config.linux_enabled) {
    if (!substrate) return Error::invalid("the linux plugin needs the PIP's substrate document");
    // Check the prefixes before the plugin touches the kernel: a clash with
    // the simulation's /node and /link is a configuration error.
    for (const auto& p : config.linux_options.type_prefixes)
      for (const auto& e : registry->plugins())
        for (const auto& q : e->type_prefixes())
          if (q == flerd::TypePath::parse_lenient(p))
            return Error::conflict("type prefix " + q.str() + " is claimed by both plugin '" +
                                   e->name() + "' and plugin '" + config.linux_options.name +
                                   "': narrow one of them (plugins.<name>.type_prefixes) or "
                                   "disable one");
    auto plugin = LinuxPlugin::start(config.linux_options, *substrate);
    if (!plugin) return plugin.error();
    if (Status s = registry->add(*plugin); !s) return s.error();
  }
  return registry;
}

}  // namespace cloudnet::embed
