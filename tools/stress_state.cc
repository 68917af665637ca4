#include "tools/stress_state.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "engine/util/coding.h"
#include "tools/tool_util.h"

namespace lsm::tools {

namespace {

constexpr char kMagic[8] = {'L', 'S', 'M', 'S', 'T', 'R', 'S', '1'};
constexpr uint32_t kFormat = 1;

absl::Status ErrnoError(const std::string& what, int err) {
  return absl::InternalError(absl::StrCat(what, ": ", std::strerror(err)));
}

uint64_t SplitMix(uint64_t* s) {
  uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

}  // namespace

std::string DescribeState(uint32_t state) {
  if (state == 0) return "never written";
  if (state & kDeletedBit) return absl::StrCat("deleted@v", VersionOf(state));
  return absl::StrCat("v", state);
}

uint32_t MinKeySize(uint64_t num_keys) {
  uint32_t digits = 1;
  for (uint64_t largest = num_keys > 0 ? num_keys - 1 : 0; largest >= 10; largest /= 10) ++digits;
  return digits;
}

std::string StressKey(uint64_t index, uint32_t key_size) {
  std::string key(key_size, '0');
  for (size_t i = key_size; i > 0 && index > 0; --i, index /= 10) {
    key[i - 1] = static_cast<char>('0' + index % 10);
  }
  return key;
}

bool ParseStressKey(std::string_view key, const StressShape& shape, uint64_t* index) {
  if (key.size() != shape.key_size) return false;
  uint64_t v = 0;
  for (const char c : key) {
    if (c < '0' || c > '9') return false;
    if (v > (UINT64_MAX - 9) / 10) return false;
    v = v * 10 + (c - '0');
  }
  if (v >= shape.num_keys) return false;
  *index = v;
  return true;
}

std::string StressValue(uint64_t index, uint32_t version, uint32_t value_size) {
  std::string v;
  v.reserve(value_size);
  PutFixed32(&v, version);
  PutFixed32(&v, static_cast<uint32_t>(index));
  uint64_t seed = (index << 32) ^ version ^ 0x5bd1e995ull;
  while (v.size() < value_size) {
    uint64_t r = SplitMix(&seed);
    for (int i = 0; i < 8 && v.size() < value_size; ++i, r >>= 8) {
      v.push_back(static_cast<char>('a' + (r & 0xff) % 26));
    }
  }
  return v;
}

std::string DescribeValue(std::string_view value, const StressShape& shape) {
  if (value.size() != shape.value_size || value.size() < 8) {
    std::string_view head = value.substr(0, 24);
    return absl::StrCat("a ", value.size(), "-byte value lsm-stress never writes ('",
                        EscapeBytes(head), value.size() > head.size() ? "...')" : "')");
  }
  const uint32_t version = DecodeFixed32(value.data());
  const uint32_t index = DecodeFixed32(value.data() + 4);
  if (index < shape.num_keys && StressValue(index, version, shape.value_size) == value) {
    return absl::StrCat("v", version, " of key ", StressKey(index, shape.key_size));
  }
  return absl::StrCat("a damaged value (its header says v", version, " of key index ", index,
                      ")");
}

absl::StatusOr<std::unique_ptr<ExpectedState>> ExpectedState::CreateInMemory(
    const StressShape& shape) {
  const size_t size = kHeaderSize + shape.num_keys * 8;
  void* base = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (base == MAP_FAILED) return ErrnoError("mmap of the expected state", errno);
  return std::unique_ptr<ExpectedState>(
      new ExpectedState(shape, "", -1, static_cast<char*>(base), size));
}

absl::StatusOr<std::unique_ptr<ExpectedState>> ExpectedState::Open(const std::string& dir,
                                                                   const StressShape& shape,
                                                                   bool create, bool* created) {
  *created = false;
  const std::string path = absl::StrCat(dir, "/", kFileName);
  struct stat st;
  if (stat(dir.c_str(), &st) != 0) {
    if (!create) return absl::NotFoundError(absl::StrCat(dir, ": no such directory"));
    if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
      return ErrnoError(absl::StrCat("mkdir ", dir), errno);
    }
  } else if (!S_ISDIR(st.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat(dir, ": not a directory"));
  }

