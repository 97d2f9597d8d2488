package cli

import (
	"os"
	"strconv"
	"strings"
	"syscall"
)

// physicalRAM is the memory this process may use, in bytes, or 0 when
// unknown: the machine's, or its control group's limit when lower (a
// container's memory limit, cgroup v2 or v1).
func physicalRAM() int64 {
	var si syscall.Sysinfo_t
	if syscall.Sysinfo(&si) != nil {
		return 0
	}
	ram := int64(si.Totalram) * int64(si.Unit)
	for _, f := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		if n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && n > 0 && n < ram {
			ram = n
		}
	}
	return ram
}
