// Package cli is mcpacket's command line: "serve" runs the MCP server over
// stdio or streamable HTTP, and "analyze" runs one module's tool on a capture
// and prints a report for a person (or the tool's exact JSON with --json).
// Running mcpacket with no command, or with only flags, serves stdio, so an
// MCP client entry written for mcpcap works unchanged.
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"reflect"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/capture"
	"github.com/mcpacket/mcpacket/internal/mcpserver"
	"github.com/mcpacket/mcpacket/internal/rescache"
)

// Exit codes.
const (
	ExitOK    = 0
	ExitError = 1 // the command ran and failed
	ExitUsage = 2 // bad command line
)

// App is the command line over one registry of modules.
type App struct {
	Registry *analyzer.Registry
	Version  string
	Stdin    io.Reader
	Stdout   io.Writer
	Stderr   io.Writer
	// StderrIsTerminal enables the progress line of "analyze".
	StderrIsTerminal bool
}

// buildVersion is set at link time by release builds and the Makefile:
// -ldflags "-X github.com/mcpacket/mcpacket/internal/cli.buildVersion=v1.2.3".
var buildVersion string

// Version returns the version the binary was built as: the link-time
// version, else the module version (go install module@version, or the
// pseudo-version Go stamps from the git checkout), else "devel+" and the
// commit it was built from, else "devel".
func Version() string {
	if buildVersion != "" {
		return buildVersion
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	rev, dirty := "", false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return "devel"
	}
	v := "devel+" + rev[:min(12, len(rev))]
	if dirty {
		v += "-dirty"
	}
	return v
}

// Main runs the command line args (without the program name) and returns the
// exit code.
func Main(ctx context.Context, reg *analyzer.Registry, args []string) int {
	app := &App{
		Registry: reg, Version: Version(),
		Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr,
		StderrIsTerminal: isTerminal(os.Stderr),
	}
	return app.Run(ctx, args)
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

const usage = `mcpacket analyzes packet captures for LLM clients over MCP (Model Context Protocol).

Usage:
  mcpacket [serve] [flags] [DIR...]             serve MCP over stdio (the default) or HTTP;
                                                each DIR is a --root
  mcpacket analyze <module> <capture> [flags]   run a module's tool and print a report
  mcpacket export packets <capture> --filter F -o OUT.pcapng
                                                write the frames a display filter selects to a file
  mcpacket export records <capture|dir|glob>... -o DIR [--format parquet|jsonl]
                                                write flows, per-protocol records and findings as
                                                Parquet or JSON Lines tables (docs/records.md)
  mcpacket plot <capture> --chart timeline -o OUT.png
                                                draw a chart of the capture (PNG or SVG)
  mcpacket tools                                list modules, tools and prompts
  mcpacket version                              print the version
  mcpacket healthcheck [URL]                    exit 0 if a server's /healthz answers ok
                                                (for container HEALTHCHECKs)
  mcpacket help [command]                       show help for a command

A capture is a local path, an http(s) URL or an s3://bucket/key object
(with --s3-allow) of a pcap or pcapng file, optionally gzip-compressed. Run
"mcpacket help serve" or "mcpacket help analyze" for the flags of each command.
`

// Run runs one command line.
func (a *App) Run(ctx context.Context, args []string) int {
	if len(args) == 0 {
		return a.serve(ctx, nil)
	}
	switch args[0] {
	case "serve":
		return a.serve(ctx, args[1:])
	case "analyze":
		return a.analyze(ctx, args[1:])
	case "tools":
		return a.tools(args[1:])
	case "export":
		return a.export(ctx, args[1:])
	case "healthcheck":
		return a.healthcheck(ctx, args[1:])
	case "plot":
		return a.plot(ctx, args[1:])
	case "version", "--version", "-version":
		fmt.Fprintf(a.Stdout, "mcpacket %s\n", a.Version)
		return ExitOK
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			switch args[1] {
			case "serve":
				return a.serve(ctx, []string{"-h"})
			case "analyze":
				return a.analyze(ctx, []string{"-h"})
			case "plot":
				return a.plot(ctx, []string{"-h"})
			}
		}
		fmt.Fprint(a.Stdout, usage)
		return ExitOK
	}
	if strings.HasPrefix(args[0], "-") {
		// Flags only: serve, as mcpcap does ("mcpcap --modules dns").
		return a.serve(ctx, args)
	}
	fmt.Fprintf(a.Stderr, "mcpacket: unknown command %q\n\n%s", args[0], usage)
	return ExitUsage
}

