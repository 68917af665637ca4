// The main() of a *_fuzz_replay_test: runs a fuzz target (built with gcc, no
// libFuzzer) on its seed corpus (corpus_gen.h), on mutations of every seed
// (byte flips, zeroed ranges, truncations, splices), on random inputs, and
// on every file named on the command line (e.g. a crash libFuzzer saved).
// Any broken invariant aborts (FUZZ_CHECK); the sanitizers catch the rest.
//
// $LSM_TEST_SEED picks the seed (printed); $LSM_FUZZ_REPLAY_MUTATIONS the
// mutations per seed (default 8).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "engine/util/random.h"
#include "lsm/env.h"
#include "tests/fuzz/corpus_gen.h"

#ifndef FUZZ_TARGET_NAME
#error "define FUZZ_TARGET_NAME"
#endif

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

void Run(const std::string& input) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
}

std::string Mutate(lsm::Random* rnd, std::string s, const std::vector<std::string>& seeds) {
  const int edits = 1 + static_cast<int>(rnd->Uniform(4));
  for (int e = 0; e < edits; ++e) {
    const uint64_t kind = rnd->Uniform(5);
    if (s.empty() || kind == 4) {
      // Splice: the head of this input, the tail of another.
      const std::string& other = seeds[rnd->Uniform(seeds.size())];
      const size_t cut = s.empty() ? 0 : rnd->Uniform(s.size());
      s = s.substr(0, cut) + other.substr(other.empty() ? 0 : rnd->Uniform(other.size()));
    } else if (kind == 0 || kind == 1) {
      s[rnd->Uniform(s.size())] ^= static_cast<char>(1 + rnd->Uniform(255));
    } else if (kind == 2) {
      const size_t at = rnd->Uniform(s.size());
      const size_t len = std::min<size_t>(s.size() - at, 1 + rnd->Skewed(8));
      for (size_t i = at; i < at + len; ++i) s[i] = 0;
    } else {
      s.resize(rnd->Uniform(s.size()));
    }
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  const char* seed_env = std::getenv("LSM_TEST_SEED");
  const uint64_t seed = seed_env ? std::strtoull(seed_env, nullptr, 10) : 4242;
  const char* mut_env = std::getenv("LSM_FUZZ_REPLAY_MUTATIONS");
  const int mutations = mut_env ? std::atoi(mut_env) : 8;
  std::printf("%s fuzz replay: seed=%llu mutations per seed=%d\n", FUZZ_TARGET_NAME,
              static_cast<unsigned long long>(seed), mutations);
  std::fflush(stdout);
  lsm::Random rnd(seed);
  size_t runs = 0;
  for (int i = 1; i < argc; ++i) {
    std::string data;
    const absl::Status s = lsm::ReadFileToString(lsm::Env::Default(), argv[i], &data);
    if (!s.ok()) {
      std::fprintf(stderr, "%s: %s\n", argv[i], s.ToString().c_str());
      return 1;
    }
    Run(data);
    ++runs;
  }
  const std::vector<std::string> seeds = lsm::fuzz::SeedCorpus(FUZZ_TARGET_NAME);
  if (seeds.empty()) {
    std::fprintf(stderr, "no seeds for %s\n", FUZZ_TARGET_NAME);
    return 1;
  }
  for (const std::string& s : seeds) {
    Run(s);
    ++runs;
    for (int m = 0; m < mutations; ++m) {
      Run(Mutate(&rnd, s, seeds));
      ++runs;
    }
  }
  for (int i = 0; i < 200; ++i) {
    Run(rnd.Bytes(rnd.Skewed(12)));
    ++runs;
  }
  Run("");
  ++runs;
  std::printf("%s: %zu inputs (%zu seeds), no failure\n", FUZZ_TARGET_NAME, runs, seeds.size());
  return 0;
}
