#include "migration/plot.h"

#include <cstdio>
#include <string>

namespace cloudnet::migration {
namespace {

// gnuplot single-quoted string: only the quote itself needs doubling.
std::string quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

}  // namespace

Status write_png_plot(const PlotSpec& spec, const std::string& png_path) {
  std::string script = "set terminal pngcairo size 800,500 noenhanced\n";
  script += "set output " + quoted(png_path) + "\n";
  script += "set title " + quoted(spec.title) + "\n";
  script += "set xlabel " + quoted(spec.xlabel) + "\n";
  script += "set ylabel " + quoted(spec.ylabel) + "\n";
  script += "set key outside right\nset grid\n";
  for (std::size_t i = 0; i < spec.series.size(); ++i) {
    script += "$d" + std::to_string(i) + " << EOD\n";
    const auto& s = spec.series[i];
    for (std::size_t j = 0; j < s.x.size() && j < s.y.size(); ++j) {
      script += std::to_string(s.x[j]) + " " + std::to_string(s.y[j]) + "\n";
    }
    script += "EOD\n";
  }
  script += "plot ";
  for (std::size_t i = 0; i < spec.series.size(); ++i) {
    if (i) script += ", ";
    script += "$d" + std::to_string(i) + " using 1:2 with " +
              (spec.steps ? "steps" : "linespoints") + " lw 2 title " +
              quoted(spec.series[i].title);
  }
  script += "\n";
  FILE* pipe = popen("gnuplot 2>&1", "w");
  if (pipe == nullptr) return Error::unavailable("cannot start gnuplot");
  const bool written = std::fwrite(script.data(), 1, script.size(), pipe) == script.size();
  const int status = pclose(pipe);
  if (!written || status != 0) {
    return Error::unavailable("gnuplot failed writing '" + png_path +
                              "' (is the Debian package gnuplot-nox installed?)");
  }
  return Status::Ok();
}

}  // namespace cloudnet::migration
