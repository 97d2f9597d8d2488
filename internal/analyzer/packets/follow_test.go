package packets

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/mcpacket/mcpacket/internal/analyzer/tcp"
	"github.com/mcpacket/mcpacket/internal/dissect"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// streamBytes is what one conversation carried, per direction.
type streamBytes struct {
	client, server []byte
}

// followAll follows every TCP and UDP conversation of a capture in one
// pass, each with its own follower (and Reassembler) fed exactly the frames
// follow_stream feeds it.
func followAll(t testing.TB, path string) (tcps, udps map[int]*streamBytes) {
	src, err := pcaptest.Env(0).OpenCapture(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	tr := dissect.NewTracker(dissect.Options{TCP: tcp.NewAnnotator(pcaptest.Env(0)), UDPStreams: true})
	type conv struct {
		f   *follower
		asm *engine.Reassembler
	}
	tc, uc := map[int]*conv{}, map[int]*conv{}
	get := func(m map[int]*conv, s int, p *engine.Packet, isTCP bool) *conv {
		c := m[s]
		if c == nil {
			sp, dp, _ := p.Ports()
			c = &conv{f: &follower{lo: 0, hi: math.MaxInt64, maxPieces: math.MaxInt, client: netip.AddrPortFrom(p.SrcIP(), sp), server: netip.AddrPortFrom(p.DstIP(), dp)}}
			if isTCP {
				c.asm = engine.NewReassembler(c.f)
			}
			m[s] = c
		}
		return c
	}
	_, err = engine.Run(context.Background(), src, engine.Options{}, engine.ObserverFunc(func(p *engine.Packet) {
		fr := tr.Frame(p)
		switch {
		case p.TCP != nil && fr.TCP.Stream >= 0:
			get(tc, fr.TCP.Stream, p, true).asm.Add(p)
		case p.UDP != nil && fr.UDPStream >= 0:
			c := get(uc, fr.UDPStream, p, false)
			sp, _, _ := p.Ports()
			c.f.add(netip.AddrPortFrom(p.SrcIP(), sp) == c.f.client, p.Number, p.UDP.Payload)
		case fr.UDPStream >= 0:
			get(uc, fr.UDPStream, p, false) // known only from an ICMP error's quote: no payload
		}
	}))
	if err != nil {
		return nil, nil // a capture this reader refuses (the capture tests cover it)
	}
	collect := func(m map[int]*conv) map[int]*streamBytes {
		out := map[int]*streamBytes{}
		for s, c := range m {
			if c.asm != nil {
				c.asm.Flush()
			}
			sb := &streamBytes{}
			for _, pc := range c.f.pieces {
				// tshark's raw follow writes a gap as this marker; the
				// tool reports it as gap_before.
				var marker []byte
				if pc.gap > 0 {
					marker = fmt.Appendf(nil, "[%d bytes missing in capture file]\x00", pc.gap)
				}
				if pc.fromClient {
					sb.client = append(append(sb.client, marker...), pc.data...)
				} else {
					sb.server = append(append(sb.server, marker...), pc.data...)
				}
			}
			out[s] = sb
		}
		return out
	}
	return collect(tc), collect(uc)
}

func digest(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:8]) + "/" + strconv.Itoa(len(b))
}

// tsharkFollow runs tshark's follow,tcp,raw and follow,udp,raw for every
// stream of a capture and returns "proto stream" -> client and server
// digests.
func tsharkFollow(t testing.TB, path string) map[string][2]string {
	// tshark exits non-zero on a capture damaged part way; what it read
	// before the damage stands, as it does for this module.
	out, _ := exec.Command("tshark", "-n", "-r", path, "-T", "fields", "-e", "tcp.stream", "-e", "udp.stream").Output()
	seen := map[string]bool{}
	args := []string{"-n", "-q", "-r", path}
	for _, line := range strings.Split(string(out), "\n") {
		cols := strings.Split(line, "\t")
		for i, proto := range []string{"tcp", "udp"} {
			if i < len(cols) && cols[i] != "" && !strings.Contains(cols[i], ",") {
				k := proto + "," + cols[i]
				if !seen[k] {
					seen[k] = true
					args = append(args, "-z", "follow,"+proto+",raw,"+cols[i])
				}
			}
		}
	}
	res := map[string][2]string{}
	if len(seen) == 0 {
		return res
	}
	out, _ = exec.Command("tshark", args...).Output()
	var key string
	var dirs [2][]byte
	flush := func() {
		if key != "" {
			res[key] = [2]string{digest(dirs[0]), digest(dirs[1])}
		}
		key, dirs = "", [2][]byte{}
	}
	for _, line := range strings.Split(string(out), "\n") {
		switch {
		case strings.HasPrefix(line, "Follow: "):
			flush()
		case strings.HasPrefix(line, "Filter: "):
			f := strings.Fields(line) // Filter: tcp.stream eq N
			key = strings.TrimSuffix(f[1], ".stream") + " " + f[3]
		case strings.HasPrefix(line, "Node ") || strings.HasPrefix(line, "====") || line == "":
		case key != "":
			d := 0
			if strings.HasPrefix(line, "\t") {
				d = 1
			}
			b, err := hex.DecodeString(strings.TrimSpace(line))
			if err != nil {
				t.Fatalf("tshark follow %s: bad line %q", path, line)
			}
			dirs[d] = append(dirs[d], b...)
		}
	}
	flush()
	return res
}

