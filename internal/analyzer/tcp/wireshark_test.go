package tcp

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/modkit"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// frameResult is what the tracker decided for one frame.
type frameResult struct {
	stream int
	flags  aflag
}

// trace runs the observer over file and returns its decision per frame
// (for a frame carrying TCP twice, such as an ICMP error about a TCP
// segment, the last).
func trace(t testing.TB, file string) (*observer, map[int]frameResult) {
	t.Helper()
	obs := newObserver(limitsFor(pcaptest.Env(0), 0), 0, defaultThresholds())
	frames := map[int]frameResult{}
	obs.trace = func(frame, stream int, fl aflag) { frames[frame] = frameResult{stream, fl} }
	if _, err := modkit.Run(context.Background(), pcaptest.Env(0), file, engine.Options{}, obs); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return obs, frames
}

// wiresharkNames are Wireshark's names for a segment's flags: fast and
// spurious retransmissions are retransmissions too.
func wiresharkNames(f aflag) []string {
	if f&anyRetransmission != 0 {
		f |= aRetransmission
	}
	return f.names()
}

// truthColumns are the analysis columns of truth/*.tcp_anomalies.tsv.
var truthColumns = []string{"retransmission", "fast_retransmission", "spurious_retransmission", "duplicate_ack", "lost_segment",
	"out_of_order", "zero_window", "window_full", "keep_alive"}

// TestAgreesWithTshark checks the shared corpus against tshark 4.0's
// output: the number of connections against its TCP conversations (one
// per tcp.stream), and frame by frame the analysis flags of
// truth/*.tcp_anomalies.tsv (every frame with a tcp.analysis flag or RST).
func TestAgreesWithTshark(t *testing.T) {
	dir := pcaptest.RequireCorpus(t)
	captures, conns, flagged, retransTruth, retransOurs, retransBoth := 0, 0, 0, 0, 0, 0
	for _, s := range pcaptest.CorpusSummaries(t, dir) {
		if s.Counts["tcp"] == 0 && s.TCPConversations == 0 {
			continue
		}
		captures++
		obs, frames := trace(t, filepath.Join(dir, s.File))
		if got := len(obs.t.conns); got != s.TCPConversations {
			t.Errorf("%s: %d connections, tshark %d", s.File, got, s.TCPConversations)
		}
		conns += len(obs.t.conns)
		theirs := map[int][]string{}
		rst := map[int]bool{}
		table := filepath.Join(dir, "truth", s.File+".tcp_anomalies.tsv")
		if _, err := os.Stat(table); err == nil {
			for _, row := range pcaptest.ReadTSV(t, table) {
				n, _ := strconv.Atoi(row["frame.number"])
				theirs[n] = []string{}
				rst[n] = row["tcp.flags.reset"] == "1"
				for _, c := range truthColumns {
					if row["tcp.analysis."+c] != "" {
						theirs[n] = append(theirs[n], c)
					}
				}
			}
		}
		for n, want := range theirs {
			ours := wiresharkNames(frames[n].flags)
			got := []string{}
			for _, c := range ours {
				if slices.Contains(truthColumns, c) {
					got = append(got, c)
				}
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("%s frame %d: flags %v, tshark %v", s.File, n, got, want)
			}
			// A listed frame without RST has some analysis flag.
			if !rst[n] && len(ours) == 0 {
				t.Errorf("%s frame %d: tshark flags it, we do not", s.File, n)
			}
			if slices.Contains(want, "retransmission") {
				retransTruth++
				if slices.Contains(got, "retransmission") {
					retransBoth++
				}
			}
		}
		for n, r := range frames {
			if r.flags == 0 {
				continue
			}
			flagged++
			if _, ok := theirs[n]; !ok {
				t.Errorf("%s frame %d: we flag %v, tshark lists no analysis flag", s.File, n, r.flags.names())
			}
			if r.flags&anyRetransmission != 0 {
				retransOurs++
			}
		}
	}
	precision, recall := float64(retransBoth)/float64(max(retransOurs, 1)), float64(retransBoth)/float64(max(retransTruth, 1))
	t.Logf("%d captures, %d connections, %d flagged frames; retransmissions: tshark %d, ours %d, precision %.3f, recall %.3f",
		captures, conns, flagged, retransTruth, retransOurs, precision, recall)
	if precision < 0.95 || recall < 0.95 || retransTruth < 450 || captures < 40 {
		t.Errorf("retransmission precision %.3f, recall %.3f over %d tshark retransmissions in %d captures", precision, recall, retransTruth, captures)
	}
}

