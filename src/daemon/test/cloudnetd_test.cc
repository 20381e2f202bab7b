// cloudnetd as a process: the start line, serving, SIGTERM, and a SIGKILL
// followed by a restart on the same store.
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <thread>

#include "daemon/test/daemon_process.h"
#include "http/client.h"

namespace {

using namespace cloudnet::daemon::test;  // NOLINT
namespace fs = std::filesystem;

class CloudnetdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = (fs::temp_directory_path() / "cloudnetd-XXXXXX").string();
    ASSERT_NE(::mkdtemp(templ.data()), nullptr);
    dir_ = templ;
    fs::copy_file(std::string(CLOUDNET_SOURCE_DIR) + "/examples/substrate-pip1.yaml",
                  dir_ + "/substrate.yaml");
    std::ofstream(dir_ + "/pip.yaml") << "name: pip1\n"
                                         "substrate: substrate.yaml\n"
                                         "store: sqlite:pip1.db\n"
                                         "listen: 127.0.0.1:0\n"
                                         "customers:\n"
                                         "  - {name: alice, token: alice-secret}\n"
                                         "sweep_interval: 0.2\n";
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string dir_;
};

TEST_F(CloudnetdTest, StartsServesAndStopsOnSigterm) {
  Daemon d;
  std::string err;
  ASSERT_TRUE(start(d, dir_ + "/pip.yaml", &err)) << err;
  cloudnet::http::ClientOptions co;
  co.base_url = "http://127.0.0.1:" + std::to_string(d.port);
  auto client = cloudnet::http::Client::create(co);
  ASSERT_TRUE(client.ok()) << client.error().message;
  auto r = client->get("/v1/health");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 200);
  int status = d.stop(SIGTERM);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_TRUE(fs::exists(dir_ + "/pip1.db"));  // relative to the configuration
}

TEST_F(CloudnetdTest, SurvivesSigkill) {
  {
    Daemon d;
    std::string err;
    ASSERT_TRUE(start(d, dir_ + "/pip.yaml", &err)) << err;
    d.stop(SIGKILL);
  }
  Daemon d;
  std::string err;
  ASSERT_TRUE(start(d, dir_ + "/pip.yaml", &err)) << err;
  EXPECT_EQ(WEXITSTATUS(d.stop(SIGINT)), 0);
}

TEST_F(CloudnetdTest, BadConfigurationExits2) {
  std::ofstream(dir_ + "/bad.yaml") << "name: pip1\nttl: {default: x}\n";
  pid_t pid = ::fork();
  if (pid == 0) {
    int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, 2);
    std::string bin = std::string(CLOUDNET_BINARY_DIR) + "/bin/cloudnetd";
    std::string cfg = dir_ + "/bad.yaml";
    ::execl(bin.c_str(), bin.c_str(), "pip", "--config", cfg.c_str(), nullptr);
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 2);
}

}  // namespace
