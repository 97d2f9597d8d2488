#!/bin/sh
# Regenerates truth.tsv.gz: the frames each filter of filters.txt selects in
# each capture of $MCPACKET_CORPUS, as tshark (with Lua) selects them.
# Lines: capture, filter index (1-based, comments skipped), frame ranges.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
corpus=${MCPACKET_CORPUS:?set MCPACKET_CORPUS}
out=$(mktemp)
for f in "$corpus"/*.pcap "$corpus"/*.pcapng "$corpus"/*.gz; do
  [ -f "$f" ] || continue
  name=$(basename "$f")
  TZ=UTC DF_FILTERS="$here/filters.txt" tshark -n -q -r "$f" -X lua_script:"$here/truth.lua" 2>/dev/null |
    sort -k1,1n -k2,2n | awk -v c="$name" -F'\t' '
      function flush() { if (cur != "") { r = r (r == "" ? "" : ",") (lo == hi ? lo : lo "-" hi); print c "\t" cur "\t" r } }
      { if ($1 != cur) { if (cur != "") { r = r (r == "" ? "" : ",") (lo == hi ? lo : lo "-" hi); print c "\t" cur "\t" r }; cur = $1; r = ""; lo = $2; hi = $2; next }
        if ($2 == hi + 1) { hi = $2 } else { r = r (r == "" ? "" : ",") (lo == hi ? lo : lo "-" hi); lo = $2; hi = $2 } }
      END { if (cur != "") { r = r (r == "" ? "" : ",") (lo == hi ? lo : lo "-" hi); print c "\t" cur "\t" r } }' >> "$out" || echo "tshark failed on $name" >&2
  echo "$name" >> "$out.names"
done
{ echo "# tshark $(tshark -v 2>/dev/null | head -1 | awk '{print $3}'); filters $(grep -v '^#' "$here/filters.txt" | grep -c .)"; sed 's/^/# capture\t/' "$out.names"; cat "$out"; } | gzip -9n > "$here/truth.tsv.gz"
rm -f "$out" "$out.names"
