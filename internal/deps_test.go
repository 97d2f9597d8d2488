package internal_test

import (
	"os/exec"
	"strings"
	"testing"
)

// allowed is the import policy, as in go/build's deps_test.go: for each
// package of this module, the packages of this module and the third-party
// modules it may import (directly or not). The standard library is always
// allowed; anything not listed is forbidden.
var allowed = map[string][]string{
	"internal/capture": {"gopacket"},
	"internal/engine":  {"internal/capture", "gopacket"},
	// The shared output vocabulary: standard library only.
	"internal/result":   {},
	"internal/rescache": {},
	// Flow naming (Community ID, Zeek's conn_state): standard library only.
	"internal/flow": {},
	// The contract: the vocabulary and the standard library.
	"internal/analyzer": {"internal/result"},
	"internal/modkit":   {"internal/analyzer", "internal/result", "internal/rescache", "internal/engine", "internal/capture", "gopacket"},
	// Protocol modules: the contract, the vocabulary, the engine and
	// capture, shared plumbing, gopacket; never another protocol module or
	// the MCP SDK.
	"internal/analyzer/*": {"internal/analyzer", "internal/result", "internal/rescache", "internal/engine", "internal/capture", "internal/modkit", "internal/flow", "internal/dissect", "internal/dfilter", "gopacket"},
	// Charts: a module like the others, that also renders with gonum's
	// plot (pure Go, fonts embedded).
	"internal/analyzer/plot": {"internal/analyzer", "internal/result", "internal/rescache", "internal/engine", "internal/capture", "internal/modkit", "internal/dissect", "gopacket", "gonum-plot"},
	// Per-frame facts (stack, streams) and display filters, below the
	// modules: the engine and the standard library.
	"internal/dissect":   {"internal/engine", "internal/capture", "gopacket"},
	"internal/dfilter":   {"internal/analyzer", "internal/result", "internal/rescache", "internal/dissect", "internal/engine", "internal/capture", "gopacket"},
	"internal/mcpserver": {"internal/analyzer", "internal/result", "mcp-sdk", "jsonschema"},
	// The CLI serves through mcpserver; it reaches the SDK only through it
	// (TestSDKImportedOnlyByMCPServer checks the direct imports).
	"internal/cli": {"internal/analyzer", "internal/result", "internal/rescache", "internal/capture", "internal/mcpserver", "internal/s3store", "minio", "common", "mcp-sdk", "jsonschema", "gopacket"},
	// S3-compatible object storage: the MinIO client and the standard
	// library; it implements capture.ObjectStore without importing capture.
	"internal/s3store":  {"minio", "common"},
	"internal/pcaptest": {"internal/analyzer", "internal/result", "internal/rescache", "internal/capture", "internal/engine", "internal/modkit", "gopacket"},
	"e2e":               {"internal/pcaptest", "internal/analyzer", "internal/result", "internal/rescache", "gopacket", "mcp-sdk"},
	// Release packaging: the bundle manifest generator (it speaks to the
	// binary over stdio) and the registry entry's tests; standard library.
	"packaging":         {},
	"packaging/mcpbgen": {},
	"cmd/mcpacket":      {"internal/analyzer", "internal/result", "internal/rescache", "internal/analyzer/*", "internal/dissect", "internal/dfilter", "internal/capture", "internal/engine", "internal/modkit", "internal/flow", "internal/mcpserver", "internal/cli", "internal/s3store", "internal/records", "minio", "parquet", "common", "mcp-sdk", "jsonschema", "gopacket", "gonum-plot"},
	// Records for engines that scale out: the modules' rows written as
	// Parquet (parquet-go and what it brings) or JSON Lines.
	"internal/records": {"internal/analyzer", "internal/result", "internal/rescache", "internal/engine", "internal/capture", "internal/modkit", "gopacket", "parquet", "common"},
}

