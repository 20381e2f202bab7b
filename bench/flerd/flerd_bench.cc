// FleRD reader/writer benchmark. A 10,000-element substrate (5,000 nodes with
// CPU/RAM/disk Resources and features, 5,000 links with bandwidth and
// latency, every link's interfaces connected to node interfaces) is built in
// memory; for each form (XML, YAML, JSON) the benchmark measures
//   write            write_string
//   parse            read_string without validation (parse + decode + resolve)
//   resolve+validate Document::resolve() + validate() on the parsed document
//   read             read_string as `cloudnet validate` does it (all of it)
//   raw              the underlying library alone on the same text (pugixml
//                    load_buffer, YAML::Load, nlohmann::json::parse): the
//                    baseline that shows what the model layer costs.
// Google Benchmark's table comes first, then a summary with documents per
// second, MB/s, microseconds per element and the parse/raw ratio.
//
//   build/bin/bench_flerd                        everything
//   build/bin/bench_flerd --benchmark_filter=XML  one form
#include <benchmark/benchmark.h>
#include <yaml-cpp/yaml.h>

#include <unistd.h>

#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>
#include <string>
#include <vector>

#include "flerd/io.h"
#include "flerd/validate.h"
#include "flerd/vocabulary.h"

namespace {

using cloudnet::flerd::Document;
using cloudnet::flerd::Format;
using cloudnet::flerd::Loaded;
using cloudnet::flerd::ReadOptions;

constexpr int kNodes = 5000;
constexpr int kLinks = 5000;
constexpr int kElements = kNodes + kLinks;

template <class T>
cloudnet::flerd::Ref<T> ref(std::string id) {
  cloudnet::flerd::Ref<T> r;
  r.id = std::move(id);
  return r;
}

cloudnet::flerd::Resource resource(std::string id, const char* attribute, double value,
                                   const char* unit) {
  cloudnet::flerd::Resource r;
  r.id = std::move(id);
  r.attribute = attribute;
  r.value = value;
  r.resource_unit = unit;
  r.value_type = cloudnet::flerd::vocab::kMaximum;
  return r;
}

cloudnet::flerd::Feature feature(const char* attribute, std::string value, int priority) {
  cloudnet::flerd::Feature f;
  f.attribute = attribute;
  f.value = std::move(value);
  f.priority = priority;
  return f;
}

// A ring of kNodes servers joined by kLinks Ethernet links: link i joins
// node i and node i+1, so every node has two interfaces, each connected to
// one end of a link.
Document make_substrate() {
  namespace vocab = cloudnet::flerd::vocab;
  Document doc;
  doc.namespaces["s"] = "urn:cloudnet:bench";
  auto& topo = doc.topologies.emplace_back();
  auto& gl = topo.graphLabel.emplace();
  gl.id = "s:ul0";
  gl.role_identifier = "PIP1";
  gl.graph_type = cloudnet::flerd::GraphType::UL;
  gl.graph_nr = 0;
  static const char* const kCountries[] = {"/EU/Germany", "/EU/France", "/NA/USA", "/NA/Canada",
                                           "/Asia/Japan"};
  auto node_id = [](int n) { return "s:n" + std::to_string(n); };
  auto link_id = [](int l) { return "s:l" + std::to_string(l); };
  for (int n = 0; n < kNodes; ++n) {
    auto& ne = topo.networkElements.emplace_back();
    ne.id = node_id(n);
    ne.identifier = "server" + std::to_string(n);
    ne.ne_type = vocab::kNodeServer;
    ne.graphLabel = ref<cloudnet::flerd::GraphLabel>(gl.id);
    for (const char* kind : {"cpu", "ram", "disk"})
      ne.resource.push_back(ref<cloudnet::flerd::Resource>(ne.id + kind));
    topo.resources.push_back(resource(ne.id + "cpu", vocab::kCpu, 16 + n % 48, "cores"));
    topo.resources.push_back(resource(ne.id + "ram", vocab::kRam, 64 + n % 192, "GB"));
    topo.resources.push_back(resource(ne.id + "disk", vocab::kDisk, 1000 + n % 4000, "GB"));
    ne.features.push_back(feature(vocab::kCountry, kCountries[n % 5], 1));
    ne.features.push_back(feature(vocab::kLatitude, std::to_string(-90.0 + (n * 7) % 180), 2));
    for (int side = 0; side < 2; ++side) {
      // Interface 0 faces link n-1, interface 1 faces link n.
      const int link = side == 0 ? (n + kLinks - 1) % kLinks : n;
      auto& ni = ne.networkInterfaces.emplace_back();
      ni.id = ne.id + "i" + std::to_string(side);
      ni.identifier = "eth" + std::to_string(side);
      ni.ni_type = vocab::kInterfaceEthernet;
      ni.connectedInterface =
          ref<cloudnet::flerd::NetworkInterface>(link_id(link) + "i" + (side == 0 ? "1" : "0"));
    }
  }
  for (int l = 0; l < kLinks; ++l) {
    auto& ne = topo.networkElements.emplace_back();
    ne.id = link_id(l);
    ne.identifier = "link" + std::to_string(l);
    ne.ne_type = vocab::kLinkEthernet;
    ne.graphLabel = ref<cloudnet::flerd::GraphLabel>(gl.id);
    ne.resource.push_back(ref<cloudnet::flerd::Resource>(ne.id + "bw"));
    ne.resource.push_back(ref<cloudnet::flerd::Resource>(ne.id + "lat"));
    topo.resources.push_back(
        resource(ne.id + "bw", vocab::kBandwidth, 1000 * (1 + l % 10), "Mbps"));
    topo.resources.push_back(resource(ne.id + "lat", vocab::kLatency, 0.5 + (l % 20) * 0.25, "ms"));
    for (int side = 0; side < 2; ++side) {
      // End 0 joins node l's interface 1, end 1 joins node l+1's interface 0.
      auto& ni = ne.networkInterfaces.emplace_back();
      ni.id = ne.id + "i" + std::to_string(side);
      ni.identifier = side == 0 ? "a" : "b";
      ni.ni_type = vocab::kInterfaceEthernet;
      const int node = side == 0 ? l : (l + 1) % kNodes;
      ni.connectedInterface =
          ref<cloudnet::flerd::NetworkInterface>(node_id(node) + "i" + (side == 0 ? "1" : "0"));
    }
  }
  doc.resolve();
  return doc;
}

struct Fixture {
  Document doc = make_substrate();
  std::map<Format, std::string> text;
  std::map<Format, Document> parsed;  // read without validation

