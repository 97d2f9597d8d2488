package packets

import (
	"encoding/binary"
	"fmt"
	"net"
	"strings"

	"github.com/mcpacket/mcpacket/internal/dfilter"
	"github.com/mcpacket/mcpacket/internal/dissect"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/result"
)

// layerFields are the fields detail shows per layer, as tshark names them.
var layerFields = map[dissect.Proto][]string{
	dissect.ProtoEth:    {"eth.dst", "eth.src", "eth.type"},
	dissect.ProtoVLAN:   {"vlan.id"},
	dissect.ProtoARP:    {"arp.opcode", "arp.src.hw_mac", "arp.src.proto_ipv4", "arp.dst.hw_mac", "arp.dst.proto_ipv4"},
	dissect.ProtoIP:     {"ip.version", "ip.hdr_len", "ip.dsfield", "ip.len", "ip.id", "ip.flags.df", "ip.flags.mf", "ip.frag_offset", "ip.ttl", "ip.proto", "ip.src", "ip.dst"},
	dissect.ProtoIPv6:   {"ipv6.flow", "ipv6.plen", "ipv6.nxt", "ipv6.hlim", "ipv6.src", "ipv6.dst"},
	dissect.ProtoTCP:    {"tcp.srcport", "tcp.dstport", "tcp.stream", "tcp.len", "tcp.seq", "tcp.ack", "tcp.seq_raw", "tcp.ack_raw", "tcp.hdr_len", "tcp.flags", "tcp.window_size_value"},
	dissect.ProtoUDP:    {"udp.srcport", "udp.dstport", "udp.length", "udp.stream"},
	dissect.ProtoICMP:   {"icmp.type", "icmp.code"},
	dissect.ProtoICMPv6: {"icmpv6.type", "icmpv6.code"},
	dissect.ProtoDNS:    {"dns.id", "dns.flags.response", "dns.qry.name"},
	dissect.ProtoMDNS:   {"dns.id", "dns.flags.response", "dns.qry.name"},
	dissect.ProtoLLMNR:  {"dns.id", "dns.flags.response", "dns.qry.name"},
}

// packetOf describes a selected frame.
func packetOf(fr *dissect.Frame, detail, hex bool) Packet {
	fr.Classify()
	p := fr.P
	pk := Packet{
		Number: p.Number, Time: result.FormatTime(p.Timestamp), RelativeSecond: fr.Relative.Seconds(),
		Length: p.Length, CapturedLength: p.CaptureLength, Interface: p.Interface,
		Protocols: fr.Stack.String(), Protocol: strings.ToUpper(fr.Stack.Top().String()),
	}
	pk.Source, pk.Destination = endpoints(p)
	top := fr
	if in := fr.Inner; in != nil {
		// VXLAN: Wireshark's columns show the frame it carries.
		in.Classify()
		if s, d := endpoints(in.P); s != "" {
			pk.Source, pk.Destination = s, d
		}
		top = in
	}
	pk.Info = result.Text(info(top), maxInfo)
	if detail {
		pk.Layers = layerTree(fr)
	}
	if hex {
		pk.Hex = hexDump(p.Data, maxHexBytes)
	}
	return pk
}

func endpoints(p *engine.Packet) (string, string) {
	if a := p.SrcIP(); a.IsValid() {
		return result.Addr(a), result.Addr(p.DstIP())
	}
	if p.Ethernet != nil {
		return p.Ethernet.SrcMAC.String(), p.Ethernet.DstMAC.String()
	}
	return "", ""
}

// layerTree is the frame's layers with their fields; those of a frame
// that VXLAN carries follow the vxlan layer.
func layerTree(fr *dissect.Frame) []Layer {
	out := layersOf(fr, nil)
	if in := fr.Inner; in != nil {
		in.Classify()
		out = layersOf(in, out)
	}
	return out
}

// layersOf appends the layers of fr's own stack (up to vxlan) to out.
func layersOf(fr *dissect.Frame, out []Layer) []Layer {
	seen := map[dissect.Proto]bool{}
	for _, pr := range fr.Stack.Protos() {
		if pr == dissect.ProtoVXLAN && fr.Inner != nil {
			// The rest are the inner frame's.
			vni, _ := dfilter.OwnValues("vxlan.vni", fr)
			return append(out, Layer{Name: pr.String(), Fields: []Field{{Name: "vxlan.vni", Value: vni[0]}}})
		}
		names, ok := layerFields[pr]
		if !ok || seen[pr] {
			if pr != dissect.ProtoFrame && !seen[pr] {
				out = append(out, Layer{Name: pr.String(), Fields: []Field{}})
			}
			seen[pr] = true
			continue
		}
		seen[pr] = true
		l := Layer{Name: pr.String(), Fields: []Field{}}
		for _, n := range names {
			vals, _ := dfilter.OwnValues(n, fr)
			for _, v := range vals {
				l.Fields = append(l.Fields, Field{Name: n, Value: result.Text(v, maxFieldText)})
			}
		}
		if pr == dissect.ProtoTCP {
			for i, n := range dissect.TCPAnalysisNames {
				if fr.TCP.Flags&(1<<i) != 0 {
					l.Fields = append(l.Fields, Field{Name: "tcp.analysis." + n, Value: ""})
				}
			}
		}
		out = append(out, l)
	}
	return out
}

