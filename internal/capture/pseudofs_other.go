//go:build !linux

package capture

import "os"

// pseudoFS reports whether f lives on a kernel pseudo file system; only
// Linux is checked.
func pseudoFS(*os.File) bool { return false }