// common holds the flags that serve and analyze share.
type common struct {
	modules              string
	maxPackets           int
	maxDownloadBytes     int64
	maxDecompressedBytes int64
	maxRecordBytes       int
	maxStateBytes        int64
	workers              int
	downloadTimeout      time.Duration
	roots                listFlag
	noRemote             bool
	allowPrivateURLs     bool
	outputDir            string
	s3                   s3Flags
	opener               *capture.Opener // set by env
}

// listFlag is a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

func (c *common) register(fs *flag.FlagSet, names []string) {
	fs.StringVar(&c.modules, "modules", "", "comma-separated modules to enable (default all: "+strings.Join(names, ",")+")")
	fs.IntVar(&c.maxPackets, "max-packets", 0, "analyze at most this many packets of each module's protocol in detail; counts still cover the whole capture (0 = no limit)")
	fs.Int64Var(&c.maxDownloadBytes, "max-download-bytes", capture.DefaultMaxDownloadBytes, "largest capture fetched from a URL, in bytes")
	fs.Int64Var(&c.maxDecompressedBytes, "max-decompressed-bytes", capture.DefaultMaxDecompressedBytes, "largest size a gzip-compressed capture may expand to, in bytes")
	fs.IntVar(&c.maxRecordBytes, "max-record-bytes", capture.DefaultMaxRecordBytes, "most of one packet record kept, in bytes; a longer record is cut to it and the rest skipped, as libpcap does")
	fs.Int64Var(&c.maxStateBytes, "max-state-bytes", analyzer.DefaultMaxStateBytes, "memory one analysis may hold in tables that grow with the capture (flows, transactions, hosts, names), in bytes; past it the oldest idle entries are evicted and the result says so")
	fs.IntVar(&c.workers, "workers", 0, "goroutines one analysis observes packets on, each running some of the pass's modules; 1 runs a pass on one core; the results are the same (0 = $MCPACKET_WORKERS, else the cores usable)")
	fs.DurationVar(&c.downloadTimeout, "download-timeout", capture.DefaultDownloadTimeout, "deadline for fetching a capture from a URL, start to end")
	fs.Var(&c.roots, "root", "directory captures may be read from (repeatable; also $MCPACKET_ROOTS, a list separated by "+string(filepath.ListSeparator)+"); when set, paths outside every root are refused")
	fs.BoolVar(&c.noRemote, "no-remote", false, "refuse http(s) URLs: read local captures only")
	fs.StringVar(&c.outputDir, "output-dir", "", "directory export_packets may write capture files into (never overwriting); without it the tool is absent")
	fs.BoolVar(&c.allowPrivateURLs, "allow-private-urls", false, "let downloads reach loopback, private, link-local and other non-public addresses (refused by default)")
	c.s3.register(fs)
}

// rootDirs are the --root directories, or those of $MCPACKET_ROOTS.
func (c *common) rootDirs() []string {
	if len(c.roots) > 0 {
		return c.roots
	}
	var out []string
	for _, d := range filepath.SplitList(os.Getenv("MCPACKET_ROOTS")) {
		if strings.TrimSpace(d) != "" {
			out = append(out, d)
		}
	}
	return out
}

