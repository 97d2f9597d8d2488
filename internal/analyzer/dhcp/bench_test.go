package dhcp

import (
	"testing"
	"time"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// BenchmarkAnalyze runs the whole tool on a capture: the generated normal
// LAN capture, or the file named by $MCPACKET_BENCH_CAPTURE (for example a
// bench-gen capture; see bench/).
func BenchmarkAnalyze(b *testing.B) {
	pcaptest.BenchTool(b, "dhcp-normal-lan.pcap", New(Options{}).analyze, func(file string) Input { return Input{PcapFile: file} })
}

// BenchmarkDecode decodes one DHCP message (an OFFER with many options)
// per iteration, with the checks every message gets.
func BenchmarkDecode(b *testing.B) {
	out := analyze(b, Input{PcapFile: pcaptest.GenFile(b, "dhcp-options.pcap"), Limit: intp(2)})
	_ = out
	payload := offerPayload(b)
	var m message
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		m.decode(payload)
		if m.msgType != MsgOffer {
			b.Fatal("not decoded")
		}
	}
}

// BenchmarkWindows feeds DISCOVERs and NAKs at a steady 1,000 a second
// from 5,000 MACs to the starvation and NAK-storm units with their default
// 60 s windows: once the windows are full (60,000 events each), every
// event expires one.
func BenchmarkWindows(b *testing.B) {
	th := analyzer.NewThresholds(params)
	su := starvation.New(th).(*starvationUnit)
	nu := nakStorm.New(th).(*nakStormUnit)
	disc, nakMsg := &message{msgType: MsgDiscover}, &message{msgType: MsgNak}
	p := &engine.Packet{Timestamp: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}
	e := &event{p: p, full: true, lim: newLimits(nil, Options{})}
	b.ReportAllocs()
	for b.Loop() {
		p.Number++
		p.Timestamp = p.Timestamp.Add(time.Millisecond)
		e.hw = keyOf([]byte{2, 0, 0, 0, byte(p.Number % 5000 >> 8), byte(p.Number % 5000)})
		e.m = disc
		su.Observe(e)
		e.m = nakMsg
		nu.Observe(e)
	}
}
