package http

import "github.com/mcpacket/mcpacket/internal/analyzer"

// The module's growing tables are bounded from the call's state budget
// (--max-state-bytes, analyzer.Env.StateItems): each gets a share, turned
// into entries by the worst-case size of one. What happens at each bound,
// and how the result says so, is in the README's Limits section.
const (
	// connBytes is one followed connection: gopacket's connection, the
	// engine's stream, the parsers (a header block is held only while it
	// arrives, charged separately) and up to maxPending requests.
	connBytes  = 4096
	shareConns = 0.25
	// keyBytes is one string counted in a top list (values cut to 256).
	keyBytes  = 512
	shareKeys = 0.15
	// pairBytes is one (host, client) pair, or one (client, path) the
	// scanner detector counts.
	pairBytes  = 384
	sharePairs = 0.10
)

// maxPending bounds the requests a connection holds awaiting responses
// (pipelining); past it the oldest is reported unanswered.
const maxPending = 64

// maxH2Streams bounds the open streams of one HTTP/2 connection.
const maxH2Streams = 256

// limits are the bounds of the observer's tables for one call.
type limits struct {
	conns int // connections followed at once
	keys  int // distinct values per top list
	pairs int // (host, client) and detector pairs
}

func newLimits(env *analyzer.Env, opts Options) limits {
	if env == nil {
		env = &analyzer.Env{}
	}
	l := limits{
		conns: env.StateItems(connBytes, shareConns),
		keys:  env.StateItems(keyBytes, shareKeys/6),
		pairs: env.StateItems(pairBytes, sharePairs),
	}
	if opts.MaxConns > 0 {
		l.conns = min(l.conns, opts.MaxConns)
	}
	return l
}
