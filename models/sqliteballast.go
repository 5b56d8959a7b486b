package models

import (
	"sync"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"
)

// The SQLite driver's C allocator (modernc.org/memory) keeps small blocks
// in 64 KiB pages, one size class a page, and unmaps a page as soon as its
// last block is freed. A statement whose buffers are the only blocks of
// their size class, or a connection whose page cache is cleared (in WAL
// mode, whenever another connection wrote), then costs an mmap and an
// munmap per page each time: together over half of a message append's CPU
// in a profile. A block kept for the life of the process in each of a few
// pages of every class keeps those pages mapped, and the statements' and
// caches' blocks come and go inside them.
var ballastOnce sync.Once

const (
	// ballastMinLog and ballastMaxLog are the size classes the allocator
	// pages: 16 B to 16 KiB.
	ballastMinLog = 4
	ballastMaxLog = 14
	// cachePageLog is the class of a page-cache entry (a 4 KiB database
	// page with its header), of which each connection holds hundreds.
	cachePageLog = 13
	// allocatorPage is the allocator's page size; a block's page is its
	// address rounded down to it.
	allocatorPage = 64 << 10
)

// keepAllocatorPages maps the ballast once per process; it is never freed.
func keepAllocatorPages() {
	ballastOnce.Do(func() {
		tls := libc.NewTLS()
		defer tls.Close()
		for log := ballastMinLog; log <= ballastMaxLog; log++ {
			pages := 4
			if log == cachePageLog {
				pages = 128
			}
			keepPages(tls, log, pages)
		}
	})
}

// keepPages allocates blocks of class log until they span pages allocator
// pages, then frees all but one block of each page: the pages stay mapped
// and their free blocks serve later allocations.
func keepPages(tls *libc.TLS, log, pages int) {
	// Below the class's size by SQLite's own size header and alignment.
	size := max(int32(1)<<log-16, 8)
	kept := map[uintptr]bool{}
	var spare []uintptr
	for len(kept) < pages {
		p := sqlite3.Xsqlite3_malloc(tls, size)
		if p == 0 {
			break
		}
		if page := p &^ (allocatorPage - 1); !kept[page] {
			kept[page] = true
			continue
		}
		spare = append(spare, p)
	}
	for _, p := range spare {
		sqlite3.Xsqlite3_free(tls, p)
	}
}
