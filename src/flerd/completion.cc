#include "flerd/completion.h"

#include <algorithm>
#include <functional>
#include <utility>

#include "flerd/codec.h"
#include "flerd/type_path.h"
#include "flerd/validate.h"
#include "flerd/vocabulary.h"

namespace cloudnet::flerd {

const char* to_string(ChoiceReason r) {
  switch (r) {
    case ChoiceReason::kPolicyDefault: return "policy default";
    case ChoiceReason::kSubstrateOffers: return "substrate offers";
    case ChoiceReason::kKeptAsRequested: return "kept as requested";
    case ChoiceReason::kConstraintGroup: return "constraint group";
    case ChoiceReason::kPassedOn: return "passed on vague";
  }
  return "?";
}

std::string Choice::describe() const {
  std::string out = element + " " + attribute;
  if (reason == ChoiceReason::kPassedOn)
    out += " left vague" + (value.empty() ? std::string() : " (" + value + ")");
  else
    out += " = " + value;
  return out + " (" + to_string(reason) + ": " + why + ")";
}

bool Completion::changed() const {
  return std::any_of(choices.begin(), choices.end(),
                     [](const Choice& c) { return c.reason != ChoiceReason::kPassedOn; });
}

CompletionPolicy CompletionPolicy::pip() {
  using M = CompletionMode;
  CompletionPolicy p;
  p.attributes["/virtualization/technology"] = {M::kChoose, {"/node/host"}, "kvm", {}, {}, {}};
  p.attributes[vocab::kCpu] = {M::kChoose, {"/node/host"}, {}, 1.0, "cores", {}};
  p.attributes[vocab::kRam] = {M::kChoose, {"/node/host"}, {}, 1.0, "GB", {}};
  // Any bandwidth a link states is its bandwidth requirement (vocabulary.h:
  // symmetric, or one per direction as in appendix B).
  p.attributes[vocab::kBandwidth] = {
      M::kChoose,
      {"/link"},
      {},
      10.0,
      "Mbps",
      {vocab::kBandwidthUp, vocab::kBandwidthDown, "/link/upstream/bandwidth",
       "/link/downstream/bandwidth", "/link/generic/bandwidth"}};
  p.type_defaults[vocab::kNodeGeneric] = vocab::kNodeServer;
  p.type_defaults[vocab::kLinkGeneric] = vocab::kLinkEthernet;
  return p;
}

CompletionPolicy CompletionPolicy::vnp() {
  CompletionPolicy p = pip();
  for (auto& [attr, rule] : p.attributes) rule.mode = CompletionMode::kPassOn;
  p.default_mode = CompletionMode::kPassOn;
  p.type_mode = CompletionMode::kPassOn;
  return p;
}

namespace {

std::string norm(std::string_view attr) {
  return TypePath::parse_lenient(attr).str();
}

const AttributeDefault* rule_of(const CompletionPolicy& p, std::string_view attribute) {
  const std::string a = norm(attribute);
  for (const auto& [key, rule] : p.attributes)
    if (norm(key) == a) return &rule;
  return nullptr;
}

bool has_generic_level(const TypePath& p) {
  return std::find(p.levels().begin(), p.levels().end(), "generic") != p.levels().end();
}

// Rule 3: nullopt for a concrete value, else the levels before the vague one
// ("" for a fully unspecified value). Leading '/' is optional in values.
std::optional<std::string> vague_pattern(std::string_view value) {
  if (value.find_first_not_of(" \t\n") == std::string_view::npos) return std::string();
  std::string prefix;
  const TypePath path = TypePath::parse_lenient(value);  // outlives the loop
  for (const auto& level : path.levels()) {
    if (level == "generic" || level == "*") return prefix;
    prefix += "/" + level;
  }
  return std::nullopt;
}

// Whether a white-list option (possibly vague) admits the value.
bool admits(const std::string& option, std::string_view value) {
  const auto p = vague_pattern(option);
  return feature_value_matches(p ? *p : option, value);
}

std::string join(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : sep) + s;
  return out;
}

// What one element's Features say about one attribute (thesis 4.3.1):
// alternatives (white list, best priority first) and forbidden values.
struct AttrConstraints {
  std::vector<const Feature*> white;
  std::vector<const Feature*> black;

