package dhcp

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/modkit"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
	"github.com/mcpacket/mcpacket/internal/result"
)

// TestREADMEThresholds: the README's threshold table is the one the
// declarations make (go test -update rewrites it).
func TestREADMEThresholds(t *testing.T) {
	pcaptest.CheckThresholdTable(t, "README.md", New(Options{}).Tools()[0].Params)
}

// TestThresholdsEchoOrder: the output echoes the thresholds in the order it
// always has.
func TestThresholdsEchoOrder(t *testing.T) {
	b, err := json.Marshal(analyzer.NewThresholds(params))
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"starvation_min_clients":100,"starvation_window_seconds":60,"starvation_max_completion":0.2,"nak_storm_min":10,"nak_storm_window_seconds":60,"unanswered_discover_min":3,"unanswered_discover_seconds":60,"decline_min":2}`
	if string(b) != want {
		t.Errorf("thresholds = %s, want %s", b, want)
	}
}

// TestThresholdArgs: thresholds are arguments, checked against their
// declared bounds with errors that name them.
func TestThresholdArgs(t *testing.T) {
	tool := New(Options{}).Tools()[0]
	in, err := tool.Decode([]byte(`{"pcap_file": "x.pcap", "nak_storm_min": 30, "starvation_window_seconds": 86400, "starvation_max_completion": 0}`))
	if err != nil {
		t.Fatal(err)
	}
	th := in.(*Input).Thresholds
	if th.Int(nakStormMin) != 30 || th.Get(starvationWindowSeconds) != 86400 || th.Get(starvationMaxCompletion) != 0 || th.Int(declineMin) != 2 {
		b, _ := json.Marshal(th)
		t.Errorf("decoded thresholds %s", b)
	}
	for _, bad := range []string{
		`"starvation_max_completion": 2`,
		`"starvation_min_clients": 1`,
		`"starvation_window_seconds": 0`,
		`"starvation_window_seconds": 86401`,
		`"nak_storm_min": 0`,
		`"nak_storm_min": 2.5`,
		`"nak_storm_window_seconds": -1`,
		`"nak_storm_window_seconds": 1e9`,
		`"unanswered_discover_min": 0`,
		`"unanswered_discover_seconds": 0`,
		`"decline_min": "two"`,
	} {
		name := strings.Trim(strings.SplitN(bad, ":", 2)[0], `"`)
		_, err := tool.Decode([]byte(`{"pcap_file": "x.pcap", ` + bad + `}`))
		if err == nil || !strings.HasPrefix(err.Error(), name+" must be ") {
			t.Errorf("%s: error %v, want one that names %s and its bounds", bad, err, name)
		}
	}
}

// dhcpCaptures are the captures that exercise the module: its testdata,
// the generated dhcp captures and the example.
func dhcpCaptures(t *testing.T) []string {
	return pcaptest.ModuleCaptures(t, "dhcp-*.pcap", filepath.Join(pcaptest.Root(t), "examples", "dhcp.pcap"))
}

// TestBrief: in a shared pass the module reports the tool's statistics and
// anomalies.
func TestBrief(t *testing.T) {
	pcaptest.CheckBrief(t, New(Options{}), dhcpCaptures(t), func(t *testing.T, file string) modkit.Brief {
		out := analyze(t, Input{PcapFile: file})
		st := out.Statistics
		st.Transactions = map[string][]TxMessage{}
		return modkit.Brief{Module: "dhcp", Summary: st, Findings: out.Anomalies}
	})
}

