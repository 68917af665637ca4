// The POSIX Env: files through open/read/pread/write/fdatasync, locks through
// flock, a FIFO pool of background threads. Env::Default() returns the
// process-wide instance; NewPosixEnv() makes a private one (its own thread
// pool and in-process lock table), which tests use to start from a known
// state and to play "another process" after fork().
//
// Thread safety: safe for concurrent use (see lsm/env.h).
#ifndef LSM_ENGINE_ENV_POSIX_ENV_H_
#define LSM_ENGINE_ENV_POSIX_ENV_H_

#include <cstddef>
#include <memory>

#include "lsm/env.h"

namespace lsm {

// Size of the user-space buffer of a POSIX WritableFile. Appends of at least
// this size bypass the buffer.
inline constexpr size_t kPosixWritableFileBufferSize = 64 << 10;
// The space a memory-mapped file (WritableFileOptions::mmap_preallocated)
// reserves and maps at a time.
inline constexpr size_t kMmapWritableFileChunk = 1 << 20;

// A new POSIX Env. Its destructor runs the jobs already scheduled, then joins
// its background threads; threads from StartThread are detached and must not
// outlive it if they use it.
std::unique_ptr<Env> NewPosixEnv();

}  // namespace lsm

#endif  // LSM_ENGINE_ENV_POSIX_ENV_H_
