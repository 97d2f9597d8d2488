package capinfos

import (
	"bufio"
	"bytes"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

func analyze(t *testing.T, in Input) (*Output, error) {
	t.Helper()
	return New(Options{}).analyze(t.Context(), pcaptest.Env(0), in)
}

// capinfosFacts are the fields the acceptance test compares with capinfos.
type capinfosFacts struct {
	packets   int
	encap     string
	first     string // microseconds, or "n/a"
	last      string
	duration  float64 // seconds; NaN for n/a
	dataBytes int64
}

// parseCapinfos reads `capinfos -M` output.
func parseCapinfos(t *testing.T, text string) capinfosFacts {
	t.Helper()
	f := capinfosFacts{duration: math.NaN(), first: "n/a", last: "n/a"}
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch k {
		case "Number of packets":
			f.packets, _ = strconv.Atoi(v)
		case "File encapsulation":
			f.encap = v
		case "First packet time", "Last packet time":
			s := v
			if v != "n/a" {
				ts, err := time.Parse("2006-01-02 15:04:05.999999999", v)
				if err != nil {
					t.Fatalf("%s %q: %v", k, v, err)
				}
				s = ts.Truncate(time.Microsecond).Format("2006-01-02 15:04:05.000000")
			}
			if k == "First packet time" {
				f.first = s
			} else {
				f.last = s
			}
		case "Capture duration":
			if v != "n/a" {
				f.duration, _ = strconv.ParseFloat(strings.TrimSuffix(v, " seconds"), 64)
			}
		case "Data size":
			f.dataBytes, _ = strconv.ParseInt(strings.TrimSuffix(v, " bytes"), 10, 64)
		}
	}
	return f
}

func ourFacts(o *Output) capinfosFacts {
	f := capinfosFacts{packets: o.PacketCount, encap: o.FileEncapsulationShort, dataBytes: o.DataSizeBytes, first: "n/a", last: "n/a", duration: math.NaN()}
	us := func(s string) string {
		ts, _ := time.Parse(time.RFC3339Nano, s)
		return ts.Truncate(time.Microsecond).Format("2006-01-02 15:04:05.000000")
	}
	if o.FirstPacketTime != nil {
		f.first, f.last = us(*o.FirstPacketTime), us(*o.LastPacketTime)
		f.duration = o.CaptureDurationSeconds
	}
	return f
}

func compareFacts(t *testing.T, name string, got, want capinfosFacts) {
	t.Helper()
	durOK := (math.IsNaN(got.duration) && math.IsNaN(want.duration)) || math.Abs(got.duration-want.duration) < 1.5e-6
	if got.packets != want.packets || got.encap != want.encap || got.first != want.first || got.last != want.last || !durOK || got.dataBytes != want.dataBytes {
		t.Errorf("%s:\n got  %+v\n want %+v (capinfos)", name, got, want)
	}
}

// capinfosBugs lists corpus captures where capinfos 4.0 is wrong, with the
// right values. sip-call-ipv6-udp-heplify.pcap has packet times past 2038
// (unsigned 32-bit seconds, as the pcap format defines them); capinfos 4.0
// reports the last packet's time as first and last, while tshark's
// frame.time_epoch for frames 1 and 6 is 1328589362.251758 and
// 3867576602.251758.
var capinfosBugs = map[string]capinfosFacts{
	"sip-call-ipv6-udp-heplify.pcap": {first: "2012-02-07 04:36:02.251758", last: "2092-07-22 14:50:02.251758", duration: 3867576602 - 1328589362},
}

// TestCorpusAgreesWithCapinfos checks every corpus capture that capinfos
// could read against capinfos's own output (../shared/corpus/truth).
func TestCorpusAgreesWithCapinfos(t *testing.T) {
	dir := pcaptest.RequireCorpus(t)
	checked := 0
	for _, s := range pcaptest.CorpusSummaries(t, dir) {
		if s.CapinfosExit != 0 {
			continue
		}
		t.Run(s.File, func(t *testing.T) {
			truth, err := os.ReadFile(filepath.Join(dir, "truth", s.File+".capinfos.txt"))
			if err != nil {
				t.Fatal(err)
			}
			out, err := analyze(t, Input{PcapFile: filepath.Join(dir, s.File)})
			if err != nil {
				t.Fatal(err)
			}
			want := parseCapinfos(t, string(truth))
			if fix, ok := capinfosBugs[s.File]; ok {
				want.first, want.last, want.duration = fix.first, fix.last, fix.duration
			}
			compareFacts(t, s.File, ourFacts(out), want)
			if len(out.Warnings) != 0 {
				t.Errorf("warnings on a capture capinfos reads cleanly: %q", out.Warnings)
			}
		})
		checked++
	}
	if checked < 100 {
		t.Errorf("checked %d captures; the corpus has more than 100 that capinfos reads", checked)
	}
}

