package models

import (
	"sync"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"
)

// The SQLite driver's C allocator (modernc.org/memory) keeps small blocks
// in 64 KiB pages, one size class a page, and unmaps a page as soon as its
// last block is freed. A statement whose buffers are the only blocks of
// their size class then costs an mmap and an munmap each time it runs: a
// quarter of a message append's CPU in a profile. One block of each class
// kept for the life of the process keeps one page of each class mapped,
// and the statements' blocks come and go inside it.
var ballastOnce sync.Once

// ballastLogs are the size classes the allocator pages: 16 B to 16 KiB.
const (
	ballastMinLog = 4
	ballastMaxLog = 14
)

// keepAllocatorPages allocates the ballast once per process; it is never freed.
func keepAllocatorPages() {
	ballastOnce.Do(func() {
		tls := libc.NewTLS()
		defer tls.Close()
		for log := ballastMinLog; log <= ballastMaxLog; log++ {
			sqlite3.Xsqlite3_malloc(tls, int32(1)<<log-8)
		}
	})
}
