package dns

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// AnomalyDGA is the finding type of the DGA detector.
const AnomalyDGA = "dga_suspected"

// The DGA detector's threshold.
var dgaMinNXDomain = analyzer.Param{Name: "dga_min_nxdomain", Default: 20, Unit: "names",
	Help: "NXDOMAINs for distinct random-looking names to one client", Min: 1, Max: maxNXNames, Integer: true}

// dga flags a client getting NXDOMAIN for many random-looking names: a
// domain generation algorithm (malware looking for its controller).
var dga = analyzer.Detector[*event, *observer]{
	Type:   AnomalyDGA,
	Params: []analyzer.Param{dgaMinNXDomain},
	New: func(th analyzer.Thresholds) analyzer.Unit[*event, *observer] {
		return &dgaUnit{min: th.Int(dgaMinNXDomain), nx: map[netip.Addr]*clientNX{}}
	},
}

type dgaUnit struct {
	min int
	nx  map[netip.Addr]*clientNX // by client, at most the budget's dgaUsers
}

// clientNX is what the DGA detector knows of one client.
type clientNX struct {
	names    map[string]struct{}
	random   int
	examples []string
	frames   result.Evidence
}

// Observe notes each NXDOMAIN of unicast DNS by its client and name.
func (u *dgaUnit) Observe(e *event) {
	if !e.response || e.rcode != 3 || e.md.service != "DNS" || e.name == nil {
		return
	}
	client, name := e.md.dst.Addr(), e.name.key
	c := u.nx[client]
	if c == nil {
		if len(u.nx) >= e.budget.lim.dgaUsers {
			e.budget.dgaRefused++
			return
		}
		c = &clientNX{names: map[string]struct{}{}}
		u.nx[client] = c
	}
	if _, seen := c.names[name]; seen || len(c.names) >= maxNXNames {
		return
	}
	if e.budget.full() {
		e.budget.namesRefused++
		return
	}
	c.names[name] = struct{}{}
	e.budget.take()
	if randomLooking(name) {
		c.random++
		c.frames.Add(e.md.frame)
		if len(c.examples) < maxExamples {
			c.examples = append(c.examples, name)
		}
	}
}

// Conclude reports each client past the threshold, in address order.
func (u *dgaUnit) Conclude(_ *observer, add func(result.Finding)) {
	clients := make([]netip.Addr, 0, len(u.nx))
	for a := range u.nx {
		clients = append(clients, a)
	}
	slices.SortFunc(clients, func(a, b netip.Addr) int { return a.Compare(b) })
	for _, a := range clients {
		c := u.nx[a]
		if c.random < u.min {
			continue
		}
		examples := make([]string, len(c.examples))
		for i, k := range c.examples {
			examples[i] = presentKey(k)
		}
		add(result.NewFinding(AnomalyDGA, result.High,
			fmt.Sprintf("%s received NXDOMAIN for %d distinct random-looking names: a domain generation algorithm (malware looking for its controller) is likely", a, c.random),
			c.frames, map[string]any{"client": a.String(), "random_nxdomain_names": c.random, "nxdomain_names": len(c.names), "examples": examples}))
	}
}

// randomLooking reports whether the leftmost label of a name under its
// registered domain looks machine-generated: long enough, and either high
// in entropy or poor in vowels, as DGA names are.
func randomLooking(name string) bool {
	label, _, _ := strings.Cut(name, ".")
	if len(label) < 8 {
		return false
	}
	vowels, digits := 0, 0
	for i := 0; i < len(label); i++ {
		switch c := label[i]; {
		case strings.IndexByte("aeiou", c) >= 0:
			vowels++
		case '0' <= c && c <= '9':
			digits++
		}
	}
	vowelShare := float64(vowels) / float64(len(label))
	return entropy(label) >= 3.0 && (vowelShare < 0.3 || digits >= 2)
}
