//go:build unix

package capture

import "syscall"

// dirFlag makes opening a directory fail on anything else (a FIFO or device
// swapped in), so List never blocks on one.
const dirFlag = syscall.O_DIRECTORY
