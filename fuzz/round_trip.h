// The property every FleRD fuzzer checks: reading arbitrary bytes never
// crashes, hangs or trips a sanitizer, and a document that reads without
// errors survives being written in each of the three forms and read back:
// the re-read document equals the first (operator== compares every schema
// field), validates the same, and writes the same text again.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "flerd/io.h"
#include "flerd/validate.h"

namespace cloudnet::fuzz {

// Reports a broken round trip with both documents in JSON form (diff them)
// and what the written text was, then aborts so libFuzzer saves the input.
[[noreturn]] inline void fail(const char* what, flerd::Format form, const flerd::Document& first,
                              const std::string& written, const flerd::Loaded& again) {
  std::fprintf(stderr,
               "FleRD round trip through %s: %s\n--- first document (as JSON) ---\n%s\n"
               "--- written %s ---\n%s\n--- read back (as JSON) ---\n%s\n--- diagnostics ---\n%s",
               flerd::to_string(form), what,
               flerd::write_string(first, flerd::Format::kJson).substr(0, 20000).c_str(),
               flerd::to_string(form), written.substr(0, 20000).c_str(),
               flerd::write_string(again.document, flerd::Format::kJson).substr(0, 20000).c_str(),
               again.diagnostics.format().c_str());
  std::abort();
}

inline int check_round_trip(const std::uint8_t* data, std::size_t size, flerd::Format input) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  // Everything, as `cloudnet validate` reads it: nothing may crash.
  (void)flerd::read_string(text, input, "fuzz");

  // Parse + decode + resolve; the round trip starts from any document that
  // has no errors so far, valid or not.
  flerd::ReadOptions no_validation;
  no_validation.validate = false;
  const flerd::Loaded first = flerd::read_string(text, input, "fuzz", no_validation);
  if (!first.ok()) return 0;
  const flerd::Diagnostics verdict = flerd::validate(first.document);

  for (const flerd::Format form :
       {flerd::Format::kXml, flerd::Format::kYaml, flerd::Format::kJson}) {
    const std::string written = flerd::write_string(first.document, form);
    const flerd::Loaded again = flerd::read_string(written, form, "written", no_validation);
    if (!again.ok())
      fail("the written document does not read back", form, first.document, written, again);
    if (!(again.document == first.document))
      fail("the re-read document differs from the first", form, first.document, written, again);
    const flerd::Diagnostics verdict2 = flerd::validate(again.document);
    if (verdict2.error_count() != verdict.error_count() ||
        verdict2.warning_count() != verdict.warning_count()) {
      std::fprintf(stderr, "--- first verdict ---\n%s--- second verdict ---\n%s",
                   verdict.format().c_str(), verdict2.format().c_str());
      fail("the re-read document validates differently", form, first.document, written, again);
    }
    if (flerd::write_string(again.document, form) != written)
      fail("writing the re-read document gives different text", form, first.document, written,
           again);
  }
  return 0;
}

}  // namespace cloudnet::fuzz
