#include "roles/vnp/vnp_service.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "flerd/completion.h"
#include "flerd/io.h"
#include "flerd/validate.h"
#include "flerd/vocabulary.h"
#include "mapping/builder.h"
#include "mapping/strategy.h"
#include "roles/hiding.h"
#include "roles/stored_document.h"

namespace cloudnet::roles::vnp {

namespace {

std::string new_vnet_id() {
  static std::mutex mu;
  static std::mt19937_64 rng{
      std::random_device{}() ^
      static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count())};
  std::lock_guard lock(mu);
  char buf[24];
  std::snprintf(buf, sizeof buf, "vv-%012llx",
                static_cast<unsigned long long>(rng() & 0xffffffffffffULL));
  return buf;
}

std::string join(const std::vector<std::string>& v, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) out += sep;
    out += v[i];
  }
  return out;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

const flerd::Topology* highest(const flerd::Document& doc, flerd::GraphType type) {
  const flerd::Topology* best = nullptr;
  for (const auto& t : doc.topologies)
    if (t.graphLabel && t.graphLabel->graph_type == type &&
        (!best || t.graphLabel->graph_nr > best->graphLabel->graph_nr))
      best = &t;
  return best;
}

std::string bw_resource(const std::string& transit) {
  return "transit/" + transit + "/bandwidth";
}
std::string id_resource(const std::string& transit, int identifier) {
  return "transit/" + transit + "/identifier/" + std::to_string(identifier);
}

// A stub's id in a partial VNet, derived from the crossing link's id (ids
// stay the customer's; nothing of a PIP's substrate).
std::string stub_id(const std::string& link) {
  return link + "-peer";
}
bool is_stub(const std::string& id) {
  return id.size() > 5 && id.ends_with("-peer");
}

// The idempotency key of the create that asks `provider` for its part of
// VNet `vnet` (roles::Caller): the same on a retry after a restart.
std::string part_key(const std::string& vnet, const std::string& provider) {
  return "vnp-" + vnet + "-" + provider;
}

// A pending create's payload: per provider its partial VNet as sent
// ("<provider>\n<length>\n<text>" repeated; length-prefixed, so any text).
std::string encode_parts(const std::map<std::string, std::string>& parts) {
  std::string out;
  for (const auto& [p, text] : parts) out += p + "\n" + std::to_string(text.size()) + "\n" + text;
  return out;
}
std::map<std::string, std::string> decode_parts(const std::string& payload) {
  std::map<std::string, std::string> out;
  std::size_t at = 0;
  while (at < payload.size()) {
    const std::size_t nl1 = payload.find('\n', at);
    if (nl1 == std::string::npos) break;
    const std::size_t nl2 = payload.find('\n', nl1 + 1);
    if (nl2 == std::string::npos) break;
    std::size_t len = 0;
    const char* first = payload.data() + nl1 + 1;
    const char* last = payload.data() + nl2;
    auto [ptr, ec] = std::from_chars(first, last, len);
    if (ec != std::errc() || ptr != last) break;  // not ours: only recorded parts are cancelled
    if (nl2 + 1 + len > payload.size()) break;
    out[payload.substr(at, nl1 - at)] = payload.substr(nl2 + 1, len);
    at = nl2 + 1 + len;
  }
  return out;
}

// FNV-1a: a request's fingerprint for idempotency keys, stable across
// restarts (as the PIP's).
std::string fingerprint(std::string_view text) {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Runs calls[i]() on their own threads (or in order when !parallel) and
// waits at most `timeout_s` for each (paper 5.5: sending partial graphs to all
// involved PIPs in parallel). A call still running at its deadline is
// abandoned with kUnavailable; when it finishes later, `late` runs on its
// thread with the result (e.g. cancels a part granted too late), so the
// threads own everything they touch and may outlive the caller.
template <class T>
std::vector<Result<T>> fan_out(std::vector<std::function<Result<T>()>> calls, bool parallel,
                               double timeout_s,
                               std::function<void(std::size_t, const Result<T>&)> late = {}) {
  std::vector<Result<T>> out;
  out.reserve(calls.size());
  if (!parallel) {
    for (auto& c : calls) out.push_back(c());
    return out;
  }
  struct Slot {
    std::mutex m;
    std::condition_variable cv;
    bool done = false;
    bool abandoned = false;
    std::optional<Result<T>> r;
  };
  std::vector<std::shared_ptr<Slot>> slots;
  for (std::size_t i = 0; i < calls.size(); ++i) {
    auto slot = std::make_shared<Slot>();
    slots.push_back(slot);
    std::thread([slot, call = std::move(calls[i]), late, i] {
      Result<T> r = call();
      bool abandoned = false;
      {
        std::lock_guard lock(slot->m);
        abandoned = slot->abandoned;
        if (!abandoned) {
          slot->r.emplace(std::move(r));
          slot->done = true;
        }
      }
      if (abandoned) {
        if (late) late(i, r);
      } else {
        slot->cv.notify_all();
      }
    }).detach();
  }
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(std::llround(std::max(0.001, timeout_s) * 1000));
  for (auto& slot : slots) {
    std::unique_lock lock(slot->m);
    if (!slot->cv.wait_until(lock, deadline, [&] { return slot->done; })) {
      slot->abandoned = true;
      out.push_back(Error::unavailable("no answer within " + std::to_string(timeout_s) + " s"));
    } else {
      out.push_back(std::move(*slot->r));
    }
  }
  return out;
}

// The worse of two element/VNet states for aggregation (a VNet is only as
// far along as its least advanced part; failed dominates).
int rank(const std::string& s) {
  static const std::vector<std::string> order = {"failed",    "deleting",     "tentative",
                                                 "confirmed", "provisioning", "suspended",
                                                 "stopped",   "running",      "deleted"};
  auto it = std::find(order.begin(), order.end(), s);
  return it == order.end() ? 0 : static_cast<int>(it - order.begin());
}
std::string worse(const std::string& a, const std::string& b) {
  if (a.empty()) return b;
  if (b.empty()) return a;
  return rank(a) <= rank(b) ? a : b;
}

// One crossing link of a split.
// One crossing link of a split: the providers it passes, first and last
// hosting its endpoints (paper 5.4: a link may traverse intermediate
// providers), and per hop the transit link and identifier.
struct Crossing {
  std::string link;                  // OL0 id
  std::vector<std::string> path;     // providers, endpoint to endpoint
  std::vector<std::string> transit;  // per hop (path.size() - 1)
  std::vector<int> identifier;       // per hop
  double bandwidth = 0;
};

struct Split {
  std::map<std::string, std::string> node_site;  // OL node id -> provider
  std::map<std::string, std::vector<std::string>> link_sites;
  std::vector<Crossing> crossings;
  std::set<std::string> providers;
};

// The VNP's mapping layer (thesis 4.4: the ML of this role) as it keeps it:
// where each node went and which transit link and identifier each crossing
// link got, one line each ("node <id> <provider>", "link <id> <providers>",
// "transit <link> <transit link> <identifier> <bandwidth>"). What modify will
// start from; never shown to the customer.
constexpr const char* kSplitFormat = "vnp-split";
std::string split_text(const Split& sp) {
  std::ostringstream out;
  for (const auto& [n, p] : sp.node_site) out << "node " << n << ' ' << p << '\n';
  for (const auto& [l, ps] : sp.link_sites) out << "link " << l << ' ' << join(ps, ",") << '\n';
  for (const auto& c : sp.crossings)
    for (std::size_t h = 0; h < c.transit.size(); ++h)
      out << "transit " << c.link << ' ' << c.transit[h] << ' ' << c.identifier[h] << ' '
          << c.bandwidth << '\n';

  return out.str();
}

// The inverse of split_text: the split a VNet has now (modify starts from it).
Split parse_split(const std::string& text) {
  Split sp;
  std::map<std::string, Crossing> crossing;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string kind, a, b;
    f >> kind >> a >> b;
    if (kind == "node") {
      sp.node_site[a] = b;
      sp.providers.insert(b);
    } else if (kind == "link") {
      sp.link_sites[a] = split(b, ',');
      for (const auto& p : sp.link_sites[a]) sp.providers.insert(p);
    } else if (kind == "transit") {
      int identifier = 0;
      double bandwidth = 0;
      f >> identifier >> bandwidth;
      Crossing& c = crossing[a];
      c.link = a;
      c.transit.push_back(b);
      c.identifier.push_back(identifier);
      c.bandwidth = bandwidth;
    }
  }
  for (auto& [link, c] : crossing) {
    c.path = sp.link_sites[link];
    sp.crossings.push_back(std::move(c));
  }
  return sp;
}

// A release the VNP still owes a provider (pending operation "release",
// state "cancel" or "delete"): "<provider>\n<remote vnet>".
std::string release_payload(const store::Part& p) {
  return p.provider + "\n" + p.remote_vnet;
}
store::Part release_part(const store::PendingTransaction& t) {
  store::Part p;
  p.vnet = t.vnet;
  const std::size_t nl = t.payload.find('\n');
  p.provider = t.payload.substr(0, nl);
  p.remote_vnet = nl == std::string::npos ? "" : t.payload.substr(nl + 1);
  p.state = t.state == "cancel" ? "tentative" : "confirmed";
  return p;
}

// Reservations as text (a pending modify keeps the VNet's old ones to go
// back to): "<resource>\t<amount>" per line, amounts exact.
std::string reservations_text(const std::vector<store::Reservation>& rs) {
  std::string out;
  char buf[40];
  for (const auto& r : rs) {
    std::snprintf(buf, sizeof buf, "%.17g", r.amount);
    out += r.resource + "\t" + buf + "\n";
  }
  return out;
}
std::vector<store::Reservation> parse_reservations(const std::string& text) {
  std::vector<store::Reservation> out;
  for (const auto& line : split(text, '\n')) {
    const std::size_t tab = line.find('\t');
    if (tab == std::string::npos) continue;
    out.push_back({line.substr(0, tab), std::strtod(line.c_str() + tab + 1, nullptr)});
  }
  return out;
}

// Errors worth asking again later: the provider did not answer (or answered
// that it cannot now). Anything else is its final word.
bool transient(const Error& e) {
  return e.code == Error::Code::kUnavailable || e.code == Error::Code::kIo ||
         e.code == Error::Code::kInternal;
}

// Partial graph generation (paper 5.4; representation in vnp_service.h).
// One hop of a crossing as `provider` terminates it (flerd/vocabulary.h,
// kTransitAlias): "<transit link>:<identifier>", and "@<endpoint>" with the
// tunnel endpoint of the provider at the other end when the configuration
// names it, so that provider's data plane knows where to send.
std::string hop_text(const std::vector<TransitLink>& transit, const std::string& link,
                     int identifier, const std::string& provider) {
  std::string out = link + ":" + std::to_string(identifier);
  for (const auto& t : transit) {
    if (t.id != link) continue;
    const std::string& far = t.a == provider ? t.endpoint_b : t.endpoint_a;
    if (!far.empty()) out += "@" + far;
  }
  return out;
}

