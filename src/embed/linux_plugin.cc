#include "embed/linux_plugin.h"

#include <signal.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <tuple>

#include "flerd/vocabulary.h"
#include "netlab/command.h"

namespace cloudnet::embed {

namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Whether a type-path-like attribute has `level` as one of its levels
// (case-insensitive): /host/generic/CPU/amount has "cpu".
bool has_level(const std::string& attribute, const std::string& level) {
  const std::string a = lower(attribute) + "/";
  return a.find("/" + level + "/") != std::string::npos;
}

std::string owner_text(const EmbeddingUnit& unit, const std::string& what) {
  return what + " of " + unit.net + " on " + unit.substrate;
}

// An interface name the kernel takes (IFNAMSIZ, no '/', ':' or spaces).
bool valid_ifname(const std::string& name) {
  if (name.empty() || name.size() > 15 || name == "." || name == "..") return false;
  for (char c : name)
    if (c == '/' || c == ':' || std::isspace(static_cast<unsigned char>(c))) return false;
  return true;
}

std::uint32_t fnv1a(const std::string& text) {
  std::uint32_t h = 2166136261u;
  for (unsigned char c : text) {
    h ^= c;
    h *= 16777619u;
  }
  return h;
}

// A link end's MAC: the same on every host the node may move to, so its
// peers' ARP caches stay right across a migration (locally administered,
// 40 bits of hash of VNet, node and interface).
std::string endpoint_mac(const std::string& net, const std::string& node,
                         const std::string& interface) {
  const std::string key = net + '\n' + node + '\n' + interface;
  const std::uint32_t a = fnv1a(key);
  const std::uint32_t b = fnv1a(key + '#');
  char buf[18];
  std::snprintf(buf, sizeof buf, "02:%02x:%02x:%02x:%02x:%02x", a >> 24, (a >> 16) & 255u,
                (a >> 8) & 255u, a & 255u, b & 255u);
  return buf;
}

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

PowerState power_of(netlab::NodeState s) {
  switch (s) {
    case netlab::NodeState::kRunning: return PowerState::kRunning;
    case netlab::NodeState::kSuspended: return PowerState::kSuspended;
    default: return PowerState::kStopped;
  }
}

// Collects several failures into one error (remove carries on past them).
struct Errors {
  std::string text;
  Error::Code code = Error::Code::kUnavailable;
  void add(const Status& st) {
    if (st.ok()) return;
    if (text.empty()) code = st.error().code;
    text += (text.empty() ? "" : "; ") + st.error().message;
  }
  Status status(const std::string& what) const {
    if (text.empty()) return Status::Ok();
    return Error(code, what + ": " + text);
  }
};

// The transit stubs and links of a unit's VNet, from its mapping document
// (flerd/vocabulary.h: kTransitStubAlias, kTransitAlias). Every OL layer is
// read: the completed copies keep the aliases of their sources.
struct TransitView {
  std::set<std::string> stubs;                                  // overlay node ids
  std::map<std::string, std::vector<netlab::TransitHop>> hops;  // overlay link id -> its hops
  std::map<std::string, std::string> errors;                    // link id -> what is wrong
};

// "<transit link>:<identifier>@<address>[:<port>]"
Result<netlab::TransitHop> parse_hop(const std::string& text) {
  netlab::TransitHop hop;
  const auto at = text.find('@');
  const std::string left = text.substr(0, at);
  const auto colon = left.rfind(':');
  const std::string id = colon == std::string::npos ? "" : left.substr(colon + 1);
  if (id.empty() || id.size() > 8 || id.find_first_not_of("0123456789") != std::string::npos ||
      std::stoul(id) == 0 || std::stoul(id) > 0xFFFFFF)
    return Error::invalid("transit hop '" + text +
                          "': expected <transit link>:<identifier 1..16777215>");
  hop.identifier = static_cast<std::uint32_t>(std::stoul(id));
  if (at == std::string::npos)
    return Error::invalid("transit hop '" + text +
                          "' names no tunnel endpoint of the peer provider (the VNP's transit "
                          "link needs endpoints a and b)");
  std::string where = text.substr(at + 1);
  if (const auto c = where.find(':'); c != std::string::npos) {
    const std::string port = where.substr(c + 1);
    if (port.empty() || port.size() > 5 ||
        port.find_first_not_of("0123456789") != std::string::npos || std::stoul(port) == 0 ||
        std::stoul(port) > 65535)
      return Error::invalid("transit hop '" + text + "': bad UDP port '" + port + "'");
    hop.port = static_cast<std::uint16_t>(std::stoul(port));
    where.resize(c);
  }
  if (!netlab::is_ipv4(where))
    return Error::invalid("transit hop '" + text + "': the peer's tunnel endpoint '" + where +
                          "' is not an IPv4 address");
  hop.remote = where;
  return hop;
}

TransitView transit_view(const EmbeddingUnit& unit) {
  TransitView v;
  if (!unit.mapping) return v;
  const std::string stub = flerd::vocab::kTransitStubAlias;
  const std::string transit = flerd::vocab::kTransitAlias;
  for (const auto& t : unit.mapping->topologies) {
    if (!t.graphLabel || t.graphLabel->graph_type != flerd::GraphType::OL) continue;
    for (const auto& e : t.networkElements) {
      if (!e.alias) continue;
      if (e.is_node() && e.alias->rfind(stub, 0) == 0) v.stubs.insert(e.id);
      if (!e.is_link() || e.alias->rfind(transit, 0) != 0) continue;
      std::vector<netlab::TransitHop> hops;
      std::string rest = e.alias->substr(transit.size());
      while (!rest.empty()) {
        const auto comma = rest.find(',');
        auto hop = parse_hop(rest.substr(0, comma));
        if (!hop) {
          v.errors[e.id] = hop.error().message;
          break;
        }
        hops.push_back(*hop);
        rest = comma == std::string::npos ? "" : rest.substr(comma + 1);
      }
      v.hops[e.id] = std::move(hops);
    }
  }
  return v;
}

}  // namespace

