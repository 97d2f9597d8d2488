package result

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
)

// Severity ranks a finding. Its JSON form is "high", "medium" or "low".
type Severity uint8

// Severities, most severe first.
const (
	High Severity = iota
	Medium
	Low
)

var severityNames = [...]string{High: "high", Medium: "medium", Low: "low"}

// String returns "high", "medium" or "low".
func (s Severity) String() string {
	if int(s) < len(severityNames) {
		return severityNames[s]
	}
	return fmt.Sprintf("severity(%d)", uint8(s))
}

// MarshalJSON writes the severity's name.
func (s Severity) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// UnmarshalJSON reads a severity's name.
func (s *Severity) UnmarshalJSON(b []byte) error {
	var name string
	if err := json.Unmarshal(b, &name); err != nil {
		return err
	}
	for i, n := range severityNames {
		if n == name {
			*s = Severity(i)
			return nil
		}
	}
	return fmt.Errorf("result: unknown severity %q", name)
}

// Finding is one anomaly a detector concluded, with the frames that show
// it. Its keys are the same in every module.
type Finding struct {
	Type                string         `json:"type" jsonschema:"the finding's kind; each module's README lists its kinds"`
	Severity            Severity       `json:"severity" jsonschema:"high, medium or low"`
	Summary             string         `json:"summary"`
	EvidenceFrames      []int          `json:"evidence_frames" jsonschema:"frame numbers that show it (first 20)"`
	EvidenceFramesTotal int            `json:"evidence_frames_total"`
	Details             map[string]any `json:"details"`
}

// NewFinding builds a finding from its evidence.
func NewFinding(typ string, sev Severity, summary string, ev Evidence, details map[string]any) Finding {
	if details == nil {
		details = map[string]any{}
	}
	return Finding{Type: typ, Severity: sev, Summary: summary, EvidenceFrames: ev.Frames(), EvidenceFramesTotal: ev.Total(), Details: details}
}

// SortFindings orders findings most severe first, keeping the order of
// findings of equal severity.
func SortFindings(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int { return cmp.Compare(a.Severity, b.Severity) })
}

// MaxEvidence is how many frames a finding lists as evidence.
const MaxEvidence = 20

// Evidence collects the frames that show a finding: the first MaxEvidence
// of them, and how many there were. The zero value is empty and ready.
type Evidence struct {
	frames []int
	n      int
}

// Add records one frame.
func (e *Evidence) Add(frame int) {
	e.n++
	if len(e.frames) < MaxEvidence {
		e.frames = append(e.frames, frame)
	}
}

// Merge adds the frames of o after those of e (as far as MaxEvidence
// allows) and sorts the kept frames.
func (e *Evidence) Merge(o Evidence) {
	frames := append(slices.Clone(e.frames), o.frames...)
	e.frames = frames[:min(len(frames), MaxEvidence)]
	slices.Sort(e.frames)
	e.n += o.n
}

// Frames returns the kept frames, never nil (an empty JSON list).
func (e *Evidence) Frames() []int {
	if e.frames == nil {
		return []int{}
	}
	return e.frames
}

// Total returns how many frames were added.
func (e *Evidence) Total() int { return e.n }

// Candidate is a finding not yet listed, ranked among the findings of its
// type: the larger Rank first, then the smaller Order.
type Candidate struct {
	Rank     float64
	Order    int
	Evidence Evidence                  // merged into the folded finding when it is not listed
	Make     func(ev Evidence) Finding // builds it from its evidence, when it is listed
}

// AddTop adds the max most significant candidates, in rank order, then
// one finding that rest makes from the number and the merged evidence of
// the others: a detector's findings of one type, bounded whatever the
// capture holds. It sorts cs in place.
func AddTop(cs []Candidate, max int, add func(Finding), rest func(n int, ev Evidence) Finding) {
	slices.SortStableFunc(cs, func(a, b Candidate) int {
		if a.Rank != b.Rank {
			return cmp.Compare(b.Rank, a.Rank)
		}
		return cmp.Compare(a.Order, b.Order)
	})
	var restEv Evidence
	for i, c := range cs {
		if i < max {
			add(c.Make(c.Evidence))
			continue
		}
		restEv.Merge(c.Evidence)
	}
	if n := len(cs) - max; n > 0 {
		add(rest(n, restEv))
	}
}

// CloneFindings returns a copy of fs that a caller may cut and edit (a
// response fitted to its budget) without touching fs: each finding and
// its details map are copied; the values in the map are shared.
func CloneFindings(fs []Finding) []Finding {
	if fs == nil {
		return nil
	}
	out := make([]Finding, len(fs))
	for i, f := range fs {
		if f.Details != nil {
			d := make(map[string]any, len(f.Details))
			for k, v := range f.Details {
				d[k] = v
			}
			f.Details = d
		}
		out[i] = f
	}
	return out
}
