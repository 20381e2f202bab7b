// Shared by the benchmarks: a platform-independent random source, a plain
// undirected graph, Rocketfuel maps through the importer and connected
// random subgraphs of them (the thesis draws substrates and VNet topologies
// as connected subsets of Rocketfuel maps, 5.6.2 and 6.4.3).
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "flerd/model.h"

namespace cloudnet::bench {

inline std::size_t at(int i) {
  return static_cast<std::size_t>(i);
}

// prefix + i + suffix, by appending: GCC 12 gives a false -Wrestrict on
// "literal" + std::to_string(i) (it inserts at the front).
inline std::string name(const char* prefix, std::size_t i, const char* suffix = "") {
  std::string s = prefix;
  s += std::to_string(i);
  s += suffix;
  return s;
}

// Prints "<program>: <what>" and exits 1.
[[noreturn]] void die(const std::string& what);
// The program name die() uses.
void set_program_name(const char* name);

// Platform-independent draws on top of mt19937_64 (its sequence is fixed by
// the standard, the distributions' are not).
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : g_(seed * 0x9E3779B97F4A7C15ULL + 977) {}
  int uniform(int lo, int hi) {  // inclusive
    return lo + static_cast<int>(g_() % static_cast<std::uint64_t>(hi - lo + 1));
  }
  double unit() { return static_cast<double>(g_() >> 11) * 0x1.0p-53; }
  template <class T>
  void shuffle(std::vector<T>& v) {
    for (std::size_t i = v.size(); i > 1; --i) {
      const std::size_t j = static_cast<std::size_t>(g_() % i);
      std::swap(v[i - 1], v[j]);
    }
  }

 private:
  std::mt19937_64 g_;
};

struct Graph {
  std::vector<std::string> names;
  std::vector<std::pair<int, int>> edges;
  std::vector<double> latency;  // per edge, ms
  // From imported documents: the vocab::kCpu resource per node and the
  // vocab::kBandwidth resource per edge, 0 where absent.
  std::vector<double> cpu;
  std::vector<double> bw;
  std::vector<std::vector<int>> adj;  // per node: incident edge indices
  int size() const { return static_cast<int>(names.size()); }
  void add_edge(int a, int b, double lat = 0, double bandwidth = 0);
};

// The node and link elements of an imported Document (flerd/import/import.h:
// link elements with two interfaces connected to interfaces of their end
// nodes); `what` names it in errors.
Graph graph_from_document(const flerd::Document& doc, const std::string& what);
// A virne GML graph (../shared/benchmarks) through the importer; with
// `as_request` as a request (v_nets), else as a substrate (p_net).
Graph load_gml(const std::string& path, bool as_request);
// Rocketfuel map `as` from `dir`/<as>/{weights,latencies}.intra through the
// importer (flerd/import/import.h).
Graph load_rocketfuel(const std::string& dir, const std::string& as);
// The first k nodes a BFS from `start` visits, neighbours in random order;
// dies if the component is smaller.
std::vector<int> bfs_subset(const Graph& g, int start, int k, Rng& rng);
Graph induced(const Graph& g, const std::vector<int>& nodes);
// A BFS subset of k nodes from a random start, induced edges (g itself if
// k >= its size).
Graph random_connected_subgraph(const Graph& g, int k, Rng& rng);

}  // namespace cloudnet::bench