const followTruth = "testdata/follow.tsv.gz"

// TestFollowAgainstTshark compares every TCP and UDP stream of the corpus,
// byte for byte per direction (as SHA-256 prefix and length), with
// tshark -z follow,tcp,raw / follow,udp,raw (testdata/follow.tsv.gz, which
// -update rewrites with tshark).
func TestFollowAgainstTshark(t *testing.T) {
	dir := pcaptest.RequireCorpus(t)
	names := corpusFiles(dir)
	want := map[string][2]string{} // "capture proto stream"
	if pcaptest.Updating() {
		if _, ok := pcaptest.LookPath("tshark"); !ok {
			t.Skip("tshark not installed")
		}
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		fmt.Fprintln(zw, "# tshark -z follow,{tcp,udp},raw,N: capture, proto, stream, client sha256[:8]/bytes, server sha256[:8]/bytes")
		for _, n := range names {
			res := tsharkFollow(t, n)
			keys := make([]string, 0, len(res))
			for k := range res {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				proto, s, _ := strings.Cut(k, " ")
				fmt.Fprintf(zw, "%s\t%s\t%s\t%s\t%s\n", filepath.Base(n), proto, s, res[k][0], res[k][1])
			}
		}
		zw.Close()
		if err := os.WriteFile(followTruth, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, line := range pcaptest.GzipLines(t, followTruth) {
		if c := strings.Split(line, "\t"); len(c) == 5 {
			want[c[0]+" "+c[1]+" "+c[2]] = [2]string{c[3], c[4]}
		}
	}
	counts := map[string][2]int{} // proto -> agree, total
	ours := map[string]bool{}
	for _, n := range names {
		base := filepath.Base(n)
		tcps, udps := followAll(t, n)
		for proto, got := range map[string]map[int]*streamBytes{"tcp": tcps, "udp": udps} {
			for s, sb := range got {
				w, ok := want[base+" "+proto+" "+strconv.Itoa(s)]
				ours[base+" "+proto+" "+strconv.Itoa(s)] = true
				c := counts[proto]
				c[1]++
				if ok && w == [2]string{digest(sb.client), digest(sb.server)} {
					c[0]++
				} else if why, isKnown := followKnown[base+" "+proto+" "+strconv.Itoa(s)]; isKnown {
					t.Logf("%s %s stream %d differs (known: %s)", base, proto, s, why)
				} else {
					t.Errorf("%s %s stream %d: client %s server %s; tshark %v", base, proto, s, digest(sb.client), digest(sb.server), w)
				}
				counts[proto] = c
			}
		}
	}
	missing := 0
	for k := range want {
		if _, isKnown := followKnown[k]; !ours[k] && !isKnown {
			missing++
			if missing <= 10 {
				t.Errorf("%s: tshark follows it, this module has no such stream", k)
			}
		}
	}
	t.Logf("%d streams tshark follows are missing here", missing)
	for _, proto := range []string{"tcp", "udp"} {
		t.Logf("%s: %d of %d streams equal tshark's follow byte for byte in both directions", proto, counts[proto][0], counts[proto][1])
	}
}

// followKnown are the streams whose payload differs from tshark's, and
// why: none today (tshark's SNMP conversations, which once renumbered a
// capture's udp.streams, are followed by dissect's udp.stream).
var followKnown = map[string]string{}
