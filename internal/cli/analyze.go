package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/mcpacket/mcpacket/internal/analyzer"
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
	toolArgs := map[string]*argFlag{}
	if mod != nil {
		var ok bool
		tool, ok = pickTool(mod, *toolName)
		if !ok {
			fmt.Fprintf(a.Stderr, "mcpacket analyze: module %s has no tool %q; its tools are: %s\n", mod.Name(), *toolName, toolNames(mod))
			return ExitUsage
		}
		registerToolFlags(fs, tool.In, toolArgs)
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
	takesCapture := hasField(tool.In, "pcap_file")
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
	in := map[string]any{}
	if takesCapture {
		in["pcap_file"] = fs.Arg(0)
	}
	for name, f := range toolArgs {
		if f.set {
			in[name] = f.value
		}
	}
	raw, err := json.Marshal(in)
	if err != nil {
		fmt.Fprintf(a.Stderr, "mcpacket: %v\n", err)
		return ExitError
	}
	var progress *progressLine
	if a.StderrIsTerminal {
		progress = &progressLine{w: a.Stderr}
		env.Progress = progress.update
	}
	out, err := tool.Call(ctx, &env, raw)
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
	if err := tool.Text(a.Stdout, out); err != nil {
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

// argFlag is a flag.Value for one tool argument of a given JSON type.
type argFlag struct {
	kind  reflect.Kind
	value any
	set   bool
}

func (f *argFlag) String() string {
	if f == nil || f.value == nil {
		return ""
	}
	return fmt.Sprint(f.value)
}

func (f *argFlag) Set(s string) error {
	switch f.kind {
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Uint, reflect.Uint32, reflect.Uint64, reflect.Uint16:
		n, err := strconv.ParseInt(s, 0, 64)
		if err != nil {
			return fmt.Errorf("want an integer")
		}
		f.value = n
	case reflect.Float64, reflect.Float32:
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return fmt.Errorf("want a number")
		}
		f.value = v
	case reflect.Bool:
		v, err := strconv.ParseBool(s)
		if err != nil {
			return fmt.Errorf("want true or false")
		}
		f.value = v
	case reflect.Slice:
		var parts []string
		for _, p := range strings.Split(s, ",") {
			if p = strings.TrimSpace(p); p != "" {
				parts = append(parts, p)
			}
		}
		f.value = parts
	default:
		f.value = s
	}
	f.set = true
	return nil
}

func (f *argFlag) IsBoolFlag() bool { return f.kind == reflect.Bool }

// hasField reports whether the input struct t (or a struct it embeds) has
// the JSON field name.
func hasField(t reflect.Type, name string) bool {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if tag == name || (f.Anonymous && tag == "" && f.Type.Kind() == reflect.Struct && hasField(f.Type, name)) {
			return true
		}
	}
	return false
}

// registerToolFlags adds one flag per field of the tool's input struct (but
// pcap_file, which is the positional argument), named after the JSON field
// with dashes: client_mac becomes --client-mac.
func registerToolFlags(fs *flag.FlagSet, in reflect.Type, into map[string]*argFlag) {
	for i := 0; i < in.NumField(); i++ {
		field := in.Field(i)
		name, _, _ := strings.Cut(field.Tag.Get("json"), ",")
		if field.Anonymous && name == "" && field.Type.Kind() == reflect.Struct {
			registerToolFlags(fs, field.Type, into) // embedded: its fields are the tool's, as in JSON
			continue
		}
		if name == "" || name == "-" || name == "pcap_file" {
			continue
		}
		kind := field.Type.Kind()
		if kind == reflect.Pointer {
			kind = field.Type.Elem().Kind() // an optional value
		}
		f := &argFlag{kind: kind}
		into[name] = f
		flagName := strings.ReplaceAll(name, "_", "-")
		fs.Var(f, flagName, field.Tag.Get("jsonschema"))
	}
}
