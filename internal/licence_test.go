package internal_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// permissive are the licences a bundled third-party capture may have.
var permissive = []string{"BSD-2-Clause", "BSD-3-Clause", "MIT", "Apache-2.0", "Unlicense"}

// TestBundledCapturesListed checks that every third-party capture in the
// repository is listed, with a permissive licence, in the README.md of its
// directory (NOTICE points there). Generated captures (gen/) and fuzz
// inputs are the repository's own.
func TestBundledCapturesListed(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	err = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if name == "gen" || name == "fuzz" || name == "node_modules" || name == ".git" || path == filepath.Join(root, "bench", "out") {
				return filepath.SkipDir
			}
			return nil
		}
		if !isCapture(name) {
			return nil
		}
		checked++
		readme, err := os.ReadFile(filepath.Join(filepath.Dir(path), "README.md"))
		if err != nil {
			t.Errorf("%s: no README.md beside it to name its source and licence", path)
			return nil
		}
		for _, line := range strings.Split(string(readme), "\n") {
			if !strings.Contains(line, name) {
				continue
			}
			for _, l := range permissive {
				if strings.Contains(line, l) {
					return nil
				}
			}
		}
		t.Errorf("%s: not listed with a permissive licence (%s) in its README.md", path, strings.Join(permissive, ", "))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 20 {
		t.Errorf("checked %d captures; the walk found too few", checked)
	}
}

func isCapture(name string) bool {
	for _, ext := range []string{".pcap", ".pcapng", ".pcap.gz", ".pcapng.gz"} {
		if strings.HasSuffix(name, ext) {
			return true
		}
	}
	return false
}
