package records

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/mcpacket/mcpacket/internal/modkit"
	"github.com/mcpacket/mcpacket/internal/result"
)

// putFindings writes a module's findings, dated by the capture's first
// frame (a finding covers the capture, not one moment).
func putFindings(sink modkit.Sink, module string, fs []result.Finding, ts time.Time) {
	for _, f := range fs {
		r := &FindingRow{TS: ts, Module: module, Type: f.Type, Severity: f.Severity.String(), Summary: f.Summary,
			Frames: make([]int64, len(f.EvidenceFrames)), FramesTotal: int64(f.EvidenceFramesTotal), Details: "{}"}
		for i, n := range f.EvidenceFrames {
			r.Frames[i] = int64(n)
		}
		if len(f.Details) > 0 {
			if b, err := json.Marshal(f.Details); err == nil {
				r.Details = string(b)
			}
		}
		sink.Put(findingsTable, r)
	}
}

// writeReport prints an export for a person.
func writeReport(w io.Writer, out *Output) error {
	if out.Skipped {
		_, err := fmt.Fprintf(w, "%s: skipped: %s\n", out.File, out.Message)
		return err
	}
	fmt.Fprintf(w, "%s: capture %s, %d frames, %s under %s\n", out.File, out.Capture, out.FramesRead, out.Format, out.Dir)
	for _, t := range out.Tables {
		fmt.Fprintf(w, "  %-10s %8d rows  %d file(s)\n", t.Table, t.Rows, len(t.Files))
	}
	for _, s := range out.Warnings {
		fmt.Fprintf(w, "  warning: %s\n", s)
	}
	return nil
}
