// A self-signed certificate made at test time, for the HTTPS tests of the
// HTTP layer, the daemon and the end-to-end suites: no key material is
// committed, and every run gets a fresh key.
#pragma once

#include <string>

namespace cloudnet::http::testing {

// Writes a fresh P-256 key (PEM) to `key_file` and a self-signed CA
// certificate for it to `cert_file`, valid from a minute ago for an hour,
// with the subjectAltName `san` (e.g. "DNS:localhost,IP:127.0.0.1"). The
// certificate is its own CA, so clients trust it through ca_file. False on
// any OpenSSL or file failure.
bool make_self_signed(const std::string& cert_file, const std::string& key_file,
                      const std::string& san);

}  // namespace cloudnet::http::testing