  bool allows(std::string_view v) const {
    if (!white.empty() && std::none_of(white.begin(), white.end(),
                                       [&](const Feature* f) { return admits(f->value, v); }))
      return false;
    return std::none_of(black.begin(), black.end(),
                        [&](const Feature* f) { return feature_value_matches(f->value, v); });
  }
  // Why `v` is not allowed ("" if it is).
  std::string rejects(std::string_view v) const {
    for (const Feature* f : black)
      if (feature_value_matches(f->value, v)) return "it is black-listed (/not: " + f->value + ")";
    if (!allows(v)) return "it is not in the white list (" + options() + ")";
    return {};
  }
  std::string options() const {
    std::vector<std::string> vs;
    for (const Feature* f : white) vs.push_back(f->value.empty() ? "\"\"" : f->value);
    return join(vs, " or ");
  }
  bool vague() const {
    return white.size() > 1 || std::any_of(white.begin(), white.end(), [](const Feature* f) {
             return vague_pattern(f->value).has_value();
           });
  }
};

AttrConstraints constraints_of(const std::vector<Feature>& features, const std::string& attr) {
  AttrConstraints c;
  for (const auto& f : features) {
    const TypePath p = TypePath::parse_lenient(f.attribute);
    if (p.is_negated()) {
      if (p.negated().str() == attr) c.black.push_back(&f);
    } else if (p.str() == attr) {
      c.white.push_back(&f);
    }
  }
  std::stable_sort(c.white.begin(), c.white.end(),
                   [](const Feature* a, const Feature* b) { return a->priority < b->priority; });
  return c;
}

std::vector<std::string> offered_values(const NetworkElement& s, const std::string& attr) {
  std::vector<std::string> out;
  for (const auto& f : s.features)
    if (norm(f.attribute) == attr && std::find(out.begin(), out.end(), f.value) == out.end())
      out.push_back(f.value);
  return out;
}

// Whether substrate element `s` could host a request element of kind
// `is_node`, type `type` and Features `features`, ignoring attribute `skip`.
// The builder's rules (mapping/builder.cc): types by TypePath::hostable_by,
// white lists strict for nodes (an element that does not state the attribute
// is excluded) and lenient for links, black lists.
bool suitable(bool is_node, const TypePath& type, const std::vector<Feature>& features,
              const NetworkElement& s, const std::string& skip) {
  if (is_node ? !s.is_node() : !s.is_link()) return false;
  if (!type.hostable_by(TypePath::parse_lenient(s.ne_type))) return false;
  std::set<std::string> attrs;
  for (const auto& f : features) attrs.insert(TypePath::parse_lenient(f.attribute).negated().str());
  for (const auto& attr : attrs) {
    if (attr == skip) continue;
    const AttrConstraints c = constraints_of(features, attr);
    const auto have = offered_values(s, attr);
    if (!c.white.empty() && have.empty() && is_node) return false;
    for (const auto& v : have)
      if (!c.allows(v)) return false;
  }
  return true;
}

// A type cut to `depth` levels.
TypePath truncated(const TypePath& t, std::size_t depth) {
  std::string s;
  for (std::size_t i = 0; i < depth && i < t.depth(); ++i) s += "/" + t.levels()[i];
  return TypePath::parse_lenient(s);
}

// Whether an element of type `type` must state the rule's attribute.
bool applies(const AttributeDefault& rule, const std::string& type) {
  const TypePath t = TypePath::parse_lenient(type);
  return std::any_of(rule.applies_to.begin(), rule.applies_to.end(), [&](const std::string& p) {
    const TypePath prefix = TypePath::parse_lenient(p);
    return prefix.contains(t) || t.hostable_by(prefix);
  });
}

// Whether a Resource attribute states the rule's attribute `attr`.
bool states_attribute(const std::string& have, const std::string& attr,
                      const AttributeDefault& rule) {
  const TypePath h = TypePath::parse_lenient(have);
  auto same = [&](const std::string& a) {
    const TypePath p = TypePath::parse_lenient(a);
    return p == h || p.hostable_by(h) || h.hostable_by(p);
  };
  return same(attr) || std::any_of(rule.equivalents.begin(), rule.equivalents.end(), same);
}

std::string amount(double v, const std::optional<std::string>& unit) {
  return format_double(v) + (unit ? " " + *unit : "");
}

struct Candidate {
  std::string value;
  ChoiceReason reason = ChoiceReason::kPolicyDefault;
  std::string why;
};

// One vague Feature attribute of one element (rules 1-3).
struct Slot {
  std::size_t elem = 0;
  std::string attr;
  AttrConstraints cons;
  bool omitted = false;
  CompletionMode mode = CompletionMode::kChoose;
  int hosts = 0;                       // suitable substrate elements
  bool substrate_states = false;       // a suitable substrate element states attr
  std::map<std::string, int> offered;  // value -> suitable elements offering it
  std::vector<Candidate> ranked;       // best first
  std::string conflict;                // why the policy default was rejected
  std::optional<Candidate> chosen;
  bool done = false;
  bool joint = false;  // chosen together with an `equals` group

  // An omitted node Feature the suitable substrate elements do not state:
  // passed on, never added (rule 1).
  bool silent(bool is_node) const { return omitted && is_node && hosts > 0 && !substrate_states; }

  bool accepts(std::string_view v) const {
    if (!cons.allows(v)) return false;
    if (!substrate_states) return true;
    for (const auto& [o, n] : offered)
      if (feature_value_matches(v, o)) return true;
    return false;
  }
  std::string rejects(std::string_view v) const {
    std::string why = cons.rejects(v);
    if (why.empty() && !accepts(v))
      why = "no substrate element that can host it offers it (offered: " + offered_list() + ")";
    return why;
  }
  std::string offered_list() const {
    std::vector<std::string> vs;
    for (const auto& [o, n] : offered) vs.push_back(o);
    return join(vs, ", ");
  }
  std::string vague_value() const { return omitted ? std::string() : cons.options(); }
};

struct Pending {
  std::size_t elem;
  int phase;  // features 0, type 1, resources 2: the order of the record
  Choice choice;
};

struct ResourceChange {
  double value = 0;
  std::string value_type;
};

struct Work {
  const NetworkElement* src = nullptr;
  std::vector<Feature> features;  // completed
  std::string type;               // completed ne_type
  std::set<std::string> dropped;  // source resource ids the copy no longer lists
  std::vector<Resource> added;    // new Resources (ids assigned when building)
};

class Completer {
 public:
  Completer(const Document& request, const CompletionPolicy& policy, const Document* substrate)
      : in_(request), policy_(policy), substrate_in_(substrate) {}

  Result<Completion> run() {
    if (auto st = load(); !st) return st.error();
    if (auto st = features(); !st) return st.error();
    if (auto st = types(); !st) return st.error();
    if (auto st = resources(); !st) return st.error();

    std::stable_sort(pending_.begin(), pending_.end(), [](const Pending& a, const Pending& b) {
      return a.elem != b.elem ? a.elem < b.elem : a.phase < b.phase;
    });
    Completion c;
    c.source_nr = source().graphLabel->graph_nr;
    for (const auto& p : pending_) c.choices.push_back(p.choice);
    if (!c.changed() && is_completion()) {
      // Completing a completed layer again changes nothing.
      c.document = std::move(doc_);
      c.completed_nr = c.source_nr;
      return c;
    }
    return build(std::move(c));
  }

 private:
  const Topology& source() const { return doc_.topologies[src_index_]; }
  std::string where(const std::string& id, const std::string& attr) const {
    return (doc_.source_name.empty() ? std::string() : doc_.source_name + ": ") + id + ": " + attr +
           ": ";
  }
  void record(std::size_t elem, int phase, std::string attr, std::string value, ChoiceReason reason,
              std::string why) {
    pending_.push_back(Pending{
        elem, phase,
        Choice{
            work_[elem].src->id, {}, std::move(attr), std::move(value), reason, std::move(why)}});
  }