// TestWindowsAsBefore feeds random DISCOVERs and NAKs, with clock steps
// back, to the starvation and NAK-storm units and to the slice-copying
// windows they replaced, and compares what they keep.
func TestWindowsAsBefore(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for round := range 300 {
		minN := 1 + rng.IntN(6)
		winSec := float64(1+rng.IntN(20)) / 4
		th := analyzer.NewThresholds(params)
		th.Set(starvationMinClients.Name, float64(max(minN, 2)))
		th.Set(starvationWindowSeconds.Name, winSec)
		th.Set(nakStormMin.Name, float64(minN))
		th.Set(nakStormWindowSeconds.Name, winSec)
		su := starvation.New(th).(*starvationUnit)
		nu := nakStorm.New(th).(*nakStormUnit)
		sr := &oldStarvation{min: max(minN, 2), win: time.Duration(winSec * float64(time.Second)), count: map[hwKey]int{}, macs: map[hwKey]struct{}{}}
		nr := &oldNakStorm{min: minN, win: sr.win}
		lim := newLimits(nil, Options{})
		now := base
		for i := range 200 + rng.IntN(200) {
			now = now.Add(time.Duration(rng.IntN(800)-40) * time.Millisecond)
			m := &message{msgType: MsgDiscover}
			if rng.IntN(2) == 0 {
				m.msgType = MsgNak
			}
			hw := keyOf([]byte{2, 0, 0, 0, 0, byte(rng.IntN(12))})
			e := &event{p: &engine.Packet{Number: i + 1, Timestamp: now}, m: m, full: true, hw: hw, lim: lim}
			su.Observe(e)
			nu.Observe(e)
			if m.msgType == MsgDiscover {
				sr.observe(now, i+1, hw)
			} else {
				nr.observe(now, i+1)
			}
		}
		got := fmt.Sprint(su.peak, su.start, su.end, su.frames.Frames(), su.frames.Total(), len(su.burstMACs), reflect.DeepEqual(su.burstMACs, sr.macs),
			nu.peak, nu.peakStart, nu.peakEnd, nu.frames.Frames(), nu.frames.Total(), nu.total)
		want := fmt.Sprint(sr.peak, sr.start, sr.end, sr.frames.Frames(), sr.frames.Total(), len(sr.macs), true,
			nr.peak, nr.start, nr.end, nr.frames.Frames(), nr.frames.Total(), nr.total)
		if got != want {
			t.Fatalf("round %d (min %d, window %v s):\n got %s\nwant %s", round, minN, winSec, got, want)
		}
	}
}

type stamp struct {
	t     time.Time
	frame int
	hw    hwKey
}

// oldStarvation is the starvation window as it was: a slice copied on
// every DISCOVER.
type oldStarvation struct {
	min        int
	win        time.Duration
	w          []stamp
	count      map[hwKey]int
	in         bool
	macs       map[hwKey]struct{}
	peak       int
	frames     result.Evidence
	start, end time.Time
}

func (r *oldStarvation) observe(t time.Time, frame int, hw hwKey) {
	r.w = append(r.w, stamp{t, frame, hw})
	r.count[hw]++
	drop := 0
	for drop < len(r.w) && t.Sub(r.w[drop].t) > r.win {
		old := r.w[drop].hw
		if r.count[old]--; r.count[old] <= 0 {
			delete(r.count, old)
		}
		drop++
	}
	if drop > 0 {
		r.w = append(r.w[:0], r.w[drop:]...)
	}
	if distinct := len(r.count); distinct >= r.min {
		if !r.in {
			r.in = true
			if r.start.IsZero() {
				r.start = r.w[0].t
			}
			for k := range r.count {
				r.macs[k] = struct{}{}
			}
			for _, s := range r.w {
				r.frames.Add(s.frame)
			}
		} else {
			r.macs[hw] = struct{}{}
			r.frames.Add(frame)
		}
		r.end = t
		r.peak = max(r.peak, distinct)
	} else {
		r.in = false
	}
}

// oldNakStorm is the NAK-storm window as it was.
type oldNakStorm struct {
	min         int
	win         time.Duration
	w           []stamp
	peak, total int
	start, end  time.Time
	frames      result.Evidence
}

func (r *oldNakStorm) observe(t time.Time, frame int) {
	r.total++
	r.w = append(r.w, stamp{t: t, frame: frame})
	drop := 0
	for drop < len(r.w) && t.Sub(r.w[drop].t) > r.win {
		drop++
	}
	if drop > 0 {
		r.w = append(r.w[:0], r.w[drop:]...)
	}
	if n := len(r.w); n >= r.min {
		if n > r.peak {
			r.peak, r.start, r.end = n, r.w[0].t, t
		}
		if n == r.min {
			for _, s := range r.w {
				r.frames.Add(s.frame)
			}
		} else {
			r.frames.Add(frame)
		}
	}
}
