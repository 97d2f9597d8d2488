package tcp

import (
	"net/netip"

	"github.com/mcpacket/mcpacket/internal/result"
)

// serverAttempts are the connection attempts (SYNs) to one server address
// and port among the matching connections: what syn_flood,
// handshake_failures and half_open_connections conclude from.
type serverAttempts struct {
	server                        netip.AddrPort
	syns                          []int64 // SYN times (ns), in stream order
	attempts, completed, failed   int
	refused, unanswered, halfOpen int
	clients                       map[netip.Addr]bool // at most maxAttemptClients
	synEv, failEv, halfEv         result.Evidence
}

// maxAttemptClients bounds the distinct clients counted per server.
const maxAttemptClients = 100000

// attempts returns the connection attempts per server, in order of the
// server's first attempt. It is computed once per call and shared by the
// detectors that read it.
func (r *results) attempts() []*serverAttempts {
	if r.servers != nil {
		return *r.servers
	}
	byServer := map[netip.AddrPort]*serverAttempts{}
	var out []*serverAttempts
	for _, v := range r.views {
		if v.c.synFrame == 0 {
			continue
		}
		s := byServer[v.server]
		if s == nil {
			s = &serverAttempts{server: v.server, clients: map[netip.Addr]bool{}}
			byServer[v.server] = s
			out = append(out, s)
		}
		s.attempts++
		s.syns = append(s.syns, v.c.synTime)
		s.synEv.Add(int(v.c.synFrame))
		if len(s.clients) < maxAttemptClients {
			s.clients[v.client.Addr()] = true
		}
		switch {
		case v.complete:
			s.completed++
		case v.tcpState == "syn_received":
			s.halfOpen++
			s.failed++
			s.halfEv.Add(int(v.c.synAckFrame))
			s.failEv.Add(int(v.c.synFrame))
		case failedAttempt(v):
			s.failed++
			s.failEv.Add(int(v.c.synFrame))
			if v.tcpState == "refused" {
				s.refused++
			} else {
				s.unanswered++
			}
		}
	}
	r.servers = &out
	return out
}
