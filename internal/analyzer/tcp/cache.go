package tcp

import (
	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/modkit"
	"github.com/mcpacket/mcpacket/internal/rescache"
	"github.com/mcpacket/mcpacket/internal/result"
)

// What the result cache (analyzer.Cache) keeps of a pass. Each tool keys
// its value by its analysis arguments: the connection filters (see
// connFilter.key), analyze_tcp_connections' state, analyze_tcp_anomalies'
// thresholds and analyze_tcp_retransmissions' threshold, since every
// count, summary and finding depends on them. A value answers every page
// of the tool's lists, and for analyze_tcp_anomalies every analysis_flag
// and stream, and for analyze_tcp_connections every sort_by and detailed,
// since those only select, order or detail list items. The tools do not
// share a value: their analysis arguments differ, and a value for all
// four would cost every first call the lists of the other three.
//
// A value is shared by later calls: answers are built from a copy of its
// output with new lists, and nothing in it is changed after the pass.

// Bytes one kept item takes (its share of the kept list, whose capacity
// grows by doubling, and what it points to), measured with rescache.SizeOf
// by TestKeptBytes and rounded up; a pass keeps at most the cache's bound
// of each list, and past that gives the list up and caches nothing.
const (
	bytesKeptConn    = 2048 // a connection with its detail and sort keys
	bytesKeptSegment = 160  // a flagged segment, with its share of its connection's ends
	bytesKeptRetrans = 256  // a connection's retransmission counts, with its label
	bytesKeptClient  = 160  // a client of analyze_traffic_flow's server
)

func keptMax(env *analyzer.Env, bytes int) int { return int(env.Cache.Bound() / int64(bytes)) }

// everyItem selects every item of a list that the call only pages.
func everyItem(struct{}) bool { return true }

// keepList keeps items whole, in order: a list its tool only pages.
func keepList[R any](items []R, max int) *result.Kept[struct{}, R] {
	k := &result.Kept[struct{}, R]{Max: max}
	for _, it := range items {
		if k.Add(struct{}{}, it); k.Cut {
			break
		}
	}
	return k
}

// pageKept is the page of a kept list that its tool only pages, as
// result.Paginate cuts it from the whole list.
func pageKept[R any](k *result.Kept[struct{}, R], offset, limit int) ([]R, result.Page) {
	page, n := k.Select(everyItem, offset, limit)
	return page, result.PageOf(n, offset, limit, len(page))
}

// keptConn is a connection of analyze_tcp_connections' list as the cache
// keeps it: its record with detail (a call without detailed drops it) and
// what sort_by orders it by.
type keptConn struct {
	order connOrder
	rec   Connection
}

// keepConns keeps the connections views (in stream order).
func keepConns(views []*view, max int) *result.Kept[struct{}, *keptConn] {
	k := &result.Kept[struct{}, *keptConn]{Max: max}
	for _, v := range views {
		if k.Add(struct{}{}, &keptConn{order: v.order(), rec: v.record(true)}); k.Cut {
			break
		}
	}
	return k
}

// connsValue is what a pass of analyze_tcp_connections leaves: the output
// of the call that made it and, when made to be cached, every matching
// connection.
type connsValue struct {
	out  *ConnectionsOutput
	kept *result.Kept[struct{}, *keptConn]
}

// CacheSize estimates what v holds, for the cache's bound.
func (v *connsValue) CacheSize() int64 { return rescache.SizeOf(v.out) + modkit.KeptSize(v.kept) }

// answer is the output for in (with its filter f and page) from v: the
// connections sorted, paged and detailed from the kept ones when there are
// any, else v's own.
func (v *connsValue) answer(in ConnectionsInput, f *connFilter, offset, limit int) *ConnectionsOutput {
	out := *v.out
	out.File, out.Filter = in.PcapFile, f.echo
	if v.kept == nil || v.kept.Cut {
		return &out
	}
	all, _ := v.kept.Select(everyItem, 0, v.kept.Len())
	page, pg := result.Paginate(sortConns(all, f.echo.SortBy, func(k *keptConn) connOrder { return k.order }), offset, limit)
	out.Connections, out.Page = make([]Connection, len(page)), pg
	for i, k := range page {
		out.Connections[i] = k.rec
		if !in.Detailed {
			out.Connections[i].Detail = nil
		}
	}
	return &out
}

