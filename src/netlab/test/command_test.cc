#include "netlab/command.h"

#include <gtest/gtest.h>

#include "netlab/names.h"

namespace cloudnet::netlab {
namespace {

TEST(NetlabCommand, CapturesOutputAndExitCode) {
  auto r = run({"sh", "-c", "echo out; echo err >&2; exit 3"});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_EQ(r->out, "out\n");
  EXPECT_EQ(r->err, "err\n");
}

TEST(NetlabCommand, NoShellInterpretsArguments) {
  auto r = run_ok({"echo", "$HOME; rm -rf /"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "$HOME; rm -rf /\n");
}

TEST(NetlabCommand, FailureNamesCommandLineAndStderr) {
  auto r = run_ok({"sh", "-c", "echo 'Cannot find device \"x\"' >&2; exit 1", "arg with space"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Error::Code::kUnavailable);
  EXPECT_NE(r.error().message.find("`sh -c"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("'arg with space'"), std::string::npos);
  EXPECT_NE(r.error().message.find("(exit 1): Cannot find device \"x\""), std::string::npos)
      << r.error().message;
}

TEST(NetlabCommand, MissingProgram) {
  auto r = run({"cloudnet-no-such-program"});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("cannot execute"), std::string::npos);
}

TEST(NetlabCommand, TimeoutKills) {
  auto start = std::chrono::steady_clock::now();
  auto r =
      run({"sleep", "10"},
          RunOptions{.timeout = std::chrono::milliseconds(200), .input = {}, .join_cgroups = {}});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("timed out"), std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
}

TEST(NetlabCommand, InputTheCommandDoesNotReadIsNoSigpipe) {
  // More than a pipe buffer to a command that exits at once: the write
  // fails with EPIPE instead of killing this process.
  RunOptions o;
  o.input.assign(1 << 20, 'x');
  auto r = run({"true"}, o);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->exit_code, 0);
}

TEST(NetlabCommand, Input) {
  auto r =
      run_ok({"cat"},
             RunOptions{.timeout = std::chrono::seconds(5), .input = "hello", .join_cgroups = {}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "hello");
}

TEST(NetlabNames, TagsAndPrefixes) {
  EXPECT_TRUE(Tag::make("pip1").ok());
  EXPECT_FALSE(Tag::make("").ok());
  EXPECT_FALSE(Tag::make("toolongtag").ok());
  EXPECT_FALSE(Tag::make("Pip1").ok());
  EXPECT_FALSE(Tag::make("a-b").ok());
  const Tag t = Tag::for_process();
  EXPECT_LE(t.str().size(), 8u);
  const Tag p = *Tag::make("pip1");
  EXPECT_EQ(substrate_netns(p, "s:host1"), "cn-pip1-s-s_host1");
  EXPECT_EQ(node_netns(p, "webservice", "c:vhost1"), "cn-pip1-v-webservice.c_vhost1");
  EXPECT_TRUE(owned("cn-pip1-s-x", &p));
  EXPECT_FALSE(owned("cn-pip10-s-x", &p));
  EXPECT_TRUE(owned("cn-pip10-s-x", nullptr));
  EXPECT_FALSE(owned("eth0", nullptr));
  EXPECT_EQ(sanitize(".."), "_..");
  EXPECT_EQ(sanitize(""), "_");
}

}  // namespace
}  // namespace cloudnet::netlab