func (c *common) env(version string) (analyzer.Env, error) {
	if c.maxPackets < 0 {
		return analyzer.Env{}, fmt.Errorf("--max-packets %d: must be 0 (no limit) or more", c.maxPackets)
	}
	if c.maxDownloadBytes <= 0 {
		return analyzer.Env{}, fmt.Errorf("--max-download-bytes %d: must be positive", c.maxDownloadBytes)
	}
	if c.maxStateBytes != 0 && c.maxStateBytes < 16<<20 {
		return analyzer.Env{}, fmt.Errorf("--max-state-bytes %d: must be at least 16 MiB (16777216)", c.maxStateBytes)
	}
	if c.maxDecompressedBytes <= 0 {
		return analyzer.Env{}, fmt.Errorf("--max-decompressed-bytes %d: must be positive", c.maxDecompressedBytes)
	}
	if c.maxRecordBytes != 0 && (c.maxRecordBytes < 64 || c.maxRecordBytes > 1<<30) {
		return analyzer.Env{}, fmt.Errorf("--max-record-bytes %d: must be 64 to %d", c.maxRecordBytes, 1<<30)
	}
	if c.downloadTimeout <= 0 {
		return analyzer.Env{}, fmt.Errorf("--download-timeout %v: must be positive", c.downloadTimeout)
	}
	if c.workers < 0 || c.workers > 1024 {
		return analyzer.Env{}, fmt.Errorf("--workers %d: must be 0 (the default) to 1024", c.workers)
	}
	op := &capture.Opener{
		MaxDownloadBytes: c.maxDownloadBytes,
		DownloadTimeout:  c.downloadTimeout,
		NoRemote:         c.noRemote,
		AllowPrivateURLs: c.allowPrivateURLs,
		UserAgent:        "mcpacket/" + version,
	}
	if err := op.SetRoots(c.rootDirs()); err != nil {
		return analyzer.Env{}, fmt.Errorf("--root: %v", err)
	}
	c.opener = op
	outDir := ""
	if c.outputDir != "" {
		abs, err := filepath.Abs(c.outputDir)
		if err != nil {
			return analyzer.Env{}, fmt.Errorf("--output-dir %q: %v", c.outputDir, err)
		}
		if st, err := os.Stat(abs); err != nil || !st.IsDir() {
			return analyzer.Env{}, fmt.Errorf("--output-dir %q: not an existing directory", c.outputDir)
		}
		outDir = abs
	}
	env := analyzer.Env{
		MaxPackets:           c.maxPackets,
		MaxDecompressedBytes: c.maxDecompressedBytes,
		MaxRecordBytes:       c.maxRecordBytes,
		MaxStateBytes:        c.maxStateBytes,
		Workers:              c.workers,
		OutputDir:            outDir,
		Open: func(ctx context.Context, ref string) (*analyzer.Source, error) {
			s, err := op.Open(ctx, ref)
			if err != nil {
				return nil, err
			}
			return &analyzer.Source{ReadCloser: s.ReadCloser, Name: s.Name, Size: s.Size, Remote: s.Remote, Identity: s.Identity}, nil
		},
		List: func(ctx context.Context, subdir string) ([]analyzer.CaptureFile, bool, error) {
			files, truncated, err := op.List(ctx, subdir)
			out := make([]analyzer.CaptureFile, len(files))
			for i, f := range files {
				out[i] = analyzer.CaptureFile(f)
			}
			return out, truncated, err
		},
		Roots: op.Roots(),
	}
	if err := c.s3.setup(op, &env); err != nil {
		return analyzer.Env{}, err
	}
	return env, nil
}

