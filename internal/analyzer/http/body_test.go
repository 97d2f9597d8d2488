package http

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// TestDigestHashPrograms checks that a brief's digest (hashPrograms) gives a
// program's or script's body the same hashes as the tool's (hashAll), however
// the body arrives in pieces, and no hash to any other body; the head and
// size are the same under both.
func TestDigestHashPrograms(t *testing.T) {
	prog := append([]byte("\x7fELF\x02\x01\x01"), bytes.Repeat([]byte{0x90, 0x31, 0xc0}, 700)...)
	bodies := map[string][]byte{
		"elf":          prog,
		"pe":           append(append([]byte("MZ"), make([]byte, 0x3a)...), append([]byte{0x80, 0, 0, 0}, append(make([]byte, 0x40), []byte("PE\x00\x00rest of the program")...)...)...),
		"short script": []byte("#!/bin/sh\nrm -rf /tmp/x\n"),
		"html":         bytes.Repeat([]byte("<html><body>hello</body></html>\n"), 40),
		"short text":   []byte("hello"),
		"exactly head": append([]byte("#!"), bytes.Repeat([]byte("x"), sniffBytes-2)...),
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for name, body := range bodies {
		for split := range 20 {
			all, progs := newDigest(hashAll), newDigest(hashPrograms)
			for rest := body; len(rest) > 0; {
				n := len(rest)
				if split > 0 {
					n = min(n, 1+rng.IntN(split*40))
				}
				all.Write(rest[:n])
				progs.Write(rest[:n])
				rest = rest[n:]
			}
			sha, md := all.sums()
			psha, pmd := progs.sums()
			if executable(sniff(all.head)) {
				if psha != sha || pmd != md {
					t.Errorf("%s (split %d): hashPrograms %s %s, hashAll %s %s", name, split, psha, pmd, sha, md)
				}
			} else if psha != "" || pmd != "" {
				t.Errorf("%s (split %d): hashPrograms hashed a %s body", name, split, sniff(all.head))
			}
			if !bytes.Equal(progs.head, all.head) || progs.size != all.size {
				t.Errorf("%s (split %d): head or size differ", name, split)
			}
		}
	}
	if !executable(sniff(bodies["pe"])) || !executable(sniff(bodies["short script"])) || executable(sniff(bodies["html"])) {
		t.Fatal("the bodies do not sniff as the test expects")
	}
}
