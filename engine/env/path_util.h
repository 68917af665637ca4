// Lexical path helpers shared by the in-memory and fault-injecting Envs.
// Nothing here touches the file system; "." and ".." are not interpreted.
//
// Thread safety: pure functions.
#ifndef LSM_ENGINE_ENV_PATH_UTIL_H_
#define LSM_ENGINE_ENV_PATH_UTIL_H_

#include <string>

namespace lsm {

// Collapses repeated '/' and drops a trailing '/': "a//b/" -> "a/b";
// "/" stays "/".
inline std::string NormalizePath(const std::string& path) {
  std::string out;
  out.reserve(path.size());
  for (char c : path) {
    if (c == '/' && !out.empty() && out.back() == '/') continue;
    out.push_back(c);
  }
  if (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

// The directory holding a normalized path: "/a/b" -> "/a", "/a" -> "/",
// "a" -> "" (the current directory).
inline std::string ParentDir(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return "";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// True when normalized path lies strictly inside normalized dir.
inline bool IsUnderDir(const std::string& path, const std::string& dir) {
  if (dir.empty()) return !path.empty() && path[0] != '/';
  if (dir == "/") return path.size() > 1 && path[0] == '/';
  return path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 &&
         path[dir.size()] == '/';
}

}  // namespace lsm

#endif  // LSM_ENGINE_ENV_PATH_UTIL_H_