  const bool exists = access(path.c_str(), F_OK) == 0;
  if (!exists && !create) {
    return absl::NotFoundError(absl::StrCat(path, ": no expected state (run without "
                                                  "--verify_only first)"));
  }
  if (!exists) {
    // Written under a temporary name and renamed, so a kill at any point
    // leaves either no file or a whole one.
    const std::string tmp = path + ".tmp";
    const int tfd = open(tmp.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (tfd < 0) return ErrnoError(absl::StrCat("open ", tmp), errno);
    std::string header(kMagic, sizeof(kMagic));
    PutFixed32(&header, kFormat);
    PutFixed32(&header, shape.key_size);
    PutFixed32(&header, shape.value_size);
    PutFixed32(&header, 0);
    PutFixed64(&header, shape.num_keys);
    header.resize(kHeaderSize, '\0');
    const bool ok = ftruncate(tfd, kHeaderSize + shape.num_keys * 8) == 0 &&
                    pwrite(tfd, header.data(), header.size(), 0) ==
                        static_cast<ssize_t>(header.size());
    const int err = errno;
    close(tfd);
    if (!ok) return ErrnoError(absl::StrCat("write ", tmp), err);
    if (rename(tmp.c_str(), path.c_str()) != 0) {
      return ErrnoError(absl::StrCat("rename to ", path), errno);
    }
    *created = true;
  }

  const int fd = open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return ErrnoError(absl::StrCat("open ", path), errno);
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    close(fd);
    if (err == EWOULDBLOCK) {
      return absl::FailedPreconditionError(
          absl::StrCat(path, ": in use by another lsm-stress process"));
    }
    return ErrnoError(absl::StrCat("flock ", path), err);
  }
  auto fail = [fd](absl::Status s) {
    close(fd);
    return s;
  };

  StressShape actual = shape;
  if (fstat(fd, &st) != 0) return fail(ErrnoError(absl::StrCat("fstat ", path), errno));
  {
    char header[32];
    if (st.st_size < static_cast<off_t>(kHeaderSize) ||
        pread(fd, header, sizeof(header), 0) != sizeof(header) ||
        std::memcmp(header, kMagic, sizeof(kMagic)) != 0 ||
        DecodeFixed32(header + 8) != kFormat) {
      return fail(absl::InvalidArgumentError(
          absl::StrCat(path, ": not an lsm-stress expected-state file")));
    }
    actual.key_size = DecodeFixed32(header + 12);
    actual.value_size = DecodeFixed32(header + 16);
    actual.num_keys = DecodeFixed64(header + 24);
    if (actual.num_keys == 0 || actual.value_size < 8 ||
        actual.key_size < MinKeySize(actual.num_keys) || actual.key_size > (64 << 10) ||
        actual.num_keys > (uint64_t{1} << 32) ||
        static_cast<uint64_t>(st.st_size) != kHeaderSize + actual.num_keys * 8) {
      return fail(absl::InvalidArgumentError(
          absl::StrCat(path, ": damaged expected-state file (header and size disagree)")));
    }
  }
  const size_t size = kHeaderSize + actual.num_keys * 8;
  void* base = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (base == MAP_FAILED) return fail(ErrnoError(absl::StrCat("mmap ", path), errno));
  return std::unique_ptr<ExpectedState>(
      new ExpectedState(actual, path, fd, static_cast<char*>(base), size));
}

ExpectedState::~ExpectedState() {
  munmap(base_, size_);
  if (fd_ >= 0) close(fd_);  // releases the flock
}

}  // namespace lsm::tools
