package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"debug/buildinfo"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// TestManifestIsGenerated: the committed packaging/manifest.json is what
// mcpbgen writes for a binary built from this tree, so the tools and
// prompts it declares are the server's (-update rewrites it). The bundle
// gets its manifest the same way, from the binary it carries.
func TestManifestIsGenerated(t *testing.T) {
	root := pcaptest.Root(t)
	bin := filepath.Join(t.TempDir(), "mcpacket")
	build := exec.Command("go", "build", "-o", bin, "./cmd/mcpacket")
	build.Dir = root
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	got, err := Generate(t.Context(), bin, "0.0.0-dev")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(root, "packaging", "manifest.json")
	if pcaptest.Updating() {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("packaging/manifest.json is not what the server lists; run go test ./packaging/mcpbgen -update and review the diff")
	}
	var m Manifest
	if err := json.Unmarshal(got, &m); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"analyze_overview", "analyze_capinfos", "list_captures", "export_packets"} {
		if !slices.ContainsFunc(m.Tools, func(tl Tool) bool { return tl.Name == want }) {
			t.Errorf("manifest has no tool %s", want)
		}
	}
	// Each prompt takes the capture, and its text is the server's with
	// the manifest's placeholder for each argument.
	for _, p := range m.Prompts {
		if !slices.Contains(p.Arguments, "pcap_file") {
			t.Errorf("prompt %s: arguments %v, no pcap_file", p.Name, p.Arguments)
		}
		for _, a := range p.Arguments {
			if !strings.Contains(p.Text, "${arguments."+a+"}") {
				t.Errorf("prompt %s: text does not use its argument %s:\n%s", p.Name, a, p.Text)
			}
		}
	}
}

