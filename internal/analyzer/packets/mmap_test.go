package packets

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/mcpacket/mcpacket/internal/modkit"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
	"github.com/mcpacket/mcpacket/internal/rescache"
)

// TestCacheFileChanged: the store of a plain capture file reads its
// frames' bytes from a mapping of the file. A file cut short under the
// mapping makes the calls that read it fail with an error, not crash the
// server. A call reaches the mapping after the cut when it got the store
// from the cache before it (a call under way), or when the file's identity
// is the same after it (rewritten to the same size and time, as a copy
// that keeps times does): the test keeps the store under the cut file's
// identity too, the second case.
func TestCacheFileChanged(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the store maps capture files on Linux only")
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "http-download.pcap")
	gunzip(t, pcaptest.Testdata(t, "http-download.pcap.gz"), path)
	tools := testTools()
	env := pcaptest.Env(0)
	cache := rescache.New(1 << 30)
	env.Cache = cache
	ref, _ := json.Marshal(path)
	call := func(tool, args string) error {
		_, err := tools[tool].Call(ctx, env, []byte(`{"pcap_file":`+string(ref)+args+"}"))
		return err
	}
	if err := call("get_packets", ""); err != nil {
		t.Fatal(err)
	}
	storeOf := func() string {
		src, err := env.OpenCapture(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		return modkit.CacheKey(env, src.Identity, storeKey)
	}
	v, ok := cache.Get(storeOf())
	if !ok {
		t.Fatal("the first call kept no frame store")
	}
	st := v.(*frameStore)
	if st.file == nil || len(st.chunks) != 0 {
		t.Fatalf("the store of a plain file holds %d chunks of copied bytes and maps %d bytes; want the file mapped, nothing copied", len(st.chunks), len(st.file))
	}
	t.Logf("store: %d frames, %d bytes mapped", st.n, len(st.file))
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	cache.Put(storeOf(), st, st.CacheSize())
	for _, c := range [][2]string{
		{"get_packets", ``}, // the page is made on the call's goroutine
		{"get_packets", `,"filter":"tcp.len > 0","detail":true`},      // the frames are tested on the workers
		{"get_packets", `,"filter":"http","frames":"1-5","hex":true`}, // both
		{"follow_stream", ``},
		{"follow_stream", `,"tcp_stream":0,"format":"hex"`},
	} {
		hits := cache.Stats().Hits
		err := call(c[0], c[1])
		if got := cache.Stats().Hits; got != hits+1 {
			t.Errorf("%s %s: not answered from the store", c[0], c[1])
		}
		if err == nil || !strings.Contains(err.Error(), "changed while it was read: call again") {
			t.Errorf("%s %s after the file was cut: error %v; want the capture changed while it was read", c[0], c[1], err)
		}
	}
	// The goroutine's fault setting is put back.
	if old := debug.SetPanicOnFault(false); old {
		t.Error("SetPanicOnFault left on in the calling goroutine")
	}
}

func gunzip(t *testing.T, from, to string) {
	t.Helper()
	f, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
