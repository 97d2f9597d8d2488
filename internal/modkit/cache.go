package modkit

import (
	"context"
	"fmt"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/rescache"
	"github.com/mcpacket/mcpacket/internal/result"
)

// CachedPass is what a cached tool's pass makes (see RunCached): the
// observers to run and the function that concludes them into the value
// the tool answers from. Asked to keep, the tool builds a value that can
// answer any selection (every page, every filter), since it will be
// cached; Conclude reports whether the value it made is such a value
// (false when it had to give up, say, a list over its bound).
type CachedPass[V any] struct {
	Observers []engine.Observer
	Conclude  func(res *engine.Result) (v V, complete bool)
	// Err, when set, is why the pass cannot run: RunCached returns it.
	Err error
	// Opened, when set, is shown the opened capture before the pass
	// reads it (a value may map the file rather than copy its bytes).
	// The capture is closed when RunCached returns.
	Opened func(src *analyzer.Source)
}

// RunCached answers from env.Cache when it holds the value of an earlier
// pass over the same capture (its Source.Identity) with the same key (the
// tool and every argument that shapes the analysis, not those that only
// select from it); otherwise it makes the pass build(keep) returns, and
// keeps the concluded value when keep was asked and the value is complete.
// The value is shared with later calls: the caller reads it and builds its
// answer anew.
func RunCached[V any](ctx context.Context, env *analyzer.Env, ref, key string, opts engine.Options, build func(keep bool) CachedPass[V]) (v V, err error) {
	src, err := env.OpenCapture(ctx, ref)
	if err != nil {
		return v, err
	}
	defer src.Close()
	full := ""
	if env.Cache != nil && src.Identity != "" {
		full = CacheKey(env, src.Identity, key)
		if got, ok := env.Cache.Get(full); ok {
			if v, ok := got.(V); ok {
				env.ReportProgress(float64(max(src.Size, 0)), float64(src.Size), "answered from the result of an earlier pass over "+ref)
				return v, nil
			}
		}
	}
	pass := build(full != "")
	if pass.Err != nil {
		return v, pass.Err
	}
	if pass.Opened != nil {
		pass.Opened(src)
	}
	res, err := runSource(ctx, env, src, ref, opts, pass.Observers...)
	if err != nil {
		return v, err
	}
	v, complete := pass.Conclude(res)
	if full == "" {
		return v, nil
	}
	// A pass shared by several modules (the overview's) made what their
	// tools would cache: keep it under their keys.
	var fills []Fill
	if f, ok := any(v).(interface{ TakeFills() []Fill }); ok {
		fills = f.TakeFills()
	}
	if complete {
		env.Cache.Put(full, v, sizeOf(v))
	}
	for _, fill := range fills {
		env.Cache.Put(CacheKey(env, src.Identity, fill.Key), fill.Value, sizeOf(fill.Value))
	}
	return v, nil
}

// Sized is a cached value that estimates its own size: walking every item
// of a long list (rescache.SizeOf) would cost as much as the pass.
type Sized interface {
	CacheSize() int64
}

func sizeOf(v any) int64 {
	if s, ok := v.(Sized); ok {
		return s.CacheSize()
	}
	return rescache.SizeOf(v)
}

// KeptSize estimates the bytes a kept list holds from up to 256 of its
// items, spread over it.
func KeptSize[K, R any](k *result.Kept[K, R]) int64 {
	if k == nil || k.Len() == 0 {
		return 0
	}
	var sum, n int64
	k.Sample(256, func(key K, rec R) {
		sum += rescache.SizeOf(key) + rescache.SizeOf(rec)
		n++
	})
	return sum / n * int64(k.Len())
}

// CacheKey is the cache key of a value made from the capture identity names
// under key, with the server-wide limits that change an analysis.
func CacheKey(env *analyzer.Env, identity, key string) string {
	return fmt.Sprintf("%s\x00%s\x00max-packets %d state %d record %d decompressed %d", identity, key,
		env.MaxPackets, env.MaxStateBytes, env.MaxRecordBytes, env.MaxDecompressedBytes)
}

