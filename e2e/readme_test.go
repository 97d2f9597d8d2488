package e2e

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"debug/elf"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// TestREADMECommands runs every command in the sh blocks of README.md and
// examples/README.md, so none of them can rot: each is run as written, on
// the bundled example capture, with only what a reader would fill in
// replaced (the binary's path, a capture, a capture directory, a token,
// the port a test server got). `make test` is the one command run by CI
// instead (.ci/run calls it). A command the test does not know fails it:
// a new README command needs a rule here.
func TestREADMECommands(t *testing.T) {
	root := pcaptest.Root(t)
	bin, dir := setup(t)
	example := filepath.Join(root, "examples", "dhcp.pcap")
	captures := t.TempDir() // stands for /srv/captures
	copyFile(t, example, filepath.Join(captures, "dhcp.pcap"))
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { // stands for https://example.org
		b, _ := os.ReadFile(example)
		zw := gzip.NewWriter(w)
		zw.Write(b)
		zw.Close()
	}))
	defer web.Close()
	ciRun, err := os.ReadFile(filepath.Join(root, ".ci", "run"))
	if err != nil {
		t.Fatal(err)
	}
	token := "readme-test-token"
	server := "" // host:port of the last server a command started

	parent := t // servers run until the whole test ends
	var cmds []string
	for _, f := range []string{"README.md", filepath.Join("examples", "README.md")} {
		cmds = append(cmds, shCommands(t, filepath.Join(root, f))...)
	}
	if len(cmds) < 20 {
		t.Fatalf("found %d README commands; the sh blocks were not read", len(cmds))
	}
	for _, line := range cmds {
		env, args := splitCommand(line, map[string]string{"MCPACKET_AUTH_TOKEN": token})
		fill := func(a string) string {
			a = strings.ReplaceAll(a, "/path/to/mcpacket", bin)
			a = strings.ReplaceAll(a, "/abs/path/capture.pcapng", example)
			a = strings.ReplaceAll(a, "capture.pcapng", example)
			a = strings.ReplaceAll(a, "/srv/captures", captures)
			a = strings.ReplaceAll(a, "/srv/uploads", filepath.Join(captures, "..", "uploads"))
			a = strings.ReplaceAll(a, "https://example.org/trace.pcap.gz", web.URL+"/trace.pcap.gz")
			if server != "" {
				a = strings.ReplaceAll(a, "127.0.0.1:8080", server)
				a = strings.ReplaceAll(a, "server.example:8080", server)
			}
			return a
		}
		for i := range args {
			args[i] = fill(args[i])
		}
		for i := range env {
			env[i] = strings.Replace(env[i], "=...", "="+token, 1)
		}
		t.Run(line, func(t *testing.T) {
			switch {
			case line == "make test":
				if !regexp.MustCompile(`(?m)^make test$`).Match(ciRun) {
					t.Error(".ci/run does not run `make test`")
				}
			case line == "make mcpb" || args[0] == "docker":
				// Release packaging, run by CI rather than here (minutes
				// of cross-compiling; podman, as root): .ci/run builds and
				// tests the bundle (make mcpb) and builds and runs the image
				// (make image: packaging/container.sh, which repeats these
				// README lines where it runs their podman equivalents).
				target := map[bool]string{true: "mcpb", false: "image"}[line == "make mcpb"]
				if !regexp.MustCompile(`(?m)^make -s ` + target + `$`).Match(ciRun) {
					t.Errorf(".ci/run does not run make %s", target)
				}
				if args[0] == "docker" {
					script, err := os.ReadFile(filepath.Join(root, "packaging", "container.sh"))
					if err != nil {
						t.Fatal(err)
					}
					if !strings.Contains(string(script), line) {
						t.Errorf("packaging/container.sh does not repeat (and run the podman equivalent of) %q", line)
					}
				}
			case strings.HasPrefix(line, "CGO_ENABLED=0 go install "):
				gobin := t.TempDir()
				run(t, root, append(env, "GOBIN="+gobin), args...)
				checkStatic(t, filepath.Join(gobin, "mcpacket"))
			case line == "make build":
				run(t, root, env, args...)
				checkStatic(t, filepath.Join(root, "mcpacket"))
			case args[0] == "go" && args[1] == "run":
				out := run(t, root, env, args...)
				checkExample(t, line, out)
			case args[0] == "mcpacket" && (len(args) == 1 || args[1] == "serve"):
				server = serve(t, parent, bin, env, args[1:])
			case args[0] == "mcpacket":
				if strings.HasPrefix(args[len(args)-2], "http://127.0.0.1:") {
					args = append(args, "--allow-private-urls")
				}
				// In a directory of its own: a command that writes a file
				// (export packets -o out.pcapng) writes it there.
				out := run(t, t.TempDir(), env, append([]string{bin}, args[1:]...)...)
				checkExample(t, line, out)
			case args[0] == "curl":
				if _, err := exec.LookPath("curl"); err != nil {
					t.Skip("curl is not installed: README upload command skipped")
				}
				if out := run(t, t.TempDir(), env, args...); !strings.Contains(out, `"pcap_file":"up-`) {
					t.Errorf("upload answered %s", out)
				}
			case args[0] == "claude":
				home := t.TempDir()
				claude := filepath.Join(dir, "node_modules", ".bin", "claude")
				cenv := append(env, "HOME="+home, "MCPACKET_AUTH_TOKEN="+token)
				run(t, home, cenv, append([]string{claude}, args[1:]...)...)
				out := run(t, home, cenv, claude, "mcp", "get", "mcpacket")
				if !strings.Contains(out, "Connected") {
					t.Errorf("claude mcp get mcpacket: not connected:\n%s", out)
				}
			case args[0] == "npx" && strings.HasPrefix(args[1], "@modelcontextprotocol/inspector@"):
				out := run(t, dir, append(env, "HOME="+t.TempDir()), append([]string{"npx", "--offline"}, args[1:]...)...)
				if !strings.Contains(out, "analyze_capinfos") && !strings.Contains(out, `"packet_count": 4`) {
					t.Errorf("inspector output:\n%s", out)
				}
			default:
				t.Fatalf("no rule runs this README command; add one to TestREADMECommands")
			}
		})
	}
}