// TestBundle unpacks the bundle packaging/build-mcpb.sh built (its path in
// $MCPACKET_MCPB; .ci/run sets it) and checks it as a host would use it:
// the five binaries for their platforms, static and version-stamped; the
// command the mcpb library derives from the manifest and a user's settings
// (packaging/resolve.mjs) runs this machine's binary, which answers
// tools/list with the manifest's tools and reads captures from the
// folders chosen.
func TestBundle(t *testing.T) {
	bundle := os.Getenv("MCPACKET_MCPB")
	if bundle == "" {
		t.Skip("MCPACKET_MCPB is not set: packaging/build-mcpb.sh builds a bundle and .ci/run tests it")
	}
	root := pcaptest.Root(t)
	dir := unzip(t, bundle)
	raw, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	for _, tg := range Targets {
		bi, err := buildinfo.ReadFile(filepath.Join(dir, "server", tg.File))
		if err != nil {
			t.Errorf("%s: %v", tg.File, err)
			continue
		}
		set := map[string]string{}
		for _, s := range bi.Settings {
			set[s.Key] = s.Value
		}
		if set["GOOS"] != tg.GOOS || set["GOARCH"] != tg.GOARCH || set["CGO_ENABLED"] != "0" {
			t.Errorf("%s: built for %s/%s with CGO_ENABLED=%q, want %s/%s static", tg.File, set["GOOS"], set["GOARCH"], set["CGO_ENABLED"], tg.GOOS, tg.GOARCH)
		}
		if !strings.Contains(set["-ldflags"], "internal/cli.buildVersion=") {
			t.Errorf("%s: no version stamped (-ldflags %q)", tg.File, set["-ldflags"])
		}
	}
	if runtime.GOOS != "linux" {
		t.Skipf("the bundle's command is run on Linux only (this is %s)", runtime.GOOS)
	}

	captures, second, out := t.TempDir(), t.TempDir(), t.TempDir()
	example, err := os.ReadFile(filepath.Join(root, "examples", "dhcp.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(second, "bundle-test.pcap"), example, 0o644); err != nil {
		t.Fatal(err)
	}
	var declared []string
	for _, tl := range m.Tools {
		declared = append(declared, tl.Name)
	}
	for _, c := range []struct {
		name     string
		settings map[string]any
		export   bool
	}{
		{"two folders", map[string]any{"capture_folders": []string{captures, second}}, false},
		{"output folder", map[string]any{"capture_folders": []string{second}, "output_folder": out}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			settings, _ := json.Marshal(c.settings)
			resolve := exec.Command("node", filepath.Join(root, "packaging", "resolve.mjs"), filepath.Join(dir, "manifest.json"), dir, string(settings))
			resolved, err := resolve.Output()
			if err != nil {
				t.Fatalf("resolve.mjs: %v", err)
			}
			var cfg struct {
				Command string   `json:"command"`
				Args    []string `json:"args"`
			}
			if err := json.Unmarshal(resolved, &cfg); err != nil {
				t.Fatalf("resolve.mjs printed %s: %v", resolved, err)
			}
			cmd := exec.CommandContext(t.Context(), cfg.Command, cfg.Args...)
			cmd.Dir = t.TempDir()
			stdin, _ := cmd.StdinPipe()
			stdout, _ := cmd.StdoutPipe()
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatalf("%s %v: %v", cfg.Command, cfg.Args, err)
			}
			defer func() { stdin.Close(); cmd.Wait() }()
			c2 := &rpc{w: stdin, r: bufio.NewReader(stdout)}
			var init struct {
				ServerInfo struct{ Name, Version string } `json:"serverInfo"`
			}
			if err := c2.call("initialize", map[string]any{"protocolVersion": "2025-06-18", "capabilities": map[string]any{},
				"clientInfo": map[string]any{"name": "bundle-test", "version": "1"}}, &init); err != nil {
				t.Fatalf("initialize: %v; stderr:\n%s", err, stderr.String())
			}
			if init.ServerInfo.Name != "mcpacket" || BundleVersion(init.ServerInfo.Version) != m.Version {
				t.Errorf("server %+v, manifest version %s", init.ServerInfo, m.Version)
			}
			c2.notify("notifications/initialized")
			var list struct {
				Tools []struct{ Name string } `json:"tools"`
			}
			if err := c2.call("tools/list", map[string]any{}, &list); err != nil {
				t.Fatalf("tools/list: %v; stderr:\n%s", err, stderr.String())
			}
			var listed []string
			for _, tl := range list.Tools {
				listed = append(listed, tl.Name)
			}
			// The output folder setting names the tools offered only with it.
			outDesc := m.UserConfig["output_folder"].Description
			want := slices.DeleteFunc(slices.Clone(declared), func(n string) bool { return !c.export && strings.Contains(outDesc, n+" ") })
			if !slices.Equal(listed, want) {
				t.Errorf("tools/list: %v\nmanifest (without an output folder, less those its setting names: %q): %v", listed, outDesc, want)
			}
			var res struct {
				Content []struct{ Text string } `json:"content"`
				IsError bool                    `json:"isError"`
			}
			if err := c2.call("tools/call", map[string]any{"name": "list_captures", "arguments": map[string]any{}}, &res); err != nil || res.IsError || len(res.Content) == 0 {
				t.Fatalf("list_captures: %v %+v", err, res)
			}
			if !strings.Contains(res.Content[0].Text, "bundle-test.pcap") {
				t.Errorf("list_captures does not list the capture in a chosen folder:\n%s", res.Content[0].Text)
			}
			if err := c2.call("tools/call", map[string]any{"name": "analyze_capinfos", "arguments": map[string]any{"pcap_file": filepath.Join(root, "examples", "dhcp.pcap")}}, &res); err != nil || !res.IsError {
				t.Errorf("a capture outside the chosen folders was read: %v %+v", err, res)
			}
		})
	}
}

// unzip extracts a bundle (a zip file) into a new directory, with the
// modes its entries record.
func unzip(t *testing.T, path string) string {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	dir := t.TempDir()
	for _, f := range zr.File {
		if !filepath.IsLocal(f.Name) {
			t.Fatalf("bundle entry %q leaves the bundle's folder", f.Name)
		}
		dst := filepath.Join(dir, f.Name)
		if f.FileInfo().IsDir() {
			os.MkdirAll(dst, 0o755)
			continue
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		w, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, f.Mode().Perm()|0o600)
		if err != nil {
			t.Fatal(err)
		}
		_, err = io.Copy(w, r)
		r.Close()
		if cerr := w.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
