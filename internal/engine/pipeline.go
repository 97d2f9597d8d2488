package engine

import (
	"cmp"
	"fmt"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mcpacket/mcpacket/internal/capture"
)

// Batches of frames handed from the reading goroutine to the observing
// ones: a batch holds up to batchPackets frames or batchBytes of them (a
// larger frame alone), and batchesAhead batches cycle, so a pass holds at
// most that many (2 MiB).
const (
	batchPackets = 64
	batchBytes   = 128 << 10
	batchesAhead = 16
	// wakeBatches is how many read batches wake the waiting observing
	// goroutines; wakeReader how many free ones wake the waiting reading
	// one. The reader is woken sooner: when it is the slower side, an
	// observing goroutine that drains the window while the reader waits for
	// half of it to be free leaves both idle in turn (a single module's
	// pass ran 25% longer on the same CPU time); when the observers are the
	// slower side, a wake-up per batch would cost more than the batch.
	wakeBatches = batchesAhead / 2
	wakeReader  = batchesAhead / 4
)

// Units of several observers are rebalanced (see rebalance): each unit
// stops at a barrier batch until all are there, the first after
// firstBarrier batches, then every barrierEvery; in between, one frame in
// costEvery has each observer's call timed.
const (
	firstBarrier = 64
	barrierEvery = 1024
	costEvery    = 32
)

// batch is a run of frames whose bytes live in one slab; first is the
// number of its first frame.
type batch struct {
	pkts  []capture.Packet
	ends  []int
	slab  []byte
	first int
}

func newBatch() *batch {
	return &batch{pkts: make([]capture.Packet, 0, batchPackets), ends: make([]int, 0, batchPackets),
		slab: make([]byte, 0, batchBytes)}
}

// pipeline is one pass's goroutines: one reads batches of frames, in file
// order; the observing ones (the caller's and, for concurrent observers,
// up to workers-1 more) call each unit of observers on each batch. A unit
// sees the batches one after another, in order, one goroutine at a time,
// decoding each frame itself (its own decoder: a frame decoded on one core
// and read on another costs more than decoding it twice); different units
// may be on different batches at once. A batch is reused once every unit
// has seen it.
//
// Concurrent observers are grouped into as many units as workers, so that
// each frame is decoded once per worker, not once per observer. How much
// each observer costs is measured as the pass goes (one frame in
// costEvery), and at barrier batches the observers move between units so
// that the units cost about the same (rebalance): the pass then takes
// about the time of the costliest unit.
type pipeline struct {
	rd      *capture.Reader
	held    heldFrame // the reading goroutine's
	units   [][]Observer
	workers int // the most goroutines observing at once
	// decs are the units' decoders; the first counts what decoding found.
	decs []*decoder
	// For units that are rebalanced: every observer, the indices in obs
	// of each unit's, and each observer's sampled cost (ns) since the last
	// barrier; only the goroutine calling a unit writes its observers'.
	obs     []Observer
	members [][]int
	cost    []int64
	barrier int // the batch number units stop before; 0: none

	mu sync.Mutex
	// The reading goroutine waits on readable for a free batch; the
	// observing ones wait on observable for a batch to see.
	readable, observable    sync.Cond
	readWaits, observeWaits int      // goroutines waiting on each
	free                    []*batch // batches to read into
	window                  []*batch // read batches some unit has yet to see; window[0] is number base
	base                    int
	next                    []int  // per unit, the number of the batch it sees next
	busy                    []bool // per unit, whether a goroutine is calling it
	stopped                 bool   // cancel, or a panic: every goroutine leaves
	// Set by the reading goroutine when it ends, with why.
	readDone    bool
	readErr     error
	readerPanic *PanicError
	// observerPanic is the first panic of an observer.
	observerPanic *observerPanic

	readerDone chan struct{}
	// done is the call's context's Done: an observing goroutine checks
	// it before each batch, so that a pass cancelled from an observer
	// (or while the goroutine that cancel wakes waits for a core) stops
	// within a batch.
	done    <-chan struct{}
	packets atomic.Int64 // frames read
	// What decoding found; written by the decoding goroutine, read after
	// it ended.
	unsupported  map[capture.LinkType]int
	decodeErrors int
	truncated    int
}

