package engine

import (
	"slices"

	"github.com/gopacket/gopacket/layers"
)

// Interest is what an observer asks the engine for. An observer that
// implements Interested sees only the frames its Interest matches; one that
// does not sees every frame. Matching is by what the engine decoded, so a
// module for a protocol the engine does not decode (ARP, LLDP, CDP) asks
// for its EtherType and reads Packet.NetworkPayload, with no change to the
// engine.
type Interest struct {
	// EtherTypes: frames whose innermost EtherType (Packet.EtherType) is
	// one of these.
	EtherTypes []layers.EthernetType
	// IPProtocols: IPv4 or IPv6 packets whose transport is one of these:
	// the decoded transport (UDP, TCP, ICMP, ICMPv6), or else the IP
	// header's protocol field (for IPv6, its first next header).
	IPProtocols []layers.IPProtocol
	// UDPPorts and TCPPorts: datagrams and segments with one of these as
	// source or destination port.
	UDPPorts, TCPPorts []uint16
	// Match, when set, takes any other frame it reports true for: a
	// payload sniffer for protocols found on any port.
	Match func(p *Packet) bool
}

// Interested is an Observer that says which frames it wants.
type Interested interface {
	Observer
	Interest() Interest
}

// Matches reports whether p is of interest.
func (in *Interest) Matches(p *Packet) bool {
	if p.EtherType != 0 && slices.Contains(in.EtherTypes, p.EtherType) {
		return true
	}
	if len(in.IPProtocols) > 0 {
		if proto, ok := p.transportProtocol(); ok && slices.Contains(in.IPProtocols, proto) {
			return true
		}
	}
	if p.UDP != nil && len(in.UDPPorts) > 0 && (slices.Contains(in.UDPPorts, uint16(p.UDP.SrcPort)) || slices.Contains(in.UDPPorts, uint16(p.UDP.DstPort))) {
		return true
	}
	if p.TCP != nil && len(in.TCPPorts) > 0 && (slices.Contains(in.TCPPorts, uint16(p.TCP.SrcPort)) || slices.Contains(in.TCPPorts, uint16(p.TCP.DstPort))) {
		return true
	}
	return in.Match != nil && in.Match(p)
}

// transportProtocol is the protocol an IP packet carries.
func (p *Packet) transportProtocol() (layers.IPProtocol, bool) {
	switch {
	case p.UDP != nil:
		return layers.IPProtocolUDP, true
	case p.TCP != nil:
		return layers.IPProtocolTCP, true
	case p.ICMPv4 != nil:
		return layers.IPProtocolICMPv4, true
	case p.ICMPv6 != nil:
		return layers.IPProtocolICMPv6, true
	case p.IPv4 != nil:
		return p.IPv4.Protocol, true
	case p.IPv6 != nil:
		return p.IPv6.NextHeader, true
	}
	return 0, false
}

// interested wraps an Interested observer so that it sees only what it
// asked for.
type interested struct {
	o  Observer
	in Interest
}

func (w *interested) Observe(p *Packet) {
	if w.in.Matches(p) {
		w.o.Observe(p)
	}
}

func (w *interested) Flush() {
	if f, ok := w.o.(Flusher); ok {
		f.Flush()
	}
}

// withInterests puts each Interested observer behind its interest.
func withInterests(obs []Observer) []Observer {
	out := make([]Observer, len(obs))
	for i, o := range obs {
		if io, ok := o.(Interested); ok {
			out[i] = &interested{o: o, in: io.Interest()}
			continue
		}
		out[i] = o
	}
	return out
}

// Serial returns an observer that shows each frame to every one of obs in
// turn (each behind its Interest), and flushes them in turn: observers that
// share state, as one unit of a concurrent pass (Options.Concurrent).
func Serial(obs ...Observer) Observer { return serial(withInterests(obs)) }

type serial []Observer

func (s serial) Observe(p *Packet) {
	for _, o := range s {
		o.Observe(p)
	}
}

func (s serial) Flush() {
	for _, o := range s {
		if f, ok := o.(Flusher); ok {
			f.Flush()
		}
	}
}
