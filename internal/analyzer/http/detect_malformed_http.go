package http

import (
	"fmt"
	"maps"
	"slices"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// AnomalyMalformed is the finding type of the malformed message detector.
const AnomalyMalformed = "malformed_http"

var malformedMin = analyzer.Param{Name: "malformed_min", Default: 1, Unit: "messages",
	Help: "malformed messages needed for a finding", Min: 1, Max: 1e9, Integer: true}

// malformedHTTP reports messages the parser rejected: bad start or field
// lines, invalid Content-Length or chunk sizes, header blocks over 64 KiB,
// HTTP/2 frames or header blocks that do not decode; smuggling attempts and
// broken software alike.
var malformedHTTP = analyzer.Detector[*event, *observer]{
	Type:   AnomalyMalformed,
	Params: []analyzer.Param{malformedMin},
	New: func(th analyzer.Thresholds) analyzer.Unit[*event, *observer] {
		return &malformedUnit{min: th.Int(malformedMin), kinds: map[string]int{}}
	},
}

type malformedUnit struct {
	min   int
	ev    result.Evidence
	kinds map[string]int
}

func (u *malformedUnit) Observe(e *event) {
	if e.malformed == "" {
		return
	}
	u.ev.Add(e.frame)
	if len(u.kinds) < 32 {
		u.kinds[e.malformed]++
	}
}

func (u *malformedUnit) Conclude(_ *observer, add func(result.Finding)) {
	if u.ev.Total() < u.min {
		return
	}
	kinds := slices.Sorted(maps.Keys(u.kinds))
	add(result.NewFinding(AnomalyMalformed, result.Medium,
		fmt.Sprintf("%d malformed HTTP message(s) or frame(s)", u.ev.Total()),
		u.ev, map[string]any{"count": u.ev.Total(), "problems": u.kinds, "kinds": kinds}))
}
