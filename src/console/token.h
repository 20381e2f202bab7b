// One-time console tokens (thesis 3.3.5, 4.3.2: the prototype's
// ConsoleInterface used "canonic IP addresses, transport protocol, and port
// information in combination with username password credentials"; we hand
// out one random token per ticket instead).
//
// A token is a public selector followed by a secret verifier, both hex:
// the relay finds the ticket by selector and compares the verifier in
// constant time, so lookup timing reveals nothing about the secret part.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/result.h"

namespace cloudnet::console::token {

inline constexpr std::size_t kSelectorBytes = 8;   // 64 bits: lookup key, not a secret
inline constexpr std::size_t kVerifierBytes = 32;  // 256 bits from the kernel CSPRNG
inline constexpr std::size_t kLength = 2 * (kSelectorBytes + kVerifierBytes);

// `bytes` random bytes from getrandom(2) as lowercase hex.
Result<std::string> random_hex(std::size_t bytes);

// A fresh token: selector + verifier, kLength hex characters.
Result<std::string> generate();

// True when `token` has the shape of a token (length, lowercase hex).
bool well_formed(std::string_view token);

std::string_view selector(std::string_view token);
std::string_view verifier(std::string_view token);

// Compares without an early exit, so the time taken does not depend on
// where the first difference is. Lengths are public (fixed token format).
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace cloudnet::console::token