Result<netlab::Limits> node_limits(const UnitNode& node, std::int64_t pids_max) {
  netlab::Limits limits;
  if (pids_max > 0) limits.pids_max = pids_max;
  for (const auto& a : node.allocations) {
    const std::string unit = lower(a.unit);
    if (has_level(a.attribute, "cpu")) {
      if (!(unit.empty() || unit == "cores" || unit == "core" || unit == "cpus" || unit == "cpu" ||
            unit == "vcpus" || unit == "vcpu"))
        return Error::invalid("node " + node.id + ": CPU allocation " + describe(a) + ": unit '" +
                              a.unit + "' cannot become a CPU quota (cores)");
      if (!(a.amount > 0))
        return Error::invalid("node " + node.id + ": CPU allocation " + describe(a) +
                              " must be positive");
      limits.cpus = limits.cpus.value_or(0) + a.amount;
    } else if ((has_level(a.attribute, "ram") || has_level(a.attribute, "memory")) &&
               !has_level(a.attribute, "virtual") && !has_level(a.attribute, "swap")) {
      // Real memory only: memory.memsw caps swap at the same limit (netlab
      // Limits), so a virtual-memory figure has nothing more to set.
      // Memory sizes of VMs are binary in practice (a "1 GB" VM has 1 GiB).
      static const std::map<std::string, double> kUnits = {{"b", 1.0},
                                                           {"kb", 1024.0},
                                                           {"kib", 1024.0},
                                                           {"mb", 1048576.0},
                                                           {"mib", 1048576.0},
                                                           {"gb", 1073741824.0},
                                                           {"gib", 1073741824.0},
                                                           {"tb", 1099511627776.0},
                                                           {"tib", 1099511627776.0}};
      auto it = kUnits.find(unit);
      if (it == kUnits.end())
        return Error::invalid("node " + node.id + ": memory allocation " + describe(a) +
                              ": unit '" + a.unit + "' is not a size (B, KB, MB, GB, TB)");
      const double bytes = a.amount * it->second;
      if (!(bytes >= 8.0 * 1048576.0))
        return Error::invalid("node " + node.id + ": memory allocation " + describe(a) +
                              " is below 8 MiB, too little to run the node");
      const auto b = static_cast<std::uint64_t>(std::llround(bytes));
      limits.memory_bytes = limits.memory_bytes.value_or(0) + b;
    }
    // Disk space, service figures: no root filesystem of its own yet
    // (netlab README), nothing to enforce.
  }
  return limits;
}

Result<std::optional<double>> link_bandwidth_mbps(const std::vector<Allocation>& allocations) {
  std::optional<double> out;
  for (const auto& a : allocations) {
    if (!has_level(a.attribute, "bandwidth")) continue;
    static const std::map<std::string, double> kUnits = {
        {"", 1.0},      {"mbps", 1.0},    {"mbit/s", 1.0}, {"bps", 1e-6},
        {"kbps", 1e-3}, {"kbit/s", 1e-3}, {"gbps", 1e3},   {"gbit/s", 1e3}};
    auto it = kUnits.find(lower(a.unit));
    if (it == kUnits.end())
      return Error::invalid("bandwidth allocation " + describe(a) + ": unit '" + a.unit +
                            "' is not a rate (bps, kbps, Mbps, Gbps)");
    const double mbps = a.amount * it->second;
    if (!(mbps > 0))
      return Error::invalid("bandwidth allocation " + describe(a) + " must be positive");
    // Several bandwidth allocations (per interface of one element) describe
    // the same link: the smallest is what it was granted.
    out = out ? std::min(*out, mbps) : mbps;
  }
  return out;
}

// --- life -------------------------------------------------------------------

LinuxPlugin::LinuxPlugin(LinuxOptions options, netlab::Tag tag) : options_(std::move(options)) {
  netlab::LabOptions lo;
  lo.cgroup_root = options_.cgroup_root;
  if (options_.rootfs) {
    lo.rootfs_base = options_.rootfs_base;
    lo.rootfs_pool = options_.pool;
  }
  lab_ = std::make_unique<netlab::Lab>(std::move(tag), lo);
}

