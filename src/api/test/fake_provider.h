// An in-memory roles::Provider for the API tests: enough behaviour to see
// every route and error path (ownership, states, capacity, idempotency),
// and it records the last Caller so the tests can see what the API passed on.
#pragma once

#include <map>
#include <mutex>
#include <stdexcept>
#include <string>

#include "roles/provider.h"

namespace cloudnet::api::test {

inline constexpr const char* kCpu = "/host/generic/CPU/amount";

class FakeProvider : public roles::Provider {
 public:
  double capacity = 100;

  roles::Caller last_caller() const {
    std::lock_guard lock(mu_);
    return last_;
  }
  roles::CreateOptions last_create_options() const {
    std::lock_guard lock(mu_);
    return last_opts_;
  }
  std::string last_node() const {
    std::lock_guard lock(mu_);
    return last_node_;
  }
  roles::Action last_action() const {
    std::lock_guard lock(mu_);
    return last_action_;
  }

  Result<roles::VNetInfo> create_vnet(const roles::Caller& c, const flerd::Document& request,
                                      const roles::CreateOptions& o) override {
    std::lock_guard lock(mu_);
    last_ = c;
    last_opts_ = o;
    if (c.idempotency_key) {
      auto it = keys_.find(c.customer + "/" + *c.idempotency_key);
      if (it != keys_.end()) return vnets_.at(it->second).info;
    }
    double cpu = 0;
    roles::VNetInfo v;
    for (const auto& t : request.topologies) {
      for (const auto& r : t.resources) {
        if (r.attribute == kCpu) cpu += r.value;
      }
      for (const auto& e : t.networkElements) {
        v.elements.push_back({e.id, e.is_link() ? "link" : "node", "tentative", "fake"});
      }
    }
    if (v.elements.empty()) return Error::invalid("the request has no elements [Topology]");
    if (cpu > capacity - used_) {
      return Error::infeasible("needs " + std::to_string(cpu) + " CPU, " +
                               std::to_string(capacity - used_) + " available");
    }
    used_ += cpu;
    v.id = "vn" + std::to_string(++next_);
    v.customer = c.customer;
    v.state = o.confirm ? "confirmed" : "tentative";
    v.created_at_ms = 1700000000000;
    if (!o.confirm) v.expires_at_ms = v.created_at_ms + 30000;
    v.completion["c:vhost1/cpu"] = "2";
    for (auto& e : v.elements) e.state = v.state;
    vnets_[v.id] = {v, request, cpu};
    if (c.idempotency_key) keys_[c.customer + "/" + *c.idempotency_key] = v.id;
    return v;
  }
  Result<roles::VNetInfo> confirm_request(const roles::Caller& c, const std::string& id) override {
    return transition(c, id, "tentative", "confirmed");
  }
  Result<roles::VNetInfo> cancel_request(const roles::Caller& c, const std::string& id) override {
    return transition(c, id, "tentative", "deleted");
  }
  Result<roles::VNetInfo> delete_vnet(const roles::Caller& c, const std::string& id) override {
    return transition(c, id, "", "deleted");
  }
  Result<roles::VNetInfo> modify_vnet(const roles::Caller& c, const std::string& id,
                                      const flerd::Document& request) override {
    std::lock_guard lock(mu_);
    last_ = c;
    auto* v = find(c, id);
    if (!v) return Error::not_found("no VNet " + id);
    v->doc = request;
    v->info.detail = "modified";
    return v->info;
  }
  Result<roles::Metrics> get_metrics(const roles::Caller& c) override {
    std::lock_guard lock(mu_);
    last_ = c;
    roles::Metrics m;
    m.provider = "fake";
    m.resources[kCpu] = {capacity, capacity - used_, capacity - used_};
    m.features["/virtualization"] = "sim";
    for (const auto& [id, v] : vnets_) m.vnets += v.info.customer == c.customer;
    return m;
  }
  Result<roles::VNetInfo> provision(const roles::Caller& c, const std::string& id, roles::Action a,
                                    const std::string& node) override {
    std::lock_guard lock(mu_);
    last_ = c;
    last_node_ = node;
    last_action_ = a;
    auto* v = find(c, id);
    if (!v) return Error::not_found("no VNet " + id);
    if (v->info.state == "tentative") return Error::conflict("VNet " + id + " is not confirmed");
    bool found = node.empty();
    for (auto& e : v->info.elements) {
      if (!node.empty() && e.id != node) continue;
      found = true;
      if (e.kind == "node") e.state = a == roles::Action::kStop ? "stopped" : "running";
    }
    if (!found) return Error::not_found("no node " + node + " in VNet " + id);
    v->info.state = a == roles::Action::kStop && node.empty() ? "stopped" : "running";
    return v->info;
  }
  Result<roles::VNetInfo> status(const roles::Caller& c, const std::string& id) override {
    std::lock_guard lock(mu_);
    last_ = c;
    if (id == "throw") throw std::runtime_error("provider bug");
    auto* v = find(c, id);
    if (!v) return Error::not_found("no VNet " + id);
    return v->info;
  }
  Result<std::vector<roles::VNetInfo>> list(const roles::Caller& c) override {
    std::lock_guard lock(mu_);
    last_ = c;
    std::vector<roles::VNetInfo> out;
    for (const auto& [id, v] : vnets_) {
      if (v.info.customer == c.customer) out.push_back(v.info);
    }
    return out;
  }
  Result<flerd::Document> document(const roles::Caller& c, const std::string& id) override {
    std::lock_guard lock(mu_);
    last_ = c;
    auto* v = find(c, id);
    if (!v) return Error::not_found("no VNet " + id);
    return v->doc;
  }
  Result<roles::ConsoleAccess> console(const roles::Caller& c, const std::string& id,
                                       const std::string& node) override {
    std::lock_guard lock(mu_);
    last_ = c;
    last_node_ = node;
    auto* v = find(c, id);
    if (!v) return Error::not_found("no VNet " + id);
    return roles::ConsoleAccess{"127.0.0.1", 4711, "tok-" + id + "-" + node, 1700000060000};
  }

 private:
  struct Entry {
    roles::VNetInfo info;
    flerd::Document doc;
    double cpu = 0;
  };
  Entry* find(const roles::Caller& c, const std::string& id) {
    auto it = vnets_.find(id);
    if (it == vnets_.end() || it->second.info.customer != c.customer) return nullptr;
    return &it->second;
  }
  Result<roles::VNetInfo> transition(const roles::Caller& c, const std::string& id,
                                     const std::string& from, const std::string& to) {
    std::lock_guard lock(mu_);
    last_ = c;
    auto* v = find(c, id);
    if (!v) return Error::not_found("no VNet " + id);
    if (!from.empty() && v->info.state != from) {
      return Error::conflict("VNet " + id + " is " + v->info.state + ", not " + from);
    }
    v->info.state = to;
    v->info.expires_at_ms.reset();
    roles::VNetInfo out = v->info;
    if (to == "deleted") {
      used_ -= v->cpu;
      vnets_.erase(id);
    }
    return out;
  }

  mutable std::mutex mu_;
  std::map<std::string, Entry> vnets_;
  std::map<std::string, std::string> keys_;
  roles::Caller last_;
  roles::CreateOptions last_opts_;
  std::string last_node_;
  roles::Action last_action_ = roles::Action::kStart;
  double used_ = 0;
  int next_ = 0;
};

}  // namespace cloudnet::api::test
