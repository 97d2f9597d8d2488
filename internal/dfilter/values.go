package dfilter

import (
	"net"
	"strconv"
	"time"

	"github.com/mcpacket/mcpacket/internal/dissect"
)

// Values returns a frame's values of a field as text (numbers in decimal,
// addresses in their usual notation, times in RFC 3339, byte strings as
// they are), and whether the field is known. Strings and byte strings come
// from the packet: the caller escapes them before showing them.
func Values(name string, f *dissect.Frame) ([]string, bool) {
	return values(name, f, false)
}

// OwnValues is Values without the values of the frame a VXLAN datagram
// carries (dissect.Frame.Inner): those of one layer of the frame's own.
func OwnValues(name string, f *dissect.Frame) ([]string, bool) {
	return values(name, f, true)
}

func values(name string, f *dissect.Frame, own bool) ([]string, bool) {
	fld, ok := fields[name]
	if !ok {
		return nil, false
	}
	get := fld.get
	if own {
		get = fld.own
	}
	var buf [maxValues]value
	var out []string
	for _, v := range get(f, buf[:0]) {
		switch fld.kind {
		case kUint:
			out = append(out, strconv.FormatUint(v.n, 10))
		case kRel:
			out = append(out, strconv.FormatFloat(float64(v.t)/1e9, 'f', 9, 64))
		case kTime:
			out = append(out, time.Unix(0, v.t).UTC().Format("2006-01-02T15:04:05.000000000Z"))
		case kIP, kIP6:
			out = append(out, v.a.String())
		case kMAC:
			out = append(out, net.HardwareAddr(v.b).String())
		case kNone:
			out = append(out, "")
		default:
			out = append(out, string(v.b))
		}
	}
	return out, true
}