Result<std::shared_ptr<LinuxPlugin>> LinuxPlugin::start(LinuxOptions options,
                                                        const flerd::Document& substrate) {
  auto tag = netlab::Tag::make(options.tag);
  if (!tag)
    return Error::invalid("linux plugin: tag '" + options.tag + "': " + tag.error().message);
  std::shared_ptr<LinuxPlugin> plugin(new LinuxPlugin(std::move(options), *tag));
  // A crashed or stopped run of the same tag: start from an empty kernel
  // (the PIP re-applies what its store says is embedded).
  if (Status s = plugin->lab_->cleanup(); !s)
    return Error(s.error().code,
                 "linux plugin (tag " + tag->str() + "): removing leftovers: " + s.error().message);
  netlab::SubstrateOptions so;
  so.shape_links = plugin->options_.shape_substrate;
  so.uplink = plugin->options_.uplink;
  if (Status s = plugin->lab_->build_substrate(substrate, so); !s)
    return Error(s.error().code, "linux plugin (tag " + tag->str() +
                                     "): building the lab substrate: " + s.error().message);
  return plugin;
}

LinuxPlugin::~LinuxPlugin() {
  reap_consoles(true);
}

Status LinuxPlugin::cleanup() {
  {
    std::lock_guard lock(mu_);
    vnis_.clear();
    vni_owner_.clear();
  }
  reap_consoles(true);
  return lab_->cleanup();
}

Status LinuxPlugin::cleanup_tag(const std::string& tag) {
  auto t = netlab::Tag::make(tag);
  if (!t) return Error::invalid("tag '" + tag + "': " + t.error().message);
  return netlab::cleanup(&*t);
}

std::string LinuxPlugin::name() const {
  return options_.name;
}

std::vector<flerd::TypePath> LinuxPlugin::type_prefixes() const {
  std::vector<flerd::TypePath> out;
  for (const auto& p : options_.type_prefixes) out.push_back(flerd::TypePath::parse_lenient(p));
  return out;
}

std::optional<std::uint32_t> LinuxPlugin::vni(const std::string& net,
                                              const std::string& link) const {
  std::lock_guard lock(mu_);
  auto it = vnis_.find({net, link});
  if (it == vnis_.end()) return std::nullopt;
  return it->second.vni;
}

Result<std::uint32_t> LinuxPlugin::reserve_vni_locked(const std::string& net,
                                                      const std::string& link,
                                                      const std::string& holder) {
  auto it = vnis_.find({net, link});
  if (it != vnis_.end()) {
    it->second.holders.insert(holder);
    return it->second.vni;
  }
  constexpr std::uint32_t kSpan = kVniLast - kVniFirst + 1;
  std::string key = net;
  key += '\n';
  key += link;
  const std::uint32_t start = fnv1a(key) % kSpan;
  for (std::uint32_t i = 0; i < kSpan; ++i) {
    const std::uint32_t v = kVniFirst + (start + i) % kSpan;
    if (vni_owner_.count(v)) continue;
    vni_owner_[v] = {net, link};
    vnis_[{net, link}] = VniEntry{v, {holder}};
    return v;
  }
  return Error::unavailable("linux plugin: no free VNI for link " + link + " of " + net);
}

