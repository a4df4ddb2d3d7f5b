#!/usr/bin/env bash
# Brings this machine to the state Berth needs, doing only what is missing, so `npm start`
# and `npm test` can call it every time: Debian packages, npm ci, build, dockerd, test image.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[setup] %s\n' "$*"; }

# Debian packages: the real components Berth runs and tests against.
# chromium (with a font) drives the dashboard's browser tests through playwright-core.
packages=(nats-server etcd-server docker.io busybox-static iproute2 util-linux haproxy docker-registry apache2-utils chromium fonts-liberation)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm ci only when the lock file changed since the last install.
stamp=node_modules/.berth-lock-sha
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
  say 'npm ci'
  npm ci --no-fund --no-audit --loglevel=error
  echo "$want" >"$stamp"
fi

say 'build'
TURBO_TELEMETRY_DISABLED=1 node_modules/.bin/turbo run build --output-logs=errors-only >/dev/null
node infra/bundle.mjs >/dev/null # dist/berth.mjs: every service in one file, as production runs it

# Docker: start a daemon when none answers (as root; one per machine namespace).
if ! timeout 10 docker info >/dev/null 2>&1; then
  say 'starting dockerd'
  mkdir -p /var/log
  nohup dockerd >/var/log/berth-dockerd.log 2>&1 &
  for _ in $(seq 1 60); do
    timeout 5 docker info >/dev/null 2>&1 && break
    sleep 0.5
  done
  timeout 10 docker info >/dev/null 2>&1 || { tail -20 /var/log/berth-dockerd.log; say 'dockerd did not start'; exit 1; }
fi

# The test image: busybox-static imported as a root filesystem (no registry is reachable).
image=berth/busybox:test
if ! docker image inspect "$image" >/dev/null 2>&1; then
  say "building $image"
  root=$(mktemp -d)
  mkdir -p "$root"/{bin,tmp,www,etc}
  cp /bin/busybox "$root/bin/busybox"
  for tool in $("$root/bin/busybox" --list); do
    [[ $tool == busybox ]] || ln -s busybox "$root/bin/$tool"
  done
  echo 'root:x:0:0:root:/:/bin/sh' >"$root/etc/passwd"
  echo '<h1>berth</h1>' >"$root/www/index.html"
  tar -C "$root" -c . | docker import --change 'CMD ["sh"]' --change 'ENV PATH=/bin' - "$image" >/dev/null
  rm -rf "$root"
  docker run --rm "$image" sh -c 'sleep 0 && command -v httpd' >/dev/null
fi
say 'ready'
