package records

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/modkit"
	"github.com/mcpacket/mcpacket/internal/result"
)

// frameRow is the test recorder's row: one per frame, dated frame number
// days after the frame's time, so a capture spans several partitions.
type frameRow struct {
	TS     time.Time `parquet:"ts,timestamp(nanosecond)" json:"ts"`
	Frame  int64     `parquet:"frame" json:"frame"`
	Length int32     `parquet:"length" json:"length"`
	Note   *string   `parquet:"note,optional" json:"note"`
}

// frames is a Recorder of table "frames" with one finding.
type frames struct{}

func (frames) Name() string                                     { return "frames" }
func (frames) Tools() []analyzer.Tool                           { return nil }
func (frames) Prompts() []analyzer.Prompt                       { return nil }
func (frames) Tables() []modkit.Table                           { return []modkit.Table{modkit.TableOf[frameRow]("frames")} }
func (f frames) NewPass(env *analyzer.Env) (modkit.Pass, error) { return f.RecordPass(env, nil) }
func (frames) RecordPass(env *analyzer.Env, sink modkit.Sink) (modkit.Pass, error) {
	var r frameRow
	return &modkit.SimplePass{
		Obs: []engine.Observer{engine.ObserverFunc(func(p *engine.Packet) {
			if sink == nil {
				return
			}
			r = frameRow{TS: p.Timestamp.Add(time.Duration(p.Number) * 24 * time.Hour), Frame: int64(p.Number), Length: int32(p.Length)}
			if p.Number%2 == 0 {
				s := "even"
				r.Note = &s
			}
			sink.Put("frames", &r)
		})},
		Conclude: func(*engine.Result) modkit.Brief {
			return modkit.Brief{Module: "frames", Findings: []result.Finding{{Type: "test_finding", Severity: result.Low, Summary: "s", EvidenceFrames: []int{1, 2}, EvidenceFramesTotal: 2}}}
		},
	}, nil
}

func testEnv(out string) *analyzer.Env {
	return &analyzer.Env{OutputDir: out, Open: func(_ context.Context, ref string) (*analyzer.Source, error) {
		f, err := os.Open(ref)
		if err != nil {
			return nil, err
		}
		st, _ := f.Stat()
		return &analyzer.Source{ReadCloser: f, Name: ref, Size: st.Size()}, nil
	}}
}

const testCapture = "../../testdata/tcp-fast-retransmit.pcap"

func run(t *testing.T, env *analyzer.Env, in Input) (*Output, error) {
	t.Helper()
	m := New(Options{Recorders: []modkit.Recorder{frames{}}, Modules: []modkit.Passer{frames{}}})
	if in.PcapFile == "" {
		in.PcapFile = testCapture
	}
	return m.export(t.Context(), env, in)
}

func TestExportPartitionsAndReadsBack(t *testing.T) {
	data, err := os.ReadFile(testCapture)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	id := hex.EncodeToString(sum[:])[:32]
	for _, format := range []string{Parquet, JSONL} {
		t.Run(format, func(t *testing.T) {
			dir := t.TempDir()
			out, err := run(t, testEnv(dir), Input{Format: format})
			if err != nil {
				t.Fatal(err)
			}
			if out.Capture != id {
				t.Errorf("capture id %s, want the SHA-256 prefix of the file %s", out.Capture, id)
			}
			var got []frameRow
			var findings int
			for _, tb := range out.Tables {
				for _, f := range tb.Files {
					if want := "part-" + id + "." + format; filepath.Base(f) != want {
						t.Errorf("file %s: want name %s", f, want)
					}
					rows := readRows[frameRow](t, filepath.Join(dir, f), format)
					part := strings.Split(f, "/")
					for _, r := range rows {
						if tb.Table == "frames" && "date="+r.TS.UTC().Format(time.DateOnly) != part[1] {
							t.Errorf("row of %s in partition %s", r.TS, part[1])
						}
					}
					switch tb.Table {
					case "frames":
						got = append(got, rows...)
					case findingsTable:
						findings += len(rows)
					}
				}
			}
			if int64(len(got)) != int64(out.FramesRead) || len(got) < 3 {
				t.Fatalf("%d frame rows read back, %d frames read", len(got), out.FramesRead)
			}
			for _, r := range got {
				if (r.Note != nil) != (r.Frame%2 == 0) {
					t.Errorf("frame %d: note %v", r.Frame, r.Note)
				}
			}
			if findings != 1 {
				t.Errorf("%d findings rows, want 1", findings)
			}
			// Nothing left behind under a temporary name.
			filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
				if err == nil && strings.HasPrefix(fi.Name(), ".tmp-") {
					t.Errorf("temporary file left: %s", p)
				}
				return nil
			})
		})
	}
}

func readRows[T any](t *testing.T, path, format string) []T {
	t.Helper()
	if format == Parquet {
		rows, err := parquet.ReadFile[T](path)
		if err != nil {
			t.Fatalf("read %s: %v", path, err)
		}
		return rows
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []T
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r T
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, r)
	}
	return out
}

