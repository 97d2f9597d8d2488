package overview

import (
	"bufio"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// Readers of the corpus truth files (tshark 4.0.17, ../shared/corpus/truth).

// phsNode is one line of "tshark -q -z io,phs".
type phsNode struct {
	path          string
	frames, bytes uint64
}

func readPHS(t testing.TB, file string) []phsNode {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var out []phsNode
	var stack []string
	for _, line := range strings.Split(string(data), "\n") {
		i := strings.Index(line, "frames:")
		if i < 0 {
			continue
		}
		indent := len(line) - len(strings.TrimLeft(line, " "))
		depth := indent / 2
		f := strings.Fields(line)
		name := strings.TrimPrefix(f[0], "...")
		if strings.HasPrefix(f[0], "...") {
			depth = 16
		}
		if depth > len(stack) {
			depth = len(stack)
		}
		stack = append(stack[:depth], name)
		var n phsNode
		n.path = strings.Join(stack, "/")
		for _, kv := range f[1:] {
			k, v, _ := strings.Cut(kv, ":")
			x, _ := strconv.ParseUint(v, 10, 64)
			switch k {
			case "frames":
				n.frames = x
			case "bytes":
				n.bytes = x
			}
		}
		out = append(out, n)
	}
	return out
}

// convRow is one conversation line of "tshark -q -z conv,<type>": A, B,
// frames and bytes B to A (<-), A to B (->), relative start, duration.
// Bytes are as tshark prints them ("5379 bytes", "72 kB").
type convRow struct {
	a, b               string
	framesBA, framesAB uint64
	bytesBA, bytesAB   string
	relStart, duration float64
}

var truthSections = map[string]convType{"Ethernet": convEth, "IPv4": convIPv4, "IPv6": convIPv6, "TCP": convTCP, "UDP": convUDP}

func readConv(t testing.TB, file string) map[convType][]convRow {
	t.Helper()
	out := map[convType][]convRow{}
	lines := readLines(t, file)
	cur := convType(255)
	for _, line := range lines {
		if typ, ok := strings.CutSuffix(strings.TrimSpace(line), " Conversations"); ok {
			cur = truthSections[typ]
			out[cur] = []convRow{}
			continue
		}
		if !strings.Contains(line, "<->") || cur == 255 {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 14 {
			t.Fatalf("%s: unexpected conversation line %q", file, line)
		}
		r := convRow{a: f[0], b: f[2]}
		r.framesBA, _ = strconv.ParseUint(f[3], 10, 64)
		r.bytesBA = f[4] + " " + f[5]
		r.framesAB, _ = strconv.ParseUint(f[6], 10, 64)
		r.bytesAB = f[7] + " " + f[8]
		r.relStart, _ = strconv.ParseFloat(f[12], 64)
		r.duration, _ = strconv.ParseFloat(f[13], 64)
		out[cur] = append(out[cur], r)
	}
	return out
}

// endpointRow is one line of "tshark -q -z endpoints,<type>".
type endpointRow struct {
	addr                               string
	packets, bytes, txp, txb, rxp, rxb uint64
}

func readEndpoints(t testing.TB, file string) map[convType][]endpointRow {
	t.Helper()
	out := map[convType][]endpointRow{}
	cur := convType(255)
	for _, line := range readLines(t, file) {
		if typ, ok := strings.CutSuffix(strings.TrimSpace(line), " Endpoints"); ok {
			cur = truthSections[typ]
			out[cur] = []endpointRow{}
			continue
		}
		f := strings.Fields(line)
		if cur == 255 || len(f) < 7 || strings.HasPrefix(line, "|") || strings.HasPrefix(line, "=") || strings.Contains(line, "|") {
			continue
		}
		var r endpointRow
		nums := f[1:]
		r.addr = f[0]
		if cur == convTCP || cur == convUDP {
			r.addr = f[0] + " " + f[1]
			nums = f[2:]
		}
		if len(nums) != 6 {
			continue
		}
		v := make([]uint64, 6)
		for i, s := range nums {
			v[i], _ = strconv.ParseUint(s, 10, 64)
		}
		r.packets, r.bytes, r.txp, r.txb, r.rxp, r.rxb = v[0], v[1], v[2], v[3], v[4], v[5]
		out[cur] = append(out[cur], r)
	}
	return out
}

func readLines(t testing.TB, file string) []string {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines
}

// tsharkSize formats a byte count as tshark 4.0's conversation tables do
// (format_size with SI prefixes: integer division, a prefix once the value
// reaches 10 of it).
func tsharkSize(n uint64) string {
	switch {
	case n/1e12 >= 10:
		return fmt.Sprintf("%d TB", n/1e12)
	case n/1e9 >= 10:
		return fmt.Sprintf("%d GB", n/1e9)
	case n/1e6 >= 10:
		return fmt.Sprintf("%d MB", n/1e6)
	case n/1e3 >= 10:
		return fmt.Sprintf("%d kB", n/1e3)
	}
	return fmt.Sprintf("%d bytes", n)
}

// runObserver runs the overview's observer alone over a corpus capture,
// with trace, when set, seeing each frame's flow.
func runObserver(t testing.TB, file string, trace func(p *engine.Packet, flows *flowTable, f *flowRec)) (*observer, *engine.Result, error) {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	o := newObserver(New(Options{}).opts)
	o.trace = trace
	res, err := engine.Run(t.Context(), bufio.NewReaderSize(f, 1<<20), engine.Options{}, o)
	return o, res, err
}

// corpusCaptures lists the corpus captures tshark could read.
func corpusCaptures(t testing.TB) (string, []string) {
	t.Helper()
	dir := pcaptest.RequireCorpus(t)
	var out []string
	for _, s := range pcaptest.CorpusSummaries(t, dir) {
		if s.Packets == 0 {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, s.File)); err != nil {
			continue
		}
		out = append(out, s.File)
	}
	return dir, out
}

// endpointKey renders an endpoint key as the truth prints it.
func endpointString(t convType, k endpointKey) string {
	s := t.addrString(k.addr)
	if t == convTCP || t == convUDP {
		s += " " + strconv.Itoa(int(k.port))
	}
	return s
}

// convKeyString renders an unordered pair as "x <-> y" with the smaller
// string first, to match rows whatever their A.
func pairString(a, b string) string {
	if b < a {
		a, b = b, a
	}
	return a + " <-> " + b
}

// convEndpoint renders one side of a conversation as the truth prints it:
// "addr" or "addr:port".
func convEndpoint(t convType, a [16]byte, port uint16) string {
	s := t.addrString(a)
	if t == convTCP || t == convUDP {
		s += ":" + strconv.Itoa(int(port))
	}
	return s
}

// parseEndpointAddr normalises an address as printed by tshark.
func parseEndpointAddr(s string) string {
	if a, err := netip.ParseAddr(s); err == nil {
		return a.String()
	}
	return s
}

func readFileIfExists(file string) ([]byte, error) { return os.ReadFile(file) }
