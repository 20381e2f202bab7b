// Randomised cross-check: CBC, GLPK and exhaustive enumeration agree on the
// optimum of small random MIPs (fixed seeds, so failures reproduce).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "solver/model.h"
#include "solver/solver.h"
#include "solver/test/test_models.h"

namespace cloudnet::solver {
namespace {

struct Instance {
  Model model;
  // Integer variables are 0..k-1; at most one continuous variable, last.
  int num_integer = 0;
  bool has_continuous = false;
};

Instance random_instance(std::uint32_t seed) {
  std::mt19937 rng(seed);
  auto uniform = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  Instance inst;
  Model& m = inst.model;
  const int n = uniform(6, 10);
  long domain = 1;
  for (int j = 0; j < n; ++j) {
    const int lo = uniform(-1, 0);
    const int hi = lo + uniform(1, 3);
    if (uniform(0, 2) == 0 || domain * (hi - lo + 1) > 20000) {
      m.add_binary(testing::indexed("b", j));
      domain *= 2;
    } else {
      m.add_integer(testing::indexed("i", j), lo, hi);
      domain *= hi - lo + 1;
    }
  }
  inst.num_integer = n;
  if (uniform(0, 1) == 1) {
    m.add_continuous("y", uniform(-3, 0), uniform(1, 4));
    inst.has_continuous = true;
  }
  const int nv = m.num_vars();
  // A reference point that is feasible for "anchored" rows.
  std::vector<double> point(static_cast<std::size_t>(nv));
  for (int j = 0; j < nv; ++j) {
    const Var v{j};
    point[static_cast<std::size_t>(j)] =
        m.is_integer(v) ? uniform(static_cast<int>(m.lower(v)), static_cast<int>(m.upper(v)))
                        : m.lower(v) + 0.5;
  }
  const int rows = uniform(2, 5);
  for (int r = 0; r < rows; ++r) {
    LinExpr e;
    for (int j = 0; j < nv; ++j) {
      if (uniform(0, 9) < 6) {
        int c = uniform(-5, 5);
        if (c == 0) c = 1;
        e += static_cast<double>(c) * Var{j};
      }
    }
    double act = 0;
    for (const Term& t : e.terms()) act += t.coef * point[static_cast<std::size_t>(t.var.index)];
    const bool anchored = uniform(0, 9) < 8;  // otherwise possibly infeasible
    const double base = anchored ? std::round(act) : uniform(-10, 10);
    const std::string name = testing::indexed("r", r);
    switch (uniform(0, 3)) {
      case 0: m.add_le(name, e, base + uniform(0, 3)); break;
      case 1: m.add_ge(name, e, base - uniform(0, 3)); break;
      case 2:
        if (anchored && !inst.has_continuous) {
          m.add_eq(name, e, act);
        } else {
          m.add_row(name, base - 1, e, base + 1);
        }
        break;
      default: m.add_row(name, base - uniform(0, 2), e, base + uniform(0, 2)); break;
    }
  }
  LinExpr obj;
  for (int j = 0; j < nv; ++j) obj += static_cast<double>(uniform(-10, 10)) * Var{j};
  obj += static_cast<double>(uniform(-5, 5));
  m.set_objective(obj, uniform(0, 1) == 0 ? Sense::kMinimize : Sense::kMaximize);
  return inst;
}

// Optimum by enumeration of the integer variables; the single continuous
// variable (if any) is optimised exactly over the interval the rows allow.
std::optional<double> enumerate(const Instance& inst) {
  const Model& m = inst.model;
  const int k = inst.num_integer;
  const bool maximize = m.sense() == Sense::kMaximize;
  std::vector<double> x(static_cast<std::size_t>(m.num_vars()), 0.0);
  for (int j = 0; j < k; ++j) x[static_cast<std::size_t>(j)] = m.lower(Var{j});
  std::optional<double> best;
  const Var y{k};
  while (true) {
    double lo = inst.has_continuous ? m.lower(y) : 0.0;
    double hi = inst.has_continuous ? m.upper(y) : 0.0;
    bool feasible = true;
    for (int r = 0; r < m.num_rows() && feasible; ++r) {
      const RowTerms t = m.row_terms(Row{r});
      double act = 0;
      double a = 0;  // coefficient of y
      for (std::size_t q = 0; q < t.size(); ++q) {
        if (inst.has_continuous && t.vars[q] == k) {
          a = t.coefs[q];
        } else {
          act += t.coefs[q] * x[static_cast<std::size_t>(t.vars[q])];
        }
      }
      const double rl = m.row_lower(Row{r}) - act;
      const double ru = m.row_upper(Row{r}) - act;
      if (a == 0) {
        feasible = rl <= 1e-9 && ru >= -1e-9;
      } else {
        double l = a > 0 ? rl / a : ru / a;
        double u = a > 0 ? ru / a : rl / a;
        lo = std::max(lo, l);
        hi = std::min(hi, u);
        feasible = lo <= hi + 1e-9;
      }
    }
    if (feasible) {
      if (inst.has_continuous) {
        const double c = m.objective_coef(y);
        const bool want_high = maximize ? c > 0 : c < 0;
        x[static_cast<std::size_t>(k)] = want_high ? hi : lo;
      }
      const double v = m.evaluate_objective(x);
      if (!best || (maximize ? v > *best : v < *best)) best = v;
    }
    int j = 0;
    while (j < k && x[static_cast<std::size_t>(j)] >= m.upper(Var{j})) {
      x[static_cast<std::size_t>(j)] = m.lower(Var{j});
      ++j;
    }
    if (j == k) break;
    x[static_cast<std::size_t>(j)] += 1;
  }
  return best;
}

// Sanitized builds (CI) run about 9x slower per solve: they compare half of
// the random instances, the plain build (scripts/test.sh) all of them.
#if defined(__SANITIZE_ADDRESS__)
constexpr int kShare = 2;
#else
constexpr int kShare = 1;
#endif

TEST(RandomMipTest, BackendsAgreeWithEnumeration) {
  auto cbc = default_registry().create("cbc");
  auto glpk = default_registry().create("glpk");
  ASSERT_TRUE(cbc.ok() && glpk.ok());
  SolveOptions options;
  options.relative_gap = 0;
  int infeasible = 0;
  int with_continuous = 0;
  const std::uint32_t total = 500 / kShare;
  for (std::uint32_t seed = 1; seed <= total; ++seed) {
    SCOPED_TRACE(testing::indexed("seed ", seed));
    const Instance inst = random_instance(seed);
    const std::optional<double> expected = enumerate(inst);
    if (!expected) ++infeasible;
    if (inst.has_continuous) ++with_continuous;
    for (Solver* solver : {cbc->get(), glpk->get()}) {
      SCOPED_TRACE(solver->name());
      Result<Solution> r = solver->solve(inst.model, options);
      ASSERT_TRUE(r.ok()) << r.error().message;
      if (!expected) {
        EXPECT_EQ(r->status, SolveStatus::kInfeasible) << r->message << "\n" << inst.model.dump();
        continue;
      }
      ASSERT_EQ(r->status, SolveStatus::kOptimal) << r->message << "\n" << inst.model.dump();
      EXPECT_NEAR(r->objective, *expected, 1e-6) << inst.model.dump();
      EXPECT_LE(inst.model.max_violation(r->values), 1e-6);
    }
  }
  // The generator must exercise both outcomes and both variable kinds.
  // Some infeasible instances, but not a quarter of them; some continuous.
  EXPECT_GT(infeasible, static_cast<int>(total / 100));
  EXPECT_LT(infeasible, static_cast<int>(total / 4));
  EXPECT_GT(with_continuous, static_cast<int>(total / 10));
}

}  // namespace
}  // namespace cloudnet::solver
