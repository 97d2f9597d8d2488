// Package capinfos describes a capture file as Wireshark's capinfos does: format,
// encapsulation, packet count, sizes, time span and rates, plus what capinfos
// shows of pcapng files (sections, interfaces, statistics blocks) and a
// SHA-256 of the file. It is the module to call first on an unknown capture.
//
// It is the "capinfos" module; its one tool is analyze_capinfos, a drop-in for
// mcpcap's tool of that name with its defects fixed (first and last packet by
// time rather than file order, no rates invented for a capture that spans no
// time, Wireshark's full encapsulation names).
package capinfos

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"math"
	"net/url"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/capture"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/modkit"
	"github.com/mcpacket/mcpacket/internal/result"
)

// Paging limits for the interfaces list.
const (
	DefaultLimit = 50
	MaxLimit     = 1000
	maxSections  = 100
	// maxCountedInterfaces bounds the per-interface packet counts.
	maxCountedInterfaces = 4096
)

// Options are the module's limits; it has none yet, and takes them in the
// form every module does.
type Options struct{}

// Module is the capinfos module.
type Module struct{ opts Options }

// New returns the capinfos module.
func New(opts Options) *Module { return &Module{opts: opts} }

// Name returns "capinfos", the module name mcpcap uses.
func (*Module) Name() string { return "capinfos" }

// Tools returns analyze_capinfos, list_captures and upload_capture (which
// front ends offer only when the server keeps uploads).
func (m *Module) Tools() []analyzer.Tool {
	return []analyzer.Tool{m.capinfosTool(), listTool(), uploadTool()}
}

func (m *Module) capinfosTool() analyzer.Tool {
	return analyzer.NewTool(analyzer.Tool{
		Name:        "analyze_capinfos",
		Title:       "Capture file summary (capinfos)",
		Description: "File facts like Wireshark's capinfos: format, link types, packets, bytes, first/last time, duration, rates, snaplen, time order, SHA-256, pcapng interfaces.",
		OpenWorld:   true,
	}, m.analyze, writeReport)
}

// Prompts returns none: capinfos has no analysis prompts.
func (*Module) Prompts() []analyzer.Prompt { return nil }

func (m *Module) analyze(ctx context.Context, env *analyzer.Env, in Input) (*Output, error) {
	offset, limit, err := result.PageArgs(in.Offset, in.Limit, DefaultLimit, MaxLimit)
	if err != nil {
		return nil, err
	}
	obs := newObserver()
	h := sha256.New()
	res, err := modkit.Run(ctx, env, in.PcapFile, engine.Options{Tee: h}, obs)
	if err != nil {
		return nil, err
	}
	out := obs.output(res)
	out.File = in.PcapFile
	out.Filename = baseName(in.PcapFile)
	out.FileSizeBytes = res.Bytes
	out.SHA256 = hex.EncodeToString(h.Sum(nil))
	out.Interfaces, out.InterfacesPage = result.Paginate(out.Interfaces, offset, limit)
	return out, nil
}

// baseName is the last element of a path or of a URL's path.
func baseName(ref string) string {
	if capture.IsURL(ref) {
		if u, err := url.Parse(ref); err == nil {
			if b := path.Base(u.Path); b != "/" && b != "." {
				return b
			}
			return u.Host
		}
	}
	return filepath.Base(ref)
}

// observer accumulates per-packet facts; its state does not grow with the
// capture except for one counter per interface.
type observer struct {
	packets           int
	first, last, prev time.Time
	outOfOrder        int
	dataSize          int64
	captured          int64
	cut               int
	largest           int
	smallest          int
	perInterface      []int
	perLink           map[capture.LinkType]int
	comments          int
	undecoded         int
}

var _ engine.Observer = (*observer)(nil)

func newObserver() *observer {
	return &observer{perLink: map[capture.LinkType]int{}}
}

