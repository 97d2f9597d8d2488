package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"reflect"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// analyze runs: mcpacket analyze <module> <capture> [--json] [--tool NAME] [tool options]
func (a *App) analyze(ctx context.Context, args []string) int {
	// The module comes first so the tool's own options can be registered
	// as flags before parsing.
	var modName string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		modName, args = args[0], args[1:]
	}
	fs := flag.NewFlagSet("analyze", flag.ContinueOnError)
	fs.SetOutput(a.Stderr)
	var c common
	c.register(fs, a.Registry.Names())
	asJSON := fs.Bool("json", false, "print the tool's JSON result (the same structured content an MCP client gets)")
	toolName := fs.String("tool", "", "which of the module's tools to run (default: its first)")

	var mod analyzer.Module
	if modName != "" {
		m, ok := a.Registry.Module(modName)
		if !ok {
			if t, ok := a.findToolModule(modName); ok {
				m, *toolName = t.mod, t.tool
			} else {
				fmt.Fprintf(a.Stderr, "mcpacket analyze: unknown module %q; modules are: %s\n", modName, strings.Join(a.Registry.Names(), ", "))
				return ExitUsage
			}
		}
		mod = m
	}
	// Tool options become flags. --tool may name another tool of the
	// module; peek for it before registering.
	if t := peekFlag(args, "tool"); t != "" {
		*toolName = t
	}
	var tool analyzer.Tool
	var toolArgs []*argFlag
	if mod != nil {
		var ok bool
		tool, ok = pickTool(mod, *toolName)
		if !ok {
			fmt.Fprintf(a.Stderr, "mcpacket analyze: module %s has no tool %q; its tools are: %s\n", mod.Name(), *toolName, toolNames(mod))
			return ExitUsage
		}
		toolArgs = registerToolFlags(fs, tool)
	}
	fs.Usage = func() {
		fmt.Fprintf(a.Stderr, "Usage: mcpacket analyze <module> <capture> [flags]\n\n")
		fmt.Fprintf(a.Stderr, "Run a module's tool on a capture (a path or an http(s) URL) and print a report.\nModules: %s\n\nFlags:\n", strings.Join(a.Registry.Names(), ", "))
		fs.PrintDefaults()
		if mod == nil {
			fmt.Fprintf(a.Stderr, "\nEach tool adds its own options; see \"mcpacket analyze <module> -h\".\n")
		}
	}
	if err := fs.Parse(interleave(fs, args)); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ExitOK
		}
		return ExitUsage
	}
	if mod == nil {
		fs.Usage()
		return ExitUsage
	}
	takesCapture := hasArg(tool, "pcap_file")
	switch {
	case takesCapture && fs.NArg() != 1:
		fmt.Fprintf(a.Stderr, "mcpacket analyze %s: give exactly one capture (got %d arguments)\n", mod.Name(), fs.NArg())
		return ExitUsage
	case !takesCapture && fs.NArg() != 0:
		fmt.Fprintf(a.Stderr, "mcpacket analyze: %s takes no capture argument (got %q)\n", tool.Name, fs.Arg(0))
		return ExitUsage
	}
	env, err := c.env(a.Version)
	if err != nil {
		fmt.Fprintf(a.Stderr, "mcpacket: %v\n", err)
		return ExitUsage
	}
	in := tool.NewInput()
	if takesCapture {
		if err := tool.SetArg(in, "pcap_file", fs.Arg(0)); err != nil {
			fmt.Fprintf(a.Stderr, "mcpacket: %v\n", err)
			return ExitUsage
		}
	}
	for _, f := range toolArgs {
		for _, v := range f.values {
			if err := tool.SetArg(in, f.name, v); err != nil {
				fmt.Fprintf(a.Stderr, "mcpacket analyze: --%s: %v\n", strings.ReplaceAll(f.name, "_", "-"), err)
				return ExitUsage
			}
		}
	}
	setMemoryLimit(env.MaxStateBytes, 1, 0)
	var progress *progressLine
	if a.StderrIsTerminal {
		progress = &progressLine{w: a.Stderr}
		env.Progress = progress.update
	}
	out, err := tool.Run(ctx, &env, in)
	progress.clear()
	if err != nil {
		fmt.Fprintf(a.Stderr, "mcpacket: %v\n", err)
		return ExitError
	}
	if *asJSON || tool.Text == nil {
		enc := json.NewEncoder(a.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			fmt.Fprintf(a.Stderr, "mcpacket: %v\n", err)
			return ExitError
		}
		return ExitOK
	}
	if err := tool.Text(terminalSafe{a.Stdout}, out); err != nil {
		fmt.Fprintf(a.Stderr, "mcpacket: %v\n", err)
		return ExitError
	}
	return ExitOK
}

type toolRef struct {
	mod  analyzer.Module
	tool string
}