flerd::Document partial_for(const flerd::Document& request, const flerd::Topology& ol,
                            const std::string& provider, const Split& split,
                            const std::vector<TransitLink>& transit) {
  flerd::Document out;
  out.namespaces = request.namespaces;
  out.root_attributes = request.root_attributes;
  out.consoleInterfaces = request.consoleInterfaces;
  flerd::Topology t;
  t.graphLabel = ol.graphLabel;
  std::map<std::string, std::string> owner;  // interface id -> element id
  for (const auto& e : ol.networkElements)
    for (const auto& ni : e.networkInterfaces) owner[ni.id] = e.id;
  std::map<std::string, const Crossing*> crossing;
  for (const auto& c : split.crossings) crossing[c.link] = &c;
  std::set<std::string> resources;
  for (const auto& e : ol.networkElements) {
    if (e.is_node()) {
      auto it = split.node_site.find(e.id);
      if (it == split.node_site.end() || it->second != provider) continue;
      t.networkElements.push_back(e);
      for (const auto& r : e.resource) resources.insert(r.id);
      continue;
    }
    auto ls = split.link_sites.find(e.id);
    if (ls == split.link_sites.end() ||
        std::find(ls->second.begin(), ls->second.end(), provider) == ls->second.end())
      continue;
    flerd::NetworkElement link = e;
    if (auto c = crossing.find(e.id); c != crossing.end()) {
      const Crossing& cr = *c->second;
      const auto at = static_cast<std::size_t>(std::find(cr.path.begin(), cr.path.end(), provider) -
                                               cr.path.begin());
      link.ne_type = flerd::vocab::kLinkTransit;
      // The hops this provider terminates: towards the previous and the next
      // provider on the path.
      std::vector<std::string> hops;
      if (at > 0)
        hops.push_back(hop_text(transit, cr.transit[at - 1], cr.identifier[at - 1], provider));
      if (at + 1 < cr.path.size())
        hops.push_back(hop_text(transit, cr.transit[at], cr.identifier[at], provider));
      link.alias = flerd::vocab::kTransitAlias + join(hops, ",");
      int stubs = 0;
      for (auto& ni : link.networkInterfaces) {
        if (!ni.connectedInterface) continue;
        auto o = owner.find(ni.connectedInterface->id);
        if (o == owner.end()) continue;
        auto site = split.node_site.find(o->second);
        if (site == split.node_site.end() || site->second == provider) continue;
        // The far end: a stub node naming the neighbour on the path towards
        // that endpoint.
        const bool towards_first = site->second == cr.path.front();
        const std::string peer = towards_first
                                     ? (at > 0 ? cr.path[at - 1] : site->second)
                                     : (at + 1 < cr.path.size() ? cr.path[at + 1] : site->second);
        flerd::NetworkElement stub;
        stub.id = stub_id(e.id) + (stubs++ ? "2" : "");
        stub.identifier = "peer";
        stub.alias = peer;
        stub.ne_type = flerd::vocab::kNodePip;
        stub.graphLabel = e.graphLabel;
        flerd::NetworkInterface sni;
        sni.id = stub.id + "if";
        sni.identifier = "transit";
        sni.ni_type = flerd::vocab::kInterfaceGeneric;
        flerd::Ref<flerd::NetworkInterface> back;
        back.id = ni.id;
        sni.connectedInterface = back;
        stub.networkInterfaces.push_back(sni);
        flerd::Ref<flerd::NetworkInterface> to_stub;
        to_stub.id = sni.id;
        ni.connectedInterface = to_stub;
        t.networkElements.push_back(stub);
      }
    }
    for (const auto& r : link.resource) resources.insert(r.id);
    t.networkElements.push_back(std::move(link));
  }
  for (const auto& r : ol.resources)
    if (resources.count(r.id)) t.resources.push_back(r);
  out.topologies.push_back(std::move(t));
  out.resolve();
  return out;
}

// What a re-split (modify) keeps of the VNet's current split.
struct Keep {
  std::map<std::string, std::string> node_site;  // OL0 node -> the provider it lives at
  // Per provider and resource attribute, what the VNet's own nodes there ask
  // for (their OL0 values).
  std::map<std::string, std::map<std::string, double>> held;
  std::map<std::string, Crossing> crossing;  // by OL0 link id
};

// A split with what it reserves at the VNP and the completed request.
struct Planned {
  Split sp;
  std::vector<store::Reservation> reservations;  // transit identifiers and bandwidth
  flerd::Document ol1;                           // OL0 + OL1 (completion)
};

