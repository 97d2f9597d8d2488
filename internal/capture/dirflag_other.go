//go:build !unix

package capture

// dirFlag: Windows has no O_DIRECTORY; reading a non-directory's entries
// fails instead, and Windows has no FIFOs in the file system to block on.
const dirFlag = 0
