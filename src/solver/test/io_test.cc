#include "solver/io.h"

#include <glpk.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "solver/solver.h"
#include "solver/test/test_models.h"

#include "solver/cbc_headers.h"

namespace cloudnet::solver {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() /
            (testing::indexed("cloudnet_solver_io_",
                              ::testing::UnitTest::GetInstance()->random_seed()) +
             "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void spit(const fs::path& p, const std::string& text) {
  std::ofstream out(p);
  out << text;
}

// --- Reading written files back with GLPK -----------------------------------

struct GlpkProb {
  glp_prob* p = glp_create_prob();
  GlpkProb() { glp_term_out(GLP_OFF); }
  ~GlpkProb() { glp_delete_prob(p); }
  GlpkProb(const GlpkProb&) = delete;
  GlpkProb& operator=(const GlpkProb&) = delete;
};

// Solves a GLPK problem to optimality; returns the objective.
std::optional<double> glpk_optimum(glp_prob* p) {
  if (glp_get_num_int(p) == 0) {
    glp_smcp parm;
    glp_init_smcp(&parm);
    parm.msg_lev = GLP_MSG_OFF;
    if (glp_simplex(p, &parm) != 0 || glp_get_status(p) != GLP_OPT) return std::nullopt;
    return glp_get_obj_val(p);
  }
  glp_iocp parm;
  glp_init_iocp(&parm);
  parm.msg_lev = GLP_MSG_OFF;
  parm.presolve = GLP_ON;
  if (glp_intopt(p, &parm) != 0 || glp_mip_status(p) != GLP_OPT) return std::nullopt;
  return glp_mip_obj_val(p);
}

void expect_same_columns(glp_prob* p, const Model& m) {
  ASSERT_GE(glp_get_num_cols(p), m.num_vars());
  for (int j = 0; j < m.num_vars(); ++j) {
    EXPECT_EQ(std::string(glp_get_col_name(p, j + 1)), m.var_name(Var{j}));
    EXPECT_EQ(glp_get_col_kind(p, j + 1) == GLP_IV, m.is_integer(Var{j})) << m.var_name(Var{j});
  }
}

struct Case {
  std::string name;
  Model model;
  double optimum;
};

std::vector<Case> cases() {
  std::vector<Case> out;
  out.push_back({"small_lp", testing::small_lp(), 11});
  out.push_back({"small_mip", testing::small_mip(), 13});
  out.push_back({"mixed_min", testing::mixed_min(), testing::kMixedMinOptimum});
  Model bounds("bounds");
  Var a = bounds.add_integer("a", -kInf, 4);        // MI + UP
  Var b = bounds.add_integer("b", 2, kInf);         // LO + PL
  Var c = bounds.add_continuous("c", -kInf, kInf);  // FR
  Var d = bounds.add_integer("d", -3, -1);          // negative range
  Var e = bounds.add_continuous("e", 0, 0);         // fixed, not in any row
  bounds.set_objective(a + b - d + 0.5 * e + 1.5, Sense::kMaximize);
  bounds.add_le("ab", a + b, 9);
  bounds.add_eq("cfix", c - a, 0.5);
  bounds.add_ge("bmin", LinExpr(b), 3);
  out.push_back({"bounds", std::move(bounds), 4 + 5 + 3 + 1.5});
  return out;
}

TEST(IoTest, BackendsSolveTheCasesToTheirStatedOptimum) {
  for (const Case& c : cases()) {
    auto s = default_registry().create("glpk");
    ASSERT_TRUE(s.ok());
    Result<Solution> r = (*s)->solve(c.model, {});
    ASSERT_TRUE(r.ok());
    EXPECT_NEAR(r->objective, c.optimum, 1e-7) << c.name;
  }
}

TEST(IoTest, GlpkReadsLpFilesWithTheSameOptimum) {
  TempDir dir;
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.name);
    const fs::path file = dir / (c.name + ".lp");
    ASSERT_TRUE(write_lp(c.model, file).ok());
    GlpkProb p;
    ASSERT_EQ(glp_read_lp(p.p, nullptr, file.c_str()), 0) << slurp(file);
    expect_same_columns(p.p, c.model);
    const auto opt = glpk_optimum(p.p);
    ASSERT_TRUE(opt.has_value()) << slurp(file);
    EXPECT_NEAR(*opt, c.optimum, 1e-7) << slurp(file);
  }
}

