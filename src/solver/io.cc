#include "solver/io.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace cloudnet::solver {

namespace {

constexpr std::string_view kObjRow = "~obj";
constexpr std::string_view kConstCol = "~obj_const";
constexpr std::size_t kLpLineWidth = 100;

void put_number(std::string& out, double v) {
  if (v == kInf) {
    out += "inf";
    return;
  }
  if (v == -kInf) {
    out += "-inf";
    return;
  }
  if (v == 0.0) v = 0.0;  // no "-0"
  char buf[32];
  const auto res = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, res.ptr);
}

bool is_free_row(double lb, double ub) {
  return lb == -kInf && ub == kInf;
}

Status write_text(const std::string& text, const std::filesystem::path& file) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  if (!out) return Error::io("cannot open '" + file.string() + "' for writing");
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.close();
  if (!out) return Error::io("error while writing '" + file.string() + "'");
  return Status::Ok();
}

std::string header_comment(const Model& model, std::string_view prefix) {
  std::string out;
  out += prefix;
  out += " CloudNet model '" + model.name() + "': " + std::to_string(model.num_vars()) +
         " variables (" + std::to_string(model.num_integer_vars()) + " integer), " +
         std::to_string(model.num_rows()) + " rows, " + std::to_string(model.num_nonzeros()) +
         " nonzeros\n";
  return out;
}

}  // namespace

// --- MPS -------------------------------------------------------------------

