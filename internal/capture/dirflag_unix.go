//go:build unix

package capture

import (
	"fmt"
	"os"
	"syscall"
)

// dirFlag makes opening a directory fail on anything else (a FIFO or device
// swapped in), so List never blocks on one.
const dirFlag = syscall.O_DIRECTORY

// fileIdentity names a regular file's present contents: its device and
// inode, size and modification time (to the nanosecond the file system
// keeps), so a file rewritten, replaced or appended to gets a new one.
func fileIdentity(_ *os.File, st os.FileInfo) string {
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return ""
	}
	return fmt.Sprintf("file dev %d ino %d size %d mtime %d", sys.Dev, sys.Ino, st.Size(), st.ModTime().UnixNano())
}
