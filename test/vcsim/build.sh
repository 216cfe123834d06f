#!/usr/bin/env bash
# Builds test/vcsim/vcsim from main.go against Debian's govmomi sources, only when the binary is
# missing or older than main.go or this script. Prints the binary's path on stdout.
set -euo pipefail

dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="$dir/vcsim"
gopath="${VCSIM_GOPATH:-/usr/share/gocode}"
apt_packages="golang-go golang-github-vmware-govmomi-dev"

if [[ -x "$bin" && "$bin" -nt "$dir/main.go" && "$bin" -nt "$dir/build.sh" ]]; then
  echo "$bin"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "vcsim build: the Go toolchain is missing; install it with: apt-get install -y $apt_packages" >&2
  exit 3
fi
if [[ ! -f "$gopath/src/github.com/vmware/govmomi/simulator/simulator.go" ]]; then
  echo "vcsim build: govmomi sources are missing under $gopath; install them with: apt-get install -y $apt_packages" >&2
  exit 3
fi

# Go refuses to build without a cache directory, and CI may run without HOME.
if [[ -z "${GOCACHE:-}" && -z "${XDG_CACHE_HOME:-}" && -z "${HOME:-}" ]]; then
  export GOCACHE="${TMPDIR:-/tmp}/flotilla-vcsim-gocache"
fi

# Concurrent test workers may race to build: build to a private file, then rename atomically.
tmp="$(mktemp "$dir/.vcsim.XXXXXX")"
trap 'rm -f "$tmp"' EXIT
(cd "$dir" && GOPATH="$gopath" GO111MODULE=off GOFLAGS= go build -o "$tmp" .)
chmod 755 "$tmp"
mv -f "$tmp" "$bin"
trap - EXIT
echo "$bin"
