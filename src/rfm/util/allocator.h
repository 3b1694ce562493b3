// Heap tuning for training: every update frees and reallocates the same large tensors, and glibc
// returns blocks above its mmap threshold to the kernel each time, so the next update pays page
// faults for them again (about half of an update's time at the cpu preset, BENCHMARKS.md). Raising
// the thresholds keeps freed blocks in the heap for reuse.
#pragma once

#include <malloc.h>

namespace rfm {

// Rows per chunk for network passes over very many rows: a 256-wide float32 activation of this
// many rows is 16 MB, below glibc's largest mmap threshold, so chunks reuse heap memory where one
// pass over all rows would map and fault in its activations afresh every time.
constexpr long kRowsPerHeapChunk = 16384;

inline void keep_freed_memory_in_heap() {
  mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);  // glibc's largest allowed value
  mallopt(M_TRIM_THRESHOLD, 1024 * 1024 * 1024);
}

}  // namespace rfm
