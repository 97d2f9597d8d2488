#!/usr/bin/env bash
# Compare one mcpacket tool with tshark answering the same question on the same
# bench-gen capture, in the same run: wall time and peak RSS of each.
#
#   bench/compare.sh [case] [packets]      e.g. bench/compare.sh dhcp 1000000
#
# Cases: dhcp, dns, icmp, arp, dhcpv6, http, ntp, lldp, tls, capinfos, filter (get_packets with a display filter
# against tshark -Y with the same filter), and the TCP tools tcp-connections,
# tcp-anomalies, tcp-flow (each against tshark -qz conv,tcp) and
# tcp-retransmissions (against tshark -Y tcp.analysis.retransmission -T fields),
# export (mcpacket export records to Parquet and to JSON Lines, against the
# overview's own pass on the same capture: export throughput must be at least
# half the overview's and its peak RSS under 300 MB),
# tls (against tshark -Y "tls.handshake || quic" -T fields, on the full mix),
# and overview (against tshark -qz io,phs -z conv,tcp -z conv,udp -z
# endpoints,ip; it also times every module's own tool in the same run and
# fails when the overview takes more than 1.5 times the slowest of them).
#
# arp runs analyze_arp_packets against tshark -Y arp -T fields (opcode, sender and
# target MAC and IPv4), dhcpv6 analyze_dhcpv6_packets against tshark -Y dhcpv6 -T
# fields (message type, transaction id, IA addresses and prefixes), on the full mix.
#
# The capture comes from ../shared/bench-gen (seed 1), cached under bench/out/:
# bench/out/mix-<packets>.pcap (the wave 1 mix), or with BENCH_MIX=full
# bench/out/full-<packets>.pcap (-mix full: ARP, NTP, DHCPv6, LLDP and the
# rest). Cases that need the full mix (arp, dhcpv6, http, ntp, lldp, tls) use it whatever BENCH_MIX says.
# Needs GNU time (/usr/bin/time) and tshark. Exits non-zero when mcpacket is over
# its RSS budget or not fast enough against tshark (the issue's acceptance bars).
set -euo pipefail
cd "$(dirname "$0")/.."

module=${1:-dhcp}
packets=${2:-1000000}
gen=${BENCH_GEN:-../shared/bench-gen}
out=bench/out
mkdir -p "$out"
mix=${BENCH_MIX:-wave1}

ours_args=(analyze "$module")
case "$module" in
  arp)      tshark_args=(-Y arp -T fields -e frame.number -e arp.opcode -e arp.src.hw_mac -e arp.src.proto_ipv4 -e arp.dst.hw_mac -e arp.dst.proto_ipv4)
            rss_mb=100; speedup=50; mix=full ;;
  dhcpv6)   tshark_args=(-Y dhcpv6 -T fields -e frame.number -e dhcpv6.msgtype -e dhcpv6.xid -e dhcpv6.iaaddr.ip -e dhcpv6.iaprefix.pref_addr)
            rss_mb=100; speedup=50; mix=full ;;
  dhcp)     tshark_args=(-Y dhcp -T json); rss_mb=100; speedup=50 ;;
  dns)      tshark_args=(-Y dns -T json); rss_mb=100; speedup=50 ;;
  icmp)     tshark_args=(-Y icmp -T json); rss_mb=100; speedup=50 ;;
  sip)      tshark_args=(-Y sip -T fields -e frame.number -e sip.Method -e sip.Status-Code -e sip.Call-ID); rss_mb=150; speedup=20 ;;
  http)     tshark_args=(-Y http -T fields -e frame.number -e http.request.method -e http.host -e http.response.code); rss_mb=150; speedup=20; mix=full ;;
  capinfos) tshark_args=(-q -z io,stat,0); rss_mb=100; speedup=1 ;;
  tcp-connections)     ours_args=(analyze tcp --tool analyze_tcp_connections); tshark_args=(-q -z conv,tcp); rss_mb=150; speedup=20 ;;
  tcp-anomalies)       ours_args=(analyze tcp --tool analyze_tcp_anomalies); tshark_args=(-q -z conv,tcp); rss_mb=150; speedup=20 ;;
  tcp-flow)            ours_args=(analyze tcp --tool analyze_traffic_flow --server-ip 198.18.0.239); tshark_args=(-q -z conv,tcp); rss_mb=150; speedup=20 ;;
  tcp-retransmissions) ours_args=(analyze tcp --tool analyze_tcp_retransmissions); tshark_args=(-Y tcp.analysis.retransmission -T fields -e frame.number -e tcp.stream); rss_mb=150; speedup=20 ;;
  filter)   flt='ip.addr == 198.18.0.0/16 && udp.port == 53 && frame.len > 300'
            ours_args=(analyze packets --tool get_packets --filter "$flt"); tshark_args=(-Y "$flt" -T fields -e frame.number); rss_mb=100; speedup=20 ;;
  tls)      tshark_args=(-Y "tls.handshake || quic" -T fields -e frame.number -e tls.handshake.extensions_server_name); rss_mb=150; speedup=20; mix=full ;;
  export)   tshark_args=(); rss_mb=300; speedup=0 ;;
  overview) tshark_args=(-q -z io,phs -z conv,tcp -z conv,udp -z endpoints,ip); rss_mb=200; speedup=20 ;;
  ntp)      tshark_args=(-Y ntp -T fields -e frame.number -e ntp.flags.vn -e ntp.flags.mode -e ntp.stratum); rss_mb=100; speedup=50; mix=full ;;
  lldp)     tshark_args=(-Y "lldp || cdp" -T fields -e frame.number -e lldp.chassis.id.mac -e lldp.port.id -e lldp.tlv.system.name -e cdp.deviceid -e cdp.portid); rss_mb=100; speedup=50; mix=full ;;
  *) echo "unknown case $module" >&2; exit 2 ;;
