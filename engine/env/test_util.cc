#include "engine/env/test_util.h"

#include <sys/resource.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace lsm {

std::string NewTestTempDir(std::string_view prefix) {
  const char* base = std::getenv("TEST_TMPDIR");
  if (base == nullptr || base[0] == '\0') base = std::getenv("TMPDIR");
  if (base == nullptr || base[0] == '\0') base = "/tmp";
  std::string pattern = std::string(base) + "/" + std::string(prefix) + "-XXXXXX";
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr) {
    std::fprintf(stderr, "mkdtemp(%s): %s\n", pattern.c_str(), std::strerror(errno));
    std::abort();
  }
  return std::string(buf.data());
}

void RemoveDirRecursively(Env* env, const std::string& dir) {
  absl::StatusOr<std::vector<std::string>> children = env->GetChildren(dir);
  if (children.ok()) {
    for (const std::string& name : *children) {
      const std::string path = dir + "/" + name;
      if (!env->RemoveFile(path).ok()) RemoveDirRecursively(env, path);
    }
  }
  env->RemoveDir(dir).IgnoreError();
}

ScopedFileSizeLimit::ScopedFileSizeLimit(uint64_t bytes) {
  saved_handler_ = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit lim;
  if (::getrlimit(RLIMIT_FSIZE, &lim) != 0) {
    std::perror("getrlimit(RLIMIT_FSIZE)");
    std::abort();
  }
  saved_cur_ = lim.rlim_cur;
  lim.rlim_cur = static_cast<rlim_t>(bytes);
  if (::setrlimit(RLIMIT_FSIZE, &lim) != 0) {
    std::perror("setrlimit(RLIMIT_FSIZE)");
    std::abort();
  }
}

ScopedFileSizeLimit::~ScopedFileSizeLimit() {
  struct rlimit lim;
  ::getrlimit(RLIMIT_FSIZE, &lim);
  lim.rlim_cur = static_cast<rlim_t>(saved_cur_);
  ::setrlimit(RLIMIT_FSIZE, &lim);
  std::signal(SIGXFSZ, saved_handler_);
}

}  // namespace lsm
