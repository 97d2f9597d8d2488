package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"
)

// The tools/list budget: what every tool definition costs a model on every
// turn. The ten tools of the first wave and the overview must fit in these
// (compact JSON of the result, as the server sends it).
const (
	maxToolsList           = 60_000 // with output schemas
	maxToolsListNoOutputs  = 16_000 // without them, as clients that ignore outputSchema see it
	firstWaveAndOverview   = "analyze_overview analyze_capinfos list_captures analyze_dhcp_packets analyze_dns_packets analyze_icmp_packets analyze_sip_packets analyze_tcp_connections analyze_tcp_anomalies analyze_tcp_retransmissions analyze_traffic_flow"
	maxToolDescriptionSize = 400
)

// TestToolsListSize speaks MCP over the binary's stdio, byte for byte as a
// client does, and measures the tools/list result: the whole list, the
// list without output schemas, for the first wave's tools and the overview.
// It also checks every input schema is portable: no property has a type
// array (["null", T]), which some clients reject or warn about.
func TestToolsListSize(t *testing.T) {
	bin := build(t)
	cmd := exec.CommandContext(t.Context(), bin)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	for _, msg := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"size","version":"1"}}}`,
		`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
		`{"jsonrpc":"2.0","id":2,"method":"tools/list"}`,
	} {
		io.WriteString(stdin, msg+"\n")
	}
	lines := bufio.NewScanner(stdout)
	lines.Buffer(nil, 1<<24)
	var raw json.RawMessage
	deadline := time.AfterFunc(30*time.Second, func() { cmd.Process.Kill() })
	defer deadline.Stop()
	for lines.Scan() {
		var resp struct {
			ID     int             `json:"id"`
			Result json.RawMessage `json:"result"`
		}
		if json.Unmarshal(lines.Bytes(), &resp) == nil && resp.ID == 2 {
			raw = resp.Result
			break
		}
	}
	if raw == nil {
		t.Fatal("no tools/list response")
	}
	var list struct {
		Tools []map[string]json.RawMessage `json:"tools"`
	}
	if err := json.Unmarshal(raw, &list); err != nil {
		t.Fatal(err)
	}
	want := strings.Fields(firstWaveAndOverview)
	var with, without []map[string]json.RawMessage
	for _, tl := range list.Tools {
		var name, desc string
		json.Unmarshal(tl["name"], &name)
		json.Unmarshal(tl["description"], &desc)
		if len(desc) > maxToolDescriptionSize {
			t.Errorf("%s: description of %d bytes, over %d: %s", name, len(desc), maxToolDescriptionSize, desc)
		}
		if typeArrays(tl["inputSchema"]) {
			t.Errorf("%s: its input schema has a type array (not portable): %s", name, tl["inputSchema"])
		}
		if !slices.Contains(want, name) {
			continue
		}
		with = append(with, tl)
		no := map[string]json.RawMessage{}
		for k, v := range tl {
			if k != "outputSchema" {
				no[k] = v
			}
		}
		without = append(without, no)
	}
	if len(with) != len(want) {
		t.Fatalf("tools/list holds %d of the %d tools measured", len(with), len(want))
	}
	size := func(tools []map[string]json.RawMessage) int {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		enc.Encode(map[string]any{"tools": tools})
		return b.Len() - 1
	}
	full, lean := size(with), size(without)
	t.Logf("tools/list of %d tools: %d bytes, %d without output schemas", len(with), full, lean)
	if full > maxToolsList {
		t.Errorf("tools/list is %d bytes, over %d", full, maxToolsList)
	}
	if lean > maxToolsListNoOutputs {
		t.Errorf("tools/list without output schemas is %d bytes, over %d", lean, maxToolsListNoOutputs)
	}
}

// typeArrays reports whether a schema has a "type" that is a list anywhere.
func typeArrays(raw json.RawMessage) bool {
	var v any
	json.Unmarshal(raw, &v)
	var walk func(v any) bool
	walk = func(v any) bool {
		switch x := v.(type) {
		case map[string]any:
			if _, ok := x["type"].([]any); ok {
				return true
			}
			for _, e := range x {
				if walk(e) {
					return true
				}
			}
		case []any:
			for _, e := range x {
				if walk(e) {
					return true
				}
			}
		}
		return false
	}
	return walk(v)
}
