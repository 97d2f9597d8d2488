// Package packaging holds what builds and describes mcpacket's releases
// (MCP Bundle, container image, MCP registry entry); its tests check them.
package packaging

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// TestServerJSON validates the repository's server.json (the MCP registry
// entry) against the registry's schema in testdata, formats asserted, and
// checks it agrees with the Dockerfile: the image label the registry
// verifies, the port the image serves on, the image tag and the version.
func TestServerJSON(t *testing.T) {
	root := pcaptest.Root(t)
	schema := compileSchema(t, filepath.Join("testdata", "server.schema.json"))
	raw, err := os.ReadFile(filepath.Join(root, "server.json"))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if err := schema.Validate(doc); err != nil {
		t.Fatalf("server.json does not validate against the registry schema:\n%v", err)
	}

	// The validator refuses what the schema refuses (else the check above
	// proves nothing): a description over 100 characters, a package
	// without a transport, a remote URL that is not http(s).
	for name, mutate := range map[string]func(m map[string]any){
		"long description": func(m map[string]any) { m["description"] = strings.Repeat("x", 101) },
		"no transport":     func(m map[string]any) { delete(m["packages"].([]any)[0].(map[string]any), "transport") },
		"ftp remote":       func(m map[string]any) { m["remotes"].([]any)[0].(map[string]any)["url"] = "ftp://x/mcp" },
		"latest version":   func(m map[string]any) { m["packages"].([]any)[0].(map[string]any)["version"] = "latest" },
	} {
		var m map[string]any
		json.Unmarshal(raw, &m)
		mutate(m)
		if err := schema.Validate(m); err == nil {
			t.Errorf("%s: the schema accepted it", name)
		}
	}

	var sj struct {
		Schema   string `json:"$schema"`
		Name     string `json:"name"`
		Version  string `json:"version"`
		Packages []struct {
			RegistryType string `json:"registryType"`
			Identifier   string `json:"identifier"`
			Transport    struct{ Type, URL string }
			RuntimeArgs  []struct{ Name, Value string } `json:"runtimeArguments"`
		} `json:"packages"`
		Remotes []struct{ Type, URL string } `json:"remotes"`
	}
	if err := json.Unmarshal(raw, &sj); err != nil {
		t.Fatal(err)
	}
	var id struct {
		ID string `json:"$id"`
	}
	json.Unmarshal(mustRead(t, filepath.Join("testdata", "server.schema.json")), &id)
	if sj.Schema != id.ID {
		t.Errorf("$schema %q, the schema in testdata is %q", sj.Schema, id.ID)
	}
	dockerfile := string(mustRead(t, filepath.Join(root, "Dockerfile")))
	if !strings.Contains(dockerfile, `LABEL io.modelcontextprotocol.server.name="`+sj.Name+`"`) {
		t.Errorf("the Dockerfile does not label the image io.modelcontextprotocol.server.name=%q (the registry checks it)", sj.Name)
	}
	if len(sj.Packages) != 1 || sj.Packages[0].RegistryType != "oci" || !strings.HasSuffix(sj.Packages[0].Identifier, ":"+sj.Version) {
		t.Errorf("want one oci package tagged with the version %s: %+v", sj.Version, sj.Packages)
	} else {
		p := sj.Packages[0]
		if p.Transport.Type != "streamable-http" || !strings.HasSuffix(p.Transport.URL, "/mcp") {
			t.Errorf("package transport %+v, want streamable-http at /mcp", p.Transport)
		}
		port := regexp.MustCompile(`(?m)^EXPOSE (\d+)$`).FindStringSubmatch(dockerfile)
		published := false
		for _, a := range p.RuntimeArgs {
			published = published || (a.Name == "-p" && port != nil && strings.HasSuffix(a.Value, ":"+port[1]))
		}
		if !published {
			t.Errorf("no -p runtime argument publishes the Dockerfile's EXPOSEd port %v", port)
		}
	}
	if len(sj.Remotes) != 1 || sj.Remotes[0].Type != "streamable-http" || !strings.HasSuffix(sj.Remotes[0].URL, "/mcp") {
		t.Errorf("remotes %+v, want one streamable-http remote at /mcp", sj.Remotes)
	}
}

func compileSchema(t *testing.T, path string) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(mustRead(t, path)))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft7)
	c.AssertFormat()
	if err := c.AddResource("server.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("server.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