Result<netlab::LinkSpec> LinuxPlugin::link_spec(const EmbeddingUnit& unit,
                                                const UnitSegment& segment, std::uint32_t vni,
                                                std::string* transit_owner) const {
  netlab::LinkSpec spec;
  spec.net = unit.net;
  spec.name = segment.link;
  spec.vni = vni;
  const TransitView tv = transit_view(unit);
  if (auto e = tv.errors.find(segment.link); e != tv.errors.end())
    return Error::invalid(owner_text(unit, "link " + segment.link) + ": " + e->second);
  if (auto h = tv.hops.find(segment.link); h != tv.hops.end()) spec.transit = h->second;
  // Every end of the link, from every unit of the mapping: each host's part
  // replicates to the other hosts, so it must know them all (netlab
  // Lab::attach_link), and the ends' default MACs are numbered by their
  // position, so every host must list them in the same order.
  std::vector<EmbeddingUnit> all;
  if (unit.mapping) {
    UnitOptions uo;
    uo.net = unit.net;
    auto units = build_units(*unit.mapping, uo);
    if (!units)
      return Error::invalid(owner_text(unit, "link " + segment.link) +
                            ": reading the mapping document: " + units.error().message);
    all = std::move(*units);
  } else {
    all.push_back(unit);  // only this host's ends are known
  }
  // The link's bandwidth: the hosts' segments usually carry none (the
  // substrate links' units hold it: paper 4.2.2's per-element segments), so
  // every segment of the link is asked; the smallest grant is the rate.
  std::vector<Allocation> rates = segment.allocations;
  for (const auto& u : all)
    for (const auto& s : u.segments)
      if (s.link == segment.link && u.substrate != unit.substrate)
        rates.insert(rates.end(), s.allocations.begin(), s.allocations.end());
  auto bw = link_bandwidth_mbps(rates);
  if (!bw)
    return Error::invalid(owner_text(unit, "link " + segment.link) + ": " + bw.error().message);
  // A link with no substrate link on its path (both ends on one host, or a
  // transit link's end next to its stub) holds no bandwidth of the
  // substrate, yet its VNet was granted the requested rate: the overlay
  // link's own bandwidth resource says how much.
  if (!*bw && unit.mapping)
    if (const flerd::NetworkElement* ol = unit.mapping->element(segment.link)) {
      std::vector<Allocation> asked;
      for (const auto& r : ol->resource)
        if (r.target) {
          Allocation a;
          a.attribute = r.target->attribute;
          a.amount = r.target->value;
          a.unit = r.target->resource_unit.value_or("");
          asked.push_back(std::move(a));
        }
      bw = link_bandwidth_mbps(asked);
      if (!bw)
        return Error::invalid(owner_text(unit, "link " + segment.link) + ": " + bw.error().message);
    }
  spec.bandwidth_mbps = *bw;
  using End = std::tuple<std::string, std::string, std::string>;  // host, node, interface
  std::set<End> ends;
  // The tunnel bridge's part: the unit with the first stub end (by host).
  std::string owner;
  auto stub_end = [&](const std::string& node, const std::string& host) {
    if (!tv.stubs.count(node)) return false;
    if (owner.empty() || host < owner) owner = host;
    return true;
  };
  for (const auto& u : all) {
    // Our own ends come from the unit we were given (below).
    if (u.substrate == unit.substrate) continue;
    for (const auto& s : u.segments) {
      if (s.link != segment.link) continue;
      for (const auto& e : s.ends) {
        if (stub_end(e.node, u.substrate)) continue;
        const UnitNode* n = u.node(e.node);
        if (!n)
          return Error::invalid(owner_text(unit, "link " + segment.link) + ": end node " + e.node +
                                " is not hosted on " + u.substrate);
        ends.insert({u.substrate, n->name(), e.interface});
      }
    }
  }
  for (const auto& e : segment.ends) {
    if (stub_end(e.node, unit.substrate)) continue;
    const UnitNode* n = unit.node(e.node);
    if (!n)
      return Error::invalid(owner_text(unit, "link " + segment.link) + ": end node " + e.node +
                            " is not in the unit");
    ends.insert({unit.substrate, n->name(), e.interface});
  }
  if (!owner.empty() && spec.transit.empty())
    return Error::invalid(owner_text(unit, "link " + segment.link) +
                          ": it ends at another provider (a transit stub) but names no transit "
                          "hop in its alias");
  if (owner.empty() && !spec.transit.empty())
    return Error::invalid(owner_text(unit, "link " + segment.link) +
                          ": it names transit hops but has no end at a transit stub");
  if (transit_owner) *transit_owner = owner;
  std::lock_guard lock(mu_);
  for (const auto& [host, node, interface] : ends) {
    netlab::LinkEndpoint ep;
    ep.node = instance_name_locked(unit.net, node, host);
    ep.interface = interface;
    ep.host = host;
    ep.mac = endpoint_mac(unit.net, node, interface);
    spec.endpoints.push_back(std::move(ep));
  }
  return spec;
}

// --- units ------------------------------------------------------------------

Status LinuxPlugin::prepare(const EmbeddingUnit& unit) {
  const netlab::SubstratePlan* plan = lab_->substrate();
  if (!plan) return Error::conflict("linux plugin " + tag().str() + " has no lab substrate");
  if (!unit.nodes.empty()) {
    const netlab::LabNode* host = plan->find(unit.substrate);
    if (!host || host->hub)
      return Error::invalid(owner_text(unit, "unit") + ": substrate element '" + unit.substrate +
                            "' is not a host of lab " + tag().str() +
                            ", so it cannot run virtual nodes");
  }
  const TransitView tv = transit_view(unit);
  for (const auto& n : unit.nodes) {
    if (tv.stubs.count(n.id)) continue;
    auto limits = node_limits(n, options_.pids_max);
    if (!limits) return Error::invalid(owner_text(unit, "unit") + ": " + limits.error().message);
  }
  for (const auto& s : unit.segments) {
    if (s.ends.empty()) continue;  // carried by the lab's routes
    for (const auto& e : s.ends)
      if (!valid_ifname(e.interface))
        return Error::invalid(owner_text(unit, "link " + s.link) + ": interface name '" +
                              e.interface + "' of node " + e.node +
                              " is not a Linux interface name (1-15 characters, no '/', ':' or "
                              "spaces)");
    auto spec = link_spec(unit, s, kVniFirst);
    if (!spec) return spec.error();
    if (!spec->transit.empty() && !plan->gateway())
      return Error::invalid(owner_text(unit, "link " + s.link) +
                            ": it continues at another provider, and lab " + tag().str() +
                            " has no uplink for transit tunnels (plugins.linux.uplink)");
    for (const auto& ep : spec->endpoints) {
      const netlab::LabNode* h = plan->find(ep.host);
      if (!h || h->hub)
        return Error::invalid(owner_text(unit, "link " + s.link) + ": end " + ep.node + "/" +
                              ep.interface + " is on '" + ep.host + "', not a host of lab " +
                              tag().str());
    }
  }
  // Reserve a VNI per link this unit terminates (all or nothing).
  std::lock_guard lock(mu_);
  std::vector<std::string> reserved;
  for (const auto& s : unit.segments) {
    if (s.ends.empty()) continue;
    const bool had =
        vnis_.count({unit.net, s.link}) && vnis_[{unit.net, s.link}].holders.count(unit.substrate);
    auto v = reserve_vni_locked(unit.net, s.link, unit.substrate);
    if (!v) {
      for (const auto& l : reserved) {
        auto it = vnis_.find({unit.net, l});
        if (it == vnis_.end()) continue;
        it->second.holders.erase(unit.substrate);
        if (it->second.holders.empty()) {
          vni_owner_.erase(it->second.vni);
          vnis_.erase(it);
        }
      }
      return v.error();
    }
    if (!had) reserved.push_back(s.link);
  }
  return Status::Ok();
}

