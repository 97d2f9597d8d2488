package dhcp

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/capture"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

func testEnv(maxPackets int) *analyzer.Env {
	op := &capture.Opener{}
	return &analyzer.Env{MaxPackets: maxPackets, Open: func(ctx context.Context, ref string) (*analyzer.Source, error) {
		s, err := op.Open(ctx, ref)
		if err != nil {
			return nil, err
		}
		return &analyzer.Source{ReadCloser: s.ReadCloser, Name: s.Name, Size: s.Size}, nil
	}}
}

func analyze(t testing.TB, in Input) *Output {
	t.Helper()
	out, err := New(Options{}).analyze(context.Background(), testEnv(0), in)
	if err != nil {
		t.Fatalf("analyze %s: %v", in.PcapFile, err)
	}
	return out
}

// allPackets pages through every DHCP packet of a capture.
func allPackets(t *testing.T, file string) []Packet {
	var all []Packet
	for offset := 0; ; {
		out := analyze(t, Input{PcapFile: file, Limit: MaxLimit, Offset: offset})
		all = append(all, out.Packets...)
		if !out.PacketsPage.Truncated {
			if len(all) != out.PacketsPage.Total {
				t.Fatalf("paged %d packets, total says %d", len(all), out.PacketsPage.Total)
			}
			return all
		}
		offset = *out.PacketsPage.NextOffset
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// TestAgreesWithTshark checks every DHCP packet of the shared corpus against
// tshark (../shared/corpus/truth/*.dhcp.tsv): frame number, transaction id,
// message type, client MAC, your IP and server id.
func TestAgreesWithTshark(t *testing.T) {
	dir := pcaptest.RequireCorpus(t)
	tables, _ := filepath.Glob(filepath.Join(dir, "truth", "*.dhcp.tsv"))
	if len(tables) < 15 {
		t.Fatalf("found %d DHCP truth tables, want at least 15", len(tables))
	}
	checked := 0
	for _, table := range tables {
		file := strings.TrimSuffix(filepath.Base(table), ".dhcp.tsv")
		t.Run(file, func(t *testing.T) {
			rows := pcaptest.ReadTSV(t, table)
			got := map[int]Packet{}
			for _, p := range allPackets(t, filepath.Join(dir, file)) {
				got[p.PacketNumber] = p
			}
			for _, row := range rows {
				n, _ := strconv.Atoi(row["frame.number"])
				p, ok := got[n]
				if !ok {
					t.Errorf("frame %d: tshark sees DHCP, we do not", n)
					continue
				}
				delete(got, n)
				code := ""
				if p.MessageTypeCode != nil {
					code = strconv.Itoa(*p.MessageTypeCode)
				}
				yourIP := p.YourIP
				if p.TransactionID == "" {
					yourIP = ""
				}
				want := []string{row["dhcp.id"], row["dhcp.option.dhcp"], row["dhcp.hw.mac_addr"], row["dhcp.ip.your"], row["dhcp.option.dhcp_server_id"]}
				have := []string{p.TransactionID, code, p.ClientMAC, yourIP, deref(p.ServerID)}
				if fmt.Sprint(want) != fmt.Sprint(have) {
					t.Errorf("frame %d: [xid type chaddr yiaddr server_id] = %q, tshark %q", n, have, want)
				}
				checked++
			}
			for n, p := range got {
				if !p.NonStandardPort {
					t.Errorf("frame %d: we see DHCP on a standard port, tshark does not", n)
				}
			}
		})
	}
	t.Logf("%d DHCP packets agree with tshark", checked)
	if checked < 10000 {
		t.Errorf("checked %d packets; the corpus has more than 10,000", checked)
	}
}

// TestGolden compares the default output for each DHCP capture in testdata
// with its golden file (go test -update rewrites them).
func TestGolden(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.pcap*"))
	files = append(files, filepath.Join(pcaptest.Root(t), "examples", "dhcp.pcap"))
	gen, _ := filepath.Glob(filepath.Join(pcaptest.Root(t), "testdata", "gen", "dhcp-*.pcap"))
	files = append(files, gen...)
	if len(files) < 5 {
		t.Fatalf("only %d captures", len(files))
	}
	for _, file := range files {
		name := filepath.Base(file)
		t.Run(name, func(t *testing.T) {
			out := analyze(t, Input{PcapFile: file})
			out.File = name
			pcaptest.GoldenJSON(t, filepath.Join("testdata", "golden", name+".json"), out)
			b, _ := json.Marshal(out)
			if len(b) > ResponseBudget {
				t.Errorf("default response is %d bytes, over %d", len(b), ResponseBudget)
			}
		})
	}
}

func TestMain(m *testing.M) { os.Exit(m.Run()) }
