// A solver-independent Mixed Integer Program (MIP): variables with bounds, types
// and objective coefficients, linear rows with lower/upper bounds, an objective
// sense and constant. The model is plain data; solving happens through a
// `Solver` backend (solver/solver.h), exporting through solver/io.h.
//
// Design notes (see also src/solver/README.md):
//  - Variables and rows are addressed by small handles (`Var`, `Row`) wrapping
//    an index; indices are dense and start at 0, in creation order.
//  - Storage is struct-of-arrays plus a compressed row (CSR) matrix, so models
//    with 10^5..10^6 variables, rows and nonzeros are cheap to build and to hand
//    to a backend. Rows are append-only: their terms cannot be changed after
//    `add_row`, only their bounds.
//  - Building never fails loudly. Misuse (an invalid handle, a NaN coefficient,
//    an infinite coefficient) is recorded as the model's first "build error",
//    the offending item is dropped or neutralised, and `validate()` / every
//    `Solver::solve()` / every writer returns that error. No exceptions.
//  - Names are always present, unique per kind (variables, rows), and safe for
//    the LP and MPS file formats; see `Model::sanitize_name`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/result.h"

namespace cloudnet::solver {

// Infinity for bounds. Any bound whose magnitude is >= kInfinityThreshold
// (1e30, the usual MPS convention) is treated as infinite.
inline constexpr double kInf = std::numeric_limits<double>::infinity();
inline constexpr double kInfinityThreshold = 1e30;

// Handle of a variable (a column). Default-constructed handles are invalid.
struct Var {
  int index = -1;
  bool valid() const { return index >= 0; }
  friend bool operator==(Var, Var) = default;
};

// Handle of a linear constraint (a row).
struct Row {
  int index = -1;
  bool valid() const { return index >= 0; }
  friend bool operator==(Row, Row) = default;
};

enum class VarType : std::uint8_t {
  kContinuous,
  kInteger,
  kBinary,  // an integer variable whose bounds are clamped into [0, 1]
};

enum class Sense : std::uint8_t { kMinimize, kMaximize };

const char* to_string(VarType type);
const char* to_string(Sense sense);

// coef * var.
struct Term {
  Var var;
  double coef = 0.0;
};

inline Term operator*(double coef, Var var) {
  return {var, coef};
}
inline Term operator*(Var var, double coef) {
  return {var, coef};
}
inline Term operator-(Var var) {
  return {var, -1.0};
}

// A linear expression sum(coef_i * var_i) + constant, for readable model
// building:
//
//   LinExpr load;
//   for (auto& [vnf, x] : placement) load += demand[vnf] * x;
//   model.add_le("cap_" + node, load, capacity);
//
// Terms are kept as written (a variable may appear several times); the model
// merges duplicates when the expression is used.
class LinExpr {
 public:
  LinExpr() = default;
  LinExpr(double constant) : constant_(constant) {}  // NOLINT(google-explicit-constructor)
  LinExpr(Var var) : terms_{{var, 1.0}} {}           // NOLINT(google-explicit-constructor)
  LinExpr(Term term) : terms_{term} {}               // NOLINT(google-explicit-constructor)

  LinExpr& add(Var var, double coef = 1.0) {
    terms_.push_back({var, coef});
    return *this;
  }
  LinExpr& operator+=(Term term) {
    terms_.push_back(term);
    return *this;
  }
  LinExpr& operator+=(Var var) { return add(var, 1.0); }
  LinExpr& operator+=(double constant) {
    constant_ += constant;
    return *this;
  }
  LinExpr& operator+=(const LinExpr& other);
  LinExpr& operator-=(Term term) { return add(term.var, -term.coef); }
  LinExpr& operator-=(Var var) { return add(var, -1.0); }
  LinExpr& operator-=(double constant) {
    constant_ -= constant;
    return *this;
  }
  LinExpr& operator-=(const LinExpr& other);
  LinExpr& operator*=(double factor);

  const std::vector<Term>& terms() const { return terms_; }
  double constant() const { return constant_; }
  void set_constant(double constant) { constant_ = constant; }
  void reserve(std::size_t n) { terms_.reserve(n); }
  void clear() {
    terms_.clear();
    constant_ = 0.0;
  }
  bool empty() const { return terms_.empty() && constant_ == 0.0; }

