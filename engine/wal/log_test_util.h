// In-memory files for the WAL tests: a WritableFile that appends to a
// std::string and a SequentialFile that reads one. Test-only.
//
// Thread safety: one thread at a time.
#ifndef LSM_ENGINE_WAL_LOG_TEST_UTIL_H_
#define LSM_ENGINE_WAL_LOG_TEST_UTIL_H_

#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "lsm/env.h"

namespace lsm::log {

class StringSink : public WritableFile {
 public:
  absl::Status Append(std::string_view data) override {
    if (fail_) return absl::UnavailableError("injected append failure");
    ++appends;
    contents.append(data.data(), data.size());
    return absl::OkStatus();
  }
  absl::Status Flush() override {
    ++flushes;
    return absl::OkStatus();
  }
  absl::Status Sync() override {
    ++syncs;
    return absl::OkStatus();
  }
  absl::Status Close() override { return absl::OkStatus(); }

  void set_fail(bool fail) { fail_ = fail; }

  std::string contents;
  int appends = 0;
  int flushes = 0;
  int syncs = 0;

 private:
  bool fail_ = false;
};

// Reads a string. With zero_copy, results point into the string itself
// rather than into scratch (both are allowed by SequentialFile). Reading
// past fail_at_ bytes fails with an I/O error.
class StringSource : public SequentialFile {
 public:
  explicit StringSource(std::string_view data, bool zero_copy = false,
                        size_t fail_at = std::string::npos)
      : data_(data), zero_copy_(zero_copy), fail_at_(fail_at) {}

  absl::Status Read(size_t n, std::string_view* result, char* scratch) override {
    if (pos_ + n > fail_at_ && pos_ < data_.size()) {
      return absl::UnavailableError("injected read failure");
    }
    const size_t k = std::min(n, data_.size() - pos_);
    if (zero_copy_) {
      *result = data_.substr(pos_, k);
    } else {
      if (k > 0) std::memcpy(scratch, data_.data() + pos_, k);
      *result = std::string_view(scratch, k);
    }
    pos_ += k;
    return absl::OkStatus();
  }
  absl::Status Skip(uint64_t n) override {
    pos_ = static_cast<size_t>(std::min<uint64_t>(data_.size(), pos_ + n));
    return absl::OkStatus();
  }

 private:
  std::string_view data_;
  size_t pos_ = 0;
  bool zero_copy_;
  size_t fail_at_;
};

}  // namespace lsm::log

#endif  // LSM_ENGINE_WAL_LOG_TEST_UTIL_H_
