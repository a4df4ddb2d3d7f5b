#!/usr/bin/env bash
# Test hosts: several Docker hosts on this one machine, each a dockerd in its own network
# namespace with its own address (10.231.X.2), joined to this namespace by a veth pair.
#
#   test-hosts.sh up RUN N        start N hosts for run RUN (≤ 6 letters/digits); prints
#                                 "index address docker-url socket" per host
#   test-hosts.sh down RUN        remove every host of RUN: containers, daemons, mounts, links
#   test-hosts.sh stop|start RUN I    stop / start host I's dockerd (the host stays up)
#   test-hosts.sh freeze|thaw RUN I   SIGSTOP / SIGCONT host I's dockerd (answers nothing)
#   test-hosts.sh cut|restore RUN I   take host I's link down / up
#   test-hosts.sh kill RUN I          lose host I: SIGKILL its containers, daemons and shims, link
#                                     down (as a power cut: nothing stops cleanly, nothing answers)
#
# Never a second dockerd in this namespace: daemons sharing one fight over docker0.
set -euo pipefail

STATE=/run/berth-test-hosts
IMAGE=berth/busybox:test
cmd=${1:-}
run=${2:-}
[[ $run =~ ^[a-z0-9]{1,6}$ ]] || { echo "usage: $0 up|down|stop|start|freeze|thaw|cut|restore|kill RUN [N|I]" >&2; exit 2; }

dir_of() { echo "$STATE/$run/$1"; }
ns_of() { echo "bt-$run-$1"; }
hostif() { echo "bt${run}h$1"; }
nsif() { echo "bt${run}n$1"; }
subnet_of() { cat "$(dir_of "$1")/subnet"; }

free_subnet() {
  local used x
  used=$(cat "$STATE"/*/*/subnet 2>/dev/null || true)
  for x in $(seq 1 250); do
    grep -qx "$x" <<<"$used" || ip -4 addr show | grep -q "10\.231\.$x\.1/" || { echo "$x"; return; }
  done
  echo "no free 10.231.x.0/24 subnet" >&2
  exit 1
}

dockerd_pid() { cat "$(dir_of "$1")/dockerd.pid" 2>/dev/null || true; }

start_dockerd() {
  local i=$1 dir x
  dir=$(dir_of "$i")
  x=$(subnet_of "$i")
  mkdir -p "$dir/data" "$dir/exec"
  # A daemon stopped in the middle of starting a container leaves that container's root
  # filesystem mounted, and the next daemon can then never remove it ("device or resource
  # busy"). A host that comes back has no mounts of its last daemon: drop them, as a reboot would.
  grep -o " $dir/data/[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  # nsenter keeps this mount namespace, so dockerd sees the cgroup mounts (ip netns exec would not).
  nohup nsenter --net="/run/netns/$(ns_of "$i")" dockerd \
    --data-root "$dir/data" --exec-root "$dir/exec" --pidfile "$dir/exec/dockerd.pid" \
    -H "unix://$dir/docker.sock" -H "tcp://10.231.$x.2:2375" --tls=false \
    --label "berth.test-run=$run" >"$dir/dockerd.log" 2>&1 &
  echo $! >"$dir/dockerd.pid"
}

wait_dockerd() {
  local dir
  dir=$(dir_of "$1")
  for _ in $(seq 1 120); do
    timeout 5 docker -H "unix://$dir/docker.sock" info >/dev/null 2>&1 && return 0
    sleep 0.25
  done
  tail -20 "$dir/dockerd.log" >&2
  echo "dockerd of host $1 did not start" >&2
  return 1
}

stop_dockerd() {
  local pid
  pid=$(dockerd_pid "$1")
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill -CONT "$pid" 2>/dev/null || true
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}

