package capture

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// pcapHeader is a valid empty pcap file.
var pcapHeader = []byte{0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0, 0, 0}

// TestRootsRefuse checks every way out of the capture directories: each is
// refused with a message naming the directories, and the message is the
// same whether or not the target exists.
func TestRootsRefuse(t *testing.T) {
	base := t.TempDir()
	rootDir := filepath.Join(base, "captures")
	outside := filepath.Join(base, "secret")
	for _, d := range []string{rootDir, outside, filepath.Join(rootDir, "sub")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(rootDir, "ok.pcap"), pcapHeader, 0o644)
	os.WriteFile(filepath.Join(rootDir, "sub", "deep.pcap"), pcapHeader, 0o644)
	os.WriteFile(filepath.Join(outside, "key.pcap"), pcapHeader, 0o644)
	must(t, os.Symlink(filepath.Join(outside, "key.pcap"), filepath.Join(rootDir, "abs-link.pcap")))
	must(t, os.Symlink("../secret/key.pcap", filepath.Join(rootDir, "rel-link.pcap")))
	must(t, os.Symlink("/proc/self/environ", filepath.Join(rootDir, "environ.pcap")))
	must(t, os.Symlink("/dev/zero", filepath.Join(rootDir, "zero.pcap")))
	must(t, os.Symlink("ok.pcap", filepath.Join(rootDir, "inner-link.pcap")))
	must(t, syscall.Mkfifo(filepath.Join(rootDir, "fifo.pcap"), 0o644))

	var op Opener
	must(t, op.SetRoots([]string{rootDir}))
	for _, ok := range []string{filepath.Join(rootDir, "ok.pcap"), "ok.pcap", "sub/deep.pcap", filepath.Join(rootDir, "sub", "..", "ok.pcap"), "inner-link.pcap"} {
		src, err := op.Open(t.Context(), ok)
		if err != nil {
			t.Errorf("Open(%q): %v", ok, err)
			continue
		}
		src.Close()
	}
	outsideMsg := "outside the directories this server reads captures from (" + rootDir + ")"
	for _, c := range []struct{ ref, want string }{
		{"../secret/key.pcap", outsideMsg},
		{"sub/../../secret/key.pcap", outsideMsg},
		{filepath.Join(rootDir, "..", "secret", "key.pcap"), outsideMsg},
		{filepath.Join(outside, "key.pcap"), outsideMsg},
		{filepath.Join(outside, "missing.pcap"), outsideMsg},
		{"/etc/passwd", outsideMsg},
		{"/proc/self/environ", outsideMsg},
		{"abs-link.pcap", outsideMsg},
		{"rel-link.pcap", outsideMsg},
		{"environ.pcap", outsideMsg},
		{"zero.pcap", outsideMsg},
		{"fifo.pcap", "not a regular file"},
		{"sub", "is a directory"},
		{"missing.pcap", "no such file in the capture directories"},
	} {
		start := time.Now()
		src, err := op.Open(t.Context(), c.ref)
		if err == nil {
			src.Close()
			t.Errorf("Open(%q) succeeded", c.ref)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("Open(%q) = %v, want %q", c.ref, err, c.want)
		}
		if strings.Contains(c.want, "outside") && !errors.Is(err, ErrRefused) {
			t.Errorf("Open(%q): %v does not wrap ErrRefused", c.ref, err)
		}
		if time.Since(start) > 2*time.Second {
			t.Errorf("Open(%q) took %v (a FIFO must not block)", c.ref, time.Since(start))
		}
	}
	// A refusal does not tell an existing file from a missing one.
	_, e1 := op.Open(t.Context(), filepath.Join(outside, "key.pcap"))
	_, e2 := op.Open(t.Context(), filepath.Join(outside, "nope.pcap"))
	if strings.ReplaceAll(e1.Error(), "key", "nope") != e2.Error() {
		t.Errorf("refusals differ: %q vs %q", e1, e2)
	}
}

