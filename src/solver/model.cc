#include "solver/model.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <cctype>
#include <charconv>
#include <cmath>
#include <string>
#include <utility>

namespace cloudnet::solver {

namespace {

constexpr std::size_t kMaxNameLength = 240;

bool is_name_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return std::isalnum(u) != 0 || c == '_' || c == '.';
}

bool is_lp_keyword(std::string_view name) {
  static constexpr std::array<std::string_view, 30> kKeywords = {
      "st",       "s.t.",    "subject",  "such",    "to",       "that",     "bound",    "bounds",
      "free",     "inf",     "infinity", "general", "generals", "gen",      "integer",  "integers",
      "int",      "binary",  "binaries", "bin",     "end",      "minimize", "maximize", "minimise",
      "maximise", "minimum", "maximum",  "min",     "max",      "semi"};
  if (name.size() > 8) return false;
  std::string lower(name);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return std::find(kKeywords.begin(), kKeywords.end(), lower) != kKeywords.end();
}

// Normalises a bound: NaN stays NaN (reported by the caller), huge values
// become infinite.
double normalise_bound(double v) {
  if (v >= kInfinityThreshold) return kInf;
  if (v <= -kInfinityThreshold) return -kInf;
  return v;
}

void append_number(std::string& out, double v) {
  if (v == kInf) {
    out += "inf";
    return;
  }
  if (v == -kInf) {
    out += "-inf";
    return;
  }
  char buf[32];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, res.ptr);
}

}  // namespace

const char* to_string(VarType type) {
  switch (type) {
    case VarType::kContinuous: return "continuous";
    case VarType::kInteger: return "integer";
    case VarType::kBinary: return "binary";
  }
  return "unknown";
}

const char* to_string(Sense sense) {
  return sense == Sense::kMaximize ? "maximize" : "minimize";
}

// --- LinExpr ---------------------------------------------------------------

LinExpr& LinExpr::operator+=(const LinExpr& other) {
  terms_.insert(terms_.end(), other.terms_.begin(), other.terms_.end());
  constant_ += other.constant_;
  return *this;
}

LinExpr& LinExpr::operator-=(const LinExpr& other) {
  terms_.reserve(terms_.size() + other.terms_.size());
  for (const Term& t : other.terms_) terms_.push_back({t.var, -t.coef});
  constant_ -= other.constant_;
  return *this;
}

LinExpr& LinExpr::operator*=(double factor) {
  for (Term& t : terms_) t.coef *= factor;
  constant_ *= factor;
  return *this;
}

LinExpr operator+(LinExpr lhs, const LinExpr& rhs) {
  lhs += rhs;
  return lhs;
}
LinExpr operator-(LinExpr lhs, const LinExpr& rhs) {
  lhs -= rhs;
  return lhs;
}
LinExpr operator*(double factor, LinExpr expr) {
  expr *= factor;
  return expr;
}
LinExpr operator*(LinExpr expr, double factor) {
  expr *= factor;
  return expr;
}

// --- Model -----------------------------------------------------------------

Model::Model(std::string name) : name_(sanitize_name(name.empty() ? "cloudnet" : name)) {}

void Model::reserve(int vars, int rows, std::int64_t nonzeros) {
  const auto nv = static_cast<std::size_t>(std::max(vars, 0));
  const auto nr = static_cast<std::size_t>(std::max(rows, 0));
  const auto nz = static_cast<std::size_t>(std::max<std::int64_t>(nonzeros, 0));
  lb_.reserve(nv);
  ub_.reserve(nv);
  obj_.reserve(nv);
  type_.reserve(nv);
  var_names_.reserve(nv);
  var_index_.reserve(nv);
  row_lb_.reserve(nr);
  row_ub_.reserve(nr);
  row_names_.reserve(nr);
  row_start_.reserve(nr + 1);
  row_index_.reserve(nr);
  row_vars_.reserve(nz);
  row_coefs_.reserve(nz);
}

