package modkit

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/mcpacket/mcpacket/internal/result"
)

// Counts renders counts for a report as "key n, key n", largest first
// (ties by key), or "none".
func Counts(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return m[keys[i]] > m[keys[j]] || (m[keys[i]] == m[keys[j]] && keys[i] < keys[j]) })
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

// Findings writes a report's anomalies section: a heading with their
// number, then each finding with its severity, type, summary and evidence
// frames (and how many there are when only the first are listed), or
// "none".
func Findings(w io.Writer, fs []result.Finding) {
	fmt.Fprintf(w, "\nAnomalies (%d)\n", len(fs))
	if len(fs) == 0 {
		fmt.Fprint(w, "  none\n")
	}
	for _, a := range fs {
		fmt.Fprintf(w, "  [%s] %s: %s\n      evidence frames: %v", a.Severity, a.Type, a.Summary, a.EvidenceFrames)
		if a.EvidenceFramesTotal > len(a.EvidenceFrames) {
			fmt.Fprintf(w, " (first %d of %d)", len(a.EvidenceFrames), a.EvidenceFramesTotal)
		}
		fmt.Fprint(w, "\n")
	}
}
