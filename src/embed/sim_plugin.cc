#include "embed/sim_plugin.h"

#include <algorithm>
#include <thread>
#include <utility>

namespace cloudnet::embed {

namespace {

// Does an element rule name something in this call?
bool names(const std::string& element, const EmbeddingUnit& unit, const UnitNode* node) {
  if (element == unit.substrate) return true;
  if (node) return element == node->id;
  for (const auto& n : unit.nodes)
    if (n.id == element) return true;
  for (const auto& s : unit.segments)
    if (s.link == element) return true;
  return false;
}

std::string node_text(const char* verb, const EmbeddingUnit& unit, const UnitNode& node) {
  std::string out = std::string(verb) + " node " + node.id;
  if (!node.identifier.empty() && node.identifier != node.id) out += " (" + node.identifier + ")";
  return out + " of " + unit.net + " on " + unit.substrate;
}

// What a hypervisor accepts (thesis 8.2.2 actions on a VM).
std::optional<PowerState> next_power(PowerState now, NodeAction action) {
  switch (action) {
    case NodeAction::kStart:
      if (now == PowerState::kStopped) return PowerState::kRunning;
      break;
    case NodeAction::kStop:
      if (now != PowerState::kStopped) return PowerState::kStopped;
      break;
    case NodeAction::kSuspend:
      if (now == PowerState::kRunning) return PowerState::kSuspended;
      break;
    case NodeAction::kResume:
      if (now == PowerState::kSuspended) return PowerState::kRunning;
      break;
    case NodeAction::kPowercycle:
      if (now == PowerState::kRunning) return PowerState::kRunning;
      break;
  }
  return std::nullopt;
}

}  // namespace

const char* to_string(SimOp op) {
  switch (op) {
    case SimOp::kPrepare: return "prepare";
    case SimOp::kApply: return "apply";
    case SimOp::kRemove: return "remove";
    case SimOp::kStart: return "start";
    case SimOp::kStop: return "stop";
    case SimOp::kSuspend: return "suspend";
    case SimOp::kResume: return "resume";
    case SimOp::kPowercycle: return "powercycle";
    case SimOp::kStatus: return "status";
    case SimOp::kConsole: return "console";
  }
  return "?";
}

SimOp sim_op(NodeAction action) {
  switch (action) {
    case NodeAction::kStart: return SimOp::kStart;
    case NodeAction::kStop: return SimOp::kStop;
    case NodeAction::kSuspend: return SimOp::kSuspend;
    case NodeAction::kResume: return SimOp::kResume;
    case NodeAction::kPowercycle: return SimOp::kPowercycle;
  }
  return SimOp::kStart;
}

SimPlugin::SimPlugin(SimOptions options) : options_(std::move(options)) {
  delays_ = options_.delays;
}

SimPlugin::~SimPlugin() = default;

std::string SimPlugin::name() const {
  return options_.name;
}

std::vector<flerd::TypePath> SimPlugin::type_prefixes() const {
  std::vector<flerd::TypePath> out;
  for (const auto& p : options_.type_prefixes) out.push_back(flerd::TypePath::parse_lenient(p));
  return out;
}

std::optional<Error> SimPlugin::begin(SimOp op, const EmbeddingUnit& unit, const UnitNode* node) {
  std::chrono::milliseconds delay{0};
  std::optional<Error> fail;
  {
    std::lock_guard lock(mu_);
    const int n = ++counts_[op];
    if (auto it = delays_.find(op); it != delays_.end()) delay = it->second;
    for (const Rule& r : rules_) {
      if (r.op != op) continue;
      bool hit = false;
      if (r.nth > 0) {
        hit = r.nth == n;
      } else if (!r.element.empty()) {
        hit = names(r.element, unit, node);
      } else if (r.probability > 0) {
        hit = std::uniform_real_distribution<double>(0, 1)(rngs_[op]) < r.probability;
      }
      if (!hit) continue;
      std::string msg = r.message;
      if (msg.empty())
        msg = std::string("simulated failure of ") + to_string(op) + " call #" + std::to_string(n) +
              " on " + (node ? node->id : unit.substrate);
      fail = Error::unavailable(std::move(msg));
      break;
    }
  }
  // Outside the lock, so parallel calls overlap their delays as real
  // provisioning would.
  if (delay.count() > 0) std::this_thread::sleep_for(delay);
  return fail;
}

Status SimPlugin::append(SimOp op, const EmbeddingUnit& unit, const UnitNode* node,
                         std::string text, Status result) {
  SimRecord r;
  r.seq = ++seq_;
  r.op = op;
  r.net = unit.net;
  r.substrate = unit.substrate;
  if (node) r.node = node->id;
  r.ok = result.ok();
  if (!result.ok()) r.error = result.error().message;
  r.text = std::move(text);
  journal_.push_back(std::move(r));
  return result;
}

Status SimPlugin::prepare(const EmbeddingUnit& unit) {
  auto fail = begin(SimOp::kPrepare, unit, nullptr);
  std::string text = "prepare " + unit.net + " on " + describe(unit);
  std::lock_guard lock(mu_);
  if (fail) return append(SimOp::kPrepare, unit, nullptr, std::move(text), *fail);
  // Validation a real plugin would do before reserving anything.
  Status valid;
  if (unit.empty()) valid = Error::invalid("unit " + unit.key() + " hosts nothing");
  auto check = [&](const std::vector<Allocation>& as, const std::string& owner) {
    for (const auto& a : as)
      if (a.amount < 0 || a.substrate_amount < 0)
        valid = Error::invalid("negative allocation " + describe(a) + " for " + owner + " on " +
                               unit.substrate);
  };
  for (const auto& n : unit.nodes) check(n.allocations, n.id);
  for (const auto& s : unit.segments) check(s.allocations, s.link);
  if (valid.ok()) units_.try_emplace(unit.key());
  return append(SimOp::kPrepare, unit, nullptr, std::move(text), valid);
}

Status SimPlugin::apply(const EmbeddingUnit& unit) {
  auto fail = begin(SimOp::kApply, unit, nullptr);
  std::string text = "apply " + unit.net + " on " + describe(unit);
  std::lock_guard lock(mu_);
  if (fail) return append(SimOp::kApply, unit, nullptr, std::move(text), *fail);
  auto it = units_.find(unit.key());
  if (it == units_.end())
    return append(SimOp::kApply, unit, nullptr, std::move(text),
                  Error::conflict("apply of unit " + unit.key() + " before prepare"));
  it->second.applied = true;
  for (const auto& n : unit.nodes) it->second.power.try_emplace(n.id, PowerState::kStopped);
  return append(SimOp::kApply, unit, nullptr, std::move(text), Status::Ok());
}

Status SimPlugin::remove(const EmbeddingUnit& unit) {
  auto fail = begin(SimOp::kRemove, unit, nullptr);
  std::string text = "remove " + unit.net + " on " + unit.substrate;
  std::lock_guard lock(mu_);
  if (fail) return append(SimOp::kRemove, unit, nullptr, std::move(text), *fail);
  // Idempotent: removing what is not there succeeds.
  if (units_.erase(unit.key()) == 0) text += " (nothing there)";
  return append(SimOp::kRemove, unit, nullptr, std::move(text), Status::Ok());
}

Status SimPlugin::act(const EmbeddingUnit& unit, const UnitNode& node, NodeAction action) {
  const SimOp op = sim_op(action);
  auto fail = begin(op, unit, &node);
  std::string text = node_text(to_string(action), unit, node);
  std::lock_guard lock(mu_);
  if (fail) return append(op, unit, &node, std::move(text), *fail);
  PowerState* p = find_power(unit, node);
  if (!p)
    return append(op, unit, &node, std::move(text),
                  Error::conflict("node " + node.id + " is not applied on " + unit.substrate));
  auto next = next_power(*p, action);
  if (!next)
    return append(op, unit, &node, std::move(text),
                  Error::conflict("node " + node.id + " is " + to_string(*p) + "; cannot " +
                                  to_string(action)));
  *p = *next;
  return append(op, unit, &node, std::move(text), Status::Ok());
}

Result<PowerState> SimPlugin::status(const EmbeddingUnit& unit, const UnitNode& node) {
  // A query, not something that "would be done": counted, not journalled.
  auto fail = begin(SimOp::kStatus, unit, &node);
  if (fail) return *fail;
  std::lock_guard lock(mu_);
  const PowerState* p = find_power(unit, node);
  if (!p) return Error::not_found("node " + node.id + " is not applied on " + unit.substrate);
  return *p;
}

Result<console::Connector> SimPlugin::console(const EmbeddingUnit& unit, const UnitNode& node) {
  auto fail = begin(SimOp::kConsole, unit, &node);
  std::string text = node_text("console", unit, node);
  std::lock_guard lock(mu_);
  if (fail) return append(SimOp::kConsole, unit, &node, std::move(text), *fail).error();
  if (!find_power(unit, node))
    return append(SimOp::kConsole, unit, &node, std::move(text),
                  Error::conflict("node " + node.id + " is not applied on " + unit.substrate))
        .error();
  if (!echo_) {
    // One echo service for all nodes, no TCP listener: connectors only.
    console::LineEcho::Options o;
    o.node = options_.name;
    o.listen = false;
    auto echo = console::LineEcho::start(o);
    if (!echo) return append(SimOp::kConsole, unit, &node, std::move(text), echo.error()).error();
    echo_ = std::make_unique<console::LineEcho>(std::move(*echo));
  }
  (void)append(SimOp::kConsole, unit, &node, std::move(text), Status::Ok());
  return echo_->connector(node.name());
}

void SimPlugin::set_delay(SimOp op, std::chrono::milliseconds delay) {
  std::lock_guard lock(mu_);
  delays_[op] = delay;
}

void SimPlugin::fail_nth(SimOp op, int n, std::string message) {
  std::lock_guard lock(mu_);
  rules_.push_back(Rule{op, n, {}, 0, std::move(message)});
}

void SimPlugin::fail_element(SimOp op, std::string element, std::string message) {
  std::lock_guard lock(mu_);
  rules_.push_back(Rule{op, 0, std::move(element), 0, std::move(message)});
}

void SimPlugin::fail_randomly(SimOp op, double p, std::uint64_t seed) {
  std::lock_guard lock(mu_);
  rngs_[op].seed(seed);
  rules_.push_back(Rule{op, 0, {}, p, {}});
}

void SimPlugin::clear_failures() {
  std::lock_guard lock(mu_);
  rules_.clear();
}

void SimPlugin::reset_counts() {
  std::lock_guard lock(mu_);
  counts_.clear();
}

std::vector<SimRecord> SimPlugin::journal() const {
  std::lock_guard lock(mu_);
  return journal_;
}

std::vector<std::string> SimPlugin::journal_text() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& r : journal_)
    out.push_back(r.ok ? "ok: " + r.text : "FAILED: " + r.text + ": " + r.error);
  return out;
}