std::string Model::sanitize_name(std::string_view name) {
  std::string out;
  out.reserve(std::min(name.size(), kMaxNameLength) + 1);
  for (char c : name.substr(0, kMaxNameLength)) out.push_back(is_name_char(c) ? c : '_');
  if (out.empty()) return out;
  const auto first = static_cast<unsigned char>(out[0]);
  const bool exponent_like = (out[0] == 'e' || out[0] == 'E') && out.size() > 1 &&
                             std::isdigit(static_cast<unsigned char>(out[1])) != 0;
  if (std::isdigit(first) != 0 || out[0] == '.' || exponent_like || is_lp_keyword(out)) {
    out.insert(out.begin(), '_');
  }
  return out;
}

std::string Model::unique_name(std::string_view requested, char auto_prefix, std::size_t index,
                               std::unordered_map<std::string, int>& index_map,
                               std::unordered_map<std::string, int>& next_suffix) {
  std::string base;
  if (requested.empty()) {
    base.push_back(auto_prefix);
    base += std::to_string(index);
  } else {
    base = sanitize_name(requested);
  }
  if (!index_map.contains(base)) return base;
  int& suffix = next_suffix[base];
  if (suffix < 2) suffix = 2;
  std::string candidate;
  do {
    candidate = base + "_" + std::to_string(suffix++);
  } while (index_map.contains(candidate));
  return candidate;
}

void Model::note_error(std::string message) {
  if (!build_error_) build_error_ = Error::invalid("model '" + name_ + "': " + std::move(message));
}

double Model::clean_bound(double value, const char* what) {
  if (std::isnan(value)) {
    note_error(std::string("NaN ") + what);
    return 0.0;
  }
  return normalise_bound(value);
}

double Model::clean_coef(double value, const char* what) {
  if (!std::isfinite(value)) {
    note_error(std::string("non-finite ") + what);
    return 0.0;
  }
  return value;
}

std::size_t Model::at(Var var) const {
  assert(var.index >= 0 && var.index < num_vars());
  return static_cast<std::size_t>(var.index);
}

std::size_t Model::at(Row row) const {
  assert(row.index >= 0 && row.index < num_rows());
  return static_cast<std::size_t>(row.index);
}

void Model::clamp_binary(std::size_t j) {
  lb_[j] = std::max(lb_[j], 0.0);
  ub_[j] = std::min(ub_[j], 1.0);
}

Var Model::add_var(std::string_view name, double lb, double ub, VarType type,
                   double objective_coef) {
  const std::size_t j = lb_.size();
  std::string unique = unique_name(name, 'x', j, var_index_, var_suffix_);
  lb = clean_bound(lb, "variable lower bound");
  ub = clean_bound(ub, "variable upper bound");
  if (lb == kInf) note_error("variable '" + unique + "' has lower bound +inf");
  if (ub == -kInf) note_error("variable '" + unique + "' has upper bound -inf");
  lb_.push_back(lb);
  ub_.push_back(ub);
  obj_.push_back(clean_coef(objective_coef, "objective coefficient"));
  type_.push_back(type);
  if (type != VarType::kContinuous) ++num_integer_;
  if (type == VarType::kBinary) clamp_binary(j);
  var_index_.emplace(unique, static_cast<int>(j));
  var_names_.push_back(std::move(unique));
  return Var{static_cast<int>(j)};
}

void Model::set_bounds(Var var, double lb, double ub) {
  if (var.index < 0 || var.index >= num_vars()) {
    note_error("set_bounds: invalid variable handle " + std::to_string(var.index));
    return;
  }
  const auto j = static_cast<std::size_t>(var.index);
  lb_[j] = clean_bound(lb, "variable lower bound");
  ub_[j] = clean_bound(ub, "variable upper bound");
  if (lb_[j] == kInf || ub_[j] == -kInf) note_error("variable '" + var_names_[j] + "' bound");
  if (type_[j] == VarType::kBinary) clamp_binary(j);
}

