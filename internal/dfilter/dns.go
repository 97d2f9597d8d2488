package dfilter

import "github.com/mcpacket/mcpacket/internal/dissect"

// dnsPayload is the DNS message of a DNS, mDNS or LLMNR frame (over TCP,
// without its length prefix), or nil.
func dnsPayload(f *dissect.Frame) []byte {
	if !f.Stack.Has(dissect.ProtoDNS) && !f.Stack.Has(dissect.ProtoMDNS) && !f.Stack.Has(dissect.ProtoLLMNR) {
		return nil
	}
	switch {
	case f.HasQuote && f.P.UDP == nil && f.P.TCP == nil:
		return f.Quote.QuotedPayload()
	case f.P.UDP != nil:
		return f.P.UDP.Payload
	case f.P.TCP != nil && len(f.P.TCP.Payload) > 2:
		return f.P.TCP.Payload[2:]
	}
	return nil
}

// dnsQueryNames gives the name of the first question, as dns.qry.name
// shows it (labels joined by dots, "<Root>" for the root).
func dnsQueryNames(f *dissect.Frame, out []value) []value {
	pl := dnsPayload(f)
	if len(pl) < 12 || pl[4] == 0 && pl[5] == 0 {
		return out
	}
	name := f.Scratch()
	i := 12
	for hops := 0; i < len(pl); {
		l := int(pl[i])
		switch {
		case l == 0:
			if len(name) == 0 {
				name = append(name, "<Root>"...)
			}
			return put(out, value{b: name})
		case l&0xc0 == 0xc0:
			if i+1 >= len(pl) || hops > 16 {
				return out
			}
			i = (l&0x3f)<<8 | int(pl[i+1])
			hops++
			continue
		case l&0xc0 != 0:
			return out
		}
		if i+1+l > len(pl) || len(name)+l+1 > cap(name) {
			return out
		}
		if len(name) > 0 {
			name = append(name, '.')
		}
		name = append(name, pl[i+1:i+1+l]...)
		i += 1 + l
	}
	return out
}
