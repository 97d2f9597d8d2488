# Shared by the bench scripts (sourced, from the repository root): the
# full-mix bench-gen capture, the binary, the machine line and a median.

# full_capture PACKETS: sets capture to bench/out/full-PACKETS.pcap, made by
# ../shared/bench-gen (seed 1, -mix full) when it is not there yet, and reads
# it once so that the page cache holds it.
full_capture() {
  capture="bench/out/full-$1.pcap"
  mkdir -p bench/out
  if [ ! -s "$capture" ]; then
    echo "generating $capture with ${BENCH_GEN:-../shared/bench-gen} ($1 packets, seed 1 -mix full)"
    (cd "${BENCH_GEN:-../shared/bench-gen}" && go run . -n "$1" -seed 1 -mix full -o "$OLDPWD/$capture")
  fi
  cat "$capture" > /dev/null
}

# build_binary: bench/out/mcpacket, static, from the tree.
build_binary() { CGO_ENABLED=0 go build -o bench/out/mcpacket ./cmd/mcpacket; }

# describe: the machine and capture lines every figure is printed under.
describe() {
  echo "machine: $(nproc) cores, $(uname -m), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
  echo "capture: $capture ($(stat -L -c %s "$capture") bytes)"
}

# median N...: the median of the numbers.
median() { printf "%s\n" "$@" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# setup_full PACKETS: full_capture, build_binary and describe, with out set
# to bench/out.
setup_full() {
  out=bench/out
  full_capture "$1"
  build_binary
  describe
}
