package overview

import (
	"bufio"
	"fmt"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
	"os"
	"strings"
	"testing"

	"github.com/mcpacket/mcpacket/internal/engine"
)

// TestDumpPaths prints each frame's protocol path for the capture named by
// OVERVIEW_DUMP, to compare with tshark -T fields -e frame.protocols.
func TestDumpPaths(t *testing.T) {
	file := pcaptest.EnvFile(t, "OVERVIEW_DUMP", "set it to a capture to print its frames' protocol paths")
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	o := newObserver(New(Options{}).opts)
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	_, err = engine.Run(t.Context(), bufio.NewReader(f), engine.Options{}, engine.ObserverFunc(func(p *engine.Packet) {
		o.Observe(p)
		names := make([]string, o.fact.path.n)
		for i := range o.fact.path.n {
			names[i] = o.fact.path.p[i].String()
		}
		fmt.Fprintf(w, "%d\t%s\n", p.Number, strings.Join(names, ":"))
	}))
	if err != nil {
		t.Fatal(err)
	}
}
