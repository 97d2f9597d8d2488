//go:build !unix

package capture

import (
	"fmt"
	"os"
	"path/filepath"
)

// dirFlag: Windows has no O_DIRECTORY; reading a non-directory's entries
// fails instead, and Windows has no FIFOs in the file system to block on.
const dirFlag = 0

// fileIdentity names a file's present contents by its absolute path, size
// and modification time (no inode here), or "" when it cannot.
func fileIdentity(f *os.File, st os.FileInfo) string {
	abs, err := filepath.Abs(f.Name())
	if err != nil || st.ModTime().IsZero() {
		return ""
	}
	return fmt.Sprintf("file %q size %d mtime %d", abs, st.Size(), st.ModTime().UnixNano())
}
