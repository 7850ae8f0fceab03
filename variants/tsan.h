/*
 * tsan.h — teaching ThreadSanitizer the happens-before edges that
 * ConcurrencyKit and liburcu create with inline assembly it cannot see.
 *
 * Compiled in only under -fsanitize=thread (__SANITIZE_THREAD__); empty
 * otherwise.  Use at each edge a library provides (docs/design.md,
 * "ThreadSanitizer and the libraries' atomics"):
 *   - a lock: SB_TSAN_ACQUIRE(lock) after taking it, SB_TSAN_RELEASE(lock)
 *     before dropping it;
 *   - publication: SB_TSAN_RELEASE(obj) before publishing the pointer,
 *     SB_TSAN_ACQUIRE(obj) after loading it.
 * C11 <stdatomic.h> operations need no annotation: TSan understands them.
 */
#ifndef SNAPBENCH_TSAN_H
#define SNAPBENCH_TSAN_H

#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#define SB_TSAN_ACQUIRE(addr) __tsan_acquire((void *)(addr))
#define SB_TSAN_RELEASE(addr) __tsan_release((void *)(addr))
#else
#define SB_TSAN_ACQUIRE(addr) ((void)(addr))
#define SB_TSAN_RELEASE(addr) ((void)(addr))
#endif

#endif
