#!/usr/bin/env bash
# Builds the position-independent static archives that liblsmjni.so links, so
# the library the jar carries needs nothing but glibc and libstdc++ (see
# README.md beside this file). Run by ../../bazelw; prints the directory that
# holds the archives (*.a) on stdout.
#
#   build_static_deps.sh CACHE_ROOT
#
# abseil: Debian's static archives are not position-independent (some objects
# carry R_X86_64_TPOFF32/R_X86_64_32S relocations), so abseil is rebuilt with
# -fPIC from Debian's source package of exactly the installed version, with
# Debian's own CMake settings (C++17, static), and its options.h is checked
# against the installed headers the engine compiles with.
# snappy and zstd: Debian's static archives have no such relocation (checked
# below, and by the link: liblsmjni.so links with -z text), so they are used
# as they are.
set -euo pipefail

cache_root="$1"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
libdir=/usr/lib/x86_64-linux-gnu
absl_version="$(dpkg-query -W -f='${source:Version}' libabsl-dev)"
key="$( (cat "${BASH_SOURCE[0]}"; dpkg-query -W -f='${Package} ${Version}\n' libabsl-dev libsnappy-dev libzstd-dev g++ cmake) | sha256sum | cut -c1-16)"
out="$cache_root/$key"
if [[ -f "$out/done" ]]; then
  echo "$out"
  exit 0
fi

mkdir -p "$cache_root"
exec 9>"$cache_root/.lock"
flock 9
if [[ -f "$out/done" ]]; then  # another bazelw built it while we waited
  echo "$out"
  exit 0
fi

# apt-get source needs deb-src entries: derive them from the Debian entries of
# this machine's own sources (Debian 12's deb822 file, or sources.list lines).
if ! apt-get source --print-uris -qq "abseil=$absl_version" >/dev/null 2>&1; then
  if [[ $(id -u) -ne 0 ]]; then
    echo "build_static_deps: apt has no deb-src entries; as root, run ./bazelw once (it adds them)" >&2
    exit 1
  fi
  if [[ -f /etc/apt/sources.list.d/debian.sources ]]; then
    sed -e 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources \
      > /etc/apt/sources.list.d/lsm-deb-src.sources
  else
    grep -E '^deb ' /etc/apt/sources.list | sed -e 's/^deb /deb-src /' \
      > /etc/apt/sources.list.d/lsm-deb-src.list
  fi
  echo "build_static_deps: added deb-src entries; apt-get update" >&2
  apt-get update -qq >&2
fi

work="$(mktemp -d "$cache_root/build.XXXXXX")"
trap 'rm -rf "$work"' EXIT
start=$SECONDS
echo "build_static_deps: building abseil $absl_version with -fPIC (about a minute on 2 cores)" >&2
(cd "$work" && apt-get source -qq "abseil=$absl_version" >/dev/null 2>&1)
src="$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 'abseil-*')"
if ! cmp -s "$src/absl/base/options.h" /usr/include/absl/base/options.h; then
  echo "build_static_deps: abseil's options.h differs from /usr/include/absl/base/options.h" >&2
  exit 1
fi
cmake -S "$src" -B "$work/build" -DCMAKE_BUILD_TYPE=None -DCMAKE_CXX_FLAGS=-O2 \
  -DCMAKE_CXX_STANDARD=17 -DBUILD_SHARED_LIBS=OFF -DBUILD_TESTING=OFF \
  -DCMAKE_POSITION_INDEPENDENT_CODE=ON -DCMAKE_INSTALL_PREFIX="$work/install" >/dev/null
nice make -C "$work/build" -j2 >"$work/make.log" 2>&1 || { tail -n 30 "$work/make.log" >&2; exit 1; }
make -C "$work/build" install >/dev/null

mkdir -p "$work/out"
cp "$work"/install/lib/libabsl_*.a "$work/out/"
for lib in snappy zstd; do
  if readelf -rW "$libdir/lib$lib.a" | grep -qE 'R_X86_64_(32|32S|TPOFF32) '; then
    echo "build_static_deps: $libdir/lib$lib.a is not position-independent" >&2
    exit 1
  fi
  cp "$libdir/lib$lib.a" "$work/out/"
done
echo "abseil $absl_version built with -fPIC in $((SECONDS - start)) s on $(nproc) cores" > "$work/out/done"
rm -rf "$out"
mv "$work/out" "$out"
echo "build_static_deps: done in $((SECONDS - start)) s" >&2
echo "$out"
