package dfilter

import "github.com/mcpacket/mcpacket/internal/dissect"

// Summary is what a Prefilter reads of a frame, kept from the pass that
// saw it: its protocol stack as a set (dissect.Stack.Set) and its TCP
// analysis flags (dissect.TCPInfo.Flags).
type Summary struct {
	Stack    dissect.ProtoSet
	TCPFlags uint32
}

// Prefilter returns a test of a frame's Summary that is false only for
// frames the filter cannot match, so that they need no decoding; it is nil
// when the filter tests nothing a Summary holds. The summary must come from
// a pass that worked out what the filter needs (NeedsStack, NeedsTCP).
// It may be called from any goroutine.
func (f *Filter) Prefilter() func(Summary) bool {
	if f == nil || f.pre == nil {
		return nil
	}
	pr := f.pre
	return func(s Summary) bool { return pr(&s) != no }
}

// tri is what a summary says of a test: it fails, it passes, or the frame
// must be decoded to tell.
type tri uint8

const (
	maybe tri = iota
	no
	yes
)

// pre is the summary test of a filter or a part of it; nil is always maybe.
type pre func(s *Summary) tri

// protoFields are the bare-protocol fields (present when the stack has
// the protocol) and analysisMasks the TCP analysis ones (present when a
// flag of the mask is set); the summary tells whether they are present.
var (
	protoFields   = map[string]dissect.Proto{}
	analysisMasks = map[string]uint32{}
)

// preTest is the summary test of one test of fld: bare, whether fld is
// present; otherwise, with any operator, fails when it is absent.
func preTest(fld *field, bare bool) pre {
	var present func(s *Summary) bool
	if pr, ok := protoFields[fld.name]; ok && pr != dissect.ProtoEth { // (eth: see protoBytes)
		present = func(s *Summary) bool { return s.Stack.Has(pr) }
	} else if mask, ok := analysisMasks[fld.name]; ok {
		present = func(s *Summary) bool { return s.TCPFlags&mask != 0 }
	} else {
		return nil
	}
	if bare {
		return func(s *Summary) tri {
			if present(s) {
				return yes
			}
			return no
		}
	}
	return func(s *Summary) tri {
		if present(s) {
			return maybe
		}
		return no
	}
}

func preAnd(a, b pre) pre {
	if a == nil && b == nil {
		return nil
	}
	return func(s *Summary) tri {
		x, y := eval(a, s), eval(b, s)
		switch {
		case x == no || y == no:
			return no
		case x == yes && y == yes:
			return yes
		}
		return maybe
	}
}

func preOr(a, b pre) pre {
	if a == nil || b == nil {
		return nil // one side is always maybe: so is the whole
	}
	return func(s *Summary) tri {
		x, y := a(s), b(s)
		switch {
		case x == yes || y == yes:
			return yes
		case x == no && y == no:
			return no
		}
		return maybe
	}
}

func preNot(a pre) pre {
	if a == nil {
		return nil
	}
	return func(s *Summary) tri {
		switch a(s) {
		case yes:
			return no
		case no:
			return yes
		}
		return maybe
	}
}

func eval(p pre, s *Summary) tri {
	if p == nil {
		return maybe
	}
	return p(s)
}
