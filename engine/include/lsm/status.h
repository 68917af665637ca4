// Errors are absl::Status values with canonical codes (DESIGN.md):
//   NotFound            the key is absent
//   InvalidArgument     bad input (oversized key, bad option, bad path)
//   DataLoss            corruption detected (checksum, framing, format)
//   FailedPrecondition  the DB is locked by another process, or error_if_exists
//   ResourceExhausted   disk full (ENOSPC)
//   Unavailable/Internal  I/O error
#ifndef LSM_STATUS_H_
#define LSM_STATUS_H_

#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace lsm {

// Debian's abseil has its own absl::string_view (not an alias of
// std::string_view); these convert at the boundary without copying.
inline absl::string_view ToAbsl(std::string_view s) { return absl::string_view(s.data(), s.size()); }
inline std::string_view ToStd(absl::string_view s) { return std::string_view(s.data(), s.size()); }

}  // namespace lsm

#endif  // LSM_STATUS_H_