// observerPanic is a panic of an observer, carried to Run's goroutine.
type observerPanic struct{ value any }

// PanicError is a panic of the reading goroutine, turned into the error of
// the pass: the process keeps running. Detail has the stack, for the
// server log.
type PanicError struct {
	Value any
	Stack []byte
}

func (e *PanicError) Error() string {
	return fmt.Sprintf("internal error while reading the capture (%v); the server is still running, please report this with the capture if you can", e.Value)
}

// Detail returns the panic's stack.
func (e *PanicError) Detail() string { return string(e.Stack) }

// newPass prepares a pass of rd's frames for units on up to workers
// observing goroutines; observe runs it once read runs on a goroutine of
// its own.
func newPass(rd *capture.Reader, units [][]Observer, done <-chan struct{}, workers int) *pipeline {
	pl := &pipeline{rd: rd, units: units, workers: max(workers, 1), next: make([]int, len(units)), busy: make([]bool, len(units)),
		readerDone: make(chan struct{}), unsupported: map[capture.LinkType]int{}, done: done}
	pl.readable.L, pl.observable.L = &pl.mu, &pl.mu
	for range units {
		pl.decs = append(pl.decs, newDecoder())
	}
	for range batchesAhead {
		pl.free = append(pl.free, newBatch())
	}
	return pl
}

// newConcurrentPass is newPass for observers that share no state: they
// are dealt into min(workers, len(obs)) units, which are rebalanced as
// the pass goes.
func newConcurrentPass(rd *capture.Reader, obs []Observer, done <-chan struct{}, workers int) *pipeline {
	n := min(max(workers, 1), len(obs))
	units, members := make([][]Observer, n), make([][]int, n)
	for i, o := range obs {
		units[i%n] = append(units[i%n], o)
		members[i%n] = append(members[i%n], i)
	}
	pl := newPass(rd, units, done, workers)
	if n > 1 {
		pl.obs, pl.members, pl.cost, pl.barrier = obs, members, make([]int64, len(obs)), firstBarrier
	}
	return pl
}

// wakeAll wakes every waiting goroutine; mu is held.
func (pl *pipeline) wakeAll() {
	pl.readable.Broadcast()
	pl.observable.Broadcast()
}

// cancel stops every goroutine of the pass. It returns at once: the
// reading goroutine may be blocked reading a slow source, which the caller
// closes; an observing goroutine finishes the batch it is on.
func (pl *pipeline) cancel() {
	pl.mu.Lock()
	pl.stopped = true
	pl.wakeAll()
	pl.mu.Unlock()
}

