// PNG line plots through gnuplot (Debian package gnuplot-nox), for the
// figures of `cloudnet migration-sim --plot` and the benchmark.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"

namespace cloudnet::migration {

struct PlotSeries {
  std::string title;
  std::vector<double> x;
  std::vector<double> y;
};

struct PlotSpec {
  std::string title;
  std::string xlabel;
  std::string ylabel;
  std::vector<PlotSeries> series;
  bool steps = false;  // step lines (placements over time) instead of lines with points
};

// kUnavailable if gnuplot cannot be run, kIo if it fails.
Status write_png_plot(const PlotSpec& spec, const std::string& png_path);

}  // namespace cloudnet::migration