  Status load() {
    doc_ = in_;  // the copy resolves its references
    Diagnostics d = doc_.resolve();
    d.append(validate(doc_));
    if (d.has_errors())
      return Error::invalid("the request has errors; fix them before completing it:\n" +
                            d.format());
    baseline_errors_ = d.error_count();
    if (substrate_in_) {
      substrate_ = *substrate_in_;
      Diagnostics sd = substrate_.resolve();
      if (sd.has_errors())
        return Error::invalid("the substrate has reference errors:\n" + sd.format());
      for (const auto& t : substrate_.topologies) {
        if (!t.graphLabel || t.graphLabel->graph_type != GraphType::UL) continue;
        if (!ul_ || t.graphLabel->graph_nr > ul_->graphLabel->graph_nr) ul_ = &t;
      }
      if (!ul_)
        return Error::invalid(substrate_.source_name +
                              ": no underlay (UL) topology to inform the completion");
    }
    std::optional<std::size_t> best;
    for (std::size_t t = 0; t < doc_.topologies.size(); ++t) {
      const auto& label = doc_.topologies[t].graphLabel;
      if (!label || label->graph_type != GraphType::OL) continue;
      max_ol_ = std::max(max_ol_, label->graph_nr);
      if (policy_.source_layer) {
        if (label->graph_nr == *policy_.source_layer) best = t;
      } else if (!best || label->graph_nr > doc_.topologies[*best].graphLabel->graph_nr) {
        best = t;
      }
    }
    if (!best)
      return Error::invalid(
          doc_.source_name + ": no overlay topology" +
          (policy_.source_layer ? " OL" + std::to_string(*policy_.source_layer) : std::string()) +
          " to complete; a request is a Topology whose GraphLabel has graph_type OL");
    src_index_ = *best;
    for (const auto& ne : source().networkElements)
      work_.push_back(Work{&ne, ne.features, ne.ne_type, {}, {}});
    return Status::Ok();
  }

  // The source layer hosts elements of another OL: it is itself a completion.
  bool is_completion() const {
    std::set<const NetworkElement*> others;
    for (std::size_t t = 0; t < doc_.topologies.size(); ++t) {
      const auto& topo = doc_.topologies[t];
      if (t == src_index_ || !topo.graphLabel || topo.graphLabel->graph_type != GraphType::OL)
        continue;
      for (const auto& ne : topo.networkElements) others.insert(&ne);
    }
    for (const auto& ne : source().networkElements)
      for (const auto& h : ne.hostedNetworkElement)
        if (others.contains(h.target)) return true;
    return false;
  }

  // Substrate elements that could host element `i`, ignoring attribute `skip`.
  std::vector<const NetworkElement*> hosts_for(std::size_t i, const std::string& skip) const {
    std::vector<const NetworkElement*> out;
    if (!ul_) return out;
    const TypePath type = TypePath::parse_lenient(work_[i].type);
    for (const auto& s : ul_->networkElements)
      if (suitable(work_[i].src->is_node(), type, work_[i].features, s, skip)) out.push_back(&s);
    return out;
  }

  // ---- Features (rules 1-3) ----

  Status features() {
    std::vector<Slot> slots;
    for (std::size_t i = 0; i < work_.size(); ++i) {
      const NetworkElement& ne = *work_[i].src;
      std::set<std::string> seen;
      for (const auto& f : ne.features) {
        const TypePath p = TypePath::parse_lenient(f.attribute);
        if (p.is_negated() || !seen.insert(p.str()).second) continue;
        AttrConstraints c = constraints_of(ne.features, p.str());
        if (!c.vague()) continue;
        Slot s;
        s.elem = i;
        s.attr = p.str();
        s.cons = std::move(c);
        slots.push_back(std::move(s));
      }
      // Not a structured binding: clang 14 cannot capture one in the lambda below.
      for (const auto& entry : policy_.attributes) {
        const std::string& key = entry.first;
        const auto& rule = entry.second;
        if (!rule.value || !applies(rule, ne.ne_type)) continue;
        const std::string attr = norm(key);
        const bool stated =
            std::any_of(ne.features.begin(), ne.features.end(), [&](const Feature& f) {
              const TypePath p = TypePath::parse_lenient(f.attribute);
              return !p.is_negated() && states_attribute(p.str(), attr, rule);
            });
        if (stated) continue;
        Slot s;
        s.elem = i;
        s.attr = attr;
        s.cons = constraints_of(ne.features, attr);
        s.omitted = true;
        slots.push_back(std::move(s));
      }
    }
    for (auto& s : slots) {
      s.mode = policy_.mode_of(s.attr);
      if (s.mode == CompletionMode::kPassOn) {
        record(s.elem, 0, s.attr, s.vague_value(), ChoiceReason::kPassedOn,
               "the policy passes " + s.attr + " on to downstream players");
        s.done = true;
        continue;
      }
      rank(s);
    }
    if (auto st = equal_groups(slots); !st) return st;
    for (auto& s : slots) {
      if (s.done) continue;
      if (auto st = choose_single(s); !st) return st;
    }
    if (auto st = distinct_groups(slots); !st) return st;
    for (auto& s : slots) {
      if (!s.chosen) continue;
      apply_feature(s);
      record(s.elem, 0, s.attr, s.chosen->value, s.chosen->reason, s.chosen->why);
    }
    return Status::Ok();
  }

