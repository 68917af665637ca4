#include "bench/engines/engine.h"

#include <algorithm>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace lsm {
namespace bench {

namespace {

// Function-local so that registrars in other translation units may run
// before or after this file's static initializers.
std::map<std::string, EngineFactory, std::less<>>& Registry() {
  static auto* registry = new std::map<std::string, EngineFactory, std::less<>>();
  return *registry;
}

}  // namespace

EngineRegistrar::EngineRegistrar(std::string_view name, EngineFactory factory) {
  Registry()[std::string(name)] = std::move(factory);
}

absl::StatusOr<std::unique_ptr<Engine>> NewEngine(std::string_view name) {
  auto it = Registry().find(name);
  if (it == Registry().end()) {
    return absl::NotFoundError(absl::StrCat("unknown engine \"", std::string(name),
                                            "\"; built in: ",
                                            absl::StrJoin(RegisteredEngines(), ", ")));
  }
  return it->second();
}

std::vector<std::string> RegisteredEngines() {
  std::vector<std::string> names;
  for (const auto& [name, factory] : Registry()) names.push_back(name);
  return names;
}

}  // namespace bench
}  // namespace lsm