TEST(IoTest, GlpkReadsMpsFilesWithTheSameOptimum) {
  TempDir dir;
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.name);
    const fs::path file = dir / (c.name + ".mps");
    ASSERT_TRUE(write_mps(c.model, file).ok());
    GlpkProb p;
    ASSERT_EQ(glp_read_mps(p.p, GLP_MPS_FILE, nullptr, file.c_str()), 0) << slurp(file);
    expect_same_columns(p.p, c.model);
    const auto opt = glpk_optimum(p.p);
    ASSERT_TRUE(opt.has_value()) << slurp(file);
    // Maximisation models are written negated (GLPK has no OBJSENSE).
    const double sign = c.model.sense() == Sense::kMaximize ? -1.0 : 1.0;
    EXPECT_NEAR(sign * *opt, c.optimum, 1e-7) << slurp(file);
  }
}

// CBC's own readers (CoinMpsIO, CoinLpIO), solved by plain branch and bound.
std::optional<double> cbc_optimum(OsiClpSolverInterface& osi) {
  osi.messageHandler()->setLogLevel(0);
  CbcModel model(osi);
  model.setLogLevel(0);
  model.branchAndBound();
  if (!model.isProvenOptimal() || model.bestSolution() == nullptr) return std::nullopt;
  return model.getObjValue();
}

TEST(IoTest, CbcReadsLpAndMpsFiles) {
  TempDir dir;
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.name);
    const fs::path lp = dir / (c.name + ".lp");
    const fs::path mps = dir / (c.name + ".mps");
    ASSERT_TRUE(write_lp(c.model, lp).ok());
    ASSERT_TRUE(write_mps(c.model, mps).ok());
    {
      OsiClpSolverInterface osi;
      osi.messageHandler()->setLogLevel(0);
      osi.readLp(lp.c_str());
      ASSERT_GE(osi.getNumCols(), c.model.num_vars()) << slurp(lp);
      EXPECT_EQ(osi.getColName(0), c.model.var_name(Var{0}));
      const auto opt = cbc_optimum(osi);
      ASSERT_TRUE(opt.has_value()) << slurp(lp);
      EXPECT_NEAR(*opt, c.optimum, 1e-6) << slurp(lp);
    }
    {
      OsiClpSolverInterface osi;
      osi.messageHandler()->setLogLevel(0);
      ASSERT_EQ(osi.readMps(mps.c_str(), ""), 0) << slurp(mps);
      ASSERT_GE(osi.getNumCols(), c.model.num_vars());
      EXPECT_EQ(osi.getColName(c.model.num_vars() - 1),
                c.model.var_name(Var{c.model.num_vars() - 1}));
      const auto opt = cbc_optimum(osi);
      ASSERT_TRUE(opt.has_value()) << slurp(mps);
      // CoinMpsIO ignores OBJSENSE MAX ("Coin ignores"), so maximisation
      // models are written negated by default.
      const double sign = c.model.sense() == Sense::kMaximize ? -1.0 : 1.0;
      EXPECT_NEAR(sign * *opt, c.optimum, 1e-6) << slurp(mps);
    }
  }
}

TEST(IoTest, MpsLayout) {
  Model m = testing::mixed_min();
  Result<std::string> text = to_mps(m);
  ASSERT_TRUE(text.ok());
  const std::string& s = *text;
  EXPECT_NE(s.find("NAME mixed_min FREE\n"), std::string::npos) << s;
  EXPECT_EQ(s.find("OBJSENSE"), std::string::npos);
  EXPECT_NE(s.find(" N ~obj\n G range\n E link\n"), std::string::npos) << s;
  EXPECT_EQ(s.find(" free"), std::string::npos) << s;  // the free row is omitted
  EXPECT_NE(s.find("'MARKER' 'INTORG'\n z ~obj -1\n z link -1\n"), std::string::npos) << s;
  EXPECT_NE(s.find("RANGES\n RNG range 2\n"), std::string::npos) << s;
  EXPECT_NE(s.find(" ~obj_const ~obj 10\n"), std::string::npos) << s;
  EXPECT_NE(s.find(" FX BND ~obj_const 1\n"), std::string::npos) << s;
  EXPECT_NE(s.find(" LO BND z -1\n UP BND z 4\n"), std::string::npos) << s;
  EXPECT_NE(s.find(" FX BND w 2\n"), std::string::npos) << s;
  EXPECT_TRUE(s.ends_with("ENDATA\n"));

  Model max = testing::small_mip();
  MpsOptions o;
  o.max_objective = MpsMaxObjective::kObjsenseSection;
  const std::string with_section = *to_mps(max, o);
  EXPECT_NE(with_section.find("OBJSENSE\n    MAX\n"), std::string::npos);
  EXPECT_NE(with_section.find(" x ~obj 5\n"), std::string::npos);
  const std::string negated = *to_mps(max);
  EXPECT_NE(negated.find(" x ~obj -5\n"), std::string::npos);
  EXPECT_NE(negated.find("MINIMISES the negated objective"), std::string::npos);
}

