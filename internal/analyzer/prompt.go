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
