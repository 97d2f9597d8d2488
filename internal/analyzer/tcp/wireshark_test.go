package tcp

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/modkit"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

func runObserver(t testing.TB, file string) *observer {
	t.Helper()
	obs := newObserver(DefaultMaxConnections, 0)
	if _, err := modkit.Run(context.Background(), pcaptest.Env(0), file, engine.Options{}, obs); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return obs
}

// truthColumns maps the columns of truth/*.tcp_anomalies.tsv to our flags.
var truthColumns = []struct {
	col  string
	flag aflag
}{
	{"tcp.analysis.retransmission", anyRetransmission},
	{"tcp.analysis.fast_retransmission", aFastRetransmission},
	{"tcp.analysis.spurious_retransmission", aSpuriousRetransmission},
	{"tcp.analysis.duplicate_ack", aDuplicateAck},
	{"tcp.analysis.lost_segment", aLostSegment},
	{"tcp.analysis.out_of_order", aOutOfOrder},
	{"tcp.analysis.zero_window", aZeroWindow},
	{"tcp.analysis.window_full", aWindowFull},
	{"tcp.analysis.keep_alive", aKeepAlive},
}

// tsharkStreams counts the tcp.stream values tshark gives a capture.
func tsharkStreams(t *testing.T, bin, file string) int {
	cmd := exec.Command(bin, "-n", "-r", file, "-T", "fields", "-e", "tcp.stream")
	cmd.Env = append(os.Environ(), "LC_ALL=C", "TZ=UTC")
	out, _ := cmd.Output()
	seen := map[string]bool{}
	for _, l := range strings.Split(string(out), "\n") {
		for _, v := range strings.Split(l, ",") {
			if v != "" {
				seen[v] = true
			}
		}
	}
	return len(seen)
}

func TestCorpusAgainstWireshark(t *testing.T) {
	dir := pcaptest.RequireCorpus(t)
	bin, _ := pcaptest.LookPath("tshark")
	for _, s := range pcaptest.CorpusSummaries(t, dir) {
		if s.Counts["tcp"] == 0 && s.Counts["icmp"] == 0 && s.Counts["icmpv6"] == 0 {
			continue
		}
		file := filepath.Join(dir, s.File)
		obs := runObserver(t, file)
		want := tsharkStreams(t, bin, file)
		if got := len(obs.t.conns); got != want {
			t.Errorf("%s: %d connections, tshark %d streams", s.File, got, want)
		}
		ours := map[int]aflag{}
		for _, e := range obs.events {
			ours[int(e.frame)] |= e.flags
		}
		table := filepath.Join(dir, "truth", s.File+".tcp_anomalies.tsv")
		var rows []map[string]string
		if _, err := os.Stat(table); err == nil {
			rows = pcaptest.ReadTSV(t, table)
		}
		t.Logf("%s: %d conns (tshark %d), %d events, %d truth rows", s.File, len(obs.t.conns), want, len(obs.events), len(rows))
		theirs := map[int]map[string]bool{}
		for _, r := range rows {
			n, _ := strconv.Atoi(r["frame.number"])
			theirs[n] = map[string]bool{}
			for _, c := range truthColumns {
				if r[c.col] != "" {
					theirs[n][c.col] = true
				}
			}
		}
		for _, c := range truthColumns {
			var missing, extra []int
			for n, m := range theirs {
				if m[c.col] && ours[n]&c.flag == 0 {
					missing = append(missing, n)
				}
			}
			for n, f := range ours {
				if f&c.flag != 0 && !theirs[n][c.col] {
					extra = append(extra, n)
				}
			}
			slices.Sort(missing)
			slices.Sort(extra)
			if len(missing)+len(extra) > 0 {
				t.Errorf("%s %s: missing %d %v, extra %d %v", s.File, c.col, len(missing), head(missing), len(extra), head(extra))
			}
		}
	}
}

func head(s []int) []int { return s[:min(len(s), 10)] }