void Model::set_type(Var var, VarType type) {
  if (var.index < 0 || var.index >= num_vars()) {
    note_error("set_type: invalid variable handle " + std::to_string(var.index));
    return;
  }
  const auto j = static_cast<std::size_t>(var.index);
  if (type_[j] != VarType::kContinuous) --num_integer_;
  if (type != VarType::kContinuous) ++num_integer_;
  type_[j] = type;
  if (type == VarType::kBinary) clamp_binary(j);
}

void Model::set_objective_coef(Var var, double coef) {
  if (var.index < 0 || var.index >= num_vars()) {
    note_error("set_objective_coef: invalid variable handle " + std::to_string(var.index));
    return;
  }
  obj_[static_cast<std::size_t>(var.index)] = clean_coef(coef, "objective coefficient");
}

Row Model::append_row(std::string_view name, double lb, double ub) {
  const std::size_t r = row_lb_.size();
  std::string unique = unique_name(name, 'c', r, row_index_, row_suffix_);
  row_lb_.push_back(clean_bound(lb, "row lower bound"));
  row_ub_.push_back(clean_bound(ub, "row upper bound"));
  if (row_lb_.back() == kInf) note_error("row '" + unique + "' has lower bound +inf");
  if (row_ub_.back() == -kInf) note_error("row '" + unique + "' has upper bound -inf");
  row_index_.emplace(unique, static_cast<int>(r));
  row_names_.push_back(std::move(unique));
  if (scratch_pos_.size() < lb_.size()) scratch_pos_.resize(lb_.size(), -1);
  return Row{static_cast<int>(r)};
}

void Model::push_term(int var, double coef, std::int64_t row_begin) {
  if (var < 0 || var >= num_vars()) {
    note_error("row '" + row_names_.back() + "': invalid variable handle " + std::to_string(var));
    return;
  }
  coef = clean_coef(coef, "row coefficient");
  std::int64_t& pos = scratch_pos_[static_cast<std::size_t>(var)];
  if (pos >= row_begin) {  // duplicate within this row
    row_coefs_[static_cast<std::size_t>(pos)] += coef;
    return;
  }
  pos = static_cast<std::int64_t>(row_vars_.size());
  row_vars_.push_back(var);
  row_coefs_.push_back(coef);
}

void Model::finish_row(std::int64_t row_begin) {
  // Drop exact zeros (cancelled duplicates or explicit zeros) and reset the
  // scratch positions of this row.
  auto write = static_cast<std::size_t>(row_begin);
  for (auto read = static_cast<std::size_t>(row_begin); read < row_vars_.size(); ++read) {
    scratch_pos_[static_cast<std::size_t>(row_vars_[read])] = -1;
    if (row_coefs_[read] == 0.0) continue;
    row_vars_[write] = row_vars_[read];
    row_coefs_[write] = row_coefs_[read];
    ++write;
  }
  row_vars_.resize(write);
  row_coefs_.resize(write);
  if (row_vars_.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    note_error("more than 2^31 nonzeros");
  }
  row_start_.push_back(static_cast<std::int64_t>(row_vars_.size()));
}

Row Model::add_row(std::string_view name, double lb, std::span<const Term> terms, double ub) {
  Row row = append_row(name, lb, ub);
  const auto begin = static_cast<std::int64_t>(row_vars_.size());
  for (const Term& t : terms) push_term(t.var.index, t.coef, begin);
  finish_row(begin);
  return row;
}

Row Model::add_row(std::string_view name, double lb, std::span<const int> vars,
                   std::span<const double> coefs, double ub) {
  Row row = append_row(name, lb, ub);
  const auto begin = static_cast<std::int64_t>(row_vars_.size());
  if (vars.size() != coefs.size()) {
    note_error("row '" + row_names_.back() + "': " + std::to_string(vars.size()) +
               " variables but " + std::to_string(coefs.size()) + " coefficients");
  } else {
    for (std::size_t k = 0; k < vars.size(); ++k) push_term(vars[k], coefs[k], begin);
  }
  finish_row(begin);
  return row;
}

