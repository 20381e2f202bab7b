#include "console/token.h"

#include <sys/random.h>

#include <cerrno>
#include <cstdint>
#include <vector>

#include "console/io.h"

namespace cloudnet::console::token {

Result<std::string> random_hex(std::size_t bytes) {
  std::vector<unsigned char> raw(bytes);
  std::size_t got = 0;
  while (got < bytes) {
    // Flags 0: the urandom pool, blocking only until it is first seeded.
    ssize_t n = ::getrandom(raw.data() + got, bytes - got, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error::internal("getrandom: " + io::errno_text(errno));
    }
    got += static_cast<std::size_t>(n);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * bytes);
  for (unsigned char c : raw) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 0xf]);
  }
  return out;
}

Result<std::string> generate() {
  return random_hex(kSelectorBytes + kVerifierBytes);
}

bool well_formed(std::string_view token) {
  if (token.size() != kLength) return false;
  for (char c : token) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string_view selector(std::string_view token) {
  return token.substr(0, 2 * kSelectorBytes);
}

std::string_view verifier(std::string_view token) {
  return token.size() > 2 * kSelectorBytes ? token.substr(2 * kSelectorBytes) : std::string_view();
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  // volatile keeps the compiler from turning the loop into an early-exit memcmp.
  volatile std::uint8_t diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff = static_cast<std::uint8_t>(
        diff | (static_cast<std::uint8_t>(a[i]) ^ static_cast<std::uint8_t>(b[i])));
  }
  return diff == 0;
}

}  // namespace cloudnet::console::token
