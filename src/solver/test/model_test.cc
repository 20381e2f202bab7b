#include "solver/model.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <string>
#include <vector>

#include "solver/test/test_models.h"

namespace cloudnet::solver {
namespace {

TEST(ModelTest, VariablesAndCounts) {
  Model m("demo");
  Var x = m.add_continuous("x", -1, 5, 2.0);
  Var y = m.add_integer("y", 0, 10, -1.0);
  Var z = m.add_binary("z", 3.0);
  EXPECT_EQ(m.num_vars(), 3);
  EXPECT_EQ(m.num_integer_vars(), 2);
  EXPECT_TRUE(m.is_mip());
  EXPECT_EQ(x.index, 0);
  EXPECT_EQ(z.index, 2);
  EXPECT_EQ(m.var_name(y), "y");
  EXPECT_EQ(m.lower(x), -1);
  EXPECT_EQ(m.upper(x), 5);
  EXPECT_EQ(m.type(z), VarType::kBinary);
  EXPECT_EQ(m.objective_coef(z), 3.0);
  EXPECT_EQ(m.find_var("y"), y);
  EXPECT_FALSE(m.find_var("nope").has_value());
  m.set_type(y, VarType::kContinuous);
  EXPECT_EQ(m.num_integer_vars(), 1);
  EXPECT_TRUE(m.validate().ok());
}

TEST(ModelTest, BinaryBoundsAreClamped) {
  Model m;
  Var b = m.add_var("b", -3, 7, VarType::kBinary);
  EXPECT_EQ(m.lower(b), 0);
  EXPECT_EQ(m.upper(b), 1);
  Var c = m.add_integer("c", 0, 9);
  m.set_type(c, VarType::kBinary);
  EXPECT_EQ(m.upper(c), 1);
}

TEST(ModelTest, HugeBoundsAreInfinite) {
  Model m;
  Var x = m.add_continuous("x", -1e30, 1e31);
  EXPECT_EQ(m.lower(x), -kInf);
  EXPECT_EQ(m.upper(x), kInf);
}

TEST(ModelTest, NamesAreSanitisedAndUnique) {
  EXPECT_EQ(Model::sanitize_name("x[vnf1,node 3]"), "x_vnf1_node_3_");
  EXPECT_EQ(Model::sanitize_name("3x"), "_3x");
  EXPECT_EQ(Model::sanitize_name(".x"), "_.x");
  EXPECT_EQ(Model::sanitize_name("e12"), "_e12");
  EXPECT_EQ(Model::sanitize_name("edge"), "edge");
  EXPECT_EQ(Model::sanitize_name("Free"), "_Free");
  EXPECT_EQ(Model::sanitize_name("st"), "_st");
  EXPECT_EQ(Model::sanitize_name("~aux"), "_aux");
  EXPECT_EQ(Model::sanitize_name(std::string(500, 'a')).size(), 240u);

  Model m;
  Var a = m.add_binary("a");
  Var a2 = m.add_binary("a");
  Var a3 = m.add_binary("a");
  Var br = m.add_binary("a[2]");  // sanitises to a_2_, no clash
  Var un = m.add_binary("");
  Var x1 = m.add_binary("x4");   // clashes with nothing yet
  Var auto5 = m.add_binary("");  // index 6: "x6"
  EXPECT_EQ(m.var_name(a), "a");
  EXPECT_EQ(m.var_name(a2), "a_2");
  EXPECT_EQ(m.var_name(a3), "a_3");
  EXPECT_EQ(m.var_name(br), "a_2_");
  EXPECT_EQ(m.var_name(un), "x4");
  EXPECT_EQ(m.var_name(x1), "x4_2");
  EXPECT_EQ(m.var_name(auto5), "x6");
  EXPECT_EQ(m.find_var("a_3"), a3);

  Row r1 = m.add_le("", LinExpr(a), 1);
  Row r2 = m.add_le("cap", LinExpr(a), 1);
  Row r3 = m.add_le("cap", LinExpr(a), 1);
  EXPECT_EQ(m.row_name(r1), "c0");
  EXPECT_EQ(m.row_name(r2), "cap");
  EXPECT_EQ(m.row_name(r3), "cap_2");
  EXPECT_EQ(m.find_row("cap_2"), r3);
}

TEST(ModelTest, ManyDuplicateNamesStayFast) {
  Model m;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 20000; ++i) m.add_binary("same");
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(s, 2.0);
  EXPECT_EQ(m.var_name(Var{19999}), "same_20000");
}

TEST(ModelTest, LinExprAndRows) {
  Model m;
  Var x = m.add_continuous("x");
  Var y = m.add_continuous("y");
  Var z = m.add_continuous("z");
  LinExpr e = 2.0 * x + y + 3.0;
  e += x * 1.5;
  e -= z;
  e += z;  // cancels
  e -= 1.0;
  EXPECT_EQ(e.terms().size(), 5u);
  EXPECT_DOUBLE_EQ(e.constant(), 2.0);
  Row r = m.add_row("r", 0, e, 10);  // 0 <= 3.5x + y + 2 <= 10
  EXPECT_EQ(m.row_lower(r), -2);
  EXPECT_EQ(m.row_upper(r), 8);
  RowTerms t = m.row_terms(r);
  ASSERT_EQ(t.size(), 2u);  // z cancelled out, x merged
  EXPECT_EQ(t.vars[0], x.index);
  EXPECT_DOUBLE_EQ(t.coefs[0], 3.5);
  EXPECT_EQ(t.vars[1], y.index);
  EXPECT_EQ(m.num_nonzeros(), 2);

  Row eq = m.add_eq("eq", x - y, 0);
  EXPECT_EQ(m.row_lower(eq), 0);
  EXPECT_EQ(m.row_upper(eq), 0);
  Row ge = m.add_ge("ge", 2.0 * (x + z), 4);
  EXPECT_EQ(m.row_upper(ge), kInf);
  EXPECT_DOUBLE_EQ(m.row_terms(ge).coefs[1], 2.0);

  std::vector<int> vars = {2, 0, 2};
  std::vector<double> coefs = {1, 1, 1};
  Row raw = m.add_row("raw", -kInf, vars, coefs, 3);
  ASSERT_EQ(m.row_terms(raw).size(), 2u);
  EXPECT_DOUBLE_EQ(m.row_terms(raw).coefs[0], 2.0);
  m.set_row_bounds(raw, 1, 2);
  EXPECT_EQ(m.row_lower(raw), 1);

  std::vector<double> values = {1, 2, 0};
  EXPECT_DOUBLE_EQ(m.row_activity(r, values), 5.5);
  EXPECT_TRUE(m.validate().ok());
}

TEST(ModelTest, ObjectiveAndEvaluation) {
  Model m;
  Var x = m.add_integer("x", 0, 4);
  Var y = m.add_continuous("y", 0, 1);
  m.set_objective(3.0 * x - y + 7.0, Sense::kMaximize);
  EXPECT_EQ(m.sense(), Sense::kMaximize);
  EXPECT_EQ(m.objective_coef(x), 3.0);
  EXPECT_EQ(m.objective_coef(y), -1.0);
  EXPECT_EQ(m.objective_constant(), 7.0);
  m.add_le("c", x + y, 3.5);
  std::vector<double> v = {3, 0.5};
  EXPECT_DOUBLE_EQ(m.evaluate_objective(v), 15.5);
  EXPECT_DOUBLE_EQ(m.max_violation(v), 0.0);
  std::vector<double> bad = {3.5, 0.5};
  EXPECT_NEAR(m.max_violation(bad), 0.5, 1e-12);  // integrality and row
  m.clear_objective();
  EXPECT_EQ(m.objective_coef(x), 0.0);
  EXPECT_EQ(m.objective_constant(), 0.0);
  EXPECT_EQ(m.sense(), Sense::kMaximize);
}

TEST(ModelTest, MisuseIsReportedAsStickyError) {
  Model m("bad");
  Var x = m.add_continuous("x");
  m.add_le("r", LinExpr(x) + Var{42}, 1);
  EXPECT_EQ(m.row_terms(Row{0}).size(), 1u);  // invalid term dropped
  m.set_objective_coef(x, std::nan(""));
  Status s = m.validate();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Error::Code::kInvalidArgument);
  EXPECT_NE(s.error().message.find("invalid variable handle 42"), std::string::npos)
      << s.error().message;
}

