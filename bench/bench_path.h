// Where the micro benchmarks put the files they write: $LSM_BENCH_DIR, else
// the directory `bazel run` was started from, else the current directory.
// Files on the real disk, not /tmp (often a tmpfs, where fdatasync is free).
#ifndef LSM_BENCH_BENCH_PATH_H_
#define LSM_BENCH_BENCH_PATH_H_

#include <cstdlib>
#include <string>

namespace lsm {

inline std::string BenchPath(const char* name) {
  const char* dir = std::getenv("LSM_BENCH_DIR");
  if (dir == nullptr) dir = std::getenv("BUILD_WORKING_DIRECTORY");
  return std::string(dir != nullptr ? dir : ".") + "/" + name;
}

}  // namespace lsm

#endif  // LSM_BENCH_BENCH_PATH_H_