Result<std::string> to_mps(const Model& model, const MpsOptions& options) {
  if (Status s = model.validate(); !s) return s.error();
  const int n = model.num_vars();
  const int m = model.num_rows();
  const auto lb = model.col_lower();
  const auto ub = model.col_upper();
  const auto obj = model.objective();
  const auto types = model.col_types();
  const auto rlb = model.row_lower();
  const auto rub = model.row_upper();
  const auto& vnames = model.var_names();
  const auto& rnames = model.row_names();
  const bool maximize = model.sense() == Sense::kMaximize;
  const bool negate = maximize && options.max_objective == MpsMaxObjective::kNegate;
  const double obj_sign = negate ? -1.0 : 1.0;
  const double constant = model.objective_constant();

  // Column-major copy of the matrix (counting sort), skipping free rows.
  const auto starts = model.row_starts();
  const auto rvars = model.row_vars();
  const auto rcoefs = model.row_coefs();
  std::vector<std::int64_t> col_start(static_cast<std::size_t>(n) + 1, 0);
  for (int r = 0; r < m; ++r) {
    const auto rr = static_cast<std::size_t>(r);
    if (is_free_row(rlb[rr], rub[rr])) continue;
    for (auto k = static_cast<std::size_t>(starts[rr]);
         k < static_cast<std::size_t>(starts[rr + 1]); ++k) {
      ++col_start[static_cast<std::size_t>(rvars[k]) + 1];
    }
  }
  for (std::size_t j = 0; j < static_cast<std::size_t>(n); ++j) col_start[j + 1] += col_start[j];
  std::vector<int> entry_row(static_cast<std::size_t>(col_start.back()));
  std::vector<double> entry_coef(entry_row.size());
  {
    std::vector<std::int64_t> fill(col_start.begin(), col_start.end() - 1);
    for (int r = 0; r < m; ++r) {
      const auto rr = static_cast<std::size_t>(r);
      if (is_free_row(rlb[rr], rub[rr])) continue;
      for (auto k = static_cast<std::size_t>(starts[rr]);
           k < static_cast<std::size_t>(starts[rr + 1]); ++k) {
        const auto pos = static_cast<std::size_t>(fill[static_cast<std::size_t>(rvars[k])]++);
        entry_row[pos] = r;
        entry_coef[pos] = rcoefs[k];
      }
    }
  }

  std::string out;
  out.reserve(static_cast<std::size_t>(model.num_nonzeros()) * 32 +
              static_cast<std::size_t>(n) * 48 + static_cast<std::size_t>(m) * 40 + 256);
  out += header_comment(model, "*");
  if (negate) {
    out +=
        "* The model MAXIMISES its objective. This file MINIMISES the negated objective\n"
        "* (for readers without OBJSENSE, e.g. GLPK): its optimum has the opposite sign.\n";
  }
  if (constant != 0.0) {
    out += "* Column ~obj_const (fixed at 1) carries the objective constant.\n";
  }
  // "FREE" stops CoinMpsIO from guessing fixed format for short names; GLPK
  // and the other readers ignore it.
  out += "NAME " + model.name() + " FREE\n";
  if (maximize && !negate) out += "OBJSENSE\n    MAX\n";
  out += "ROWS\n N ";
  out += kObjRow;
  out += "\n";
  for (int r = 0; r < m; ++r) {
    const auto rr = static_cast<std::size_t>(r);
    const double l = rlb[rr];
    const double u = rub[rr];
    if (is_free_row(l, u)) continue;
    const char* type = "G";
    if (l == u) {
      type = "E";
    } else if (l == -kInf) {
      type = "L";
    }
    out += " ";
    out += type;
    out += " " + rnames[rr] + "\n";
  }

  out += "COLUMNS\n";
  bool in_integer_block = false;
  int marker = 0;
  auto put_marker = [&](const char* kind) {
    out += " ~m" + std::to_string(++marker) + " 'MARKER' '" + kind + "'\n";
  };
  auto put_entry = [&](std::string_view col, std::string_view row, double v) {
    out += " ";
    out += col;
    out += " ";
    out += row;
    out += " ";
    put_number(out, v);
    out += "\n";
  };
  for (int j = 0; j < n; ++j) {
    const auto jj = static_cast<std::size_t>(j);
    const bool integer = types[jj] != VarType::kContinuous;
    if (integer != in_integer_block) {
      put_marker(integer ? "INTORG" : "INTEND");
      in_integer_block = integer;
    }
    const bool no_entries = col_start[jj] == col_start[jj + 1];
    if (obj[jj] != 0.0 || no_entries) put_entry(vnames[jj], kObjRow, obj_sign * obj[jj]);
    for (auto k = static_cast<std::size_t>(col_start[jj]);
         k < static_cast<std::size_t>(col_start[jj + 1]); ++k) {
      put_entry(vnames[jj], rnames[static_cast<std::size_t>(entry_row[k])], entry_coef[k]);
    }
  }
  if (in_integer_block) put_marker("INTEND");
  const bool const_col = constant != 0.0 || n == 0;
  if (const_col) put_entry(kConstCol, kObjRow, obj_sign * constant);

  out += "RHS\n";
  for (int r = 0; r < m; ++r) {
    const auto rr = static_cast<std::size_t>(r);
    const double l = rlb[rr];
    const double u = rub[rr];
    if (is_free_row(l, u)) continue;
    const double rhs = l == -kInf ? u : l;
    if (rhs != 0.0) put_entry("RHS", rnames[rr], rhs);
  }
  bool ranges_header = false;
  for (int r = 0; r < m; ++r) {
    const auto rr = static_cast<std::size_t>(r);
    const double l = rlb[rr];
    const double u = rub[rr];
    if (l == -kInf || u == kInf || l == u) continue;
    if (!ranges_header) {
      out += "RANGES\n";
      ranges_header = true;
    }
    put_entry("RNG", rnames[rr], u - l);  // G row: [rhs, rhs + |R|]
  }

  out += "BOUNDS\n";
  auto put_bound = [&](const char* kind, std::string_view col, std::optional<double> v) {
    out += " ";
    out += kind;
    out += " BND ";
    out += col;
    if (v) {
      out += " ";
      put_number(out, *v);
    }
    out += "\n";
  };
  for (int j = 0; j < n; ++j) {
    const auto jj = static_cast<std::size_t>(j);
    const double l = lb[jj];
    const double u = ub[jj];
    const bool integer = types[jj] != VarType::kContinuous;
    const std::string& name = vnames[jj];
    if (l == u) {
      put_bound("FX", name, l);
      continue;
    }
    if (l == -kInf && u == kInf) {
      put_bound("FR", name, std::nullopt);
      continue;
    }
    if (l == -kInf) {
      put_bound("MI", name, std::nullopt);
    } else if (l != 0.0 || u < 0.0) {
      put_bound("LO", name, l);
    }
    if (u != kInf) {
      put_bound("UP", name, u);
    } else if (integer) {
      put_bound("PL", name, std::nullopt);
    }
  }
  if (const_col) put_bound("FX", kConstCol, 1.0);
  out += "ENDATA\n";
  return out;
}

