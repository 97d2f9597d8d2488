package engine_test

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gopacket/gopacket/layers"

	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// arpConsumer asks the engine for ARP by EtherType and decodes what it is
// handed with gopacket's layer, as the ARP module will: the engine itself
// knows nothing of ARP.
type arpConsumer struct {
	frames []int
	ops    map[int]uint16
	others int // frames handed over that were not ARP
}

// ethernetTypeRARP is Reverse ARP (RFC 903), which tshark's arp filter
// includes.
const ethernetTypeRARP layers.EthernetType = 0x8035

func (c *arpConsumer) Interest() engine.Interest {
	return engine.Interest{EtherTypes: []layers.EthernetType{layers.EthernetTypeARP, ethernetTypeRARP}}
}

func (c *arpConsumer) Observe(p *engine.Packet) {
	var arp layers.ARP
	if (p.EtherType != layers.EthernetTypeARP && p.EtherType != ethernetTypeRARP) || arp.DecodeFromBytes(p.NetworkPayload, nil) != nil {
		c.others++
		return
	}
	c.frames = append(c.frames, p.Number)
	c.ops[p.Number] = arp.Operation
}

// TestInterestARP registers an ARP consumer and checks that it receives
// every ARP frame of each corpus capture tshark finds ARP in (Ethernet,
// VLAN-tagged, LLC/SNAP-encapsulated and Linux cooked; RARP as well), with tshark's opcode, and nothing
// else. ARP inside tunnels the engine does not open (VXLAN) is not expected.
func TestInterestARP(t *testing.T) {
	dir := pcaptest.RequireCorpus(t)
	tables, _ := filepath.Glob(filepath.Join(dir, "truth", "*.arp.tsv"))
	checked := 0
	for _, table := range tables {
		name := strings.TrimSuffix(filepath.Base(table), ".arp.tsv")
		if strings.Contains(name, "vxlan") {
			continue // ARP inside VXLAN: the engine does not decapsulate tunnels
		}
		t.Run(name, func(t *testing.T) {
			rows := pcaptest.ReadTSV(t, table)
			want := map[int]uint16{}
			for _, r := range rows {
				n, _ := strconv.Atoi(r["frame.number"])
				op, _ := strconv.Atoi(r["arp.opcode"])
				want[n] = uint16(op)
			}
			f, err := os.Open(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			c := &arpConsumer{ops: map[int]uint16{}}
			if _, err := engine.Run(t.Context(), f, engine.Options{}, c); err != nil {
				t.Fatal(err)
			}
			if c.others != 0 {
				t.Errorf("handed %d frames that are not ARP", c.others)
			}
			var wantFrames []int
			for n := range want {
				wantFrames = append(wantFrames, n)
			}
			slices.Sort(wantFrames)
			if !slices.Equal(c.frames, wantFrames) {
				t.Fatalf("ARP frames %v, tshark %v", c.frames, wantFrames)
			}
			for n, op := range want {
				if c.ops[n] != op {
					t.Errorf("frame %d: opcode %d, tshark %d", n, c.ops[n], op)
				}
			}
			checked += len(want)
		})
	}
	if checked == 0 {
		t.Fatal("no ARP frame checked")
	}
	t.Logf("%d ARP frames in %d captures", checked, len(tables))
}
