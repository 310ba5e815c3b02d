#!/usr/bin/env bash
# A three-shard Redis Cluster on 127.0.0.1 for trying the Redis backend on a cluster by hand (the tests start their own,
# tests/BackgroundCallbacks.Redis.Tests/Infrastructure/RedisCluster.cs). Three masters, no replicas, no persistence.
#   bash scripts/redis-cluster.sh start [PORT PORT PORT]   # default 7101 7102 7103; prints the connection string
#   bash scripts/redis-cluster.sh stop  [PORT PORT PORT]   # stops each node by the process id it recorded
# Then, for the sample: ConnectionStrings__redis=127.0.0.1:7101,127.0.0.1:7102,127.0.0.1:7103 dotnet run --project samples/…
set -euo pipefail

command="${1:-}"
shift || true
ports=("$@")
[ ${#ports[@]} -eq 0 ] && ports=(7101 7102 7103)
dir="${TMPDIR:-/tmp}/bgcb-redis-cluster-${ports[0]}"

case "$command" in
  start)
    command -v redis-server >/dev/null 2>&1 || { echo "redis-server is required (apt-get install redis-server)" >&2; exit 2; }
    mkdir -p "$dir"
    for port in "${ports[@]}"; do
      redis-server --port "$port" --bind 127.0.0.1 --protected-mode no --dir "$dir" \
        --cluster-enabled yes --cluster-config-file "$dir/nodes-$port.conf" --appendonly no --save "" \
        --daemonize yes --pidfile "$dir/redis-$port.pid" --logfile "$dir/redis-$port.log"
    done
    for port in "${ports[@]}"; do
      for _ in $(seq 1 100); do redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
    done
    endpoints=()
    for port in "${ports[@]}"; do endpoints+=("127.0.0.1:$port"); done
    redis-cli --cluster create "${endpoints[@]}" --cluster-replicas 0 --cluster-yes >&2
    # Every node must know the whole slot map before clients arrive.
    for port in "${ports[@]}"; do
      for i in $(seq 1 300); do
        redis-cli -h 127.0.0.1 -p "$port" cluster info | grep -q '^cluster_state:ok' && break
        [ "$i" -eq 300 ] && { echo "node $port never reported cluster_state:ok" >&2; exit 1; }
        sleep 0.1
      done
    done
    (IFS=,; echo "${endpoints[*]}")
    ;;
  stop)
    for port in "${ports[@]}"; do
      pidfile="$dir/redis-$port.pid"
      [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null || true
    done
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start|stop [PORT PORT PORT]" >&2
    exit 2
    ;;
esac