TEST(ModelTest, NanBoundIsAnError) {
  Model m;
  m.add_continuous("x", std::nan(""), 1);
  EXPECT_FALSE(m.validate().ok());
}

TEST(ModelTest, DumpIsReadable) {
  Model m("knap");
  Var a = m.add_binary("a", 5);
  Var b = m.add_integer("b", 0, 3, 4);
  m.set_sense(Sense::kMaximize);
  m.add_row("cap", 1, 2.0 * a + 3.0 * b, 5);
  m.add_eq("fix", a - b, 0);
  const std::string d = m.dump();
  EXPECT_NE(d.find("model 'knap': 2 variables (2 integer), 2 rows, 4 nonzeros"), std::string::npos)
      << d;
  EXPECT_NE(d.find("maximize"), std::string::npos) << d;
  EXPECT_NE(d.find("5 a + 4 b"), std::string::npos) << d;
  EXPECT_NE(d.find("cap: 1 <= 2 a + 3 b <= 5"), std::string::npos) << d;
  EXPECT_NE(d.find("fix: a - b = 0"), std::string::npos) << d;
  EXPECT_NE(d.find("0 <= b <= 3 integer"), std::string::npos) << d;
  EXPECT_NE(d.find("0 <= a <= 1 binary"), std::string::npos) << d;

  Model big;
  for (int i = 0; i < 100; ++i) big.add_ge("", LinExpr(big.add_binary("")), 0);
  const std::string short_dump = big.dump(10);
  EXPECT_NE(short_dump.find("... (90 more rows)"), std::string::npos);
}

TEST(ModelTest, LargeModelBuildsQuickly) {
  // ~100k variables, ~100k rows, 400k nonzeros.
  const int n = 100000;
  const auto start = std::chrono::steady_clock::now();
  Model m("large");
  m.reserve(n, n, 4 * n);
  std::vector<Var> x;
  x.reserve(n);
  for (int i = 0; i < n; ++i) x.push_back(m.add_binary(testing::indexed("x_", i), i % 7));
  LinExpr e;
  for (int i = 0; i < n; ++i) {
    e.clear();
    for (int k = 0; k < 4; ++k) e += (k + 1.0) * x[static_cast<std::size_t>((i + k * 7919) % n)];
    m.add_le(testing::indexed("r_", i), e, 5);
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(m.num_vars(), n);
  EXPECT_EQ(m.num_rows(), n);
  EXPECT_EQ(m.num_nonzeros(), 4 * n);
  EXPECT_LT(s, 5.0);  // well under a second in release builds
}

}  // namespace
}  // namespace cloudnet::solver