Row Model::add_row(std::string_view name, double lb, const LinExpr& expr, double ub) {
  const double c = expr.constant();
  if (!std::isfinite(c)) note_error("non-finite constant in row expression");
  const double shift = std::isfinite(c) ? c : 0.0;
  return add_row(name, lb - shift, std::span<const Term>(expr.terms()), ub - shift);
}

void Model::set_row_bounds(Row row, double lb, double ub) {
  if (row.index < 0 || row.index >= num_rows()) {
    note_error("set_row_bounds: invalid row handle " + std::to_string(row.index));
    return;
  }
  const auto r = static_cast<std::size_t>(row.index);
  row_lb_[r] = clean_bound(lb, "row lower bound");
  row_ub_[r] = clean_bound(ub, "row upper bound");
  if (row_lb_[r] == kInf || row_ub_[r] == -kInf) note_error("row '" + row_names_[r] + "' bound");
}

void Model::set_objective(const LinExpr& expr, Sense sense) {
  std::fill(obj_.begin(), obj_.end(), 0.0);
  for (const Term& t : expr.terms()) {
    if (t.var.index < 0 || t.var.index >= num_vars()) {
      note_error("objective: invalid variable handle " + std::to_string(t.var.index));
      continue;
    }
    obj_[static_cast<std::size_t>(t.var.index)] += clean_coef(t.coef, "objective coefficient");
  }
  set_objective_constant(expr.constant());
  sense_ = sense;
}

void Model::set_objective_constant(double constant) {
  obj_constant_ = clean_coef(constant, "objective constant");
}

void Model::clear_objective() {
  std::fill(obj_.begin(), obj_.end(), 0.0);
  obj_constant_ = 0.0;
}

RowTerms Model::row_terms(Row row) const {
  const std::size_t r = at(row);
  const auto b = static_cast<std::size_t>(row_start_[r]);
  const auto e = static_cast<std::size_t>(row_start_[r + 1]);
  return {std::span<const int>(row_vars_).subspan(b, e - b),
          std::span<const double>(row_coefs_).subspan(b, e - b)};
}

std::optional<Var> Model::find_var(std::string_view name) const {
  auto it = var_index_.find(std::string(name));
  if (it == var_index_.end()) return std::nullopt;
  return Var{it->second};
}

std::optional<Row> Model::find_row(std::string_view name) const {
  auto it = row_index_.find(std::string(name));
  if (it == row_index_.end()) return std::nullopt;
  return Row{it->second};
}

Status Model::validate() const {
  if (build_error_) return *build_error_;
  return Status::Ok();
}

double Model::evaluate_objective(std::span<const double> values) const {
  double sum = obj_constant_;
  const std::size_t n = std::min(values.size(), obj_.size());
  for (std::size_t j = 0; j < n; ++j) sum += obj_[j] * values[j];
  return sum;
}

double Model::row_activity(Row row, std::span<const double> values) const {
  const RowTerms terms = row_terms(row);
  double sum = 0.0;
  for (std::size_t k = 0; k < terms.size(); ++k) {
    const auto j = static_cast<std::size_t>(terms.vars[k]);
    if (j < values.size()) sum += terms.coefs[k] * values[j];
  }
  return sum;
}

double Model::max_violation(std::span<const double> values) const {
  if (values.size() != lb_.size()) return kInf;
  double worst = 0.0;
  for (std::size_t j = 0; j < lb_.size(); ++j) {
    const double v = values[j];
    if (std::isnan(v)) return kInf;
    worst = std::max({worst, lb_[j] - v, v - ub_[j]});
    if (type_[j] != VarType::kContinuous) worst = std::max(worst, std::abs(v - std::round(v)));
  }
  for (int r = 0; r < num_rows(); ++r) {
    const double a = row_activity(Row{r}, values);
    const auto ri = static_cast<std::size_t>(r);
    worst = std::max({worst, row_lb_[ri] - a, a - row_ub_[ri]});
  }
  return worst;
}