// findToolModule lets "analyze <tool name>" work as well as "analyze <module>".
func (a *App) findToolModule(name string) (toolRef, bool) {
	for _, m := range a.Registry.Modules() {
		for _, t := range m.Tools() {
			if t.Name == name {
				return toolRef{m, name}, true
			}
		}
	}
	return toolRef{}, false
}

func pickTool(m analyzer.Module, name string) (analyzer.Tool, bool) {
	tools := m.Tools()
	if len(tools) == 0 {
		return analyzer.Tool{}, false
	}
	if name == "" {
		return tools[0], true
	}
	for _, t := range tools {
		if t.Name == name {
			return t, true
		}
	}
	return analyzer.Tool{}, false
}

func toolNames(m analyzer.Module) string {
	var names []string
	for _, t := range m.Tools() {
		names = append(names, t.Name)
	}
	return strings.Join(names, ", ")
}

// peekFlag finds the value of --name or --name=value in args without parsing.
func peekFlag(args []string, name string) string {
	for i, a := range args {
		a = strings.TrimLeft(a, "-")
		if v, ok := strings.CutPrefix(a, name+"="); ok {
			return v
		}
		if a == name && i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}

// interleave moves positional arguments after the flags, so that
// "analyze dhcp x.pcap --json" parses like "analyze dhcp --json x.pcap".
func interleave(fs *flag.FlagSet, args []string) []string {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if strings.HasPrefix(a, "-") && a != "-" {
			flags = append(flags, a)
			if !strings.Contains(a, "=") && i+1 < len(args) && !isBoolFlag(fs, a) && !strings.HasPrefix(args[i+1], "-") {
				flags = append(flags, args[i+1])
				i++
			}
			continue
		}
		pos = append(pos, a)
	}
	return append(flags, pos...)
}

// isBoolFlag reports whether the flag named by arg ("--json") takes no value.
func isBoolFlag(fs *flag.FlagSet, arg string) bool {
	f := fs.Lookup(strings.TrimLeft(arg, "-"))
	if f == nil {
		return strings.TrimLeft(arg, "-") == "h" || strings.TrimLeft(arg, "-") == "help"
	}
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// argFlag is a flag.Value for one tool argument: it keeps the text given
// (every occurrence, for lists), which the tool's SetArg turns into the
// typed input with the same rules and messages as a JSON call.
type argFlag struct {
	name   string
	bool   bool
	values []string
}

func (f *argFlag) String() string {
	if f == nil {
		return ""
	}
	return strings.Join(f.values, ",")
}

func (f *argFlag) Set(s string) error {
	f.values = append(f.values, s)
	return nil
}

func (f *argFlag) IsBoolFlag() bool { return f.bool }

// hasArg reports whether the tool takes the argument name.
func hasArg(t analyzer.Tool, name string) bool {
	for _, a := range t.Args() {
		if a.Name == name {
			return true
		}
	}
	return false
}

// registerToolFlags adds one flag per tool argument (but pcap_file, which
// is the positional argument), named after the argument with dashes:
// client_mac becomes --client-mac. Thresholds get their declared text.
func registerToolFlags(fs *flag.FlagSet, t analyzer.Tool) []*argFlag {
	var out []*argFlag
	for _, a := range t.Args() {
		if a.Name == "pcap_file" {
			continue
		}
		k := a.Type.Kind()
		if k == reflect.Pointer {
			k = a.Type.Elem().Kind()
		}
		f := &argFlag{name: a.Name, bool: k == reflect.Bool}
		out = append(out, f)
		fs.Var(f, strings.ReplaceAll(a.Name, "_", "-"), a.Help)
	}
	return out
}

// terminalSafe passes a report to the terminal with every control character
// but newline and tab escaped (\xNN), and C1 controls and bidirectional
// overrides too: text from a capture can never move the cursor, change
// colours, ring the bell or reorder what a person reads. Modules escape
// packet text already (result.Text); this is the last guard.
type terminalSafe struct{ w io.Writer }

func (t terminalSafe) Write(p []byte) (int, error) {
	clean := true
	for _, c := range p {
		if (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f || c >= 0x80 {
			clean = false
			break
		}
	}
	if clean {
		return t.w.Write(p)
	}
	var b []byte
	for i := 0; i < len(p); {
		r, size := utf8.DecodeRune(p[i:])
		switch {
		case r == '\n' || r == '\t':
			b = append(b, p[i])
		case (r == utf8.RuneError && size == 1) || r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || unicode.Is(unicode.Cf, r):
			b = append(b, []byte(result.TextBytes(p[i:i+size], size))...)
		default:
			b = append(b, p[i:i+size]...)
		}
		i += size
	}
	if _, err := t.w.Write(b); err != nil {
		return 0, err
	}
	return len(p), nil
}
