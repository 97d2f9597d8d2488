package packets

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/engine"
	"github.com/mcpacket/mcpacket/internal/modkit"
)

// errTooLarge stops an export past its size cap.
var errTooLarge = errors.New("packets: export over its size cap")

// capWriter counts and hashes what it writes, and fails past max bytes.
type capWriter struct {
	w   io.Writer
	h   hash.Hash
	n   int64
	max int64
}

func (c *capWriter) Write(b []byte) (int, error) {
	if c.n+int64(len(b)) > c.max {
		return 0, errTooLarge
	}
	n, err := c.w.Write(b)
	c.n += int64(n)
	c.h.Write(b[:n])
	return n, err
}

// exporter writes selected frames as pcapng (one interface block per
// interface of the capture that a written frame came from) or pcap.
type exporter struct {
	cw      *capWriter
	buf     *bufio.Writer
	pcapng  bool
	ng      *pcapgo.NgWriter
	pc      *pcapgo.Writer
	pcLink  layers.LinkType
	ifaces  map[int]int // capture interface -> file interface
	packets int
	err     error
}

func (e *exporter) write(p *engine.Packet) {
	if e.err != nil {
		return
	}
	ci := gopacket.CaptureInfo{Timestamp: p.Timestamp, CaptureLength: len(p.Data), Length: max(p.Length, len(p.Data))}
	lt := layers.LinkType(p.LinkType)
	if e.ng == nil && e.pc == nil {
		if e.start(lt); e.err != nil {
			return
		}
		if e.pcapng {
			e.ifaces[p.Interface] = 0
		}
	}
	if e.pcapng {
		idx, ok := e.ifaces[p.Interface]
		if !ok {
			if idx, e.err = e.ng.AddInterface(pcapgo.NgInterface{LinkType: lt, TimestampResolution: 9}); e.err != nil {
				return
			}
			e.ifaces[p.Interface] = idx
		}
		ci.InterfaceIndex = idx
		e.err = e.ng.WritePacket(ci, p.Data)
	} else {
		if lt != e.pcLink {
			e.err = fmt.Errorf("frame %d has link type %d, frame(s) before it %d: a pcap file holds one link type; export as pcapng", p.Number, lt, e.pcLink)
			return
		}
		e.err = e.pc.WritePacket(ci, p.Data)
	}
	if e.err == nil {
		e.packets++
	}
}

// start writes the file's header, with lt as the link type of its first
// interface (pcapng) or of the whole file (pcap).
func (e *exporter) start(lt layers.LinkType) {
	if e.pcapng {
		e.ng, e.err = pcapgo.NewNgWriterInterface(e.buf, pcapgo.NgInterface{LinkType: lt, TimestampResolution: 9},
			pcapgo.NgWriterOptions{SectionInfo: pcapgo.NgSectionInfo{Application: "mcpacket export_packets"}})
		return
	}
	e.pc, e.pcLink = pcapgo.NewWriterNanos(e.buf), lt
	e.err = e.pc.WriteFileHeader(0, lt)
}

// finish writes what an export of no frame still needs (the headers) and
// flushes.
func (e *exporter) finish() error {
	if e.err != nil {
		return e.err
	}
	if e.ng == nil && e.pc == nil {
		e.start(layers.LinkTypeEthernet)
	}
	if e.err != nil {
		return e.err
	}
	if e.ng != nil {
		if err := e.ng.Flush(); err != nil {
			return err
		}
	}
	return e.buf.Flush()
}

// checkOutputName refuses names that are not a plain file name.
func checkOutputName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("output_name is empty; give a file name such as evidence.pcapng")
	case name != filepath.Base(name) || strings.ContainsAny(name, `/\`) || name == "." || name == ".." || !filepath.IsLocal(name):
		return fmt.Errorf("output_name %q: give a plain file name; files are written only into the server's output directory", name)
	case len(name) > 200:
		return fmt.Errorf("output_name is longer than 200 bytes")
	}
	return nil
}

func (m *Module) export(ctx context.Context, env *analyzer.Env, in ExportInput) (*ExportOutput, error) {
	if env.OutputDir == "" {
		return nil, fmt.Errorf("capture %q: exporting needs the server's output directory (--output-dir DIR is required for export_packets)", in.PcapFile)
	}
	format := strings.ToLower(strings.TrimSpace(in.Format))
	switch format {
	case "":
		format = "pcapng"
	case "pcapng", "pcap":
	default:
		return nil, fmt.Errorf("format %q: use pcapng or pcap", in.Format)
	}
	if in.OutputName == "" {
		in.OutputName = defaultOutputName(in.PcapFile, format)
	}
	if err := checkOutputName(in.OutputName); err != nil {
		return nil, err
	}
	sel, err := m.newSelector(env, in.Frames, in.Filter, false, false, false, false)
	if err != nil {
		return nil, err
	}
	sel.tr = m.tracker(env, sel.need)
	root, err := os.OpenRoot(env.OutputDir)
	if err != nil {
		return nil, fmt.Errorf("output directory: %v", err)
	}
	defer root.Close()
	f, err := root.OpenFile(in.OutputName, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("output_name %q exists in the output directory; exports never overwrite: choose another name", in.OutputName)
		}
		return nil, fmt.Errorf("output_name %q: %v", in.OutputName, err)
	}
	ok := false
	defer func() {
		f.Close()
		if !ok {
			root.Remove(in.OutputName)
		}
	}()
	cw := &capWriter{w: f, h: sha256.New(), max: m.opts.MaxExportBytes}
	ex := &exporter{cw: cw, buf: bufio.NewWriterSize(cw, 256<<10), pcapng: format == "pcapng", ifaces: map[int]int{}}
	obs := engine.ObserverFunc(func(p *engine.Packet) {
		if _, sel := sel.frame(p); sel {
			ex.write(p)
		}
	})
	res, err := modkit.Run(ctx, env, in.PcapFile, engine.Options{}, obs)
	if err != nil {
		return nil, err
	}
	if err := ex.finish(); err != nil {
		if errors.Is(err, errTooLarge) {
			return nil, fmt.Errorf("the export would be larger than %d bytes; narrow the filter or frames", m.opts.MaxExportBytes)
		}
		return nil, fmt.Errorf("write %q: %v", in.OutputName, err)
	}
	if err := f.Sync(); err != nil {
		return nil, fmt.Errorf("write %q: %v", in.OutputName, err)
	}
	ok = true
	return &ExportOutput{
		Path: filepath.Join(env.OutputDir, in.OutputName), Packets: ex.packets, Bytes: cw.n,
		SHA256: hex.EncodeToString(cw.h.Sum(nil)), Format: format, FramesRead: res.Packets,
		Warnings: sel.warnings(res), Filter: in.Filter,
	}, nil
}

// defaultOutputName is "<capture name>-export.<format>".
func defaultOutputName(capture, format string) string {
	base := filepath.Base(strings.ReplaceAll(capture, "\\", "/"))
	for _, ext := range []string{".gz", ".pcapng", ".pcap", ".cap"} {
		base = strings.TrimSuffix(base, ext)
	}
	if base == "" || base == "." || base == "/" || len(base) > 100 {
		base = "capture"
	}
	return base + "-export." + format
}
