package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/cli"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// mcpacket export packets writes the selected frames into -o's directory,
// refuses to overwrite, and export_packets exists only with an output
// directory.
func TestExportCommand(t *testing.T) {
	reg, err := registry()
	if err != nil {
		t.Fatal(err)
	}
	src := pcaptest.Testdata(t, "http-download.pcap.gz")
	out := filepath.Join(t.TempDir(), "web.pcapng")
	run := func(args ...string) (int, string, string) {
		var stdout, stderr bytes.Buffer
		app := &cli.App{Registry: reg, Stdout: &stdout, Stderr: &stderr, Stdin: strings.NewReader(""), Version: "test"}
		return app.Run(context.Background(), args), stdout.String(), stderr.String()
	}
	code, stdout, stderr := run("export", "packets", src, "--filter", "tcp.port == 80 && tcp.len > 0", "-o", out)
	if code != cli.ExitOK || !strings.Contains(stdout, "wrote ") {
		t.Fatalf("export: exit %d, %q %q", code, stdout, stderr)
	}
	if st, err := os.Stat(out); err != nil || st.Size() == 0 {
		t.Fatalf("no file written: %v", err)
	}
	if code, _, stderr := run("export", "packets", src, "-o", out); code == cli.ExitOK || !strings.Contains(stderr, "never overwrite") {
		t.Errorf("second export over the file: exit %d, %q", code, stderr)
	}
	if code, _, stderr := run("export", "packets", src, "--filter", "tcp.prot == 80", "-o", out+"2"); code == cli.ExitOK || !strings.Contains(stderr, "did you mean tcp.port") {
		t.Errorf("bad filter: exit %d, %q", code, stderr)
	}
	has := func(r *analyzer.Registry) bool { _, ok := r.Tool("export_packets"); return ok }
	if has(reg.ForEnv(&analyzer.Env{})) || !has(reg.ForEnv(&analyzer.Env{OutputDir: t.TempDir()})) {
		t.Errorf("export_packets must be listed exactly when there is an output directory")
	}
	if _, ok := reg.ForEnv(&analyzer.Env{}).Tool("get_packets"); !ok {
		t.Errorf("get_packets hidden without an output directory")
	}
}