void SimPlugin::clear_journal() {
  std::lock_guard lock(mu_);
  journal_.clear();
}

int SimPlugin::calls(SimOp op) const {
  std::lock_guard lock(mu_);
  auto it = counts_.find(op);
  return it == counts_.end() ? 0 : it->second;
}

bool SimPlugin::prepared(const std::string& net, const std::string& substrate) const {
  std::lock_guard lock(mu_);
  return units_.count(net + "@" + substrate) > 0;
}

bool SimPlugin::applied(const std::string& net, const std::string& substrate) const {
  std::lock_guard lock(mu_);
  auto it = units_.find(net + "@" + substrate);
  return it != units_.end() && it->second.applied;
}

std::size_t SimPlugin::live_units() const {
  std::lock_guard lock(mu_);
  return units_.size();
}

std::optional<PowerState> SimPlugin::power(const std::string& net, const std::string& node) const {
  std::lock_guard lock(mu_);
  std::optional<PowerState> out;
  const std::string prefix = net + "@";
  for (auto it = units_.lower_bound(prefix);
       it != units_.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
    auto p = it->second.power.find(node);
    if (p == it->second.power.end()) continue;
    if (!out || p->second == PowerState::kRunning) out = p->second;
  }
  return out;
}

PowerState* SimPlugin::find_power(const EmbeddingUnit& unit, const UnitNode& node) {
  auto u = units_.find(unit.key());
  if (u == units_.end() || !u->second.applied) return nullptr;
  auto p = u->second.power.find(node.id);
  return p == u->second.power.end() ? nullptr : &p->second;
}

}  // namespace cloudnet::embed