Status write_mps(const Model& model, const std::filesystem::path& file, const MpsOptions& options) {
  Result<std::string> text = to_mps(model, options);
  if (!text) return text.error();
  return write_text(*text, file);
}

// --- LP --------------------------------------------------------------------

namespace {

// Appends " + 3 x" style terms, wrapping long lines.
class LpLine {
 public:
  explicit LpLine(std::string& out) : out_(out), start_(out.size()) {}
  void raw(std::string_view s) { out_ += s; }
  void term(double coef, std::string_view name) {
    std::string t = coef < 0 ? " - " : " + ";
    put_number(t, std::abs(coef));
    t += ' ';
    t += name;
    if (out_.size() - start_ + t.size() > kLpLineWidth) {
      out_ += "\n ";
      start_ = out_.size();
    }
    out_ += t;
  }

 private:
  std::string& out_;
  std::size_t start_;
};

}  // namespace

Result<std::string> to_lp(const Model& model) {
  if (Status s = model.validate(); !s) return s.error();
  const int n = model.num_vars();
  const int m = model.num_rows();
  const auto lb = model.col_lower();
  const auto ub = model.col_upper();
  const auto obj = model.objective();
  const auto types = model.col_types();
  const auto rlb = model.row_lower();
  const auto rub = model.row_upper();
  const auto& vnames = model.var_names();
  const auto& rnames = model.row_names();
  const double constant = model.objective_constant();
  const bool const_col = constant != 0.0 || n == 0;
  // Any column name, for writing "0 x" in otherwise empty expressions.
  const std::string any_col = n > 0 ? vnames[0] : std::string(kConstCol);

  std::string out;
  out.reserve(static_cast<std::size_t>(model.num_nonzeros()) * 24 +
              static_cast<std::size_t>(n) * 40 + static_cast<std::size_t>(m) * 32 + 256);
  out += header_comment(model, "\\");
  if (constant != 0.0) out += "\\ Column ~obj_const (fixed at 1) carries the objective constant.\n";
  out += model.sense() == Sense::kMaximize ? "Maximize\n" : "Minimize\n";
  {
    // Every column appears in the objective, in model order, so readers
    // number the columns like the model does.
    LpLine line(out);
    line.raw(" ");
    line.raw(kObjRow);
    line.raw(":");
    for (int j = 0; j < n; ++j) {
      const auto jj = static_cast<std::size_t>(j);
      line.term(obj[jj], vnames[jj]);
    }
    if (const_col) line.term(constant, kConstCol);
    out += "\n";
  }

  out += "Subject To\n";
  auto put_row = [&](std::size_t r, std::string_view suffix, const char* op, double rhs) {
    LpLine line(out);
    line.raw(" ");
    line.raw(rnames[r]);
    line.raw(suffix);
    line.raw(":");
    const RowTerms terms = model.row_terms(Row{static_cast<int>(r)});
    for (std::size_t k = 0; k < terms.size(); ++k) {
      line.term(terms.coefs[k], vnames[static_cast<std::size_t>(terms.vars[k])]);
    }
    if (terms.size() == 0) line.term(0.0, any_col);
    out += " ";
    out += op;
    out += " ";
    put_number(out, rhs);
    out += "\n";
  };
  for (int r = 0; r < m; ++r) {
    const auto rr = static_cast<std::size_t>(r);
    const double l = rlb[rr];
    const double u = rub[rr];
    if (is_free_row(l, u)) continue;
    if (l == u) {
      put_row(rr, "", "=", l);
    } else if (l == -kInf) {
      put_row(rr, "", "<=", u);
    } else if (u == kInf) {
      put_row(rr, "", ">=", l);
    } else {
      put_row(rr, "~lo", ">=", l);
      put_row(rr, "~hi", "<=", u);
    }
  }

  out += "Bounds\n";
  for (int j = 0; j < n; ++j) {
    const auto jj = static_cast<std::size_t>(j);
    const double l = lb[jj];
    const double u = ub[jj];
    const std::string& name = vnames[jj];
    if (l == 0.0 && u == kInf) continue;  // the default
    out += " ";
    if (l == u) {
      out += name + " = ";
      put_number(out, l);
    } else if (l == -kInf && u == kInf) {
      out += name + " free";
    } else if (u == kInf) {
      out += name + " >= ";
      put_number(out, l);
    } else {
      put_number(out, l);  // "-inf" when unbounded below
      out += " <= " + name + " <= ";
      put_number(out, u);
    }
    out += "\n";
  }
  if (const_col) {
    out += " ";
    out += kConstCol;
    out += " = 1\n";
  }

  if (model.is_mip()) {
    out += "Generals\n";
    std::size_t width = 0;
    for (int j = 0; j < n; ++j) {
      const auto jj = static_cast<std::size_t>(j);
      if (types[jj] == VarType::kContinuous) continue;
      if (width > 0 && width + vnames[jj].size() + 1 > kLpLineWidth) {
        out += "\n";
        width = 0;
      }
      out += " " + vnames[jj];
      width += vnames[jj].size() + 1;
    }
    out += "\n";
  }
  out += "End\n";
  return out;
}

