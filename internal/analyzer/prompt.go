package analyzer

import "strings"

// CapturePrompt returns a Render function for a prompt template whose
// {{capture}} placeholder names the capture: the pcap_file argument, or an
// instruction to ask the user for one.
func CapturePrompt(tmpl string) func(map[string]string) (string, error) {
	return func(args map[string]string) (string, error) {
		target := "the capture the user names (ask for its path or URL if they have not given it)"
		if f := strings.TrimSpace(args["pcap_file"]); f != "" {
			target = "`" + f + "`"
		}
		return strings.ReplaceAll(tmpl, "{{capture}}", target), nil
	}
}

// CaptureArg is the one argument of a module's analysis prompts: the
// capture, which the prompt asks the user for when it is absent.
var CaptureArg = PromptArg{Name: "pcap_file", Description: "the capture to analyze: a local path or an http(s) URL (optional; ask the user if absent)"}

// PromptSpec is one analysis prompt: name, title, description and a
// template whose {{capture}} names the capture.
type PromptSpec struct{ Name, Title, Description, Template string }

// CapturePrompts builds a module's analysis prompts, each taking the
// capture (CaptureArg) and rendered by CapturePrompt.
func CapturePrompts(specs ...PromptSpec) []Prompt {
	out := make([]Prompt, len(specs))
	for i, s := range specs {
		out[i] = Prompt{Name: s.Name, Title: s.Title, Description: s.Description, Args: []PromptArg{CaptureArg}, Render: CapturePrompt(s.Template)}
	}
	return out
}