 private:
  std::vector<Term> terms_;
  double constant_ = 0.0;
};

LinExpr operator+(LinExpr lhs, const LinExpr& rhs);
LinExpr operator-(LinExpr lhs, const LinExpr& rhs);
LinExpr operator*(double factor, LinExpr expr);
LinExpr operator*(LinExpr expr, double factor);

// Read-only view of one row's sparse terms (variable indices and coefficients,
// in first-appearance order, duplicates merged, exact zeros dropped).
struct RowTerms {
  std::span<const int> vars;
  std::span<const double> coefs;
  std::size_t size() const { return vars.size(); }
};

class Model {
 public:
  explicit Model(std::string name = "cloudnet");

  // Pre-allocates storage; optional, for large models.
  void reserve(int vars, int rows, std::int64_t nonzeros);

  // --- Variables -----------------------------------------------------------
  // Adds a variable lb <= x <= ub. An empty name gets an automatic one
  // ("x<index>"); any name is sanitised and made unique (see sanitize_name).
  // kBinary clamps the bounds into [0, 1].
  Var add_var(std::string_view name, double lb, double ub, VarType type = VarType::kContinuous,
              double objective_coef = 0.0);
  Var add_continuous(std::string_view name, double lb = 0.0, double ub = kInf,
                     double objective_coef = 0.0) {
    return add_var(name, lb, ub, VarType::kContinuous, objective_coef);
  }
  Var add_integer(std::string_view name, double lb, double ub, double objective_coef = 0.0) {
    return add_var(name, lb, ub, VarType::kInteger, objective_coef);
  }
  Var add_binary(std::string_view name, double objective_coef = 0.0) {
    return add_var(name, 0.0, 1.0, VarType::kBinary, objective_coef);
  }

  void set_bounds(Var var, double lb, double ub);
  void set_type(Var var, VarType type);  // kBinary clamps the bounds into [0, 1]
  void set_objective_coef(Var var, double coef);

  // --- Rows ----------------------------------------------------------------
  // Adds the row lb <= expr <= ub. The expression's constant is moved into
  // the bounds; duplicate variables are merged. Use -kInf / kInf for a
  // missing side; lb == ub is an equality. An empty name gets "c<index>".
  Row add_row(std::string_view name, double lb, const LinExpr& expr, double ub);
  // Same, from raw terms (no LinExpr allocation).
  Row add_row(std::string_view name, double lb, std::span<const Term> terms, double ub);
  // Same, from parallel arrays of variable indices and coefficients.
  Row add_row(std::string_view name, double lb, std::span<const int> vars,
              std::span<const double> coefs, double ub);
  Row add_le(std::string_view name, const LinExpr& expr, double rhs) {
    return add_row(name, -kInf, expr, rhs);
  }
  Row add_ge(std::string_view name, const LinExpr& expr, double rhs) {
    return add_row(name, rhs, expr, kInf);
  }
  Row add_eq(std::string_view name, const LinExpr& expr, double rhs) {
    return add_row(name, rhs, expr, rhs);
  }
  void set_row_bounds(Row row, double lb, double ub);

  // --- Objective -----------------------------------------------------------
  // Replaces the whole objective (all coefficients and the constant).
  void set_objective(const LinExpr& expr, Sense sense);
  void set_sense(Sense sense) { sense_ = sense; }
  void set_objective_constant(double constant);
  // Zeroes all objective coefficients and the constant; keeps the sense.
  void clear_objective();

  // --- Inspection ----------------------------------------------------------
  const std::string& name() const { return name_; }
  int num_vars() const { return static_cast<int>(lb_.size()); }
  int num_rows() const { return static_cast<int>(row_lb_.size()); }
  std::int64_t num_nonzeros() const { return static_cast<std::int64_t>(row_vars_.size()); }
  int num_integer_vars() const { return num_integer_; }  // includes binaries
  bool is_mip() const { return num_integer_ > 0; }

  // Accessors take valid handles (asserted in debug builds).
  const std::string& var_name(Var var) const { return var_names_[at(var)]; }
  double lower(Var var) const { return lb_[at(var)]; }
  double upper(Var var) const { return ub_[at(var)]; }
  VarType type(Var var) const { return type_[at(var)]; }
  bool is_integer(Var var) const { return type_[at(var)] != VarType::kContinuous; }
  double objective_coef(Var var) const { return obj_[at(var)]; }