  void rank(Slot& s) const {
    const bool is_node = work_[s.elem].src->is_node();
    if (ul_) {
      for (const NetworkElement* h : hosts_for(s.elem, s.attr)) {
        ++s.hosts;
        for (const auto& v : offered_values(*h, s.attr)) {
          s.substrate_states = true;
          ++s.offered[v];
        }
      }
    }
    std::vector<std::pair<std::string, int>> by_count(s.offered.begin(), s.offered.end());
    std::stable_sort(by_count.begin(), by_count.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    auto offer_why = [&](const std::string& v, int n) {
      if (s.offered.size() == 1) return "substrate offers only " + v;
      return "the substrate offers " + v + " on " + std::to_string(n) + " of " +
             std::to_string(s.hosts) + " suitable elements (most)";
    };
    auto add = [&](Candidate c) {
      for (const auto& have : s.ranked)
        if (have.value == c.value) return;
      s.ranked.push_back(std::move(c));
    };
    if (s.silent(is_node)) {
      // Nothing to rank: choose_single passes it on (see the header, rule 1).
      return;
    }
    if (const AttributeDefault* rule = rule_of(policy_, s.attr); rule && rule->value) {
      if (s.accepts(*rule->value)) {
        add({*rule->value, ChoiceReason::kPolicyDefault,
             std::string(s.omitted ? "the request names no value; " : "") + "the policy's default" +
                 (s.substrate_states ? ", offered by the substrate" : no_host_note(s.hosts))});
      } else {
        s.conflict =
            "the policy default '" + *rule->value + "' is not allowed: " + s.rejects(*rule->value);
      }
    }
    for (std::size_t k = 0; k < s.cons.white.size(); ++k) {
      const std::string& option = s.cons.white[k]->value;
      const auto pattern = vague_pattern(option);
      if (!pattern) {
        if (!s.accepts(option)) continue;
        if (k == 0)
          add({option, ChoiceReason::kKeptAsRequested,
               std::string("the request's preferred option") +
                   (s.substrate_states ? ", offered by the substrate" : "")});
        else if (s.substrate_states)
          add({option, ChoiceReason::kSubstrateOffers,
               "substrate offers " + option + " but not the preferred " + s.cons.white[0]->value});
        else
          add({option, ChoiceReason::kKeptAsRequested,
               "the best option the request's black list allows"});
        continue;
      }
      for (const auto& [v, n] : by_count)
        if (feature_value_matches(*pattern, v) && s.accepts(v))
          add({v, ChoiceReason::kSubstrateOffers, offer_why(v, n)});
    }
    if (s.cons.white.empty()) {
      for (const auto& [v, n] : by_count)
        if (s.accepts(v)) add({v, ChoiceReason::kSubstrateOffers, offer_why(v, n)});
    }
  }

  // With a substrate of which no element can host the element, the choice is
  // the policy's alone; the mapping will report the element as unplaceable.
  std::string no_host_note(int hosts) const {
    return ul_ && hosts == 0 ? "; no substrate element can host it" : "";
  }

  Error conflict(const Slot& s, const std::string& what) const {
    std::vector<std::string> parts{what};
    if (!s.conflict.empty()) parts.push_back(s.conflict);
    if (!s.cons.white.empty()) parts.push_back("white list: " + s.cons.options());
    for (const Feature* f : s.cons.black) parts.push_back("black list: " + f->value);
    if (s.substrate_states)
      parts.push_back("suitable substrate elements offer: " + s.offered_list());
    return Error::infeasible(where(work_[s.elem].src->id, s.attr) + join(parts, "; "));
  }

  Status choose_single(Slot& s) {
    s.done = true;
    if (!s.ranked.empty()) {
      s.chosen = s.ranked.front();
      return Status::Ok();
    }
    const bool is_node = work_[s.elem].src->is_node();
    if (s.silent(is_node) && s.conflict.empty()) {
      record(s.elem, 0, s.attr, {}, ChoiceReason::kPassedOn,
             "no substrate element that can host it states " + s.attr +
                 "; adding it would make every host unsuitable (white-list check)");
      return Status::Ok();
    }
    if (!s.conflict.empty() || s.substrate_states)
      return conflict(s, "no value satisfies the request, the policy and the substrate");
    record(s.elem, 0, s.attr, s.vague_value(), ChoiceReason::kPassedOn,
           "nothing to choose from: no policy default and no substrate offer");
    return Status::Ok();
  }

  // Members' element indices per ConstraintGroup constraint of `kind`
  // (the builder's relation names), with the constraint's attribute.
  std::vector<std::pair<std::string, std::vector<std::size_t>>> groups(bool equals) const {
    static const std::set<std::string> kEquals = {"equals", "equal", "same"};
    static const std::set<std::string> kDistinct = {"distinct", "different", "disjoint"};
    std::vector<std::pair<std::string, std::vector<std::size_t>>> out;
    for (const auto& cg : source().constraintGroups) {
      std::vector<std::size_t> members;
      for (const auto& ref : cg.networkElement)
        for (std::size_t i = 0; i < work_.size(); ++i)
          if (work_[i].src == ref.target) members.push_back(i);
      for (const auto& c : cg.constraints)
        if ((equals ? kEquals : kDistinct).contains(c.relation))
          out.emplace_back(norm(c.attribute), members);
    }
    return out;
  }

  // The single concrete value element `i` states for `attr`, if it does.
  std::optional<std::string> fixed_value(std::size_t i, const std::string& attr) const {
    const AttrConstraints c = constraints_of(work_[i].src->features, attr);
    if (c.white.size() == 1 && !vague_pattern(c.white[0]->value)) return c.white[0]->value;
    return std::nullopt;
  }

  // Members of an `equals` group get one value (thesis 4.3.1, 8.2.1).
  Status equal_groups(std::vector<Slot>& slots) {
    const auto gs = groups(true);
    // Union-find over (attribute, element): members of overlapping groups
    // on one attribute form one component.
    std::map<std::pair<std::string, std::size_t>, std::pair<std::string, std::size_t>> parent;
    std::function<std::pair<std::string, std::size_t>(const std::pair<std::string, std::size_t>&)>
        find = [&](const std::pair<std::string, std::size_t>& x) {
          auto it = parent.find(x);
          if (it == parent.end() || it->second == x) return x;
          return it->second = find(it->second);
        };
    for (const auto& [attr, members] : gs)
      for (std::size_t k = 1; k < members.size(); ++k)
        parent[find({attr, members[k]})] = find({attr, members[0]});
    std::map<std::pair<std::string, std::size_t>, std::vector<std::size_t>> components;
    for (const auto& [attr, members] : gs)
      for (std::size_t m : members) {
        auto& comp = components[find({attr, m})];
        if (std::find(comp.begin(), comp.end(), m) == comp.end()) comp.push_back(m);
      }
    for (const auto& [root, members] : components) {
      const std::string& attr = root.first;
      std::vector<Slot*> in;
      for (auto& s : slots)
        if (!s.done && s.attr == attr && !s.silent(work_[s.elem].src->is_node()) &&
            std::find(members.begin(), members.end(), s.elem) != members.end())
          in.push_back(&s);
      if (in.empty()) continue;
      for (Slot* s : in) s->joint = true;
      std::map<std::string, std::string> fixed;  // value -> element stating it
      for (std::size_t m : members) {
        const bool vague =
            std::any_of(in.begin(), in.end(), [&](const Slot* s) { return s->elem == m; });
        if (vague) continue;
        if (auto v = fixed_value(m, attr)) fixed.emplace(*v, work_[m].src->id);
      }
      if (fixed.size() > 1) {
        std::vector<std::string> parts;
        for (const auto& [v, id] : fixed) parts.push_back(id + " states " + v);
        return Error::invalid(where(work_[in[0]->elem].src->id, attr) +
                              "its ConstraintGroup 'equals' cannot hold: " + join(parts, ", "));
      }
      if (fixed.size() == 1) {
        const auto& [v, id] = *fixed.begin();
        for (Slot* s : in) {
          if (!s->accepts(v))
            return conflict(*s, "ConstraintGroup 'equals' binds it to " + id + "'s value " + v +
                                    ", which is not allowed: " + s->rejects(v));
          s->chosen = Candidate{v, ChoiceReason::kConstraintGroup,
                                "ConstraintGroup 'equals' with " + id + ", which states " + v};
          s->done = true;
        }
        continue;
      }
      std::optional<Candidate> pick;
      const Slot* from = nullptr;
      for (const Slot* s : in) {
        for (const auto& c : s->ranked) {
          if (std::all_of(in.begin(), in.end(),
                          [&](const Slot* o) { return o->accepts(c.value); })) {
            pick = c;
            from = s;
            break;
          }
        }
        if (pick) break;
      }
      if (!pick) {
        const bool any = std::any_of(in.begin(), in.end(), [](const Slot* s) {
          return !s->ranked.empty() || !s->conflict.empty();
        });
        if (!any) continue;  // nothing to choose for any member: choose_single passes each on
        std::vector<std::string> ids;
        for (const Slot* s : in) ids.push_back(work_[s->elem].src->id);
        return conflict(*in[0],
                        "no value satisfies every member of its ConstraintGroup 'equals' (" +
                            join(ids, ", ") + ")");
      }
      for (Slot* s : in) {
        s->done = true;
        if (s == from)
          s->chosen = pick;
        else
          s->chosen = Candidate{pick->value, ChoiceReason::kConstraintGroup,
                                "ConstraintGroup 'equals' with " + work_[from->elem].src->id};
      }
    }
    return Status::Ok();
  }

  // Members of a `distinct` group get different values; a chosen value that
  // repeats another member's is replaced by the next acceptable candidate.
  Status distinct_groups(std::vector<Slot>& slots) {
    for (const auto& [attr, members] : groups(false)) {
      std::map<std::string, std::string> held;  // value -> element
      std::vector<Slot*> chosen;
      for (std::size_t m : members) {
        Slot* slot = nullptr;
        for (auto& s : slots)
          if (s.elem == m && s.attr == attr) slot = &s;
        if (slot && slot->chosen)
          chosen.push_back(slot);
        else if (!slot)
          if (auto v = fixed_value(m, attr)) held.emplace(*v, work_[m].src->id);
      }
      for (Slot* s : chosen) {
        auto it = held.find(s->chosen->value);
        if (it == held.end()) {
          held.emplace(s->chosen->value, work_[s->elem].src->id);
          continue;
        }
        const std::string other = it->second;
        std::optional<Candidate> alt;
        if (!s->joint)
          for (const auto& c : s->ranked)
            if (!held.contains(c.value)) {
              alt = c;
              break;
            }
        if (!alt)
          return conflict(*s, "ConstraintGroup 'distinct' with " + other + ", which has " +
                                  s->chosen->value + " too, and no other value is allowed");
        alt->why += " (distinct from " + other + ")";
        s->chosen = alt;
        held.emplace(alt->value, work_[s->elem].src->id);
      }
    }
    return Status::Ok();
  }

  // Writes a chosen value into the completed Features: the option it came
  // from if the request named it, else a new Feature in place of the vague ones.
  void apply_feature(const Slot& s) {
    auto& fs = work_[s.elem].features;
    std::optional<Feature> keep;
    std::optional<std::size_t> at;
    for (std::size_t k = 0; k < fs.size(); ++k) {
      const TypePath p = TypePath::parse_lenient(fs[k].attribute);
      if (p.is_negated() || p.str() != s.attr) continue;
      if (!at) at = k;
      if (!keep && fs[k].value == s.chosen->value) keep = fs[k];
    }
    if (!keep) {
      keep = Feature{};
      keep->attribute = s.omitted ? s.attr : fs[*at].attribute;
      keep->value = s.chosen->value;
      keep->priority = s.omitted ? 1 : s.cons.white[0]->priority;
      keep->request_flag = true;
    }
    std::erase_if(fs, [&](const Feature& f) {
      const TypePath p = TypePath::parse_lenient(f.attribute);
      return !p.is_negated() && p.str() == s.attr;
    });
    const std::size_t pos = at ? std::min(*at, fs.size()) : fs.size();
    fs.insert(fs.begin() + static_cast<std::ptrdiff_t>(pos), *keep);
  }

  // ---- Element types (rule 4) ----

  Status types() {
    for (std::size_t i = 0; i < work_.size(); ++i) {
      const TypePath type = TypePath::parse_lenient(work_[i].type);
      if (!has_generic_level(type)) continue;
      const std::string& id = work_[i].src->id;
      if (policy_.type_mode == CompletionMode::kPassOn) {
        record(i, 1, "ne_type", type.str(), ChoiceReason::kPassedOn,
               "the policy passes generic types on; the mapping picks the host type (paper 2.4)");
        continue;
      }
      std::optional<TypePath> dflt;
      if (auto it = policy_.type_defaults.find(type.str()); it != policy_.type_defaults.end()) {
        dflt = TypePath::parse_lenient(it->second);
        if (!type.hostable_by(*dflt) || has_generic_level(*dflt))
          return Error::invalid(where(id, "ne_type") + "the policy's type default " + dflt->str() +
                                " does not refine " + type.str());
      }
      std::string note;
      if (ul_) {
        std::map<std::string, int> counts;
        int total = 0;
        bool any = false;
        for (const NetworkElement* h : hosts_for(i, {})) {
          any = true;
          const TypePath t = truncated(TypePath::parse_lenient(h->ne_type), type.depth());
          if (has_generic_level(t)) continue;  // a substrate that is vague itself
          ++counts[t.str()];
          ++total;
        }
        if (dflt && counts.contains(truncated(*dflt, type.depth()).str())) {
          set_type(i, dflt->str(), ChoiceReason::kPolicyDefault,
                   "the policy's default for " + type.str() +
                       ", which suitable substrate elements have");
          continue;
        }
        if (!counts.empty()) {
          auto best =
              std::max_element(counts.begin(), counts.end(),
                               [](const auto& a, const auto& b) { return a.second < b.second; });
          set_type(i, best->first, ChoiceReason::kSubstrateOffers,
                   counts.size() == 1
                       ? "substrate offers only " + best->first
                       : std::to_string(best->second) + " of " + std::to_string(total) +
                             " suitable substrate elements are " + best->first);
          continue;
        }
        if (any) {
          // A concrete type would exclude every element that can host it.
          record(i, 1, "ne_type", type.str(), ChoiceReason::kPassedOn,
                 "the substrate elements that can host it name no concrete type either");
          continue;
        }
        note = "; no substrate element can host it";
      }
      if (dflt) {
        set_type(i, dflt->str(), ChoiceReason::kPolicyDefault,
                 "the policy's default for " + type.str() + note);
        continue;
      }
      record(i, 1, "ne_type", type.str(), ChoiceReason::kPassedOn,
             "nothing to choose from: no policy default for " + type.str() + note);
    }
    return Status::Ok();
  }

  void set_type(std::size_t i, std::string type, ChoiceReason reason, std::string why) {
    work_[i].type = type;
    record(i, 1, "ne_type", std::move(type), reason, std::move(why));
  }

  // ---- Resources (rules 1 and 5) ----

  static bool is_min(const Resource& r) {
    return !r.value_type || *r.value_type == vocab::kMinimum;
  }
  static bool is_max(const Resource& r) { return r.value_type && *r.value_type == vocab::kMaximum; }
  static bool is_const(const Resource& r) {
    return r.value_type && (*r.value_type == vocab::kConstant || *r.value_type == "exact");
  }

  Status resources() {
    for (std::size_t i = 0; i < work_.size(); ++i) {
      if (auto st = ranges(i); !st) return st;
      if (auto st = omitted_resources(i); !st) return st;
    }
    return Status::Ok();
  }

  Status ranges(std::size_t i) {
    const NetworkElement& ne = *work_[i].src;
    std::vector<std::string> order;
    std::map<std::string, std::vector<const Resource*>> by_attr;
    for (const auto& ref : ne.resource) {
      if (!ref.target) continue;
      const std::string a = norm(ref.target->attribute);
      if (!by_attr.contains(a)) order.push_back(a);
      by_attr[a].push_back(ref.target);
    }
    for (const auto& attr : order) {
      const TypePath path = TypePath::parse_lenient(attr);
      if (path.category() == "service") continue;  // abstract: kept (see header)
      if (!path.levels().empty() && policy_.bound_leaves.contains(path.levels().back())) continue;
      const auto& rs = by_attr[attr];
      if (std::any_of(rs.begin(), rs.end(), [](const Resource* r) { return is_const(*r); }))
        continue;
      const Resource* lo = nullptr;
      const Resource* hi = nullptr;
      for (const Resource* r : rs) {
        if (is_min(*r) && (!lo || r->value > lo->value)) lo = r;
        if (is_max(*r) && (!hi || r->value < hi->value)) hi = r;
      }
      if (!lo && !hi) continue;  // e.g. only "average" values
      const std::optional<std::string> unit = (lo ? lo : hi)->resource_unit;
      if (lo && hi && lo->value > hi->value)
        return Error::invalid(where(ne.id, attr) + "the requested minimum " +
                              amount(lo->value, unit) + " (" + lo->id +
                              ") exceeds the requested maximum " + amount(hi->value, unit) + " (" +
                              hi->id + ")");
      if (!(lo && hi) && !policy_.resolve_single_bounds) continue;  // a bound is complete
      const bool range = lo && hi;
      std::string vague =
          range ? "[" + format_double(lo->value) + ", " + format_double(hi->value) + "]"
          : lo  ? ">= " + format_double(lo->value)
                : "<= " + format_double(hi->value);
      if (policy_.mode_of(attr) == CompletionMode::kPassOn) {
        record(i, 2, attr, vague, ChoiceReason::kPassedOn,
               "the policy passes " + attr + " on to downstream players");
        continue;
      }
      const Resource* keeper = lo ? lo : hi;
      double value = 0;
      ChoiceReason reason = ChoiceReason::kKeptAsRequested;
      std::string why;
      if (lo) {
        value = lo->value;
        why = range ? "the lower end of the requested range " + vague +
                          ", the value that maximises acceptance"
                    : "the requested minimum, the value that maximises acceptance";
      } else {
        const AttributeDefault* rule = rule_of(policy_, attr);
        if (!rule || !rule->amount) {
          record(i, 2, attr, vague, ChoiceReason::kPassedOn,
                 "nothing to choose from: no policy default below the requested maximum");
          continue;
        }
        if (*rule->amount <= hi->value) {
          value = *rule->amount;
          reason = ChoiceReason::kPolicyDefault;
          why = "the policy's default, within the requested maximum";
        } else {
          value = hi->value;
          why = "the policy default " + amount(*rule->amount, unit) +
                " exceeds the requested maximum; chose the maximum";
        }
      }
      changes_[keeper->id] = ResourceChange{value, vocab::kConstant};
      for (const Resource* r : rs)
        if (r != keeper) work_[i].dropped.insert(r->id);
      record(i, 2, attr, format_double(value), reason, why);
    }
    return Status::Ok();
  }

  Status omitted_resources(std::size_t i) {
    const NetworkElement& ne = *work_[i].src;
    // Not a structured binding: clang 14 cannot capture one in the lambdas below.
    for (const auto& entry : policy_.attributes) {
      const std::string& key = entry.first;
      const auto& rule = entry.second;
      if (!rule.amount || !applies(rule, work_[i].type)) continue;
      const std::string attr = norm(key);
      bool stated = false;
      auto check = [&](const std::vector<Ref<Resource>>& refs) {
        for (const auto& ref : refs)
          if (ref.target && states_attribute(ref.target->attribute, attr, rule)) stated = true;
      };
      check(ne.resource);
      for (const auto& ni : ne.networkInterfaces) check(ni.resource);
      if (stated) continue;
      if (rule.mode == CompletionMode::kPassOn) {
        record(i, 2, attr, {}, ChoiceReason::kPassedOn,
               "the policy passes " + attr + " on to downstream players");
        continue;
      }
      if (*rule.amount < 0)
        return Error::invalid(where(ne.id, attr) + "the policy default " +
                              format_double(*rule.amount) + " is negative");
      double value = *rule.amount;
      ChoiceReason reason = ChoiceReason::kPolicyDefault;
      std::string why = "the request names no amount; the policy's default";
      const auto hosts = hosts_for(i, {});
      if (ul_ && hosts.empty()) why += no_host_note(0);
      if (!hosts.empty()) {
        std::optional<double> best;  // largest capacity a suitable element offers
        for (const NetworkElement* h : hosts) {
          auto offer = [&](const std::vector<Ref<Resource>>& refs) {
            for (const auto& ref : refs)
              if (ref.target && states_attribute(ref.target->attribute, attr, rule))
                best = std::max(best.value_or(0.0), ref.target->value);
          };
          offer(h->resource);
          for (const auto& ni : h->networkInterfaces) offer(ni.resource);
        }
        if (!best) {
          record(i, 2, attr, {}, ChoiceReason::kPassedOn,
                 "no substrate element that can host it offers " + attr +
                     "; a demand for it could not be mapped");
          continue;
        }
        if (*best < value) {
          value = *best;
          reason = ChoiceReason::kSubstrateOffers;
          why = "substrate offers at most " + amount(*best, rule.unit) + " (policy default " +
                amount(*rule.amount, rule.unit) + ")";
        }
      }
      Resource r;
      r.attribute = attr;
      r.value = value;
      r.resource_unit = rule.unit;
      r.value_type = policy_.resolve_single_bounds ? vocab::kConstant : vocab::kMinimum;
      r.request_flag = true;
      work_[i].added.push_back(std::move(r));
      record(i, 2, attr, format_double(value), reason, why);
    }
    return Status::Ok();
  }

  // ---- The completed layer ----

  Result<Completion> build(Completion c) {
    const std::int64_t nr = max_ol_ + 1;
    const std::string suffix = "ol" + std::to_string(nr);
    std::set<std::string> ids = all_ids();
    auto fresh = [&](const std::string& base) {
      std::string id = base;
      for (int k = 2; ids.contains(id); ++k) id = base + "-" + std::to_string(k);
      ids.insert(id);
      return id;
    };
    auto derive = [&](const std::string& id) { return fresh(strip_layer(id) + "." + suffix); };

    const Topology& src = source();
    Topology t;
    GraphLabel label = *src.graphLabel;
    label.id = fresh(label_id(label.id, nr));
    label.graph_nr = nr;
    if (policy_.role_identifier) label.role_identifier = *policy_.role_identifier;
    label.pos = {};
    t.graphLabel = label;

    std::map<std::string, std::string> el, ni, res;
    for (const auto& ne : src.networkElements) {
      el[ne.id] = derive(ne.id);
      for (const auto& i : ne.networkInterfaces) {
        ni[i.id] = derive(i.id);
        for (const auto& extra : i.extra_ids) ni[extra] = ni[i.id];
      }
    }
    for (const auto& r : src.resources) res[r.id] = derive(r.id);
    auto map_id = [](const std::map<std::string, std::string>& m, const std::string& id) {
      auto it = m.find(id);
      return it == m.end() ? id : it->second;
    };
    auto res_refs = [&](const std::vector<Ref<Resource>>& refs, const std::set<std::string>& drop) {
      std::vector<Ref<Resource>> out;
      for (const auto& r : refs)
        if (!drop.contains(r.id)) out.push_back({map_id(res, r.id), nullptr, {}});
      return out;
    };

    std::set<std::string> referenced;  // completed resource ids listed by some element
    for (std::size_t i = 0; i < work_.size(); ++i) {
      const NetworkElement& ne = *work_[i].src;
      NetworkElement e;
      e.id = el[ne.id];
      e.identifier = ne.identifier;
      e.alias = ne.alias;
      e.ne_type = work_[i].type;
      e.graphLabel = Ref<GraphLabel>{label.id, nullptr, {}};
      e.hostedNetworkElement = {Ref<NetworkElement>{ne.id, nullptr, {}}};
      e.resource = res_refs(ne.resource, work_[i].dropped);
      for (auto& r : work_[i].added) {
        r.id = fresh(strip_layer(ne.id) + "." + suffix + "." + short_name(r.attribute));
        e.resource.push_back({r.id, nullptr, {}});
        t.resources.push_back(r);
      }
      e.features = work_[i].features;
      e.customerConsoleInterface = ne.customerConsoleInterface;
      e.providerConsoleInterface = ne.providerConsoleInterface;
      if (e.customerConsoleInterface) e.customerConsoleInterface->pos = {};
      if (e.providerConsoleInterface) e.providerConsoleInterface->pos = {};
      for (const auto& i0 : ne.networkInterfaces) {
        NetworkInterface n;
        n.id = ni[i0.id];
        n.identifier = i0.identifier;
        n.alias = i0.alias;
        n.ni_type = i0.ni_type;
        if (i0.connectedInterface)
          n.connectedInterface =
              Ref<NetworkInterface>{map_id(ni, i0.connectedInterface->id), nullptr, {}};
        n.hostedNetworkInterface = {Ref<NetworkInterface>{i0.id, nullptr, {}}};
        n.resource = res_refs(i0.resource, {});
        n.features = i0.features;
        for (auto& f : n.features) f.pos = {};
        for (const auto& r : n.resource) referenced.insert(r.id);
        e.networkInterfaces.push_back(std::move(n));
      }
      for (auto& f : e.features) f.pos = {};
      for (const auto& r : e.resource) referenced.insert(r.id);
      c.completed_ids[ne.id] = e.id;
      t.networkElements.push_back(std::move(e));
    }

    // Copies of the source Resources, changed where rule 5 chose a value;
    // one a range resolution left unlisted is not copied.
    std::set<std::string> listed_in_source;
    for (const auto& ne : src.networkElements) {
      for (const auto& r : ne.resource) listed_in_source.insert(r.id);
      for (const auto& i0 : ne.networkInterfaces)
        for (const auto& r : i0.resource) listed_in_source.insert(r.id);
    }
    std::vector<Resource> copies;
    for (const auto& r0 : src.resources) {
      if (listed_in_source.contains(r0.id) && !referenced.contains(res[r0.id])) continue;
      Resource r = r0;
      r.id = res[r0.id];
      r.pos = {};
      if (auto it = changes_.find(r0.id); it != changes_.end()) {
        r.value = it->second.value;
        r.value_type = it->second.value_type;
      }
      copies.push_back(std::move(r));
      c.completed_ids[r0.id] = res[r0.id];
    }
    t.resources.insert(t.resources.begin(), copies.begin(), copies.end());

    for (const auto& cg : src.constraintGroups) {
      ConstraintGroup g = cg;
      g.pos = {};
      for (auto& r : g.networkElement) r = Ref<NetworkElement>{map_id(el, r.id), nullptr, {}};
      for (auto& k : g.constraints) k.pos = {};
      t.constraintGroups.push_back(std::move(g));
    }
    for (const auto& [from, to] : ni) c.completed_ids.emplace(from, to);

    // The source layer is hosted by the completed one (appendix B: OL0
    // elements list their OL1 copies as hostingNetworkElement).
    Topology& s = doc_.topologies[src_index_];
    for (auto& ne : s.networkElements) {
      ne.hostingNetworkElement.push_back({el[ne.id], nullptr, {}});
      for (auto& i0 : ne.networkInterfaces)
        i0.hostingNetworkInterface.push_back({ni[i0.id], nullptr, {}});
    }
    if (policy_.resource_mappings) {
      for (const auto& r0 : src.resources) {
        auto it = c.completed_ids.find(r0.id);
        if (it == c.completed_ids.end()) continue;
        ResourceMapping rm;
        rm.hostedResource = {r0.id, nullptr, {}};
        rm.hostingResource = {it->second, nullptr, {}};
        doc_.resourceMappings.push_back(std::move(rm));
      }
    }
    doc_.topologies.insert(doc_.topologies.begin() + static_cast<std::ptrdiff_t>(src_index_) + 1,
                           std::move(t));
    Diagnostics d = doc_.resolve();
    d.append(validate(doc_));
    if (d.error_count() > baseline_errors_)
      return Error::internal("the completed document does not validate:\n" + d.format());

    for (auto& choice : c.choices) choice.completed = el[choice.element];
    c.document = std::move(doc_);
    c.completed_nr = nr;
    c.added_layer = true;
    return c;
  }

  std::set<std::string> all_ids() const {
    std::set<std::string> ids;
    for (const auto& ci : doc_.consoleInterfaces) ids.insert(ci.id);
    for (const auto& t : doc_.topologies) {
      if (t.graphLabel) ids.insert(t.graphLabel->id);
      for (const auto& ne : t.networkElements) {
        ids.insert(ne.id);
        for (const auto& i : ne.networkInterfaces) {
          ids.insert(i.id);
          ids.insert(i.extra_ids.begin(), i.extra_ids.end());
        }
      }
      for (const auto& r : t.resources) ids.insert(r.id);
    }
    return ids;
  }

  // "c:vhost1.ol1" -> "c:vhost1": copies of copies do not pile up suffixes.
  static std::string strip_layer(const std::string& id) {
    const auto dot = id.rfind('.');
    if (dot == std::string::npos) return id;
    const std::string tail = id.substr(dot + 1);
    if (tail.size() > 2 && tail.compare(0, 2, "ol") == 0 &&
        std::all_of(tail.begin() + 2, tail.end(), [](char ch) { return ch >= '0' && ch <= '9'; }))
      return id.substr(0, dot);
    return id;
  }

  // A label named after its layer ("c:ol0") is renamed ("c:ol1"); others get
  // the layer suffix.
  static std::string label_id(const std::string& id, std::int64_t nr) {
    const auto start = id.find_last_of(":.") == std::string::npos ? 0 : id.find_last_of(":.") + 1;
    const std::string tail = id.substr(start);
    if (tail.size() > 2 && tail.compare(0, 2, "ol") == 0 &&
        std::all_of(tail.begin() + 2, tail.end(), [](char ch) { return ch >= '0' && ch <= '9'; }))
      return id.substr(0, start) + "ol" + std::to_string(nr);
    return strip_layer(id) + ".ol" + std::to_string(nr);
  }

  // "/host/generic/RAM/real/amount" -> "host_RAM_real_amount" (a QName part).
  static std::string short_name(const std::string& attr) {
    std::vector<std::string> parts;
    const TypePath path = TypePath::parse_lenient(attr);
    for (const auto& l : path.levels())
      if (l != "generic") parts.push_back(l);
    std::string s = join(parts, "_");
    for (char& ch : s)
      if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
            ch == '_' || ch == '-' || ch == '.'))
        ch = '_';
    return s;
  }

  const Document& in_;
  const CompletionPolicy& policy_;
  const Document* substrate_in_;
  Document doc_;
  Document substrate_;
  const Topology* ul_ = nullptr;
  std::size_t src_index_ = 0;
  std::int64_t max_ol_ = 0;
  std::size_t baseline_errors_ = 0;
  std::vector<Work> work_;
  std::vector<Pending> pending_;
  std::map<std::string, ResourceChange> changes_;  // source Resource id -> chosen value
};

}  // namespace

CompletionMode CompletionPolicy::mode_of(std::string_view attribute) const {
  const AttributeDefault* rule = rule_of(*this, attribute);
  return rule ? rule->mode : default_mode;
}

Result<Completion> complete_request(const Document& request, const CompletionPolicy& policy,
                                    const Document* substrate) {
  return Completer(request, policy, substrate).run();
}

}  // namespace cloudnet::flerd
