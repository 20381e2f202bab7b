// Information hiding at a role's boundary (roles/hiding.h).
#include "roles/hiding.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "flerd/io.h"

namespace cloudnet::roles {
namespace {

flerd::Document substrate() {
  auto r = flerd::read_file(std::string(CLOUDNET_SOURCE_DIR) + "/examples/substrate-pip1.yaml");
  EXPECT_TRUE(r.ok()) << r.diagnostics.format();
  return r.document;
}

TEST(SubstrateNames, HidesWholeIdsOnly) {
  const flerd::Document ul = substrate();
  ASSERT_FALSE(ul.topologies.empty());
  const auto& host = ul.topologies[0].networkElements.at(0);
  SubstrateNames names(ul);
  const std::string text = "node c:web has no candidate: " + host.id + " has 2 free of CPU; " +
                           host.id + ": down. c:v" + host.id + " is the customer's";
  const std::string hidden = names.hide(text);
  EXPECT_EQ(hidden.find(": " + host.id), std::string::npos) << hidden;
  EXPECT_EQ(hidden.find("; " + host.id), std::string::npos) << hidden;
  EXPECT_NE(hidden.find("a substrate element has 2 free of CPU"), std::string::npos) << hidden;
  // Part of a longer (customer) word: left alone.
  EXPECT_NE(hidden.find("c:v" + host.id), std::string::npos) << hidden;
  EXPECT_NE(hidden.find("node c:web has no candidate"), std::string::npos) << hidden;
}

TEST(WithoutAddresses, DropsUrlsAndTheirMethods) {
  EXPECT_EQ(without_addresses("pf: POST http://127.0.0.1:53013/v1/vnets?ttl=60: HTTP 422 "
                              "Unprocessable Entity (infeasible): no host"),
            "pf: HTTP 422 Unprocessable Entity (infeasible): no host");
  EXPECT_EQ(without_addresses("pb: GET https://[::1]:8441/v1/metrics: connection refused"),
            "pb: connection refused");
  EXPECT_EQ(without_addresses("cannot reach http://10.1.2.3:80"), "cannot reach");
  EXPECT_EQ(without_addresses("nothing to hide: http is a word"),
            "nothing to hide: http is a word");
}

// A provider that fails every call with a message naming the substrate.
class Leaky final : public Provider {
 public:
  explicit Leaky(std::string msg) : msg_(std::move(msg)) {}
  Result<VNetInfo> create_vnet(const Caller&, const flerd::Document&,
                               const CreateOptions&) override {
    return Error::infeasible(msg_);
  }
  Result<VNetInfo> confirm_request(const Caller&, const std::string&) override {
    return Error::unavailable(msg_);
  }
  Result<VNetInfo> cancel_request(const Caller&, const std::string&) override { return fail(); }
  Result<VNetInfo> delete_vnet(const Caller&, const std::string&) override { return fail(); }
  Result<VNetInfo> modify_vnet(const Caller&, const std::string&, const flerd::Document&) override {
    return fail();
  }
  Result<Metrics> get_metrics(const Caller&) override { return Error::internal(msg_); }
  Result<VNetInfo> provision(const Caller&, const std::string&, Action,
                             const std::string&) override {
    return fail();
  }
  Result<VNetInfo> status(const Caller&, const std::string& vnet) override {
    VNetInfo v;
    v.id = vnet;
    v.state = "failed";
    v.detail = msg_;
    return v;
  }
  Result<std::vector<VNetInfo>> list(const Caller& c) override {
    return std::vector<VNetInfo>{*status(c, "vn-1")};
  }
  Result<flerd::Document> document(const Caller&, const std::string&) override {
    return Error::not_found(msg_);
  }
  Result<ConsoleAccess> console(const Caller&, const std::string&, const std::string&) override {
    return Error::not_found(msg_);
  }

 private:
  Result<VNetInfo> fail() { return Error::conflict(msg_); }
  std::string msg_;
};

TEST(HidingProvider, ScrubsEveryErrorAndDetailAndLogsTheOriginal) {
  const flerd::Document ul = substrate();
  const std::string secret = ul.topologies[0].networkElements.at(0).id;
  auto names = std::make_shared<SubstrateNames>(ul);
  std::vector<std::string> logged;
  Leaky leaky("apply failed on " + secret + " at POST http://127.0.0.1:9/x: boom");
  HidingProvider p(
      leaky, [names](const std::string& t) { return without_addresses(names->hide(t)); },
      [&](const std::string& t) { logged.push_back(t); });
  const Caller c{"alice", std::nullopt};
  auto clean = [&](const std::string& text) {
    EXPECT_EQ(text.find(secret), std::string::npos) << text;
    EXPECT_EQ(text.find("127.0.0.1"), std::string::npos) << text;
  };
  auto created = p.create_vnet(c, flerd::Document{}, {});
  ASSERT_FALSE(created);
  EXPECT_EQ(created.error().code, Error::Code::kInfeasible);  // the code is kept
  clean(created.error().message);
  clean(p.confirm_request(c, "v").error().message);
  clean(p.cancel_request(c, "v").error().message);
  clean(p.delete_vnet(c, "v").error().message);
  clean(p.modify_vnet(c, "v", flerd::Document{}).error().message);
  clean(p.get_metrics(c).error().message);
  clean(p.provision(c, "v", Action::kStart, "").error().message);
  clean(p.document(c, "v").error().message);
  clean(p.console(c, "v", "n").error().message);
  clean(p.status(c, "v")->detail);
  clean(p.list(c)->at(0).detail);
  ASSERT_EQ(logged.size(), 9u);
  EXPECT_NE(logged[0].find(secret), std::string::npos) << "the operator sees the original";
}

}  // namespace
}  // namespace cloudnet::roles