func (pl *pipeline) read() {
	defer close(pl.readerDone)
	var err error
	defer func() {
		var pe *PanicError
		if r := recover(); r != nil {
			pe = &PanicError{Value: r, Stack: debug.Stack()}
		}
		pl.mu.Lock()
		pl.readDone, pl.readErr, pl.readerPanic = true, err, pe
		if pe != nil {
			pl.stopped = true
		}
		pl.wakeAll()
		pl.mu.Unlock()
	}()
	// With no unit, the reading goroutine decodes, for the counts.
	var dec *decoder
	if len(pl.units) == 0 {
		dec = newDecoder()
	}
	n := 0
	for {
		pl.mu.Lock()
		for len(pl.free) == 0 && !pl.stopped {
			pl.readWaits++
			pl.readable.Wait()
			pl.readWaits--
		}
		if pl.stopped {
			pl.mu.Unlock()
			return
		}
		b := pl.free[len(pl.free)-1]
		pl.free = pl.free[:len(pl.free)-1]
		pl.mu.Unlock()

		err = b.fill(pl.rd, &pl.held)
		b.first = n + 1
		if dec != nil {
			for i := range b.pkts {
				pl.decode(dec, &b.pkts[i], n+1+i)
			}
		}
		n += len(b.pkts)
		pl.packets.Store(int64(n))

		pl.mu.Lock()
		pl.window = append(pl.window, b)
		pl.release()
		// Waiting observers are woken when a few batches are ready, not
		// at each one: a goroutine woken per batch spends more on the
		// wake-up than on the batch.
		if pl.observeWaits > 0 && (len(pl.window) >= wakeBatches || len(pl.units) == 0 || err != nil) {
			pl.observable.Broadcast()
		}
		pl.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// decode decodes raw, frame number, with dec and counts what it found.
func (pl *pipeline) decode(dec *decoder, raw *capture.Packet, number int) {
	dec.decode(raw, number)
	switch p := &dec.pkt; {
	case p.UnsupportedLink:
		pl.unsupported[p.LinkType]++
	case p.DecodeErr != nil:
		pl.decodeErrors++
	}
	if dec.pkt.Truncated {
		pl.truncated++
	}
}

// heldFrame is a frame read for a batch that had no room for it: the
// next batch starts with it. Its bytes are the reader's, valid until the
// next read.
type heldFrame struct {
	p  capture.Packet
	ok bool
}

// fill reads frames from rd into b, up to its bounds: batchPackets frames,
// or as many as its slab holds (a frame larger than the slab alone grows
// it), so that a batch's memory does not depend on its frames' sizes. A
// frame that does not fit is held for the next batch. It returns why
// reading stopped before the bounds, if it did.
func (b *batch) fill(rd *capture.Reader, held *heldFrame) error {
	b.pkts, b.ends, b.slab = b.pkts[:0], b.ends[:0], b.slab[:0]
	var raw capture.Packet
	var err error
	for len(b.pkts) < batchPackets {
		if held.ok {
			raw, held.ok = held.p, false
		} else if err = rd.ReadPacket(&raw); err != nil {
			break
		}
		if len(b.pkts) > 0 && len(b.slab)+len(raw.Data) > cap(b.slab) {
			held.p, held.ok = raw, true
			break
		}
		b.slab = append(b.slab, raw.Data...)
		b.ends = append(b.ends, len(b.slab))
		raw.Data = nil
		b.pkts = append(b.pkts, raw)
	}
	start := 0
	for i, end := range b.ends {
		b.pkts[i].Data = b.slab[start:end:end]
		start = end
	}
	return err
}

// release returns to the free list the batches at the start of the window
// that every unit has seen, and reports whether there were any; mu is held.
func (pl *pipeline) release() bool {
	released := false
	for len(pl.window) > 0 {
		for _, k := range pl.next {
			if k <= pl.base {
				return released
			}
		}
		released = true
		pl.free = append(pl.free, pl.window[0])
		n := copy(pl.window, pl.window[1:])
		pl.window[n] = nil
		pl.window = pl.window[:n]
		pl.base++
	}
	return released
}

// pick returns a unit that is idle and has a batch to see before the
// barrier, the one furthest behind, or -1; mu is held.
func (pl *pipeline) pick() int {
	u, end := -1, pl.base+len(pl.window)
	if pl.barrier > 0 {
		end = min(end, pl.barrier)
	}
	for i, k := range pl.next {
		if !pl.busy[i] && k < end && (u < 0 || k < pl.next[u]) {
			u = i
		}
	}
	return u
}

// observe runs the observing goroutines, this one among them, until every
// unit has seen every batch (it returns true) or the pass is stopped. tick
// is called on this goroutine after each batch it observes.
func (pl *pipeline) observe(tick func()) bool {
	workers := min(pl.workers, len(pl.units))
	var wg sync.WaitGroup
	for range workers - 1 {
		wg.Go(func() { pl.work(nil) })
	}
	done := pl.work(tick)
	wg.Wait()
	return done
}

// work calls units on batches until there is nothing left to do (it
// returns true) or the pass is stopped. tick, if set, is called after each
// batch and each wait.
func (pl *pipeline) work(tick func()) bool {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	for !pl.stopped {
		select {
		case <-pl.done:
			pl.stopped = true
			pl.wakeAll()
			return false
		default:
		}
		u := pl.pick()
		if u < 0 {
			if pl.readDone && len(pl.window) == 0 {
				return true
			}
			if pl.atBarrier() {
				pl.rebalance()
				pl.observable.Broadcast()
				continue
			}
			pl.observeWaits++
			pl.observable.Wait()
			pl.observeWaits--
			if tick != nil {
				pl.mu.Unlock()
				tick()
				pl.mu.Lock()
			}
			continue
		}
		b := pl.window[pl.next[u]-pl.base]
		pl.busy[u] = true
		if pl.observeWaits > 0 && pl.pick() >= 0 {
			pl.observable.Signal() // more to do than this goroutine takes
		}
		pl.mu.Unlock()
		ok := pl.call(u, b)
		if tick != nil {
			tick()
		}
		pl.mu.Lock()
		pl.busy[u] = false
		pl.next[u]++
		if !ok {
			pl.stopped = true
			pl.wakeAll()
		}
		if pl.release() && pl.readWaits > 0 && (len(pl.free) >= wakeReader || pl.stopped) {
			pl.readable.Signal()
		}
		if pl.readDone && len(pl.window) == 0 {
			pl.observable.Broadcast() // the end: the others leave too
		}
	}
	return false
}

// call shows unit u the frames of b, each decoded by the unit's decoder
// and shown to every observer of the unit in turn; it reports false when
// an observer panicked (the panic is kept).
func (pl *pipeline) call(u int, b *batch) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			pl.mu.Lock()
			if pl.observerPanic == nil {
				pl.observerPanic = &observerPanic{value: r}
			}
			pl.mu.Unlock()
		}
	}()
	unit, dec := pl.units[u], pl.decs[u]
	for i := range b.pkts {
		if u == 0 {
			pl.decode(dec, &b.pkts[i], b.first+i)
		} else {
			dec.decode(&b.pkts[i], b.first+i)
		}
		p := &dec.pkt
		if pl.cost != nil && (b.first+i)%costEvery == 0 {
			pl.timed(u, p)
			continue
		}
		for _, o := range unit {
			o.Observe(p)
		}
	}
	return true
}

