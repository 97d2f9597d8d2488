package capture_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/mcpacket/mcpacket/internal/capture"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

func TestOpenLocal(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "x.pcap")
	os.WriteFile(file, []byte("data"), 0o644)
	var op capture.Opener
	src, err := op.Open(t.Context(), file)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(src)
	src.Close()
	if string(b) != "data" || src.Size != 4 || src.Remote || src.Name != file {
		t.Errorf("source = %+v, content %q", src, b)
	}
	cases := []struct{ ref, want string }{
		{filepath.Join(dir, "missing.pcap"), "no such file"},
		{"relative/missing.pcap", "relative path is resolved against the server's working directory"},
		{dir, "is a directory"},
		{"", "no capture given"},
		{"ftp://example.org/x.pcap", "only local paths and http(s) URLs"},
		{"file:///etc/hosts", "only local paths and http(s) URLs"},
	}
	for _, c := range cases {
		if _, err := op.Open(t.Context(), c.ref); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Open(%q) = %v, want an error containing %q", c.ref, err, c.want)
		}
	}
}

func TestDownload(t *testing.T) {
	capFile := pcaptest.Pcap(t, layers.LinkTypeEthernet, false, frames(t, 3))
	mux := http.NewServeMux()
	mux.HandleFunc("/ok.pcap", func(w http.ResponseWriter, r *http.Request) { w.Write(capFile) })
	mux.HandleFunc("/chunked.pcap", func(w http.ResponseWriter, r *http.Request) {
		// No Content-Length: the cap must hold while streaming.
		for range 100 {
			w.Write(bytes.Repeat([]byte("x"), 1000))
			w.(http.Flusher).Flush()
		}
	})
	mux.HandleFunc("/slow.pcap", func(w http.ResponseWriter, r *http.Request) {
		w.Write(capFile[:10])
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	})
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/ok.pcap", http.StatusFound) })
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop", http.StatusFound) })
	// /hops/N redirects N times, then serves the capture.
	mux.HandleFunc("/hops/{n}", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.PathValue("n"))
		if n == 0 {
			http.Redirect(w, r, "/ok.pcap", http.StatusFound)
			return
		}
		http.Redirect(w, r, "/hops/"+strconv.Itoa(n-1), http.StatusFound)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	op := capture.Opener{MaxDownloadBytes: 50000, DownloadTimeout: 2 * time.Second, AllowPrivateURLs: true}
	for _, path := range []string{"/ok.pcap", "/redirect", "/hops/4"} { // /hops/4: 5 redirects, the most allowed
		src, err := op.Open(t.Context(), srv.URL+path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		b, err := io.ReadAll(src)
		src.Close()
		if err != nil || !bytes.Equal(b, capFile) || !src.Remote || (path == "/ok.pcap" && src.Size != int64(len(capFile))) {
			t.Errorf("%s: %d bytes, err %v, source %+v", path, len(b), err, src)
		}
	}

	errCases := []struct {
		path string
		is   error
		want string
	}{
		{"/missing.pcap", nil, "the server answered 404"},
		{"/chunked.pcap", capture.ErrTooLarge, "more than the limit of 50000 bytes"},
		{"/slow.pcap", nil, "not finished within 2s"},
		{"/loop", nil, "more than 5 redirects"},
		{"/hops/5", nil, "more than 5 redirects"},
	}
	for _, c := range errCases {
		t.Run(c.path, func(t *testing.T) {
			start := time.Now()
			src, err := op.Open(t.Context(), srv.URL+c.path)
			if err == nil {
				_, err = io.ReadAll(src)
				src.Close()
			}
			if err == nil || (c.is != nil && !errors.Is(err, c.is)) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
			if time.Since(start) > 5*time.Second {
				t.Errorf("took %v; the deadline is 2s", time.Since(start))
			}
		})
	}

	// A Content-Length over the cap is refused before the body is read.
	small := capture.Opener{MaxDownloadBytes: 10, AllowPrivateURLs: true}
	if _, err := small.Open(t.Context(), srv.URL+"/ok.pcap"); !errors.Is(err, capture.ErrTooLarge) || !strings.Contains(err.Error(), fmt.Sprintf("%d bytes announced", len(capFile))) {
		t.Errorf("announced oversize: err = %v", err)
	}
}
