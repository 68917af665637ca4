// An Env whose files live in memory, for fast tests. Files, directories and
// locks behave as on POSIX, with the same error codes and messages (see
// posix_error.h):
//   - a directory must exist (CreateDir) before files are made in it; "/" and
//     "" (the current directory of a relative path) always exist;
//   - a file is a shared, reference-counted byte string: a removed or renamed
//     file stays readable through handles already open, and NewWritableFile
//     on an existing file truncates it in place (as O_TRUNC does);
//   - writes are visible to readers as soon as Append returns; Flush, Sync
//     and SyncDir only check their argument (nothing is ever lost: use
//     FaultInjectionEnv over a MemEnv to model power loss);
//   - LockFile fails with FailedPrecondition while the path is locked
//     through this Env.
// Paths are normalized by collapsing repeated '/' and dropping a trailing '/';
// "." and ".." components are not interpreted.
// Background threads, StartThread, the clock and sleeping are those of the
// base Env.
//
// Thread safety: safe for concurrent use, like every Env.
#ifndef LSM_ENGINE_ENV_MEM_ENV_H_
#define LSM_ENGINE_ENV_MEM_ENV_H_

#include <memory>

#include "lsm/env.h"

namespace lsm {

// A new, empty in-memory Env. base_env (Env::Default() when nullptr) must
// outlive it.
std::unique_ptr<Env> NewMemEnv(Env* base_env);

}  // namespace lsm

#endif  // LSM_ENGINE_ENV_MEM_ENV_H_
