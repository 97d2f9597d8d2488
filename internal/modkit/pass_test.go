package modkit

import (
	"fmt"
	"testing"
	"time"

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

// TestBriefs: passes conclude in order of their briefs whatever the
// workers; with two or more they conclude at once (each of the first two
// waits for the other to start), and a panic of one is Briefs' own.
func TestBriefs(t *testing.T) {
	started := [2]chan struct{}{make(chan struct{}), make(chan struct{})}
	wait := func(i int) Brief {
		close(started[i])
		select {
		case <-started[1-i]:
		case <-time.After(10 * time.Second):
			t.Errorf("pass %d concluded alone", i)
		}
		return Brief{Module: fmt.Sprint(i)}
	}
	var passes []Pass
	for i := range 6 {
		passes = append(passes, &SimplePass{Conclude: func(*engine.Result) Brief {
			if i < 2 {
				return wait(i)
			}
			return Brief{Module: fmt.Sprint(i)}
		}})
	}
	briefs := Briefs(&analyzer.Env{Workers: 2}, passes, nil)
	for i, b := range briefs {
		if b.Module != fmt.Sprint(i) {
			t.Errorf("brief %d is pass %s's", i, b.Module)
		}
	}

	// One worker: in order, on the caller's goroutine.
	var order []int
	for i := range passes {
		passes[i] = &SimplePass{Conclude: func(*engine.Result) Brief { order = append(order, i); return Brief{} }}
	}
	Briefs(&analyzer.Env{Workers: 1}, passes, nil)
	if fmt.Sprint(order) != "[0 1 2 3 4 5]" {
		t.Errorf("one worker concluded %v", order)
	}

	passes[3] = &SimplePass{Conclude: func(*engine.Result) Brief { panic("pass 3") }}
	defer func() {
		if r := recover(); r != "pass 3" {
			t.Errorf("recovered %v, want pass 3's panic", r)
		}
	}()
	Briefs(&analyzer.Env{Workers: 4}, passes, nil)
	t.Error("a pass's panic did not reach the caller")
}
