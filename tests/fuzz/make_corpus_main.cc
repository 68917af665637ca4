// make_corpus DIR: writes the seed corpus of every fuzz target to
// DIR/<target>/seed-NNNN (see corpus_gen.h).
#include <cstdio>
#include <memory>
#include <string>

#include "lsm/env.h"
#include "tests/fuzz/corpus_gen.h"

int main(int argc, char** argv) {
  if (argc != 2 || std::string(argv[1]) == "--help") {
    std::fprintf(stderr, "usage: %s DIR\nWrites the seed corpus of each fuzz target to DIR/<target>/.\n",
                 argv[0]);
    return argc == 2 ? 0 : 2;
  }
  lsm::Env* env = lsm::Env::Default();
  const std::string dir = argv[1];
  absl::Status s = env->CreateDir(dir);
  for (const std::string& target : lsm::fuzz::FuzzTargetNames()) {
    const std::string sub = dir + "/" + target;
    if (s.ok()) s = env->CreateDir(sub);
    const auto seeds = lsm::fuzz::SeedCorpus(target);
    for (size_t i = 0; i < seeds.size() && s.ok(); ++i) {
      char name[32];
      std::snprintf(name, sizeof(name), "/seed-%04zu", i);
      s = lsm::WriteStringToFile(env, seeds[i], sub + name, false);
    }
    if (!s.ok()) {
      std::fprintf(stderr, "make_corpus: %s\n", s.ToString().c_str());
      return 1;
    }
    std::printf("%-14s %zu seeds\n", target.c_str(), seeds.size());
  }
  return 0;
}
