package cli

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestExpandCaptures(t *testing.T) {
	dir := t.TempDir()
	pcap := []byte{0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 1, 0, 0, 0}
	for _, name := range []string{"a.pcap", "sub/b.pcap", "sub/.hidden.pcap"} {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, pcap, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not a capture"), 0o644)
	a, b := filepath.Join(dir, "a.pcap"), filepath.Join(dir, "sub", "b.pcap")
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{dir}, []string{a, b}},                                                        // a directory: its captures by content, hidden ones skipped
		{[]string{filepath.Join(dir, "*.pcap")}, []string{a}},                                  // a glob
		{[]string{b, "https://example.org/x.pcap"}, []string{b, "https://example.org/x.pcap"}}, // a file and a URL as given
	} {
		got, err := expandCaptures(t.Context(), c.args)
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("expandCaptures(%q) = %q, %v; want %q", c.args, got, err, c.want)
		}
	}
	for _, bad := range []string{filepath.Join(dir, "nope*.pcap"), filepath.Join(dir, "missing.pcap"), t.TempDir()} {
		if _, err := expandCaptures(t.Context(), []string{bad}); err == nil {
			t.Errorf("expandCaptures(%q): no error", bad)
		}
	}
}