// shCommands returns the commands of a Markdown file's sh blocks: comment
// lines and trailing comments dropped, continued lines joined.
func shCommands(t *testing.T, path string) []string {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	in, cont := false, ""
	for _, line := range strings.Split(string(b), "\n") {
		switch {
		case strings.HasPrefix(line, "```sh"):
			in = true
			continue
		case strings.HasPrefix(line, "```"):
			in = false
			continue
		case !in:
			continue
		}
		if i := strings.Index(line, "  #"); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasSuffix(line, `\`) {
			cont += strings.TrimSuffix(line, `\`)
			continue
		}
		out = append(out, strings.Join(strings.Fields(cont+line), " "))
		cont = ""
	}
	return out
}

var (
	shellVar    = regexp.MustCompile(`\$([A-Z_]+)`)
	shellAssign = regexp.MustCompile(`^[A-Z_]+=`)
)

// splitCommand splits a shell command into its leading VAR=value
// assignments and its words, honouring single and double quotes and
// expanding $VAR from vars inside double quotes and bare words.
func splitCommand(line string, vars map[string]string) (env, args []string) {
	var words []string
	var cur strings.Builder
	inWord, quote := false, byte(0)
	expand := func(s string) string {
		return shellVar.ReplaceAllStringFunc(s, func(v string) string { return vars[v[1:]] })
	}
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quote == '\'':
			if c == '\'' {
				quote = 0
			} else {
				cur.WriteByte(c)
			}
		case quote == '"':
			if c == '"' {
				quote = 0
			} else {
				cur.WriteByte(c)
			}
		case c == '\'' || c == '"':
			quote, inWord = c, true
			if c == '"' {
				j := strings.IndexByte(line[i+1:], '"')
				cur.WriteString(expand(line[i+1 : i+1+j]))
				i += j + 1
				quote = 0
			}
		case c == ' ':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	for len(words) > 0 && shellAssign.MatchString(words[0]) {
		env = append(env, words[0])
		words = words[1:]
	}
	for i, w := range words {
		if strings.HasPrefix(w, "$") {
			words[i] = expand(w)
		}
	}
	return env, words
}

// run runs a command to completion and returns its output; a failure
// fails the test.
func run(t *testing.T, dir string, env []string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("%q: %v\n%s", args, err, out.String())
	}
	return out.String()
}

// serve starts a server command the README shows and checks it answers:
// MCP over stdio (an initialize request), or over HTTP (/healthz, and an
// authenticated /mcp when a token is set). It returns the HTTP server's
// host:port. The server stops when the test owner ends.
func serve(t, owner *testing.T, bin string, env, args []string) string {
	t.Helper()
	isHTTP := false
	for i, a := range args {
		if a == "--transport" && i+1 < len(args) && args[i+1] == "http" {
			isHTTP = true
		}
		if a == "--port" && i+1 < len(args) {
			args[i+1] = "0"
		}
	}
	if isHTTP && !slices.Contains(args, "--port") {
		args = append(args, "--port", "0")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), env...)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	owner.Cleanup(func() { cancel(); cmd.Wait() })
	if !isHTTP {
		io.WriteString(stdin, `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"readme","version":"1"}}}`+"\n")
		line, err := bufio.NewReader(stdout).ReadString('\n')
		if err != nil || !strings.Contains(line, `"serverInfo"`) {
			t.Fatalf("stdio server did not answer initialize: %q %v", line, err)
		}
		return ""
	}
	addr := bannerAddr(t, stderr)
	if _, _, err := net.SplitHostPort(addr); err != nil {
		t.Fatalf("banner address %q: %v", addr, err)
	}
	resp, err := httpGet("http://" + addr + "/healthz")
	if err != nil || resp != "ok" {
		t.Fatalf("GET /healthz: %q %v", resp, err)
	}
	return addr
}

func httpGet(url string) (string, error) {
	resp, err := http.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return strings.TrimSpace(string(b)), err
}

// checkExample checks an analyze command on the bundled example found what
// its flags ask for: the README's example flags must match the capture.
func checkExample(t *testing.T, line, out string) {
	t.Helper()
	for _, want := range regexp.MustCompile(`--client-mac (\S+)`).FindAllStringSubmatch(line, -1) {
		if strings.Count(out, want[1]) < 2 { // the filter echoed, and at least one match
			t.Errorf("%s: the example capture has nothing for %s:\n%s", line, want[1], out)
		}
	}
	if strings.Contains(line, "analyze dhcp") && !strings.Contains(out, "ACK") {
		t.Errorf("%s: no DHCP ACK in the output:\n%s", line, out)
	}
}

// checkStatic checks a built binary is a static executable: no ELF
// interpreter (dynamic loader) requested.
func checkStatic(t *testing.T, path string) {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Errorf("%s is dynamically linked", path)
		}
	}
}

func copyFile(t *testing.T, from, to string) {
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