Status LinuxPlugin::apply(const EmbeddingUnit& unit) {
  const TransitView tv = transit_view(unit);
  struct Part {
    netlab::LinkSpec spec;
    std::string link;
    bool here = false;     // an end of a real node on this host
    bool transit = false;  // this unit attaches the tunnel bridge's part
  };
  std::vector<Part> links;
  for (const auto& s : unit.segments) {
    if (s.ends.empty()) continue;
    auto v = vni(unit.net, s.link);
    if (!v)
      return Error::conflict(owner_text(unit, "link " + s.link) +
                             ": apply before prepare (no VNI reserved)");
    std::string owner;
    auto spec = link_spec(unit, s, *v, &owner);
    if (!spec) return spec.error();
    Part p{std::move(*spec), s.link};
    p.here = std::any_of(s.ends.begin(), s.ends.end(),
                         [&](const LinkEnd& e) { return !tv.stubs.count(e.node); });
    p.transit = !owner.empty() && owner == unit.substrate;
    links.push_back(std::move(p));
  }
  // Nodes first: a link's interfaces are moved into them. A transit stub is
  // no node: the tunnel bridge stands for it.
  std::vector<std::pair<const UnitNode*, std::pair<std::string, std::string>>> moving;
  for (const auto& n : unit.nodes) {
    if (tv.stubs.count(n.id)) continue;
    std::optional<std::pair<std::string, std::string>> from;
    if (Status s = create_instance(unit, n, &from); !s) return s;
    if (from) moving.emplace_back(&n, *from);
  }
  for (const auto& p : links) {
    if (p.here)
      if (Status s = lab_->attach_link(p.spec, unit.substrate); !s)
        return Error(s.error().code, owner_text(unit, "link " + p.link) + " (VNI " +
                                         std::to_string(p.spec.vni) + "): " + s.error().message);
    if (p.transit)
      if (Status s = lab_->attach_transit(p.spec); !s)
        return Error(s.error().code,
                     owner_text(unit, "transit link " + p.link) + ": " + s.error().message);
  }
  for (const auto& [n, from] : moving)
    if (Status s = switch_over(unit, *n, from); !s) return s;
  // What is made stays until remove(): the embedder removes a failed unit
  // too (plugin.h), and remove is idempotent.
  return Status::Ok();
}

Status LinuxPlugin::remove(const EmbeddingUnit& unit) {
  Errors errors;
  for (const auto& s : unit.segments) {
    if (s.ends.empty()) continue;
    auto v = vni(unit.net, s.link);
    if (!v) {
      // Never prepared here (or the plugin restarted, which cleaned up):
      // whatever this Lab recorded goes.
      errors.add(lab_->detach_link(unit.net, s.link, unit.substrate));
      continue;
    }
    std::string owner;
    auto spec = link_spec(unit, s, *v, &owner);
    if (spec) {
      errors.add(lab_->detach_link(*spec, unit.substrate));
      if (!owner.empty() && owner == unit.substrate) errors.add(lab_->detach_transit(*spec));
    } else {
      errors.add(lab_->detach_link(unit.net, s.link, unit.substrate));
    }
  }
  const TransitView tv = transit_view(unit);
  for (const auto& n : unit.nodes)
    if (!tv.stubs.count(n.id)) errors.add(remove_instance(unit, n));
  if (!errors.text.empty()) return errors.status("removing " + unit.key());
  // Only once the kernel objects are gone is the VNI free for another link.
  std::lock_guard lock(mu_);
  for (const auto& s : unit.segments) {
    auto it = vnis_.find({unit.net, s.link});
    if (it == vnis_.end()) continue;
    it->second.holders.erase(unit.substrate);
    if (it->second.holders.empty()) {
      vni_owner_.erase(it->second.vni);
      vnis_.erase(it);
    }
  }
  return Status::Ok();
}

