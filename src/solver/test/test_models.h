// Small models with known optima and hard instances, shared by the tests.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "solver/model.h"

namespace cloudnet::solver::testing {

// prefix + number. (Written with append: GCC 12 gives a false -Wrestrict
// error for `"literal" + std::to_string(i)` at -O2.)
template <class N>
inline std::string indexed(std::string_view prefix, N number) {
  std::string s(prefix);
  s += std::to_string(number);
  return s;
}

// max 3x + 2y  s.t. x + y <= 4, x + 3y <= 6, x <= 3; optimum 11 at (3, 1).
inline Model small_lp() {
  Model m("small_lp");
  Var x = m.add_continuous("x", 0, 3);
  Var y = m.add_continuous("y");
  m.set_objective(3.0 * x + 2.0 * y, Sense::kMaximize);
  m.add_le("c1", x + y, 4);
  m.add_le("c2", x + 3.0 * y, 6);
  return m;
}

// max 5x + 4y + 3z  s.t. 2x + 3y + z <= 5, 4x + y + 2z <= 11,
// 3x + 4y + 2z <= 8, x, y, z integer in [0, 10]; optimum 13 at (2, 0, 1).
inline Model small_mip() {
  Model m("small_mip");
  Var x = m.add_integer("x", 0, 10);
  Var y = m.add_integer("y", 0, 10);
  Var z = m.add_integer("z", 0, 10);
  m.set_objective(5.0 * x + 4.0 * y + 3.0 * z, Sense::kMaximize);
  m.add_le("c1", 2.0 * x + 3.0 * y + z, 5);
  m.add_le("c2", 4.0 * x + y + 2.0 * z, 11);
  m.add_le("c3", 3.0 * x + 4.0 * y + 2.0 * z, 8);
  return m;
}

// min x + 2y - z + 0.5w + 10 with
//   x in [0, 10] continuous, y in [-2, 5] continuous, z in [-1, 4] integer,
//   w fixed at 2 (presolve removes it), 1 <= x + y <= 3 (ranged),
//   x - z = 1, and a free row x + y + z (no bounds, ignored).
// x = 1 + z turns the objective into 12 + 2y and the range into
// 0 <= z + y <= 2, so y = -2 with z in 2..4: optimum 8.
inline Model mixed_min() {
  Model m("mixed_min");
  Var x = m.add_continuous("x", 0, 10);
  Var y = m.add_continuous("y", -2, 5);
  Var z = m.add_integer("z", -1, 4);
  Var w = m.add_continuous("w", 2, 2);
  m.set_objective(x + 2.0 * y - z + 0.5 * w + 10.0, Sense::kMinimize);
  m.add_row("range", 1, x + y, 3);
  m.add_eq("link", x - z, 1);
  m.add_row("free", -kInf, x + y + z, kInf);
  return m;
}
inline constexpr double kMixedMinOptimum = 8.0;

// Cornuejols-Dawande market split instance with deviation slacks:
// min sum(s+ + s-) s.t. a_i . x + s+_i - s-_i = floor(sum a_i / 2). With
// rows >= 5 no solver proves optimality in seconds; the LP bound is 0.
inline Model market_split(int rows, std::uint32_t seed) {
  const int n = 10 * (rows - 1);
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> coef(0, 99);
  Model m("market_split");
  std::vector<Var> x;
  for (int j = 0; j < n; ++j) x.push_back(m.add_binary(indexed("x", j)));
  LinExpr obj;
  for (int i = 0; i < rows; ++i) {
    LinExpr e;
    int sum = 0;
    for (int j = 0; j < n; ++j) {
      const int a = coef(rng);
      sum += a;
      e += static_cast<double>(a) * x[static_cast<std::size_t>(j)];
    }
    Var sp = m.add_continuous(indexed("sp", i));
    Var sm = m.add_continuous(indexed("sm", i));
    e += sp;
    e -= sm;
    obj += sp;
    obj += sm;
    m.add_eq(indexed("split", i), e, sum / 2);
  }
  m.set_objective(obj, Sense::kMinimize);
  return m;
}

// A 0-1 knapsack with weakly correlated weights: needs some branching but
// solves in well under a second.
inline Model knapsack(int items, std::uint32_t seed, double* capacity_out = nullptr) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> weight(10, 100);
  std::uniform_int_distribution<int> noise(-10, 10);
  Model m("knapsack");
  LinExpr w;
  LinExpr p;
  double total = 0;
  for (int j = 0; j < items; ++j) {
    const int wj = weight(rng);
    const int pj = std::max(1, wj + noise(rng));
    Var x = m.add_binary(indexed("item", j));
    w += static_cast<double>(wj) * x;
    p += static_cast<double>(pj) * x;
    total += wj;
  }
  const double cap = std::floor(total / 2);
  if (capacity_out != nullptr) *capacity_out = cap;
  m.add_le("capacity", w, cap);
  m.set_objective(p, Sense::kMaximize);
  return m;
}

