package http

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/mcpacket/mcpacket/internal/pcaptest"
	"github.com/mcpacket/mcpacket/internal/result"
)

// analyze runs the tool on a capture.
func analyze(t testing.TB, in Input) *Output {
	t.Helper()
	return pcaptest.Run(t, New(Options{}).analyze, in)
}

func ptr[T any](v T) *T { return &v }

// everything runs the tool and pages through every transaction and file.
func everything(t testing.TB, path string) ([]Transaction, []File, *Output) {
	t.Helper()
	var first *Output
	txs := pcaptest.AllPages(t, func(off int) ([]Transaction, result.Page) {
		out := analyze(t, Input{PcapFile: path, Limit: ptr(MaxLimit), Offset: off, FilesLimit: ptr(0)})
		if first == nil {
			first = out
		}
		return out.Transactions, out.TxPage
	})
	files := pcaptest.AllPages(t, func(off int) ([]File, result.Page) {
		out := analyze(t, Input{PcapFile: path, Limit: ptr(0), FilesLimit: ptr(MaxLimit), FilesOffset: off})
		return out.Files, out.FilesPage
	})
	return txs, files, first
}

// h1Columns are the tshark fields compared per frame, and how a
// transaction gives them.
var h1Columns = []string{"http.request.method", "http.host", "http.request.uri", "http.response.code", "http.content_type", "http.content_length"}

// perFrame lists, for each frame, the values of each column of the
// messages completed in it, as tshark's -E occurrence=a aggregates them.
func perFrame(txs []Transaction) map[int]map[string][]string {
	out := map[int]map[string][]string{}
	add := func(frame int, col, v string) {
		if v == "" || frame == 0 {
			return
		}
		m := out[frame]
		if m == nil {
			m = map[string][]string{}
			out[frame] = m
		}
		m[col] = append(m[col], v)
	}
	clen := func(p *int64) string {
		if p == nil {
			return ""
		}
		return strconv.FormatInt(*p, 10)
	}
	for _, t := range txs {
		if t.Protocol == "HTTP/2" {
			continue
		}
		if t.Method != "" {
			f := t.RequestFrame
			add(f, "http.request.method", t.Method)
			add(f, "http.host", t.Host)
			add(f, "http.request.uri", t.URI)
			add(f, "http.content_type", t.Request.ContentType)
			add(f, "http.content_length", clen(t.Request.ContentLength))
			// A frame with only the request line holds a message too.
			if out[f] == nil {
				out[f] = map[string][]string{}
			}
		}
		for _, in := range t.Interim {
			add(in.Frame, "http.response.code", strconv.Itoa(in.Status))
		}
		if t.Status != 0 {
			f := t.ResponseFrame
			add(f, "http.response.code", strconv.Itoa(t.Status))
			add(f, "http.content_type", t.Response.ContentType)
			add(f, "http.content_length", clen(t.Response.ContentLength))
		}
	}
	return out
}

// tsharkH1Errors are the frames where tshark 4.0 is wrong, with the
// evidence.
var tsharkH1Errors = map[string]map[int]string{
	"tcp-retrans-wireshark-sample-arkime.pcap": {
		42: "a TCP fast retransmission of frame 41 (same seq 145, len 144): tshark dissects the copy as a second 200 response",
		86: "a TCP fast retransmission of frame 85: tshark dissects the copy as a second 200 response",
	},
}

func split(v string) []string {
	if v == "" {
		return nil
	}
	return strings.Split(v, ",")
}