// Steps 1-4 of a request (paper 5.2-5.4): substrate synchronisation with every
// provider not `excluded` (those that do not answer are excluded), completion,
// the VNP-level mapping and the split with transit identifiers picked from
// `free` (the VNP's free capacities). std::nullopt when no split exists, the
// reasons appended to `refusals`. `keep` (modify) prefers the current split.
Result<std::optional<Planned>> plan_split(const Config& config, const flerd::Document& req,
                                          const std::map<std::string, double>& free,
                                          std::set<std::string>& excluded,
                                          std::vector<std::string>& refusals, const Keep* keep) {
  // 1. Substrate synchronisation (paper 5.2).
  std::vector<const Downstream*> active;
  std::vector<std::function<Result<Metrics>()>> calls;
  for (const auto& d : config.providers) {
    if (excluded.count(d.name)) continue;
    active.push_back(&d);
    auto prov = d.provider;
    Caller c{d.account, std::nullopt};
    calls.push_back([prov, c] { return prov->get_metrics(c); });
  }
  if (active.empty()) return std::optional<Planned>{};
  auto metrics = fan_out<Metrics>(std::move(calls), config.parallel, config.call_timeout_s);
  // A re-split may reuse what the VNet's own nodes hold at a provider: the
  // provider reports it as taken, so it is added back to the aggregate.
  if (keep)
    for (std::size_t i = 0; i < active.size(); ++i) {
      auto h = keep->held.find(active[i]->name);
      if (!metrics[i] || h == keep->held.end()) continue;
      for (const auto& [attr, amount] : h->second)
        if (auto it = metrics[i]->resources.find(attr); it != metrics[i]->resources.end())
          it->second.available += amount;
    }

  // The VNP's substrate graph: one /node/host/pip per provider (aggregated
  // available resources), /link/transit between them.
  std::ostringstream y;
  y << "namespaces: {v: /cloudnet/vnp}\nTopology:\n"
    << "  - GraphLabel: {id: v:ul0, role_identifier: VNP, graph_type: UL, graph_nr: 0, "
       "net_identifier: substrate}\n    NetworkElement:\n";
  std::ostringstream res;
  std::map<std::string, std::string> element_provider;  // UL element id -> provider / transit
  std::set<std::string> up;
  for (std::size_t i = 0; i < active.size(); ++i) {
    if (metrics[i]) {
      up.insert(active[i]->name);
    } else {
      refusals.push_back(active[i]->name + ": metrics: " + metrics[i].error().message);
      excluded.insert(active[i]->name);
    }
  }
  for (std::size_t i = 0; i < active.size(); ++i) {
    if (!metrics[i]) continue;
    const std::string& n = active[i]->name;
    const std::string id = "v:p" + std::to_string(i);
    element_provider[id] = n;
    y << "      - id: " << id << "\n        identifier: p" << i
      << "\n        ne_type: " << flerd::vocab::kNodePip << "\n        graphLabel: v:ul0\n";
    std::vector<std::string> rids;
    int k = 0;
    for (const auto& [attr, a] : metrics[i]->resources) {
      std::string rid = id + "r" + std::to_string(k++);
      rids.push_back(rid);
      res << "      - {id: " << rid << ", attribute: \"" << attr << "\", value: " << a.available
          << ", request_flag: false}\n";
    }
    y << "        resource: [" << join(rids, ", ") << "]\n";
    std::vector<std::string> feats;
    for (const auto& [attr, values] : metrics[i]->features)
      for (const auto& v : split(values, ','))
        feats.push_back("{attribute: \"" + attr + "\", value: \"" + v +
                        "\", priority: 0, request_flag: false}");
    if (!feats.empty()) y << "        features: [" << join(feats, ", ") << "]\n";
    std::vector<std::string> nis;
    for (std::size_t t = 0; t < config.transit.size(); ++t) {
      const auto& tl = config.transit[t];
      if ((tl.a != n && tl.b != n) || !up.count(tl.a) || !up.count(tl.b)) continue;
      nis.push_back("{id: " + id + "t" + std::to_string(t) + ", identifier: t" + std::to_string(t) +
                    ", ni_type: /interface/generic, connectedInterface: v:t" + std::to_string(t) +
                    (tl.a == n ? "a" : "b") + "}");
    }
    // One unconnected interface always: the mapping needs interfaces even
    // when every virtual link stays inside one provider.
    nis.push_back("{id: " + id + "x, identifier: x, ni_type: /interface/generic}");
    y << "        networkInterfaces: [" << join(nis, ", ") << "]\n";
  }
  std::map<std::string, std::size_t> provider_index;
  for (std::size_t i = 0; i < active.size(); ++i) provider_index[active[i]->name] = i;
  for (std::size_t t = 0; t < config.transit.size(); ++t) {
    const auto& tl = config.transit[t];
    if (!up.count(tl.a) || !up.count(tl.b)) continue;
    const std::string id = "v:t" + std::to_string(t);
    element_provider[id] = "transit:" + tl.id;
    auto f = free.find(bw_resource(tl.id));
    const double bw = f == free.end() ? 0.0 : std::max(0.0, f->second);
    const std::string pa = "v:p" + std::to_string(provider_index[tl.a]);
    const std::string pb = "v:p" + std::to_string(provider_index[tl.b]);
    y << "      - {id: " << id << ", identifier: t" << t
      << ", ne_type: " << flerd::vocab::kLinkTransit << ", graphLabel: v:ul0, resource: [" << id
      << "bw],\n         networkInterfaces: [{id: " << id
      << "a, identifier: a, ni_type: /interface/generic, connectedInterface: " << pa << "t" << t
      << "}, {id: " << id << "b, identifier: b, ni_type: /interface/generic, "
      << "connectedInterface: " << pb << "t" << t << "}]}\n";
    res << "      - {id: " << id << "bw, attribute: " << flerd::vocab::kBandwidth
        << ", value: " << bw << ", request_flag: false}\n";
  }
  if (up.empty()) return std::optional<Planned>{};
  y << "    Resource:\n" << res.str();
  flerd::Loaded sub = flerd::read_string(y.str(), flerd::Format::kYaml, "vnp substrate");
  if (!sub.ok())
    return Error::internal("the VNP substrate graph is malformed: " + sub.diagnostics.format());
  sub.document.resolve();

  // 2. Completion OL0 -> OL1 (paper 5.3): a VNP passes vague values on.
  auto comp = flerd::complete_request(req, flerd::CompletionPolicy::vnp(), &sub.document);
  if (!comp) return Error{comp.error().code, "complete the request: " + comp.error().message};
  comp->document.resolve();
  const flerd::Topology* ol1 = highest(comp->document, flerd::GraphType::OL);

  // 3. VNP-level mapping onto providers and transit links (paper 5.3).
  mapping::BuildInput in;
  in.substrate = &sub.document;
  in.request = &comp->document;
  auto problem = mapping::build_problem(in);
  if (!problem)
    return Error{problem.error().code, "build the VNP mapping problem: " + problem.error().message};
  mapping::StrategyRequest sreq;
  sreq.name = config.strategy;
  sreq.settings.time_limit_s = config.time_budget_s;
  sreq.settings.solver = config.solver;
  // A re-split (modify) keeps every node where it lives if the request
  // still fits that way: its old provider is the only one suitable for it.
  // Otherwise it is mapped again with a migration cost per node that moves
  // (thesis 5.3.5, which the MIP strategies honour), so only what must move
  // moves.
  bool pinned = false;
  const auto suitable = problem->node_suitable;
  if (keep) {
    std::map<std::string, int> index;  // provider -> substrate element
    for (const auto& [el, prov] : element_provider) {
      const int s = problem->substrate_index(el);
      if (s >= 0) index[prov] = s;
    }
    std::map<std::string, std::string> ol0_of;
    for (const auto& e : ol1->networkElements)
      ol0_of[e.id] = e.hostedNetworkElement.size() == 1 ? e.hostedNetworkElement.front().id : e.id;
    mapping::Existing ex;
    ex.node_host.assign(problem->nodes.size(), -1);
    ex.node_penalty.assign(problem->nodes.size(), 1e4);
    ex.link_elements.assign(problem->links.size(), {});
    ex.link_penalty.assign(problem->links.size(), 0);
    for (std::size_t u = 0; u < problem->nodes.size(); ++u) {
      auto o = ol0_of.find(problem->nodes[u].id);
      auto site = keep->node_site.find(o == ol0_of.end() ? problem->nodes[u].id : o->second);
      if (site == keep->node_site.end()) continue;
      auto at = index.find(site->second);
      if (at == index.end()) continue;  // its provider is gone: it must move
      ex.node_host[u] = at->second;
      auto& row = problem->node_suitable[u];
      if (!row[static_cast<std::size_t>(at->second)]) continue;
      for (std::size_t v = 0; v < row.size(); ++v)
        if (static_cast<int>(v) != at->second) row[v] = 0;
      pinned = true;
    }
    problem->existing = std::move(ex);
  }
  auto result = mapping::map_with_strategy(*problem, sreq);
  if (!result) return Error{result.error().code, "map the request: " + result.error().message};
  if (pinned && !result->has_solution()) {
    problem->node_suitable = suitable;
    result = mapping::map_with_strategy(*problem, sreq);
    if (!result) return Error{result.error().code, "map the request: " + result.error().message};
  }
  if (!result->has_solution()) {
    std::string why = result->explanation.empty() ? std::string(mapping::to_string(result->status))
                                                  : join(result->explanation, "; ");
    // The explanation names the VNP's own elements (v:p0, v:t1); the
    // customer knows the providers and transit links by name.
    std::vector<std::pair<std::string, std::string>> names;
    for (const auto& [id, who] : element_provider)
      names.emplace_back(id, who.rfind("transit:", 0) == 0 ? "transit link '" + who.substr(8) + "'"
                                                           : "provider '" + who + "'");
    refusals.push_back("vnp '" + config.name + "': " + rename_words(why, std::move(names)));
    return std::optional<Planned>{};
  }

  // 4. Partial graph generation (paper 5.4), in the customer's own ids: an
  // OL1 element refers to the OL0 element it refines (hostedNetworkElement,
  // flerd/completion.h), and the partials are cut from the OL0 as received
  // (the VNP's completion passes every vague value on to the PIPs).
  std::map<std::string, std::string> to0;
  for (const auto& e : ol1->networkElements)
    to0[e.id] = e.hostedNetworkElement.size() == 1 ? e.hostedNetworkElement.front().id : e.id;
  auto orig = [&](const std::string& id) {
    auto it = to0.find(id);
    return it == to0.end() ? id : it->second;
  };
  Split sp;
  for (std::size_t v = 0; v < problem->nodes.size(); ++v) {
    const std::string& host = problem->substrate[result->solution.node_host[v]].id;
    sp.node_site[orig(problem->nodes[v].id)] = element_provider[host];
    sp.providers.insert(element_provider[host]);
  }
  std::map<std::string, int> chosen;  // identifiers taken in this split, per transit
  std::vector<store::Reservation> reservations;
  std::string split_error;
  for (std::size_t l = 0; l < problem->links.size() && split_error.empty(); ++l) {
    const auto& link = problem->links[l];
    std::vector<std::string> sites;
    for (int ep : link.endpoints) {
      const std::string& s = sp.node_site[orig(problem->nodes[ep].id)];
      if (std::find(sites.begin(), sites.end(), s) == sites.end()) sites.push_back(s);
    }
    sp.link_sites[orig(link.id)] = sites;
    if (sites.size() <= 1) continue;
    if (sites.size() > 2) {
      split_error = "link '" + orig(link.id) + "' would span more than two providers";
      break;
    }
    // The providers the link passes: the fewest transit hops between its
    // two sites over providers that answered (breadth-first; the VNP-level
    // mapping checked the transit bandwidth along the way it routed,
    // which for a full mesh is the direct link).
    std::map<std::string, std::string> prev;
    std::vector<std::string> queue = {sites[0]};
    prev[sites[0]] = "";
    for (std::size_t qi = 0; qi < queue.size() && !prev.count(sites[1]); ++qi)
      for (const auto& t : config.transit) {
        std::string next = t.a == queue[qi] ? t.b : t.b == queue[qi] ? t.a : "";
        if (next.empty() || !up.count(next) || prev.count(next)) continue;
        prev[next] = queue[qi];
        queue.push_back(next);
      }
    if (!prev.count(sites[1])) {
      split_error = "no transit path joins '" + sites[0] + "' and '" + sites[1] + "'";
      break;
    }
    Crossing c;
    c.link = orig(link.id);
    c.bandwidth = link.bandwidth ? link.bandwidth->amount : 0.0;
    for (std::string at = sites[1]; !at.empty(); at = prev[at]) c.path.insert(c.path.begin(), at);
    // A crossing that keeps its path keeps its transit links and
    // identifiers, so the partials at its ends need not change.
    const Crossing* was = nullptr;
    if (keep)
      if (auto k = keep->crossing.find(c.link); k != keep->crossing.end() &&
                                                k->second.path == c.path &&
                                                k->second.transit.size() + 1 == c.path.size() &&
                                                k->second.identifier.size() + 1 == c.path.size())
        was = &k->second;
    for (std::size_t h = 0; h + 1 < c.path.size() && split_error.empty(); ++h) {
      if (was) {
        chosen[was->transit[h] + "/" + std::to_string(was->identifier[h])] = 1;
        c.transit.push_back(was->transit[h]);
        c.identifier.push_back(was->identifier[h]);
        reservations.push_back({id_resource(was->transit[h], was->identifier[h]), 1});
        if (c.bandwidth > 0) reservations.push_back({bw_resource(was->transit[h]), c.bandwidth});
        continue;
      }
      const TransitLink* tl = nullptr;
      for (const auto& t : config.transit) {
        const bool joins = (t.a == c.path[h] && t.b == c.path[h + 1]) ||
                           (t.b == c.path[h] && t.a == c.path[h + 1]);
        if (!joins) continue;
        auto fb = free.find(bw_resource(t.id));
        if (!tl || (fb != free.end() && fb->second >= c.bandwidth)) tl = &t;
      }
      int tag = tl->first_identifier;
      for (; tag <= tl->last_identifier; ++tag) {
        auto fr = free.find(id_resource(tl->id, tag));
        if (fr != free.end() && fr->second >= 1 - 1e-9 &&
            !chosen.count(tl->id + "/" + std::to_string(tag)))
          break;
      }
      if (tag > tl->last_identifier) {
        split_error = "transit link '" + tl->id + "' has no free identifier";
        break;
      }
      chosen[tl->id + "/" + std::to_string(tag)] = 1;
      c.transit.push_back(tl->id);
      c.identifier.push_back(tag);
      reservations.push_back({id_resource(tl->id, tag), 1});
      if (c.bandwidth > 0) reservations.push_back({bw_resource(tl->id), c.bandwidth});
    }
    if (!split_error.empty()) break;
    sp.link_sites[orig(link.id)] = c.path;
    for (const auto& p : c.path) sp.providers.insert(p);
    sp.crossings.push_back(std::move(c));
  }
  if (!split_error.empty()) return Error::infeasible("cannot split the request: " + split_error);
  Planned out;
  out.sp = std::move(sp);
  out.reservations = std::move(reservations);
  out.ol1 = std::move(comp->document);
  return std::optional<Planned>(std::move(out));
}

}  // namespace

// --- start / recovery ---------------------------------------------------------

