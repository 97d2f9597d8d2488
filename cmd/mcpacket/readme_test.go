package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// TestREADMEModules: the README's table of modules and tools and its list
// of prompts name exactly what the registry serves, so a module added to
// the registry is added to the README too.
func TestREADMEModules(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(pcaptest.Root(t), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	section := func(start, end string) string {
		i := strings.Index(readme, start)
		if i < 0 {
			t.Fatalf("README has no %q", start)
		}
		rest := readme[i:]
		if j := strings.Index(rest, end); j >= 0 {
			rest = rest[:j]
		}
		return rest
	}
	reg, err := registry()
	if err != nil {
		t.Fatal(err)
	}
	var modules, tools, prompts []string
	for _, m := range reg.Modules() {
		modules = append(modules, m.Name())
		for _, tl := range m.Tools() {
			tools = append(tools, tl.Name)
		}
		for _, p := range m.Prompts() {
			prompts = append(prompts, p.Name)
		}
	}
	row := regexp.MustCompile("(?m)^\\| `([a-z0-9]+)` \\| ([^|]+) \\|")
	tick := regexp.MustCompile("`([a-z0-9_]+)`")
	var gotModules, gotTools []string
	for _, m := range row.FindAllStringSubmatch(section("## Modules and tools", "\nPrompts:"), -1) {
		gotModules = append(gotModules, m[1])
		for _, tm := range tick.FindAllStringSubmatch(m[2], -1) {
			gotTools = append(gotTools, tm[1])
		}
	}
	var gotPrompts []string
	for _, m := range tick.FindAllStringSubmatch(section("\nPrompts:", "\n\n"), -1) {
		gotPrompts = append(gotPrompts, m[1])
	}
	for _, c := range []struct {
		what      string
		got, want []string
	}{{"modules", gotModules, modules}, {"tools", gotTools, tools}, {"prompts", gotPrompts, prompts}} {
		slices.Sort(c.got)
		slices.Sort(c.want)
		if !slices.Equal(c.got, c.want) {
			t.Errorf("README %s %v, registry %v", c.what, c.got, c.want)
		}
	}
}
