#include "netlab/substrate.h"

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <queue>
#include <set>

#include "flerd/graph.h"
#include "netlab/command.h"
#include "netlab/kernel.h"

namespace cloudnet::netlab {

namespace {

std::optional<std::uint32_t> parse_ipv4(std::string_view s) {
  std::uint32_t out = 0;
  int parts = 0;
  std::size_t i = 0;
  while (parts < 4) {
    std::size_t j = i;
    std::uint32_t v = 0;
    while (j < s.size() && s[j] >= '0' && s[j] <= '9' && j - i < 3) v = v * 10 + (s[j++] - '0');
    if (j == i || v > 255) return std::nullopt;
    out = (out << 8) | v;
    ++parts;
    i = j;
    if (parts < 4) {
      if (i >= s.size() || s[i] != '.') return std::nullopt;
      ++i;
    }
  }
  if (i != s.size()) return std::nullopt;
  return out;
}

std::string ipv4_text(std::uint32_t a) {
  return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 255) + "." +
         std::to_string((a >> 8) & 255) + "." + std::to_string(a & 255);
}

struct Range {
  std::uint32_t base = 0;
  std::uint32_t size = 0;  // number of addresses
};

Result<Range> parse_range(const std::string& cidr) {
  const auto slash = cidr.find('/');
  if (slash == std::string::npos) return Error::invalid("address range '" + cidr + "' needs /len");
  auto base = parse_ipv4(std::string_view(cidr).substr(0, slash));
  int len = -1;
  try {
    len = std::stoi(cidr.substr(slash + 1));
  } catch (...) {
    len = -1;
  }
  if (!base || len < 8 || len > 30) return Error::invalid("bad address range '" + cidr + "'");
  const std::uint32_t size = std::uint32_t{1} << (32 - len);
  return Range{*base & ~(size - 1), size};
}

// The bandwidth of a substrate link in Mbit/s, from a resource whose
// attribute names bandwidth (e.g. /link/symmetric/bandwidth, value 1000 Mbps).
std::optional<double> bandwidth_of(const flerd::NetworkElement& link) {
  for (const auto& r : link.resource) {
    if (!r.target || r.target->attribute.find("bandwidth") == std::string::npos) continue;
    double v = r.target->value;
    std::string unit = r.target->resource_unit.value_or("Mbps");
    std::transform(unit.begin(), unit.end(), unit.begin(), ::tolower);
    if (unit.starts_with("gb"))
      v *= 1000;
    else if (unit.starts_with("kb"))
      v /= 1000;
    else if (unit == "bps" || unit == "bit/s")
      v /= 1e6;
    if (v > 0) return v;
  }
  return std::nullopt;
}

// A device name for an interface of a lab node: the FleRD interface
// identifier when it is a usable, unused name, else e<k>.
std::string device_name(const flerd::NetworkInterface* ni, std::set<std::string>& used) {
  if (ni) {
    std::string n = sanitize(ni->identifier);
    if (!ni->identifier.empty() && n.size() <= 15 && n != "lo" && used.insert(n).second) return n;
  }
  for (int k = 0;; ++k) {
    std::string n = "e";
    n += std::to_string(k);
    if (used.insert(n).second) return n;
  }
}

}  // namespace

std::string exchange_netns(std::string_view exchange) {
  return detail::cat(std::string(kPrefix), "ix-", sanitize(exchange));
}

std::string exchange_device(const Tag& tag) {
  return "x-" + tag.str();
}

bool is_ipv4(std::string_view text) {
  return parse_ipv4(text).has_value();
}

std::vector<std::string> tbf_args(const std::string& dev, double mbps) {
  const double bytes_per_s = mbps * 1e6 / 8;
  const auto burst =
      std::max<std::uint64_t>(32 * 1024, static_cast<std::uint64_t>(bytes_per_s * 0.005));
  const auto kbit = std::max<std::uint64_t>(8, static_cast<std::uint64_t>(mbps * 1000));
  return {"qdisc",   "replace",
          "dev",     dev,
          "root",    "tbf",
          "rate",    std::to_string(kbit) + "kbit",
          "burst",   std::to_string(burst),
          "latency", "50ms"};
}

