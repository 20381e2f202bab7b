#!/usr/bin/env bash
# Writes the malformed documents that are binary or large, so they need not
# be committed: tests/malformed/generate.sh OUTDIR. Deterministic: the same
# bytes every run. expected.txt lists them with the committed ones.
set -euo pipefail
out=${1:?usage: generate.sh OUTDIR}
mkdir -p "$out"
cd "$out"
export LC_ALL=C

# Every byte value 0..255 in turn, n times.
all_bytes() {
  local n=$1 i b s=""
  for ((b = 0; b < 256; b++)); do s+=$(printf '\\x%02x' "$b"); done
  for ((i = 0; i < n; i++)); do printf '%b' "$s"; done
}
rev_bytes() {
  local n=$1 i b s=""
  for ((b = 255; b >= 0; b--)); do s+=$(printf '\\x%02x' "$b"); done
  for ((i = 0; i < n; i++)); do printf '%b' "$s"; done
}
# Pseudo-random printable ASCII with newlines (a fixed LCG, not $RANDOM).
junk_block() {
  awk -v seed="$1" -v n="$2" 'BEGIN {
    x = seed; line = ""
    for (i = 0; i < n; i++) {
      x = (x * 1103515245 + 12345) % 2147483648
      c = int(x / 65536) % 96
      if (c == 95) { print line; line = "" } else line = line sprintf("%c", 32 + c)
    }
    print line
  }'
}

# Binary garbage: an XML-looking start, a PNG header, an ELF header.
{ printf '<'; all_bytes 16; } > binary-garbage.xml
{ printf '\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR'; all_bytes 8; } > binary-garbage.json
{ printf '\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00'; rev_bytes 8; } > binary-garbage.yaml
# A UTF-16 document (byte order mark FF FE), which FleRD does not accept.
printf '\xff\xfe{\x00"\x00T\x00o\x00p\x00o\x00l\x00o\x00g\x00y\x00"\x00:\x00[\x00]\x00}\x00' \
  > utf16-document.json

# Invalid UTF-8 inside otherwise good text.
printf 'Topology:\n  - NetworkElement:\n      - id: h1\n        identifier: Host\xc0\xaf1\n' \
  > invalid-utf8-overlong.yaml
printf '{"Topology": [{"NetworkElement": [{"id": "h1", "identifier": "Host\xe2\x82"}]}]}\n' \
  > invalid-utf8-truncated-sequence.json
printf '<root>\n  <Topology>\n    <NetworkElement>\n      <id>h1</id>\n      <identifier>\xed\xa0\x80</identifier>\n' \
  > invalid-utf8-surrogate.xml
printf '<?xml version="1.0" encoding="ISO-8859-1"?>\n<root>\n  <Topology>\n    <NetworkElement>\n      <identifier>Gr\xfc\xdfe</identifier>\n' \
  > latin1-document.xml

# NUL bytes.
printf '<root>\n  <Topology>\n    <NetworkElement>\n      <id>h1\x00h2</id>\n' > nul-byte.xml
printf '{"Topology": [\x00]}\n' > nul-byte.json
printf 'Topology:\n  - NetworkElement:\n      - id: h1\x00\n' > nul-byte.yaml

# Nesting bombs: 100000 levels.
deep=100000
{ printf '%*s' "$deep" '' | tr ' ' '['; printf '%*s\n' "$deep" '' | tr ' ' ']'; } > deep-nesting.json
{ for ((i = 0; i < deep / 10; i++)); do printf '{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":'; done
  printf '1'; printf '%*s\n' "$deep" '' | tr ' ' '}'; } > deep-nesting-objects.json
{ printf 'Topology: '; printf '%*s' "$deep" '' | tr ' ' '['; printf '%*s\n' "$deep" '' | tr ' ' ']'; } \
  > deep-nesting.yaml
{ printf '<root>'; for ((i = 0; i < deep / 10; i++)); do printf '<a><a><a><a><a><a><a><a><a><a>'; done
  for ((i = 0; i < deep / 10; i++)); do printf '</a></a></a></a></a></a></a></a></a></a>'; done
  printf '</root>\n'; } > deep-nesting.xml

# 20 MB of junk text (valid UTF-8, so it reaches the parsers).
junk_block 7 65536 > junk-block.tmp
: > huge-junk.yaml
for ((i = 0; i < 320; i++)); do cat junk-block.tmp; done >> huge-junk.yaml
rm -f junk-block.tmp
# 20 MB of well-formed JSON whose content is junk: ~900000 wrong Topology entries.
{ printf '{"Topology": ['; awk 'BEGIN { for (i = 0; i < 911805; i++) printf "\"junk junk junk junk\"," }'
  printf '"end"]}\n'; } > huge-junk-list.json
