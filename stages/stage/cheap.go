package stage

/*
#include <stdlib.h>
*/
import "C"

import "unsafe"

// cHeapBlock is the size of the C memory blocks of a cHeap.
const cHeapBlock = 1 << 20

// cHeap hands out C memory for the strings of one chunk: DuckDB may not be
// given pointers into Go memory. Blocks are kept for the next chunk.
type cHeap struct {
	blocks []unsafe.Pointer // of cHeapBlock bytes, except for large strings
	sizes  []int
	cur    int // block being filled
	off    int // bytes used in it
}

// alloc returns n bytes valid until reset or free.
func (h *cHeap) alloc(n int) unsafe.Pointer {
	for h.cur < len(h.blocks) {
		if h.off+n <= h.sizes[h.cur] {
			p := unsafe.Add(h.blocks[h.cur], h.off)
			h.off += n
			return p
		}
		h.cur++
		h.off = 0
	}
	size := max(n, cHeapBlock)
	p := C.malloc(C.size_t(size))
	if p == nil {
		panic("staging: out of C memory")
	}
	h.blocks = append(h.blocks, p)
	h.sizes = append(h.sizes, size)
	h.cur, h.off = len(h.blocks)-1, n
	return p
}

// reset makes every block free for reuse.
func (h *cHeap) reset() { h.cur, h.off = 0, 0 }

// free returns the blocks to the system.
func (h *cHeap) free() {
	for _, p := range h.blocks {
		C.free(p)
	}
	h.blocks, h.sizes = nil, nil
	h.reset()
}
