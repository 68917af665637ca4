#include "engine/env/posix_error.h"

#include <cerrno>
#include <cstring>

#include "lsm/status.h"

namespace lsm {

namespace {

// strerror_r comes in two flavours (XSI returns int, GNU returns char*);
// overloads pick whichever the C library declares.
[[maybe_unused]] const char* StrerrorResult(int rc, const char* buf) {
  return rc == 0 ? buf : "Unknown error";
}
[[maybe_unused]] const char* StrerrorResult(const char* msg, const char* /*buf*/) { return msg; }

}  // namespace

absl::StatusCode ErrnoToStatusCode(int err) {
  switch (err) {
    case ENOENT:
    case ENOTDIR:
      return absl::StatusCode::kNotFound;
    case EEXIST:
      return absl::StatusCode::kAlreadyExists;
    case ENOSPC:
    case EDQUOT:
    case EMFILE:
    case ENFILE:
    case ENOMEM:
    case EFBIG:
      return absl::StatusCode::kResourceExhausted;
    case EACCES:
    case EPERM:
    case EROFS:
      return absl::StatusCode::kPermissionDenied;
    case EWOULDBLOCK:
#if EAGAIN != EWOULDBLOCK
    case EAGAIN:
#endif
    case EBUSY:
    case ENOTEMPTY:
      return absl::StatusCode::kFailedPrecondition;
    case EINVAL:
    case EISDIR:
    case ENAMETOOLONG:
    case EXDEV:
    case EBADF:
      return absl::StatusCode::kInvalidArgument;
    default:
      return absl::StatusCode::kUnavailable;
  }
}

std::string ErrnoMessage(int err) {
  char buf[256];
  buf[0] = '\0';
  return StrerrorResult(strerror_r(err, buf, sizeof(buf)), buf);
}

absl::Status PosixError(std::string_view context, int err) {
  std::string message(context);
  message += ": ";
  message += ErrnoMessage(err);
  return absl::Status(ErrnoToStatusCode(err), message);
}

}  // namespace lsm