Status write_lp(const Model& model, const std::filesystem::path& file) {
  Result<std::string> text = to_lp(model);
  if (!text) return text.error();
  return write_text(*text, file);
}

// --- Solution files ----------------------------------------------------------

const char* to_string(SolutionFormat format) {
  switch (format) {
    case SolutionFormat::kAuto: return "auto";
    case SolutionFormat::kPlain: return "plain";
    case SolutionFormat::kCbc: return "cbc";
    case SolutionFormat::kGlpkPrint: return "glpk-print";
    case SolutionFormat::kGlpkRaw: return "glpk-raw";
  }
  return "unknown";
}

namespace {

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    if (end == text.size()) break;
    pos = end + 1;
  }
  return lines;
}

std::vector<std::string_view> tokens(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i])) != 0) ++i;
    const std::size_t b = i;
    while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i])) == 0) ++i;
    if (i > b) out.push_back(line.substr(b, i - b));
  }
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())) != 0) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0) s.remove_suffix(1);
  return s;
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) !=
        std::tolower(static_cast<unsigned char>(prefix[i]))) {
      return false;
    }
  }
  return true;
}

std::optional<double> parse_double(std::string_view s) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  double v = 0.0;
  const auto res = std::from_chars(s.data(), s.data() + s.size(), v);
  if (res.ec != std::errc() || res.ptr != s.data() + s.size() || std::isnan(v)) {
    return std::nullopt;
  }
  return v;
}

