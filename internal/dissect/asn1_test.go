package dissect

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// TestASN1OIDsAgainstTshark asks live tshark, through the Lua script that
// made asn1oids.tsv, which protocol registered each OID of its ranges, and
// compares with the table.
func TestASN1OIDsAgainstTshark(t *testing.T) {
	bin, ok := pcaptest.LookPath("tshark")
	if !ok {
		t.Skip("tshark not installed: the OID table is not compared")
	}
	any := filepath.Join(pcaptest.Root(t), "testdata", "gen", "tls-go-normal.pcap")
	out, err := exec.Command(bin, "-n", "-X", "lua_script:testdata/asn1-oids.lua", "-r", any, "-c", "1").Output()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range strings.Split(string(out), "\n") {
		if strings.Contains(l, "\t") && l[0] >= '0' && l[0] <= '9' {
			got = append(got, l)
		}
	}
	var want []string
	for _, l := range strings.Split(asn1OIDsTSV, "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			want = append(want, l)
		}
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("tshark's ber.oid table differs from asn1oids.tsv:\n%s", strings.Join(got, "\n"))
	}
	if len(want) < 150 {
		t.Errorf("only %d OIDs", len(want))
	}
}

// FuzzASN1 walks any bytes as a certificate, an OCSP response and an OCSP
// request: nothing may panic, and each protocol pushed stands for an OID
// of at least one byte with its two-byte header.
func FuzzASN1(f *testing.F) {
	for _, name := range []string{"tls-go-rich-cert.pcap", "tls-go-normal.pcap"} {
		pcaptest.EachPacket(f, []string{filepath.Join(pcaptest.Root(f), "testdata", "gen", name)}, func(_ string, p *engine.Packet) {
			if p.TCP != nil && len(p.TCP.Payload) > 20 {
				pl := p.TCP.Payload
				for i := range pl[:len(pl)-1] {
					if pl[i] == 0x30 && pl[i+1] == 0x82 { // a long SEQUENCE: a certificate or response
						f.Add(pl[i:])
					}
				}
			}
		})
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		n := 0
		count := func(Proto) { n++ }
		ASN1Certificate(b, count)
		ASN1OCSPResponse(b, count)
		BodyASN1(true, b)
		if n > len(b) {
			t.Fatalf("%d protocols from %d bytes", n, len(b))
		}
	})
}
