//go:build !linux

package cli

// physicalRAM is the machine's memory in bytes, or 0 when unknown (here).
func physicalRAM() int64 { return 0 }
