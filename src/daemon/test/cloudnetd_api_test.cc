// cloudnetd through its REST API: a confirmed VNet survives kill -9 and
// restart; a tentative one created before the kill is released once due,
// also when it fell due while the daemon was down.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "api/remote_provider.h"
#include "daemon/test/daemon_process.h"
#include "flerd/io.h"

namespace {

using namespace cloudnet::daemon::test;  // NOLINT
namespace fs = std::filesystem;
using cloudnet::roles::Caller;
using cloudnet::roles::CreateOptions;

TEST(CloudnetdApi, Sigkill) {
  std::string templ = (fs::temp_directory_path() / "cloudnetd-api-XXXXXX").string();
  ASSERT_NE(::mkdtemp(templ.data()), nullptr);
  const std::string dir = templ;
  const std::string ex = std::string(CLOUDNET_SOURCE_DIR) + "/examples";
  std::ofstream(dir + "/pip.yaml") << "name: pip1\n"
                                      "substrate: " +
                                          ex +
                                          "/substrate-pip1.yaml\n"
                                          "store: sqlite:pip1.db\n"
                                          "listen: 127.0.0.1:0\n"
                                          "customers:\n"
                                          "  - {name: alice, token: alice-secret}\n"
                                          "mapping: {time_budget: 5}\n"
                                          "sweep_interval: 0.1\n";
  auto loaded = cloudnet::flerd::read_file(ex + "/request-webservice.yaml");
  ASSERT_TRUE(loaded.ok());
  auto client = [](int port) {
    cloudnet::http::ClientOptions co;
    co.base_url = "http://127.0.0.1:" + std::to_string(port);
    co.bearer_token = "alice-secret";
    return std::move(cloudnet::api::RemoteProvider::create(co).value());
  };
  Caller alice{"alice", {}};
  std::string confirmed, tentative;
  {
    Daemon d;
    std::string err;
    ASSERT_TRUE(start(d, dir + "/pip.yaml", &err)) << err;
    auto pip = client(d.port);
    CreateOptions now;
    now.confirm = true;
    auto a = pip->create_vnet(alice, loaded.document, now);
    ASSERT_TRUE(a.ok()) << a.error().message;
    confirmed = a->id;
    CreateOptions brief;
    brief.ttl_s = 1;
    auto b = pip->create_vnet(alice, loaded.document, brief);
    ASSERT_TRUE(b.ok()) << b.error().message;
    tentative = b->id;
    d.stop(SIGKILL);  // between create and confirm of `tentative`
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  Daemon d;
  std::string err;
  ASSERT_TRUE(start(d, dir + "/pip.yaml", &err)) << err;
  auto pip = client(d.port);
  auto a = pip->status(alice, confirmed);
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->state, "stopped");
  auto b = pip->status(alice, tentative);
  ASSERT_TRUE(b.ok()) << b.error().message;
  EXPECT_EQ(b->state, "deleted");
  auto c = pip->confirm_request(alice, tentative);
  EXPECT_FALSE(c.ok());
  EXPECT_EQ(WEXITSTATUS(d.stop(SIGTERM)), 0);
  std::error_code ec;
  fs::remove_all(dir, ec);
}

}  // namespace
