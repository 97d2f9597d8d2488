package overview

import (
	"cmp"
	"encoding/json"
	"net/netip"
	"slices"
	"strings"

	"github.com/mcpacket/mcpacket/internal/flow"
	"github.com/mcpacket/mcpacket/internal/modkit"
)

// Hosts are the IP endpoints of the IPv4 and IPv6 conversation tables
// (frames and bytes sent and received, as tshark's "-z endpoints,ip"
// counts them), with what else the capture says of each address: the MAC
// addresses its packets came from, the names the traffic gave it, the
// ports it answered on, the roles those and the modules' summaries show,
// and the TTL it sends with.

// maxMACs bounds the MAC addresses listed per host.
const maxMACs = 4

type hostAgg struct {
	addr     netip.Addr
	tx, rx   [2]uint64 // frames, bytes
	peers    int
	macs     [][6]byte
	macsMore bool
	ttl      uint8
}

func (h *hostAgg) bytes() uint64 { return h.tx[1] + h.rx[1] }

func (h *hostAgg) addMAC(m [6]byte) {
	if slices.Contains(h.macs, m) {
		return
	}
	if len(h.macs) < maxMACs {
		h.macs = append(h.macs, m)
	} else {
		h.macsMore = true
	}
}

// hostAggs returns every IP endpoint, most bytes first.
func (o *observer) hostAggs() []*hostAgg {
	byAddr := map[netip.Addr]*hostAgg{}
	var out []*hostAgg
	get := func(b [16]byte, t convType) *hostAgg {
		var a netip.Addr
		if t == convIPv4 {
			a = netip.AddrFrom4([4]byte(b[:4]))
		} else {
			a = netip.AddrFrom16(b)
		}
		h := byAddr[a]
		if h == nil {
			h = &hostAgg{addr: a}
			byAddr[a] = h
			out = append(out, h)
		}
		return h
	}
	for _, t := range []convType{convIPv4, convIPv6} {
		tab := o.convs[t]
		for i := range int32(tab.convs.len()) {
			c, k := tab.convs.at(i), tab.keys.at(i)
			sides := tab.sides.at(i)
			a, b := get(k.a, t), get(k.b, t)
			a.tx[0] += c.frames[0]
			a.tx[1] += c.bytes[0]
			a.rx[0] += c.frames[1]
			a.rx[1] += c.bytes[1]
			b.tx[0] += c.frames[1]
			b.tx[1] += c.bytes[1]
			b.rx[0] += c.frames[0]
			b.rx[1] += c.bytes[0]
			a.peers++
			if a != b {
				b.peers++
			}
			for s, h := range [2]*hostAgg{a, b} {
				sd := &sides[s]
				if sd.hasMAC {
					h.addMAC(sd.mac)
				}
				if sd.macMoved {
					h.addMAC(sd.mac2)
				}
				h.ttl = max(h.ttl, sd.ttl)
			}
		}
	}
	slices.SortFunc(out, func(x, y *hostAgg) int {
		return cmp.Or(cmp.Compare(y.bytes(), x.bytes()), x.addr.Compare(y.addr))
	})
	return out
}

type svcKey struct {
	proto uint8
	port  uint16
}

type svcInfo struct {
	flows   int
	service proto
}

