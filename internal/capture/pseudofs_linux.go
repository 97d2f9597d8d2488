package capture

import (
	"os"
	"syscall"
)

// pseudoFSMagic are the statfs magic numbers of Linux kernel pseudo file
// systems, whose "regular" files are views of kernel state (environment
// variables, memory, keys), never captures.
var pseudoFSMagic = map[int64]bool{
	0x9fa0:     true, // proc
	0x62656572: true, // sysfs
	0x64626720: true, // debugfs
	0x74726163: true, // tracefs
	0x73636673: true, // securityfs
	0x27e0eb:   true, // cgroup
	0x63677270: true, // cgroup2
	0x1cd1:     true, // devpts
	0xcafe4a11: true, // bpf
	0x62656570: true, // configfs
	0xde5e81e4: true, // efivarfs
	0x6165676c: true, // pstore
}

// pseudoFS reports whether f lives on a kernel pseudo file system.
func pseudoFS(f *os.File) bool {
	rc, err := f.SyscallConn()
	if err != nil {
		return false
	}
	var st syscall.Statfs_t
	var serr error
	if err := rc.Control(func(fd uintptr) { serr = syscall.Fstatfs(int(fd), &st) }); err != nil || serr != nil {
		return false
	}
	return pseudoFSMagic[int64(st.Type)]
}