std::optional<long> parse_int(std::string_view s) {
  long v = 0;
  const auto res = std::from_chars(s.data(), s.data() + s.size(), v);
  if (res.ec != std::errc() || res.ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

class Parser {
 public:
  Parser(std::string_view text, std::string_view origin)
      : lines_(split_lines(text)), origin_(origin) {}

  Result<SolutionFile> run(SolutionFormat format) {
    if (format == SolutionFormat::kAuto) format = detect();
    file_.format = format;
    Status s;
    switch (format) {
      case SolutionFormat::kPlain: s = plain(); break;
      case SolutionFormat::kCbc: s = cbc(); break;
      case SolutionFormat::kGlpkPrint: s = glpk_print(); break;
      case SolutionFormat::kGlpkRaw: s = glpk_raw(); break;
      case SolutionFormat::kAuto: s = Error::internal("format detection failed"); break;
    }
    if (!s) return s.error();
    return std::move(file_);
  }

 private:
  Error error(std::size_t line_index, const std::string& what) const {
    return Error::parse(std::string(origin_) + ":" + std::to_string(line_index + 1) + ": " + what);
  }

  Status add(std::size_t line_index, std::string_view name, double value) {
    auto [it, inserted] = file_.values.emplace(std::string(name), value);
    if (!inserted) return error(line_index, "duplicate value for '" + std::string(name) + "'");
    return Status::Ok();
  }

  SolutionFormat detect() const {
    for (std::string_view raw : lines_) {
      const std::string_view line = trim(raw);
      if (line.empty()) continue;
      if (starts_with_ci(line, "Problem:")) return SolutionFormat::kGlpkPrint;
      const auto t = tokens(line);
      if (t[0] == "c") return SolutionFormat::kGlpkRaw;
      if (t[0] == "s" && t.size() > 1 && (t[1] == "bas" || t[1] == "ipt" || t[1] == "mip")) {
        return SolutionFormat::kGlpkRaw;
      }
      if (line.find("objective value") != std::string_view::npos) return SolutionFormat::kCbc;
      return SolutionFormat::kPlain;
    }
    return SolutionFormat::kPlain;
  }

  static std::optional<SolveStatus> status_word(std::string_view w) {
    if (starts_with_ci(w, "optimal")) return SolveStatus::kOptimal;
    if (starts_with_ci(w, "feasible")) return SolveStatus::kFeasible;
    if (starts_with_ci(w, "infeasible")) return SolveStatus::kInfeasible;
    if (starts_with_ci(w, "unbounded")) return SolveStatus::kUnbounded;
    return std::nullopt;
  }

  Status plain() {
    for (std::size_t i = 0; i < lines_.size(); ++i) {
      const std::string_view line = trim(lines_[i]);
      if (line.empty()) continue;
      if (line.front() == '#') {
        const auto t = tokens(line.substr(1));
        if (t.size() == 2 && t[0] == "status") {
          file_.status = status_word(t[1]);
          if (!file_.status) return error(i, "unknown status '" + std::string(t[1]) + "'");
        } else if (t.size() == 2 && t[0] == "objective") {
          file_.objective = parse_double(t[1]);
          if (!file_.objective) return error(i, "bad objective value '" + std::string(t[1]) + "'");
        }
        continue;
      }
      const auto t = tokens(line);
      if (t.size() != 2) return error(i, "expected 'name value'");
      const auto v = parse_double(t[1]);
      if (!v)
        return error(i, "bad value '" + std::string(t[1]) + "' for '" + std::string(t[0]) + "'");
      if (Status s = add(i, t[0], *v); !s) return s;
    }
    return Status::Ok();
  }

  Status cbc() {
    std::size_t i = 0;
    while (i < lines_.size() && trim(lines_[i]).empty()) ++i;
    if (i == lines_.size()) return error(0, "empty CBC solution file");
    const std::string_view head = trim(lines_[i]);
    if (starts_with_ci(head, "Optimal")) {
      file_.status = SolveStatus::kOptimal;
    } else if (starts_with_ci(head, "Infeasible") || starts_with_ci(head, "Integer infeasible")) {
      file_.status = SolveStatus::kInfeasible;
    } else if (starts_with_ci(head, "Unbounded")) {
      file_.status = SolveStatus::kUnbounded;
    }
    const std::size_t at = head.find("objective value");
    if (at != std::string_view::npos) {
      const auto t = tokens(head.substr(at + std::string_view("objective value").size()));
      if (!t.empty()) file_.objective = parse_double(t[0]);
    }
    // Blocks of "index name value [dual]"; a new block starts when the
    // index does not increase. The last block holds the columns.
    struct Entry {
      std::size_t line;
      std::string_view name;
      double value;
    };
    std::vector<std::vector<Entry>> blocks;
    long previous = -1;
    for (++i; i < lines_.size(); ++i) {
      auto t = tokens(lines_[i]);
      if (t.empty()) continue;
      if (t[0] == "**") t.erase(t.begin());
      if (t.size() < 3) return error(i, "expected 'index name value'");
      const auto index = parse_int(t[0]);
      const auto value = parse_double(t[2]);
      if (!index || !value) return error(i, "expected 'index name value'");
      if (blocks.empty() || *index <= previous) blocks.emplace_back();
      previous = *index;
      blocks.back().push_back({i, t[1], *value});
    }
    if (blocks.size() > 2) return error(i - 1, "more than a row and a column block");
    if (!blocks.empty()) {
      for (const Entry& e : blocks.back()) {
        if (Status s = add(e.line, e.name, e.value); !s) return s;
      }
    }
    if (!file_.status && !file_.values.empty()) file_.status = SolveStatus::kFeasible;
    return Status::Ok();
  }

  Status glpk_print() {
    std::size_t i = 0;
    bool in_columns = false;
    bool saw_columns = false;
    for (; i < lines_.size(); ++i) {
      const std::string_view line = trim(lines_[i]);
      if (!in_columns) {
        if (starts_with_ci(line, "Status:")) {
          const std::string_view st = trim(line.substr(7));
          if (st == "OPTIMAL" || st == "INTEGER OPTIMAL") {
            file_.status = SolveStatus::kOptimal;
          } else if (st == "FEASIBLE" || st == "INTEGER NON-OPTIMAL") {
            file_.status = SolveStatus::kFeasible;
          } else if (st == "INFEASIBLE (FINAL)" || st == "INTEGER EMPTY" || st == "EMPTY") {
            file_.status = SolveStatus::kInfeasible;
          } else if (st == "UNBOUNDED") {
            file_.status = SolveStatus::kUnbounded;
          }
        } else if (starts_with_ci(line, "Objective:")) {
          const std::size_t eq = line.find('=');
          if (eq != std::string_view::npos) {
            const auto t = tokens(line.substr(eq + 1));
            if (!t.empty()) file_.objective = parse_double(t[0]);
          }
        } else if (line.find("Column name") != std::string_view::npos) {
          in_columns = true;
          saw_columns = true;
          ++i;  // the dashes
        }
        continue;
      }
      if (line.empty()) break;  // end of the column table
      auto t = tokens(line);
      if (!parse_int(t[0])) return error(i, "expected a column number");
      if (t.size() < 2) return error(i, "expected a column name");
      const std::string_view name = t[1];
      std::size_t value_line = i;
      std::vector<std::string_view> rest(t.begin() + 2, t.end());
      if (rest.empty()) {  // long name: the numbers are on the next line
        if (i + 1 >= lines_.size()) return error(i, "truncated column entry");
        value_line = ++i;
        rest = tokens(lines_[i]);
      }
      std::optional<double> activity;
      for (std::string_view tok : rest) {
        if (tok == "*" || tok == "B" || tok == "NL" || tok == "NU" || tok == "NF" || tok == "NS") {
          continue;
        }
        activity = parse_double(tok);
        break;
      }
      if (!activity)
        return error(value_line, "expected the activity of '" + std::string(name) + "'");
      if (Status s = add(value_line, name, *activity); !s) return s;
    }
    if (!saw_columns) return error(i == 0 ? 0 : i - 1, "no column table found");
    return Status::Ok();
  }

  Status glpk_raw() {
    char kind = 0;  // 'b'asic, 'i'nterior point, 'm'ip
    bool seen_s = false;
    for (std::size_t i = 0; i < lines_.size(); ++i) {
      const auto t = tokens(lines_[i]);
      if (t.empty() || t[0] == "c") continue;
      if (t[0] == "s") {
        if (t.size() < 5) return error(i, "malformed solution line");
        kind = t[1] == "bas" ? 'b' : t[1] == "ipt" ? 'i' : t[1] == "mip" ? 'm' : 0;
        if (kind == 0) return error(i, "unknown solution kind '" + std::string(t[1]) + "'");
        const auto ncols = parse_int(t[3]);
        if (!ncols || *ncols < 0) return error(i, "bad column count");
        file_.by_index.assign(static_cast<std::size_t>(*ncols), 0.0);
        if (kind == 'b') {  // s bas m n pst dst obj
          if (t.size() < 7) return error(i, "malformed basic solution line");
          const std::string_view p = t[4];
          const std::string_view d = t[5];
          if (p == "f" && d == "f") {
            file_.status = SolveStatus::kOptimal;
          } else if (p == "n") {
            file_.status = SolveStatus::kInfeasible;
          } else if (p == "f" && d == "n") {
            file_.status = SolveStatus::kUnbounded;
          } else if (p == "f") {
            file_.status = SolveStatus::kFeasible;
          }
          file_.objective = parse_double(t[6]);
        } else {  // s ipt|mip m n sst obj
          const std::string_view st = t[4];
          if (st == "o") {
            file_.status = SolveStatus::kOptimal;
          } else if (st == "f") {
            file_.status = SolveStatus::kFeasible;
          } else if (st == "n" || st == "i") {
            file_.status = SolveStatus::kInfeasible;
          }
          if (t.size() > 5) file_.objective = parse_double(t[5]);
        }
        seen_s = true;
        continue;
      }
      if (t[0] == "i") continue;
      if (t[0] == "e") break;
      if (t[0] != "j") return error(i, "unexpected line type '" + std::string(t[0]) + "'");
      if (!seen_s) return error(i, "column line before the solution line");
      // bas: j idx stat prim dual; ipt: j idx prim dual; mip: j idx val.
      const std::size_t at = kind == 'b' ? 3 : 2;
      if (t.size() <= at) return error(i, "malformed column line");
      const auto idx = parse_int(t[1]);
      const auto v = parse_double(t[at]);
      if (!idx || *idx < 1 || static_cast<std::size_t>(*idx) > file_.by_index.size() || !v) {
        return error(i, "malformed column line");
      }
      file_.by_index[static_cast<std::size_t>(*idx - 1)] = *v;
    }
    if (!seen_s) return error(0, "no solution line ('s ...') found");
    return Status::Ok();
  }

  std::vector<std::string_view> lines_;
  std::string_view origin_;
  SolutionFile file_;
};

}  // namespace

Result<SolutionFile> parse_solution(std::string_view text, std::string_view origin,
                                    SolutionFormat format) {
  return Parser(text, origin).run(format);
}

Result<SolutionFile> read_solution_file(const std::filesystem::path& file, SolutionFormat format) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return Error::io("cannot open solution file '" + file.string() + "'");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return Error::io("error while reading '" + file.string() + "'");
  const std::string text = buffer.str();
  return parse_solution(text, file.string(), format);
}

