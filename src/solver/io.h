// Exporting models (free MPS, CPLEX LP) and importing solution files.
//
// Both writers produce files read by CBC/CLP (CoinMpsIO, CoinLpIO), GLPK
// (glp_read_mps with GLP_MPS_FILE, glp_read_lp), HiGHS and CPLEX, with these
// portability rules:
//  - Names are the model's (already LP/MPS-safe, see Model::sanitize_name).
//    Auxiliary names written by us start with '~', which model names never do:
//    the objective row is "~obj"; a non-zero objective constant becomes a
//    column "~obj_const" fixed at 1 whose objective coefficient is the
//    constant (MPS readers disagree on the sign of an objective RHS, and
//    GLPK's LP reader rejects objective constants).
//  - LP: a ranged row lo <= a.x <= hi (both finite, lo < hi) is written as two
//    rows "<name>~lo" (>= lo) and "<name>~hi" (<= hi); MPS uses RANGES.
//  - Free rows (no finite bound) are omitted from both formats.
//  - MPS: the NAME line ends in "FREE" (CoinMpsIO otherwise guesses fixed
//    format when all names are short; the other readers ignore it).
//  - Integer columns are written with explicit bounds (some MPS readers give
//    unbounded integer columns an upper bound of 1).
//  - MPS and maximisation: GLPK does not read the OBJSENSE section. By default
//    (MpsMaxObjective::kNegate) a maximisation model is written as the
//    minimisation of the negated objective, which every reader understands;
//    the optimum value then has the opposite sign, and a comment in the file
//    says so. kObjsenseSection writes "OBJSENSE MAX" instead (CPLEX, CBC,
//    HiGHS, Gurobi, SCIP; not GLPK). LP files always state the sense.
//
// Solution files (read_solution_file) - the `--solution FILE` feature:
//  - kPlain: one "name value" pair per line; blank lines and lines starting
//    with '#' are ignored, except the metadata comments "# status <s>"
//    (s: optimal, feasible, infeasible, unbounded) and "# objective <value>".
//  - kCbc: CBC's `solution` output ("Optimal - objective value 12" then lines
//    "index name value [reduced cost]", with optional "**" markers; only
//    non-zero columns by default; with `printingOptions all` the row block
//    comes first and is skipped).
//  - kGlpkPrint: glp_print_sol / glp_print_mip / glp_print_ipt ("glpsol -o")
//    printable reports, including wrapped long names.
//  - kGlpkRaw: glp_write_sol / glp_write_mip / glp_write_ipt ("glpsol -w")
//    raw files; these identify columns by number only (1-based, in model
//    order), so they are returned in `by_index`.
//  kAuto (default) recognises the format from the first lines.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "solver/model.h"
#include "solver/solver.h"

namespace cloudnet::solver {

enum class MpsMaxObjective { kNegate, kObjsenseSection };

struct MpsOptions {
  MpsMaxObjective max_objective = MpsMaxObjective::kNegate;
};

// The model as text. Fails only on an invalid model (Model::validate()).
Result<std::string> to_mps(const Model& model, const MpsOptions& options = {});
Result<std::string> to_lp(const Model& model);

// Writes the file; Error::io names the file on failure.
Status write_mps(const Model& model, const std::filesystem::path& file,
                 const MpsOptions& options = {});
Status write_lp(const Model& model, const std::filesystem::path& file);

enum class SolutionFormat { kAuto, kPlain, kCbc, kGlpkPrint, kGlpkRaw };

const char* to_string(SolutionFormat format);

// A solution file's content, keyed by variable name.
struct SolutionFile {
  SolutionFormat format = SolutionFormat::kAuto;      // the format actually parsed
  std::optional<SolveStatus> status;                  // when the file states one
  std::optional<double> objective;                    // when the file states one
  std::map<std::string, double, std::less<>> values;  // column name -> value
  std::vector<double> by_index;                       // kGlpkRaw: column j+1 -> [j]
};

// Parses `file`. Errors (kIo, kParse) carry "file:line: what".
Result<SolutionFile> read_solution_file(const std::filesystem::path& file,
                                        SolutionFormat format = SolutionFormat::kAuto);
// Same, from text; `origin` names the source in error messages.
Result<SolutionFile> parse_solution(std::string_view text, std::string_view origin,
                                    SolutionFormat format = SolutionFormat::kAuto);

// Maps a solution file onto `model`: one value per variable, by name (or by
// index for kGlpkRaw, whose column count must match). Variables missing from
// the file are 0 (CBC omits zeros); names starting with '~' (our auxiliary
// columns) are ignored; any other unknown name is a kNotFound error. The
// status is the file's, else kFeasible when the values satisfy the model
// (tolerance 1e-6) and kError otherwise; objective is recomputed from the
// values.
Result<Solution> solution_for_model(const Model& model, const SolutionFile& file);

}  // namespace cloudnet::solver
