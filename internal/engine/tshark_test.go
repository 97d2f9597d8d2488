package engine_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// TestAgreesWithTshark decodes every repository capture and compares each
// frame's outermost IP addresses and transport ports with tshark's.
func TestAgreesWithTshark(t *testing.T) {
	bin, ok := pcaptest.LookPath("tshark")
	if !ok {
		t.Skip("tshark is not installed (apt-get install tshark); .ci/run installs it")
	}
	files, _ := filepath.Glob(filepath.Join(pcaptest.Root(t), "testdata", "*.pcap*"))
	gen, _ := filepath.Glob(filepath.Join(pcaptest.Root(t), "testdata", "gen", "*.pcap"))
	compared := 0
	for _, file := range append(files, gen...) {
		if strings.HasPrefix(filepath.Base(file), "malformed-") {
			continue // tshark guesses another pcap variant for damaged headers
		}
		cmd := exec.Command(bin, "-n", "-r", file, "-T", "fields", "-E", "occurrence=f", "-E", "separator=/t",
			"-e", "frame.number", "-e", "ip.src", "-e", "ip.dst", "-e", "ipv6.src", "-e", "ipv6.dst",
			"-e", "udp.srcport", "-e", "udp.dstport", "-e", "tcp.srcport", "-e", "tcp.dstport")
		cmd.Env = append(os.Environ(), "LC_ALL=C")
		out, err := cmd.Output()
		if err != nil && len(out) == 0 {
			continue // tshark cannot read it either
		}
		want := map[string]string{}
		for _, line := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
			f := strings.Split(line, "\t")
			if len(f) < 9 {
				continue
			}
			src, dst := f[1]+f[3], f[2]+f[4]
			want[f[0]] = fmt.Sprintf("%s %s %s%s %s%s", src, dst, f[5], f[7], f[6], f[8])
		}
		b, _ := os.ReadFile(file)
		_, err = engine.Run(t.Context(), bytes.NewReader(b), engine.Options{}, engine.ObserverFunc(func(p *engine.Packet) {
			w, ok := want[fmt.Sprint(p.Number)]
			if !ok {
				return
			}
			var src, dst string
			if a := p.SrcIP(); a.IsValid() {
				src, dst = a.String(), p.DstIP().String()
			}
			var sp, dp string
			if s, d, ok := p.Ports(); ok {
				sp, dp = fmt.Sprint(s), fmt.Sprint(d)
			}
			if p.Fragment && p.IPv4 != nil && p.IPv4.FragOffset == 0 && sp != "" && !strings.HasSuffix(w, " "+sp+" "+dp) {
				return // a first fragment tshark reassembles: ports show on the last one
			}
			if p.ICMPv4 != nil || p.ICMPv6 != nil {
				// tshark's first port fields come from the packet an ICMP
				// error quotes; compare the addresses only.
				w = strings.Join(strings.Fields(w)[:2], " ")
				got := src + " " + dst
				if got != w {
					t.Errorf("%s frame %d: %q, tshark %q", filepath.Base(file), p.Number, got, w)
				}
				compared++
				return
			}
			if got := fmt.Sprintf("%s %s %s %s", src, dst, sp, dp); got != w {
				t.Errorf("%s frame %d: %q, tshark %q", filepath.Base(file), p.Number, got, w)
			}
			compared++
		}))
		if err != nil {
			t.Errorf("%s: %v", file, err)
		}
	}
	if compared < 1000 {
		t.Errorf("compared %d frames, want at least 1000", compared)
	}
}
