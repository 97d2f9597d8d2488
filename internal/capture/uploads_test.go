package capture_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcpacket/mcpacket/internal/capture"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// newUploads returns a store in a fresh directory, an opener that reads
// from it, and the store's clock (set to the real time: files carry real
// modification times).
func newUploads(t *testing.T, o capture.UploadOptions) (*capture.Uploads, *capture.Opener, *clock) {
	t.Helper()
	ck := &clock{t: time.Now()}
	if o.Dir == "" {
		o.Dir = filepath.Join(t.TempDir(), "uploads")
	}
	o.Now = ck.now
	u, err := capture.NewUploads(o)
	if err != nil {
		t.Fatal(err)
	}
	op := &capture.Opener{}
	if err := op.SetUploads(u); err != nil {
		t.Fatal(err)
	}
	return u, op, ck
}

func example(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(pcaptest.Root(t), "examples", "dhcp.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// entries lists a directory, hidden entries and .partial's content included.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	return out
}

func TestUploadPutOpenList(t *testing.T) {
	u, op, _ := newUploads(t, capture.UploadOptions{})
	data := example(t)
	for _, c := range []struct {
		name, format string
		body         []byte
	}{
		{"dhcp.pcap", "pcap", data},
		{"dhcp.pcap.gz", "pcap.gz", gz(t, data)},
		// Longer than the head read before the content check.
		{"big.pcap", "pcap", append(append([]byte{}, data...), bytes.Repeat([]byte{0}, 200<<10)...)},
	} {
		up, err := u.Put(t.Context(), c.name, bytes.NewReader(c.body))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !strings.HasPrefix(up.Name, "up-") || !strings.HasSuffix(up.Name, "-"+c.name) || up.Size != int64(len(c.body)) || up.Format != c.format {
			t.Errorf("%s: stored as %+v", c.name, up)
		}
		if d := time.Until(up.Expires); d < capture.DefaultUploadTTL-time.Minute || d > capture.DefaultUploadTTL {
			t.Errorf("%s: expires in %v, want the default TTL", c.name, d)
		}
		// The stored name resolves as pcap_file, and reads back the bytes sent.
		src, err := op.Open(t.Context(), up.Name)
		if err != nil {
			t.Fatalf("open %s: %v", up.Name, err)
		}
		got, _ := io.ReadAll(src)
		src.Close()
		if !bytes.Equal(got, c.body) {
			t.Errorf("%s: read back %d bytes, sent %d", c.name, len(got), len(c.body))
		}
	}
	files, _, err := op.List(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 3 {
		t.Fatalf("listed %d uploads, want 3: %+v", len(files), files)
	}
	for _, f := range files {
		if f.Expires.IsZero() || filepath.Dir(f.Path) != u.Dir() {
			t.Errorf("listed %+v: want an upload with its expiry", f)
		}
	}
	if got := entries(t, u.Dir()); len(got) != 3 {
		t.Errorf("upload directory holds %q, want the 3 uploads only", got)
	}
}

func TestUploadRefused(t *testing.T) {
	u, _, _ := newUploads(t, capture.UploadOptions{MaxBytes: 4096, QuotaBytes: 6000})
	data := example(t) // 1310 bytes
	for _, c := range []struct {
		what, name string
		body       []byte
		want       error
		status     int
	}{
		{"slash", "a/b.pcap", data, capture.ErrRefused, 400},
		{"dot dot", "..", data, capture.ErrRefused, 400},
		{"dot dot inside", "a..pcap", data, capture.ErrRefused, 400},
		{"backslash", `a\b.pcap`, data, capture.ErrRefused, 400},
		{"hidden", ".x.pcap", data, capture.ErrRefused, 400},
		{"space", "a b.pcap", data, capture.ErrRefused, 400},
		{"empty name", "", data, capture.ErrRefused, 400},
		{"text", "x.pcap", []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), capture.ErrNotCapture, 415},
		{"gzip of text", "x.pcap.gz", gz(t, bytes.Repeat([]byte("text "), 100)), capture.ErrNotCapture, 415},
		{"empty", "x.pcap", nil, capture.ErrNotCapture, 415},
		{"over the cap", "x.pcap", append(append([]byte{}, data...), make([]byte, 4096)...), capture.ErrTooLarge, 413},
	} {
		_, err := u.Put(t.Context(), c.name, bytes.NewReader(c.body))
		var st interface{ HTTPStatus() int }
		if !errors.Is(err, c.want) || !errors.As(err, &st) || st.HTTPStatus() != c.status {
			t.Errorf("%s: error %v, want %v with status %d", c.what, err, c.want, c.status)
		}
	}
	if got := entries(t, u.Dir()); len(got) != 0 {
		t.Errorf("refused uploads left %q", got)
	}
	// The quota: 4 uploads of 1310 bytes fit in 6000, the fifth does not.
	for i := range 5 {
		_, err := u.Put(t.Context(), "q.pcap", bytes.NewReader(data))
		if i < 4 && err != nil {
			t.Fatalf("upload %d: %v", i, err)
		}
		if i == 4 && !errors.Is(err, capture.ErrQuota) {
			t.Errorf("upload past the quota: %v", err)
		}
	}
	if got := entries(t, u.Dir()); len(got) != 4 {
		t.Errorf("after the quota: %q, want 4 uploads", got)
	}
}

// cutReader returns its data, then fails as a connection cut mid-body does.
type cutReader struct{ r io.Reader }

func (c *cutReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if err == io.EOF {
		return n, io.ErrUnexpectedEOF
	}
	return n, err
}

func TestUploadCutLeavesNothing(t *testing.T) {
	u, op, _ := newUploads(t, capture.UploadOptions{})
	body := append(example(t), make([]byte, 300<<10)...)
	_, err := u.Put(t.Context(), "cut.pcap", &cutReader{bytes.NewReader(body)})
	if err == nil || !strings.Contains(err.Error(), "nothing kept") {
		t.Errorf("cut upload: %v", err)
	}
	if got := entries(t, u.Dir()); len(got) != 0 {
		t.Errorf("cut upload left %q", got)
	}
	// An upload in progress is nobody's to read, by any path.
	os.WriteFile(filepath.Join(u.Dir(), ".partial", "up-1"), example(t), 0o600)
	for _, ref := range []string{".partial/up-1", "x/../.partial/up-1", "./.partial/up-1", filepath.Join(u.Dir(), ".partial", "up-1")} {
		if src, err := op.Open(t.Context(), ref); err == nil {
			src.Close()
			t.Errorf("%s: opened", ref)
		}
	}
	// Bytes left under .partial by a server that died are removed by the
	// next one.
	os.WriteFile(filepath.Join(u.Dir(), ".partial", "up-123"), body, 0o600)
	u2, _, _ := newUploads(t, capture.UploadOptions{Dir: u.Dir()})
	if got := entries(t, u2.Dir()); len(got) != 0 {
		t.Errorf("a restarted store kept %q", got)
	}
}

func TestUploadExpires(t *testing.T) {
	u, op, ck := newUploads(t, capture.UploadOptions{TTL: time.Hour})
	up, err := u.Put(t.Context(), "e.pcap", bytes.NewReader(example(t)))
	if err != nil {
		t.Fatal(err)
	}
	up2, err := u.Put(t.Context(), "f.pcap", bytes.NewReader(example(t)))
	if err != nil {
		t.Fatal(err)
	}
	ck.add(time.Hour + time.Second)
	// Opened after its expiry: refused as missing, and removed.
	if _, err := op.Open(t.Context(), up.Name); !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "expired") {
		t.Errorf("open an expired upload: %v", err)
	}
	if _, err := os.Stat(up.Path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the expired upload is still on disk: %v", err)
	}
	// Not listed, and swept from the disk.
	if files, _, _ := op.List(t.Context(), ""); len(files) != 0 {
		t.Errorf("expired uploads listed: %+v", files)
	}
	u.Sweep()
	if _, err := os.Stat(up2.Path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the sweep left an expired upload: %v", err)
	}
	if _, err := u.Append(up2.Name, []byte{1}); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("append to an expired upload: %v", err)
	}
}