  Fixture() {
    for (Format f : {Format::kXml, Format::kYaml, Format::kJson}) {
      text[f] = cloudnet::flerd::write_string(doc, f);
      Loaded full = cloudnet::flerd::read_string(text[f], f, "bench");
      if (!full.ok() || !(full.document == doc)) {
        std::fprintf(stderr, "bench: the generated %s document does not read back:\n%s",
                     cloudnet::flerd::to_string(f), full.diagnostics.format().c_str());
        std::abort();
      }
      parsed[f] = std::move(full.document);
    }
  }
};

const Fixture& fixture() {
  static const Fixture f;
  return f;
}

ReadOptions no_validation() {
  ReadOptions o;
  o.validate = false;
  return o;
}

void set_counters(benchmark::State& state, std::size_t bytes) {
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
  state.counters["docs/s"] = benchmark::Counter(1, benchmark::Counter::kIsIterationInvariantRate);
  // Seconds per element; printed with an SI prefix (e.g. 12.3u = 12.3 us).
  state.counters["time/elem"] = benchmark::Counter(
      kElements, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

void bm_write(benchmark::State& state, Format f) {
  const Fixture& fx = fixture();
  for (auto _ : state) {
    std::string s = cloudnet::flerd::write_string(fx.doc, f);
    benchmark::DoNotOptimize(s.data());
  }
  set_counters(state, fx.text.at(f).size());
}

void bm_parse(benchmark::State& state, Format f) {
  const Fixture& fx = fixture();
  const std::string& text = fx.text.at(f);
  for (auto _ : state) {
    Loaded l = cloudnet::flerd::read_string(text, f, "bench", no_validation());
    if (!l.ok()) state.SkipWithError("parse failed");
    benchmark::DoNotOptimize(l.document.topologies.data());
  }
  set_counters(state, text.size());
}

void bm_resolve_validate(benchmark::State& state, Format f) {
  const Fixture& fx = fixture();
  Document doc = fx.parsed.at(f);
  for (auto _ : state) {
    auto d = doc.resolve();
    d.append(cloudnet::flerd::validate(doc));
    if (d.has_errors()) state.SkipWithError("validation failed");
    benchmark::DoNotOptimize(d.items().data());
  }
  set_counters(state, fx.text.at(f).size());
}

void bm_read(benchmark::State& state, Format f) {
  const Fixture& fx = fixture();
  const std::string& text = fx.text.at(f);
  for (auto _ : state) {
    Loaded l = cloudnet::flerd::read_string(text, f, "bench");
    if (!l.ok()) state.SkipWithError("read failed");
    benchmark::DoNotOptimize(l.document.topologies.data());
  }
  set_counters(state, text.size());
}

void bm_raw(benchmark::State& state, Format f) {
  const Fixture& fx = fixture();
  const std::string& text = fx.text.at(f);
  for (auto _ : state) {
    switch (f) {
      case Format::kXml: {
        pugi::xml_document d;
        auto r = d.load_buffer(text.data(), text.size(), pugi::parse_default, pugi::encoding_utf8);
        if (!r) state.SkipWithError("pugixml failed");
        benchmark::DoNotOptimize(d.first_child());
        break;
      }
      case Format::kYaml: {
        YAML::Node n = YAML::Load(text);
        benchmark::DoNotOptimize(n.IsMap());
        break;
      }
      case Format::kJson: {
        nlohmann::json j = nlohmann::json::parse(text);
        benchmark::DoNotOptimize(j.is_object());
        break;
      }
    }
  }
  set_counters(state, text.size());
}

const char* form_name(Format f) {
  switch (f) {
    case Format::kXml: return "XML";
    case Format::kYaml: return "YAML";
    case Format::kJson: return "JSON";
  }
  return "?";
}

const char* raw_name(Format f) {
  switch (f) {
    case Format::kXml: return "raw(pugixml)";
    case Format::kYaml: return "raw(yaml-cpp)";
    case Format::kJson: return "raw(nlohmann)";
  }
  return "?";
}

// Keeps the CPU time per iteration (ms) of every run for the summary, the
// best one when --benchmark_repetitions repeats them. CPU time rather than
// wall time: the code is single-threaded and the machine may be shared, so
// wall time would measure the neighbours too (Google Benchmark's rate
// counters are CPU-time based as well).
class SummaryReporter : public benchmark::ConsoleReporter {
 public:
  SummaryReporter() : ConsoleReporter(::isatty(1) ? OO_Defaults : OO_Tabular) {}

  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const auto& r : runs) {
      if (r.error_occurred) continue;
      // run_name without the "/repeats:N" suffix.
      const std::string name = r.run_name.function_name;
      const double ms = r.GetAdjustedCPUTime() *
                        benchmark::GetTimeUnitMultiplier(benchmark::kMillisecond) /
                        benchmark::GetTimeUnitMultiplier(r.time_unit);
      if (r.run_type == Run::RT_Iteration) {
        auto [it, fresh] = best_.emplace(name, ms);
        if (!fresh && ms < it->second) it->second = ms;
      } else if (r.aggregate_name == "median") {  // --benchmark_report_aggregates_only
        median_[name] = ms;
      }
    }
  }
  double ms(const std::string& name) const {
    if (auto it = best_.find(name); it != best_.end()) return it->second;
    auto it = median_.find(name);
    return it == median_.end() ? 0 : it->second;
  }

 private:
  std::map<std::string, double> best_;
  std::map<std::string, double> median_;
};

void print_summary(const SummaryReporter& rep) {
  const Fixture& fx = fixture();
  std::printf("\nFleRD I/O summary (CPU time): %d elements (%d nodes, %d links), %zu objects\n",
              kElements, kNodes, kLinks, fx.doc.object_count());
  std::printf("%-5s %7s | %-17s | %8s %7s | %-16s %9s | %-17s | %9s %7s %9s\n", "form", "MB",
              "write ms (MB/s)", "parse ms", "MB/s", "raw parse ms", "parse/raw",
              "resolve+valid. ms", "read ms", "docs/s", "us/elem");
  for (Format f : {Format::kXml, Format::kYaml, Format::kJson}) {
    const std::string n = form_name(f);
    const double mb = static_cast<double>(fx.text.at(f).size()) / 1e6;
    const double write = rep.ms(n + "/write");
    const double parse = rep.ms(n + "/parse");
    const double raw = rep.ms(n + "/" + raw_name(f));
    const double rv = rep.ms(n + "/resolve+validate");
    const double read = rep.ms(n + "/read");
    if (write + parse + raw + rv + read == 0) continue;  // filtered out
    auto rate = [&](double ms) { return ms > 0 ? mb / (ms / 1e3) : 0.0; };
    std::printf(
        "%-5s %7.2f | %8.1f (%6.1f) | %8.1f %7.1f | %8.1f (%5.1f)  %8.2fx | %17.1f | %9.1f %7.2f "
        "%9.2f\n",
        n.c_str(), mb, write, rate(write), parse, rate(parse), raw, rate(raw),
        raw > 0 ? parse / raw : 0.0, rv, read, read > 0 ? 1e3 / read : 0.0, read * 1e3 / kElements);
  }
  std::printf(
      "parse = read_string without validation (text -> tree -> model, references resolved);\n"
      "raw = the library alone on the same text; parse/raw = what the model layer costs;\n"
      "read = the full read_string of `cloudnet validate`; docs/s and us/elem are for read.\n");
}

}  // namespace

int main(int argc, char** argv) {
  for (Format f : {Format::kXml, Format::kYaml, Format::kJson}) {
    const std::string n = form_name(f);
    benchmark::RegisterBenchmark((n + "/write").c_str(), bm_write, f)
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark((n + "/" + raw_name(f)).c_str(), bm_raw, f)
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark((n + "/parse").c_str(), bm_parse, f)
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark((n + "/resolve+validate").c_str(), bm_resolve_validate, f)
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark((n + "/read").c_str(), bm_read, f)->Unit(benchmark::kMillisecond);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  fixture();  // build the documents before any timing
  SummaryReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  print_summary(reporter);
  benchmark::Shutdown();
  return 0;
}