Status LinuxPlugin::update(const EmbeddingUnit& from, const EmbeddingUnit& to) {
  // Same structure: node names with their interfaces, links with their ends.
  auto shape = [](const EmbeddingUnit& u) {
    std::set<std::pair<std::string, std::vector<std::string>>> nodes;
    for (const auto& n : u.nodes) nodes.insert({n.name(), n.interfaces});
    std::set<std::pair<std::string, std::set<std::pair<std::string, std::string>>>> links;
    for (const auto& s : u.segments) {
      std::set<std::pair<std::string, std::string>> ends;
      for (const auto& e : s.ends) ends.insert({e.node, e.interface});
      links.insert({s.link, ends});
    }
    return std::make_pair(nodes, links);
  };
  if (from.net != to.net || from.substrate != to.substrate)
    return EmbeddingPlugin::update(from, to);
  if (shape(from) != shape(to)) return update_structure(from, to);
  // Validates `to` (and keeps the links' VNIs: same holders).
  if (Status s = prepare(to); !s) return s;
  const TransitView tv = transit_view(to);
  for (const auto& n : to.nodes) {
    if (tv.stubs.count(n.id)) continue;
    auto limits = node_limits(n, options_.pids_max);
    if (!limits) return Error::invalid(owner_text(to, "unit") + ": " + limits.error().message);
    if (Status s = lab_->set_limits(to.net, here(to, n), *limits); !s)
      return Error(s.error().code,
                   owner_text(to, "node " + n.id) + ": new limits: " + s.error().message);
  }
  for (const auto& s : to.segments) {
    // Segments without ends too: a substrate link's unit may be the only one
    // a re-embedding changes when just the link's grant changed (the hosts'
    // units are then kept without a plugin call). The rate comes from the
    // whole mapping (link_spec); each unit keeps the document it was made
    // from.
    auto now = link_spec(to, s, kVniFirst);
    if (!now) return now.error();
    std::optional<double> old;
    for (const auto& f : from.segments)
      if (f.link == s.link)
        if (auto b = link_spec(from, f, kVniFirst); b) old = b->bandwidth_mbps;
    if (old == now->bandwidth_mbps) continue;
    // Every endpoint of the link in this lab, the other hosts' too (their
    // units' update finds nothing left to change).
    Status st = lab_->set_link_bandwidth(to.net, s.link, now->bandwidth_mbps);
    if (!st && !(s.ends.empty() && st.error().code == Error::Code::kNotFound))
      return Error(st.error().code,
                   owner_text(to, "link " + s.link) + ": new bandwidth: " + st.error().message);
  }
  return Status::Ok();
}

// Nodes came, went or moved, or links changed their ends: only what differs
// is touched, so the nodes that stay keep running with their addresses.
Status LinuxPlugin::update_structure(const EmbeddingUnit& from, const EmbeddingUnit& to) {
  std::lock_guard serial(update_mu_);
  if (Status s = prepare(to); !s) return s;
  const TransitView tv_to = transit_view(to);
  const TransitView tv_from = transit_view(from);
  std::set<std::string> before, after;
  for (const auto& n : from.nodes)
    if (!tv_from.stubs.count(n.id)) before.insert(n.id);
  for (const auto& n : to.nodes)
    if (!tv_to.stubs.count(n.id)) after.insert(n.id);
  // Nodes that stay: new limits; nodes that come: new instances.
  std::vector<std::pair<const UnitNode*, std::pair<std::string, std::string>>> moving;
  for (const auto& n : to.nodes) {
    if (!after.count(n.id)) continue;
    if (before.count(n.id)) {
      auto limits = node_limits(n, options_.pids_max);
      if (!limits) return Error::invalid(owner_text(to, "unit") + ": " + limits.error().message);
      if (Status s = lab_->set_limits(to.net, here(to, n), *limits); !s)
        return Error(s.error().code,
                     owner_text(to, "node " + n.id) + ": new limits: " + s.error().message);
      continue;
    }
    std::optional<std::pair<std::string, std::string>> came_from;
    if (Status s = create_instance(to, n, &came_from); !s) return s;
    if (came_from) moving.emplace_back(&n, *came_from);
  }
  // Links: each host part reconciled with the new ends (new ones made, gone
  // ones deleted, the rest untouched); the tunnel bridge's part follows its
  // owner.
  std::set<std::string> links_now;
  for (const auto& seg : to.segments) {
    if (seg.ends.empty()) continue;
    links_now.insert(seg.link);
    auto v = vni(to.net, seg.link);
    if (!v) return Error::conflict(owner_text(to, "link " + seg.link) + ": no VNI reserved");
    std::string owner;
    auto spec = link_spec(to, seg, *v, &owner);
    if (!spec) return spec.error();
    if (Status s = lab_->reconcile_link(*spec, to.substrate); !s)
      return Error(s.error().code, owner_text(to, "link " + seg.link) + ": " + s.error().message);
    if (owner == to.substrate && !spec->transit.empty()) {
      Status s = lab_->attach_transit(*spec);
      if (!s && s.error().message.find("attached already") != std::string::npos)
        s = lab_->update_link_peers(*spec, netlab::kTunnelBridge);
      if (!s)
        return Error(s.error().code,
                     owner_text(to, "transit link " + seg.link) + ": " + s.error().message);
    }
  }
  for (const auto& seg : from.segments) {
    if (seg.ends.empty() || links_now.count(seg.link)) continue;
    // The link no longer ends here.
    auto v = vni(from.net, seg.link);
    if (!v) continue;
    std::string owner;
    auto spec = link_spec(from, seg, *v, &owner);
    if (!spec) return spec.error();
    if (Status s = lab_->detach_link(*spec, from.substrate); !s) return s;
    if (owner == from.substrate)
      if (Status s = lab_->detach_transit(*spec); !s) return s;
  }
  for (const auto& [n, came_from] : moving)
    if (Status s = switch_over(to, *n, came_from); !s) return s;
  // Nodes that went: their link ends are gone already.
  for (const auto& n : from.nodes)
    if (before.count(n.id) && !after.count(n.id))
      if (Status s = remove_instance(from, n); !s) return s;
  std::lock_guard lock(mu_);
  for (const auto& seg : from.segments) {
    if (links_now.count(seg.link)) continue;
    auto it = vnis_.find({from.net, seg.link});
    if (it == vnis_.end()) continue;
    it->second.holders.erase(from.substrate);
    if (it->second.holders.empty()) {
      vni_owner_.erase(it->second.vni);
      vnis_.erase(it);
    }
  }
  return Status::Ok();
}