func TestTimestampIsNanosUTC(t *testing.T) {
	s := parquet.SchemaOf(new(frameRow))
	lt := s.Fields()[0].Type().LogicalType()
	if got, want := lt.String(), "TIMESTAMP(isAdjustedToUTC=true,unit=NANOS)"; got != want {
		t.Errorf("ts logical type %s, want %s", got, want)
	}
}

func TestExportNeverReplaces(t *testing.T) {
	dir := t.TempDir()
	env := testEnv(dir)
	first, err := run(t, env, Input{})
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(dir, first.Tables[0].Files[0])
	before, _ := os.ReadFile(f)
	again, err := run(t, env, Input{})
	if err != nil {
		t.Fatal(err)
	}
	if !again.Skipped || len(again.Tables) != 0 || !strings.Contains(again.Message, "exported") {
		t.Errorf("second export: %+v, want skipped with a message", again)
	}
	after, _ := os.ReadFile(f)
	if string(before) != string(after) {
		t.Error("the second export changed a file of the first")
	}
	// Another table selection of the same capture still writes its own
	// tables only.
	other, err := run(t, env, Input{Tables: "findings", Subdir: "other"})
	if err != nil || other.Skipped || len(other.Tables) != 1 {
		t.Errorf("export of findings into a new subdir: %+v, %v", other, err)
	}
}

func TestExportRefuses(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name string
		env  *analyzer.Env
		in   Input
		want string
	}{
		{"no output dir", testEnv(""), Input{}, "--output-dir"},
		{"format", testEnv(dir), Input{Format: "csv"}, "parquet or jsonl"},
		{"table", testEnv(dir), Input{Tables: "frames,nope"}, `unknown table "nope"`},
		{"subdir up", testEnv(dir), Input{Subdir: "../x"}, "subdir"},
		{"subdir absolute", testEnv(dir), Input{Subdir: "/tmp/x"}, "subdir"},
		{"missing capture", testEnv(dir), Input{PcapFile: "nope.pcap"}, "nope.pcap"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := run(t, c.env, c.in)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one naming %q", err, c.want)
			}
		})
	}
	if ents, _ := os.ReadDir(filepath.Dir(dir)); len(ents) != 1 {
		t.Errorf("refused exports wrote beside the output directory: %v", ents)
	}
}

// budgetProbe is a Recorder that notes the state budget its pass got and
// warns that its table is at its bound.
type budgetProbe struct {
	name string
	got  *int64
}

func (b budgetProbe) Name() string                                   { return b.name }
func (budgetProbe) Tools() []analyzer.Tool                           { return nil }
func (budgetProbe) Prompts() []analyzer.Prompt                       { return nil }
func (b budgetProbe) Tables() []modkit.Table                         { return []modkit.Table{modkit.TableOf[frameRow](b.name)} }
func (b budgetProbe) NewPass(env *analyzer.Env) (modkit.Pass, error) { return b.RecordPass(env, nil) }
func (b budgetProbe) RecordPass(env *analyzer.Env, _ modkit.Sink) (modkit.Pass, error) {
	*b.got = env.MaxStateBytes
	return &modkit.SimplePass{Conclude: func(*engine.Result) modkit.Brief {
		return modkit.Brief{Module: b.name, Warnings: []string{b.name + ": at its bound"}}
	}}, nil
}

// TestExportSharesStateBudget checks that each pass of an export gets its
// share of the export's state budget, and that the warnings of every
// pass's brief reach the export's.
func TestExportSharesStateBudget(t *testing.T) {
	var tcp, a, b int64
	m := New(Options{Recorders: []modkit.Recorder{budgetProbe{"tcp", &tcp}, budgetProbe{"a", &a}}, Modules: []modkit.Passer{budgetProbe{"b", &b}}})
	env := testEnv(t.TempDir())
	env.MaxStateBytes = 100 << 20
	out, err := m.export(t.Context(), env, Input{PcapFile: testCapture})
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(float64(env.MaxStateBytes) * stateShares["tcp"]); tcp != want {
		t.Errorf("tcp's budget = %d, want %d", tcp, want)
	}
	if want := int64(float64(env.MaxStateBytes) * sharedStateShare / 2); a != want || b != want {
		t.Errorf("the other passes' budgets = %d and %d, want %d each", a, b, want)
	}
	var sum float64
	for _, s := range stateShares {
		sum += s
	}
	if sum+sharedStateShare > 1 {
		t.Errorf("the shares add up to %g, over the budget", sum+sharedStateShare)
	}
	for _, w := range []string{"tcp: at its bound", "a: at its bound", "b: at its bound"} {
		if !slices.Contains(out.Warnings, w) {
			t.Errorf("warnings %q lack %q", out.Warnings, w)
		}
	}
}