esac

case "$mix" in
  full)  capture="$out/full-$packets.pcap"; mix_args=(-mix full) ;;
  *)     capture="$out/mix-$packets.pcap"; mix_args=() ;;
esac
if [ ! -s "$capture" ]; then
  echo "generating $capture with $gen ($packets packets, seed 1 ${mix_args[*]})"
  (cd "$gen" && go run . -n "$packets" -seed 1 "${mix_args[@]}" -o "$OLDPWD/$capture")
fi
CGO_ENABLED=0 go build -o "$out/mcpacket" ./cmd/mcpacket

measure() { # label, command...: prints "seconds kilobytes"
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$out/time.$label" "$@" > "$out/stdout.$label" 2> "$out/stderr.$label"
  cat "$out/time.$label"
}

cat "$capture" > /dev/null # warm the page cache for both tools
if [ "$module" = export ]; then
  # Records to Parquet and to JSON Lines beside the overview's one pass.
  echo "machine: $(nproc) cores, $(uname -m), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
  echo "capture: $capture ($(stat -L -c %s "$capture") bytes, $packets packets)"
  printf "%-16s %10s %12s %10s\n" run seconds peak_RSS_MB MB/s
  mb=$(awk -v b="$(stat -L -c %s "$capture")" 'BEGIN { printf "%.1f", b / 1048576 }')
  read -r ov_s ov_kb < <(measure overview "$out/mcpacket" analyze overview "$capture" --json)
  printf "%-16s %10s %12d %10.1f\n" overview "$ov_s" $((ov_kb / 1024)) "$(awk -v m="$mb" -v s="$ov_s" 'BEGIN { print m / s }')"
  fail=0
  for fmt in parquet jsonl; do
    rm -rf "$out/records-$fmt"
    read -r s kb < <(measure "export-$fmt" "$out/mcpacket" export records "$capture" -o "$out/records-$fmt" --format "$fmt")
    printf "%-16s %10s %12d %10.1f\n" "export $fmt" "$s" $((kb / 1024)) "$(awk -v m="$mb" -v s="$s" 'BEGIN { print m / s }')"
    rel=$(awk -v a="$ov_s" -v b="$s" 'BEGIN { printf "%.2f", a / (b > 0 ? b : 0.01) }')
    echo "export $fmt throughput is ${rel}x the overview's"
    if [ $((kb / 1024)) -ge "$rss_mb" ]; then echo "FAIL: export $fmt peak RSS over ${rss_mb} MB"; fail=1; fi
    if awk -v r="$rel" 'BEGIN { exit !(r < 0.5) }'; then echo "FAIL: export $fmt under half the overview's throughput"; fail=1; fi
  done
  exit $fail
fi
read -r ours_s ours_kb < <(measure mcpacket "$out/mcpacket" "${ours_args[@]}" "$capture" --json)
read -r tshark_s tshark_kb < <(measure tshark tshark -r "$capture" "${tshark_args[@]}")

ratio=$(awk -v a="$tshark_s" -v b="$ours_s" 'BEGIN { printf "%.1f", a / (b > 0 ? b : 0.01) }')
echo "machine: $(nproc) cores, $(uname -m), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "capture: $capture ($(stat -L -c %s "$capture") bytes, $packets packets)"
printf "%-10s %10s %12s\n" tool seconds peak_RSS_MB
printf "%-10s %10s %12d\n" mcpacket "$ours_s" $((ours_kb / 1024))
printf "%-10s %10s %12d\n" tshark "$tshark_s" $((tshark_kb / 1024))
echo "mcpacket ${ours_args[*]} is ${ratio}x faster than tshark ${tshark_args[*]}"

fail=0
if [ $((ours_kb / 1024)) -ge "$rss_mb" ]; then echo "FAIL: peak RSS over ${rss_mb} MB"; fail=1; fi
if awk -v r="$ratio" -v s="$speedup" 'BEGIN { exit !(r < s) }'; then echo "FAIL: less than ${speedup}x faster"; fail=1; fi

if [ "$module" = overview ]; then
  # The overview runs every module in its one pass: it must take at most 1.5
  # times the slowest module's own tool, timed in the same run.
  slowest=0; slowest_name=
  for m in $("$out/mcpacket" tools | awk '!/^ / && $1 != "overview" && $1 != "records" {print $1}'); do
    read -r s kb < <(measure "$m" "$out/mcpacket" analyze "$m" "$capture" --json)
    printf "%-10s %10s %12d\n" "$m" "$s" $((kb / 1024))
    if awk -v a="$s" -v b="$slowest" 'BEGIN { exit !(a > b) }'; then slowest=$s; slowest_name=$m; fi
  done
  mratio=$(awk -v a="$ours_s" -v b="$slowest" 'BEGIN { printf "%.2f", a / (b > 0 ? b : 0.01) }')
  echo "overview takes ${mratio}x the slowest module tool (${slowest_name}, ${slowest} s)"
  if awk -v r="$mratio" 'BEGIN { exit !(r > 1.5) }'; then echo "FAIL: more than 1.5x the slowest module"; fail=1; fi
fi
exit $fail
