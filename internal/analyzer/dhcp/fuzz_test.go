package dhcp

import (
	"bytes"
	"encoding/json"
	"net"
	"reflect"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// dhcpPayloads returns the UDP payloads of the DHCP messages in the test
// captures, as fuzz seeds.
func dhcpPayloads(f *testing.F) [][]byte {
	return pcaptest.UDPPayloads(f, pcaptest.ModuleCaptures(f, "dhcp-*.pcap"), 400, func(*engine.Packet) bool { return true })
}

// FuzzDecode feeds arbitrary bytes to the BOOTP/DHCP decoder and the record
// builder. Properties: no panic; decoding is deterministic; a message with
// no problems has a full header and a valid op; every typed value marshals
// to JSON; the record's option codes are the decoded options.
func FuzzDecode(f *testing.F) {
	for _, p := range dhcpPayloads(f) {
		f.Add(p)
	}
	f.Add([]byte{})                                          // nothing
	f.Add(make([]byte, 236))                                 // all-zero header, no cookie
	f.Add(append(make([]byte, 236), 0x63, 0x82, 0x53, 0x63)) // cookie, no options
	f.Fuzz(func(t *testing.T, data []byte) {
		var m1, m2 message
		f := frameOf(fakePacket())
		m1.decode(data)
		r1 := record(&f, &m1, false)
		m2.decode(data)
		r2 := record(&f, &m2, false)
		if !reflect.DeepEqual(r1, r2) {
			t.Fatalf("decoding twice differs:\n%+v\n%+v", r1, r2)
		}
		if len(m1.problems) == 0 && (len(data) < bootpFixedLen || (m1.op != 1 && m1.op != 2)) {
			t.Fatalf("no problem reported for %d bytes with op %d", len(data), m1.op)
		}
		if len(r1.OptionCodes) != len(m1.opts) {
			t.Fatalf("%d option codes for %d options", len(r1.OptionCodes), len(m1.opts))
		}
		if _, err := json.Marshal(r1); err != nil {
			t.Fatalf("record does not marshal: %v", err)
		}
		// The observer takes any message without panicking.
		o := newObserver(testConfig(t), newLimits(nil, Options{}))
		p := fakePacket()
		p.UDP.Payload = data
		o.Observe(p)
		o.Observe(p)
		out := o.output(Input{}, &engine.Result{}, nil)
		if _, err := json.Marshal(out); err != nil {
			t.Fatalf("output does not marshal: %v", err)
		}
	})
}

// FuzzOptionValue decodes arbitrary option values for every code.
// Properties: no panic; optionProblem agrees with decodeValue; the value
// marshals to JSON.
func FuzzOptionValue(f *testing.F) {
	// Seeds: every distinct option of the test captures' messages.
	seen := map[string]bool{}
	for _, p := range dhcpPayloads(f) {
		if len(p) < 240 || !bytes.Equal(p[236:240], []byte{0x63, 0x82, 0x53, 0x63}) {
			continue
		}
		for o := p[240:]; len(o) >= 2 && o[0] != 255; {
			if o[0] == 0 {
				o = o[1:]
				continue
			}
			n := min(int(o[1]), len(o)-2)
			if k := string(o[:2+n]); !seen[k] {
				seen[k] = true
				f.Add(o[0], append([]byte(nil), o[2:2+n]...))
			}
			o = o[2+n:]
		}
	}
	if len(seen) == 0 {
		f.Fatal("no DHCP option in the test captures to seed from")
	}
	f.Add(uint8(optRouter), []byte{10, 0, 0, 1, 10, 0, 0, 2})
	f.Add(uint8(optRouter), []byte{10, 0, 0}) // short
	f.Add(uint8(optClasslessRoutes), []byte{24, 192, 168, 1, 10, 0, 0, 1, 0, 10, 0, 0, 1})
	f.Add(uint8(optClasslessRoutes), []byte{33, 1, 2, 3, 4, 5})            // width > 32
	f.Add(uint8(optDomainSearch), []byte{3, 'f', 'o', 'o', 0, 0xc0, 0x00}) // pointer back
	f.Add(uint8(optDomainSearch), []byte{0xc0, 0x00})                      // pointer loop
	f.Add(uint8(optRelayAgent), []byte{1, 3, 'a', 'b', 'c', 2, 9})         // sub-option cut
	f.Add(uint8(optClientFQDN), []byte{4, 0, 0, 3, 'w', 'w', 'w', 0})      // wire format
	f.Add(uint8(optClientID), []byte{255, 0, 0, 0, 1, 0, 1, 0, 1, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6})
	f.Add(uint8(optVIVendorSpecific), []byte{0, 0, 0x0d, 0xe9, 4, 1, 2, 'h', 'i'})
	f.Add(uint8(optVIVendorClass), []byte{0, 0, 0x0d, 0xe9, 3, 2, 'h', 'i'})
	f.Add(uint8(optUserClass), []byte{3, 'a', 'b', 'c', 0})
	f.Add(uint8(optSIPServers), []byte{0, 3, 's', 'i', 'p', 0})
	f.Add(uint8(optSIPServers), []byte{1, 10, 0, 0, 5})
	f.Add(uint8(optParamRequest), []byte{1, 3, 6, 15, 119, 252})
	f.Add(uint8(200), []byte{0xff})
	f.Fuzz(func(t *testing.T, code uint8, data []byte) {
		val, problem := decodeValue(code, data)
		if p := optionProblem(code, data); p != problem {
			t.Fatalf("option %d: optionProblem %q, decodeValue problem %q", code, p, problem)
		}
		if _, err := json.Marshal(val); err != nil {
			t.Fatalf("option %d value does not marshal: %v", code, err)
		}
	})
}

// fakePacket is an Ethernet/IPv4/UDP packet from port 68 to 67 whose
// payload the caller sets.
func fakePacket() *engine.Packet {
	return &engine.Packet{
		Number:    1,
		Timestamp: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
		Ethernet:  &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
		IPv4:      &layers.IPv4{SrcIP: net.IPv4zero.To4(), DstIP: net.IPv4bcast.To4()},
		UDP:       &layers.UDP{SrcPort: 68, DstPort: 67},
	}
}

func testConfig(t *testing.T) *config {
	c, err := newConfig(Input{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
