package analyzer

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestThresholdsJSON checks that thresholds marshal in declaration order
// with every number as encoding/json writes a float64.
func TestThresholdsJSON(t *testing.T) {
	vals := []float64{30, 0.3, 1e-7, 2.5e21, -4, 0, 86400, 1.0 / 3}
	var params []Param
	var want strings.Builder
	want.WriteString("{")
	for i, v := range vals {
		name := "p" + string(rune('a'+i))
		params = append(params, Param{Name: name, Default: v, Min: -1e30, Max: 1e30})
		if i > 0 {
			want.WriteString(",")
		}
		b, _ := json.Marshal(v)
		want.WriteString(`"` + name + `":` + string(b))
	}
	want.WriteString("}")
	got, err := json.Marshal(NewThresholds(params))
	if err != nil || string(got) != want.String() {
		t.Errorf("got %s (%v), want %s", got, err, want.String())
	}
}

func TestParamCheck(t *testing.T) {
	p := Param{Name: "n", Min: 1, Max: 10, Integer: true}
	for v, ok := range map[float64]bool{1: true, 10: true, 0: false, 11: false, 2.5: false} {
		if err := p.Check(v); (err == nil) != ok {
			t.Errorf("Check(%v) = %v", v, err)
		}
	}
	if err := p.Check(0); err == nil || err.Error() != "n must be a whole number from 1 to 10; got 0" {
		t.Errorf("message %v", err)
	}
}
