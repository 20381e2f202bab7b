// cloudnet demo: the main job on embedded defaults (issue 6, "Demo: the main
// job"). Starts a local federation -- one VNP and two PIPs with different
// substrates (examples/substrate-pip1.yaml and substrate-pip2.yaml, compiled
// in), SQLite stores, the simulation plugin, every role behind its own HTTP
// server on loopback -- submits the thesis's webservice request
// (examples/request-webservice.yaml) through the VNP's API, confirms it, and
// prints where each element landed at the level each role may see (CloudNet
// paper 4.1: the VNP sees PIPs and transit links, each PIP its own
// substrate, the customer sites only), the transit link and identifier of
// the crossing link, the VNet's status, and a console line through the
// relay chain (thesis 3.3.5).
//
// On the Linux data plane (--dataplane linux, the default where it can run:
// root, `ip netns`, cgroup v1) each PIP's substrate is a lab of network
// namespaces on this machine with a tunnel bridge on a shared exchange
// (issue 8's main job): the demo then configures the nodes through their
// consoles, pings across the transit link, and shows that a second VNet with
// the same addresses cannot reach the first; everything is removed at exit.
//
// `cloudnet demo --mapping` is the earlier demo: the FleRD documents in three
// forms and the embedding MIP of thesis ch. 5 on pip1's substrate.
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <iomanip>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include "cli/commands.h"
#include "cli/embedded.h"
#include "flerd/io.h"
#include "flerd/summary.h"
#include "mapping/builder.h"
#include "mapping/checker.h"
#include "mapping/engine.h"
#include "mapping/objective.h"
#ifdef CLOUDNET_HAVE_FEDERATION
#include "api/remote_provider.h"
#include "console/client.h"
#include "console/shell.h"
#include "embed/linux_plugin.h"
#include "federation/local_federation.h"
#include "netlab/command.h"
#include "netlab/kernel.h"
#include "roles/pip/pip_service.h"
#include "roles/stored_document.h"
#endif

