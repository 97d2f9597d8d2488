package dfilter_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/analyzer/tcp"
	"github.com/mcpacket/mcpacket/internal/dfilter"
	"github.com/mcpacket/mcpacket/internal/dissect"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

func seedFilters(f *testing.F) {
	b, err := os.ReadFile("testdata/filters.txt")
	if err != nil {
		f.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			f.Add(l)
		}
	}
}

// FuzzCompile: any text compiles to a filter or to an error whose position
// lies within the text; a compiled filter's text is the input.
func FuzzCompile(f *testing.F) {
	seedFilters(f)
	f.Add(`frame contains "\x41\101" && !(tcp.port in {1..2, 3}) or ip.addr == 1.2.3.4/33`)
	f.Fuzz(func(t *testing.T, s string) {
		flt, err := dfilter.Compile(s)
		if err != nil {
			var fe *dfilter.Error
			if !errors.As(err, &fe) || fe.Pos < 0 || fe.Pos > len(s) {
				t.Fatalf("%q: error %v has no position within the filter", s, err)
			}
			return
		}
		if flt.String() != s {
			t.Fatalf("filter text %q, want %q", flt.String(), s)
		}
	})
}

// FuzzMatch: any filter evaluated on any frame neither panics nor
// allocates, and "f" and "!(f)" disagree.
func FuzzMatch(f *testing.F) {
	dns := pcaptest.UDP4(f, "00:00:5e:00:53:01", "00:00:5e:00:53:02", "192.0.2.1", "198.51.100.2", 40000, 53,
		[]byte("\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x03www\x07example\x03com\x00\x00\x01\x00\x01"))
	for _, s := range []string{"dns.qry.name contains \"exa\"", "udp.stream == 0 && ip.addr == 192.0.2.0/24", "frame matches \"ex.m\"", "tcp.analysis.flags", "eth.addr == 00:00:5e:00:53:01"} {
		f.Add(s, dns)
	}
	f.Fuzz(func(t *testing.T, s string, frame []byte) {
		flt, err := dfilter.Compile(s)
		if err != nil || strings.TrimSpace(s) == "" {
			return // the empty filter selects every frame; "!()" is no filter
		}
		neg, err := dfilter.Compile("!(" + s + ")")
		if err != nil {
			t.Fatalf("%q compiles but !(…) does not: %v", s, err)
		}
		pcap := pcaptest.Pcap(t, layers.LinkTypeEthernet, false, []pcaptest.Frame{{Time: time.Unix(1e9, 0), Data: frame}, {Time: time.Unix(1e9+1, 0), Data: frame}})
		tr := dissect.NewTracker(dissect.Options{TCP: tcp.NewAnnotator(&analyzer.Env{}), UDPStreams: true})
		engine.Run(context.Background(), bytes.NewReader(pcap), engine.Options{}, engine.ObserverFunc(func(p *engine.Packet) {
			fr := tr.Frame(p)
			if flt.Match(fr) == neg.Match(fr) {
				t.Fatalf("%q and its negation agree on frame %d", s, p.Number)
			}
			if n := testing.AllocsPerRun(3, func() { flt.Match(fr) }); n > 0 && !raceEnabled {
				t.Fatalf("%q allocates %.0f times per frame", s, n)
			}
		}))
	})
}
