package overview

import "time"

// The time profile counts packets and bytes over time in one pass, before
// the capture's span is known: it keeps subBuckets fine buckets whose
// width doubles (merging neighbours) whenever the capture outgrows them. The
// N buckets of the output are whole multiples of the fine width, so their
// counts are exact; their width is the capture's span divided by N,
// rounded up to the fine width (well under 1% more for the default N).

const (
	subBuckets    = 16384
	baseWidth     = int64(time.Microsecond)
	maxTopPerSlot = 3
)

type timeProfile struct {
	started bool
	origin  int64 // start of fine bucket 0, Unix nanoseconds
	width   int64 // nanoseconds per fine bucket
	n       int   // fine buckets in use
	packets []uint32
	bytes   []uint64
	protos  [numProtos][]uint32 // per protocol, made when first seen
}

func newTimeProfile() *timeProfile {
	return &timeProfile{packets: make([]uint32, subBuckets), bytes: make([]uint64, subBuckets), width: baseWidth}
}

// add counts one frame at time ts of the given length whose innermost
// protocol is p.
func (tp *timeProfile) add(ts int64, length int, p proto) {
	if !tp.started {
		tp.started, tp.origin = true, ts
	}
	if ts < tp.origin {
		for {
			k := int((tp.origin - ts + tp.width - 1) / tp.width)
			if tp.n+k <= subBuckets {
				tp.shift(k)
				break
			}
			tp.coarsen()
		}
	}
	i := int((ts - tp.origin) / tp.width)
	for i >= subBuckets {
		tp.coarsen()
		i = int((ts - tp.origin) / tp.width)
	}
	tp.packets[i]++
	tp.bytes[i] += uint64(length)
	col := tp.protos[p]
	if col == nil {
		col = make([]uint32, subBuckets)
		tp.protos[p] = col
	}
	col[i]++
	if i >= tp.n {
		tp.n = i + 1
	}
}

// coarsen doubles the fine width, merging pairs of buckets.
func (tp *timeProfile) coarsen() {
	merge32 := func(s []uint32) {
		for j := 0; j < subBuckets/2; j++ {
			s[j] = s[2*j] + s[2*j+1]
		}
		clear(s[subBuckets/2:])
	}
	merge32(tp.packets)
	for j := 0; j < subBuckets/2; j++ {
		tp.bytes[j] = tp.bytes[2*j] + tp.bytes[2*j+1]
	}
	clear(tp.bytes[subBuckets/2:])
	for _, col := range tp.protos {
		if col != nil {
			merge32(col)
		}
	}
	tp.width *= 2
	tp.n = (tp.n + 1) / 2
}

// shift moves every bucket k places later, for a frame before the origin.
func (tp *timeProfile) shift(k int) {
	move32 := func(s []uint32) {
		copy(s[k:], s[:tp.n])
		clear(s[:k])
	}
	move32(tp.packets)
	copy(tp.bytes[k:], tp.bytes[:tp.n])
	clear(tp.bytes[:k])
	for _, col := range tp.protos {
		if col != nil {
			move32(col)
		}
	}
	tp.origin -= int64(k) * tp.width
	tp.n += k
}

// slot is one output bucket.
type slot struct {
	start   int64
	packets uint64
	bytes   uint64
	protos  map[proto]uint64
}

// buckets returns about n equal buckets spanning first to last (Unix
// nanoseconds), and their width.
func (tp *timeProfile) buckets(n int, first, last int64) ([]slot, int64) {
	if !tp.started || n <= 0 {
		return nil, 0
	}
	g0 := tp.origin + (first-tp.origin)/tp.width*tp.width
	span := last - g0 + 1
	per := (span + int64(n)*tp.width - 1) / (int64(n) * tp.width)
	w := max(per, 1) * tp.width
	count := int((span + w - 1) / w)
	out := make([]slot, count)
	for j := range out {
		out[j].start = g0 + int64(j)*w
	}
	for i := 0; i < tp.n; i++ {
		at := tp.origin + int64(i)*tp.width
		if tp.packets[i] == 0 || at < g0 {
			continue
		}
		j := min(int((at-g0)/w), count-1)
		s := &out[j]
		s.packets += uint64(tp.packets[i])
		s.bytes += tp.bytes[i]
		for p, col := range tp.protos {
			if col != nil && col[i] > 0 {
				if s.protos == nil {
					s.protos = map[proto]uint64{}
				}
				s.protos[proto(p)] += uint64(col[i])
			}
		}
	}
	return out, w
}
