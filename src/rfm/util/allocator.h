// Heap tuning for training: every update frees and reallocates the same large tensors, and glibc
// returns blocks above its mmap threshold to the kernel each time, so the next update pays page
// faults for them again (about half of an update's time at the cpu preset, BENCHMARKS.md). Raising
// the thresholds keeps freed blocks in the heap for reuse.
#pragma once

#include <malloc.h>

namespace rfm {

// Rows per chunk for network passes over very many rows: the 256-wide float32 activations of both
// critics (2 × rows × 256 × 4 bytes) are 16 MiB at this many rows, half of glibc's largest mmap
// threshold, so chunks reuse heap memory where one pass over all rows would map and fault in its
// activations afresh every time. (At 16384 rows the twin-critic activations were exactly 32 MiB,
// one header over the threshold: 130k page faults per update at B·K = 64 × 512.)
constexpr long kRowsPerHeapChunk = 8192;

inline void keep_freed_memory_in_heap() {
  mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);  // glibc's largest allowed value
  mallopt(M_TRIM_THRESHOLD, 1024 * 1024 * 1024);
}

}  // namespace rfm