# SIGKILL at once: each container's init (its PID namespace dies with it), dockerd, containerd and
# the shims (they run from the host's directory); then the link goes down.
kill_host() {
  local i=$1 dir pids
  dir=$(dir_of "$i")
  pids=$(timeout 10 docker -H "unix://$dir/docker.sock" ps -q 2>/dev/null |
    xargs -r timeout 10 docker -H "unix://$dir/docker.sock" inspect -f '{{.State.Pid}}' 2>/dev/null || true)
  pids="$pids $(dockerd_pid "$i") $(pgrep -f "$STATE/$run/$i/" || true)"
  # shellcheck disable=SC2086 # one pid per word
  kill -KILL $pids 2>/dev/null || true
  ip -n "$(ns_of "$i")" link set "$(nsif "$i")" down
}

up() {
  local count=$1 i x ns
  mkdir -p "$STATE/$run"
  [[ -f $STATE/image.tar ]] || docker save "$IMAGE" -o "$STATE/image.tar"
  for i in $(seq 1 "$count"); do
    x=$(free_subnet)
    mkdir -p "$(dir_of "$i")"
    echo "$x" >"$(dir_of "$i")/subnet"
    ns=$(ns_of "$i")
    ip netns add "$ns"
    ip link add "$(hostif "$i")" type veth peer name "$(nsif "$i")"
    ip link set "$(nsif "$i")" netns "$ns"
    ip addr add "10.231.$x.1/24" dev "$(hostif "$i")"
    ip link set "$(hostif "$i")" up
    ip -n "$ns" addr add "10.231.$x.2/24" dev "$(nsif "$i")"
    ip -n "$ns" link set lo up
    ip -n "$ns" link set "$(nsif "$i")" up
    ip -n "$ns" route add default via "10.231.$x.1"
    start_dockerd "$i"
  done
  for i in $(seq 1 "$count"); do
    wait_dockerd "$i"
    docker -H "unix://$(dir_of "$i")/docker.sock" load -q -i "$STATE/image.tar" >/dev/null
    x=$(subnet_of "$i")
    echo "$i 10.231.$x.2 tcp://10.231.$x.2:2375 unix://$(dir_of "$i")/docker.sock"
  done
}

down() {
  local dir i
  [[ -d $STATE/$run ]] || return 0
  for dir in "$STATE/$run"/*/; do
    i=$(basename "$dir")
    if [[ -n $(dockerd_pid "$i") ]] && kill -0 "$(dockerd_pid "$i")" 2>/dev/null; then
      kill -CONT "$(dockerd_pid "$i")" 2>/dev/null || true
      local ids
      ids=$(timeout 10 docker -H "unix://${dir}docker.sock" ps -aq 2>/dev/null || true)
      [[ -z $ids ]] || timeout 30 docker -H "unix://${dir}docker.sock" rm -f $ids >/dev/null 2>&1 || true
    fi
    stop_dockerd "$i"
    # Whatever of this host is left (containerd, shims) runs from its own directory.
    pkill -KILL -f "$STATE/$run/$i/" 2>/dev/null || true
    grep -o " $STATE/$run/$i/[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
    ip netns del "$(ns_of "$i")" 2>/dev/null || true
    ip link del "$(hostif "$i")" 2>/dev/null || true
  done
  rm -rf "${STATE:?}/$run"
}

case $cmd in
  up) up "${3:?how many hosts}" ;;
  down) down ;;
  stop) stop_dockerd "${3:?host}" ;;
  start) start_dockerd "${3:?host}" && wait_dockerd "$3" ;;
  freeze) kill -STOP "$(dockerd_pid "${3:?host}")" ;;
  thaw) kill -CONT "$(dockerd_pid "${3:?host}")" ;;
  cut) ip -n "$(ns_of "${3:?host}")" link set "$(nsif "$3")" down ;; # host side keeps its route: nothing leaks elsewhere
  restore)
    ip -n "$(ns_of "${3:?host}")" link set "$(nsif "$3")" up
    ip -n "$(ns_of "$3")" route replace default via "10.231.$(subnet_of "$3").1"
    # Back when its Docker API answers again (the link needs a moment to come up).
    for _ in $(seq 1 50); do
      timeout 1 bash -c "</dev/tcp/10.231.$(subnet_of "$3").2/2375" 2>/dev/null && break
      sleep 0.1
    done
    ;;
  kill) kill_host "${3:?host}" ;;
  *) echo "unknown command $cmd" >&2; exit 2 ;;
esac