// CBC 2.10.8 with its default preprocessing/pump/probing reports -13 as
// optimal here; the optimum is -15 (found by enumeration and GLPK).
inline Model cbc_preprocessing_regression() {
  Model m("cbc_regression");
  Var i0 = m.add_integer("i0", 0, 2);
  Var i1 = m.add_integer("i1", -1, 2);
  Var i2 = m.add_integer("i2", -1, 1);
  Var b3 = m.add_binary("b3");
  Var i4 = m.add_integer("i4", -1, 0);
  Var b5 = m.add_binary("b5");
  Var i6 = m.add_integer("i6", 0, 3);
  Var b7 = m.add_binary("b7");
  Var i8 = m.add_integer("i8", -1, 0);
  Var y = m.add_continuous("y", -3, 2);
  m.set_objective(2.0 * i0 + 6.0 * i2 + 10.0 * b3 + 7.0 * i4 + 3.0 * b5 + 8.0 * i6 - 4.0 * b7 -
                      1.0 * i8 - 7.0 * y + 1.0,
                  Sense::kMinimize);
  m.add_ge("r0", -5.0 * i0 - 3.0 * i1 - 5.0 * i2 - 4.0 * b3 + 5.0 * b7 + 4.0 * y, -21);
  m.add_row("r1", 17, 4.0 * i1 + 5.0 * b3 - 3.0 * i4 + 3.0 * b5 + 4.0 * i6 + i8, 19);
  m.add_le("r2", -4.0 * i1 - 2.0 * i2 + 3.0 * b3 + 2.0 * i6 - 5.0 * b7, 5);
  m.add_le("r3", -5.0 * i0 + 2.0 * i1 + i2 - 2.0 * b3 - 3.0 * b5, -8);
  return m;
}
inline constexpr double kCbcRegressionOptimum = -15.0;

// Infeasible; GLPK 5.0's MIP presolver returns an "optimal" point violating
// row r3 by 1.
inline Model glpk_presolve_regression() {
  Model m("glpk_regression");
  Var i0 = m.add_integer("i0", 0, 1);
  Var i1 = m.add_integer("i1", 0, 1);
  Var b2 = m.add_binary("b2");
  Var i3 = m.add_integer("i3", 0, 3);
  Var i4 = m.add_integer("i4", 0, 2);
  Var b5 = m.add_binary("b5");
  Var i6 = m.add_integer("i6", 0, 3);
  Var i7 = m.add_integer("i7", 0, 3);
  Var i8 = m.add_integer("i8", 0, 2);
  Var y = m.add_continuous("y", -2, 4);
  m.set_objective(-4.0 * i0 + 7.0 * i1 + 8.0 * b2 + 5.0 * i3 + 5.0 * i4 - 6.0 * b5 + 8.0 * i6 +
                      1.0 * i7 - 10.0 * i8 - 2.0 * y + 4.0,
                  Sense::kMinimize);
  m.add_le("r0", -1.0 * i1 + 3.0 * i4 + 2.0 * b5 - 5.0 * i6, 0);
  m.add_ge("r1",
           -4.0 * i0 + 2.0 * i1 + 5.0 * b2 + 3.0 * i3 + i4 - 5.0 * b5 + 3.0 * i6 - 5.0 * i7 -
               4.0 * i8 - y,
           -1);
  m.add_le("r2", -3.0 * b2 + 4.0 * b5 - 3.0 * i6 - 3.0 * i7 - 5.0 * y, 9);
  m.add_row("r3", -7, 5.0 * i0 + i1 - 4.0 * b2 - 5.0 * i4 + 5.0 * i6 + 3.0 * i8, -6);
  m.add_le("r4", 4.0 * i1 + 3.0 * i3 - 3.0 * i4 + 5.0 * i6 + i7 + y, 4);
  return m;
}

}  // namespace cloudnet::solver::testing
