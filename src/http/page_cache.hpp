#pragma once
// Whether a file's bytes are in the page cache, asked without blocking: the
// I/O threads send on-demand media with sendfile(), which waits for the disk
// when the bytes are not cached, and every other connection on that thread
// would wait with it. A span that is not cached is read on the disk pool
// first (it is cached after that), then sent from the I/O thread as usual.
#include <sys/types.h>

#include <cstddef>

namespace tidecast::http {

// True when the first and the last page of [offset, offset + length) can be
// read without waiting for the disk (preadv2 RWF_NOWAIT). Sequential reads
// bring the pages between in with them; a false "true" costs one short wait,
// a false "false" one trip through the disk pool.
bool span_cached(int fd, off_t offset, std::size_t length);

// Reads [offset, offset + length) into the page cache (blocking: disk pool
// threads only). False when the file could not be read.
bool load_span(int fd, off_t offset, std::size_t length);

}  // namespace tidecast::http
