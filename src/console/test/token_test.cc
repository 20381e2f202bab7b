#include "console/token.h"

#include <gtest/gtest.h>

#include <set>

namespace cloudnet::console::token {
namespace {

TEST(Token, WellFormedAndUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    auto t = generate();
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t->size(), kLength);
    EXPECT_TRUE(well_formed(*t));
    EXPECT_TRUE(seen.insert(*t).second);
  }
  // The secret part alone carries at least 128 bits.
  EXPECT_GE(kVerifierBytes * 8, 128u);
  EXPECT_EQ(selector(*generate()).size(), 2 * kSelectorBytes);
  EXPECT_EQ(verifier(*generate()).size(), 2 * kVerifierBytes);
}

TEST(Token, RejectsMalformed) {
  EXPECT_FALSE(well_formed(""));
  EXPECT_FALSE(well_formed(std::string(kLength, 'g')));
  EXPECT_FALSE(well_formed(std::string(kLength, 'A')));
  EXPECT_FALSE(well_formed(std::string(kLength - 1, 'a')));
  EXPECT_TRUE(well_formed(std::string(kLength, 'a')));
}

TEST(Token, ConstantTimeEqual) {
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "xbc"));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
  EXPECT_TRUE(constant_time_equal("", ""));
}

}  // namespace
}  // namespace cloudnet::console::token
