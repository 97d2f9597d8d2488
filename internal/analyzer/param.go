package analyzer

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Param declares one numeric argument that tunes a detector: a threshold.
// It is written once, in the detector's file; the input schema's field text,
// the validation error, the CLI flag and the module README's threshold table
// all come from it.
type Param struct {
	Name     string  // argument name, snake_case ("tunnel_min_subdomains")
	Detector string  // the finding type it tunes, set by Detectors
	Default  float64 // value when the caller gives none
	Unit     string  // what the value counts or measures ("names", "seconds", "ms", "share")
	Help     string  // what it sets, one phrase
	Min, Max float64 // allowed values, ends included
	Integer  bool    // only whole numbers
}

// Describe is the field text of the input schema and the CLI flag.
func (p Param) Describe() string {
	var b strings.Builder
	if p.Detector != "" {
		b.WriteString(p.Detector + ": ")
	}
	b.WriteString(p.Help)
	fmt.Fprintf(&b, " (default %s", formatNum(p.Default))
	if p.Unit != "" {
		b.WriteString(" " + p.Unit)
	}
	fmt.Fprintf(&b, "; %s)", p.Range())
	return b.String()
}

// SchemaText is the field text of the input schema, whose default,
// minimum and maximum keywords say the rest: "detector: help (unit)".
func (p Param) SchemaText() string {
	t := p.Help
	if p.Detector != "" {
		t = p.Detector + ": " + t
	}
	if p.Unit != "" {
		t += " (" + p.Unit + ")"
	}
	return t
}

// Range says which values are allowed: "1 to 100000", "a whole number from
// 1 to 100000".
func (p Param) Range() string {
	if p.Integer {
		return fmt.Sprintf("a whole number from %s to %s", formatNum(p.Min), formatNum(p.Max))
	}
	return fmt.Sprintf("%s to %s", formatNum(p.Min), formatNum(p.Max))
}

// Check returns an error naming the parameter and its bounds when v is not
// allowed.
func (p Param) Check(v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) || v < p.Min || v > p.Max || (p.Integer && v != math.Trunc(v)) {
		return fmt.Errorf("%s must be %s; got %s", p.Name, p.Range(), formatNum(v))
	}
	return nil
}

func formatNum(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// Thresholds holds the values of a tool's Params for one call: the
// defaults, with what the caller set. Its JSON form is an object of the
// values in declaration order. The zero value has no parameters.
type Thresholds struct {
	params []Param
	vals   []float64
}

// NewThresholds returns the defaults of params.
func NewThresholds(params []Param) Thresholds {
	t := Thresholds{params: params, vals: make([]float64, len(params))}
	for i, p := range params {
		t.vals[i] = p.Default
	}
	return t
}

// Set sets the named parameter, checking its bounds; ok is false when the
// name is not a parameter.
func (t *Thresholds) Set(name string, v float64) (ok bool, err error) {
	for i, p := range t.params {
		if p.Name == name {
			if err := p.Check(v); err != nil {
				return true, err
			}
			t.vals[i] = v
			return true, nil
		}
	}
	return false, nil
}

// Get returns the value of p (its default when t does not hold it).
func (t Thresholds) Get(p Param) float64 {
	for i := range t.params {
		if t.params[i].Name == p.Name {
			return t.vals[i]
		}
	}
	return p.Default
}

// Int returns the value of p as an int.
func (t Thresholds) Int(p Param) int { return int(t.Get(p)) }

// Params returns the parameters t holds, in order.
func (t Thresholds) Params() []Param { return t.params }

// MarshalJSON writes the values as an object in declaration order, each
// number as encoding/json writes a float64.
func (t Thresholds) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 2+len(t.params)*32)
	b = append(b, '{')
	for i, p := range t.params {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, p.Name...) // snake_case: nothing to escape (NewRegistry checks)
		b = append(b, '"', ':')
		b = appendFloat(b, t.vals[i])
	}
	return append(b, '}'), nil
}

// appendFloat formats v as encoding/json formats a float64.
func appendFloat(b []byte, v float64) []byte {
	format := byte('f')
	if a := math.Abs(v); a != 0 && (a < 1e-6 || a >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, v, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// ThresholdTable renders params as the Markdown table of a module README:
// one row per parameter with its detector, default, unit, bounds and help.
func ThresholdTable(params []Param) string {
	var b strings.Builder
	b.WriteString("| threshold | detector | default | unit | allowed | what it sets |\n")
	b.WriteString("| --- | --- | --- | --- | --- | --- |\n")
	for _, p := range params {
		fmt.Fprintf(&b, "| `%s` | `%s` | %s | %s | %s | %s |\n", p.Name, p.Detector, formatNum(p.Default), p.Unit, p.Range(), p.Help)
	}
	return b.String()
}
