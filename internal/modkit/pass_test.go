package modkit

import (
	"testing"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/rescache"
)

// keeper is a Keeper that records the cache bound its passes saw.
type keeper struct {
	name  string
	bound *int64
}

func (k keeper) Name() string             { return k.name }
func (keeper) Tools() []analyzer.Tool     { return nil }
func (keeper) Prompts() []analyzer.Prompt { return nil }
func (k keeper) NewPass(env *analyzer.Env) (Pass, error) {
	*k.bound = -1
	return &SimplePass{Conclude: func(*engine.Result) Brief { return Brief{} }}, nil
}
func (k keeper) KeepPass(env *analyzer.Env) (Filler, error) {
	*k.bound = env.Cache.Bound()
	return &KeptPass{Conclude: func(*engine.Result) (Brief, []Fill) { return Brief{}, nil }}, nil
}

// TestSharedPassesDivideTheBound: passes to be cached are the Keepers'
// KeepPass, each seeing the cache's bound divided among them (what they
// keep at once stays within it); passes not to be cached are NewPass.
func TestSharedPassesDivideTheBound(t *testing.T) {
	var a, b int64
	env := &analyzer.Env{Cache: rescache.New(1 << 20)}
	pms := []Passer{keeper{"a", &a}, keeper{"b", &b}}
	if _, err := SharedPasses(pms, env, true); err != nil {
		t.Fatal(err)
	}
	if a != 1<<19 || b != 1<<19 {
		t.Errorf("bounds seen %d and %d, want %d each", a, b, 1<<19)
	}
	if _, err := SharedPasses(pms, env, false); err != nil {
		t.Fatal(err)
	}
	if a != -1 || b != -1 {
		t.Errorf("a pass not to be cached ran KeepPass (%d, %d)", a, b)
	}
}
