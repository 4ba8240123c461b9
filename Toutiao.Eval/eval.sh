#!/usr/bin/env bash
# ./toutiao eval: the offline evaluation through its AppHost (Toutiao.Eval, Release) on a fresh data
# directory (the demo data as seeded, nothing from earlier runs), then the report in docs/evaluation/.
#   ./toutiao eval [--readers N] [--rounds N] [--seed N] [--buckets 0-9=profile,a-c=hot-new,d-f=random] [AppHost settings...]
# The same settings in the environment: EVAL_READERS, EVAL_ROUNDS, EVAL_SEED, EVAL_BUCKETS. Any other
# simulator setting as --Simulation:<Name>=value (docs/evaluation.md).
set -euo pipefail
cd "$(dirname "$0")/.."

settings=()
[ -n "${EVAL_READERS:-}" ] && settings+=("--Simulation:Readers=$EVAL_READERS")
[ -n "${EVAL_ROUNDS:-}" ] && settings+=("--Simulation:Rounds=$EVAL_ROUNDS")
[ -n "${EVAL_SEED:-}" ] && settings+=("--Simulation:Seed=$EVAL_SEED")
[ -n "${EVAL_BUCKETS:-}" ] && settings+=("--Simulation:Buckets=$EVAL_BUCKETS")
while [ $# -gt 0 ]; do
  case "$1" in
    --readers|--rounds|--seed|--buckets)
      [ $# -ge 2 ] || { echo "error: $1 needs a value" >&2; exit 2; }
      name=${1#--}
      settings+=("--Simulation:${name^}=$2")
      shift 2
      ;;
    *) settings+=("$1"); shift ;;
  esac
done

for port in 5080 5090 18888; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "error: port $port is in use: stop ./toutiao run (or whatever holds it) before the evaluation." >&2
    exit 1
  fi
done

data=$(mktemp -d /tmp/toutiao-eval-XXXXXX)
echo "Building Release ..."
dotnet build Toutiao.Eval -c Release -nologo -v q >/dev/null

echo "Starting the AppHost Toutiao.Eval (data in $data) ..."
source Toutiao.Hosting/apphost.sh
trap 'apphost_stop "$data"' EXIT
trap 'exit 130' INT TERM
apphost_start Toutiao.Eval - --AppHost:DataDirectory="$data" "${settings[@]}"
set +e
wait "$apphost"
status=$?
set -e
exit "$status"