func (o *observer) Observe(p *engine.Packet) {
	o.packets++
	ts := p.Timestamp
	if o.packets == 1 {
		o.first, o.last, o.smallest = ts, ts, p.Length
	} else {
		if ts.Before(o.first) {
			o.first = ts
		}
		if ts.After(o.last) {
			o.last = ts
		}
		if ts.Before(o.prev) {
			o.outOfOrder++
		}
	}
	o.prev = ts
	o.dataSize += int64(p.Length)
	o.captured += int64(p.CaptureLength)
	if p.CaptureLength < p.Length {
		o.cut++
	}
	o.largest = max(o.largest, p.Length)
	o.smallest = min(o.smallest, p.Length)
	// Packets are counted per described interface; the reader describes
	// at most capture.MaxInterfaces of them, so this stays bounded however
	// high an index a packet names.
	if p.Interface < maxCountedInterfaces {
		for p.Interface >= len(o.perInterface) {
			o.perInterface = append(o.perInterface, 0)
		}
		o.perInterface[p.Interface]++
	}
	o.perLink[p.LinkType]++
	o.comments += len(p.Comments)
	if p.UnsupportedLink {
		o.undecoded++
	}
}

func (o *observer) output(res *engine.Result) *Output {
	info := res.Info
	out := &Output{
		PacketCount:              o.packets,
		DataSizeBytes:            o.dataSize,
		Format:                   string(info.Format),
		FileType:                 string(info.Format),
		Compression:              "none",
		ByteOrder:                "little-endian",
		FormatVersion:            info.Version,
		CapturedBytes:            o.captured,
		PacketsCutBySnaplen:      o.cut,
		LargestPacketBytes:       o.largest,
		SmallestPacketBytes:      o.smallest,
		StrictTimeOrder:          o.outOfOrder == 0,
		OutOfOrderPackets:        o.outOfOrder,
		PacketComments:           o.comments,
		UndecodedLinkTypePackets: o.undecoded,
		Warnings:                 modkit.Warnings(res, false),
		Encapsulations:           []Encapsulation{},
		Sections:                 []Section{},
		Interfaces:               []Interface{},
	}
	if info.Compressed != "" {
		out.Compression = info.Compressed
		out.FileType += " (" + info.Compressed + " compressed)"
	}
	if info.BigEndian {
		out.ByteOrder = "big-endian"
	}

	// Encapsulation: one link type for the whole file, or per packet.
	links := map[capture.LinkType]bool{}
	for _, ifc := range info.Interfaces {
		links[ifc.LinkType] = true
	}
	switch len(links) {
	case 0:
		out.FileEncapsulation, out.FileEncapsulationShort = "Unknown", "unknown"
	case 1:
		lt := info.Interfaces[0].LinkType
		out.FileEncapsulation, out.FileEncapsulationShort = lt.String(), lt.ShortName()
		n := int(lt)
		out.LinkType = &n
	default:
		out.FileEncapsulation, out.FileEncapsulationShort = "Per packet", "per-packet"
	}
	for lt, n := range o.perLink {
		out.Encapsulations = append(out.Encapsulations, Encapsulation{LinkType: int(lt), Name: lt.String(), ShortName: lt.ShortName(), Packets: n})
	}
	slices.SortFunc(out.Encapsulations, func(a, b Encapsulation) int { return b.Packets - a.Packets })

	if info.Snaplen > 0 {
		s := int64(info.Snaplen)
		out.SnaplenBytes = &s
	}

	// Times and rates. A capture that spans no time has no rates.
	if o.packets > 0 {
		f, l := result.FormatTime(o.first), result.FormatTime(o.last)
		out.FirstPacketTime, out.LastPacketTime = &f, &l
		avg := round(float64(o.dataSize)/float64(o.packets), 2)
		out.AveragePacketSizeBytes = &avg
	}
	dur := o.last.Sub(o.first).Seconds()
	out.CaptureDurationSeconds = dur
	if dur > 0 {
		bytesPS := round(float64(o.dataSize)/dur, 2)
		bitsPS := round(float64(o.dataSize)*8/dur, 2)
		pktPS := round(float64(o.packets)/dur, 2)
		out.DataRateBytes, out.DataRateBits, out.AveragePacketRate = &bytesPS, &bitsPS, &pktPS
	}

	// Timestamp precision over all interfaces.
	digits := map[int]bool{}
	for _, ifc := range info.Interfaces {
		digits[ifc.TimestampDigits] = true
		out.TimestampDigits = max(out.TimestampDigits, ifc.TimestampDigits)
	}
	switch len(digits) {
	case 0:
		out.TimestampPrecision, out.TimestampDigits = precisionName(6), 6
	case 1:
		out.TimestampPrecision = precisionName(out.TimestampDigits)
	default:
		out.TimestampPrecision = "mixed"
	}

	out.SectionCount = max(len(info.Sections), info.SectionCount)
	if info.Format != capture.FormatPcapNG {
		out.SectionCount = 1
	}
	for i, s := range info.Sections {
		if i == maxSections {
			break
		}
		out.Sections = append(out.Sections, Section{Index: i, Hardware: result.Text(s.Hardware, 0), OS: result.Text(s.OS, 0),
			Application: result.Text(s.Application, 0), Comment: result.Text(s.Comment, 0)})
	}

	out.InterfaceCount = max(len(info.Interfaces), info.InterfaceCount)
	for i, ifc := range info.Interfaces {
		it := Interface{
			Index:              i,
			Section:            ifc.Section,
			LinkType:           int(ifc.LinkType),
			Encapsulation:      ifc.LinkType.String(),
			EncapsulationShort: ifc.LinkType.ShortName(),
			Name:               result.Text(ifc.Name, 0),
			Description:        result.Text(ifc.Description, 0),
			Comment:            result.Text(ifc.Comment, 0),
			Filter:             result.Text(ifc.Filter, 0),
			OS:                 result.Text(ifc.OS, 0),
			TimestampPrecision: resolutionName(ifc),
		}
		if ifc.Snaplen > 0 {
			s := int64(ifc.Snaplen)
			it.SnaplenBytes = &s
		}
		if ifc.TimestampOffset != 0 {
			off := ifc.TimestampOffset
			it.TimestampOffsetSec = &off
		}
		if i < len(o.perInterface) {
			it.Packets = o.perInterface[i]
		}
		if st := ifc.Stats; st != nil {
			it.Statistics = &Stats{
				Received:  st.Received,
				Dropped:   st.Dropped,
				StartTime: result.FormatTime(st.Start),
				EndTime:   result.FormatTime(st.End),
				Comment:   result.Text(st.Comment, 0),
				Blocks:    st.Blocks,
			}
		}
		out.Interfaces = append(out.Interfaces, it)
	}
	return out
}

