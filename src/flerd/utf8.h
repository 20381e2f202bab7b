// UTF-8 helpers shared by the readers and the importers. FleRD text must be
// representable in all three forms, so "valid" here also excludes the
// code points XML 1.0 cannot carry (surrogates, U+FFFE, U+FFFF).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cloudnet::flerd {

// Length of the valid UTF-8 sequence starting at s[i], or 0 if it is not one.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i);
// Offset of the first byte that does not start a valid sequence, if any.
std::optional<std::size_t> first_invalid_utf8(std::string_view s);
// Appends code point `cp` encoded as UTF-8.
void append_utf8(std::string& out, std::uint32_t cp);

}  // namespace cloudnet::flerd