const LabNode* SubstratePlan::find(std::string_view element) const {
  if (element.empty()) return nullptr;
  for (const auto& n : nodes)
    if (n.element == element) return &n;
  for (const auto& n : nodes)
    if (!n.identifier.empty() && n.identifier == element) return &n;
  return nullptr;
}

const LabNode* SubstratePlan::gateway() const {
  for (const auto& n : nodes)
    if (n.gateway) return &n;
  return nullptr;
}

std::string SubstratePlan::uplink_address() const {
  if (!uplink) return "";
  return uplink->address.substr(0, uplink->address.find('/'));
}

std::string SubstratePlan::describe() const {
  std::string out;
  for (const auto& n : nodes)
    out += "node " + (n.gateway ? std::string("(tunnel bridge)") : n.element) +
           (n.hub ? " (hub)" : "") + " netns " + n.netns + " addr " + n.address + "\n";
  for (const auto& w : wires) {
    out += "wire " + w.link + ": " + nodes[static_cast<std::size_t>(w.a)].element + "/" + w.dev_a +
           " " + w.addr_a + " <-> " + nodes[static_cast<std::size_t>(w.b)].element + "/" + w.dev_b +
           " " + w.addr_b;
    if (w.bandwidth_mbps) {
      out += ' ';
      out += std::to_string(static_cast<long>(*w.bandwidth_mbps));
      out += " Mbps";
    }
    out += "\n";
  }
  for (const auto& r : routes)
    out += "route " + nodes[static_cast<std::size_t>(r.node)].element + ": " + r.dest + " via " +
           r.via + " dev " + r.dev + "\n";
  return out;
}

