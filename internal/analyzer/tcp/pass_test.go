package tcp

import (
	"path/filepath"
	"testing"

	"github.com/mcpacket/mcpacket/internal/dissect"
	"github.com/mcpacket/mcpacket/internal/modkit"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// passCaptures are the captures the module's tests run on: the generated
// TCP captures, the repository's TCP captures, and the corpus when given.
func passCaptures(t *testing.T) []string {
	files, _ := filepath.Glob(filepath.Join(pcaptest.Root(t), "testdata", "gen", "tcp-*.pcap"))
	more, _ := filepath.Glob(filepath.Join(pcaptest.Root(t), "testdata", "tcp-*"))
	files = append(files, more...)
	if len(files) < 15 {
		t.Fatalf("%d TCP captures in testdata", len(files))
	}
	if dir, ok := pcaptest.CorpusDir(t); ok {
		for _, s := range pcaptest.CorpusSummaries(t, dir) {
			if s.Counts["tcp"] > 0 {
				files = append(files, filepath.Join(dir, s.File))
			}
		}
	}
	return files
}

// TestPass checks that the shared pass tells what analyze_tcp_anomalies
// tells with its default arguments: the same statistics and findings.
func TestPass(t *testing.T) {
	pcaptest.CheckBrief(t, New(Options{}), passCaptures(t), func(t *testing.T, file string) modkit.Brief {
		out := anomalies(t, AnomaliesInput{Common: Common{PcapFile: file}})
		return modkit.Brief{Module: "tcp", Summary: out.Statistics, Findings: out.Anomalies}
	})
}

// The analysis flags keep dissect's bit order, which filters rely on.
func TestAnnotatorFlagOrder(t *testing.T) {
	for i, n := range flagNames {
		if dissect.TCPAnalysisNames[i] != n {
			t.Fatalf("flag %d: tcp names it %s, dissect %s", i, n, dissect.TCPAnalysisNames[i])
		}
	}
	if len(flagNames) != len(dissect.TCPAnalysisNames) {
		t.Fatalf("tcp has %d flags, dissect %d", len(flagNames), len(dissect.TCPAnalysisNames))
	}
}
