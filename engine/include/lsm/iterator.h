// An Iterator yields a sequence of key/value pairs in key order, forward and
// backward. key() and value() are valid until the next change of position.
//
// Thread safety: one thread at a time. Const methods may be called from several
// threads only when no thread calls a non-const method.
#ifndef LSM_ITERATOR_H_
#define LSM_ITERATOR_H_

#include <string_view>

#include "absl/status/status.h"

namespace lsm {

class Iterator {
 public:
  Iterator() = default;
  Iterator(const Iterator&) = delete;
  Iterator& operator=(const Iterator&) = delete;
  virtual ~Iterator() = default;

  // True when positioned at an entry. False at either end, or after an error
  // (then status() tells which).
  virtual bool Valid() const = 0;
  virtual void SeekToFirst() = 0;
  virtual void SeekToLast() = 0;
  // First entry with key >= target.
  virtual void Seek(std::string_view target) = 0;
  // Last entry with key <= target.
  virtual void SeekForPrev(std::string_view target) = 0;
  // REQUIRES: Valid()
  virtual void Next() = 0;
  // REQUIRES: Valid()
  virtual void Prev() = 0;
  // REQUIRES: Valid()
  virtual std::string_view key() const = 0;
  // REQUIRES: Valid()
  virtual std::string_view value() const = 0;
  virtual absl::Status status() const = 0;
};

}  // namespace lsm

#endif  // LSM_ITERATOR_H_
