// A Snapshot is a consistent, read-only view of a DB at one sequence number.
// Obtain with DB::GetSnapshot, release with DB::ReleaseSnapshot.
//
// Thread safety: immutable; may be used from any thread.
#ifndef LSM_SNAPSHOT_H_
#define LSM_SNAPSHOT_H_

#include <cstdint>

namespace lsm {

class Snapshot {
 public:
  virtual uint64_t sequence() const = 0;

 protected:
  virtual ~Snapshot() = default;
};

}  // namespace lsm

#endif  // LSM_SNAPSHOT_H_
