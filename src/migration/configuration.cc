#include "migration/configuration.h"

#include <limits>
#include <string>

namespace cloudnet::migration {
namespace {

constexpr std::size_t kMax = std::numeric_limits<std::size_t>::max();

std::size_t mul(std::size_t a, std::size_t b) {
  if (a != 0 && b > kMax / a) return kMax;
  return a * b;
}

}  // namespace

std::size_t configuration_count(int n, int k) {
  std::size_t total = 0;
  std::size_t binom = 1;  // C(n, i)
  for (int i = 1; i <= k && i <= n; ++i) {
    // C(n, i) = C(n, i-1)·(n-i+1)/i, exact at every step.
    const std::size_t num = mul(binom, static_cast<std::size_t>(n - i + 1));
    binom = num == kMax ? kMax : num / static_cast<std::size_t>(i);
    const std::size_t add = mul(binom, (std::size_t{1} << i) - 1);
    total = add > kMax - total ? kMax : total + add;
  }
  return total;
}

Result<std::vector<Placement>> enumerate_configurations(int n, int k, std::size_t limit) {
  if (n < 1 || k < 1) return Error::invalid("need n >= 1 nodes and k >= 1 servers");
  if (k > 16) return Error::invalid("k must be <= 16");
  const std::size_t count = configuration_count(n, k);
  if (count > limit) {
    return Error::unavailable(
        std::to_string(count) + " configurations for n = " + std::to_string(n) +
        ", k = " + std::to_string(k) + " exceed the limit of " + std::to_string(limit));
  }
  std::vector<Placement> out;
  out.reserve(count);
  for (int size = 1; size <= k && size <= n; ++size) {
    std::vector<NodeId> set(size);
    for (int i = 0; i < size; ++i) set[i] = i;
    while (true) {
      for (unsigned mask = 1; mask < (1u << size); ++mask) {
        Placement p;
        for (int i = 0; i < size; ++i) ((mask >> i) & 1u ? p.active : p.inactive).push_back(set[i]);
        out.push_back(std::move(p));
      }
      // Next size-subset in lexicographic order.
      int i = size - 1;
      while (i >= 0 && set[i] == n - size + i) --i;
      if (i < 0) break;
      ++set[i];
      for (int j = i + 1; j < size; ++j) set[j] = set[j - 1] + 1;
    }
  }
  return out;
}

}  // namespace cloudnet::migration