VnpService::VnpService(Config config) : config_(std::move(config)) {}
VnpService::~VnpService() {
  {
    std::lock_guard lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (retrier_.joinable()) retrier_.join();
  if (relay_) relay_->stop();
}

Result<std::unique_ptr<VnpService>> VnpService::start(Config config) {
  std::unique_ptr<VnpService> s(new VnpService(std::move(config)));
  if (Status st = s->open(); !st) return st.error();
  if (Status st = s->recover(); !st) return st.error();
  if (s->config_.retry_interval_s > 0)
    s->retrier_ = std::thread([svc = s.get()] { svc->retry_loop(); });
  return s;
}

Status VnpService::open() {
  clock_ = config_.clock ? config_.clock : &store::system_clock();
  std::set<std::string> names;
  for (const auto& d : config_.providers) {
    if (d.name.empty() || !d.provider)
      return Error::invalid("vnp '" + config_.name + "': a provider needs a name and a client");
    if (!names.insert(d.name).second)
      return Error::invalid("vnp '" + config_.name + "': provider '" + d.name + "' twice");
  }
  // The VNP's own substrate: transit bandwidth and one capacity-1 resource
  // per identifier, so reservations keep identifiers unique (paper 5.4).
  std::map<std::string, double> capacities;
  std::ostringstream text;
  for (const auto& t : config_.transit) {
    if (!names.count(t.a) || !names.count(t.b) || t.a == t.b)
      return Error::invalid("transit link '" + t.id +
                            "' must join two different configured providers");
    if (t.last_identifier < t.first_identifier || t.capacity < 0)
      return Error::invalid("transit link '" + t.id +
                            "': empty identifier range or negative capacity");
    capacities[bw_resource(t.id)] = t.capacity;
    for (int i = t.first_identifier; i <= t.last_identifier; ++i)
      capacities[id_resource(t.id, i)] = 1;
    text << t.id << ' ' << t.a << ' ' << t.b << ' ' << t.capacity << ' ' << t.first_identifier
         << '-' << t.last_identifier << '\n';
  }
  store::ProviderStore::Options o;
  o.clock = clock_;
  auto st = store::ProviderStore::open(config_.store_url, o);
  if (!st) return Error{st.error().code, "open the store: " + st.error().message};
  store_ = std::move(*st);
  auto ps = store_->put_substrate({"vnp-transit", text.str()}, capacities);
  if (!ps) return ps.error();
  if (auto e = store_->expire_due(); !e) return e.error();
  if (config_.console) {
    console::Relay::Options ro;
    ro.name = "vnp " + config_.name;
    ro.bind_host = config_.console_bind;
    ro.port = static_cast<std::uint16_t>(config_.console_port);
    ro.advertise_host = config_.console_advertise;
    auto r = console::Relay::start(ro);
    if (!r) return r.error();
    relay_.emplace(std::move(*r));
  }
  return Status::Ok();
}

std::shared_ptr<std::recursive_mutex> VnpService::lock_vnet(const std::string& vnet) {
  std::lock_guard lock(locks_mu_);
  auto& m = vnet_locks_[vnet];
  if (!m) m = std::make_shared<std::recursive_mutex>();
  return m;
}

const Downstream* VnpService::find(const std::string& provider) const {
  for (const auto& d : config_.providers)
    if (d.name == provider) return &d;
  return nullptr;
}

std::vector<Result<VNetInfo>> VnpService::release_calls(const std::vector<store::Part>& parts,
                                                        bool cancel) {
  std::vector<std::function<Result<VNetInfo>()>> calls;
  for (const auto& p : parts) {
    const Downstream* d = find(p.provider);
    if (!d) {  // keeps rs[i] <-> parts[i]
      calls.push_back(
          [] { return Result<VNetInfo>(Error::unavailable("provider not configured")); });
      continue;
    }
    auto prov = d->provider;
    Caller c{d->account, std::nullopt};
    std::string remote = p.remote_vnet;
    calls.push_back([prov, c, remote, cancel]() -> Result<VNetInfo> {
      if (cancel) {
        auto r = prov->cancel_request(c, remote);
        // Confirmed meanwhile (or further along): delete it instead.
        if (r || r.error().code != Error::Code::kConflict) return r;
      }
      return prov->delete_vnet(c, remote);
    });
  }
  return fan_out<VNetInfo>(std::move(calls), config_.parallel, config_.call_timeout_s);
}

std::string VnpService::release_parts(const std::vector<store::Part>& parts, bool cancel,
                                      bool* recorded) {
  auto rs = release_calls(parts, cancel);
  std::vector<std::string> errs;
  std::vector<store::Part> owed;
  for (std::size_t i = 0; i < rs.size(); ++i)
    if (!rs[i] && rs[i].error().code != Error::Code::kNotFound) {
      errs.push_back(parts[i].provider + ": " + rs[i].error().message);
      owed.push_back(parts[i]);
    }
  if (recorded) *recorded = true;
  if (owed.empty()) return "";
  // Not forgotten (issue 6): a tentative part would expire at its provider,
  // but a confirmed one would hold resources there for ever. The release is
  // recorded and retried (retry_pending) until the provider answers.
  Status w = store_->write("record releases owed", [&](store::ProviderTx& tx) -> Status {
    for (const auto& p : owed) {
      auto id = tx.add_pending(p.vnet, "release", cancel ? "cancel" : "delete", release_payload(p));
      if (!id) return id.error();
    }
    return Status::Ok();
  });
  if (!w) {
    if (recorded) *recorded = false;
    return join(errs, "; ") + " (recording them for a retry failed: " + w.error().message + ")";
  }
  return join(errs, "; ") + " (retried until answered)";
}

std::size_t VnpService::run_releases(const std::vector<store::PendingTransaction>& releases) {
  std::size_t left = 0;
  for (const bool cancel : {true, false}) {
    std::vector<store::Part> parts;
    std::vector<std::int64_t> ids;
    for (const auto& r : releases)
      if ((r.state == "cancel") == cancel) {
        parts.push_back(release_part(r));
        ids.push_back(r.id);
      }
    if (parts.empty()) continue;
    auto rs = release_calls(parts, cancel);
    std::vector<std::int64_t> done;
    for (std::size_t i = 0; i < rs.size(); ++i) {
      // kNotFound: gone already (expired, or released by an earlier try).
      if (rs[i] || rs[i].error().code == Error::Code::kNotFound)
        done.push_back(ids[i]);
      else
        ++left;
    }
    Status w = store_->write("releases done", [&](store::ProviderTx& tx) -> Status {
      for (auto id : done)
        if (Status s = tx.remove_pending(id); !s && s.error().code != Error::Code::kNotFound)
          return s;
      return Status::Ok();
    });
    if (!w) left += done.size();  // asked again next time; a release is idempotent
  }
  return left;
}

void VnpService::retry_loop() {
  const auto period = std::chrono::milliseconds(
      std::max<std::int64_t>(10, std::llround(config_.retry_interval_s * 1000)));
  std::unique_lock lock(stop_mu_);
  while (!stopping_) {
    if (stop_cv_.wait_for(lock, period, [&] { return stopping_; })) break;
    lock.unlock();
    (void)retry_pending();
    lock.lock();
  }
}

std::size_t VnpService::retry_pending() {
  std::lock_guard once(retry_mu_);
  auto pending = store_->read("pending", [](store::ProviderTx& tx) { return tx.pending(); });
  if (!pending) return 0;
  std::vector<store::PendingTransaction> releases;
  std::size_t left = 0;
  for (const auto& p : *pending) {
    if (p.operation == "release") {
      releases.push_back(p);
    } else if (p.operation == "modify") {
      // The modify that wrote it holds the VNet's lock until it is done; a
      // record still there afterwards is a rollback left unfinished.
      auto vnet_lock = lock_vnet(p.vnet);
      std::lock_guard hold(*vnet_lock);
      auto again = store_->read("pending", [](store::ProviderTx& tx) { return tx.pending(); });
      if (!again) continue;
      auto it = std::find_if(again->begin(), again->end(),
                             [&](const store::PendingTransaction& x) { return x.id == p.id; });
      if (it == again->end()) continue;
      bool finished = false;
      (void)undo_modify(*it, nullptr, {}, &finished);
      if (!finished) ++left;
    }
    // "create" and "confirm" records belong to calls in flight (a restart
    // finishes or rolls back those left over, recover()).
  }
  return left + run_releases(releases);
}

std::string VnpService::start_parts(const std::vector<store::Part>& parts) {
  std::vector<std::function<Result<VNetInfo>()>> calls;
  for (const auto& p : parts) {
    const Downstream* d = find(p.provider);
    if (!d) {  // keeps rs[i] <-> parts[i]
      calls.push_back(
          [] { return Result<VNetInfo>(Error::unavailable("provider not configured")); });
      continue;
    }
    auto prov = d->provider;
    Caller c{d->account, std::nullopt};
    std::string remote = p.remote_vnet;
    calls.push_back([prov, c, remote] { return prov->provision(c, remote, Action::kStart, ""); });
  }
  auto rs = fan_out<VNetInfo>(std::move(calls), config_.parallel, config_.call_timeout_s);
  std::vector<std::string> errs;
  for (std::size_t i = 0; i < rs.size(); ++i)
    if (!rs[i]) errs.push_back(parts[i].provider + ": " + rs[i].error().message);
  return join(errs, "; ");
}

// Restart (issue: "a transaction interrupted between tentative creates and
// confirms is finished or rolled back at restart, never left half").
Status VnpService::recover() {
  auto pending = store_->read("pending", [](store::ProviderTx& tx) { return tx.pending(); });
  if (!pending) return pending.error();
  std::vector<store::PendingTransaction> releases;
  for (const auto& p : *pending) {
    if (p.operation == "release") {
      releases.push_back(p);
      continue;
    }
    if (p.operation == "modify") {
      // Never committed (the commit removes the record): rolled back.
      bool finished = false;
      std::string left = undo_modify(p, nullptr, {}, &finished);
      recovery_.lines.push_back("vnet " + p.vnet + ": modify rolled back" +
                                (left.empty() ? "" : " (" + left + ")") +
                                (finished ? "" : "; unfinished, retried"));
      continue;
    }
    auto parts = store_->read("parts", [&](store::ProviderTx& tx) { return tx.parts(p.vnet); });
    if (!parts) return parts.error();
    auto rec = store_->get_vnet(p.vnet);
    bool finished = false;
    if (p.operation == "confirm") {
      std::vector<std::function<Result<VNetInfo>()>> calls;
      for (const auto& part : *parts) {
        const Downstream* d = find(part.provider);
        if (!d) {
          calls.push_back([] { return Result<VNetInfo>(Error::not_found("provider gone")); });
          continue;
        }
        auto prov = d->provider;
        Caller c{d->account, std::nullopt};
        std::string remote = part.remote_vnet;
        calls.push_back([prov, c, remote] { return prov->confirm_request(c, remote); });
      }
      auto rs = fan_out<VNetInfo>(std::move(calls), config_.parallel, config_.call_timeout_s);
      finished = std::all_of(rs.begin(), rs.end(), [](const auto& r) { return r.ok(); });
      if (finished && rec) {
        auto c = store_->confirm(p.vnet);
        finished = c.ok();
      }
    }
    if (finished) {
      std::string errs = config_.start_on_confirm ? start_parts(*parts) : "";
      recovery_.lines.push_back("vnet " + p.vnet + ": confirm finished" +
                                (errs.empty() ? "" : " (starting nodes: " + errs + ")"));
    } else {
      std::vector<store::Part> release = *parts;
      if (p.operation == "create") {
        // Parts granted but not recorded before the crash: the same create
        // with the same key returns the granted VNet (or makes one now);
        // either way it is cancelled below with the rest.
        auto sent = decode_parts(p.payload);
        double ttl = 0;
        if (auto t = sent.find("#ttl"); t != sent.end())
          ttl = std::strtod(t->second.c_str(), nullptr);
        for (const auto& [provider, text] : sent) {
          const Downstream* d = find(provider);
          if (!d || std::any_of(release.begin(), release.end(),
                                [&](const store::Part& x) { return x.provider == provider; }))
            continue;
          flerd::Loaded doc = flerd::read_string(text, flerd::Format::kYaml, "pending part");
          if (!doc.ok()) continue;
          CreateOptions co;
          co.ttl_s = ttl;
          auto again = d->provider->create_vnet(Caller{d->account, part_key(p.vnet, provider)},
                                                doc.document, co);
          if (again) release.push_back({p.vnet, provider, again->id, "tentative", 0});
        }
      }
      std::string errs = release_parts(release, true);
      if (rec && rec->state != store::VNetState::kDeleted)
        (void)store_->transition(p.vnet, store::VNetState::kDeleted, "rolled back at restart");
      recovery_.lines.push_back("vnet " + p.vnet + ": " + p.operation + " rolled back" +
                                (errs.empty() ? "" : " (" + errs + ")"));
    }
    auto rm = store_->write("remove pending",
                            [&](store::ProviderTx& tx) { return tx.remove_pending(p.id); });
    if (!rm) return rm.error();
  }
  if (!releases.empty()) {
    const std::size_t left = run_releases(releases);
    recovery_.lines.push_back(
        "releases owed to providers: " + std::to_string(releases.size() - left) + " done, " +
        std::to_string(left) + " retried later");
  }
  return Status::Ok();
}

// --- ownership and views -----------------------------------------------------

Result<store::VNetRecord> VnpService::owned(const Caller& caller, const std::string& vnet) {
  auto rec = store_->get_vnet(vnet);
  if (!rec || rec->customer != caller.customer) return Error::not_found("no vnet '" + vnet + "'");
  return rec;
}

Result<VNetInfo> VnpService::info(const store::VNetRecord& rec) {
  VNetInfo out;
  out.id = rec.id;
  out.customer = rec.customer;
  out.state = store::to_string(rec.state);
  out.created_at_ms = rec.created_at;
  out.expires_at_ms = rec.expires_at;
  auto data =
      store_->read("vnet view",
                   [&](store::ProviderTx& tx)
                       -> Result<std::pair<std::vector<store::Element>, std::vector<store::Part>>> {
                     auto els = tx.elements(rec.id);
                     if (!els) return els.error();
                     auto parts = tx.parts(rec.id);
                     if (!parts) return parts.error();
                     return std::make_pair(std::move(*els), std::move(*parts));
                   });
  if (!data) return data.error();
  auto& [elements, parts] = *data;
  std::map<std::string, ElementStatus> view;
  for (const auto& e : elements) view[e.id] = {e.id, store::to_string(e.kind), e.state, e.host};
  // A deleted VNet's elements are deleted too, whatever state they were
  // recorded in at create (the parts are gone; nothing is asked).
  if (rec.state == store::VNetState::kDeleted)
    for (auto& e : view) e.second.state = "deleted";
  // Live states from the parts once the VNet is past tentative (status
  // fan-out, paper 4.2.3); only states are taken from a provider's answer.
  const bool live = rec.state != store::VNetState::kTentative &&
                    rec.state != store::VNetState::kDeleted && !parts.empty();
  if (live) {
    std::vector<std::function<Result<VNetInfo>()>> calls;
    for (const auto& p : parts) {
      const Downstream* d = find(p.provider);
      if (!d) {
        calls.push_back(
            [] { return Result<VNetInfo>(Error::not_found("provider not configured")); });
        continue;
      }
      auto prov = d->provider;
      Caller c{d->account, std::nullopt};
      std::string remote = p.remote_vnet;
      calls.push_back([prov, c, remote] { return prov->status(c, remote); });
    }
    auto rs = fan_out<VNetInfo>(std::move(calls), config_.parallel, config_.call_timeout_s);
    std::string agg;
    std::vector<std::string> problems;
    for (auto& e : view) e.second.state.clear();
    for (std::size_t i = 0; i < rs.size(); ++i) {
      if (!rs[i]) {
        problems.push_back(parts[i].provider + ": " + rs[i].error().message);
        agg = worse(agg, "failed");
        continue;
      }
      agg = worse(agg, rs[i]->state);
      for (const auto& el : rs[i]->elements) {
        auto it = view.find(el.id);
        if (it == view.end()) continue;  // stubs and anything the customer did not ask for
        it->second.state = worse(it->second.state, el.state);
      }
    }
    for (auto& e : view)
      if (e.second.state.empty()) e.second.state = "failed";
    out.state = agg;
    out.detail = join(problems, "; ");
  }
  for (auto& [id, e] : view) out.elements.push_back(std::move(e));
  return out;
}

VnpService::NegotiationStats VnpService::last_negotiation() const {
  std::lock_guard lock(mu_);
  return stats_;
}

// --- create ----------------------------------------------------------------------

Result<VNetInfo> VnpService::create_vnet(const Caller& caller, const flerd::Document& request,
                                         const CreateOptions& options) {
  std::lock_guard lock(mu_);
  stats_ = {};
  // A retry with the customer's idempotency key: the first answer (the key
  // is stored with the parts, in the transaction that ends the negotiation).
  std::optional<store::IdempotencyKey> key;
  if (caller.idempotency_key) {
    std::ostringstream fp;
    fp << "create\n"
       << options.ttl_s << "\n"
       << options.confirm << "\n"
       << flerd::write_string(request, flerd::Format::kYaml);
    key = store::IdempotencyKey{caller.customer, *caller.idempotency_key, fingerprint(fp.str())};
    auto found = store_->read("look up idempotency key",
                              [&](store::ProviderTx& tx) { return tx.find_response(*key); });
    if (!found) return found.error();
    if (*found) {
      auto rec = store_->get_vnet(**found);
      if (!rec) return rec.error();
      if (rec->state == store::VNetState::kDeleted)
        return Error::conflict("the request with idempotency key '" + *caller.idempotency_key +
                               "' created vnet '" + rec->id +
                               "', which is deleted now; use a new key");
      if (options.confirm && rec->state == store::VNetState::kTentative)
        return confirm_request(caller, rec->id);
      return info(*rec);
    }
  }
  flerd::Document req = request;
  flerd::Diagnostics diags = req.resolve();
  if (!diags.has_errors()) diags.append(flerd::validate(req));
  if (diags.has_errors()) return Error::invalid("invalid request: " + diags.format());
  if (!highest(req, flerd::GraphType::OL))
    return Error::invalid("invalid request: the document has no OL topology");
  const double ttl =
      std::min(options.ttl_s > 0 ? options.ttl_s : config_.default_ttl_s, config_.max_ttl_s);

  std::set<std::string> excluded;
  std::vector<std::string> refusals;
  for (int attempt = 1; attempt <= std::max(1, config_.split_attempts); ++attempt) {
    stats_.splits = attempt;
    auto free = store_->free_capacity();
    if (!free) return free.error();
    auto planned = plan_split(config_, req, *free, excluded, refusals, nullptr);
    if (!planned) return planned.error();
    if (!*planned) break;
    const Split& sp = (*planned)->sp;
    const std::vector<store::Reservation>& reservations = (*planned)->reservations;
    const flerd::Document& completed = (*planned)->ol1;
    const flerd::Topology* ol0 = highest(req, flerd::GraphType::OL);

    // Record before negotiating: the VNet (tentative, transit reservations)
    // and the pending transaction, so a crash mid-negotiation is rolled back.
    const std::string id = new_vnet_id();
    store::NewVNet nv;
    nv.id = id;
    nv.customer = caller.customer;
    nv.expires_at = clock_->now_ms() + std::max<std::int64_t>(1, std::llround(ttl * 1000));
    nv.reservations = reservations;
    for (const auto& [node, site] : sp.node_site)
      nv.elements.push_back({node, store::ElementKind::kNode, "tentative", site});
    for (const auto& [link, sites] : sp.link_sites)
      nv.elements.push_back({link, store::ElementKind::kLink, "tentative", join(sites, ",")});
    nv.documents = {{store::Layer::kOL0, to_store(req)},
                    {store::Layer::kOL1, to_store(completed)},
                    {store::Layer::kML, {kSplitFormat, split_text(sp)}}};
    // The partial VNets go into the pending record with the idempotency key
    // each create carries, so a restart can ask a provider again with the
    // same key and learn (and cancel) a part granted before the crash.
    std::map<std::string, flerd::Document> partials;
    for (const auto& p : sp.providers) partials[p] = partial_for(req, *ol0, p, sp, config_.transit);
    std::map<std::string, std::string> partial_text;
    for (const auto& [p, doc] : partials)
      partial_text[p] = flerd::write_string(doc, flerd::Format::kYaml);
    // The ttl is part of a create's fingerprint at the provider: keep it.
    char ttl_text[32];
    std::snprintf(ttl_text, sizeof ttl_text, "%.17g", ttl);
    partial_text["#ttl"] = ttl_text;
    // Send exactly what a restart would send again (same fingerprint).
    for (auto& [p, doc] : partials) {
      flerd::Loaded again =
          flerd::read_string(partial_text[p], flerd::Format::kYaml, "partial vnet");
      if (!again.ok())
        return Error::internal("partial vnet for '" + p +
                               "' does not read back: " + again.diagnostics.format());
      doc = std::move(again.document);
    }
    auto pend = store_->write(
        "create vnet '" + id + "'", [&](store::ProviderTx& tx) -> Result<std::int64_t> {
          auto v = tx.reserve(nv);
          if (!v) return v.error();
          return tx.add_pending(id, "create", "negotiating", encode_parts(partial_text));
        });
    if (!pend) return Error{pend.error().code, "reserve transit: " + pend.error().message};

    // 5. Negotiation with every involved provider in parallel (paper 5.5
    // sends them one after the other; serial mode keeps that for comparison).
    std::vector<const Downstream*> involved;
    std::vector<std::function<Result<VNetInfo>()>> creates;
    for (const auto& p : sp.providers) {
      const Downstream* d = find(p);
      involved.push_back(d);
      auto prov = d->provider;
      Caller c{d->account, part_key(id, p)};
      flerd::Document part = partials[p];
      CreateOptions co;
      co.ttl_s = ttl;
      creates.push_back(
          [prov, c, part = std::move(part), co] { return prov->create_vnet(c, part, co); });
    }
    std::vector<std::shared_ptr<Provider>> provs;
    std::vector<std::string> accounts;
    for (const auto* d : involved) {
      provs.push_back(d->provider);
      accounts.push_back(d->account);
    }
    // Granted after its deadline: give it back at once.
    auto late = [provs, accounts](std::size_t i, const Result<VNetInfo>& r) {
      if (r) (void)provs[i]->cancel_request(Caller{accounts[i], std::nullopt}, r->id);
    };
    auto answers =
        fan_out<VNetInfo>(std::move(creates), config_.parallel, config_.call_timeout_s, late);

    std::vector<store::Part> granted;
    std::vector<std::string> failed;
    std::vector<std::string> refused_now;
    for (std::size_t i = 0; i < answers.size(); ++i) {
      if (answers[i]) {
        granted.push_back({id, involved[i]->name, answers[i]->id, "tentative", 0});
      } else {
        failed.push_back(involved[i]->name + ": " + answers[i].error().message);
        if (answers[i].error().code == Error::Code::kInfeasible)
          refused_now.push_back(involved[i]->name);
      }
    }
    if (failed.empty()) {
      auto w = store_->write("parts of '" + id + "'", [&](store::ProviderTx& tx) -> Status {
        for (auto p : granted) {
          p.updated_at = tx.now();
          if (Status s = tx.put_part(p); !s) return s;
        }
        if (key)
          if (Status ks = tx.store_response(*key, id); !ks) return ks;
        return tx.remove_pending(*pend);
      });
      if (!w) {
        release_parts(granted, true);
        (void)store_->cancel(id);
        return w.error();
      }
      if (options.confirm) return confirm_request(caller, id);
      auto rec = store_->get_vnet(id);
      if (!rec) return rec.error();
      return info(*rec);
    }
    // 6. All or nothing (paper 5.5): give back what was granted.
    std::string errs = release_parts(granted, true);
    (void)store_->cancel(id);
    (void)store_->write("pending done",
                        [&](store::ProviderTx& tx) { return tx.remove_pending(*pend); });
    refusals.push_back(join(failed, "; ") + (errs.empty() ? "" : " (cancelling: " + errs + ")"));
    // Another split only helps if someone refused for capacity: exclude the
    // refusing providers from the next one (their aggregate evidently
    // over-states what they can host for this request).
    if (refused_now.empty()) {
      return Error::unavailable("negotiation failed, every granted part was cancelled: " +
                                join(refusals, " | "));
    }
    for (const auto& r : refused_now) {
      excluded.insert(r);
      stats_.excluded.push_back(r);
    }
  }
  return Error::infeasible("the request cannot be embedded by vnp '" + config_.name + "': " +
                           (refusals.empty() ? "no provider available" : join(refusals, " | ")));
}

// --- confirm / cancel / delete -------------------------------------------------

Result<VNetInfo> VnpService::confirm_request(const Caller& caller, const std::string& vnet) {
  auto vnet_lock = lock_vnet(vnet);
  std::lock_guard hold(*vnet_lock);
  // An expired tentative VNet must not get its parts confirmed: release due
  // ones first, so the state check below sees them deleted.
  if (auto e = store_->expire_due(); !e) return e.error();
  auto rec = owned(caller, vnet);
  if (!rec) return rec.error();
  if (rec->state != store::VNetState::kTentative) {
    if (rec->state == store::VNetState::kDeleted)
      return Error::conflict("vnet '" + vnet + "' is deleted (cancelled or expired)");
    return info(*rec);
  }
  auto parts = store_->read("parts", [&](store::ProviderTx& tx) { return tx.parts(vnet); });
  if (!parts) return parts.error();
  auto pend = store_->write("confirm pending", [&](store::ProviderTx& tx) {
    return tx.add_pending(vnet, "confirm", "confirming", "");
  });
  if (!pend) return pend.error();
  std::vector<std::function<Result<VNetInfo>()>> calls;
  for (const auto& p : *parts) {
    const Downstream* d = find(p.provider);
    if (!d) {  // removed from the configuration since
      calls.push_back(
          [] { return Result<VNetInfo>(Error::unavailable("provider not configured")); });
      continue;
    }
    auto prov = d->provider;
    Caller c{d->account, std::nullopt};
    std::string remote = p.remote_vnet;
    calls.push_back([prov, c, remote] { return prov->confirm_request(c, remote); });
  }
  auto rs = fan_out<VNetInfo>(std::move(calls), config_.parallel, config_.call_timeout_s);
  std::vector<std::string> failed;
  for (std::size_t i = 0; i < rs.size(); ++i)
    if (!rs[i]) failed.push_back((*parts)[i].provider + ": " + rs[i].error().message);
  if (!failed.empty()) {
    std::string errs = release_parts(*parts, true);
    (void)store_->transition(vnet, store::VNetState::kDeleted,
                             "confirm failed: " + join(failed, "; "));
    (void)store_->write("pending done",
                        [&](store::ProviderTx& tx) { return tx.remove_pending(*pend); });
    return Error::unavailable("confirming vnet '" + vnet +
                              "' failed, every part is released: " + join(failed, "; ") +
                              (errs.empty() ? "" : " (releasing: " + errs + ")"));
  }
  auto w = store_->write("confirm '" + vnet + "'",
                         [&](store::ProviderTx& tx) -> Result<store::VNetRecord> {
                           auto v = tx.confirm(vnet);
                           if (!v) return v.error();
                           for (auto p : *parts) {
                             p.state = "confirmed";
                             p.updated_at = tx.now();
                             if (Status s = tx.put_part(p); !s) return s.error();
                           }
                           if (Status s = tx.remove_pending(*pend); !s) return s.error();
                           return v;
                         });
  if (!w) {
    // E.g. it expired while the parts were being confirmed: never leave the
    // parts confirmed behind a VNet the customer does not have.
    std::string errs = release_parts(*parts, false);
    (void)store_->transition(vnet, store::VNetState::kDeleted,
                             "confirm failed: " + w.error().message);
    (void)store_->write("pending done",
                        [&](store::ProviderTx& tx) { return tx.remove_pending(*pend); });
    return Error{w.error().code, "confirming vnet '" + vnet +
                                     "' failed, every part was released: " + w.error().message +
                                     (errs.empty() ? "" : " (releasing: " + errs + ")")};
  }
  // Paper 5.7: bootup once every part is confirmed.
  std::string start_errs = config_.start_on_confirm ? start_parts(*parts) : "";
  auto out = info(*w);
  if (out && !start_errs.empty())
    out->detail = "confirmed; starting nodes failed: " + start_errs +
                  (out->detail.empty() ? "" : "; " + out->detail);
  return out;
}

Result<VNetInfo> VnpService::cancel_request(const Caller& caller, const std::string& vnet) {
  auto vnet_lock = lock_vnet(vnet);
  std::lock_guard hold(*vnet_lock);
  auto rec = owned(caller, vnet);
  if (!rec) return rec.error();
  if (rec->state != store::VNetState::kTentative && rec->state != store::VNetState::kDeleted)
    return Error::conflict("vnet '" + vnet + "' is " + store::to_string(rec->state) +
                           "; delete it");
  auto parts = store_->read("parts", [&](store::ProviderTx& tx) { return tx.parts(vnet); });
  if (!parts) return parts.error();
  std::string errs = release_parts(*parts, true);
  auto c = store_->cancel(vnet);
  if (!c) return c.error();
  auto out = info(*c);
  if (out && !errs.empty()) out->detail = errs;
  return out;
}

Result<VNetInfo> VnpService::delete_vnet(const Caller& caller, const std::string& vnet) {
  auto vnet_lock = lock_vnet(vnet);
  std::lock_guard hold(*vnet_lock);
  auto rec = owned(caller, vnet);
  if (!rec) return rec.error();
  if (rec->state == store::VNetState::kTentative) return cancel_request(caller, vnet);
  if (rec->state == store::VNetState::kDeleted) return info(*rec);
  auto parts = store_->read("parts", [&](store::ProviderTx& tx) { return tx.parts(vnet); });
  if (!parts) return parts.error();
  if (rec->state != store::VNetState::kDeleting) {
    auto t = store_->transition(vnet, store::VNetState::kDeleting, "delete requested");
    if (!t) return t.error();
  }
  bool recorded = true;
  std::string errs = release_parts(*parts, false, &recorded);
  // A provider that does not answer keeps the VNet "deleting" only if its
  // release could not be recorded; otherwise the VNP owes it the delete and
  // retries it (retry_pending) while the customer's VNet is gone.
  if (!errs.empty() && !recorded)
    return Error::unavailable("deleting vnet '" + vnet + "': " + errs);
  auto t = store_->transition(vnet, store::VNetState::kDeleted,
                              errs.empty() ? "deleted" : "deleted; releases owed: " + errs);
  if (!t) return t.error();
  auto out = info(*t);
  if (out && !errs.empty()) out->detail = "deleted; releasing parts at: " + errs;
  return out;
}

namespace {

std::optional<flerd::Document> read_partial(const std::string& text) {
  flerd::Loaded l = flerd::read_string(text, flerd::Format::kYaml, "partial vnet");
  if (!l.ok()) return std::nullopt;
  l.document.resolve();
  return std::move(l.document);
}

// The idempotency key of the create that asks a provider newly involved by
// a modification for its part: the same when a restart asks again (the
// nonce is in the pending record; record ids may be reused once removed).
std::string modify_key(const std::string& vnet, const std::string& provider,
                       const std::string& nonce) {
  return part_key(vnet, provider) + "-" + nonce;
}

}  // namespace

// Issue 6: the changed request is split again with a strong preference for
// the current split (plan_split with Keep: nodes pinned to their provider
// while that fits, else a migration cost per moved node), new partials are
// cut, and only the providers whose partial differs hear of it: modify_vnet
// at a changed one (which re-maps with migration costs, so only what must
// move moves), create (+ confirm) at a new one, delete at one no longer
// involved. All or nothing: a pending "modify" record (old partials, parts
// asked for, old transit reservations) is written first, together with the
// union of old and new transit reservations; one transaction commits the
// new OL0/OL1/ML, elements, parts and reservations and removes the record;
// everything before the commit is rolled back (undo_modify), live or at the
// next start. Releases of parts no longer involved come after the commit and
// are retried until the provider answers.
Result<VNetInfo> VnpService::modify_vnet(const Caller& caller, const std::string& vnet,
                                         const flerd::Document& request) {
  // The create lock first (create takes it before a VNet's lock): transit
  // identifiers are picked against a view no create changes meanwhile.
  std::lock_guard lock(mu_);
  auto vnet_lock = lock_vnet(vnet);
  std::lock_guard hold(*vnet_lock);
  if (auto e = store_->expire_due(); !e) return e.error();
  auto rec = owned(caller, vnet);
  if (!rec) return rec.error();
  std::optional<store::IdempotencyKey> key;
  if (caller.idempotency_key) {
    key = store::IdempotencyKey{
        caller.customer, *caller.idempotency_key,
        fingerprint("modify\n" + vnet + "\n" + flerd::write_string(request, flerd::Format::kYaml))};
    auto found = store_->read("look up idempotency key",
                              [&](store::ProviderTx& tx) { return tx.find_response(*key); });
    if (!found) return found.error();
    if (*found) return info(*rec);  // done before: the VNet as it is now
  }
  // As the PIP (roles/pip): tentative, confirmed, running or stopped.
  const store::VNetState state = rec->state;
  if (state != store::VNetState::kTentative && state != store::VNetState::kConfirmed &&
      state != store::VNetState::kRunning && state != store::VNetState::kStopped)
    return Error::conflict(
        "vnet '" + vnet + "' is " + store::to_string(state) +
        "; only a tentative, confirmed, running or stopped vnet can be modified");
  flerd::Document req = request;
  flerd::Diagnostics diags = req.resolve();
  if (!diags.has_errors()) diags.append(flerd::validate(req));
  if (diags.has_errors()) return Error::invalid("invalid request: " + diags.format());
  if (!highest(req, flerd::GraphType::OL))
    return Error::invalid("invalid request: the document has no OL topology");

  struct Current {
    store::Document ol0, ml;
    std::vector<store::Part> parts;
    std::vector<store::Reservation> reservations;
    bool busy = false;
  };
  auto now = store_->read("vnet '" + vnet + "'", [&](store::ProviderTx& tx) -> Result<Current> {
    Current c;
    auto o = tx.document(vnet, store::Layer::kOL0);
    if (!o) return o.error();
    c.ol0 = *o;
    auto m = tx.document(vnet, store::Layer::kML);
    if (!m) return m.error();
    c.ml = *m;
    auto ps = tx.parts(vnet);
    if (!ps) return ps.error();
    c.parts = *ps;
    auto rs = tx.reservations(vnet);
    if (!rs) return rs.error();
    c.reservations = *rs;
    auto pend = tx.pending();
    if (!pend) return pend.error();
    for (const auto& p : *pend) c.busy = c.busy || (p.vnet == vnet && p.operation == "modify");
    return c;
  });
  if (!now) return now.error();
  if (now->busy)
    return Error::unavailable("an earlier modification of vnet '" + vnet +
                              "' is still being rolled back at a provider that did not answer; "
                              "try again later");
  auto old_req = from_store(now->ol0, "vnet '" + vnet + "' OL0");
  if (!old_req) return old_req.error();
  const Split old_sp = parse_split(now->ml.body);
  Keep keep;
  keep.node_site = old_sp.node_site;
  for (const auto& c : old_sp.crossings) keep.crossing[c.link] = c;
  if (const flerd::Topology* t = highest(*old_req, flerd::GraphType::OL))
    for (const auto& e : t->networkElements) {
      if (!e.is_node()) continue;
      auto site = old_sp.node_site.find(e.id);
      if (site == old_sp.node_site.end()) continue;
      for (const auto& r : e.resource)
        if (r.target) keep.held[site->second][r.target->attribute] += r.target->value;
    }
  auto free = store_->free_capacity();
  if (!free) return free.error();
  // The VNet's own transit bandwidth is its to reuse; its identifiers stay
  // taken except for the crossings that keep them (plan_split).
  for (const auto& r : now->reservations)
    if (r.resource.ends_with("/bandwidth")) (*free)[r.resource] += r.amount;
  std::set<std::string> excluded;
  std::vector<std::string> refusals;
  auto planned = plan_split(config_, req, *free, excluded, refusals, &keep);
  if (!planned) return planned.error();
  if (!*planned)
    return Error::infeasible(
        "the modified request cannot be embedded by vnp '" + config_.name +
        "': " + (refusals.empty() ? "no provider available" : join(refusals, " | ")));
  const Split& sp = (*planned)->sp;

  // The partials before and after (paper 5.4), both cut from documents read
  // back from their stored text, so a part that did not change compares
  // equal.
  auto new_req = from_store(to_store(req), "the modified request");
  if (!new_req) return new_req.error();
  const flerd::Topology* ol0_old = highest(*old_req, flerd::GraphType::OL);
  const flerd::Topology* ol0_new = highest(*new_req, flerd::GraphType::OL);
  if (!ol0_old || !ol0_new) return Error::internal("vnet '" + vnet + "': no OL topology stored");
  std::map<std::string, std::string> before, after;
  for (const auto& p : old_sp.providers)
    before[p] = flerd::write_string(partial_for(*old_req, *ol0_old, p, old_sp, config_.transit),
                                    flerd::Format::kYaml);
  for (const auto& p : sp.providers)
    after[p] = flerd::write_string(partial_for(*new_req, *ol0_new, p, sp, config_.transit),
                                   flerd::Format::kYaml);
  std::map<std::string, store::Part> part_at;
  for (const auto& p : now->parts) part_at[p.provider] = p;
  std::vector<std::string> changed, added, removed;
  std::set<std::string> untouched;
  for (const auto& [p, text] : after) {
    auto b = before.find(p);
    if (!part_at.count(p))
      added.push_back(p);
    else if (b == before.end() || b->second != text)
      changed.push_back(p);
    else
      untouched.insert(p);
  }
  for (const auto& [p, part] : part_at)
    if (!after.count(p)) removed.push_back(p);
  std::map<std::string, flerd::Document> send, restore;
  for (const auto& p : changed) {
    auto doc = read_partial(after[p]);
    auto old = read_partial(before.count(p) ? before[p] : "");
    if (!doc || !old) return Error::internal("partial vnet for '" + p + "' does not read back");
    send[p] = std::move(*doc);
    restore[p] = std::move(*old);
  }
  for (const auto& p : added) {
    auto doc = read_partial(after[p]);
    if (!doc) return Error::internal("partial vnet for '" + p + "' does not read back");
    send[p] = std::move(*doc);
  }
  // New parts of a tentative VNet expire with it; those of a confirmed one
  // are confirmed within this call.
  double ttl = std::min(config_.default_ttl_s, config_.max_ttl_s);
  if (state == store::VNetState::kTentative && rec->expires_at)
    ttl = std::max(1.0, static_cast<double>(*rec->expires_at - clock_->now_ms()) / 1000.0);
  char ttl_text[32];
  std::snprintf(ttl_text, sizeof ttl_text, "%.17g", ttl);
  std::map<std::string, std::string> payload;
  for (const auto& p : changed) payload["old/" + p] = before[p];
  for (const auto& p : added) payload["new/" + p] = after[p];
  payload["#ttl"] = ttl_text;
  payload["#reservations"] = reservations_text(now->reservations);
  const std::string nonce = "m" + new_vnet_id().substr(3);
  payload["#nonce"] = nonce;
  // While negotiating the VNet holds old and new transit reservations, so
  // a rollback never finds its old identifiers taken.
  std::map<std::string, double> next, both;
  for (const auto& r : (*planned)->reservations) next[r.resource] += r.amount;
  for (const auto& r : now->reservations) both[r.resource] = r.amount;
  for (const auto& [r, a] : next) both[r] = std::max(both[r], a);
  std::vector<store::Reservation> both_list;
  for (const auto& [r, a] : both) both_list.push_back({r, a});
  const std::string payload_text = encode_parts(payload);
  auto pend = store_->write(
      "modify vnet '" + vnet + "'", [&](store::ProviderTx& tx) -> Result<std::int64_t> {
        auto v = tx.get_vnet(vnet);
        if (!v) return v.error();
        if (v->state != state)
          return Error::conflict("vnet '" + vnet + "' changed state while being modified");
        if (Status s = tx.replace_reservations(vnet, both_list); !s) return s.error();
        return tx.add_pending(vnet, "modify", "negotiating", payload_text);
      });
  if (!pend) return Error{pend.error().code, "reserve transit: " + pend.error().message};
  store::PendingTransaction record;
  record.id = *pend;
  record.vnet = vnet;
  record.operation = "modify";
  record.state = "negotiating";
  record.payload = payload_text;

  // Paper 5.5 for a change, in parallel: the changed providers get their new
  // partial, the new ones a tentative create. A call answered after its
  // deadline is undone when it arrives.
  std::vector<std::string> who;
  std::vector<char> creating;
  std::vector<std::function<Result<VNetInfo>()>> calls;
  std::vector<std::function<void(const std::string&)>> undo_late;
  for (const auto& p : changed) {
    const Downstream* d = find(p);
    if (!d) continue;  // plan_split splits onto configured providers only
    auto prov = d->provider;
    Caller c{d->account, std::nullopt};
    std::string remote = part_at[p].remote_vnet;
    who.push_back(p);
    creating.push_back(0);
    calls.push_back([prov, c, remote, doc = send[p]] { return prov->modify_vnet(c, remote, doc); });
    undo_late.push_back([prov, c, remote, old = restore[p]](const std::string&) {
      (void)prov->modify_vnet(c, remote, old);
    });
  }
  for (const auto& p : added) {
    const Downstream* d = find(p);
    if (!d) continue;
    auto prov = d->provider;
    Caller c{d->account, modify_key(vnet, p, nonce)};
    Caller plain{d->account, std::nullopt};
    CreateOptions co;
    co.ttl_s = ttl;
    who.push_back(p);
    creating.push_back(1);
    calls.push_back([prov, c, doc = send[p], co] { return prov->create_vnet(c, doc, co); });
    undo_late.push_back(
        [prov, plain](const std::string& id) { (void)prov->cancel_request(plain, id); });
  }
  auto late = [undo_late](std::size_t i, const Result<VNetInfo>& r) {
    if (r) undo_late[i](r->id);
  };
  auto answers =
      fan_out<VNetInfo>(std::move(calls), config_.parallel, config_.call_timeout_s, late);
  std::map<std::string, std::optional<std::string>> granted;
  std::set<std::string> unchanged = untouched;  // not to be restored
  std::vector<std::string> failed;
  bool refusals_only = true;
  for (std::size_t i = 0; i < answers.size(); ++i) {
    if (creating[i]) granted[who[i]] = answers[i] ? std::optional(answers[i]->id) : std::nullopt;
    if (answers[i]) continue;
    failed.push_back(who[i] + ": " + answers[i].error().message);
    refusals_only = refusals_only && answers[i].error().code == Error::Code::kInfeasible;
    // A modify is all or nothing at the provider: a final refusal changed
    // nothing there. One that did not answer may have applied it.
    if (!creating[i] && !transient(answers[i].error())) unchanged.insert(who[i]);
  }
  auto fail = [&](const std::string& why, Error::Code code) -> Error {
    std::string left = undo_modify(record, &granted, unchanged);
    return Error{code, "modifying vnet '" + vnet + "' failed; every provider is as before" +
                           (left.empty() ? "" : " (still being restored: " + left + ")") + ": " +
                           why};
  };
  if (!failed.empty())
    return fail(join(failed, "; "),
                refusals_only ? Error::Code::kInfeasible : Error::Code::kUnavailable);

  // The new parts of a confirmed VNet are confirmed before the commit, so
  // the customer never holds a part that is only tentative.
  std::vector<store::Part> new_parts;
  const std::string part_state = state == store::VNetState::kTentative ? "tentative" : "confirmed";
  for (const auto& p : added) {
    if (!granted[p]) return fail("no answer from " + p, Error::Code::kUnavailable);
    new_parts.push_back({vnet, p, *granted[p], part_state, 0});
  }
  if (state != store::VNetState::kTentative && !new_parts.empty()) {
    std::vector<std::function<Result<VNetInfo>()>> confirms;
    for (const auto& p : new_parts) {
      const Downstream* d = find(p.provider);
      auto prov = d->provider;
      Caller c{d->account, std::nullopt};
      std::string remote = p.remote_vnet;
      confirms.push_back([prov, c, remote] { return prov->confirm_request(c, remote); });
    }
    auto rs = fan_out<VNetInfo>(std::move(confirms), config_.parallel, config_.call_timeout_s);
    std::vector<std::string> bad;
    for (std::size_t i = 0; i < rs.size(); ++i)
      if (!rs[i]) bad.push_back(new_parts[i].provider + ": " + rs[i].error().message);
    if (!bad.empty())
      return fail("confirming the new parts: " + join(bad, "; "), Error::Code::kUnavailable);
  }

  // The commit: one transaction.
  std::vector<std::string> summary;
  if (!changed.empty()) summary.push_back("changed at " + join(changed, ", "));
  if (!added.empty()) summary.push_back("new parts at " + join(added, ", "));
  if (!removed.empty()) summary.push_back("parts released at " + join(removed, ", "));
  if (summary.empty()) summary.push_back("no provider's part changed");
  const std::string note = "modified: " + join(summary, "; ");
  std::vector<store::PendingTransaction> owed;
  auto w = store_->write(
      "modify vnet '" + vnet + "'", [&](store::ProviderTx& tx) -> Result<store::VNetRecord> {
        owed.clear();
        auto v = tx.get_vnet(vnet);
        if (!v) return v.error();
        if (v->state != state)
          return Error::conflict("vnet '" + vnet + "' changed state while being modified");
        if (Status s = tx.replace_reservations(vnet, (*planned)->reservations); !s)
          return s.error();
        std::vector<store::Element> els;
        for (const auto& [node, site] : sp.node_site)
          els.push_back({node, store::ElementKind::kNode, store::to_string(state), site});
        for (const auto& [link, sites] : sp.link_sites)
          els.push_back(
              {link, store::ElementKind::kLink, store::to_string(state), join(sites, ",")});
        if (Status s = tx.replace_elements(vnet, els); !s) return s.error();
        if (Status s = tx.put_document(vnet, store::Layer::kOL0, to_store(req)); !s)
          return s.error();
        if (Status s = tx.put_document(vnet, store::Layer::kOL1, to_store((*planned)->ol1)); !s)
          return s.error();
        if (Status s = tx.put_document(vnet, store::Layer::kML, {kSplitFormat, split_text(sp)}); !s)
          return s.error();
        for (auto p : new_parts) {
          p.updated_at = tx.now();
          if (Status s = tx.put_part(p); !s) return s.error();
        }
        for (const auto& p : removed) {
          if (Status s = tx.remove_part(vnet, p); !s) return s.error();
          store::PendingTransaction r;
          r.vnet = vnet;
          r.operation = "release";
          r.state = state == store::VNetState::kTentative ? "cancel" : "delete";
          r.payload = release_payload(part_at[p]);
          auto id = tx.add_pending(vnet, r.operation, r.state, r.payload);
          if (!id) return id.error();
          r.id = *id;
          owed.push_back(std::move(r));
        }
        if (key)
          if (Status s = tx.store_response(*key, vnet); !s) return s.error();
        if (auto ev = tx.append_event(vnet, "modified", note); !ev) return ev.error();
        if (Status s = tx.remove_pending(*pend); !s) return s.error();
        return tx.get_vnet(vnet);
      });
  if (!w) return fail("recording the modification: " + w.error().message, w.error().code);

  // After the commit: parts no longer involved are released (retried until
  // their provider answers); the new parts' nodes boot (paper 5.7).
  std::string detail = note;
  if (const std::size_t left = run_releases(owed); left > 0)
    detail += "; " + std::to_string(left) + " release(s) retried until the provider answers";
  if (state != store::VNetState::kTentative && config_.start_on_confirm) {
    std::string errs = new_parts.empty() ? "" : start_parts(new_parts);
    // Nodes new to a changed part boot too (a provider's modify leaves a
    // node it adds stopped).
    std::vector<std::string> names;
    std::vector<std::function<Result<VNetInfo>()>> boots;
    for (const auto& p : changed) {
      const Downstream* d = find(p);
      if (!d) continue;
      for (const auto& [node, site] : sp.node_site) {
        auto was = old_sp.node_site.find(node);
        if (site != p || (was != old_sp.node_site.end() && was->second == p)) continue;
        names.push_back(p + " (" + node + ")");
        boots.push_back([prov = d->provider, c = Caller{d->account, std::nullopt},
                         remote = part_at[p].remote_vnet,
                         node] { return prov->provision(c, remote, Action::kStart, node); });
      }
    }
    auto rs = fan_out<VNetInfo>(std::move(boots), config_.parallel, config_.call_timeout_s);
    for (std::size_t i = 0; i < rs.size(); ++i)
      if (!rs[i]) errs += (errs.empty() ? "" : "; ") + names[i] + ": " + rs[i].error().message;
    if (!errs.empty()) detail += "; starting the new nodes failed: " + errs;
  }
  auto out = info(*w);
  if (out) out->detail = detail + (out->detail.empty() ? "" : "; " + out->detail);
  return out;
}

std::string VnpService::undo_modify(
    const store::PendingTransaction& pending,
    const std::map<std::string, std::optional<std::string>>* granted,
    const std::set<std::string>& untouched, bool* finished) {
  if (finished) *finished = false;
  const std::string& vnet = pending.vnet;
  auto payload = decode_parts(pending.payload);
  auto parts = store_->read("parts", [&](store::ProviderTx& tx) { return tx.parts(vnet); });
  std::map<std::string, std::string> remote;
  if (parts)
    for (const auto& p : *parts) remote[p.provider] = p.remote_vnet;
  const double ttl =
      payload.count("#ttl") ? std::strtod(payload["#ttl"].c_str(), nullptr) : config_.default_ttl_s;
  std::map<std::string, std::string> left;  // payload entries still owed
  std::vector<std::string> problems;

  // Parts created for the modification go (a release a provider does not
  // answer is recorded and retried on its own). Without the live answers a
  // provider is asked again with the same key: it returns what it granted,
  // or grants now, and either way that is cancelled.
  std::vector<store::Part> release;
  for (const auto& [k, text] : payload) {
    if (!k.starts_with("new/")) continue;
    const std::string prov = k.substr(4);
    if (granted) {
      auto g = granted->find(prov);
      if (g != granted->end() && g->second) release.push_back({vnet, prov, *g->second, "", 0});
      continue;
    }
    const Downstream* d = find(prov);
    auto doc = read_partial(text);
    if (!d || !doc) continue;
    CreateOptions co;
    co.ttl_s = ttl;
    auto again = d->provider->create_vnet(
        Caller{d->account, modify_key(vnet, prov, payload["#nonce"])}, *doc, co);
    if (again) {
      release.push_back({vnet, prov, again->id, "", 0});
    } else if (transient(again.error())) {
      left[k] = text;
      problems.push_back(prov + ": " + again.error().message);
    }
  }
  if (!release.empty())
    if (std::string errs = release_parts(release, true); !errs.empty()) problems.push_back(errs);

  // Changed parts get their old partial back (the provider re-maps it with
  // migration costs, so what moved for the change moves back).
  std::vector<std::string> who;
  std::vector<std::function<Result<VNetInfo>()>> calls;
  for (const auto& [k, text] : payload) {
    if (!k.starts_with("old/")) continue;
    const std::string prov = k.substr(4);
    const Downstream* d = find(prov);
    auto r = remote.find(prov);
    auto doc = read_partial(text);
    if (untouched.count(prov) || !d || r == remote.end() || !doc) continue;
    who.push_back(k);
    calls.push_back([p = d->provider, c = Caller{d->account, std::nullopt}, id = r->second,
                     doc = std::move(*doc)] { return p->modify_vnet(c, id, doc); });
  }
  auto rs = fan_out<VNetInfo>(std::move(calls), config_.parallel, config_.call_timeout_s);
  for (std::size_t i = 0; i < rs.size(); ++i) {
    if (rs[i]) continue;
    const Error& e = rs[i].error();
    const std::string prov = who[i].substr(4);
    if (transient(e)) {
      left[who[i]] = payload[who[i]];
      problems.push_back(prov + ": " + e.message);
    } else if (e.code != Error::Code::kNotFound && e.code != Error::Code::kConflict) {
      // Its final word (e.g. the old part no longer fits): nothing to retry.
      problems.push_back(prov + ": the old part could not be restored: " + e.message);
    }
  }

  if (!left.empty()) {
    left["#ttl"] = payload["#ttl"];
    left["#reservations"] = payload["#reservations"];
    left["#nonce"] = payload["#nonce"];
    (void)store_->write("modify rollback pending", [&](store::ProviderTx& tx) {
      return tx.update_pending(pending.id, "rolling-back", encode_parts(left));
    });
    return join(problems, "; ");
  }
  const auto old_res = parse_reservations(payload["#reservations"]);
  Status w =
      store_->write("modify of '" + vnet + "' rolled back", [&](store::ProviderTx& tx) -> Status {
        auto v = tx.get_vnet(vnet);
        // A VNet deleted or expired meanwhile holds nothing any more.
        if (v && v->state != store::VNetState::kDeleted)
          if (Status s = tx.replace_reservations(vnet, old_res); !s) return s;
        if (auto ev = tx.append_event(vnet, "modify-rolled-back", join(problems, "; ")); !ev)
          return ev.error();
        if (Status s = tx.remove_pending(pending.id);
            !s && s.error().code != Error::Code::kNotFound)
          return s;
        return Status::Ok();
      });
  if (!w) {
    problems.push_back("restoring the transit reservations: " + w.error().message);
    return join(problems, "; ");
  }
  if (finished) *finished = true;
  return join(problems, "; ");
}

// --- metrics, provisioning, views ---------------------------------------------------

Result<Metrics> VnpService::get_metrics(const Caller& caller) {
  std::vector<std::function<Result<Metrics>()>> calls;
  for (const auto& d : config_.providers) {
    auto prov = d.provider;
    Caller c{d.account, std::nullopt};
    calls.push_back([prov, c] { return prov->get_metrics(c); });
  }
  auto rs = fan_out<Metrics>(std::move(calls), config_.parallel, config_.call_timeout_s);
  Metrics m;
  m.provider = config_.name;
  std::map<std::string, std::set<std::string>> features;
  // Sums of sums (paper 5.2): still no topology, no provider's element.
  for (const auto& r : rs) {
    if (!r) continue;
    for (const auto& [attr, a] : r->resources) {
      auto& t = m.resources[attr];
      t.capacity += a.capacity;
      t.available += a.available;
      t.largest_available = std::max(t.largest_available, a.largest_available);
    }
    for (const auto& [attr, v] : r->features)
      for (const auto& x : split(v, ',')) features[attr].insert(x);
  }
  for (const auto& [attr, values] : features)
    m.features[attr] = join(std::vector<std::string>(values.begin(), values.end()), ",");
  auto mine = store_->list_vnets(caller.customer, false);
  if (mine) m.vnets = static_cast<int>(mine->size());
  return m;
}

Result<VNetInfo> VnpService::provision(const Caller& caller, const std::string& vnet, Action action,
                                       const std::string& node) {
  auto vnet_lock = lock_vnet(vnet);
  std::lock_guard hold(*vnet_lock);
  auto rec = owned(caller, vnet);
  if (!rec) return rec.error();
  auto parts = store_->read("parts", [&](store::ProviderTx& tx) { return tx.parts(vnet); });
  if (!parts) return parts.error();
  std::string site;
  if (!node.empty()) {
    auto els = store_->read("elements", [&](store::ProviderTx& tx) { return tx.elements(vnet); });
    if (!els) return els.error();
    for (const auto& e : *els)
      if (e.id == node && e.kind == store::ElementKind::kNode) site = e.host;
    if (site.empty()) return Error::not_found("vnet '" + vnet + "' has no node '" + node + "'");
  }
  std::vector<std::function<Result<VNetInfo>()>> calls;
  std::vector<std::string> names;
  for (const auto& p : *parts) {
    if (!site.empty() && p.provider != site) continue;
    const Downstream* d = find(p.provider);
    names.push_back(p.provider);
    if (!d) {
      calls.push_back(
          [] { return Result<VNetInfo>(Error::unavailable("provider not configured")); });
      continue;
    }
    auto prov = d->provider;
    Caller c{d->account, std::nullopt};
    std::string remote = p.remote_vnet;
    calls.push_back(
        [prov, c, remote, action, node] { return prov->provision(c, remote, action, node); });
  }
  auto rs = fan_out<VNetInfo>(std::move(calls), config_.parallel, config_.call_timeout_s);
  std::vector<std::string> failed;
  for (std::size_t i = 0; i < rs.size(); ++i)
    if (!rs[i]) failed.push_back(names[i] + ": " + rs[i].error().message);
  if (!failed.empty())
    return Error::unavailable(std::string(to_string(action)) + " on vnet '" + vnet +
                              "': " + join(failed, "; "));
  auto now = store_->get_vnet(vnet);
  if (!now) return now.error();
  return info(*now);
}

Result<VNetInfo> VnpService::status(const Caller& caller, const std::string& vnet) {
  auto rec = owned(caller, vnet);
  if (!rec) return rec.error();
  return info(*rec);
}

Result<std::vector<VNetInfo>> VnpService::list(const Caller& caller) {
  auto recs = store_->list_vnets(caller.customer, false);
  if (!recs) return recs.error();
  std::vector<VNetInfo> out;
  for (const auto& r : *recs) {
    auto i = info(r);
    if (!i) return i.error();
    out.push_back(std::move(*i));
  }
  return out;
}

Result<flerd::Document> VnpService::document(const Caller& caller, const std::string& vnet) {
  auto rec = owned(caller, vnet);
  if (!rec) return rec.error();
  // OL1 holds the request's OL0 too (completion adds a layer).
  auto d = store_->read(
      "document", [&](store::ProviderTx& tx) { return tx.document(vnet, store::Layer::kOL1); });
  if (!d) return d.error();
  return from_store(*d, "vnet '" + vnet + "' OL1");
}

Result<ConsoleAccess> VnpService::console(const Caller& caller, const std::string& vnet,
                                          const std::string& node) {
  auto rec = owned(caller, vnet);
  if (!rec) return rec.error();
  if (!relay_) return Error::unavailable("vnp '" + config_.name + "' runs no console relay");
  auto data =
      store_->read("console",
                   [&](store::ProviderTx& tx)
                       -> Result<std::pair<std::vector<store::Element>, std::vector<store::Part>>> {
                     auto els = tx.elements(vnet);
                     if (!els) return els.error();
                     auto parts = tx.parts(vnet);
                     if (!parts) return parts.error();
                     return std::make_pair(std::move(*els), std::move(*parts));
                   });
  if (!data) return data.error();
  std::string site;
  for (const auto& e : data->first)
    if (e.id == node && e.kind == store::ElementKind::kNode) site = e.host;
  if (site.empty() || is_stub(node))
    return Error::not_found("vnet '" + vnet + "' has no node '" + node + "'");
  const store::Part* part = nullptr;
  for (const auto& p : data->second)
    if (p.provider == site) part = &p;
  const Downstream* d = find(site);
  if (!part || !d)
    return Error::unavailable("vnet '" + vnet + "': node '" + node + "' has no part");
  // The next hop of the proxy chain is the provider's own ticket (thesis
  // 3.3.5): the customer only ever learns this VNP's relay.
  auto next = d->provider->console(Caller{d->account, std::nullopt}, part->remote_vnet, node);
  if (!next) return next.error();
  console::Ticket t;
  t.host = next->host;
  t.port = static_cast<std::uint16_t>(next->port);
  t.token = next->token;
  t.expires_at =
      std::chrono::system_clock::time_point(std::chrono::milliseconds(next->expires_at_ms));
  std::int64_t ttl_ms = std::llround(config_.console_ticket_ttl_s * 1000);
  ttl_ms = std::max<std::int64_t>(1000, std::min(ttl_ms, next->expires_at_ms - now_ms()));
  auto ticket = relay_->issue(console::Target::chain(t), std::chrono::milliseconds(ttl_ms));
  if (!ticket) return ticket.error();
  ConsoleAccess a;
  a.host = ticket->host;
  a.port = ticket->port;
  a.token = ticket->token;
  a.expires_at_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(ticket->expires_at.time_since_epoch())
          .count();
  return a;
}

}  // namespace cloudnet::roles::vnp