TEST(IoTest, LpLayout) {
  Model m = testing::mixed_min();
  const std::string s = *to_lp(m);
  EXPECT_NE(s.find("Minimize\n ~obj: + 1 x + 2 y - 1 z + 0.5 w + 10 ~obj_const\n"),
            std::string::npos)
      << s;
  EXPECT_NE(s.find(" range~lo: + 1 x + 1 y >= 1\n range~hi: + 1 x + 1 y <= 3\n"), std::string::npos)
      << s;
  EXPECT_NE(s.find(" link: + 1 x - 1 z = 1\n"), std::string::npos) << s;
  EXPECT_NE(s.find(" -2 <= y <= 5\n"), std::string::npos) << s;
  EXPECT_NE(s.find(" w = 2\n"), std::string::npos) << s;
  EXPECT_NE(s.find("Generals\n z\n"), std::string::npos) << s;
  EXPECT_TRUE(s.ends_with("End\n"));
}

TEST(IoTest, LongRowsAreWrapped) {
  Model m("wide");
  LinExpr e;
  for (int j = 0; j < 200; ++j) e += m.add_binary(testing::indexed("some_long_variable_name_", j));
  m.add_le("wide_row", e, 10);
  m.set_objective(e, Sense::kMaximize);
  const std::string s = *to_lp(m);
  std::istringstream lines(s);
  std::string line;
  while (std::getline(lines, line)) EXPECT_LE(line.size(), 160u);
  TempDir dir;
  ASSERT_TRUE(write_lp(m, dir / "wide.lp").ok());
  GlpkProb p;
  ASSERT_EQ(glp_read_lp(p.p, nullptr, (dir / "wide.lp").c_str()), 0);
  EXPECT_NEAR(*glpk_optimum(p.p), 10, 1e-9);
}

TEST(IoTest, InvalidModelIsNotWritten) {
  Model m;
  m.add_le("bad", LinExpr(Var{3}), 1);
  EXPECT_FALSE(to_lp(m).ok());
  EXPECT_FALSE(to_mps(m).ok());
  TempDir dir;
  EXPECT_FALSE(write_lp(m, dir / "bad.lp").ok());
}

TEST(IoTest, UnwritablePathIsAnIoError) {
  Status s = write_mps(testing::small_lp(), "/nonexistent-dir/x.mps");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Error::Code::kIo);
  EXPECT_NE(s.error().message.find("/nonexistent-dir/x.mps"), std::string::npos);
}

TEST(IoTest, LargeModelExportIsFast) {
  const int n = 100000;
  Model m("large");
  std::vector<Var> x;
  for (int i = 0; i < n; ++i) x.push_back(m.add_binary(testing::indexed("x_", i), i % 5));
  for (int i = 0; i < n; ++i) {
    LinExpr e;
    for (int k = 0; k < 4; ++k) e += (k + 1.0) * x[static_cast<std::size_t>((i + k * 7919) % n)];
    m.add_row(testing::indexed("r_", i), 1, e, 6);
  }
  const auto start = std::chrono::steady_clock::now();
  Result<std::string> mps = to_mps(m);
  Result<std::string> lp = to_lp(m);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(mps.ok() && lp.ok());
  EXPECT_GT(mps->size(), 1000000u);
  EXPECT_LT(s, 10.0);  // ~0.2 s in release builds
}

// --- Solution files ------------------------------------------------------------

TEST(SolutionFileTest, PlainFormat) {
  const std::string text =
      "# written by hand\n"
      "# status optimal\n"
      "# objective 13\n"
      "x 2\n"
      "\n"
      "z 1.0\r\n"
      "~obj_const 1\n";
  Result<SolutionFile> f = parse_solution(text, "sol.txt");
  ASSERT_TRUE(f.ok()) << f.error().message;
  EXPECT_EQ(f->format, SolutionFormat::kPlain);
  EXPECT_EQ(f->status, SolveStatus::kOptimal);
  EXPECT_EQ(f->objective, 13.0);
  EXPECT_EQ(f->values.size(), 3u);
  EXPECT_EQ(f->values.at("z"), 1.0);

  Model m = testing::small_mip();
  Result<Solution> s = solution_for_model(m, *f);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->status, SolveStatus::kOptimal);
  EXPECT_EQ(s->values, (std::vector<double>{2, 0, 1}));  // y missing: 0
  EXPECT_DOUBLE_EQ(s->objective, 13.0);
}

