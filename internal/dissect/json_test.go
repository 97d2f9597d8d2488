package dissect

import (
	"bytes"
	"encoding/hex"
	"os"
	"strings"
	"testing"
)

// TestJSONWholeAgainstTshark checks JSONWhole on the bodies whose fate
// under tshark 4.0.17's JSON dissector testdata/json-tshark.txt records:
// nesting at the recursion bound, white space inside numbers and escapes,
// top-level scalars, trailing bytes, several texts, control bytes.
func TestJSONWholeAgainstTshark(t *testing.T) {
	b, err := os.ReadFile("testdata/json-tshark.txt")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, l := range strings.Split(string(b), "\n") {
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		verdict, hx, _ := strings.Cut(l, " ")
		body, err := hex.DecodeString(hx)
		if err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		if got, want := JSONWhole(body), verdict == "v"; got != want {
			t.Errorf("%q: JSONWhole %v, tshark takes it whole: %v", body, got, want)
		}
		n++
	}
	if n < 150 {
		t.Fatalf("%d cases read", n)
	}
}

// FuzzJSONWhole: any bytes, no panic; a valid text stays valid with white
// space around it, and no text is valid with a byte that is not white
// space after it.
func FuzzJSONWhole(f *testing.F) {
	for _, s := range []string{`{"a":1}`, `[1 2]`, `{"a":"\ u0041"}`, `[[[[]]]]`, `{"a":-0.5E+3,"b":[true,null,NaN]}`, `[1][2]`, `"x"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ok := JSONWhole(b)
		if ok && len(b) > 0 {
			if !JSONWhole(append(append([]byte(" \r\n"), b...), '\t')) {
				t.Fatalf("%q is whole, not with white space around it", b)
			}
			if JSONWhole(append(bytes.Clone(b), 'x')) {
				t.Fatalf("%q is whole with an x after it", b)
			}
		}
	})
}
