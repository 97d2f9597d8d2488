package overview

import "github.com/mcpacket/mcpacket/internal/engine"

// async runs an observer's two halves in two goroutines: Observe extracts
// each frame's fact in the engine's goroutine into a batch; a worker
// applies full batches to the observer's tables. Batches are recycled, so
// memory stays at batchesInFlight of them.
type async struct {
	o      *observer
	cur    *batch
	full   chan *batch
	free   chan *batch
	done   chan struct{}
	closed bool
}

// batch is a run of facts and the payload copies they point into.
type batch struct {
	facts []fact
	n     int
	slab  []byte
}

const (
	batchFacts      = 512
	batchSlab       = 256 << 10
	batchesInFlight = 4
)

var (
	_ engine.Observer = (*async)(nil)
	_ engine.Flusher  = (*async)(nil)
)

func newAsync(o *observer) *async {
	a := &async{o: o, full: make(chan *batch, batchesInFlight), free: make(chan *batch, batchesInFlight), done: make(chan struct{})}
	for range batchesInFlight {
		a.free <- &batch{facts: make([]fact, batchFacts), slab: make([]byte, 0, batchSlab+maxCopy)}
	}
	go a.work()
	return a
}

func (a *async) work() {
	defer close(a.done)
	for b := range a.full {
		for i := range b.n {
			a.o.apply(&b.facts[i], b.slab)
		}
		b.n, b.slab = 0, b.slab[:0]
		a.free <- b
	}
}

// Observe extracts p's fact into the current batch.
func (a *async) Observe(p *engine.Packet) {
	b := a.cur
	if b == nil {
		b = <-a.free
		a.cur = b
	}
	extract(p, &b.facts[b.n], &b.slab)
	b.n++
	if b.n == len(b.facts) || len(b.slab) >= batchSlab {
		a.full <- b
		a.cur = nil
	}
}

// Flush hands over the last batch and waits until every fact is applied.
func (a *async) Flush() { a.stop() }

// stop ends the worker, after the batches handed to it; safe to call more
// than once, and after a pass that stopped early.
func (a *async) stop() {
	if a.closed {
		return
	}
	a.closed = true
	if a.cur != nil && a.cur.n > 0 {
		a.full <- a.cur
	}
	a.cur = nil
	close(a.full)
	<-a.done
	a.o.Flush()
}