TEST(SolutionFileTest, ErrorsCarryFileAndLine) {
  Result<SolutionFile> bad = parse_solution("x 1\ny\n", "run.sol");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Error::Code::kParse);
  EXPECT_EQ(bad.error().message, "run.sol:2: expected 'name value'");

  Result<SolutionFile> nan = parse_solution("x one\n", "run.sol");
  ASSERT_FALSE(nan.ok());
  EXPECT_NE(nan.error().message.find("run.sol:1: bad value 'one'"), std::string::npos);

  Result<SolutionFile> dup = parse_solution("x 1\nx 2\n", "run.sol");
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.error().message.find("run.sol:2: duplicate"), std::string::npos);

  Result<SolutionFile> missing = read_solution_file("/nonexistent/solution.txt");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Error::Code::kIo);

  Result<SolutionFile> unknown = parse_solution("nope 1\n", "u.sol");
  ASSERT_TRUE(unknown.ok());
  Result<Solution> mapped = solution_for_model(testing::small_mip(), *unknown);
  ASSERT_FALSE(mapped.ok());
  EXPECT_EQ(mapped.error().code, Error::Code::kNotFound);

  Result<SolutionFile> violating = parse_solution("x 9\n", "v.sol");
  Result<Solution> v = solution_for_model(testing::small_mip(), *violating);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->status, SolveStatus::kError);
}

// Runs CBC's command-line driver (as the `cbc` program would) on an MPS file.
void run_cbc_program(const std::vector<std::string>& args) {
  OsiClpSolverInterface osi;
  CbcModel model(osi);
  CbcSolverUsefulData data;
  CbcMain0(model, data);
  std::vector<const char*> argv = {"cbc"};
  for (const std::string& a : args) argv.push_back(a.c_str());
  CbcMain1(
      static_cast<int>(argv.size()), argv.data(), model, [](CbcModel*, int) -> int { return 0; },
      data);
}

TEST(SolutionFileTest, CbcSolutionFiles) {
  TempDir dir;
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.name);
    const fs::path mps = dir / (c.name + ".mps");
    ASSERT_TRUE(write_mps(c.model, mps).ok());  // max models negated: values are unaffected
    for (const bool all : {false, true}) {
      const fs::path sol = dir / (c.name + (all ? "_all.sol" : ".sol"));
      std::vector<std::string> args = {"-log", "0", "-import", mps.string(), "-solve"};
      if (all) args.insert(args.end(), {"-printingOptions", "all"});
      args.insert(args.end(), {"-solution", sol.string(), "-quit"});
      run_cbc_program(args);
      Result<SolutionFile> f = read_solution_file(sol);
      ASSERT_TRUE(f.ok()) << f.error().message << "\n" << slurp(sol);
      EXPECT_EQ(f->format, SolutionFormat::kCbc);
      EXPECT_EQ(f->status, SolveStatus::kOptimal);
      Result<Solution> s = solution_for_model(c.model, *f);
      ASSERT_TRUE(s.ok()) << s.error().message;
      ASSERT_EQ(s->status, SolveStatus::kOptimal) << s->message << "\n" << slurp(sol);
      EXPECT_NEAR(s->objective, c.optimum, 1e-6) << slurp(sol);
    }
  }
  const fs::path infeasible = dir / "infeasible.sol";
  spit(infeasible, "Infeasible - objective value 0.00000000\n");
  Result<SolutionFile> f = read_solution_file(infeasible);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->status, SolveStatus::kInfeasible);
  EXPECT_EQ(solution_for_model(testing::small_lp(), *f)->status, SolveStatus::kInfeasible);
}