// hostRows gives the full rows of the hosts listed.
func (o *observer) hostRows(aggs []*hostAgg, briefs []modkit.Brief) []Host {
	want := map[netip.Addr]map[svcKey]*svcInfo{}
	for _, h := range aggs {
		want[h.addr] = map[svcKey]*svcInfo{}
	}
	// Ports a host answered on: it is the responder of a flow and replied
	// (a SYN-ACK or data for TCP, any datagram for UDP).
	for i := range int32(o.flows.recs.len()) {
		r := o.flows.recs.at(i)
		if r.proto != flow.ProtoTCP && r.proto != flow.ProtoUDP || r.pkts[1] == 0 {
			continue
		}
		ra, rp := o.flows.resp(r)
		svcs, ok := want[ra]
		if !ok {
			continue
		}
		if r.proto == flow.ProtoTCP {
			h := r.conn.History()
			if !strings.ContainsAny(h, "hd") {
				continue
			}
		}
		k := svcKey{r.proto, rp}
		s := svcs[k]
		if s == nil {
			s = &svcInfo{}
			svcs[k] = s
		}
		s.flows++
		if s.service == pNone {
			s.service = r.service
		}
	}
	roles := briefRoles(briefs)
	byAddr, byMAC := hostFacts(briefs)
	out := make([]Host, 0, len(aggs))
	for _, h := range aggs {
		row := Host{
			IP: h.addr.String(), Frames: h.tx[0] + h.rx[0], Bytes: h.bytes(),
			TxFrames: h.tx[0], TxBytes: h.tx[1], RxFrames: h.rx[0], RxBytes: h.rx[1], Peers: h.peers,
		}
		for _, m := range h.macs {
			row.MACs = append(row.MACs, macString(m[:]))
		}
		if h.macsMore {
			row.MACs = append(row.MACs, "...")
		}
		for _, l := range o.names.of(h.addr) {
			row.Names = append(row.Names, HostName{Name: l.name, Source: l.source})
		}
		var keys []svcKey
		for k := range want[h.addr] {
			keys = append(keys, k)
		}
		svcs := want[h.addr]
		slices.SortFunc(keys, func(x, y svcKey) int {
			return cmp.Or(cmp.Compare(svcs[y].flows, svcs[x].flows), cmp.Compare(x.proto, y.proto), cmp.Compare(x.port, y.port))
		})
		seenRole := map[string]bool{}
		addRole := func(r string) {
			if !seenRole[r] {
				seenRole[r] = true
				row.Roles = append(row.Roles, r)
			}
		}
		for i, k := range keys {
			s := svcs[k]
			if i < 8 {
				row.Services = append(row.Services, Service{Proto: flow.ProtoName(k.proto), Port: int(k.port), Service: serviceNames[s.service], Flows: s.flows})
			}
			if name := serviceNames[s.service]; name != "" {
				addRole(name + " server")
			}
		}
		for _, r := range roles[h.addr] {
			addRole(r)
		}
		facts := byAddr[h.addr]
		for _, m := range h.macs {
			facts = append(facts, byMAC[m]...)
		}
		for _, f := range facts {
			if f.Role != "" {
				addRole(f.Role)
			}
			if n := (HostName{Name: f.Name, Source: f.Source}); f.Name != "" && !slices.Contains(row.Names, n) {
				row.Names = append(row.Names, n)
			}
		}
		if h.ttl > 0 {
			row.TTL = ttlHint(h.ttl)
		}
		out = append(out, row)
	}
	return out
}

// ttlHint guesses the initial TTL a host sends with.
func ttlHint(ttl uint8) *TTLHint {
	h := &TTLHint{Max: int(ttl)}
	switch {
	case ttl <= 32:
		h.Initial, h.Hint = 32, "initial TTL 32: old Windows or embedded stacks"
	case ttl <= 64:
		h.Initial, h.Hint = 64, "initial TTL 64: Linux, Android, macOS, iOS, BSD"
	case ttl <= 128:
		h.Initial, h.Hint = 128, "initial TTL 128: Windows"
	default:
		h.Initial, h.Hint = 255, "initial TTL 255: network equipment (routers, switches) or Solaris"
	}
	return h
}

// hostFacts indexes what the modules' briefs know of hosts by IP address
// and by MAC address.
func hostFacts(briefs []modkit.Brief) (byAddr map[netip.Addr][]modkit.HostFact, byMAC map[[6]byte][]modkit.HostFact) {
	byAddr, byMAC = map[netip.Addr][]modkit.HostFact{}, map[[6]byte][]modkit.HostFact{}
	for _, b := range briefs {
		for _, f := range b.Hosts {
			if f.Addr.IsValid() {
				byAddr[f.Addr.Unmap()] = append(byAddr[f.Addr.Unmap()], f)
			}
			if len(f.MAC) == 6 {
				byMAC[[6]byte(f.MAC)] = append(byMAC[[6]byte(f.MAC)], f)
			}
		}
	}
	return byAddr, byMAC
}

// briefRoles reads the modules' summaries for servers they name: any IP
// address under a key that mentions "server" becomes a role of that
// address, "<module> server".
func briefRoles(briefs []modkit.Brief) map[netip.Addr][]string {
	out := map[netip.Addr][]string{}
	for _, b := range briefs {
		if b.Summary == nil {
			continue
		}
		raw, err := json.Marshal(b.Summary)
		if err != nil {
			continue
		}
		var v any
		if json.Unmarshal(raw, &v) != nil {
			continue
		}
		role := b.Module + " server"
		var walk func(v any, server bool, depth int)
		walk = func(v any, server bool, depth int) {
			if depth > 8 {
				return
			}
			switch x := v.(type) {
			case map[string]any:
				for k, e := range x {
					walk(e, server || strings.Contains(strings.ToLower(k), "server"), depth+1)
				}
			case []any:
				for _, e := range x {
					walk(e, server, depth+1)
				}
			case string:
				if !server {
					return
				}
				a, err := netip.ParseAddr(x)
				if err != nil {
					ap, err := netip.ParseAddrPort(x)
					if err != nil {
						return
					}
					a = ap.Addr()
				}
				a = a.Unmap()
				if !slices.Contains(out[a], role) {
					out[a] = append(out[a], role)
				}
			}
		}
		walk(v, false, 0)
	}
	return out
}