// TestNoRoots: without capture directories any regular file opens, but
// FIFOs, devices and /proc never do.
func TestNoRootsSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	must(t, syscall.Mkfifo(fifo, 0o644))
	var op Opener
	for _, c := range []struct{ ref, want string }{
		{fifo, "not a regular file"},
		{"/dev/zero", "not a regular file"},
		{"/proc/self/environ", "kernel pseudo file system"},
		{"/sys/kernel/mm/transparent_hugepage/enabled", "kernel pseudo file system"},
	} {
		if _, err := os.Stat(c.ref); err != nil {
			continue // not on this machine
		}
		src, err := op.Open(t.Context(), c.ref)
		if err == nil {
			src.Close()
			t.Errorf("Open(%q) succeeded", c.ref)
		} else if !strings.Contains(err.Error(), c.want) {
			t.Errorf("Open(%q) = %v, want %q", c.ref, err, c.want)
		}
	}
}

func TestList(t *testing.T) {
	dir := t.TempDir()
	for name, data := range map[string][]byte{
		"a.pcap":               pcapHeader,
		"b/c.pcapng":           {0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0},
		"b/d.pcap.gz":          gz(t, pcapHeader),
		"b/not-a-capture.pcap": []byte("hello"),
		"b/text.gz":            gz(t, []byte("hello")),
		".hidden/e.pcap":       pcapHeader,
		"f.cap":                pcapHeader,
	} {
		p := filepath.Join(dir, name)
		must(t, os.MkdirAll(filepath.Dir(p), 0o755))
		must(t, os.WriteFile(p, data, 0o644))
	}
	var op Opener
	must(t, op.SetRoots([]string{dir}))
	files, truncated, err := op.List(t.Context(), "")
	if err != nil || truncated {
		t.Fatal(err, truncated)
	}
	var got []string
	for _, f := range files {
		rel, _ := filepath.Rel(dir, f.Path)
		got = append(got, rel+" "+f.Format)
	}
	want := []string{"a.pcap pcap", "b/c.pcapng pcapng", "b/d.pcap.gz pcap.gz", "f.cap pcap"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("List = %v, want %v", got, want)
	}
	if files, _, err := op.List(t.Context(), "b"); err != nil || len(files) != 2 {
		t.Errorf("List(b) = %v, %v", files, err)
	}
	for _, bad := range []string{"..", "../x", "/etc", "nope"} {
		if _, _, err := op.List(t.Context(), bad); err == nil {
			t.Errorf("List(%q) succeeded", bad)
		}
	}
}

func TestPublicAddr(t *testing.T) {
	for _, c := range []struct {
		addr   string
		public bool
	}{
		{"93.184.216.34", true}, {"2606:4700::1111", true}, {"8.8.8.8", true},
		{"127.0.0.1", false}, {"127.1.2.3", false}, {"::1", false}, {"10.0.0.1", false}, {"172.16.5.4", false},
		{"192.168.1.1", false}, {"169.254.169.254", false}, {"100.64.0.1", false}, {"0.0.0.0", false}, {"::", false},
		{"224.0.0.251", false}, {"255.255.255.255", false}, {"fe80::1", false}, {"fc00::1", false}, {"ff02::1", false},
		{"::ffff:127.0.0.1", false}, {"::ffff:10.1.1.1", false}, {"64:ff9b::a9fe:a9fe", false}, {"64:ff9b::808:808", true}, {"64:ff9b:1:a00:0:100:808:808", false},
		{"2002:7f00:1::1", false}, {"2002:0808:0808::1", true}, {"198.18.0.1", false}, {"240.0.0.1", false},
	} {
		if got := PublicAddr(netip.MustParseAddr(c.addr)); got != c.public {
			t.Errorf("PublicAddr(%s) = %v, want %v", c.addr, got, c.public)
		}
	}
}

