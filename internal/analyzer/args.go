package analyzer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// An Arg is one argument a tool takes: a field of its input struct, or one
// of its threshold Params.
type Arg struct {
	Name     string       // JSON name
	Help     string       // the field's jsonschema text, or the Param's description
	Type     reflect.Type // the field's type; float64 for a Param
	Required bool         // a field without omitempty
	Param    *Param       // set for a threshold
	index    []int        // field path in the input struct
}

var thresholdsType = reflect.TypeFor[Thresholds]()

// Args returns every argument of t: the input struct's fields (those of
// embedded structs included) in order, then its thresholds.
func (t Tool) Args() []Arg {
	var out []Arg
	var walk func(rt reflect.Type, index []int)
	walk = func(rt reflect.Type, index []int) {
		for i := range rt.NumField() {
			f := rt.Field(i)
			idx := append(slices.Clone(index), i)
			name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
				walk(f.Type, idx)
				continue
			}
			if name == "-" || !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			optional := strings.Contains(opts, "omitempty") || strings.Contains(opts, "omitzero")
			out = append(out, Arg{Name: name, Help: f.Tag.Get("jsonschema"), Type: f.Type, Required: !optional, index: idx})
		}
	}
	walk(t.In, nil)
	for i := range t.Params {
		p := &t.Params[i]
		out = append(out, Arg{Name: p.Name, Help: p.Describe(), Type: reflect.TypeFor[float64](), Param: p})
	}
	return out
}

// NewInput returns a pointer to a new input value of t, its thresholds at
// their defaults.
func (t Tool) NewInput() any {
	v := reflect.New(t.In)
	if f, ok := thresholdsField(v.Elem()); ok {
		f.Set(reflect.ValueOf(NewThresholds(t.Params)))
	}
	return v.Interface()
}

func thresholdsField(v reflect.Value) (reflect.Value, bool) {
	for i := range v.NumField() {
		if v.Type().Field(i).Type == thresholdsType {
			return v.Field(i), true
		}
	}
	return reflect.Value{}, false
}

