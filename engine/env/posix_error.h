// Maps POSIX errno values to absl::Status with the canonical codes of
// DESIGN.md, so every Env (POSIX, in-memory, fault-injecting) reports the
// same failure the same way:
//
//   ENOENT, ENOTDIR                  NotFound
//   EEXIST                           AlreadyExists
//   ENOSPC, EDQUOT, EMFILE, ENFILE,
//   ENOMEM, EFBIG                    ResourceExhausted
//   EACCES, EPERM, EROFS             PermissionDenied
//   EWOULDBLOCK/EAGAIN, EBUSY,
//   ENOTEMPTY                        FailedPrecondition
//   EINVAL, EISDIR, ENAMETOOLONG,
//   EXDEV, EBADF                     InvalidArgument
//   EIO and everything else          Unavailable
//
// Messages read "<context>: <strerror>", e.g.
// "/db/000012.log: No space left on device".
//
// Thread safety: the functions are thread-safe.
#ifndef LSM_ENGINE_ENV_POSIX_ERROR_H_
#define LSM_ENGINE_ENV_POSIX_ERROR_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace lsm {

// The canonical code for errno value err. REQUIRES: err != 0.
absl::StatusCode ErrnoToStatusCode(int err);

// strerror(err), thread-safe.
std::string ErrnoMessage(int err);

// A status for errno value err observed while working on context (usually a
// path): code from ErrnoToStatusCode, message "<context>: <strerror(err)>".
absl::Status PosixError(std::string_view context, int err);

}  // namespace lsm

#endif  // LSM_ENGINE_ENV_POSIX_ERROR_H_