namespace cloudnet::cli {

std::string_view embedded(std::string_view name) {
  for (const auto& [n, text] : embedded_files())
    if (n == name) return text;
  return {};
}

namespace {

int run_mapping_demo(const std::string& solver_name) {
  std::cout << "== CloudNet demo: FleRD documents and the embedding MIP ==\n\n";
  flerd::Loaded docs[2];
  const char* names[2] = {"request-webservice.yaml", "substrate-pip1.yaml"};
  for (int i = 0; i < 2; ++i) {
    docs[i] = flerd::read_string(embedded(names[i]), flerd::Format::kYaml, names[i]);
    if (!docs[i].ok()) {
      std::cerr << docs[i].diagnostics.format();
      return 1;
    }
    std::cout << flerd::summarize(docs[i].document) << "\n";
  }
  // The three forms carry exactly the same document.
  for (flerd::Format f : {flerd::Format::kXml, flerd::Format::kYaml, flerd::Format::kJson}) {
    const std::string text = flerd::write_string(docs[0].document, f);
    const auto back = flerd::read_string(text, f, "demo");
    std::cout << "request as " << flerd::to_string(f) << ": " << text.size() << " bytes, "
              << (back.ok() && back.document == docs[0].document ? "reads back identical"
                                                                 : "DIFFERS")
              << "\n";
  }

  std::cout << "\n== mapping " << names[0] << " onto " << names[1] << " (" << solver_name
            << ") ==\n";
  mapping::BuildInput in;
  in.request = &docs[0].document;
  in.substrate = &docs[1].document;
  mapping::BuildNotes notes;
  auto problem = mapping::build_problem(in, &notes);
  if (!problem) {
    std::cerr << "demo: " << problem.error().message << "\n";
    return 1;
  }
  for (const auto& n : notes.notes) std::cout << "note: " << n << "\n";
  mapping::SolveSettings settings;
  settings.solver = solver_name;
  settings.time_limit_s = 30;
  const auto result = mapping::solve_mip(*problem, settings);
  std::cout << "status " << mapping::to_string(result.status) << ", objective " << result.objective
            << ", " << result.seconds * 1000 << " ms\n";
  if (!result.has_solution()) {
    for (const auto& e : result.explanation) std::cout << "  " << e << "\n";
    return 1;
  }
  const auto& p = *problem;
  for (std::size_t u = 0; u < p.nodes.size(); ++u)
    std::cout << "  " << p.nodes[u].identifier << " -> "
              << p.substrate[static_cast<std::size_t>(result.solution.node_host[u])].identifier
              << "\n";
  for (std::size_t fi = 0; fi < p.flows.size(); ++fi) {
    std::cout << "  " << p.links[static_cast<std::size_t>(p.flows[fi].link)].identifier << " ("
              << p.flows[fi].amount << " Mbps):";
    for (const auto& [a, y] : result.solution.flow_arcs[fi])
      std::cout << " "
                << p.substrate[static_cast<std::size_t>(p.arcs[static_cast<std::size_t>(a)].to)]
                       .identifier;
    std::cout << "\n";
  }
  const auto check = mapping::check(p, result.solution);
  std::cout << "quality Q = " << mapping::quality_q(p, result.solution)
            << "; independent checker: " << (check.ok() ? "valid" : "INVALID") << "\n";
  if (!check.ok()) {
    std::cout << check.format();
    return 1;
  }
  return 0;
}

#ifdef CLOUDNET_HAVE_FEDERATION

struct DemoOptions {
  bool serial = false;
  std::string strategy = "auto";
  bool serve = false;
  // linux: the PIPs' substrates as labs of namespaces on this machine (needs
  // root); sim: the simulation plugin; auto: linux where it can run.
  std::string dataplane = "auto";
};

// A shell on a virtual node's console through the relay chain customer ->
// VNP -> PIP -> node (thesis 3.3.5).
Result<console::Shell> open_shell(api::RemoteProvider& provider, const roles::Caller& me,
                                  const std::string& vnet, const std::string& node) {
  auto access = provider.console(me, vnet, node);
  if (!access) return access.error();
  console::Ticket t;
  t.host = access->host;
  t.port = static_cast<std::uint16_t>(access->port);
  t.token = access->token;
  return console::Shell::open(t);
}

// Lines of `text` that contain `what`, indented.
std::string lines_with(const std::string& text, const std::string& what) {
  std::string out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find(what) != std::string::npos) out += "    " + line + "\n";
  }
  return out;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

std::string join(const std::vector<std::string>& v, const std::string& sep) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

std::string ms_since(std::chrono::steady_clock::time_point t0) {
  const auto us =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  std::ostringstream o;
  o << std::fixed << std::setprecision(0) << static_cast<double>(us) / 1000.0 << " ms";
  return o.str();
}

// "SHost1" for "s:host1" (the identifier an operator knows), else the id.
std::string name_in(const flerd::Document& doc, const std::string& id) {
  const flerd::NetworkElement* e = doc.element(id);
  return e && !e->identifier.empty() ? e->identifier : id;
}

std::string feature_of(const flerd::NetworkElement& e, const std::string& attribute) {
  for (const auto& f : e.features)
    if (f.attribute == attribute) return f.value;
  return {};
}

// One line about a PIP's substrate: hosts (with their locations), switches,
// links.
std::string describe_substrate(const flerd::Document& doc) {
  int hosts = 0, switches = 0, links = 0;
  std::set<std::string> places;
  for (const auto& t : doc.topologies)
    for (const auto& e : t.networkElements) {
      if (e.is_link()) {
        ++links;
      } else if (e.ne_type.starts_with("/node/host")) {
        ++hosts;
        const std::string where = feature_of(e, "/position/continent/country");
        if (!where.empty()) places.insert(where.substr(where.find_last_of('/') + 1));
      } else {
        ++switches;
      }
    }
  std::ostringstream o;
  o << hosts << " hosts (" << join(std::vector<std::string>(places.begin(), places.end()), ", ")
    << "), " << switches << (switches == 1 ? " switch, " : " switches, ") << links << " links";
  return o.str();
}

// The PIP's view of its part (paper 4.1: it knows its own substrate, and of
// the rest of the VNet only the stubs naming its neighbour providers).
void print_pip_view(federation::LocalFederation& fed, std::size_t i, const std::string& remote) {
  roles::pip::PipService& pip = fed.pip(i);
  const flerd::Document& sub = fed.substrate(i);
  const roles::Caller vnp{fed.vnp_account(), std::nullopt};
  auto st = pip.status(vnp, remote);
  auto els =
      pip.store().read("elements", [&](store::ProviderTx& tx) { return tx.elements(remote); });
  // The partial VNet as the PIP received it (its OL0, with the stubs and the
  // transit link as the VNP wrote them).
  auto ol0 = pip.store().read(
      "ol0", [&](store::ProviderTx& tx) { return tx.document(remote, store::Layer::kOL0); });
  if (!st || !els || !ol0) {
    std::cout << "  (cannot read " << fed.pip_name(i) << "'s part "
              << (st ? (els ? ol0.error().message : els.error().message) : st.error().message)
              << ")\n";
    return;
  }
  auto part = roles::from_store(*ol0, "partial vnet");
  if (!part) {
    std::cout << "  (" << part.error().message << ")\n";
    return;
  }
  std::cout << fed.pip_name(i) << ": vnet " << remote << " of customer '" << fed.vnp_account()
            << "', " << st->state << "\n";
  std::map<std::string, std::string> state;
  for (const auto& e : st->elements) state[e.id] = e.state;
  // Its nodes, then the stubs of the neighbour providers, then links.
  auto rank = [](const store::Element& e) {
    return e.kind != store::ElementKind::kNode ? 2 : e.id.ends_with("-peer") ? 1 : 0;
  };
  std::vector<store::Element> order = *els;
  std::stable_sort(order.begin(), order.end(),
                   [&](const auto& a, const auto& b) { return rank(a) < rank(b); });
  for (const auto& e : order) {
    const flerd::NetworkElement* req = part->element(e.id);
    const bool stub = req && req->ne_type == "/node/host/pip";
    std::vector<std::string> on;
    for (const auto& h : split(e.host, ',')) on.push_back(name_in(sub, h));
    std::cout << "  " << std::left << std::setw(14) << e.id << std::setw(6)
              << (stub ? "stub" : store::to_string(e.kind)) << std::setw(9) << state[e.id];
    if (stub) {
      std::cout << "peer " << req->alias.value_or("?") << ", ends on " << join(on, ", ") << "\n";
      continue;
    }
    std::cout << (e.kind == store::ElementKind::kNode ? "on " : "via ") << join(on, ", ");
    if (e.kind == store::ElementKind::kNode && on.size() == 1) {
      const flerd::NetworkElement* host = nullptr;
      for (const auto& h : split(e.host, ',')) host = sub.element(h);
      if (host) {
        const std::string where = feature_of(*host, "/position/continent/country");
        std::cout << " (" << host->ne_type << (where.empty() ? "" : ", " + where) << ")";
      }
    }
    if (req && req->ne_type == "/link/transit")
      std::cout << "  [" << req->alias.value_or("") << "]";
    std::cout << "\n";
  }
}

// The data plane at work (issue 8, main job): every node of the VNet gets
// 10.0.0.<k>/24 on eth0 through its console, the first pings every other
// (across the transit link where they sit at different PIPs), and a second
// VNet of the same request with the same addresses, whose own second node
// is down, cannot reach the first VNet's. Its VNet id goes to *second.
bool show_dataplane(api::RemoteProvider& vnp, const roles::Caller& me, const std::string& id,
                    const roles::VNetInfo& st, std::vector<std::string>* second) {
  std::vector<std::pair<std::string, std::string>> nodes;  // id, site
  for (const auto& e : st.elements)
    if (e.kind == "node") nodes.emplace_back(e.id, e.site);
  std::sort(nodes.begin(), nodes.end());
  if (nodes.size() < 2) return false;
  std::cout << "\n== the data plane: shells on the nodes through the relay chain ==\n";
  auto configure = [&](const std::string& vnet, std::vector<console::Shell>& shells,
                       std::size_t count) -> bool {
    for (std::size_t k = 0; k < count; ++k) {
      auto shell = open_shell(vnp, me, vnet, nodes[k].first);
      if (!shell) {
        std::cout << "console " << nodes[k].first << ": " << shell.error().message << "\n";
        return false;
      }
      const std::string addr = "10.0.0." + std::to_string(k + 1) + "/24";
      auto r = shell->run("ip addr add " + addr + " dev eth0 && ip link set eth0 up && hostname");
      if (!r || r->second != 0) {
        std::cout << "console " << nodes[k].first << ": " << (r ? r->first : r.error().message)
                  << "\n";
        return false;
      }
      std::string host = r->first;
      while (!host.empty() && std::isspace(static_cast<unsigned char>(host.back())))
        host.pop_back();
      // Its last line, without the shell's prompt.
      if (auto nl = host.rfind('\n'); nl != std::string::npos) host.erase(0, nl + 1);
      if (host.starts_with("# ") || host.starts_with("$ ")) host.erase(0, 2);
      std::cout << "  " << vnet << " " << nodes[k].first << " at " << nodes[k].second
                << ": shell on '" << host << "' in " << std::fixed << std::setprecision(1)
                << shell->connect_ms() << " ms (customer -> VNP -> PIP relays); eth0 " << addr
                << "\n";
      shells.push_back(std::move(*shell));
    }
    return true;
  };
  std::vector<console::Shell> shells;
  if (!configure(id, shells, nodes.size())) return false;
  bool ok = true;
  for (std::size_t k = 1; k < nodes.size(); ++k) {
    const std::string to = "10.0.0." + std::to_string(k + 1);
    auto r = shells[0].run("ping -n -c 3 -W 2 " + to, console::Millis(30000));
    const bool reached = r && r->second == 0;
    ok = ok && reached;
    std::cout << "  " << nodes[0].first << " (" << nodes[0].second << ") ping " << to << " ("
              << nodes[k].first << " at " << nodes[k].second << ")"
              << (nodes[0].second != nodes[k].second ? " across the transit link" : "") << ": "
              << (reached ? "answered" : "NO ANSWER") << "\n"
              << (r ? lines_with(r->first, "packets transmitted") + lines_with(r->first, "rtt")
                    : "    " + r.error().message + "\n");
  }

  // A second VNet, the same request and the same addresses.
  auto req = flerd::read_string(embedded("request-webservice.yaml"), flerd::Format::kYaml,
                                "request-webservice.yaml");
  auto v2 = vnp.create_vnet(me, req.document, {.ttl_s = 0, .confirm = true});
  if (!v2) {
    std::cout << "second vnet: " << v2.error().message << "\n";
    return false;
  }
  second->push_back(v2->id);
  std::cout << "\n== a second VNet " << v2->id
            << " of the same request, with the same addresses ==\n";
  std::vector<console::Shell> shells2;
  if (!configure(v2->id, shells2, nodes.size())) return false;
  const std::string to = "10.0.0." + std::to_string(nodes.size());
  auto own = shells2[0].run("ping -n -c 1 -W 2 " + to, console::Millis(30000));
  std::cout << "  " << v2->id << " " << nodes[0].first << " ping " << to << " (its own "
            << nodes.back().first << "): " << (own && own->second == 0 ? "answered" : "NO ANSWER")
            << "\n";
  ok = ok && own && own->second == 0;
  // Its own node goes quiet: the address now exists only in the first VNet.
  auto down = shells2.back().run("ip link set eth0 down");
  auto cross = shells2[0].run("ping -n -c 2 -W 1 " + to, console::Millis(30000));
  const bool isolated = down && cross && cross->second != 0;
  std::cout << "  with its own " << nodes.back().first << " down, " << v2->id << " ping " << to
            << " (which " << id << " still has): "
            << (isolated ? "no answer: the VNets are isolated" : "ANSWERED: NOT ISOLATED") << "\n"
            << (cross ? lines_with(cross->first, "packets transmitted") : "");
  auto again = shells[0].run("ping -n -c 1 -W 2 " + to, console::Millis(30000));
  std::cout << "  " << id << " " << nodes[0].first << " ping " << to
            << " again: " << (again && again->second == 0 ? "answered" : "NO ANSWER") << "\n";
  return ok && isolated && again && again->second == 0;
}

int run_federation_demo(const DemoOptions& opt) {
  const char* request_name = "request-webservice.yaml";
  const char* substrate_names[2] = {"substrate-pip1.yaml", "substrate-pip2.yaml"};
  flerd::Loaded request =
      flerd::read_string(embedded(request_name), flerd::Format::kYaml, request_name);
  if (!request.ok()) {
    std::cerr << request.diagnostics.format();
    return 1;
  }
  federation::Options fo;
  fo.parallel = !opt.serial;
  fo.vnp_strategy = opt.strategy;
  bool linux = opt.dataplane == "linux";
  if (opt.dataplane == "auto") {
    const std::string why = netlab::lab_unavailable({"ping"});
    linux = why.empty();
    if (!linux)
      std::cout << "(the Linux data plane needs root, `ip netns` and cgroup v1: " << why
                << "; running on the simulation plugin instead)\n";
  } else if (linux) {
    if (const std::string why = netlab::lab_unavailable({"ping"}); !why.empty()) {
      std::cerr << "demo: --dataplane linux: " << why << "\n";
      return 1;
    }
  } else if (opt.dataplane != "sim") {
    std::cerr << "demo: --dataplane must be auto, linux or sim, not '" << opt.dataplane << "'\n";
    return 1;
  }
  // Per-process tags and exchange: two demos at once never meet.
  const std::string run_id = std::to_string(::getpid() % 1000000);
  for (int i = 0; i < 2; ++i) {
    flerd::Loaded s =
        flerd::read_string(embedded(substrate_names[i]), flerd::Format::kYaml, substrate_names[i]);
    if (!s.ok()) {
      std::cerr << s.diagnostics.format();
      return 1;
    }
    federation::PipOptions p;
    p.name = "pip" + std::to_string(i + 1);
    p.substrate = std::move(s.document);
    if (linux) {
      embed::LinuxOptions lo;
      lo.tag = "d" + run_id + (i == 0 ? "a" : "b");
      lo.uplink = netlab::Uplink{"d" + run_id, "10.250.0." + std::to_string(i + 1) + "/16", ""};
      p.linux_plugin = lo;
    }
    fo.pips.push_back(std::move(p));
  }

  std::cout << "== CloudNet demo: one VNP and two PIPs on this machine ==\n";
  auto t0 = std::chrono::steady_clock::now();
  auto started = federation::LocalFederation::start(std::move(fo));
  if (!started) {
    std::cerr << "demo: " << started.error().message << "\n";
    return 1;
  }
  federation::LocalFederation& fed = **started;
  for (std::size_t i = 0; i < fed.pip_count(); ++i)
    std::cout << fed.pip_name(i) << "  " << fed.pip_url(i) << "  " << substrate_names[i] << ": "
              << describe_substrate(fed.substrate(i)) << "; SQLite, "
              << (linux ? "Linux data plane: lab " + fed.linux_plugin(i)->tag().str() +
                              " of namespaces, tunnel bridge at 10.250.0." + std::to_string(i + 1)
                        : std::string("simulation plugin"))
              << "\n";
  std::cout << fed.vnp().name() << "  " << fed.vnp_url() << "  buys from " << fed.pip_name(0)
            << " and " << fed.pip_name(1) << " over HTTP (" << (opt.serial ? "serial" : "parallel")
            << " negotiation)\n";
  for (const auto& t : fed.transit())
    std::cout << "transit " << t.id << ": " << t.a << " <-> " << t.b << ", " << t.capacity
              << " Mbps, identifiers " << (linux ? "(VXLAN VNIs) " : "(VLAN tags) ")
              << t.first_identifier << "-" << t.last_identifier
              << (linux ? ", tunnel endpoints " + t.endpoint_a + " and " + t.endpoint_b : "")
              << "\n";
  // What the VNP learns of each PIP (paper 5.2): sums, never topology.
  for (std::size_t i = 0; i < fed.pip_count(); ++i) {
    auto m = fed.pip(i).get_metrics(roles::Caller{fed.vnp_account(), std::nullopt});
    if (!m) continue;
    std::cout << fed.vnp().name() << " sees " << fed.pip_name(i) << " as one /node/host/pip:";
    for (const auto& [attr, a] : m->resources)
      if (attr.starts_with("/host/generic/CPU") || attr.starts_with("/host/generic/RAM"))
        std::cout << " " << attr.substr(14, 3) << " " << a.available << " free (largest "
                  << a.largest_available << "),";
    auto where = m->features.find("/position/continent/country");
    if (where != m->features.end()) std::cout << " countries " << where->second;
    std::cout << "\n";
  }
  std::cout << "(started in " << ms_since(t0) << ")\n";

  auto client = fed.customer_client();
  if (!client) {
    std::cerr << "demo: " << client.error().message << "\n";
    return 1;
  }
  api::RemoteProvider& vnp = **client;
  const roles::Caller me{fed.customer(), std::nullopt};

  std::cout << "\n== customer '" << fed.customer() << "' sends " << request_name << " to "
            << fed.vnp().name() << " ==\n";
  t0 = std::chrono::steady_clock::now();
  auto created = vnp.create_vnet(me, request.document, {});
  if (!created) {
    std::cout << "create: refused: " << created.error().message << "\n";
    return 1;
  }
  const std::string id = created->id;
  std::cout << "create  -> vnet " << id << " " << created->state << " (" << ms_since(t0)
            << ": split, tentative parts at every PIP)\n";
  t0 = std::chrono::steady_clock::now();
  auto confirmed = vnp.confirm_request(me, id);
  if (!confirmed) {
    std::cout << "confirm: failed: " << confirmed.error().message << "\n";
    return 1;
  }
  std::cout << "confirm -> " << confirmed->state << " (" << ms_since(t0)
            << ": every part confirmed and started)\n";
  for (const auto& [k, v] : confirmed->completion)
    std::cout << "  completed " << k << " = " << v << "\n";

  // The VNP's view: providers and transit links, never a PIP's element.
  roles::vnp::VnpService& broker = fed.vnp();
  auto vnp_view = broker.store().read(
      "view",
      [&](store::ProviderTx& tx) -> Result<std::tuple<std::vector<store::Element>,
                                                      std::vector<store::Part>, std::string>> {
        auto els = tx.elements(id);
        if (!els) return els.error();
        auto parts = tx.parts(id);
        if (!parts) return parts.error();
        auto ml = tx.document(id, store::Layer::kML);
        if (!ml) return ml.error();
        return std::make_tuple(std::move(*els), std::move(*parts), ml->body);
      });
  if (!vnp_view) {
    std::cerr << "demo: " << vnp_view.error().message << "\n";
    return 1;
  }
  const auto& [vnp_elements, parts, split_text] = *vnp_view;
  std::cout << "\n== " << broker.name() << "'s view: which PIP hosts what ==\n";
  std::map<std::string, std::vector<std::string>> crossing;  // link -> "transit id, bw"
  for (const auto& line : split(split_text, '\n')) {
    auto w = split(line, ' ');
    if (w.size() == 5 && w[0] == "transit")
      crossing[w[1]].push_back("transit " + w[2] + ", identifier " + w[3] + ", " + w[4] + " Mbps");
  }
  std::vector<store::Element> order = vnp_elements;
  std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
    return a.kind == store::ElementKind::kNode && b.kind != store::ElementKind::kNode;
  });
  for (const auto& e : order) {
    std::cout << "  " << std::left << std::setw(10) << e.id << std::setw(12)
              << name_in(request.document, e.id);
    if (e.kind == store::ElementKind::kNode) {
      std::cout << "-> " << e.host << "\n";
    } else if (auto c = crossing.find(e.id); c != crossing.end()) {
      std::cout << "crosses " << join(split(e.host, ','), " -> ") << " over "
                << join(c->second, "; ") << "\n";
    } else {
      std::cout << "inside " << e.host << "\n";
    }
  }
  for (const auto& p : parts)
    std::cout << "  part at " << p.provider << ": vnet " << p.remote_vnet << " (" << p.state
              << ")\n";

  std::cout << "\n== each PIP's view of its part (its own substrate) ==\n";
  for (std::size_t i = 0; i < fed.pip_count(); ++i)
    for (const auto& p : parts)
      if (p.provider == fed.pip_name(i)) print_pip_view(fed, i, p.remote_vnet);

  std::cout << "\n== the customer's view: status of " << id << " ==\n";
  auto st = vnp.status(me, id);
  if (!st) {
    std::cout << "status: " << st.error().message << "\n";
    return 1;
  }
  std::cout << "vnet " << id << ": " << st->state
            << (st->detail.empty() ? "" : " (" + st->detail + ")") << "\n";
  std::stable_sort(st->elements.begin(), st->elements.end(), [](const auto& a, const auto& b) {
    return a.kind == "node" && b.kind != "node";
  });
  for (const auto& e : st->elements)
    std::cout << "  " << std::left << std::setw(10) << e.id << std::setw(6) << e.kind
              << std::setw(9) << e.state << "at " << e.site << "\n";

  // A console line through the relay chain (thesis 3.3.5): the customer
  // learns only the VNP's relay.
  bool echoed = false;
  std::vector<std::string> second;  // the second VNet, when made
  if (linux) {
    echoed = show_dataplane(vnp, me, id, *st, &second);
    for (const auto& v : second) (void)vnp.delete_vnet(me, v);
  }
  for (const auto& e : st->elements) {
    if (linux) break;
    if (e.kind != "node") continue;
    auto access = vnp.console(me, id, e.id);
    if (!access) {
      std::cout << "console " << e.id << ": " << access.error().message << "\n";
      break;
    }
    console::Ticket t;
    t.host = access->host;
    t.port = static_cast<std::uint16_t>(access->port);
    t.token = access->token;
    auto stream = console::connect(t);
    std::string got;
    if (stream && stream->write("hello from " + fed.customer() + "\n").ok()) {
      char buf[256];
      while (got.find('\n') == std::string::npos) {
        auto n = stream->read(buf, sizeof buf, console::Millis(5000));
        if (!n || *n == 0) break;
        got.append(buf, *n);
      }
    }
    if (auto nl = got.find('\n'); nl != std::string::npos) got.resize(nl);
    echoed = got.ends_with("hello from " + fed.customer());
    std::cout << "console " << e.id << " via " << broker.name() << " relay -> " << e.site
              << " relay: sent 'hello from " << fed.customer() << "', got '" << got << "'\n";
    break;
  }

  if (opt.serve) {
    std::cout << "\nThe federation is up; in another shell:\n"
              << "  export CLOUDNET_PROVIDER=" << fed.vnp_url()
              << " CLOUDNET_TOKEN=" << fed.customer_token() << "\n"
              << "  build/bin/cloudnet status " << id << "\n"
              << "Press Enter to delete the VNet and stop." << std::endl;
    std::string line;
    std::getline(std::cin, line);
  }

  t0 = std::chrono::steady_clock::now();
  auto deleted = vnp.delete_vnet(me, id);
  if (!deleted) {
    std::cout << "delete: " << deleted.error().message << "\n";
    return 1;
  }
  std::vector<std::string> free;
  bool released = true;
  for (std::size_t i = 0; i < fed.pip_count(); ++i) {
    auto m = fed.pip(i).get_metrics(roles::Caller{fed.vnp_account(), std::nullopt});
    bool all_free = m.ok();
    if (m)
      for (const auto& [attr, a] : m->resources)
        all_free = all_free && a.available >= a.capacity - 1e-9;
    released = released && all_free;
    free.push_back(fed.pip_name(i) + (all_free ? " all free" : " STILL HOLDS RESOURCES"));
  }
  std::cout << "\ndelete  -> " << deleted->state << " (" << ms_since(t0) << "); "
            << join(free, ", ") << "\n";
  return st->state == "running" && echoed && released ? 0 : 1;
}