// SliceSize estimates the bytes a list holds from up to 256 of its items,
// spread over it.
func SliceSize[T any](s []T) int64 {
	if len(s) == 0 {
		return 0
	}
	step := max(len(s)/256, 1)
	var sum, n int64
	for i := 0; i < len(s); i += step {
		sum += rescache.SizeOf(s[i])
		n++
	}
	return sum / n * int64(len(s))
}

// KeptMax is how many items of about perItem bytes a kept list may hold:
// no more than the cache's bound.
func KeptMax(env *analyzer.Env, perItem int) int {
	return int(env.Cache.Bound() / int64(max(perItem, 1)))
}

// Listed is the cached value of a tool with one list kept whole: the
// output of the call that made it and, when it was made to be cached, the
// list's items with what the filters test.
type Listed[O, K, R any] struct {
	Out  *O
	Kept *result.Kept[K, R] // nil when the pass was not kept
}

// CacheSize estimates what v holds, for the cache's bound.
func (v *Listed[O, K, R]) CacheSize() int64 { return rescache.SizeOf(v.Out) + KeptSize(v.Kept) }

// Complete reports whether v holds the whole list.
func (v *Listed[O, K, R]) Complete() bool { return v.Kept.Whole() }

// Page is the page of the items match selects from offset, at most limit,
// and its page object; ok is false when v holds no whole list (the
// output's own page stands).
func (v *Listed[O, K, R]) Page(match func(K) bool, offset, limit int) (items []R, pg result.Page, ok bool) {
	if !v.Complete() {
		return nil, result.Page{}, false
	}
	items, n := v.Kept.Select(match, offset, limit)
	return items, result.PageOf(n, offset, limit, len(items)), true
}

// KeepCached is a module's KeepPass made of the pass its tool gives
// RunCached, asked to keep, for its default arguments: key is the tool's
// key for them, and brief makes the module's brief from the value.
func KeepCached[V any](key string, pass CachedPass[V], brief func(V) Brief) (*KeptPass, error) {
	if pass.Err != nil {
		return nil, pass.Err
	}
	return &KeptPass{Obs: pass.Observers, Conclude: func(res *engine.Result) (Brief, []Fill) {
		v, complete := pass.Conclude(res)
		var fills []Fill
		if complete {
			fills = []Fill{{Key: key, Value: v}}
		}
		return brief(v), fills
	}}, nil
}

// KeepListed is KeepCached for a tool RunListed answers: start and perItem
// as the tool gives them to RunListed, and brief made from the tool's
// output.
func KeepListed[O, K, R any](env *analyzer.Env, key string, perItem int,
	start func(kept *result.Kept[K, R]) ([]engine.Observer, func(*engine.Result) *O), brief func(*O) Brief) (*KeptPass, error) {
	return KeepCached(key, listedPass(env, perItem, true, start), func(v *Listed[O, K, R]) Brief { return brief(v.Out) })
}

// listedPass is the pass of a tool RunListed answers.
func listedPass[O, K, R any](env *analyzer.Env, perItem int, keep bool,
	start func(kept *result.Kept[K, R]) ([]engine.Observer, func(*engine.Result) *O)) CachedPass[*Listed[O, K, R]] {
	var kept *result.Kept[K, R]
	if keep {
		kept = &result.Kept[K, R]{Max: KeptMax(env, perItem)}
	}
	obs, conclude := start(kept)
	return CachedPass[*Listed[O, K, R]]{Observers: obs, Conclude: func(res *engine.Result) (*Listed[O, K, R], bool) {
		v := &Listed[O, K, R]{Out: conclude(res), Kept: kept}
		return v, v.Complete()
	}}
}

// RunListed is RunCached for a tool with one list kept whole (Listed):
// start makes the pass's observers, which add every item of the list to
// kept when it is not nil (the pass is to be cached), and the function
// that concludes the call's output.
func RunListed[O, K, R any](ctx context.Context, env *analyzer.Env, ref, key string, perItem int,
	start func(kept *result.Kept[K, R]) ([]engine.Observer, func(*engine.Result) *O)) (*Listed[O, K, R], error) {
	return RunCached(ctx, env, ref, key, engine.Options{}, func(keep bool) CachedPass[*Listed[O, K, R]] {
		return listedPass(env, perItem, keep, start)
	})
}
