#include <algorithm>
#include <cmath>

#include "flerd/import/builder.h"
#include "flerd/import/import.h"

namespace cloudnet::flerd {

const char* to_string(ImportFormat f) {
  switch (f) {
    case ImportFormat::kRocketfuel: return "rocketfuel";
    case ImportFormat::kGraphml: return "graphml";
    case ImportFormat::kSndlib: return "sndlib";
    case ImportFormat::kGml: return "gml";
  }
  return "?";
}

namespace {
std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}
}  // namespace

std::optional<ImportFormat> import_format_from_name(std::string_view name) {
  const std::string n = lower(name);
  if (n == "rocketfuel") return ImportFormat::kRocketfuel;
  if (n == "graphml") return ImportFormat::kGraphml;
  if (n == "sndlib") return ImportFormat::kSndlib;
  if (n == "gml") return ImportFormat::kGml;
  return std::nullopt;
}

std::optional<ImportFormat> import_format_from_path(std::string_view path) {
  const auto dot = path.rfind('.');
  const auto slash = path.find_last_of('/');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash))
    return std::nullopt;
  const std::string ext = lower(path.substr(dot + 1));
  if (ext == "intra") return ImportFormat::kRocketfuel;
  if (ext == "graphml") return ImportFormat::kGraphml;
  if (ext == "json") return ImportFormat::kSndlib;
  if (ext == "gml") return ImportFormat::kGml;
  return std::nullopt;
}

Result<Document> import_topology(ImportFormat format, const std::string& path,
                                 const ImportOptions& opts,
                                 const std::optional<std::string>& latencies_path) {
  if (latencies_path && format != ImportFormat::kRocketfuel) {
    return Error::invalid(
        std::string("a latencies file is only read with the rocketfuel format, not ") +
        to_string(format));
  }
  switch (format) {
    case ImportFormat::kRocketfuel: return import_rocketfuel(path, latencies_path, opts);
    case ImportFormat::kGraphml: return import_graphml(path, opts);
    case ImportFormat::kSndlib: return import_sndlib(path, opts);
    case ImportFormat::kGml: return import_gml(path, opts);
  }
  return Error::internal("unknown import format");
}

Result<Document> import_topology(std::string_view format_name, const std::string& path,
                                 const ImportOptions& opts,
                                 const std::optional<std::string>& latencies_path) {
  auto f = import_format_from_name(format_name);
  if (!f) {
    return Error::invalid("unknown import format '" + std::string(format_name) +
                          "'; expected rocketfuel, graphml, sndlib or gml");
  }
  return import_topology(*f, path, opts, latencies_path);
}

double great_circle_latency_ms(double lat1, double lon1, double lat2, double lon2) {
  constexpr double kPi = 3.14159265358979323846;
  constexpr double kEarthRadiusKm = 6371.0088;  // mean radius (IUGG)
  constexpr double kFibreKmPerMs = 200.0;       // ~2e5 km/s: c / refractive index ~1.47
  const double rad = kPi / 180.0;
  const double p1 = lat1 * rad;
  const double p2 = lat2 * rad;
  const double dp = (lat2 - lat1) * rad;
  const double dl = (lon2 - lon1) * rad;
  // Haversine: d = 2 R asin(sqrt(sin^2(dp/2) + cos p1 cos p2 sin^2(dl/2))).
  const double h = std::sin(dp / 2) * std::sin(dp / 2) +
                   std::cos(p1) * std::cos(p2) * std::sin(dl / 2) * std::sin(dl / 2);
  const double km = 2 * kEarthRadiusKm * std::asin(std::sqrt(std::clamp(h, 0.0, 1.0)));
  return std::round(km / kFibreKmPerMs * 1000.0) / 1000.0;
}

}  // namespace cloudnet::flerd