// keptSegment is a flagged segment as the cache keeps it: the segment,
// listed only when a page shows it, and its connection's ends, shared by
// the connection's segments.
type keptSegment struct {
	e    event
	ends *segEnds
}

// keepSegments keeps evs, flagged segments of matching connections in
// capture order, with what analyze_tcp_anomalies' segment filters test.
func (r *results) keepSegments(evs []*event, max int) *result.Kept[segKey, keptSegment] {
	k := &result.Kept[segKey, keptSegment]{Max: max}
	ends := map[int32]*segEnds{}
	for _, e := range evs {
		s := ends[e.stream]
		if s == nil {
			x := r.match[int(e.stream)].segEnds()
			s = &x
			ends[e.stream] = s
		}
		if k.Add(e.key(), keptSegment{e: *e, ends: s}); k.Cut {
			break
		}
	}
	return k
}

// flaggedPage lists the page of kept segments that match selects, and its
// page object, as pageFlagged lists it from a fresh pass.
func flaggedPage(k *result.Kept[segKey, keptSegment], match func(segKey) bool, offset, limit int) ([]FlaggedSegment, result.Page) {
	page, n := k.Select(match, offset, limit)
	out := make([]FlaggedSegment, len(page))
	for i := range page {
		out[i] = page[i].e.flagged(page[i].ends)
	}
	return out, result.PageOf(n, offset, limit, len(out))
}

// anomaliesValue is what a pass of analyze_tcp_anomalies leaves: the
// output of the call that made it and, when made to be cached, every
// flagged segment of the matching connections.
type anomaliesValue struct {
	out  *AnomaliesOutput
	segs *result.Kept[segKey, keptSegment]
}

// CacheSize estimates what v holds, for the cache's bound.
func (v *anomaliesValue) CacheSize() int64 { return rescache.SizeOf(v.out) + modkit.KeptSize(v.segs) }

// answer is the output for in (with its filters f and sf and page) from v:
// the segments selected from the kept ones when there are any, else v's
// own.
func (v *anomaliesValue) answer(in AnomaliesInput, f *connFilter, sf segFilter, offset, limit int) *AnomaliesOutput {
	out := *v.out
	out.File, out.Filter = in.PcapFile, f.echo
	if v.segs != nil && !v.segs.Cut {
		out.Segments, out.SegmentsPage = flaggedPage(v.segs, sf.matches, offset, limit)
	}
	return &out
}

// retransValue is what a pass of analyze_tcp_retransmissions leaves: the
// output of the call that made it and, when made to be cached, both of
// its lists whole.
type retransValue struct {
	out   *RetransmissionsOutput
	conns *result.Kept[struct{}, ConnRetrans]
	segs  *result.Kept[segKey, keptSegment]
}

// CacheSize estimates what v holds, for the cache's bound.
func (v *retransValue) CacheSize() int64 {
	return rescache.SizeOf(v.out) + modkit.KeptSize(v.conns) + modkit.KeptSize(v.segs)
}

// answer is the output for in (with its filter f and pages) from v: both
// lists paged from the kept ones when there are any, else v's own.
func (v *retransValue) answer(in RetransmissionsInput, f *connFilter, offset, limit, segOffset, segLimit int) *RetransmissionsOutput {
	out := *v.out
	out.File, out.Filter = in.PcapFile, f.echo
	if v.conns != nil && !v.conns.Cut && !v.segs.Cut {
		out.ByConnection, out.ByConnectionPage = pageKept(v.conns, offset, limit)
		out.Segments, out.SegmentsPage = flaggedPage(v.segs, func(segKey) bool { return true }, segOffset, segLimit)
	}
	return &out
}

// flowValue is what a pass of analyze_traffic_flow leaves: the output of
// the call that made it and, when made to be cached, every client.
type flowValue struct {
	out     *FlowOutput
	clients *result.Kept[struct{}, FlowClient]
}

// CacheSize estimates what v holds, for the cache's bound.
func (v *flowValue) CacheSize() int64 { return rescache.SizeOf(v.out) + modkit.KeptSize(v.clients) }

// answer is the output for in (with its filter f and page) from v: the
// clients paged from the kept ones when there are any, else v's own.
func (v *flowValue) answer(in FlowInput, f *connFilter, offset, limit int) *FlowOutput {
	out := *v.out
	out.File, out.Filter = in.PcapFile, f.echo
	if v.clients != nil && !v.clients.Cut {
		out.Clients, out.ClientsPage = pageKept(v.clients, offset, limit)
	}
	return &out
}