Result<SubstratePlan> plan_substrate(const flerd::Document& doc, const Tag& tag,
                                     const SubstrateOptions& options) {
  // The UL graph: the one asked for, else the only one, else UL0.
  const flerd::Topology* ul = nullptr;
  int uls = 0;
  for (const auto& t : doc.topologies)
    if (t.graphLabel && t.graphLabel->graph_type == flerd::GraphType::UL) {
      ++uls;
      if (!ul || (!options.ul_layer && t.graphLabel->graph_nr == 0)) ul = &t;
      if (options.ul_layer && t.graphLabel->graph_nr == *options.ul_layer) ul = &t;
    }
  if (!ul || (options.ul_layer && ul->graphLabel->graph_nr != *options.ul_layer)) {
    std::string msg = "substrate document has no UL graph";
    if (options.ul_layer) msg += ' ' + std::to_string(*options.ul_layer);
    return Error::invalid(std::move(msg));
  }
  auto wires_range = parse_range(options.wire_range);
  if (!wires_range) return wires_range.error();
  auto loop_range = parse_range(options.loopback_range);
  if (!loop_range) return loop_range.error();

  const auto g = flerd::GraphView::of(doc, *ul);
  SubstratePlan plan;
  plan.tag = tag;
  plan.shape_links = options.shape_links;
  std::map<int, int> lab_of;  // graph vertex -> LabNode index
  std::set<std::string> netns_names;
  auto add_node = [&](const flerd::NetworkElement& ne, bool hub) -> Status {
    LabNode n;
    n.element = ne.id;
    n.identifier = ne.identifier;
    n.type = ne.ne_type;
    n.hub = hub;
    n.netns = substrate_netns(tag, ne.id);
    if (!netns_names.insert(n.netns).second)
      return Error::invalid("substrate elements collide on namespace name " + n.netns);
    const std::uint32_t idx = static_cast<std::uint32_t>(plan.nodes.size()) + 1;
    if (idx >= loop_range->size - 1)
      return Error::invalid("loopback range " + options.loopback_range + " too small");
    n.address = ipv4_text(loop_range->base + idx);
    plan.nodes.push_back(std::move(n));
    return Status::Ok();
  };
  for (std::size_t v = 0; v < g.vertex_count(); ++v) {
    const auto& ne = g.vertex(static_cast<int>(v));
    if (!ne.is_node()) continue;
    lab_of[static_cast<int>(v)] = static_cast<int>(plan.nodes.size());
    if (auto st = add_node(ne, false); !st) return st.error();
  }
  if (plan.nodes.empty()) return Error::invalid("UL graph has no substrate nodes");

  std::vector<std::set<std::string>> used(plan.nodes.size());
  auto add_wire = [&](const std::string& link, int a, const flerd::NetworkInterface* ia, int b,
                      const flerd::NetworkInterface* ib, std::optional<double> bw) -> Status {
    const std::uint32_t k = static_cast<std::uint32_t>(plan.wires.size());
    if ((k + 1) * 4 > wires_range->size)
      return Error::invalid("wire range " + options.wire_range + " too small");
    LabWire w;
    w.link = link;
    w.a = a;
    w.b = b;
    used.resize(plan.nodes.size());
    w.dev_a = device_name(ia, used[static_cast<std::size_t>(a)]);
    w.dev_b = device_name(ib, used[static_cast<std::size_t>(b)]);
    w.addr_a = ipv4_text(wires_range->base + 4 * k + 1) + "/30";
    w.addr_b = ipv4_text(wires_range->base + 4 * k + 2) + "/30";
    w.bandwidth_mbps = bw;
    plan.wires.push_back(std::move(w));
    return Status::Ok();
  };
  // The interface of node vertex n on edge e.
  auto iface = [&](int e, int n) {
    const auto& ed = g.edges()[static_cast<std::size_t>(e)];
    return ed.a == n ? ed.ia : ed.ib;
  };
  for (std::size_t v = 0; v < g.vertex_count(); ++v) {
    const int vi = static_cast<int>(v);
    const auto& ne = g.vertex(vi);
    if (ne.is_node()) {
      // Two node interfaces connected directly, without a link element (in
      // the order of the other node, for a deterministic plan).
      std::vector<int> inc = g.incident(vi);
      std::stable_sort(inc.begin(), inc.end(), [&](int x, int y) {
        const auto& ex = g.edges()[static_cast<std::size_t>(x)];
        const auto& ey = g.edges()[static_cast<std::size_t>(y)];
        return (ex.a == vi ? ex.b : ex.a) < (ey.a == vi ? ey.b : ey.a);
      });
      for (int e : inc) {
        const auto& ed = g.edges()[static_cast<std::size_t>(e)];
        const int other = ed.a == vi ? ed.b : ed.a;
        if (other <= vi || !g.vertex(other).is_node()) continue;
        if (auto st = add_wire(ne.id + "~" + g.vertex(other).id, lab_of[vi], iface(e, vi),
                               lab_of[other], iface(e, other), std::nullopt);
            !st)
          return st.error();
      }
      continue;
    }
    if (!ne.is_link()) continue;
    std::vector<std::pair<int, const flerd::NetworkInterface*>> ends;  // lab node, its interface
    for (int e : g.incident(vi)) {
      const auto& ed = g.edges()[static_cast<std::size_t>(e)];
      const int other = ed.a == vi ? ed.b : ed.a;
      if (g.vertex(other).is_node()) ends.emplace_back(lab_of[other], iface(e, other));
    }
    // By lab node, so the plan does not depend on the graph's edge order.
    std::stable_sort(ends.begin(), ends.end(),
                     [](const auto& x, const auto& y) { return x.first < y.first; });
    const auto bw = bandwidth_of(ne);
    if (ends.size() == 2) {
      if (auto st =
              add_wire(ne.id, ends[0].first, ends[0].second, ends[1].first, ends[1].second, bw);
          !st)
        return st.error();
    } else if (ends.size() > 2) {
      // A shared medium: a hub namespace that routes between its ends.
      const int hub = static_cast<int>(plan.nodes.size());
      if (auto st = add_node(ne, true); !st) return st.error();
      for (const auto& [n, ni] : ends)
        if (auto st = add_wire(ne.id, hub, nullptr, n, ni, bw); !st) return st.error();
    }
  }

  // The tunnel bridge: one more lab node, wired to the uplink's host.
  if (options.uplink) {
    const Uplink& u = *options.uplink;
    if (!Tag::make(u.exchange) || u.exchange == "ix")
      return Error::invalid("uplink exchange '" + u.exchange +
                            "' must have 1 to 8 characters [a-z0-9] (and not be 'ix')");
    const auto slash = u.address.find('/');
    int len = -1;
    if (slash != std::string::npos && slash + 1 < u.address.size() && slash + 3 >= u.address.size())
      if (std::all_of(u.address.begin() + static_cast<std::ptrdiff_t>(slash) + 1, u.address.end(),
                      [](char c) { return c >= '0' && c <= '9'; }))
        len = std::stoi(u.address.substr(slash + 1));
    if (slash == std::string::npos || !is_ipv4(u.address.substr(0, slash)) || len < 8 || len > 30)
      return Error::invalid("uplink address '" + u.address +
                            "' must be an IPv4 address with the exchange's prefix length, e.g. "
                            "10.250.0.1/16");
    int at = -1;
    if (u.host.empty()) {
      for (std::size_t i = 0; i < plan.nodes.size() && at < 0; ++i)
        if (!plan.nodes[i].hub && plan.nodes[i].type.rfind("/node/host", 0) == 0)
          at = static_cast<int>(i);
      for (std::size_t i = 0; i < plan.nodes.size() && at < 0; ++i)
        if (!plan.nodes[i].hub) at = static_cast<int>(i);
    } else if (const LabNode* h = plan.find(u.host); h && !h->hub) {
      at = static_cast<int>(h - plan.nodes.data());
    }
    if (at < 0) return Error::invalid("uplink host '" + u.host + "' is not a substrate node");
    LabNode gw;
    gw.identifier = kTunnelBridge;
    gw.type = "/node/gateway";
    gw.gateway = true;
    gw.netns = prefix(tag) + "g";
    const std::uint32_t idx = static_cast<std::uint32_t>(plan.nodes.size()) + 1;
    if (idx >= loop_range->size - 1)
      return Error::invalid("loopback range " + options.loopback_range + " too small");
    gw.address = ipv4_text(loop_range->base + idx);
    plan.nodes.push_back(std::move(gw));
    if (auto st = add_wire("tunnel-bridge", static_cast<int>(plan.nodes.size()) - 1, nullptr, at,
                           nullptr, std::nullopt);
        !st)
      return st.error();
    plan.uplink = u;
    plan.uplink->host = plan.nodes[static_cast<std::size_t>(at)].element;
  }

  // Shortest paths by hops from every lab node (BFS; ties broken by wire
  // order, so the plan is deterministic).
  const int n = static_cast<int>(plan.nodes.size());
  std::vector<std::vector<int>> adj(static_cast<std::size_t>(n));  // wire indices
  for (std::size_t w = 0; w < plan.wires.size(); ++w) {
    adj[static_cast<std::size_t>(plan.wires[w].a)].push_back(static_cast<int>(w));
    adj[static_cast<std::size_t>(plan.wires[w].b)].push_back(static_cast<int>(w));
  }
  for (int s = 0; s < n; ++s) {
    std::vector<int> first(static_cast<std::size_t>(n), -1);  // first wire on the path from s
    std::vector<bool> seen(static_cast<std::size_t>(n), false);
    std::queue<int> q;
    q.push(s);
    seen[static_cast<std::size_t>(s)] = true;
    while (!q.empty()) {
      const int u = q.front();
      q.pop();
      for (int w : adj[static_cast<std::size_t>(u)]) {
        const auto& wire = plan.wires[static_cast<std::size_t>(w)];
        const int v = wire.a == u ? wire.b : wire.a;
        if (seen[static_cast<std::size_t>(v)]) continue;
        seen[static_cast<std::size_t>(v)] = true;
        first[static_cast<std::size_t>(v)] = u == s ? w : first[static_cast<std::size_t>(u)];
        q.push(v);
      }
    }
    for (int d = 0; d < n; ++d) {
      const int w = first[static_cast<std::size_t>(d)];
      if (d == s || w < 0) continue;
      const auto& wire = plan.wires[static_cast<std::size_t>(w)];
      const bool at_a = wire.a == s;
      const std::string& peer = at_a ? wire.addr_b : wire.addr_a;
      LabRoute r;
      r.node = s;
      r.dest = plan.nodes[static_cast<std::size_t>(d)].address + "/32";
      r.via = peer.substr(0, peer.find('/'));
      r.dev = at_a ? wire.dev_a : wire.dev_b;
      r.src = plan.nodes[static_cast<std::size_t>(s)].address;
      plan.routes.push_back(std::move(r));
    }
  }
  return plan;
}