// TestLiveCapinfos runs Wireshark's capinfos on the repository's test
// captures, and on generated ones, and compares.
func TestLiveCapinfos(t *testing.T) {
	bin, ok := pcaptest.LookPath("capinfos")
	if !ok {
		t.Skip("capinfos is not installed (apt-get install tshark); .ci/run installs it")
	}
	tmp := t.TempDir()
	files, _ := filepath.Glob(filepath.Join(pcaptest.Root(t), "testdata", "*.pcap*"))
	files = append(files, filepath.Join(pcaptest.Root(t), "examples", "dhcp.pcap"))
	for name, b := range generated(t) {
		p := filepath.Join(tmp, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
	}
	checked := 0
	for _, file := range files {
		var stdout bytes.Buffer
		cmd := exec.Command(bin, "-M", file)
		cmd.Stdout = &stdout
		cmd.Env = append(os.Environ(), "TZ=UTC", "LC_ALL=C")
		if err := cmd.Run(); err != nil {
			// capinfos cannot read it: our reader must refuse it too, or
			// return what precedes the damage with a warning.
			out, err := analyze(t, Input{PcapFile: file})
			if err == nil && len(out.Warnings) == 0 {
				t.Errorf("%s: capinfos fails on it, but we report no error or warning", filepath.Base(file))
			}
			continue
		}
		out, err := analyze(t, Input{PcapFile: file})
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(file), err)
			continue
		}
		compareFacts(t, filepath.Base(file), ourFacts(out), parseCapinfos(t, stdout.String()))
		checked++
	}
	if checked < 10 {
		t.Errorf("compared %d captures with capinfos, want at least 10", checked)
	}
}

// generated returns captures written in the test: mixed link types, gzip,
// nanosecond, out of order, one packet.
func generated(t *testing.T) map[string][]byte {
	base := time.Date(2024, 3, 1, 10, 0, 0, 987654321, time.UTC)
	eth := pcaptest.UDP4(t, "00:11:22:33:44:55", "66:77:88:99:aa:bb", "10.0.0.1", "10.0.0.2", 1000, 53, []byte("abc"))
	raw := pcaptest.RawUDP4(t, "10.0.0.1", "10.0.0.2", 1000, 53, []byte("abcdef"))
	mixed := []pcaptest.Frame{
		{Time: base, Data: eth, Interface: 0},
		{Time: base.Add(-time.Second), Data: raw, Interface: 1},
		{Time: base.Add(3 * time.Second), Data: eth[:30], Length: len(eth), Interface: 0},
	}
	return map[string][]byte{
		"mixed.pcapng":    pcaptest.PcapNG(t, []layers.LinkType{layers.LinkTypeEthernet, layers.LinkTypeRaw}, mixed),
		"mixed.pcapng.gz": pcaptest.Gzip(t, pcaptest.PcapNG(t, []layers.LinkType{layers.LinkTypeEthernet, layers.LinkTypeRaw}, mixed)),
		"nsec.pcap":       pcaptest.Pcap(t, layers.LinkTypeEthernet, true, []pcaptest.Frame{{Time: base, Data: eth}, {Time: base.Add(1500 * time.Nanosecond), Data: eth}}),
		"one.pcap":        pcaptest.Pcap(t, layers.LinkTypeEthernet, false, []pcaptest.Frame{{Time: base, Data: eth}}),
	}
}

