#!/usr/bin/env bash
# The image the Dockerfile makes, for machines that reach no registry: a root filesystem with
# this machine's node, the libraries `ldd` says it and the SQLite addon need, and dist/ (the
# bundle), turned into an image with `docker import`. Run `npm run build` first.
#
#   image.sh [TAG] [DOCKER_HOST]    default berth:local, the local daemon
#   docker run --rm berth:local <service>
set -euo pipefail
cd "$(dirname "$0")/.."
tag=${1:-berth:local}
host=${2:-}
[[ -f dist/berth.mjs ]] || { echo "no dist/berth.mjs: run npm run build first" >&2; exit 1; }
node=$(command -v node)

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/usr/local/bin" "$root/opt" "$root/tmp" "$root/etc" "$root/home/node"
chmod 1777 "$root/tmp"
cp "$node" "$root/usr/local/bin/node"
cp -r dist "$root/opt/berth"
# Every shared library node and the addon load, at the path the loader looks for it.
for lib in $({ ldd "$node"; find dist -name '*.node' -exec ldd {} \;; } | grep -o '/[^ ]*' | sort -u); do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done
echo 'root:x:0:0:root:/root:/sbin/nologin' > "$root/etc/passwd"
echo 'node:x:1000:1000:node:/home/node:/sbin/nologin' >> "$root/etc/passwd"
echo 'root:x:0:' > "$root/etc/group"
echo 'node:x:1000:' >> "$root/etc/group"
chown 1000:1000 "$root/home/node"

tar -C "$root" -c . | docker ${host:+-H "$host"} import \
  -c 'ENTRYPOINT ["/usr/local/bin/node", "/opt/berth/berth.mjs"]' \
  -c 'USER node' -c 'WORKDIR /home/node' -c 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
  - "$tag" >/dev/null
echo "$tag"