// TestDownloadRefusals: URLs that lead to non-public addresses are refused
// when the connection is made (a name resolving to loopback, a redirect to
// loopback included), and nothing reaches the server.
func TestDownloadRefusals(t *testing.T) {
	var hits atomic.Int32
	capFile := pcapHeader
	mux := http.NewServeMux()
	mux.HandleFunc("/x.pcap", func(w http.ResponseWriter, r *http.Request) { hits.Add(1); w.Write(capFile) })
	inner := httptest.NewServer(mux)
	defer inner.Close()
	_, innerPort, _ := net.SplitHostPort(inner.Listener.Addr().String())

	// A "public" server (127.0.0.2, which the test declares public) that
	// redirects to the loopback one.
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("cannot listen on 127.0.0.2: %v", err)
	}
	pub := &httptest.Server{Listener: ln, Config: &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/redirect":
			http.Redirect(w, r, inner.URL+"/x.pcap", http.StatusFound)
		case "/ftp":
			http.Redirect(w, r, "ftp://example.org/x.pcap", http.StatusFound)
		case "/big":
			w.Write(bytes.Repeat([]byte{0}, 5000))
		default:
			w.Write(capFile)
		}
	})}}
	pub.Start()
	defer pub.Close()

	op := Opener{MaxDownloadBytes: 1000, DownloadTimeout: 5 * time.Second, Resolver: fakeResolver(t, "capture.example.com", "127.0.0.1")}
	op.publicForTest = func(ip net.IP) bool { return ip.Equal(net.ParseIP("127.0.0.2")) }
	src, err := op.Open(t.Context(), pub.URL+"/ok.pcap")
	if err != nil {
		t.Fatalf("public server: %v", err)
	}
	src.Close()

	const private = "refused: not a public address"
	for _, c := range []struct{ url, want string }{
		{inner.URL + "/x.pcap", private},
		{"http://[::1]:" + innerPort + "/x.pcap", private},
		{"http://localhost:" + innerPort + "/x.pcap", private},
		{"http://capture.example.com:" + innerPort + "/x.pcap", private},
		{"http://10.0.0.1/x.pcap", private},
		{"http://169.254.169.254/latest/meta-data/", private},
		{"http://[fd00::1]/x.pcap", private},
		{"http://[::7f00:1]:" + innerPort + "/x.pcap", private},
		{"http://[::ffff:0:7f00:1]:" + innerPort + "/x.pcap", private},
		{pub.URL + "/redirect", private},
		{pub.URL + "/ftp", "redirect to a ftp: URL refused"},
		{pub.URL + "/big", "more than the limit of 1000 bytes"},
		{"http://user:pw@" + ln.Addr().String() + "/x.pcap", "credentials"},
		{"http://nothere.example.com/x.pcap", "the host name could not be resolved"},
	} {
		src, err := op.Open(t.Context(), c.url)
		if err == nil {
			_, err = io.ReadAll(src)
			src.Close()
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Open(%q) = %v, want %q", c.url, err, c.want)
			continue
		}
		// The message names no address the URL did not: not the one a
		// name resolved to, not the resolver's.
		msg := strings.ReplaceAll(err.Error(), c.url, "")
		for _, leak := range []string{"127.0.0.1", "::1", "127.0.0.2"} {
			if strings.Contains(msg, leak) {
				t.Errorf("Open(%q) = %q: names %s", c.url, err, leak)
			}
		}
		if c.want == private && !errors.Is(err, ErrRefused) {
			t.Errorf("Open(%q) = %v: not ErrRefused", c.url, err)
		}
	}
	// The server log gets the facts: the error's Detail names the address.
	_, err = op.Open(t.Context(), "http://capture.example.com:"+innerPort+"/x.pcap")
	var d interface{ Detail() string }
	if !errors.As(err, &d) || !strings.Contains(d.Detail(), "127.0.0.1") {
		t.Errorf("refusal %v: no Detail naming the address", err)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the loopback server got %d requests", n)
	}
	// --no-remote refuses every URL.
	if _, err := (&Opener{NoRemote: true}).Open(t.Context(), pub.URL+"/ok.pcap"); !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "--no-remote") {
		t.Errorf("NoRemote: %v", err)
	}
	// --allow-private-urls lets the loopback server be reached.
	allow := Opener{AllowPrivateURLs: true}
	if src, err := allow.Open(t.Context(), inner.URL+"/x.pcap"); err != nil {
		t.Errorf("AllowPrivateURLs: %v", err)
	} else {
		src.Close()
	}
}

