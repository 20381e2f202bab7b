#include "http/router.h"

#include <gtest/gtest.h>

namespace cloudnet::http::internal {
namespace {

Handler noop() {
  return [](const Request&) { return Response::no_content(); };
}

TEST(SplitPath, DecodesSegmentsAndIgnoresTrailingSlash) {
  auto s = split_path("/v1/vnets/a%2Fb/nodes/x%20y/");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(*s, (std::vector<std::string>{"v1", "vnets", "a/b", "nodes", "x y"}));
  auto root = split_path("/");
  ASSERT_TRUE(root.ok());
  EXPECT_TRUE(root->empty());
  EXPECT_FALSE(split_path("/a%2").ok());
  EXPECT_FALSE(split_path("/a%zz").ok());
  EXPECT_FALSE(split_path("a").ok());
}

TEST(Router, RejectsBadPatternsAndDuplicates) {
  Router r;
  EXPECT_TRUE(r.add("GET", "/v1/vnets/{id}", noop(), {}).ok());
  EXPECT_FALSE(r.add("GET", "/v1/vnets/{other}", noop(), {}).ok());  // same shape
  EXPECT_TRUE(r.add("DELETE", "/v1/vnets/{id}", noop(), {}).ok());
  EXPECT_FALSE(r.add("FETCH", "/x", noop(), {}).ok());
  EXPECT_FALSE(r.add("get", "/x", noop(), {}).ok());
  EXPECT_FALSE(r.add("GET", "x", noop(), {}).ok());
  EXPECT_FALSE(r.add("GET", "/a//b", noop(), {}).ok());
  EXPECT_FALSE(r.add("GET", "/a/", noop(), {}).ok());
  EXPECT_FALSE(r.add("GET", "/a/{b", noop(), {}).ok());
  EXPECT_FALSE(r.add("GET", "/a/x{b}", noop(), {}).ok());
  EXPECT_FALSE(r.add("GET", "/a/{b-c}", noop(), {}).ok());
  EXPECT_FALSE(r.add("GET", "/a/{b}/{b}", noop(), {}).ok());
  EXPECT_FALSE(r.add("GET", "/a", nullptr, {}).ok());
  EXPECT_TRUE(r.add("GET", "/", noop(), {}).ok());
}

TEST(Router, LiteralSegmentsWinAndParamsAreExtracted) {
  Router r;
  ASSERT_TRUE(r.add("GET", "/v1/vnets/{id}/nodes/{node}", noop(), {}).ok());
  ASSERT_TRUE(r.add("GET", "/v1/vnets/{id}/nodes/count", noop(), {}).ok());
  ASSERT_TRUE(r.add("POST", "/v1/vnets/{id}/nodes", noop(), {}).ok());

  auto m = r.match("GET", {"v1", "vnets", "7", "nodes", "count"});
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->pattern, "/v1/vnets/{id}/nodes/count");
  EXPECT_EQ(m.params.at("id"), "7");
  EXPECT_EQ(m.params.count("node"), 0u);

  m = r.match("HEAD", {"v1", "vnets", "7", "nodes", "n1"});
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->pattern, "/v1/vnets/{id}/nodes/{node}");
  EXPECT_EQ(m.params.at("node"), "n1");

  m = r.match("DELETE", {"v1", "vnets", "7", "nodes"});
  EXPECT_EQ(m.route, nullptr);
  EXPECT_EQ(m.allowed, (std::vector<std::string>{"POST"}));

  m = r.match("GET", {"v1", "vnets"});
  EXPECT_EQ(m.route, nullptr);
  EXPECT_TRUE(m.allowed.empty());
}

}  // namespace
}  // namespace cloudnet::http::internal
