// The interface every role offers its customers: the negotiation interface
// (thesis 8.2.2, CloudNet paper 4.2.3) and the provisioning interface (thesis
// ch. 8). A PIP implements it on its substrate (roles/pip), a VNP on top of
// the providers it buys from (issue 6), and a RemoteProvider speaks it over
// HTTP (api/), so a VNP can be a PIP to another VNP to any depth (thesis
// 3.2): every layer sees only this interface.
//
// Information hiding (CloudNet paper 4.1): nothing returned here names a
// substrate element. A VNet is described by its own (overlay) element ids,
// their states, and where applicable the name of the site (provider) that
// hosts them.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "flerd/model.h"

namespace cloudnet::roles {

// Who is asking. The API layer authenticates the customer; the provider
// checks that a VNet belongs to it (another customer's VNet is kNotFound,
// never kPermissionDenied, so ids do not leak).
struct Caller {
  std::string customer;
  // Optional idempotency key of the request (create, confirm, modify): a
  // retry with the same key and the same request returns the first answer and
  // allocates nothing twice; the same key with a different request is
  // kConflict.
  std::optional<std::string> idempotency_key;
};

// The life of a VNet (store/provider_store.h has the transition table).
// "suspended" is per node; a VNet whose nodes are all suspended reports
// "stopped".
using VNetState =
    std::string;  // tentative confirmed provisioning running stopped failed deleting deleted

// One virtual element of a VNet as its customer sees it.
struct ElementStatus {
  std::string id;    // the element's id in the customer's request (OL)
  std::string kind;  // "node" or "link"
  // tentative confirmed provisioning running stopped suspended failed
  // deleting deleted
  std::string state;
  std::string site;  // the provider hosting it (a PIP's name); never a substrate element
};

struct VNetInfo {
  std::string id;
  std::string customer;
  VNetState state;
  std::int64_t created_at_ms = 0;
  std::optional<std::int64_t> expires_at_ms;  // while tentative
  std::vector<ElementStatus> elements;
  // Values the provider chose while completing the request (OL0 -> OL1),
  // "element/attribute" -> value.
  std::map<std::string, std::string> completion;
  std::string detail;  // e.g. why it failed
};

struct CreateOptions {
  // Seconds until a tentative VNet expires unless confirmed; 0 = the
  // provider's default. Providers cap it.
  double ttl_s = 0;
  // Create and confirm in one step (no tentative phase).
  bool confirm = false;
};

// Aggregated resources only (CloudNet paper 5.2): per resource attribute the
// total capacity and what is still available, summed over the substrate;
// also the largest single free amount, so a VNP can tell whether one virtual
// node of a given size can fit at all. Never topology.
struct ResourceAggregate {
  double capacity = 0;
  double available = 0;
  double largest_available = 0;
};
struct Metrics {
  std::string provider;  // this provider's name
  std::map<std::string, ResourceAggregate>
      resources;                                // by attribute, e.g. /host/generic/CPU/amount
  std::map<std::string, std::string> features;  // offered feature values, e.g. /virtualization
  int vnets = 0;                                // of this customer
};

enum class Action { kStart, kStop, kSuspend, kResume, kPowercycle };
const char* to_string(Action action);
Result<Action> parse_action(std::string_view text);

// How to reach a node's console (thesis 3.3.5): a relay endpoint and a
// one-time token (console/relay.h, Ticket).
struct ConsoleAccess {
  std::string host;
  int port = 0;
  std::string token;
  std::int64_t expires_at_ms = 0;
};

class Provider {
 public:
  virtual ~Provider() = default;

  // Negotiation interface.
  // A tentative embedding of the whole (or partial) VNet in `request` (an
  // FleRD document with an OL topology): all or nothing. kInvalidArgument
  // for a malformed request (message names the element and field),
  // kInfeasible when it cannot be embedded (message says why).
  virtual Result<VNetInfo> create_vnet(const Caller& caller, const flerd::Document& request,
                                       const CreateOptions& options) = 0;
  virtual Result<VNetInfo> confirm_request(const Caller& caller, const std::string& vnet) = 0;
  virtual Result<VNetInfo> cancel_request(const Caller& caller, const std::string& vnet) = 0;
  virtual Result<VNetInfo> delete_vnet(const Caller& caller, const std::string& vnet) = 0;
  // A changed VNet graph: re-mapped with migration costs (thesis 5.3.5), only
  // what must move moves; all or nothing.
  virtual Result<VNetInfo> modify_vnet(const Caller& caller, const std::string& vnet,
                                       const flerd::Document& request) = 0;
  virtual Result<Metrics> get_metrics(const Caller& caller) = 0;

  // Provisioning interface; `node` empty = the whole VNet.
  virtual Result<VNetInfo> provision(const Caller& caller, const std::string& vnet, Action action,
                                     const std::string& node) = 0;
  virtual Result<VNetInfo> status(const Caller& caller, const std::string& vnet) = 0;
  virtual Result<std::vector<VNetInfo>> list(const Caller& caller) = 0;
  // The customer's own view of the VNet: its OL0 and OL1 topologies.
  virtual Result<flerd::Document> document(const Caller& caller, const std::string& vnet) = 0;
  virtual Result<ConsoleAccess> console(const Caller& caller, const std::string& vnet,
                                        const std::string& node) = 0;
};

}  // namespace cloudnet::roles
