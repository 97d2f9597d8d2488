package engine

import (
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"

	"github.com/mcpacket/mcpacket/internal/capture"
)

// Batches of frames handed from the reading goroutine to the observing
// ones: a batch holds up to batchPackets frames or batchBytes of them (a
// larger frame alone), and batchesAhead batches cycle, so a pass holds at
// most that many decoded (about 350 KiB each: small enough that a batch's
// frames stay in a core's cache while the units on that core see them).
const (
	batchPackets = 64
	batchBytes   = 128 << 10
	batchesAhead = 16
	// wakeBatches is how many batches wake a waiting goroutine: the
	// reading one when that many are free, the observing ones when that
	// many are read.
	wakeBatches = batchesAhead / 2
)

// batch is a run of frames whose bytes live in one slab, each decoded into
// a frame of its own when the reading goroutine decodes; first is the
// number of its first frame.
type batch struct {
	pkts   []capture.Packet
	ends   []int
	slab   []byte
	frames []frame
	first  int
}

func newBatch(decoded bool) *batch {
	b := &batch{pkts: make([]capture.Packet, 0, batchPackets), ends: make([]int, 0, batchPackets),
		slab: make([]byte, 0, batchBytes)}
	if decoded {
		b.frames = make([]frame, batchPackets)
		for i := range b.frames {
			b.frames[i].init()
		}
	}
	return b
}

// pipeline is one pass's goroutines: one reads batches of frames, in file
// order (and decodes them, for more than one unit); the observing ones (the
// caller's and, for concurrent observers, up to workers-1 more) call each unit of
// observers on each batch. A unit sees the batches one after another, in
// order, one goroutine at a time; different units may be on different
// batches at once. A batch is reused once every unit has seen it.
type pipeline struct {
	rd      *capture.Reader
	held    heldFrame // the reading goroutine's
	units   [][]Observer
	workers int // the most goroutines observing at once

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

	// dec, for a pass of one unit, decodes each frame on the observing
	// goroutine, right before the unit sees it, into the same memory every
	// time (the way a DecodingLayerParser is meant to be used); otherwise
	// the reading goroutine decodes each batch into its frames once, for
	// every unit.
	dec *decoder

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
	if len(units) == 1 {
		pl.dec = newDecoder()
	}
	for range batchesAhead {
		pl.free = append(pl.free, newBatch(pl.dec == nil))
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
	var dec *decoder
	if pl.dec == nil {
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
		if pl.dec == nil {
			for i := range b.pkts {
				dec.frame = &b.frames[i]
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

// pick returns a unit that is idle and has a batch to see, the one
// furthest behind, or -1; mu is held.
func (pl *pipeline) pick() int {
	u, end := -1, pl.base+len(pl.window)
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
		ok := pl.call(pl.units[u], b)
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
		if pl.release() && pl.readWaits > 0 && (len(pl.free) >= wakeBatches || pl.stopped) {
			pl.readable.Signal()
		}
		if pl.readDone && len(pl.window) == 0 {
			pl.observable.Broadcast() // the end: the others leave too
		}
	}
	return false
}

// call shows unit the frames of b, each to every observer of the unit in
// turn; it reports false when an observer panicked (the panic is kept).
func (pl *pipeline) call(unit []Observer, b *batch) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			pl.mu.Lock()
			if pl.observerPanic == nil {
				pl.observerPanic = &observerPanic{value: r}
			}
			pl.mu.Unlock()
		}
	}()
	if pl.dec != nil {
		for i := range b.pkts {
			pl.decode(pl.dec, &b.pkts[i], b.first+i)
			for _, o := range unit {
				o.Observe(&pl.dec.pkt)
			}
		}
		return true
	}
	if len(unit) == 1 {
		o := unit[0]
		for i := range b.pkts {
			o.Observe(&b.frames[i].pkt)
		}
		return true
	}
	for i := range b.pkts {
		p := &b.frames[i].pkt
		for _, o := range unit {
			o.Observe(p)
		}
	}
	return true
}
