# Sourced by Toutiao.Bench/bench.sh and Toutiao.Eval/eval.sh: runs an AppHost project (Release,
# built) in the background and stops it with everything it started. DCP (started by the AppHost,
# which dotnet run starts) is re-parented to init and stops the servers, services and dashboard
# seconds after the AppHost has exited: it is found while the AppHost runs and waited for at the
# end, so nothing of a run outlives the script or writes into its data directory.

# apphost_start PROJECT LOG ARGS...: starts it (LOG "-": its console here), sets $apphost, and
# returns once DCP is up (or the AppHost has exited).
apphost_start() {
  local project=$1 log=$2
  shift 2
  if [ "$log" = - ]; then
    dotnet run --project "$project" -c Release --no-build -- "$@" &
  else
    dotnet run --project "$project" -c Release --no-build -- "$@" >"$log" 2>&1 &
  fi
  apphost=$!
  apphost_dcp=""
  while kill -0 "$apphost" 2>/dev/null && [ -z "$apphost_dcp" ]; do
    apphost_dcp=$(apphost_dcp_processes || true)
    [ -n "$apphost_dcp" ] || sleep 1
  done
}

apphost_dcp_processes() {
  local host server
  for host in $(pgrep -P "$apphost"); do
    for server in $(pgrep -f -- "dcp start-apiserver --monitor $host( |$)"); do
      echo "$server"; pgrep -P "$server"
    done
  done
}

# apphost_stop DATA: SIGTERM to the AppHost, waits for it and for DCP, then removes DATA (a server
# may still be closing its files for a moment after DCP has gone).
apphost_stop() {
  local data=$1 pid
  # DCP's children as they are now (some start after DCP itself), besides those seen at the start.
  apphost_dcp="$apphost_dcp $(apphost_dcp_processes || true)"
  kill -TERM "$apphost" 2>/dev/null || true
  wait "$apphost" 2>/dev/null || true
  for pid in $apphost_dcp; do
    timeout 60 tail --pid="$pid" -f /dev/null || echo "warning: DCP (process $pid) was still running 60 s after the AppHost" >&2
  done
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    rm -rf "$data" 2>/dev/null && return 0
    sleep 1
  done
  echo "warning: could not remove $data" >&2
}