#endif  // CLOUDNET_HAVE_FEDERATION

}  // namespace

void add_demo_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "demo",
      "Run the main job on embedded defaults: a local federation (one VNP, two PIPs) embeds "
      "the webservice request; --mapping: the FleRD and mapping demo");
  auto solver = std::make_shared<std::string>("cbc");
  auto mapping_only = std::make_shared<bool>(false);
  cmd->add_flag("--mapping", *mapping_only,
                "The FleRD documents and the embedding MIP on one substrate instead");
  cmd->add_option("--solver", *solver, "Solver backend for --mapping (cbc or glpk)");
#ifdef CLOUDNET_HAVE_FEDERATION
  auto opt = std::make_shared<DemoOptions>();
  cmd->add_flag("--serial", opt->serial, "Negotiate with the PIPs one after the other");
  cmd->add_option("--strategy", opt->strategy, "The VNP's mapping strategy (auto, mip, fast, ...)");
  cmd->add_flag("--serve", opt->serve,
                "Keep the federation up (and print how to reach the VNP) until Enter");
  cmd->add_option("--dataplane", opt->dataplane,
                  "linux (the PIPs' substrates as namespaces on this machine; root), sim, or "
                  "auto (linux where it can run)");
#endif
  cmd->add_subcommand("list", "List the embedded example documents")->callback([] {
    for (const auto& [n, text] : embedded_files())
      std::cout << n << " (" << text.size() << " bytes)\n";
  });
#ifdef CLOUDNET_HAVE_FEDERATION
  cmd->callback([solver, mapping_only, opt, cmd, &exit_code] {
    if (cmd->got_subcommand("list")) return;
    exit_code = *mapping_only ? run_mapping_demo(*solver) : run_federation_demo(*opt);
  });
#else
  cmd->callback([solver, cmd, &exit_code] {
    if (cmd->got_subcommand("list")) return;
    exit_code = run_mapping_demo(*solver);
  });
#endif
}

}  // namespace cloudnet::cli