// fakeResolver answers every DNS question for name with addr, from a DNS
// server on loopback, as a public name that resolves to an internal address
// would.
func fakeResolver(t *testing.T, name, addr string) *net.Resolver {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			var q layers.DNS
			if q.DecodeFromBytes(buf[:n], nil) != nil || len(q.Questions) == 0 {
				continue
			}
			r := q
			r.QR, r.ANCount = true, 0
			r.Answers = nil
			if strings.TrimSuffix(string(q.Questions[0].Name), ".") == name && q.Questions[0].Type == layers.DNSTypeA {
				r.Answers = []layers.DNSResourceRecord{{Name: q.Questions[0].Name, Type: layers.DNSTypeA, Class: layers.DNSClassIN, TTL: 60, IP: net.ParseIP(addr).To4()}}
			}
			out, err := serializeDNS(&r)
			if err == nil {
				pc.WriteTo(out, from)
			}
		}
	}()
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "udp", pc.LocalAddr().String())
	}}
}

func TestGzipBomb(t *testing.T) {
	// 16 MiB of zeros after a pcap header compress to about 16 KiB.
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write(pcapHeader)
	zw.Write([]byte{0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0xff, 0xff, 0, 0}) // a record of 65535 bytes
	zeros := make([]byte, 1<<20)
	for range 16 {
		zw.Write(zeros)
	}
	zw.Close()
	rd, err := NewReaderLimit(bytes.NewReader(b.Bytes()), 2<<20)
	if err != nil {
		t.Fatal(err)
	}
	var p Packet
	for {
		if err = rd.ReadPacket(&p); err != nil {
			break
		}
	}
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "--max-decompressed-bytes") {
		t.Errorf("reading a gzip bomb: %v", err)
	}
}

func gz(t *testing.T, b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func serializeDNS(d *layers.DNS) ([]byte, error) {
	buf := gopacket.NewSerializeBuffer()
	if err := d.SerializeTo(buf, gopacket.SerializeOptions{FixLengths: true}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// TestGzipBombRatio: under the default size limit, a stream that expands
// like a bomb is stopped after a few MiB, not read to its end.
func TestGzipBombRatio(t *testing.T) {
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	zw.Write(pcapHeader)
	zw.Write([]byte{0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0xff, 0xff, 0, 0})
	zeros := make([]byte, 1<<20)
	for range 64 {
		zw.Write(zeros)
	}
	zw.Close()
	rd, err := NewReader(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	var p Packet
	n := 0
	for ; ; n++ {
		if err = rd.ReadPacket(&p); err != nil {
			break
		}
	}
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "gzip bomb") {
		t.Errorf("after %d packets: %v", n, err)
	}
}

// TestDownloadSlowHeaders: a server that accepts the connection but never
// answers fails at the response-header timeout, and says so (it used to
// name the whole-download deadline).
func TestDownloadSlowHeaders(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close() // held open, never answered
		}
	}()
	op := Opener{AllowPrivateURLs: true, DownloadTimeout: time.Minute, headerTimeout: 300 * time.Millisecond}
	start := time.Now()
	_, err = op.Open(t.Context(), "http://"+ln.Addr().String()+"/x.pcap")
	if err == nil || !strings.Contains(err.Error(), "no response headers within 300ms") || strings.Contains(err.Error(), "1m0s") {
		t.Errorf("Open = %v, want the header timeout named", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
}
