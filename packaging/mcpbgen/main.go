// Command mcpbgen writes the MCP Bundle manifest (manifest.json) of an
// mcpacket binary: it serves the binary over stdio, asks it for its tools
// and prompts (tools/list, prompts/list, prompts/get), and declares them
// with the server entry, the platforms and the user settings. The manifest
// is generated from the binary it ships with, so it cannot drift from it;
// TestManifestIsGenerated checks the committed packaging/manifest.json
// against a binary built from this tree.
//
//	go run ./packaging/mcpbgen -bin ./mcpacket -version v1.2.3 -o manifest.json
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"time"
)

func main() {
	bin := flag.String("bin", "", "the mcpacket binary to describe (it must run on this machine)")
	version := flag.String("version", "", "the version the binary was built as (make build's VERSION); the manifest gets BundleVersion of it")
	out := flag.String("o", "", "write the manifest here (default stdout)")
	flag.Parse()
	if *bin == "" || *version == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: mcpbgen -bin PATH -version VERSION [-o manifest.json]")
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b, err := Generate(ctx, *bin, BundleVersion(*version))
	if err != nil {
		fmt.Fprintf(os.Stderr, "mcpbgen: %v\n", err)
		os.Exit(1)
	}
	if *out == "" {
		_, err = os.Stdout.Write(b)
	} else {
		err = os.WriteFile(*out, b, 0o644)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "mcpbgen: %v\n", err)
		os.Exit(1)
	}
}

// Manifest is an MCP Bundle manifest, version 0.3 (the mcpb CLI's schema
// mcpb-manifest-v0.3.schema.json), with the fields mcpacket uses.
type Manifest struct {
	ManifestVersion string                `json:"manifest_version"`
	Name            string                `json:"name"`
	DisplayName     string                `json:"display_name"`
	Version         string                `json:"version"`
	Description     string                `json:"description"`
	LongDescription string                `json:"long_description"`
	Author          Author                `json:"author"`
	Repository      Repository            `json:"repository"`
	Homepage        string                `json:"homepage"`
	Documentation   string                `json:"documentation"`
	Support         string                `json:"support"`
	License         string                `json:"license"`
	Keywords        []string              `json:"keywords"`
	Server          Server                `json:"server"`
	Tools           []Tool                `json:"tools"`
	ToolsGenerated  bool                  `json:"tools_generated"`
	Prompts         []Prompt              `json:"prompts"`
	Compatibility   Compatibility         `json:"compatibility"`
	UserConfig      map[string]UserConfig `json:"user_config"`
}

type Author struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

type Repository struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

type Server struct {
	Type       string    `json:"type"`
	EntryPoint string    `json:"entry_point"`
	MCPConfig  MCPConfig `json:"mcp_config"`
}

type MCPConfig struct {
	Command           string               `json:"command"`
	Args              []string             `json:"args"`
	PlatformOverrides map[string]MCPConfig `json:"platform_overrides,omitempty"`
}

type Tool struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

type Prompt struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Arguments   []string `json:"arguments"`
	Text        string   `json:"text"`
}

type Compatibility struct {
	Platforms []string `json:"platforms"`
}

type UserConfig struct {
	Type        string `json:"type"`
	Title       string `json:"title"`
	Description string `json:"description"`
	Required    bool   `json:"required"`
	Multiple    bool   `json:"multiple,omitempty"`
	Default     any    `json:"default,omitempty"`
}

// Targets are the platforms the bundle carries a binary for, as GOOS/GOARCH,
// with the file name each binary has under server/.
var Targets = []struct{ GOOS, GOARCH, File string }{
	{"linux", "amd64", "mcpacket-linux-amd64"},
	{"linux", "arm64", "mcpacket-linux-arm64"},
	{"darwin", "amd64", "mcpacket-darwin-amd64"},
	{"darwin", "arm64", "mcpacket-darwin-arm64"},
	{"windows", "amd64", "mcpacket-windows-amd64.exe"},
}

const repoURL = "https://github.com/mcpacket/mcpacket"

// serveArgs are the arguments of "mcpacket" in the bundle: stdio, the
// optional output folder (empty: the tools that write files are absent), and the
// capture folders, one argument each after "--" (a multiple directory
// setting expands to one argument per folder), each a --root.
var serveArgs = []string{"serve", "--output-dir=${user_config.output_folder}", "--", "${user_config.capture_folders}"}

