// Information hiding at a role's boundary (CloudNet paper 4.1: "roles never
// reveal their substrate topology to each other"). Whatever a provider says
// to its customer -- an error message, a VNet's detail line -- passes through
// one scrubber here, so a refusal that explains itself in terms of substrate
// elements ("s:host3 has 2 free of CPU"), or a VNP's error that quotes a
// downstream PIP's address, reaches the customer with those names replaced.
// The operator still sees the original text: HidingProvider hands it to a
// log callback before scrubbing.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "flerd/model.h"
#include "roles/provider.h"

namespace cloudnet::roles {

// The ids of a substrate's elements, interfaces and resources; hide()
// replaces each whole-word occurrence by "a substrate element". Identifiers
// (display names) are left alone: they may equal the customer's own names
// (e.g. "L1"), and the ids are what the mapping's explanations quote.
class SubstrateNames {
 public:
  explicit SubstrateNames(const flerd::Document& substrate);
  std::string hide(std::string text) const;

 private:
  std::vector<std::pair<std::string, std::string>> names_;
};

// Replaces every whole-word occurrence of each `from` by its `to` (longest
// `from` first, so an id that is a prefix of another leaves no tail).
std::string rename_words(std::string text,
                         std::vector<std::pair<std::string, std::string>> renames);

// Replaces every http:// or https:// URL (and the HTTP method naming it) by
// nothing, so "pf: POST http://10.0.0.7:8441/v1/vnets: HTTP 422 ..." becomes
// "pf: HTTP 422 ...": a VNP's customer learns which of the VNP's providers
// refused (by the name the VNP gives it) but not where it lives.
std::string without_addresses(std::string text);

using Scrubber = std::function<std::string(const std::string&)>;

// A Provider that forwards every call to `inner` and scrubs what comes back:
// error messages and VNetInfo::detail. `log` (optional) receives the
// original error text of every failed call, for the operator.
class HidingProvider final : public Provider {
 public:
  // `inner` must outlive this object.
  HidingProvider(Provider& inner, Scrubber scrub, std::function<void(const std::string&)> log = {});

  Result<VNetInfo> create_vnet(const Caller& caller, const flerd::Document& request,
                               const CreateOptions& options) override;
  Result<VNetInfo> confirm_request(const Caller& caller, const std::string& vnet) override;
  Result<VNetInfo> cancel_request(const Caller& caller, const std::string& vnet) override;
  Result<VNetInfo> delete_vnet(const Caller& caller, const std::string& vnet) override;
  Result<VNetInfo> modify_vnet(const Caller& caller, const std::string& vnet,
                               const flerd::Document& request) override;
  Result<Metrics> get_metrics(const Caller& caller) override;
  Result<VNetInfo> provision(const Caller& caller, const std::string& vnet, Action action,
                             const std::string& node) override;
  Result<VNetInfo> status(const Caller& caller, const std::string& vnet) override;
  Result<std::vector<VNetInfo>> list(const Caller& caller) override;
  Result<flerd::Document> document(const Caller& caller, const std::string& vnet) override;
  Result<ConsoleAccess> console(const Caller& caller, const std::string& vnet,
                                const std::string& node) override;

 private:
  Error scrubbed(const Error& e, const char* operation) const;
  Result<VNetInfo> scrubbed(Result<VNetInfo> r, const char* operation) const;
  template <class T>
  Result<T> passed(Result<T> r, const char* operation) const {
    if (!r) return scrubbed(r.error(), operation);
    return r;
  }

  Provider& inner_;
  Scrubber scrub_;
  std::function<void(const std::string&)> log_;
};

}  // namespace cloudnet::roles
