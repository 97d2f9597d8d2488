package http

import (
	"fmt"
	"strings"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// AnomalyExecutableDownload is the finding type of the executable
// download detector.
const AnomalyExecutableDownload = "executable_download"

// executableDownload reports bodies whose first bytes are a program (PE,
// ELF, Mach-O) or a script: high when the declared type hides it (an image,
// text, HTML), medium otherwise. It has no threshold.
var executableDownload = analyzer.Detector[*event, *observer]{
	Type: AnomalyExecutableDownload,
	New: func(analyzer.Thresholds) analyzer.Unit[*event, *observer] {
		return &execUnit{}
	},
}

type execFile struct {
	f        File
	mismatch bool
}

type execUnit struct {
	files []execFile
	more  int
}

func (u *execUnit) Observe(e *event) {
	if e.t == nil {
		return
	}
	for _, f := range []*File{e.t.respFile, e.t.reqFile} {
		if f == nil || !executable(f.SniffedType) {
			continue
		}
		if len(u.files) >= 100 {
			u.more++
			continue
		}
		u.files = append(u.files, execFile{f: *f, mismatch: typeHides(f.DeclaredType, f.SniffedType)})
	}
}

// typeHides reports whether a declared type disagrees with an executable
// sniffed type: anything but a binary or script type.
func typeHides(declared, sniffed string) bool {
	d, _, _ := strings.Cut(strings.ToLower(declared), ";")
	d = strings.TrimSpace(d)
	switch {
	case d == "", d == "application/octet-stream", strings.Contains(d, "executable"), strings.Contains(d, "msdownload"),
		strings.Contains(d, "dosexec"), strings.Contains(d, "x-msdos-program"), strings.Contains(d, "mach"), strings.Contains(d, "elf"),
		strings.Contains(d, "x-sh"), strings.Contains(d, "script") && sniffed == "text/x-script", strings.Contains(d, "binary"):
		return false
	}
	return true
}

func (u *execUnit) Conclude(_ *observer, add func(result.Finding)) {
	for _, x := range u.files {
		f := x.f
		var ev result.Evidence
		ev.Add(f.Frame)
		sev, what := result.Medium, "an executable"
		if x.mismatch {
			sev, what = result.High, fmt.Sprintf("an executable declared as %q", f.DeclaredType)
		}
		if f.SniffedType == "text/x-script" {
			what = strings.Replace(what, "an executable", "a script", 1)
		}
		add(result.NewFinding(AnomalyExecutableDownload, sev,
			fmt.Sprintf("%s %s (%s, %d bytes) from %s to %s", strings.TrimSuffix(f.Direction, "load")+"load of", what, f.Name, f.Size, f.Server, f.Client),
			ev, map[string]any{"name": f.Name, "host": f.Host, "uri": f.URI, "declared_type": f.DeclaredType, "sniffed_type": f.SniffedType,
				"size": f.Size, "sha256": f.SHA256, "md5": f.MD5, "direction": f.Direction, "complete": f.Complete}))
	}
}