func (a *App) serve(ctx context.Context, args []string) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(a.Stderr)
	var c common
	c.register(fs, a.Registry.Names())
	var uploads uploadFlags
	uploads.register(fs)
	transport := fs.String("transport", "stdio", "transport: stdio or http (streamable HTTP at /mcp)")
	host := fs.String("host", "127.0.0.1", "HTTP listen address")
	port := fs.Int("port", 8080, "HTTP listen port")
	logLevel := fs.String("log-level", "info", "stderr log level: debug, info, warn or error")
	authToken := fs.String("auth-token", "", "HTTP: require Authorization: Bearer <token> on /mcp (also $MCPACKET_AUTH_TOKEN)")
	insecure := fs.Bool("insecure-no-auth", false, "HTTP: allow a non-loopback listen address without --auth-token")
	callTimeout := fs.Duration("call-timeout", 10*time.Minute, "longest a tool call may run (0 = no limit)")
	maxConcurrent := fs.Int("max-concurrent", 2*runtime.NumCPU(), "tool calls that may run at once; more wait for a slot (0 = no limit)")
	queueTimeout := fs.Duration("queue-timeout", 30*time.Second, "how long a call waits for a slot before failing with 'server busy'")
	maxConnections := fs.Int("max-connections", mcpserver.DefaultMaxConnections, "HTTP: connections held open at once; at the cap a new one replaces the quietest connection that has not sent a whole request or sits idle")
	readTimeout := fs.Duration("read-timeout", mcpserver.DefaultReadTimeout, "HTTP: time for a request's headers to arrive, and again for its body (a tool call's own time is --call-timeout)")
	maxMessageBytes := fs.Int("max-message-bytes", mcpserver.DefaultMaxBodyBytes, "largest request accepted: an HTTP body, or one stdio line (longer lines are dropped with an error)")
	cacheBytes := fs.Int64("cache-bytes", defaultCacheBytes(), "memory for results kept between calls, so that later pages and narrower filters on the same capture need no new pass (least recently used first out; 0 = none); the default is an eighth of the memory the process may use: the machine's, or its container's limit")
	fs.Usage = func() {
		fmt.Fprintf(a.Stderr, "Usage: mcpacket serve [flags] [--] [DIR...]\n\nServe the MCP tools and prompts over stdio (default) or streamable HTTP.\n"+
			"Each DIR after the flags is a capture directory, as --root DIR is.\n"+
			"Calls stop when their client cancels or leaves; JSON-RPC batches are refused. Over HTTP, the\n"+
			"token is checked before a body is read, requests must arrive within --read-timeout, and at most\n"+
			"--max-connections are held open (the quietest unfinished or idle one makes room for a new one).\n"+
			"With --upload-dir, clients upload captures (POST /captures?name=NAME over HTTP, or the\n"+
			"upload_capture tool) and pass the returned name as pcap_file; with --s3-allow, tools read\n"+
			"s3://bucket/key objects under the allowed prefixes.\n"+
			"README.md, \"Access policy and limits\", has the details.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ExitOK
		}
		return ExitUsage
	}
	// Directories after the flags are roots too ("serve -- DIR..."): an MCP
	// Bundle's multiple-folder setting expands to one argument per folder.
	c.roots = append(c.roots, fs.Args()...)
	reg, err := a.Registry.Select(c.modules)
	if err != nil {
		fmt.Fprintf(a.Stderr, "mcpacket: --modules: %v\n", err)
		return ExitUsage
	}
	env, err := c.env(a.Version)
	if err != nil {
		fmt.Fprintf(a.Stderr, "mcpacket: %v\n", err)
		return ExitUsage
	}
	ctx, stopUploads := context.WithCancel(ctx)
	defer stopUploads()
	if _, err := uploads.setup(ctx, c.opener, &env, *maxMessageBytes); err != nil {
		fmt.Fprintf(a.Stderr, "mcpacket: %v\n", err)
		return ExitUsage
	}
	reg = reg.ForEnv(&env)
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintf(a.Stderr, "mcpacket: --log-level %q: use debug, info, warn or error\n", *logLevel)
		return ExitUsage
	}
	if *cacheBytes < 0 {
		fmt.Fprintf(a.Stderr, "mcpacket: --cache-bytes %d: must be 0 (no cache) or more\n", *cacheBytes)
		return ExitUsage
	}
	if *cacheBytes > 0 {
		env.Cache = rescache.New(*cacheBytes)
	}
	setMemoryLimit(env.MaxStateBytes, max(*maxConcurrent, 1), *cacheBytes)
	if *callTimeout < 0 || *maxConcurrent < 0 || *queueTimeout < 0 {
		fmt.Fprintf(a.Stderr, "mcpacket: --call-timeout, --max-concurrent and --queue-timeout must not be negative\n")
		return ExitUsage
	}
	if *maxConnections < 1 || *readTimeout <= 0 || *maxMessageBytes < 1024 {
		fmt.Fprintf(a.Stderr, "mcpacket: --max-connections must be at least 1, --read-timeout positive and --max-message-bytes at least 1024\n")
		return ExitUsage
	}
	logger := slog.New(slog.NewTextHandler(a.Stderr, &slog.HandlerOptions{Level: level}))
	srv, err := mcpserver.New(reg, mcpserver.Config{Name: "mcpacket", Version: a.Version, Env: env, Logger: logger,
		CallTimeout: *callTimeout, MaxConcurrent: *maxConcurrent, QueueTimeout: *queueTimeout})
	if err != nil {
		fmt.Fprintf(a.Stderr, "mcpacket: %v\n", err)
		return ExitError
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	switch *transport {
	case "stdio":
		logger.Info("serving MCP over stdio", "modules", strings.Join(reg.Names(), ","), "version", a.Version)
		if err := mcpserver.ServeStdio(ctx, srv, a.Stdin, a.Stdout, mcpserver.StdioOptions{Logger: logger, MaxMessageBytes: *maxMessageBytes}); err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, io.EOF) {
			logger.Error("stdio server stopped", "error", err)
			return ExitError
		}
		return ExitOK
	case "http":
		if *port < 0 || *port > 65535 {
			fmt.Fprintf(a.Stderr, "mcpacket: --port %d: must be 0 to 65535\n", *port)
			return ExitUsage
		}
		if len(env.Roots) == 0 {
			fmt.Fprintf(a.Stderr, "mcpacket: serving over HTTP needs --root DIR (or $MCPACKET_ROOTS): HTTP clients may be anywhere, so name the directories they may read captures from\n")
			return ExitUsage
		}
		token := *authToken
		if token == "" {
			token = os.Getenv("MCPACKET_AUTH_TOKEN")
		}
		if token == "" && !loopbackHost(*host) && !*insecure {
			fmt.Fprintf(a.Stderr, "mcpacket: --host %s is reachable from other machines: set --auth-token (or $MCPACKET_AUTH_TOKEN), or pass --insecure-no-auth to serve without authentication\n", *host)
			return ExitUsage
		}
		hs := mcpserver.NewHTTPServer(srv, mcpserver.HTTPOptions{Logger: logger, AuthToken: token,
			MaxBodyBytes: int64(*maxMessageBytes), MaxConnections: *maxConnections, ReadTimeout: *readTimeout,
			MaxUploadBytes: uploads.maxBytes, Upload: httpUpload(env)})
		return a.serveHTTP(ctx, hs, net.JoinHostPort(*host, strconv.Itoa(*port)), token, logger)
	}
	fmt.Fprintf(a.Stderr, "mcpacket: --transport %q: use stdio or http\n", *transport)
	return ExitUsage
}