// tsharkAnalysisFields are the fields the live comparison asks tshark for.
func tsharkAnalysisFields() []string {
	args := []string{"-n", "-T", "fields", "-E", "header=y", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,",
		"-Y", "tcp", "-e", "frame.number", "-e", "tcp.stream"}
	for _, n := range flagNames {
		args = append(args, "-e", "tcp.analysis."+n)
	}
	return args
}

// TestAgreesWithLiveTshark runs tshark on the repository's captures and
// compares every TCP frame: its stream (tcp.stream) and every analysis
// flag, and the number of streams.
func TestAgreesWithLiveTshark(t *testing.T) {
	root := pcaptest.Root(t)
	files, _ := filepath.Glob(filepath.Join(root, "testdata", "*.pcap*"))
	gen, _ := filepath.Glob(filepath.Join(root, "testdata", "gen", "*.pcap"))
	files = slices.DeleteFunc(append(files, gen...), func(f string) bool { return strings.Contains(f, "malformed-") })
	files2 := 0
	checked := pcaptest.LiveTshark(t, files, 3000, tsharkAnalysisFields(), func(t *testing.T, f string, rows []map[string]string) int {
		checked := 0
		obs, frames := trace(t, f)
		streams := map[string]bool{}
		for _, row := range rows {
			n, _ := strconv.Atoi(row["frame.number"])
			ss := strings.Split(row["tcp.stream"], ",")
			stream := ss[len(ss)-1]
			if stream == "" {
				// TCP quoted in an ICMP error too short to name a
				// connection.
				if r, ok := frames[n]; ok {
					t.Errorf("%s frame %d: stream %d; tshark gives none", filepath.Base(f), n, r.stream)
				}
				continue
			}
			streams[stream] = true
			want := []string{}
			for _, name := range flagNames {
				if row["tcp.analysis."+name] != "" {
					want = append(want, name)
				}
			}
			r, ok := frames[n]
			got := wiresharkNames(r.flags)
			slices.Sort(want)
			slices.Sort(got)
			if !ok || strconv.Itoa(r.stream) != stream || !slices.Equal(got, want) {
				t.Errorf("%s frame %d: stream %d flags %v; tshark stream %s flags %v", filepath.Base(f), n, r.stream, got, row["tcp.stream"], want)
			}
			checked++
		}
		if len(streams) != len(obs.t.conns) {
			t.Errorf("%s: %d connections, tshark %d streams", filepath.Base(f), len(obs.t.conns), len(streams))
		}
		if len(streams) > 0 {
			files2++
		}
		return checked
	})
	t.Logf("%d TCP frames in %d captures agree with tshark", checked, files2)
	if checked < 3000 || files2 < 20 {
		t.Errorf("compared %d frames in %d captures", checked, files2)
	}
}

// TestRetransmissionCounts checks issue 12's counts on the corpus:
// analysis_counts.retransmission is the number of frames tshark flags
// tcp.analysis.retransmission (fast and spurious included), and
// high_retransmission_rate counts them without the spurious ones.
func TestRetransmissionCounts(t *testing.T) {
	dir := pcaptest.RequireCorpus(t)
	withSpurious := 0
	for _, s := range pcaptest.CorpusSummaries(t, dir) {
		table := filepath.Join(dir, "truth", s.File+".tcp_anomalies.tsv")
		if _, err := os.Stat(table); err != nil {
			continue
		}
		want := 0
		for _, row := range pcaptest.ReadTSV(t, table) {
			if row["tcp.analysis.retransmission"] != "" {
				want++
			}
		}
		out := anomalies(t, AnomaliesInput{Common: Common{PcapFile: filepath.Join(dir, s.File)}})
		c := out.AnalysisCounts
		if c["retransmission"] != want {
			t.Errorf("%s: analysis_counts.retransmission %d, tshark flags %d frames", s.File, c["retransmission"], want)
		}
		if c["spurious_retransmission"] > 0 {
			withSpurious++
		}
		for _, a := range out.Anomalies {
			if a.Type == AnomalyRetrans && a.Details["retransmissions"] != c["retransmission"]-c["spurious_retransmission"] {
				t.Errorf("%s: high_retransmission_rate counts %v retransmissions, want %d (%d without %d spurious)", s.File,
					a.Details["retransmissions"], c["retransmission"]-c["spurious_retransmission"], c["retransmission"], c["spurious_retransmission"])
			}
		}
	}
	t.Logf("%d captures with spurious retransmissions", withSpurious)
}