  const std::string& row_name(Row row) const { return row_names_[at(row)]; }
  double row_lower(Row row) const { return row_lb_[at(row)]; }
  double row_upper(Row row) const { return row_ub_[at(row)]; }
  RowTerms row_terms(Row row) const;

  Sense sense() const { return sense_; }
  double objective_constant() const { return obj_constant_; }

  std::optional<Var> find_var(std::string_view name) const;
  std::optional<Row> find_row(std::string_view name) const;

  // Bulk read-only views, indexed by variable / row index, for backends and
  // writers. The matrix is CSR: row r's terms are
  // [row_starts()[r], row_starts()[r + 1]) in row_vars() / row_coefs().
  std::span<const double> col_lower() const { return lb_; }
  std::span<const double> col_upper() const { return ub_; }
  std::span<const double> objective() const { return obj_; }
  std::span<const VarType> col_types() const { return type_; }
  std::span<const double> row_lower() const { return row_lb_; }
  std::span<const double> row_upper() const { return row_ub_; }
  std::span<const std::int64_t> row_starts() const { return row_start_; }
  std::span<const int> row_vars() const { return row_vars_; }
  std::span<const double> row_coefs() const { return row_coefs_; }
  std::span<const std::string> var_names() const { return var_names_; }
  std::span<const std::string> row_names() const { return row_names_; }

  // The first build error (see the header comment), or Ok.
  Status validate() const;

  // A human-readable, LP-like listing: header with counts, objective, the
  // first `max_items` rows and non-default variable bounds.
  std::string dump(std::size_t max_items = 50) const;

  // --- Evaluating assignments ----------------------------------------------
  // Objective value (including the constant) of `values` (one per variable).
  double evaluate_objective(std::span<const double> values) const;
  // Activity of `row` at `values`.
  double row_activity(Row row, std::span<const double> values) const;
  // Largest violation of a bound, row or integrality at `values` (0 when
  // feasible). `values.size()` must equal num_vars().
  double max_violation(std::span<const double> values) const;

  // Makes `name` safe for LP and MPS files: characters outside [A-Za-z0-9_.]
  // become '_'; a '_' is prepended if the name starts with a digit or '.',
  // with 'e'/'E' followed by a digit (exponent look-alike), or is an LP
  // keyword (st, bounds, free, inf, end, ...); the result is at most 240
  // characters. Uniqueness suffixes ("_2", "_3", ...) are added by the model
  // on top of this. Names starting with '~' are never produced, so writers
  // use '~' for their own auxiliary names.
  static std::string sanitize_name(std::string_view name);

 private:
  std::size_t at(Var var) const;
  std::size_t at(Row row) const;
  std::string unique_name(std::string_view requested, char auto_prefix, std::size_t index,
                          std::unordered_map<std::string, int>& index_map,
                          std::unordered_map<std::string, int>& next_suffix);
  void note_error(std::string message);
  double clean_bound(double value, const char* what);
  double clean_coef(double value, const char* what);
  Row append_row(std::string_view name, double lb, double ub);
  void push_term(int var, double coef, std::int64_t row_begin);
  void finish_row(std::int64_t row_begin);
  void clamp_binary(std::size_t j);

  std::string name_;
  Sense sense_ = Sense::kMinimize;
  double obj_constant_ = 0.0;

  std::vector<double> lb_, ub_, obj_;
  std::vector<VarType> type_;
  std::vector<std::string> var_names_;
  int num_integer_ = 0;

  std::vector<double> row_lb_, row_ub_;
  std::vector<std::string> row_names_;
  std::vector<std::int64_t> row_start_{0};
  std::vector<int> row_vars_;
  std::vector<double> row_coefs_;

  std::unordered_map<std::string, int> var_index_, row_index_;
  std::unordered_map<std::string, int> var_suffix_, row_suffix_;
  // Scratch for merging duplicate terms: position of a variable in the row
  // being built, or -1. Sized lazily to num_vars().
  std::vector<std::int64_t> scratch_pos_;

  std::optional<Error> build_error_;
};

}  // namespace cloudnet::solver