// info is a one-line summary in the manner of Wireshark's Info column.
func info(fr *dissect.Frame) string {
	p := fr.P
	switch top := fr.Stack.Top(); {
	case top == dissect.ProtoARP:
		b := p.NetworkPayload
		if len(b) >= 28 {
			spa, tpa := net.IP(b[14:18]), net.IP(b[24:28])
			switch binary.BigEndian.Uint16(b[6:8]) {
			case 1:
				return fmt.Sprintf("Who has %s? Tell %s", tpa, spa)
			case 2:
				return fmt.Sprintf("%s is at %s", spa, net.HardwareAddr(b[8:14]))
			}
		}
		return "ARP"
	case top == dissect.ProtoDNS || top == dissect.ProtoMDNS || top == dissect.ProtoLLMNR:
		id, _ := dfilter.Values("dns.id", fr)
		resp, _ := dfilter.Values("dns.flags.response", fr)
		name, _ := dfilter.Values("dns.qry.name", fr)
		s := "Standard query"
		if len(resp) > 0 && resp[0] == "1" {
			s += " response"
		}
		if len(id) > 0 {
			var n int
			fmt.Sscan(id[0], &n)
			s += fmt.Sprintf(" 0x%04x", n)
		}
		if len(name) > 0 {
			s += " " + name[0]
		}
		return s
	case top == dissect.ProtoSIP || top == dissect.ProtoHTTP || top == dissect.ProtoSSDP:
		return firstLine(fr.App)
	}
	switch {
	case p.TCP != nil:
		t := p.TCP
		var fl []string
		for _, f := range []struct {
			on   bool
			name string
		}{{t.FIN, "FIN"}, {t.SYN, "SYN"}, {t.RST, "RST"}, {t.PSH, "PSH"}, {t.ACK, "ACK"}, {t.URG, "URG"}} {
			if f.on {
				fl = append(fl, f.name)
			}
		}
		// Relative numbers when the TCP analysis ran (detail, or a filter
		// on its fields), else the raw ones, marked.
		raw := ""
		if !fr.TCP.HasSeq {
			raw = "(raw)"
		}
		s := fmt.Sprintf("%d → %d [%s] Seq%s=%d", t.SrcPort, t.DstPort, strings.Join(fl, ", "), raw, relOr(fr.TCP.HasSeq, fr.TCP.Seq, t.Seq))
		if t.ACK {
			s += fmt.Sprintf(" Ack%s=%d", raw, relOr(fr.TCP.HasAck, fr.TCP.Ack, t.Ack))
		}
		return s + fmt.Sprintf(" Win=%d Len=%d", t.Window, len(t.Payload))
	case p.UDP != nil:
		return fmt.Sprintf("%d → %d Len=%d", p.UDP.SrcPort, p.UDP.DstPort, len(p.UDP.Payload))
	case p.ICMPv4 != nil:
		return p.ICMPv4.TypeCode.String()
	case p.ICMPv6 != nil:
		return p.ICMPv6.TypeCode.String()
	case p.Fragment:
		return "Fragmented IP protocol"
	}
	return ""
}

func relOr(rel bool, r, raw uint32) uint32 {
	if rel {
		return r
	}
	return raw
}

func firstLine(b []byte) string {
	if i := strings.IndexAny(string(b[:min(len(b), 512)]), "\r\n"); i >= 0 {
		b = b[:i]
	}
	return string(b[:min(len(b), 512)])
}

// hexDump is a bounded hex+ASCII dump, 16 bytes a line.
func hexDump(b []byte, max int) []string {
	var out []string
	n := min(len(b), max)
	for off := 0; off < n; off += 16 {
		var sb strings.Builder
		end := min(off+16, n)
		fmt.Fprintf(&sb, "%04x  ", off)
		for i := off; i < off+16; i++ {
			if i < end {
				fmt.Fprintf(&sb, "%02x ", b[i])
			} else {
				sb.WriteString("   ")
			}
		}
		sb.WriteByte(' ')
		for _, c := range b[off:end] {
			if c >= 0x20 && c < 0x7f {
				sb.WriteByte(c)
			} else {
				sb.WriteByte('.')
			}
		}
		out = append(out, sb.String())
	}
	if n < len(b) {
		out = append(out, fmt.Sprintf("...(%d more bytes)", len(b)-n))
	}
	return out
}