// TestAgreesWithTshark compares, frame by frame, the method, host, URI,
// status, content type and content length of every HTTP/1 message tshark
// shows in the corpus with the module's.
func TestAgreesWithTshark(t *testing.T) {
	pcaptest.CorpusTruth(t, "http", 1500, func(t *testing.T, path string, rows []map[string]string) int {
		file := filepath.Base(path)
		txs, _, _ := everything(t, path)
		got := perFrame(txs)
		n, bad, udp := 0, 0, 0
		for _, row := range rows {
			frame, _ := strconv.Atoi(row["frame.number"])
			if row["tcp.stream"] == "" {
				udp++ // HTTP over UDP (SSDP): out of scope
				continue
			}
			if _, ok := tsharkH1Errors[file][frame]; ok {
				continue
			}
			g := got[frame]
			ok := g != nil
			for _, col := range h1Columns {
				want := split(row[col])
				have := g[col]
				// tshark splits a value holding commas; so does the join.
				have = split(strings.Join(have, ","))
				if !slices.Equal(sorted(want), sorted(have)) {
					ok = false
					if bad < 5 {
						t.Errorf("%s frame %d %s: tshark %q, module %q", file, frame, col, want, have)
					}
				}
			}
			if ok {
				n++
			} else {
				bad++
			}
		}
		if bad > 0 {
			t.Errorf("%s: %d of %d frames differ", file, bad, len(rows))
		}
		if udp > 0 {
			t.Logf("%s: %d frames of HTTP over UDP (SSDP) skipped: the module reads HTTP over TCP", file, udp)
		}
		return n
	})
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// TestFileHashes checks that every object tshark --export-objects http
// wrote from a corpus capture (its size and SHA-256, in
// truth/*.http_objects.tsv) is among the module's files.
func TestFileHashes(t *testing.T) {
	pcaptest.CorpusTruth(t, "http_objects", 1500, func(t *testing.T, path string, rows []map[string]string) int {
		file := filepath.Base(path)
		_, files, _ := everything(t, path)
		// tshark also writes an object for the payload of a segment that
		// is no HTTP message (named object<frame>, a frame its HTTP table
		// does not list: "OPTIONSHTTP/1.1", a body seen without its
		// header that follows no request), and an empty one for a message
		// with no body; neither is a file.
		messages := map[string]bool{}
		if tsv := path + ".http.tsv"; true {
			dir := filepath.Join(filepath.Dir(path), "truth", filepath.Base(tsv))
			if _, err := os.Stat(dir); err == nil {
				for _, r := range pcaptest.ReadTSV(t, dir) {
					messages[r["frame.number"]] = true
				}
			}
		}
		have := map[string]int{}
		for _, f := range files {
			have[strconv.FormatInt(f.Size, 10)+" "+f.SHA256]++
		}
		n, bad := 0, 0
		skipped := 0
		for _, row := range rows {
			if n, ok := strings.CutPrefix(row["filename"], "object"); (ok && !messages[n]) || row["bytes"] == "0" {
				skipped++
				continue
			}
			k := row["bytes"] + " " + row["sha256"]
			if have[k] > 0 {
				have[k]--
				n++
				continue
			}
			if bad < 5 {
				t.Errorf("%s: object %s (%s bytes, sha256 %s) not among the module's files", file, row["filename"], row["bytes"], row["sha256"])
			}
			bad++
		}
		if bad > 0 {
			t.Errorf("%s: %d of %d objects missing", file, bad, len(rows))
		}
		if skipped > 0 {
			t.Logf("%s: %d objects tshark wrote of no message or an empty body skipped", file, skipped)
		}
		return n
	})
}

// TestAgreesWithTsharkH2 compares the pseudo-headers of every HTTP/2
// HEADERS and PUSH_PROMISE frame tshark decoded in the corpus (with the
// Decode-As the truth README lists) with the module's: per TCP frame, the
// :method, :path, :authority and :status values.
func TestAgreesWithTsharkH2(t *testing.T) {
	cols := []string{"http2.headers.method", "http2.headers.path", "http2.headers.authority", "http2.headers.status"}
	pcaptest.CorpusTruth(t, "http2", 24, func(t *testing.T, path string, rows []map[string]string) int {
		file := filepath.Base(path)
		txs, _, _ := everything(t, path)
		got := map[int]map[string][]string{}
		add := func(frame int, col, v string) {
			if frame == 0 || v == "" {
				return
			}
			if got[frame] == nil {
				got[frame] = map[string][]string{}
			}
			got[frame][col] = append(got[frame][col], v)
		}
		for _, tx := range txs {
			if tx.Protocol != "HTTP/2" {
				continue
			}
			if tx.RequestHeadersFrame != 0 {
				add(tx.RequestHeadersFrame, cols[0], tx.Method)
				add(tx.RequestHeadersFrame, cols[1], tx.URI)
				add(tx.RequestHeadersFrame, cols[2], tx.Host)
			}
			for _, in := range tx.Interim {
				add(in.Frame, cols[3], strconv.Itoa(in.Status))
			}
			if tx.Status != 0 {
				add(tx.ResponseHeadersFrame, cols[3], strconv.Itoa(tx.Status))
			}
		}
		n, bad := 0, 0
		for _, row := range rows {
			if row[cols[0]] == "" && row[cols[3]] == "" {
				continue // no HEADERS with pseudo-headers in this frame
			}
			frame, _ := strconv.Atoi(row["frame.number"])
			ok := true
			for _, col := range cols {
				if want, have := sorted(split(row[col])), sorted(got[frame][col]); !slices.Equal(want, have) {
					ok = false
					if bad < 5 {
						t.Errorf("%s frame %d %s: tshark %q, module %q", file, frame, col, want, have)
					}
				}
			}
			if ok {
				n++
			} else {
				bad++
			}
		}
		t.Logf("%s: %d HEADERS frames agree", file, n)
		return n
	})
}
