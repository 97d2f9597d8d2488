package overview

import (
	"strconv"
	"strings"

	"github.com/mcpacket/mcpacket/internal/result"
)

// The protocol hierarchy counts, for every protocol path a frame takes
// (eth, eth/ip, eth/ip/udp, eth/ip/udp/dns), the frames that take it and
// their bytes (whole frame lengths, on the wire), as tshark's
// "-z io,phs" does. Children are kept in order of first appearance, as
// tshark prints them. A "data" node under a transport counts its ports.

// maxNodes bounds the tree; a path that would add a node past it is cut
// short (its frames still count in the nodes above).
const maxNodes = 2000

// maxDataPorts bounds the ports counted per data node.
const maxDataPorts = 1000

type node struct {
	proto      proto
	depth      uint8
	parent     int32
	firstChild int32
	lastChild  int32
	next       int32
	frames     uint64
	bytes      uint64
	ports      *result.Counter[uint16]
}

type tree struct {
	nodes []node // nodes[0] is the root: the frame itself
	cut   uint64 // frames whose path was cut short at maxNodes
}

func newTree() *tree {
	return &tree{nodes: []node{{firstChild: -1, lastChild: -1, next: -1, parent: -1}}}
}

// add counts a frame of the given length along its path; port, when not
// zero, is counted at a data node under UDP or TCP.
func (t *tree) add(f *path, length int, port uint16) {
	cur := int32(0)
	t.nodes[0].frames++
	t.nodes[0].bytes += uint64(length)
	for i := 0; i < f.n; i++ {
		p := f.p[i]
		child := t.nodes[cur].firstChild
		for child >= 0 && t.nodes[child].proto != p {
			child = t.nodes[child].next
		}
		if child < 0 {
			if len(t.nodes) >= maxNodes {
				t.cut++
				return
			}
			child = int32(len(t.nodes))
			t.nodes = append(t.nodes, node{proto: p, depth: uint8(i), parent: cur, firstChild: -1, lastChild: -1, next: -1})
			if last := t.nodes[cur].lastChild; last >= 0 {
				t.nodes[last].next = child
			} else {
				t.nodes[cur].firstChild = child
			}
			t.nodes[cur].lastChild = child
		}
		n := &t.nodes[child]
		n.frames++
		n.bytes += uint64(length)
		if p == pData && port != 0 && i > 0 && (f.p[i-1] == pUDP || f.p[i-1] == pTCP) {
			if n.ports == nil {
				n.ports = result.NewCounter[uint16](maxDataPorts, 0)
			}
			n.ports.Add(port)
		}
		cur = child
	}
}

// walk calls fn for every node below the root, depth first, children in
// order of first appearance, with the node's path.
func (t *tree) walk(fn func(n *node, path string)) {
	var rec func(i int32, prefix string)
	rec = func(i int32, prefix string) {
		for c := t.nodes[i].firstChild; c >= 0; c = t.nodes[c].next {
			p := t.nodes[c].proto.String()
			if prefix != "" {
				p = prefix + "/" + p
			}
			fn(&t.nodes[c], p)
			rec(c, p)
		}
	}
	rec(0, "")
}

// find returns the node at a slash-separated path, or nil.
func (t *tree) find(path string) *node {
	cur := int32(0)
	for _, name := range strings.Split(path, "/") {
		c := t.nodes[cur].firstChild
		for c >= 0 && t.nodes[c].proto.String() != name {
			c = t.nodes[c].next
		}
		if c < 0 {
			return nil
		}
		cur = c
	}
	return &t.nodes[cur]
}

func portName(p uint16) string { return strconv.Itoa(int(p)) }