Result<Solution> solution_for_model(const Model& model, const SolutionFile& file) {
  const auto n = static_cast<std::size_t>(model.num_vars());
  Solution s;
  s.backend = std::string("file (") + to_string(file.format) + ")";
  if (file.status == SolveStatus::kInfeasible || file.status == SolveStatus::kUnbounded) {
    s.status = *file.status;
    s.message = "solution file reports " + std::string(to_string(*file.status));
    return s;
  }
  s.values.assign(n, 0.0);
  if (file.format == SolutionFormat::kGlpkRaw) {
    // Our writers append ~obj_const as the last column when there is one.
    if (file.by_index.size() != n && file.by_index.size() != n + 1) {
      return Error::invalid("solution file has " + std::to_string(file.by_index.size()) +
                            " columns, the model has " + std::to_string(n));
    }
    std::copy_n(file.by_index.begin(), n, s.values.begin());
  }
  for (const auto& [name, value] : file.values) {
    if (!name.empty() && name.front() == '~') continue;
    const std::optional<Var> var = model.find_var(name);
    if (!var) {
      return Error::not_found("solution file names variable '" + name +
                              "', which the model does not have");
    }
    s.values[static_cast<std::size_t>(var->index)] = value;
  }
  const auto types = model.col_types();
  for (std::size_t j = 0; j < n; ++j) {
    if (types[j] == VarType::kContinuous) continue;
    const double r = std::round(s.values[j]);
    if (std::abs(s.values[j] - r) <= 1e-6) s.values[j] = r;
  }
  const double violation = model.max_violation(s.values);
  s.objective = model.evaluate_objective(s.values);
  if (violation > 1e-5) {
    s.status = SolveStatus::kError;
    s.message = "the values violate the model by " + std::to_string(violation);
    s.values.clear();
    return s;
  }
  s.status = file.status.value_or(SolveStatus::kFeasible);
  if (s.status == SolveStatus::kOptimal) {
    s.bound = s.objective;
    s.gap = 0.0;
  }
  s.message = "read from a " + std::string(to_string(file.format)) + " solution file";
  return s;
}

}  // namespace cloudnet::solver
