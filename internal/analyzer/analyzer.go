// Package analyzer is the contract between protocol modules and the front ends
// that expose them (the MCP server and the CLI). A Module contributes Tools
// and Prompts; a Registry holds the modules of one server and rejects
// duplicate or malformed names at startup, so wiring mistakes never surface
// at call time.
//
// The package depends on the standard library only. Tools are typed: each
// carries the reflect.Type of its input and output so a front end can derive
// JSON schemas, and a Call function that takes the JSON arguments.
package analyzer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"slices"
	"strings"
)

// Module is one protocol module (capinfos, dhcp, dns, ...).
type Module interface {
	// Name is the module's name as given to --modules ("dhcp").
	Name() string
	// Tools returns the module's tools, the primary one first.
	Tools() []Tool
	// Prompts returns the module's prompts.
	Prompts() []Prompt
}

// Tool is one callable analysis. Build it with NewTool.
type Tool struct {
	Name        string // analyze_<module>_<what>, or the reference's name
	Title       string // short human title
	Description string // what it returns and when to call it, for a model
	// OpenWorld is set when the tool may reach outside the local machine
	// (it accepts URLs).
	OpenWorld bool
	// NeedsOutputDir is set for a tool that writes files into the
	// server's output directory (Env.OutputDir); front ends leave it out
	// when no output directory is configured.
	NeedsOutputDir bool
	// NeedsUploads is set for a tool that stores uploads (Env.Upload);
	// front ends leave it out when the server keeps none. Such a tool is
	// not read-only.
	NeedsUploads bool
	// Params are the tool's thresholds (see Detectors.Params): arguments
	// beside the input struct's fields, held in its Thresholds field.
	Params []Param

	In  reflect.Type // input struct type
	Out reflect.Type // output struct type

	// Run runs the tool on its typed input, a pointer to an In (see
	// NewInput, Decode and SetArg), and returns a pointer to an Out.
	// Errors are for the caller: they say what was wrong and how to fix it.
	Run func(ctx context.Context, env *Env, in any) (any, error)

	// Text, when set, writes the output (a pointer to an Out) as a report
	// for a person, for the CLI.
	Text func(w io.Writer, out any) error
}

// NewTool builds a Tool from a typed function. def supplies the name,
// description, flags and thresholds; In and Out must be struct types.
func NewTool[In, Out any](def Tool, fn func(ctx context.Context, env *Env, in In) (*Out, error), text func(w io.Writer, out *Out) error) Tool {
	def.In = reflect.TypeFor[In]()
	def.Out = reflect.TypeFor[Out]()
	def.Run = func(ctx context.Context, env *Env, in any) (any, error) {
		p, ok := in.(*In)
		if !ok {
			return nil, fmt.Errorf("analyzer: tool %s called with %T, want %T", def.Name, in, p)
		}
		if env == nil {
			env = &Env{}
		}
		return fn(ctx, env, *p)
	}
	if text != nil {
		def.Text = func(w io.Writer, out any) error {
			o, ok := out.(*Out)
			if !ok {
				return fmt.Errorf("report for %s: got %T, want %T", def.Name, out, o)
			}
			return text(w, o)
		}
	}
	return def
}

// Call decodes JSON arguments (see Decode) and runs the tool: the path of a
// caller that holds the arguments as JSON.
func (t Tool) Call(ctx context.Context, env *Env, args []byte) (any, error) {
	in, err := t.Decode(args)
	if err != nil {
		return nil, err
	}
	return t.Run(ctx, env, in)
}

// Prompt is a prompt template a client can fetch and fill in.
type Prompt struct {
	Name        string
	Title       string
	Description string
	Args        []PromptArg
	// Render returns the prompt text for the given argument values. Missing
	// optional arguments are absent from args.
	Render func(args map[string]string) (string, error)
}

// PromptArg is one prompt argument.
type PromptArg struct {
	Name        string
	Description string
	Required    bool
}

// Registry holds the modules of one server, in order.
type Registry struct {
	modules []Module
}

var nameRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// NewRegistry checks the modules and their tools and prompts: names must be
// well formed and unique across the registry, tools must be complete.
func NewRegistry(mods ...Module) (*Registry, error) {
	seenMod := map[string]bool{}
	seenTool := map[string]string{}
	seenPrompt := map[string]string{}
	var errs []error
	for _, m := range mods {
		name := m.Name()
		if !nameRE.MatchString(name) {
			errs = append(errs, fmt.Errorf("analyzer: module name %q is not a lower-case identifier", name))
		}
		if seenMod[name] {
			errs = append(errs, fmt.Errorf("analyzer: module %q registered twice", name))
		}
		seenMod[name] = true
		for _, t := range m.Tools() {
			switch {
			case !nameRE.MatchString(t.Name):
				errs = append(errs, fmt.Errorf("analyzer: module %s: tool name %q is not a lower-case identifier", name, t.Name))
			case seenTool[t.Name] != "":
				errs = append(errs, fmt.Errorf("analyzer: tool %q registered by modules %s and %s", t.Name, seenTool[t.Name], name))
			case t.Run == nil || t.In == nil || t.Out == nil:
				errs = append(errs, fmt.Errorf("analyzer: tool %q is incomplete; build it with NewTool", t.Name))
			case t.In.Kind() != reflect.Struct || t.Out.Kind() != reflect.Struct:
				errs = append(errs, fmt.Errorf("analyzer: tool %q: input and output must be structs", t.Name))
			case strings.TrimSpace(t.Description) == "":
				errs = append(errs, fmt.Errorf("analyzer: tool %q has no description", t.Name))
			}
			seenTool[t.Name] = name
		}
		for _, p := range m.Prompts() {
			switch {
			case !nameRE.MatchString(p.Name):
				errs = append(errs, fmt.Errorf("analyzer: module %s: prompt name %q is not a lower-case identifier", name, p.Name))
			case seenPrompt[p.Name] != "":
				errs = append(errs, fmt.Errorf("analyzer: prompt %q registered by modules %s and %s", p.Name, seenPrompt[p.Name], name))
			case p.Render == nil:
				errs = append(errs, fmt.Errorf("analyzer: prompt %q has no Render function", p.Name))
			}
			seenPrompt[p.Name] = name
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &Registry{modules: slices.Clone(mods)}, nil
}

// Modules returns the registered modules in order.
func (r *Registry) Modules() []Module { return slices.Clone(r.modules) }

// Names returns the module names in order.
func (r *Registry) Names() []string {
	names := make([]string, len(r.modules))
	for i, m := range r.modules {
		names[i] = m.Name()
	}
	return names
}

// Module returns the module with the given name.
func (r *Registry) Module(name string) (Module, bool) {
	for _, m := range r.modules {
		if m.Name() == name {
			return m, true
		}
	}
	return nil, false
}

// Tool returns the tool with the given name.
func (r *Registry) Tool(name string) (Tool, bool) {
	for _, m := range r.modules {
		for _, t := range m.Tools() {
			if t.Name == name {
				return t, true
			}
		}
	}
	return Tool{}, false
}

// Select returns a registry with only the named modules, in registry order.
// spec is a comma-separated list as given to --modules; spaces around names
// are ignored, and an empty spec selects every module. An unknown name is an
// error that lists the valid ones.
func (r *Registry) Select(spec string) (*Registry, error) {
	if strings.TrimSpace(spec) == "" {
		return r, nil
	}
	want := map[string]bool{}
	var unknown []string
	for _, n := range strings.Split(spec, ",") {
		n = strings.ToLower(strings.TrimSpace(n))
		if n == "" {
			continue
		}
		if _, ok := r.Module(n); !ok {
			unknown = append(unknown, n)
			continue
		}
		want[n] = true
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("unknown module(s) %s; valid modules are: %s", strings.Join(unknown, ", "), strings.Join(r.Names(), ", "))
	}
	if len(want) == 0 {
		return nil, fmt.Errorf("no module selected; valid modules are: %s", strings.Join(r.Names(), ", "))
	}
	var mods []Module
	for _, m := range r.modules {
		if want[m.Name()] {
			mods = append(mods, m)
		}
	}
	return &Registry{modules: mods}, nil
}

// ForEnv returns the registry as a front end with env offers it: without
// the tools that write files (NeedsOutputDir) when env has no output
// directory, nor those that store uploads (NeedsUploads) when it keeps
// none. Modules with no such tool are kept as they are.
func (r *Registry) ForEnv(env *Env) *Registry {
	out := env != nil && env.OutputDir != ""
	up := env != nil && env.Upload != nil
	if out && up {
		return r
	}
	hidden := func(t Tool) bool { return (t.NeedsOutputDir && !out) || (t.NeedsUploads && !up) }
	mods := make([]Module, len(r.modules))
	for i, m := range r.modules {
		mods[i] = m
		if slices.ContainsFunc(m.Tools(), hidden) {
			mods[i] = hidingModule{m, hidden}
		}
	}
	return &Registry{modules: mods}
}

// hidingModule hides the tools of a module the front end cannot offer.
type hidingModule struct {
	Module
	hidden func(Tool) bool
}

func (m hidingModule) Tools() []Tool {
	var out []Tool
	for _, t := range m.Module.Tools() {
		if !m.hidden(t) {
			out = append(out, t)
		}
	}
	return out
}

// Image is a picture a tool returns beside its JSON output.
type Image struct {
	MIMEType string // "image/png" or "image/svg+xml"
	Data     []byte
}

// Imager is implemented by a tool's output that carries pictures (a
// chart). Front ends send the output's JSON first, then each image: the
// MCP server as image content, the CLI as a file. The images are not part
// of the JSON (their fields are json:"-").
type Imager interface {
	Images() []Image
}