func precisionName(digits int) string {
	switch digits {
	case 0:
		return "seconds"
	case 1:
		return "deciseconds"
	case 2:
		return "centiseconds"
	case 3:
		return "milliseconds"
	case 6:
		return "microseconds"
	case 9:
		return "nanoseconds"
	case 12:
		return "picoseconds"
	}
	return "10^-" + strconv.Itoa(digits) + " seconds"
}

func resolutionName(ifc capture.Interface) string {
	if ifc.TimestampResolution&0x80 != 0 {
		return "2^-" + strconv.Itoa(int(ifc.TimestampResolution&0x7f)) + " seconds"
	}
	return precisionName(ifc.TimestampDigits)
}

func round(v float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(v*p) / p
}

// NewPass runs the capinfos observer in a pass shared with other modules;
// its brief is the capture's description (no interface list, no hash: the
// shared pass reads the capture once for every module).
func (m *Module) NewPass(env *analyzer.Env) (modkit.Pass, error) {
	obs := newObserver()
	return &modkit.SimplePass{Obs: []engine.Observer{obs}, Conclude: func(res *engine.Result) modkit.Brief {
		out := obs.output(res)
		out.FileSizeBytes = res.Bytes
		out.Interfaces = nil
		return modkit.Brief{Module: "capinfos", Summary: out, Findings: []result.Finding{}}
	}}, nil
}
