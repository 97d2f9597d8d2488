package main

import (
	"context"
	"strconv"
	"testing"

	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// BenchmarkOverview runs analyze_overview with every module in its pass, as
// the server and the CLI do, on $MCPACKET_BENCH_CAPTURE (a bench-gen
// capture; see bench/). It is skipped without one.
func BenchmarkOverview(b *testing.B) {
	file := pcaptest.EnvFile(b, "MCPACKET_BENCH_CAPTURE", "no bench-gen capture to run the overview on")
	reg, err := registry()
	if err != nil {
		b.Fatal(err)
	}
	tool, ok := reg.Tool("analyze_overview")
	if !ok {
		b.Fatal("no analyze_overview tool")
	}
	env := pcaptest.Env(0)
	args := []byte(`{"pcap_file":` + strconv.Quote(file) + `}`)
	for b.Loop() {
		if _, err := tool.Call(context.Background(), env, args); err != nil {
			b.Fatal(err)
		}
	}
}