// families maps import path prefixes to the short names used above.
var families = []struct{ prefix, name string }{
	{"github.com/gopacket/gopacket", "gopacket"},
	{"github.com/modelcontextprotocol/go-sdk", "mcp-sdk"},
	{"github.com/google/jsonschema-go", "jsonschema"},
	{"github.com/yosida95/uritemplate", "mcp-sdk"},
	{"github.com/segmentio/", "mcp-sdk"},
	{"github.com/golang-jwt/", "mcp-sdk"},
	{"golang.org/x/oauth2", "mcp-sdk"},
	{"gonum.org/v1/plot", "gonum-plot"},
	{"git.sr.ht/~sbinet/gg", "gonum-plot"},
	{"github.com/ajstarks/svgo", "gonum-plot"},
	{"github.com/golang/freetype", "gonum-plot"},
	{"codeberg.org/go-fonts/", "gonum-plot"},
	{"codeberg.org/go-latex/", "gonum-plot"},
	{"codeberg.org/go-pdf/", "gonum-plot"},
	// github.com/minio/minio-go/v7 and what it imports.
	{"github.com/minio/", "minio"},
	// Libraries both minio-go and parquet-go import.
	{"github.com/google/uuid", "common"},
	{"github.com/klauspost/compress", "common"},
	{"github.com/klauspost/cpuid", "minio"},
	{"github.com/klauspost/crc32", "minio"},
	{"github.com/cespare/xxhash", "minio"},
	{"github.com/dustin/go-humanize", "minio"},
	{"github.com/philhofer/fwd", "minio"},
	{"github.com/rs/xid", "minio"},
	{"github.com/tinylib/msgp", "minio"},
	{"github.com/zeebo/xxh3", "minio"},
	{"go.yaml.in/yaml/", "minio"},
	{"gopkg.in/ini.v1", "minio"},
	{"github.com/parquet-go/", "parquet"},
	{"github.com/andybalholm/brotli", "parquet"},
	{"github.com/pierrec/lz4", "parquet"},
	{"github.com/twpayne/go-geom", "parquet"},
	{"google.golang.org/protobuf", "parquet"},
}

const module = "github.com/mcpacket/mcpacket/"

func TestDependencyRules(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{range .Deps}} {{.}}{{end}}{{end}}", "github.com/mcpacket/mcpacket/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	checked := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 || !strings.HasPrefix(fields[0], module) {
			continue
		}
		pkg := strings.TrimPrefix(fields[0], module)
		if pkg == "internal" {
			continue // this test's own package
		}
		rule, ok := ruleFor(pkg)
		if !ok {
			t.Errorf("package %s has no import rule; add it to allowed", pkg)
			continue
		}
		checked++
		for _, dep := range fields[1:] {
			name, std := classify(dep)
			if std || name == pkg {
				continue
			}
			if !permits(rule, name) {
				t.Errorf("%s may not import %s (%s)", pkg, dep, name)
			}
		}
		if strings.Contains(line, "github.com/gopacket/gopacket/pcap ") || strings.HasSuffix(line, "github.com/gopacket/gopacket/pcap") {
			t.Errorf("%s imports gopacket/pcap, the libpcap cgo binding", pkg)
		}
	}
	if checked < 8 {
		t.Errorf("checked %d packages, want all of them", checked)
	}
}

func ruleFor(pkg string) ([]string, bool) {
	if r, ok := allowed[pkg]; ok {
		return r, true
	}
	if strings.HasPrefix(pkg, "internal/analyzer/") {
		return allowed["internal/analyzer/*"], true
	}
	return nil, false
}

// classify names a dependency: a package of this module by its path in the
// module, a third-party module by family, or the standard library.
func classify(dep string) (name string, std bool) {
	if strings.HasPrefix(dep, module) {
		return strings.TrimPrefix(dep, module), false
	}
	for _, f := range families {
		if strings.HasPrefix(dep, f.prefix) {
			return f.name, false
		}
	}
	first, _, _ := strings.Cut(dep, "/")
	// golang.org/x modules are the Go project's own supplements (pcapgo
	// needs x/net/bpf, the SDK x/sync); they count as standard.
	if !strings.Contains(first, ".") || strings.HasPrefix(dep, "golang.org/x/") {
		return dep, true // standard library (vendor/golang.org/x/... included)
	}
	return dep, false
}

func permits(rule []string, name string) bool {
	for _, r := range rule {
		if r == name || (strings.HasSuffix(r, "/*") && strings.HasPrefix(name, strings.TrimSuffix(r, "*"))) {
			return true
		}
	}
	return false
}

// TestSDKImportedOnlyByMCPServer checks the direct imports of every package
// of the module (tests aside): only internal/mcpserver imports the MCP SDK
// or its schema library, so the rest of the program never depends on the
// SDK's types.
func TestSDKImportedOnlyByMCPServer(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}}{{range .Imports}} {{.}}{{end}}", "github.com/mcpacket/mcpacket/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	checked := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		checked++
		pkg := strings.TrimPrefix(fields[0], module)
		for _, imp := range fields[1:] {
			if name, _ := classify(imp); (name == "mcp-sdk" || name == "jsonschema") && pkg != "internal/mcpserver" {
				t.Errorf("%s imports %s; only internal/mcpserver may", pkg, imp)
			}
		}
	}
	if checked < 8 {
		t.Errorf("checked %d packages, want all of them", checked)
	}
}