// --- instances and migration --------------------------------------------------

std::string LinuxPlugin::instance_name_locked(const std::string& net, const std::string& node,
                                              const std::string& host) const {
  auto it = instances_.find({net, node});
  if (it == instances_.end() || it->second.empty()) return node;
  if (auto h = it->second.find(host); h != it->second.end()) return h->second;
  return node + "@" + host;
}

std::optional<std::string> LinuxPlugin::instance(const std::string& net, const std::string& node,
                                                 const std::string& host) const {
  std::lock_guard lock(mu_);
  auto it = instances_.find({net, node});
  if (it == instances_.end()) return std::nullopt;
  auto h = it->second.find(host);
  if (h == it->second.end()) return std::nullopt;
  return h->second;
}

std::string LinuxPlugin::here(const EmbeddingUnit& unit, const UnitNode& node) const {
  return instance(unit.net, node.name(), unit.substrate).value_or(node.name());
}

std::vector<LinuxPlugin::Migration> LinuxPlugin::migrations() const {
  std::lock_guard lock(mu_);
  return migrations_;
}

Status LinuxPlugin::create_instance(const EmbeddingUnit& unit, const UnitNode& n,
                                    std::optional<std::pair<std::string, std::string>>* from) {
  auto limits = node_limits(n, options_.pids_max);
  if (!limits) return Error::invalid(owner_text(unit, "unit") + ": " + limits.error().message);
  netlab::NodeSpec ns;
  ns.net = unit.net;
  ns.host = unit.substrate;
  ns.hostname = n.name();
  ns.limits = *limits;
  {
    std::lock_guard lock(mu_);
    ns.name = instance_name_locked(unit.net, n.name(), unit.substrate);
    auto& at = instances_[{unit.net, n.name()}];
    for (const auto& [host, name] : at)
      if (host != unit.substrate) *from = std::make_pair(host, name);
    at[unit.substrate] = ns.name;
  }
  if (Status s = lab_->create_node(ns); !s) {
    std::lock_guard lock(mu_);
    auto it = instances_.find({unit.net, n.name()});
    if (it != instances_.end()) {
      it->second.erase(unit.substrate);
      if (it->second.empty()) instances_.erase(it);
    }
    return s;
  }
  return Status::Ok();
}

Status LinuxPlugin::remove_instance(const EmbeddingUnit& unit, const UnitNode& n) {
  const std::string name = here(unit, n);
  if (Status s = lab_->remove_node(unit.net, name); !s) return s;
  std::lock_guard lock(mu_);
  auto it = instances_.find({unit.net, n.name()});
  if (it != instances_.end()) {
    it->second.erase(unit.substrate);
    if (it->second.empty()) instances_.erase(it);
  }
  return Status::Ok();
}

Status LinuxPlugin::repoint_peers(const EmbeddingUnit& unit, const UnitNode& node) {
  for (const auto& seg : unit.segments) {
    if (!std::any_of(seg.ends.begin(), seg.ends.end(),
                     [&](const LinkEnd& e) { return e.node == node.id; }))
      continue;
    auto v = vni(unit.net, seg.link);
    if (!v) continue;
    auto spec = link_spec(unit, seg, *v);
    if (!spec) return spec.error();
    // Every host that has a part of the link (the old one among them, until
    // its unit is updated), the tunnel bridge too.
    for (const auto& h : lab_->link_hosts(unit.net, seg.link)) {
      if (h == unit.substrate) continue;
      if (Status s = lab_->update_link_peers(*spec, h); !s) return s;
    }
  }
  return Status::Ok();
}

Status LinuxPlugin::switch_over(const EmbeddingUnit& unit, const UnitNode& node,
                                const std::pair<std::string, std::string>& from) {
  const std::string now = here(unit, node);
  const std::string what = owner_text(unit, "moving node " + node.id) + " from " + from.first;
  auto state = lab_->node_state(unit.net, from.second);
  if (!state) return Error(state.error().code, what + ": " + state.error().message);
  const auto t0 = std::chrono::steady_clock::now();
  // Downtime starts: the old instance stops running and sending.
  if (*state == netlab::NodeState::kRunning)
    if (Status s = lab_->suspend_node(unit.net, from.second); !s)
      return Error(s.error().code, what + ": " + s.error().message);
  if (*state != netlab::NodeState::kAbsent) {
    if (Status s = lab_->move_rootfs(unit.net, from.second, now); !s)
      return Error(s.error().code, what + ": " + s.error().message);
    if (Status s = lab_->copy_addresses(unit.net, from.second, now); !s) return s;
    const std::string old_ns = lab_->netns_of(unit.net, from.second);
    for (const auto& i : node.interfaces) (void)netlab::ip(old_ns, {"link", "set", i, "down"});
  }
  if (Status s = repoint_peers(unit, node); !s)
    return Error(s.error().code, what + ": " + s.error().message);
  if (*state == netlab::NodeState::kRunning || *state == netlab::NodeState::kSuspended) {
    if (Status s = lab_->start_node(unit.net, now); !s)
      return Error(s.error().code, what + ": " + s.error().message);
    if (*state == netlab::NodeState::kSuspended)
      if (Status s = lab_->suspend_node(unit.net, now); !s)
        return Error(s.error().code, what + ": " + s.error().message);
  }
  Migration m{unit.net, node.id, from.first, unit.substrate, ms_since(t0)};
  std::cerr << "linux plugin " << tag().str() << ": moved node " << node.id << " of " << unit.net
            << " from " << from.first << " to " << unit.substrate << ", downtime " << m.downtime_ms
            << " ms\n";
  std::lock_guard lock(mu_);
  migrations_.push_back(std::move(m));
  return Status::Ok();
}