// bannerURL is the URL a client on this machine can use for addr. A
// server listening on every interface (0.0.0.0, ::; Go listens on both
// families) is reached here at 127.0.0.1, and from elsewhere at this
// machine's address, which the line says: "http://0.0.0.0:8080/mcp" is not
// a URL a client can use.
func bannerURL(addr net.Addr) string {
	ta, ok := addr.(*net.TCPAddr)
	if !ok || !ta.IP.IsUnspecified() {
		return "http://" + addr.String() + "/mcp"
	}
	return fmt.Sprintf("http://127.0.0.1:%d/mcp (all interfaces: from another machine use its address in place of 127.0.0.1)", ta.Port)
}

// loopbackHost reports whether a listen address is reachable from this
// machine only.
func loopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (a *App) serveHTTP(ctx context.Context, hs *mcpserver.HTTPServer, addr, token string, logger *slog.Logger) int {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintf(a.Stderr, "mcpacket: listen on %s: %v\n", addr, err)
		return ExitError
	}
	// The address line is machine-readable: tests and scripts that pass
	// --port 0 read the chosen port from it.
	fmt.Fprintf(a.Stderr, "mcpacket: serving MCP over streamable HTTP at %s\n", bannerURL(ln.Addr()))
	logger.Info("serving MCP over HTTP", "addr", ln.Addr().String(), "version", a.Version, "auth", token != "")
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		logger.Error("HTTP server stopped", "error", err)
		return ExitError
	case <-ctx.Done():
	}
	logger.Info("shutting down; finishing calls in flight")
	shutCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutCtx); err != nil {
		logger.Error("shutdown", "error", err)
		return ExitError
	}
	return ExitOK
}

func (a *App) tools(args []string) int {
	if slices.Contains(args, "--json") || slices.Contains(args, "-json") {
		type toolJSON struct {
			Module     string   `json:"module"`
			Name       string   `json:"name"`
			Arguments  []string `json:"arguments"`
			OutputKeys []string `json:"output_keys"`
		}
		var list []toolJSON
		for _, m := range a.Registry.Modules() {
			for _, t := range m.Tools() {
				tj := toolJSON{Module: m.Name(), Name: t.Name, Arguments: []string{}, OutputKeys: jsonKeys(t.Out)}
				for _, arg := range t.Args() {
					tj.Arguments = append(tj.Arguments, arg.Name)
				}
				list = append(list, tj)
			}
		}
		enc := json.NewEncoder(a.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(list); err != nil {
			return ExitError
		}
		return ExitOK
	}
	for _, m := range a.Registry.Modules() {
		fmt.Fprintf(a.Stdout, "%s\n", m.Name())
		for _, t := range m.Tools() {
			fmt.Fprintf(a.Stdout, "  tool    %s\n", t.Name)
		}
		for _, p := range m.Prompts() {
			fmt.Fprintf(a.Stdout, "  prompt  %s\n", p.Name)
		}
	}
	return ExitOK
}

// jsonKeys lists the top-level JSON keys of a struct type in field order.
func jsonKeys(t reflect.Type) []string {
	var keys []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			keys = append(keys, jsonKeys(f.Type)...)
			continue
		}
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		keys = append(keys, name)
	}
	return keys
}

// setMemoryLimit gives the Go runtime a soft memory limit from the state
// budget, unless GOMEMLIMIT sets one: calls analyses that may run at once,
// each holding up to budget bytes of state, the result cache's bound
// (cache), and 256 MiB for buffers and results. Without it the collector lets the heap grow to about twice what
// is live, so a call at its budget would take twice that in RSS.
func setMemoryLimit(budget int64, calls int, cache int64) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	if budget <= 0 {
		budget = analyzer.DefaultMaxStateBytes
	}
	debug.SetMemoryLimit(int64(calls)*budget + cache + 256<<20)
}

// defaultCacheBytes is --cache-bytes unless given: an eighth of the
// memory the process may use (physicalRAM), or 1 GiB where that is
// unknown.
func defaultCacheBytes() int64 {
	if ram := physicalRAM(); ram > 0 {
		return ram / 8
	}
	return 1 << 30
}