func TestOnePacketHasNoRates(t *testing.T) {
	p := filepath.Join(t.TempDir(), "one.pcap")
	if err := os.WriteFile(p, generated(t)["one.pcap"], 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := analyze(t, Input{PcapFile: p})
	if err != nil {
		t.Fatal(err)
	}
	if out.PacketCount != 1 || out.CaptureDurationSeconds != 0 || out.DataRateBytes != nil || out.DataRateBits != nil || out.AveragePacketRate != nil {
		t.Errorf("one packet: duration %v, rates %v %v %v; want 0 and null rates", out.CaptureDurationSeconds, out.DataRateBytes, out.DataRateBits, out.AveragePacketRate)
	}
	if out.AveragePacketSizeBytes == nil || *out.AveragePacketSizeBytes != float64(out.DataSizeBytes) {
		t.Errorf("average size = %v, want %d", out.AveragePacketSizeBytes, out.DataSizeBytes)
	}
}

func TestMixedAndOutOfOrder(t *testing.T) {
	p := filepath.Join(t.TempDir(), "mixed.pcapng")
	if err := os.WriteFile(p, generated(t)["mixed.pcapng"], 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := analyze(t, Input{PcapFile: p})
	if err != nil {
		t.Fatal(err)
	}
	if out.FileEncapsulation != "Per packet" || out.LinkType != nil || len(out.Encapsulations) != 2 {
		t.Errorf("encapsulation %q link %v encaps %+v", out.FileEncapsulation, out.LinkType, out.Encapsulations)
	}
	if out.StrictTimeOrder || out.OutOfOrderPackets != 1 {
		t.Errorf("strict %v, out of order %d; want false, 1", out.StrictTimeOrder, out.OutOfOrderPackets)
	}
	if out.FirstPacketTime == nil || *out.FirstPacketTime != "2024-03-01T09:59:59.987654321Z" || *out.LastPacketTime != "2024-03-01T10:00:03.987654321Z" || out.CaptureDurationSeconds != 4 {
		t.Errorf("first %v last %v duration %v", *out.FirstPacketTime, *out.LastPacketTime, out.CaptureDurationSeconds)
	}
	if out.PacketsCutBySnaplen != 1 || out.CapturedBytes != out.DataSizeBytes-int64(len(generated(t)["one.pcap"])-24-16-30) {
		t.Errorf("cut %d captured %d data %d", out.PacketsCutBySnaplen, out.CapturedBytes, out.DataSizeBytes)
	}
	if out.Interfaces[0].Packets != 2 || out.Interfaces[1].Packets != 1 || out.InterfaceCount != 2 || out.Interfaces[1].Name != "if1" {
		t.Errorf("interfaces %+v", out.Interfaces)
	}
	if out.TimestampPrecision != "nanoseconds" || out.Format != "pcapng" || out.Sections[0].Application != "mcpacket pcaptest" {
		t.Errorf("precision %q format %q sections %+v", out.TimestampPrecision, out.Format, out.Sections)
	}
}

// TestPagingBoundsOutput: a pcapng with thousands of interfaces still gives a
// default response under 64 KiB, with the cut disclosed.
func TestPagingBoundsOutput(t *testing.T) {
	ifaces := make([]layers.LinkType, 3000)
	for i := range ifaces {
		ifaces[i] = layers.LinkTypeEthernet
	}
	eth := pcaptest.UDP4(t, "00:11:22:33:44:55", "66:77:88:99:aa:bb", "10.0.0.1", "10.0.0.2", 1000, 53, nil)
	b := pcaptest.PcapNG(t, ifaces, []pcaptest.Frame{{Time: time.Unix(1e9, 0), Data: eth, Interface: 2999}})
	p := filepath.Join(t.TempDir(), "many.pcapng")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := analyze(t, Input{PcapFile: p})
	if err != nil {
		t.Fatal(err)
	}
	js, _ := json.Marshal(out)
	if len(js) > 64<<10 {
		t.Errorf("default response is %d bytes, want at most 64 KiB", len(js))
	}
	pg := out.InterfacesPage
	if out.InterfaceCount != 3000 || pg.Total != 3000 || pg.Returned != DefaultLimit || !pg.Truncated || pg.NextOffset == nil || *pg.NextOffset != DefaultLimit {
		t.Errorf("count %d page %+v", out.InterfaceCount, pg)
	}
	last, err := analyze(t, Input{PcapFile: p, Offset: 2990, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(last.Interfaces); n != 10 || last.InterfacesPage.Truncated || last.Interfaces[9].Index != 2999 || last.Interfaces[9].Packets != 1 {
		t.Errorf("last page: %d interfaces, page %+v", n, last.InterfacesPage)
	}
	if _, err := analyze(t, Input{PcapFile: p, Limit: MaxLimit + 1}); err == nil || !strings.Contains(err.Error(), "maximum") {
		t.Errorf("limit above max: err = %v", err)
	}
}

// TestGolden compares the full output for each test capture with its golden
// file (go test -update rewrites them).
func TestGolden(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(pcaptest.Root(t), "testdata", "*.pcap*"))
	for _, file := range files {
		name := filepath.Base(file)
		t.Run(name, func(t *testing.T) {
			out, err := analyze(t, Input{PcapFile: file})
			golden := filepath.Join("testdata", name+".golden")
			if err != nil {
				pcaptest.Golden(t, golden, []byte("error: "+strings.ReplaceAll(err.Error(), pcaptest.Root(t), "ROOT")+"\n"))
				return
			}
			out.File = name
			pcaptest.GoldenJSON(t, golden, out)
		})
	}
}

func TestReport(t *testing.T) {
	out, err := analyze(t, Input{PcapFile: filepath.Join(pcaptest.Root(t), "examples", "dhcp.pcap")})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := writeReport(&b, out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Number of packets:     4", "File encapsulation:    Ethernet (ether)", "First packet time:     2025-09-10T06:41:28.114339000Z", "SHA256:                717174c75cf9095ee436f1963fb14aaf32ccb9d2e2e325bc5ddd51f6dfd29b67"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, b.String())
		}
	}
}