// timed shows p to unit u's observers, adding the time each takes to its
// cost.
func (pl *pipeline) timed(u int, p *Packet) {
	t := time.Now()
	for j, o := range pl.units[u] {
		o.Observe(p)
		now := time.Now()
		pl.cost[pl.members[u][j]] += int64(now.Sub(t))
		t = now
	}
}

// atBarrier reports whether every unit is idle at the barrier; mu is held.
func (pl *pipeline) atBarrier() bool {
	if pl.barrier == 0 {
		return false
	}
	for u, k := range pl.next {
		if pl.busy[u] || k != pl.barrier {
			return false
		}
	}
	return true
}

// rebalance deals the observers anew into the units, costliest first,
// each to the unit that costs least so far (longest processing time
// first; no unit is left empty while another has two), when that makes the costliest unit cheaper by a tenth; then it
// sets the next barrier. Every unit has seen the same frames and none is
// being called, so an observer may change units: it still sees every
// frame once, in order. mu is held.
func (pl *pipeline) rebalance() {
	pl.barrier = (pl.barrier/barrierEvery + 1) * barrierEvery
	order := make([]int, len(pl.obs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(pl.cost[b], pl.cost[a]) })
	load := make([]int64, len(pl.units))
	members := make([][]int, len(pl.units))
	for _, i := range order {
		g := 0 // the cheapest unit so far, of those the cheapest the one with fewest observers
		for h := range load {
			if load[h] < load[g] || load[h] == load[g] && len(members[h]) < len(members[g]) {
				g = h
			}
		}
		load[g] += pl.cost[i]
		members[g] = append(members[g], i)
	}
	old := int64(0)
	for _, m := range pl.members {
		var c int64
		for _, i := range m {
			c += pl.cost[i]
		}
		old = max(old, c)
	}
	if slices.Max(load) < old-old/10 {
		for g, m := range members {
			slices.Sort(m)
			pl.members[g] = m
			pl.units[g] = pl.units[g][:0]
			for _, i := range m {
				pl.units[g] = append(pl.units[g], pl.obs[i])
			}
		}
		if rebalanceHook != nil {
			rebalanceHook(pl.members)
		}
	}
	clear(pl.cost)
}

// rebalanceHook, set by tests, sees the units' observers after each move.
var rebalanceHook func(members [][]int)