namespace {

// The lab speaks IPv4 only. With IPv6 on, every device it brings up (the
// links' VXLAN devices above all) sends router solicitations, DAD and MLD
// into the customers' segments: provider frames in a VNet.
Status quiet_ipv6(const std::string& ns) {
  if (::access("/proc/sys/net/ipv6", F_OK) != 0) return Status::Ok();  // no IPv6 at all
  for (const char* k : {"net.ipv6.conf.all.disable_ipv6", "net.ipv6.conf.default.disable_ipv6"})
    if (auto st = set_sysctl(ns, k, "1"); !st) return st;
  return Status::Ok();
}

// The tunnel bridge's veth into the exchange (created if this is the first
// lab there), its address and the routes both ways (substrate.h).
Status join_exchange(const SubstratePlan& plan, const LabNode& gw) {
  const Uplink& u = *plan.uplink;
  const std::string ex = exchange_netns(u.exchange);
  if (!netns_exists(ex)) {
    // Two labs starting at once may both try: the loser finds it made.
    if (auto st = add_netns(ex); !st && !netns_exists(ex)) return st;
    // Forwards between labs and answers ARP for every lab's address (each
    // lab reaches the whole prefix on-link).
    for (const auto& [k, v] :
         {std::pair{"net.ipv4.ip_forward", "1"}, std::pair{"net.ipv4.conf.all.proxy_arp", "1"},
          std::pair{"net.ipv4.conf.all.rp_filter", "0"},
          std::pair{"net.ipv4.conf.default.rp_filter", "0"}})
      if (auto st = set_sysctl(ex, k, v); !st) return st;
    if (auto st = quiet_ipv6(ex); !st) return st;
  }
  const std::string xdev = exchange_device(plan.tag);
  if (auto st = ip(gw.netns, {"link", "add", kUplinkDevice, "type", "veth", "peer", "name", xdev,
                              "netns", ex});
      !st)
    return st;
  const std::string addr = plan.uplink_address();
  const auto slash = u.address.find('/');
  // The prefix as a network: the kernel refuses a route with host bits set.
  auto net = parse_ipv4(addr);
  const int len = std::stoi(u.address.substr(slash + 1));
  const std::uint32_t mask = len == 0 ? 0 : ~std::uint32_t{0} << (32 - len);
  const std::string prefix_text = ipv4_text(*net & mask) + "/" + std::to_string(len);
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"addr", "add", addr + "/32", "dev", kUplinkDevice},
           {"link", "set", kUplinkDevice, "up"},
           {"route", "replace", prefix_text, "dev", kUplinkDevice, "src", addr}})
    if (auto st = ip(gw.netns, args); !st) return st;
  if (auto st = ip(ex, {"link", "set", xdev, "up"}); !st) return st;
  return ip(ex, {"route", "replace", addr + "/32", "dev", xdev});
}

}  // namespace