TEST(SolutionFileTest, GlpkSolutionFiles) {
  TempDir dir;
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.name);
    const fs::path lp = dir / (c.name + ".lp");
    ASSERT_TRUE(write_lp(c.model, lp).ok());
    GlpkProb p;
    ASSERT_EQ(glp_read_lp(p.p, nullptr, lp.c_str()), 0);
    ASSERT_TRUE(glpk_optimum(p.p).has_value());
    const bool mip = glp_get_num_int(p.p) > 0;
    const fs::path printed = dir / (c.name + ".print");
    const fs::path raw = dir / (c.name + ".raw");
    ASSERT_EQ(mip ? glp_print_mip(p.p, printed.c_str()) : glp_print_sol(p.p, printed.c_str()), 0);
    ASSERT_EQ(mip ? glp_write_mip(p.p, raw.c_str()) : glp_write_sol(p.p, raw.c_str()), 0);
    for (const fs::path& file : {printed, raw}) {
      Result<SolutionFile> f = read_solution_file(file);
      ASSERT_TRUE(f.ok()) << f.error().message << "\n" << slurp(file);
      EXPECT_EQ(f->format, file == printed ? SolutionFormat::kGlpkPrint : SolutionFormat::kGlpkRaw);
      EXPECT_EQ(f->status, SolveStatus::kOptimal);
      ASSERT_TRUE(f->objective.has_value());
      EXPECT_NEAR(*f->objective, c.optimum, 1e-6);
      Result<Solution> s = solution_for_model(c.model, *f);
      ASSERT_TRUE(s.ok()) << s.error().message;
      ASSERT_EQ(s->status, SolveStatus::kOptimal) << s->message << "\n" << slurp(file);
      // glp_print_* rounds to 6 significant digits.
      EXPECT_NEAR(s->objective, c.optimum, 1e-5) << slurp(file);
    }
  }
}

TEST(SolutionFileTest, GlpkPrintWithWrappedNames) {
  const std::string text =
      "Problem:    demo\n"
      "Rows:       1\n"
      "Columns:    2 (2 integer, 0 binary)\n"
      "Non-zeros:  2\n"
      "Status:     INTEGER NON-OPTIMAL\n"
      "Objective:  obj = 27 (MAXimum)\n"
      "\n"
      "   No.   Row name        Activity     Lower bound   Upper bound\n"
      "------ ------------    ------------- ------------- -------------\n"
      "     1 c1                       2.25                           5 \n"
      "\n"
      "   No. Column name       Activity     Lower bound   Upper bound\n"
      "------ ------------    ------------- ------------- -------------\n"
      "     1 x            *              3             0            10 \n"
      "     2 averyveryverylongcolname\n"
      "                    *              6             0            10 \n"
      "\n"
      "Integer feasibility conditions:\n";
  Result<SolutionFile> f = parse_solution(text, "demo.txt");
  ASSERT_TRUE(f.ok()) << f.error().message;
  EXPECT_EQ(f->status, SolveStatus::kFeasible);
  EXPECT_EQ(f->objective, 27.0);
  EXPECT_EQ(f->values.at("x"), 3.0);
  EXPECT_EQ(f->values.at("averyveryverylongcolname"), 6.0);
}

TEST(SolutionFileTest, GlpkRawColumnCountMustMatch) {
  Result<SolutionFile> f = parse_solution("s mip 0 5 o 1\nj 1 1\ne o f\n", "raw.sol");
  ASSERT_TRUE(f.ok()) << f.error().message;
  EXPECT_EQ(f->format, SolutionFormat::kGlpkRaw);
  EXPECT_FALSE(solution_for_model(testing::small_mip(), *f).ok());
  Result<SolutionFile> broken = parse_solution("s mip 0 2 o 1\nj 7 1\n", "raw.sol");
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.error().message, "raw.sol:2: malformed column line");
}

// A solve, its values written as a plain file and read back.
TEST(SolutionFileTest, PlainRoundTripOfASolve) {
  Model m = testing::mixed_min();
  auto solver = default_registry().create("cbc");
  ASSERT_TRUE(solver.ok());
  Result<Solution> r = (*solver)->solve(m, {});
  ASSERT_TRUE(r.ok() && r->has_values());
  std::ostringstream out;
  out.precision(17);
  out << "# status " << to_string(r->status) << "\n# objective " << r->objective << "\n";
  for (int j = 0; j < m.num_vars(); ++j)
    out << m.var_name(Var{j}) << " " << r->value(Var{j}) << "\n";
  TempDir dir;
  spit(dir / "plain.sol", out.str());
  Result<SolutionFile> f = read_solution_file(dir / "plain.sol");
  ASSERT_TRUE(f.ok()) << f.error().message;
  Result<Solution> back = solution_for_model(m, *f);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->status, SolveStatus::kOptimal);
  EXPECT_EQ(back->values, r->values);
  EXPECT_DOUBLE_EQ(back->objective, r->objective);
}

}  // namespace
}  // namespace cloudnet::solver