// Decode builds t's typed input (a pointer, see NewInput) from JSON
// arguments. Its errors name the argument and what it allows, for the
// caller to fix the call: never Go type names.
func (t Tool) Decode(args []byte) (any, error) {
	in := t.NewInput()
	args = bytes.TrimSpace(args)
	if len(args) == 0 || string(args) == "null" {
		return in, t.checkRequired(nil)
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(args, &obj); err != nil {
		return nil, fmt.Errorf("the arguments of %s must be a JSON object of named arguments", t.Name)
	}
	byName := map[string]Arg{}
	for _, a := range t.Args() {
		byName[a.Name] = a
	}
	names := make([]string, 0, len(obj))
	for k := range obj {
		names = append(names, k)
	}
	slices.Sort(names)
	v := reflect.ValueOf(in).Elem()
	for _, name := range names {
		raw := bytes.TrimSpace(obj[name])
		a, ok := byName[name]
		if name == ThresholdsArg && len(t.Params) > 0 {
			if err := t.decodeThresholds(v, raw); err != nil {
				return nil, err
			}
			continue
		}
		if !ok {
			return nil, t.unknownArg(name)
		}
		if string(raw) == "null" {
			delete(obj, name)
			continue
		}
		if a.Param != nil { // a threshold by itself, as the CLI's flags and earlier versions give it
			if err := t.setThreshold(v, *a.Param, name, raw); err != nil {
				return nil, err
			}
			continue
		}
		dst := reflect.New(a.Type)
		if err := json.Unmarshal(raw, dst.Interface()); err != nil {
			return nil, fmt.Errorf("%s must be %s", name, describeType(a.Type))
		}
		v.FieldByIndex(a.index).Set(dst.Elem())
	}
	return in, t.checkRequired(obj)
}

// ThresholdsArg is the JSON argument that holds a tool's thresholds, an
// object of numbers by name ({"burst_min": 7}); on the command line each
// threshold is a flag of its own.
const ThresholdsArg = "thresholds"

// decodeThresholds sets the thresholds given as a JSON object in raw.
func (t Tool) decodeThresholds(v reflect.Value, raw json.RawMessage) error {
	if string(raw) == "null" {
		return nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return fmt.Errorf("%s must be an object of numbers by threshold name, e.g. {%q: %s}", ThresholdsArg, t.Params[0].Name, formatNum(t.Params[0].Default))
	}
	names := slices.Sorted(maps.Keys(obj))
	for _, name := range names {
		i := slices.IndexFunc(t.Params, func(p Param) bool { return p.Name == name })
		if i < 0 {
			return t.unknownThreshold(name)
		}
		if string(bytes.TrimSpace(obj[name])) == "null" { // as a null argument: the default
			continue
		}
		if err := t.setThreshold(v, t.Params[i], name, obj[name]); err != nil {
			return err
		}
	}
	return nil
}

// setThreshold sets threshold p of the input v from its JSON value.
func (t Tool) setThreshold(v reflect.Value, p Param, name string, raw json.RawMessage) error {
	var f float64
	if err := json.Unmarshal(raw, &f); err != nil {
		return fmt.Errorf("%s must be %s", name, p.Range())
	}
	th := v.FieldByIndex(mustThresholds(v))
	ths := th.Interface().(Thresholds)
	if _, err := ths.Set(name, f); err != nil {
		return err
	}
	th.Set(reflect.ValueOf(ths))
	return nil
}

func (t Tool) unknownThreshold(name string) error {
	var names []string
	for _, p := range t.Params {
		names = append(names, p.Name)
	}
	msg := fmt.Sprintf("%s has no threshold %q", t.Name, name)
	if near := closest(name, names); near != "" {
		msg += fmt.Sprintf(" (did you mean %s?)", near)
	}
	return fmt.Errorf("%s; its thresholds are: %s", msg, strings.Join(names, ", "))
}

func mustThresholds(v reflect.Value) []int {
	for i := range v.NumField() {
		if v.Type().Field(i).Type == thresholdsType {
			return []int{i}
		}
	}
	panic("analyzer: input has thresholds but no Thresholds field")
}

func (t Tool) checkRequired(given map[string]json.RawMessage) error {
	for _, a := range t.Args() {
		if _, ok := given[a.Name]; a.Required && !ok {
			return fmt.Errorf("%s is required: %s", a.Name, a.Help)
		}
	}
	return nil
}

func (t Tool) unknownArg(name string) error {
	var names []string
	for _, a := range t.Args() {
		if a.Param == nil {
			names = append(names, a.Name)
		}
	}
	if len(t.Params) > 0 {
		names = append(names, ThresholdsArg)
	}
	msg := fmt.Sprintf("%s has no argument %q", t.Name, name)
	if near := closest(name, names); near != "" {
		msg += fmt.Sprintf(" (did you mean %s?)", near)
	}
	return fmt.Errorf("%s; its arguments are: %s", msg, strings.Join(names, ", "))
}

// closest returns the name nearest to s by edit distance, when it is near
// enough to be a likely typo.
func closest(s string, names []string) string {
	best, bestD := "", len(s)/2+2
	for _, n := range names {
		if d := EditDistance(s, n); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

// EditDistance is the Levenshtein distance between a and b, for "did you
// mean" hints.
func EditDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := 1
			if a[i-1] == b[j-1] {
				c = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+c)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// describeType says in words what a JSON value of type rt must be.
func describeType(rt reflect.Type) string {
	switch rt.Kind() {
	case reflect.Pointer:
		return describeType(rt.Elem())
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "a whole number"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number, 0 or more"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list of " + strings.TrimPrefix(strings.TrimPrefix(describeType(rt.Elem()), "a "), "an ") + "s"
	}
	return "a JSON object"
}

// SetArg sets the argument name of in (a pointer from NewInput) from its
// text form, as a command-line flag gives it: numbers, true/false, lists
// separated by commas.
func (t Tool) SetArg(in any, name, text string) error {
	var arg *Arg
	for _, a := range t.Args() {
		if a.Name == name {
			arg = &a
			break
		}
	}
	if arg == nil {
		return t.unknownArg(name)
	}
	v := reflect.ValueOf(in).Elem()
	if arg.Param != nil {
		f, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
		if err != nil {
			return fmt.Errorf("%s must be %s", name, arg.Param.Range())
		}
		th := v.FieldByIndex(mustThresholds(v)).Interface().(Thresholds)
		_, err = th.Set(name, f)
		return err
	}
	dst := v.FieldByIndex(arg.index)
	if err := setText(dst, text); err != nil {
		return fmt.Errorf("%s must be %s", name, describeType(arg.Type))
	}
	return nil
}

func setText(dst reflect.Value, text string) error {
	switch dst.Kind() {
	case reflect.Pointer:
		p := reflect.New(dst.Type().Elem())
		if err := setText(p.Elem(), text); err != nil {
			return err
		}
		dst.Set(p)
	case reflect.String:
		dst.SetString(text)
	case reflect.Bool:
		b, err := strconv.ParseBool(text)
		if err != nil {
			return err
		}
		dst.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(strings.TrimSpace(text), 0, dst.Type().Bits())
		if err != nil {
			return err
		}
		dst.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, err := strconv.ParseUint(strings.TrimSpace(text), 0, dst.Type().Bits())
		if err != nil {
			return err
		}
		dst.SetUint(n)
	case reflect.Float32, reflect.Float64:
		f, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
		if err != nil {
			return err
		}
		dst.SetFloat(f)
	case reflect.Slice:
		out := reflect.MakeSlice(dst.Type(), 0, 4)
		for _, part := range strings.Split(text, ",") {
			if part = strings.TrimSpace(part); part == "" {
				continue
			}
			e := reflect.New(dst.Type().Elem()).Elem()
			if err := setText(e, part); err != nil {
				return err
			}
			out = reflect.Append(out, e)
		}
		dst.Set(reflect.AppendSlice(dst, out))
	default:
		return fmt.Errorf("unsupported")
	}
	return nil
}