// --- nodes ------------------------------------------------------------------

Status LinuxPlugin::act(const EmbeddingUnit& unit, const UnitNode& node, NodeAction action) {
  if (transit_view(unit).stubs.count(node.id)) return Status::Ok();  // the tunnel is always up
  const std::string n = here(unit, node);
  switch (action) {
    case NodeAction::kStart: return lab_->start_node(unit.net, n);
    case NodeAction::kStop: return lab_->stop_node(unit.net, n);
    case NodeAction::kSuspend: return lab_->suspend_node(unit.net, n);
    case NodeAction::kResume: return lab_->resume_node(unit.net, n);
    case NodeAction::kPowercycle:
      // A hard reset: every process goes, init starts afresh (no CRIU).
      if (Status s = lab_->stop_node(unit.net, n); !s) return s;
      return lab_->start_node(unit.net, n);
  }
  return Error::invalid("unknown node action");
}

Result<PowerState> LinuxPlugin::status(const EmbeddingUnit& unit, const UnitNode& node) {
  if (transit_view(unit).stubs.count(node.id)) return PowerState::kRunning;
  auto st = lab_->node_state(unit.net, here(unit, node));
  if (!st) return st.error();
  if (*st == netlab::NodeState::kAbsent)
    return Error::not_found("node " + node.id + " of " + unit.net + " does not exist on " +
                            unit.substrate);
  return power_of(*st);
}

void LinuxPlugin::reap_consoles(bool wait) {
  std::vector<pid_t> pids;
  {
    std::lock_guard lock(mu_);
    pids.swap(consoles_);
  }
  std::vector<pid_t> alive;
  for (pid_t p : pids) {
    if (wait) ::kill(p, SIGHUP);  // the pty's hang-up, if the relay still holds it
    if (!netlab::reap(p, std::chrono::milliseconds(wait ? 2000 : 0))) {
      if (wait) {
        ::kill(p, SIGKILL);
        netlab::reap(p, std::chrono::milliseconds(2000));
      } else {
        alive.push_back(p);
      }
    }
  }
  std::lock_guard lock(mu_);
  consoles_.insert(consoles_.end(), alive.begin(), alive.end());
}

Result<console::Connector> LinuxPlugin::console(const EmbeddingUnit& unit, const UnitNode& node) {
  if (transit_view(unit).stubs.count(node.id))
    return Error::unavailable("node " + node.id + " of " + unit.net +
                              " is where a transit link continues at another provider; it has "
                              "no console");
  reap_consoles(false);
  auto st = lab_->node_state(unit.net, here(unit, node));
  if (!st) return st.error();
  if (*st != netlab::NodeState::kRunning)
    return Error::conflict("node " + node.id + " of " + unit.net + " is " + netlab::to_string(*st) +
                           "; its console needs it running");
  // The connector runs later on a relay session's thread, possibly after
  // the plugin is gone.
  std::weak_ptr<LinuxPlugin> self = weak_from_this();
  const std::string net = unit.net;
  const std::string name = here(unit, node);
  const std::string node_name = node.name();
  return console::Connector([self, net, name, node_name]() -> Result<console::Channel> {
    auto plugin = self.lock();
    if (!plugin) return Error::unavailable("the linux plugin has stopped");
    plugin->reap_consoles(false);
    // Looked up again when the session opens (thesis 3.3.5): a node that
    // moved since the ticket was issued is reached where it runs now.
    std::string where = name;
    {
      std::lock_guard lock(plugin->mu_);
      auto it = plugin->instances_.find({net, node_name});
      if (it != plugin->instances_.end())
        for (const auto& [host, instance] : it->second)
          if (auto now = plugin->lab_->node_state(net, instance);
              now && *now == netlab::NodeState::kRunning)
            where = instance;
    }
    auto sp = plugin->lab_->spawn_in_node(net, where, {"/bin/sh", "-i"}, true);
    if (!sp) return sp.error();
    {
      std::lock_guard lock(plugin->mu_);
      plugin->consoles_.push_back(sp->pid);
    }
    console::Channel ch;
    ch.read = console::Fd(sp->fd);  // the pty's master: both directions
    return ch;
  });
}

}  // namespace cloudnet::embed
