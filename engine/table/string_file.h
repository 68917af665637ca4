// In-memory files over a std::string, for tests and benchmarks of the table
// layer (which must not depend on engine/env): StringSink is a WritableFile
// that appends to a string, StringSource a RandomAccessFile that reads one.
//
// Thread safety: StringSink is used by one thread; StringSource is immutable
// and safe for concurrent reads.
#ifndef LSM_ENGINE_TABLE_STRING_FILE_H_
#define LSM_ENGINE_TABLE_STRING_FILE_H_

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "lsm/env.h"

namespace lsm {

class StringSink final : public WritableFile {
 public:
  explicit StringSink(std::string* contents) : contents_(contents) {}
  absl::Status Append(std::string_view data) override {
    contents_->append(data.data(), data.size());
    return absl::OkStatus();
  }
  absl::Status Flush() override { return absl::OkStatus(); }
  absl::Status Sync() override { return absl::OkStatus(); }
  absl::Status Close() override { return absl::OkStatus(); }

 private:
  std::string* const contents_;
};

class StringSource final : public RandomAccessFile {
 public:
  // copy_to_scratch: fill scratch (as a pread file does) instead of handing
  // out pointers into the string (as an mmap file does).
  explicit StringSource(std::string contents, bool copy_to_scratch = true)
      : contents_(std::move(contents)), copy_(copy_to_scratch) {}

  absl::Status Read(uint64_t offset, size_t n, std::string_view* result,
                    char* scratch) const override {
    if (offset > contents_.size()) {
      return absl::InvalidArgumentError("read past the end of the file");
    }
    const size_t len = std::min<size_t>(n, contents_.size() - offset);
    if (copy_) {
      std::memcpy(scratch, contents_.data() + offset, len);
      *result = std::string_view(scratch, len);
    } else {
      *result = std::string_view(contents_.data() + offset, len);
    }
    return absl::OkStatus();
  }

  // Without copy_to_scratch, the string is the file's memory, as a mapping
  // is: it never changes while the source lives.
  bool ReadsInPlace() const override { return !copy_; }

  // Records the hint, for tests to inspect with readaheads().
  void Readahead(uint64_t offset, size_t n) const override {
    std::lock_guard<std::mutex> l(mu_);
    readaheads_.emplace_back(offset, n);
  }
  std::vector<std::pair<uint64_t, uint64_t>> readaheads() const {
    std::lock_guard<std::mutex> l(mu_);
    return readaheads_;
  }

  const std::string& contents() const { return contents_; }

 private:
  const std::string contents_;
  const bool copy_;
  mutable std::mutex mu_;
  mutable std::vector<std::pair<uint64_t, uint64_t>> readaheads_;  // (offset, n)
};

}  // namespace lsm

#endif  // LSM_ENGINE_TABLE_STRING_FILE_H_
