package icmp

import (
	"fmt"
	"math"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// AnomalyTunneling is echo traffic between two hosts whose payloads are
// large or random-looking, as a tunnel's or covert channel's are.
const AnomalyTunneling = "icmp_tunneling_suspected"

var (
	tunnelMinPayload = analyzer.Param{Name: "tunnel_min_payload", Default: 512, Unit: "bytes",
		Help: "echo payload size counted as large", Min: 1, Max: 65535, Integer: true}
	tunnelMinEntropy = analyzer.Param{Name: "tunnel_min_entropy", Default: 6.0, Unit: "bits/byte",
		Help: "payload entropy counted as random, for payloads of 64 bytes or more", Min: 0, Max: 8}
	tunnelMinPackets = analyzer.Param{Name: "tunnel_min_packets", Default: 10, Unit: "messages",
		Help: "large or random echo payloads between one host pair", Min: 1, Max: 1000000, Integer: true}
)

var icmpTunneling = analyzer.Detector[*event, *observer]{
	Type:   AnomalyTunneling,
	Params: []analyzer.Param{tunnelMinPayload, tunnelMinEntropy, tunnelMinPackets},
	New: func(th analyzer.Thresholds) analyzer.Unit[*event, *observer] {
		return &tunnelDetector{minPayload: th.Int(tunnelMinPayload), minEntropy: th.Get(tunnelMinEntropy),
			min: th.Int(tunnelMinPackets), pairs: map[int]*tunnelPair{}}
	},
}

type tunnelDetector struct {
	minPayload int
	minEntropy float64
	min        int
	pairs      map[int]*tunnelPair // by the index of the observer's tracked pair
}

// tunnelPair is the suspicious payloads of one host pair.
type tunnelPair struct {
	ev     result.Evidence
	sample string // the first suspicious payload's first bytes, as text (result.Text)
}

// sampleBytes is how much of a payload a finding shows.
const sampleBytes = 48

// Observe checks the payload of an echo request, or of a reply matched to
// its request.
func (d *tunnelDetector) Observe(e *event) {
	if e.pair == nil {
		return
	}
	if b := e.msg.rest[4:]; len(b) >= d.minPayload || (len(b) >= 64 && entropy(b) >= d.minEntropy) {
		tp := d.pairs[e.pair.n]
		if tp == nil {
			// Payload bytes are packet text: escaped and cut before they
			// are kept (a command line, an exfiltrated file, an
			// instruction written for a model).
			tp = &tunnelPair{sample: result.TextBytes(b, sampleBytes)}
			d.pairs[e.pair.n] = tp
		}
		tp.ev.Add(e.p.Number)
	}
}

// Conclude reports the pairs with enough suspicious payloads, the most
// first (then in the order the pairs appeared).
func (d *tunnelDetector) Conclude(o *observer, add func(result.Finding)) {
	var top topFindings
	for i, ps := range o.pairOrder {
		if tp := d.pairs[i]; tp != nil && tp.ev.Total() >= d.min {
			top.offer(candidate{rank: float64(tp.ev.Total()), order: int64(i), ev: tp.ev, make: func(ev result.Evidence) result.Finding {
				return result.NewFinding(AnomalyTunneling, result.High,
					fmt.Sprintf("%d echo messages between %s and %s carry large (%d+ bytes) or random-looking payloads: possible ICMP tunnel (ptunnel, icmpsh) or covert channel", ev.Total(), ps.key.src, ps.key.dst, d.minPayload),
					ev, map[string]any{"source": ps.key.src.String(), "destination": ps.key.dst.String(), "suspicious_payloads": ev.Total(),
						"sample_payload": tp.sample})
			}})
		}
	}
	top.conclude(add, func(n int, ev result.Evidence) result.Finding {
		return result.NewFinding(AnomalyTunneling, result.High,
			fmt.Sprintf("%s more host pairs exchanged %d or more large or random-looking echo payloads (not listed one by one)", commas(n), d.min),
			ev, map[string]any{"pairs_not_listed": n, "suspicious_payloads": ev.Total()})
	})
}

// entropy is the Shannon entropy of b in bits per byte.
func entropy(b []byte) float64 {
	var freq [256]int
	for _, c := range b {
		freq[c]++
	}
	h, n := 0.0, float64(len(b))
	for _, f := range freq {
		if f > 0 {
			p := float64(f) / n
			h -= p * math.Log2(p)
		}
	}
	return h
}