std::string Model::dump(std::size_t max_items) const {
  std::string out;
  out += "model '" + name_ + "': " + std::to_string(num_vars()) + " variables (" +
         std::to_string(num_integer_) + " integer), " + std::to_string(num_rows()) + " rows, " +
         std::to_string(num_nonzeros()) + " nonzeros\n";
  if (build_error_) out += "build error: " + build_error_->message + "\n";
  out += to_string(sense_);
  out += "\n  ";
  std::size_t shown = 0;
  std::size_t line_len = 2;
  for (std::size_t j = 0; j < obj_.size(); ++j) {
    if (obj_[j] == 0.0) continue;
    if (shown == max_items) {
      out += " + ...";
      break;
    }
    std::string term = obj_[j] < 0 ? " - " : (shown == 0 ? "" : " + ");
    append_number(term, std::abs(obj_[j]));
    term += " " + var_names_[j];
    if (line_len + term.size() > 96) {
      out += "\n  ";
      line_len = 2;
    }
    out += term;
    line_len += term.size();
    ++shown;
  }
  if (obj_constant_ != 0.0 || shown == 0) {
    out += obj_constant_ < 0 ? " - " : (shown == 0 ? "" : " + ");
    append_number(out, std::abs(obj_constant_));
  }
  out += "\nsubject to\n";
  const auto nr = static_cast<std::size_t>(num_rows());
  for (std::size_t r = 0; r < std::min(nr, max_items); ++r) {
    out += "  " + row_names_[r] + ": ";
    if (row_lb_[r] != -kInf && row_lb_[r] != row_ub_[r]) {
      append_number(out, row_lb_[r]);
      out += " <= ";
    }
    const RowTerms terms = row_terms(Row{static_cast<int>(r)});
    for (std::size_t k = 0; k < terms.size(); ++k) {
      const double c = terms.coefs[k];
      if (k > 0 || c < 0) out += c < 0 ? (k > 0 ? " - " : "-") : " + ";
      if (std::abs(c) != 1.0) {
        append_number(out, std::abs(c));
        out += " ";
      }
      out += var_names_[static_cast<std::size_t>(terms.vars[k])];
    }
    if (terms.size() == 0) out += "0";
    if (row_lb_[r] == row_ub_[r]) {
      out += " = ";
      append_number(out, row_ub_[r]);
    } else if (row_ub_[r] != kInf) {
      out += " <= ";
      append_number(out, row_ub_[r]);
    } else if (row_lb_[r] == -kInf) {
      out += " (free)";
    }
    out += "\n";
  }
  if (nr > max_items) out += "  ... (" + std::to_string(nr - max_items) + " more rows)\n";
  out += "variables\n";
  shown = 0;
  std::size_t skipped = 0;
  for (std::size_t j = 0; j < lb_.size(); ++j) {
    const bool default_bounds = lb_[j] == 0.0 && ub_[j] == kInf && type_[j] == VarType::kContinuous;
    if (default_bounds) continue;
    if (shown == max_items) {
      ++skipped;
      continue;
    }
    out += "  ";
    append_number(out, lb_[j]);
    out += " <= " + var_names_[j] + " <= ";
    append_number(out, ub_[j]);
    if (type_[j] != VarType::kContinuous) {
      out += " ";
      out += to_string(type_[j]);
    }
    out += "\n";
    ++shown;
  }
  if (skipped > 0) out += "  ... (" + std::to_string(skipped) + " more)\n";
  out += "  (other variables: continuous, 0 <= x <= inf)\n";
  return out;
}

}  // namespace cloudnet::solver
