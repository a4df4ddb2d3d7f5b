#!/usr/bin/env bash
# A real Berth cluster on this one machine: 3 nats-servers and 3 etcd members on loopback (both
# with credentials) and every service as separate processes against them (see libs/testkit's
# startCluster). Needs `npm run build` first.
#
#   cluster.sh up [--nats N] [--etcd N] [--instances N]   start it; stays in the foreground
#                                                         (Ctrl-C stops it), prints where it is
#   cluster.sh down                                       stop the one `up` started, remove its data
#
# `up` writes the clients' settings (api URL, admin password) to $STATE/cluster.env, mode 0600.
set -euo pipefail
cd "$(dirname "$0")/.."
STATE=${BERTH_CLUSTER_STATE:-${TMPDIR:-/tmp}/berth-cluster}

case ${1:-} in
  up)
    shift
    exec node infra/cluster.mjs "$STATE" "$@"
    ;;
  down)
    [[ -f $STATE/pid ]] || { echo "no cluster is up (no $STATE/pid)" >&2; exit 1; }
    pid=$(cat "$STATE/pid")
    kill -TERM "$pid" 2>/dev/null || { echo "cluster process $pid is gone" >&2; rm -f "$STATE/pid"; exit 1; }
    while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
    ;;
  *)
    echo "usage: $0 up [--nats N] [--etcd N] [--instances N] | down" >&2
    exit 2
    ;;
esac