func TestUploadAppend(t *testing.T) {
	u, op, _ := newUploads(t, capture.UploadOptions{MaxBytes: 2000})
	data := example(t)
	up, err := u.Put(t.Context(), "parts.pcap", bytes.NewReader(data[:100]))
	if err != nil {
		t.Fatal(err)
	}
	if up, err = u.Append(up.Name, data[100:]); err != nil {
		t.Fatal(err)
	}
	if up.Size != int64(len(data)) || up.Format != "pcap" {
		t.Errorf("after append: %+v", up)
	}
	src, err := op.Open(t.Context(), up.Name)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(src)
	src.Close()
	if !bytes.Equal(got, data) {
		t.Errorf("appended upload differs from the capture")
	}
	// Past the per-upload cap: refused whole, the upload unchanged.
	if _, err := u.Append(up.Name, make([]byte, 1000)); !errors.Is(err, capture.ErrTooLarge) {
		t.Errorf("append past the cap: %v", err)
	}
	if st, _ := os.Stat(up.Path); st.Size() != int64(len(data)) {
		t.Errorf("a refused append changed the size to %d", st.Size())
	}
	for _, name := range []string{"parts.pcap", "../" + up.Name, "up-0123456789abcdef-none.pcap"} {
		if _, err := u.Append(name, []byte{1}); err == nil {
			t.Errorf("append to %q accepted", name)
		}
	}
}

func gz(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