var semverRE = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.+-]*)?$`)

// BundleVersion is the manifest version of a binary built as version v: a
// semantic version, so v1.2.3 is 1.2.3 and a build between tags (a commit,
// "3f2a9c1-dirty", or "devel") is 0.0.0-<it>.
func BundleVersion(v string) string {
	if s := strings.TrimPrefix(v, "v"); semverRE.MatchString(s) {
		return s
	}
	return "0.0.0-" + strings.Map(func(r rune) rune {
		if r < 128 && (r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return r
		}
		return '-'
	}, v)
}

// Generate returns the manifest of the binary bin, indented, with a final
// newline.
func Generate(ctx context.Context, bin, version string) ([]byte, error) {
	tools, prompts, err := ask(ctx, bin, true)
	if err != nil {
		return nil, err
	}
	// The tools only offered with an output folder: those the server does
	// not list without one. The setting's description names them.
	without, _, err := ask(ctx, bin, false)
	if err != nil {
		return nil, err
	}
	var writers []string
	for _, t := range tools {
		if !slices.ContainsFunc(without, func(w Tool) bool { return w.Name == t.Name }) {
			writers = append(writers, t.Name)
		}
	}
	if len(writers) == 0 {
		return nil, fmt.Errorf("%s: lists the same tools with and without --output-dir; the output_folder setting would do nothing", bin)
	}
	m := Manifest{
		ManifestVersion: "0.3",
		Name:            "mcpacket",
		DisplayName:     "mcpacket: packet capture analysis",
		Version:         version,
		Description:     "Analyze pcap and pcapng captures protocol by protocol: overview, DNS, DHCP, TCP, TLS, HTTP, SIP, ICMP, ARP, NTP and more.",
		LongDescription: "mcpacket reads packet captures (pcap, pcapng, gzip-compressed) from the folders you choose and gives structured, bounded analyses: " +
			"an overview (protocol hierarchy, conversations, hosts, flows, ranked findings), one tool per protocol with its anomalies, " +
			"and drill-down to packets and streams with Wireshark display filters. One static binary with no tshark, no libpcap and no network access " +
			"except captures you name by http(s) URL (public addresses only). Start with analyze_overview.",
		Author:        Author{Name: "The mcpacket authors", URL: repoURL},
		Repository:    Repository{Type: "git", URL: repoURL},
		Homepage:      repoURL,
		Documentation: repoURL + "#readme",
		Support:       repoURL + "/issues",
		License:       "Apache-2.0",
		Keywords:      []string{"pcap", "pcapng", "packet capture", "network", "wireshark", "forensics", "dns", "tcp", "tls"},
		Server: Server{
			Type: "binary",
			// server/mcpacket is a POSIX shell launcher that runs the
			// binary for the machine's OS and CPU (uname); Windows runs its
			// binary directly.
			EntryPoint: "server/mcpacket",
			MCPConfig: MCPConfig{
				Command: "/bin/sh",
				Args:    append([]string{"${__dirname}/server/mcpacket"}, serveArgs...),
				PlatformOverrides: map[string]MCPConfig{
					"win32": {Command: "${__dirname}/server/mcpacket-windows-amd64.exe", Args: serveArgs},
				},
			},
		},
		Tools:          tools,
		ToolsGenerated: false,
		Prompts:        prompts,
		Compatibility:  Compatibility{Platforms: []string{"darwin", "win32", "linux"}},
		UserConfig: map[string]UserConfig{
			"capture_folders": {
				Type: "directory", Title: "Capture folders", Required: true, Multiple: true,
				Description: "Folders mcpacket may read captures from (with their subfolders). A file elsewhere is refused; list_captures lists the captures in them.",
			},
			"output_folder": {
				Type: "directory", Title: "Output folder (optional)", Required: false, Default: "",
				Description: "Folder " + strings.Join(writers, " and ") + " may write new files into (never overwriting). Empty: " + map[bool]string{true: "the tool is", false: "these tools are"}[len(writers) == 1] + " not offered.",
			},
		},
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// ask serves bin over stdio and returns its tools and, withOutput, its
// prompts. The prompt texts are the binary's own, rendered with the
// capture argument as the manifest's ${arguments.pcap_file} placeholder.
func ask(ctx context.Context, bin string, withOutput bool) ([]Tool, []Prompt, error) {
	outDir, err := os.MkdirTemp("", "mcpbgen")
	if err != nil {
		return nil, nil, err
	}
	defer os.RemoveAll(outDir)
	// With an output folder, as the bundle's setting allows, the tools
	// that write files are listed too.
	args := []string{"serve", "--", outDir}
	if withOutput {
		args = []string{"serve", "--output-dir", outDir, "--", outDir}
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, nil, err
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return nil, nil, err
	}
	defer func() {
		stdin.Close()
		cmd.Wait()
	}()
	c := &rpc{w: stdin, r: bufio.NewReader(stdout)}
	fail := func(err error) ([]Tool, []Prompt, error) {
		return nil, nil, fmt.Errorf("%s: %w; stderr:\n%s", bin, err, stderr.String())
	}
	if err := c.call("initialize", map[string]any{
		"protocolVersion": "2025-06-18", "capabilities": map[string]any{},
		"clientInfo": map[string]any{"name": "mcpbgen", "version": "1"},
	}, nil); err != nil {
		return fail(err)
	}
	if err := c.notify("notifications/initialized"); err != nil {
		return fail(err)
	}
	var tools []Tool
	var prompts []Prompt
	var argNames = map[string][]string{}
	for cursor := ""; ; {
		var page struct {
			Tools []struct {
				Name        string `json:"name"`
				Description string `json:"description"`
			} `json:"tools"`
			NextCursor string `json:"nextCursor"`
		}
		if err := c.call("tools/list", cursorParams(cursor), &page); err != nil {
			return fail(err)
		}
		for _, t := range page.Tools {
			tools = append(tools, Tool{Name: t.Name, Description: t.Description})
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	if !withOutput {
		return tools, nil, nil // (the prompts do not depend on it)
	}
	for cursor := ""; ; {
		var page struct {
			Prompts []struct {
				Name        string `json:"name"`
				Description string `json:"description"`
				Arguments   []struct {
					Name string `json:"name"`
				} `json:"arguments"`
			} `json:"prompts"`
			NextCursor string `json:"nextCursor"`
		}
		if err := c.call("prompts/list", cursorParams(cursor), &page); err != nil {
			return fail(err)
		}
		for _, p := range page.Prompts {
			mp := Prompt{Name: p.Name, Description: p.Description, Arguments: []string{}}
			for _, a := range p.Arguments {
				mp.Arguments = append(mp.Arguments, a.Name)
			}
			prompts = append(prompts, mp)
			argNames[p.Name] = mp.Arguments
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	for i, p := range prompts {
		args := map[string]string{}
		for _, a := range p.Arguments {
			args[a] = "${arguments." + a + "}"
		}
		var got struct {
			Messages []struct {
				Content struct {
					Type string `json:"type"`
					Text string `json:"text"`
				} `json:"content"`
			} `json:"messages"`
		}
		if err := c.call("prompts/get", map[string]any{"name": p.Name, "arguments": args}, &got); err != nil {
			return fail(fmt.Errorf("prompt %s: %w", p.Name, err))
		}
		if len(got.Messages) != 1 || got.Messages[0].Content.Type != "text" {
			return fail(fmt.Errorf("prompt %s: want one text message, got %d messages", p.Name, len(got.Messages)))
		}
		prompts[i].Text = got.Messages[0].Content.Text
	}
	if len(tools) == 0 || len(prompts) == 0 {
		return fail(errors.New("the server listed no tools or no prompts"))
	}
	return tools, prompts, nil
}

func cursorParams(cursor string) map[string]any {
	if cursor == "" {
		return map[string]any{}
	}
	return map[string]any{"cursor": cursor}
}

// rpc is a JSON-RPC client over newline-delimited stdio, one call at a time.
type rpc struct {
	w  io.Writer
	r  *bufio.Reader
	id int
}

func (c *rpc) notify(method string) error {
	return c.send(map[string]any{"jsonrpc": "2.0", "method": method})
}

func (c *rpc) send(msg any) error {
	b, err := json.Marshal(msg)
	if err != nil {
		return err
	}
	_, err = c.w.Write(append(b, '\n'))
	return err
}

func (c *rpc) call(method string, params, result any) error {
	c.id++
	if err := c.send(map[string]any{"jsonrpc": "2.0", "id": c.id, "method": method, "params": params}); err != nil {
		return err
	}
	for {
		line, err := c.r.ReadBytes('\n')
		if err != nil {
			return fmt.Errorf("%s: %w", method, err)
		}
		var resp struct {
			ID     *int            `json:"id"`
			Result json.RawMessage `json:"result"`
			Error  *struct {
				Code    int    `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		if err := json.Unmarshal(line, &resp); err != nil {
			return fmt.Errorf("%s: %w", method, err)
		}
		if resp.ID == nil || *resp.ID != c.id {
			continue // a notification or log message
		}
		if resp.Error != nil {
			return fmt.Errorf("%s: error %d: %s", method, resp.Error.Code, resp.Error.Message)
		}
		if result == nil {
			return nil
		}
		return json.Unmarshal(resp.Result, result)
	}
}