Status build_substrate(const SubstratePlan& plan) {
  auto fail = [&](Status st) -> Status {
    (void)remove_substrate(plan);
    return Error(st.error().code, "building lab substrate: " + st.error().message);
  };
  for (const auto& n : plan.nodes) {
    if (auto st = add_netns(n.netns); !st) return fail(st);
    if (auto st = ip(n.netns, {"addr", "add", n.address + "/32", "dev", "lo"}); !st)
      return fail(st);
    // A substrate node forwards (a router, or a host on a path). rp_filter
    // off: replies come from loopback addresses over any wire.
    for (const auto& [k, v] :
         {std::pair{"net.ipv4.ip_forward", "1"}, std::pair{"net.ipv4.conf.all.rp_filter", "0"},
          std::pair{"net.ipv4.conf.default.rp_filter", "0"}})
      if (auto st = set_sysctl(n.netns, k, v); !st) return fail(st);
    if (auto st = quiet_ipv6(n.netns); !st) return fail(st);
  }
  for (const auto& w : plan.wires) {
    const auto& a = plan.nodes[static_cast<std::size_t>(w.a)];
    const auto& b = plan.nodes[static_cast<std::size_t>(w.b)];
    // Created inside a's namespace with the peer straight in b's: the pair
    // never exists in the root namespace.
    if (auto st = ip(a.netns, {"link", "add", w.dev_a, "type", "veth", "peer", "name", w.dev_b,
                               "netns", b.netns});
        !st)
      return fail(st);
    for (const auto& [ns, dev, addr] :
         {std::tuple{a.netns, w.dev_a, w.addr_a}, std::tuple{b.netns, w.dev_b, w.addr_b}}) {
      if (auto st = ip(ns, {"addr", "add", addr, "dev", dev}); !st) return fail(st);
      if (auto st = ip(ns, {"link", "set", dev, "up"}); !st) return fail(st);
      if (plan.shape_links && w.bandwidth_mbps)
        if (auto st = tc(ns, tbf_args(dev, *w.bandwidth_mbps)); !st) return fail(st);
    }
  }
  // Routes grow with the square of the lab's size: one `ip -batch` per
  // namespace instead of one process per route.
  std::vector<std::string> batches(plan.nodes.size());
  for (const auto& r : plan.routes)
    batches[static_cast<std::size_t>(r.node)] +=
        detail::cat("route replace ", r.dest, " via ", r.via, " dev ", r.dev, " src ", r.src, "\n");
  for (std::size_t i = 0; i < plan.nodes.size(); ++i) {
    if (batches[i].empty()) continue;
    RunOptions o;
    o.input = batches[i];
    if (auto st = check({"ip", "-n", plan.nodes[i].netns, "-batch", "-"}, o); !st) return fail(st);
  }
  if (const LabNode* gw = plan.gateway(); gw && plan.uplink) {
    if (auto st = join_exchange(plan, *gw); !st) return fail(st);
  }
  return Status::Ok();
}

Status remove_substrate(const SubstratePlan& plan) {
  std::string errors;
  for (auto it = plan.nodes.rbegin(); it != plan.nodes.rend(); ++it)
    if (auto st = delete_netns(it->netns); !st)
      errors += (errors.empty() ? "" : "; ") + st.error().message;
  // The tunnel bridge's veth went with its namespace.
  if (plan.uplink)
    if (auto st = prune_exchanges(); !st)
      errors += (errors.empty() ? "" : "; ") + st.error().message;
  if (!errors.empty()) return Error::unavailable("removing lab substrate: " + errors);
  return Status::Ok();
}

}  // namespace cloudnet::netlab
