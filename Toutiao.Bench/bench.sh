#!/usr/bin/env bash
# ./toutiao bench: the whole system through the benchmark's AppHost (Toutiao.Bench, Release), loaded with wrk.
# Two pairs of Reco and Web run side by side on the same Redis and MariaDB, one exporting traces
# to the dashboard and one exporting nothing; every scenario runs on both in alternating rounds.
# Settings (environment): BENCH_SECONDS per round (10), BENCH_ROUNDS (3), BENCH_CONNECTIONS (16),
# BENCH_THREADS (2), BENCH_WARMUP_SECONDS (4, per scenario and pair, unmeasured), BENCH_HALF_LOAD_PASSES (3: passes over the half-load rounds; the tail ratios are their median), BENCH_RECO_REPLICAS and BENCH_WEB_REPLICAS (1; with more, the allocation and CPU columns are one replica's), BENCH_SAMPLE_RATIO (0.01: the share of traces the traced pair keeps, as a deployment would), BENCH_APPHOST_ARGS (further AppHost settings, e.g. --Redis:Topology=cluster or --MySql:ReadReplicas=1), BENCH_SCENARIOS (default: all: channels reco-check anonymous fresh fresh-recommended fresh-one-reader history detail).
set -euo pipefail
cd "$(dirname "$0")/.."
export BENCH_DIR=Toutiao.Bench
bench_dir=$BENCH_DIR
seconds=${BENCH_SECONDS:-10}
rounds=${BENCH_ROUNDS:-3}
half_passes=${BENCH_HALF_LOAD_PASSES:-3}
connections=${BENCH_CONNECTIONS:-16}
threads=${BENCH_THREADS:-2}
scenarios=${BENCH_SCENARIOS:-channels reco-check anonymous fresh fresh-recommended fresh-one-reader history detail}

for port in 5080 5081 5090 5091 5092 18888; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "error: port $port is in use: stop ./toutiao run (or whatever holds it) before benchmarking." >&2
    exit 1
  fi
done

data=$(mktemp -d /tmp/toutiao-bench-XXXXXX)
results=TestResults/bench
mkdir -p "$results"
echo "Building Release ..."
dotnet build Toutiao.Bench -c Release -nologo -v q >/dev/null

echo "Starting the AppHost Toutiao.Bench (data in $data) ..."
source Toutiao.Hosting/apphost.sh
trap 'apphost_stop "$data"' EXIT
# shellcheck disable=SC2086 # BENCH_APPHOST_ARGS is a list of settings.
apphost_start Toutiao.Bench "$results/apphost.log" \
  --AppHost:DataDirectory="$data" --Replicas:reco="${BENCH_RECO_REPLICAS:-1}" --Replicas:web="${BENCH_WEB_REPLICAS:-1}" \
  --Tracing:SampleRatio="${BENCH_SAMPLE_RATIO:-0.01}" \
  ${BENCH_APPHOST_ARGS:-}

now_ms() { date +%s%3N; }
wait_for_feed() {
  for _ in $(seq 1 240); do
    if curl -sf -o /dev/null "http://localhost:$1/v1_1/articles?channel_id=1&timestamp=$(now_ms)"; then return 0; fi
    kill -0 "$apphost" 2>/dev/null || { echo "error: the AppHost exited; see $results/apphost.log" >&2; exit 1; }
    sleep 0.5
  done
  echo "error: Web on port $1 did not answer a feed page in 2 minutes; see $results/apphost.log" >&2
  exit 1
}
wait_for_feed 5080
wait_for_feed 5081
# Web builds its search index after it starts (seconds of CPU): until then search is a 503.
for port in 5080 5081; do
  for _ in $(seq 1 240); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://localhost:$port/v1_0/search?q=toutiao")" = 200 ] && break
    sleep 0.5
  done
done

# The redis-servers run in their data directories (a cluster's nodes each in one of its own); their
# passwords are in their 0600 redis.conf.
redis_cli() { # pid, command...
  local pid=$1; shift
  local dir port password
  dir=$(readlink "/proc/$pid/cwd")
  port=$(tr '\0' ' ' <"/proc/$pid/cmdline" | sed -n 's/.*:\([0-9]*\) *\(\[cluster\]\)\? *$/\1/p')
  password=$(sed -n 's/^requirepass "\(.*\)"$/\1/p' "$dir/redis.conf")
  REDISCLI_AUTH=$password redis-cli -p "$port" "$@"
}
# Commands (script inner commands included; on masters only, a replica repeats its master's writes)
# and CPU microseconds (replicas included) of every Redis server of this run so far.
redis_totals() {
  local pid
  for pid in $(pgrep -x redis-server); do
    case $(readlink "/proc/$pid/cwd") in "$data"/*) ;; *) continue ;; esac
    if redis_cli "$pid" INFO replication | tr -d '\r' | grep -q '^role:master'; then
      redis_cli "$pid" INFO commandstats | tr -d '\r' |
        awk -F'[:=,]' '/^cmdstat_/ && $1 != "cmdstat_info" && $1 != "cmdstat_ping" && $1 != "cmdstat_cluster" { calls += $3 } END { printf "%d ", calls }'
    else
      printf "0 "
    fi
    redis_cli "$pid" INFO cpu | tr -d '\r' |
      awk -F: '/^used_cpu_(sys|user):/ { cpu += $2 } END { printf "%d\n", cpu * 1000000 }'
  done | awk '{ calls += $1; cpu += $2 } END { print calls + 0, cpu + 0 }'
}
# Bytes allocated, CPU milliseconds, garbage collections and their pause microseconds of one
# service so far (Development endpoint /debug/runtime).
runtime_totals() { # port, curl options
  curl -sf "${@:2}" "http://localhost:$1/debug/runtime" | sed 's/[{}"]//g; s/[a-z_]*://g; s/,/ /g'
  echo
}

# CPU microseconds the Aspire dashboard (the OTLP receiver of the traced pair) has used so far.
tick_us=$((1000000 / $(getconf CLK_TCK)))
cpu_of() { # pgrep pattern
  local pid
  pid=$(pgrep -f "$1" | head -n 1)
  if [ -n "$pid" ]; then awk -v t="$tick_us" '{ print ($14 + $15) * t }' "/proc/$pid/stat"; else echo 0; fi
}
dashboard_cpu() { cpu_of 'Aspire\.Dashboard'; }
# ...and DCP's controllers, whose proxies carry the services' Redis and MariaDB connections.
dcp_cpu() { cpu_of 'dcp run-controllers'; }
# Busy and total CPU ticks of the whole machine so far.
machine_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat; }
# Work left over from what came before (the dashboard ingests the traced pair's spans seconds
# after they were made; Web builds its search index after it starts) would land in the next
# round: wait until the machine is idle (under 15 % busy in each half second for two seconds) and the dashboard too.
wait_for_idle() {
  local before after busy0 total0 busy1 total1 quiet=0
  # Two seconds in a row: Lucene's merges after the search index's first build come in bursts.
  for _ in $(seq 1 240); do
    before=$(dashboard_cpu); read -r busy0 total0 < <(machine_ticks)
    sleep 0.5
    after=$(dashboard_cpu); read -r busy1 total1 < <(machine_ticks)
    if [ $((after - before)) -lt 50000 ] && [ $(( (busy1 - busy0) * 100 )) -lt $(( (total1 - total0) * 15 )) ]; then
      quiet=$((quiet + 1)); [ "$quiet" -ge 4 ] && return 0
    else
      quiet=0
    fi
  done
  echo "warning: the machine was still busy after 2 minutes" >&2
}

# The history scenario pages back to one page of one reader.
export BENCH_HISTORY_READER="bench-history-$(now_ms)"
export BENCH_HISTORY_TIMESTAMP=$(( $(now_ms) - 1000 ))
for port in 5080 5081; do
  curl -sf -o /dev/null -H "Authorization: Anony $BENCH_HISTORY_READER" \
    "http://localhost:$port/v1_1/articles?channel_id=1&timestamp=$BENCH_HISTORY_TIMESTAMP"
done

path_of() {
  case "$1" in
    channels) echo "/v1_0/channels" ;;
    reco-check) echo "/debug/reco-check" ;;
    *) echo "/" ;;
  esac
}

# Requests, p50 and p99 in ms, and errors (non-2xx and socket errors) from wrk's output on stdin.
wrk_summary() {
  awk 'function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    / 50% / { p50 = ms($2) } / 99% / { p99 = ms($2) }
    / requests in / { requests = $1 }
    /Non-2xx/ { errors += $NF }
    /Socket errors/ { gsub(",", ""); errors += $4 + $6 + $8 + $10 }
    END { printf "%d\t%.2f\t%.2f\t%d\n", requests, p50, p99, errors }'
}

raw=$results/rounds.tsv
printf 'scenario\tmode\trequests\tseconds\tp50_ms\tp99_ms\terrors\tredis_commands\tredis_cpu_us\tweb_bytes\tweb_cpu_ms\treco_bytes\treco_cpu_ms\tdashboard_cpu_us\tdcp_cpu_us\n' >"$raw"
# The wrk script of a scenario (and what fresh.lua is to ask for), in the array script.
script_of() {
  script=()
  unset BENCH_FRESH_CHANNEL BENCH_FRESH_ANONYMOUS
  case "$1" in
    fresh-recommended) script=(-s "$bench_dir/fresh.lua"); export BENCH_FRESH_CHANNEL=0 ;;
    anonymous) script=(-s "$bench_dir/fresh.lua"); export BENCH_FRESH_ANONYMOUS=1 ;;
    *) if [ -f "$bench_dir/$1.lua" ]; then script=(-s "$bench_dir/$1.lua"); fi ;;
  esac
}

# Unmeasured warm-up: the first seconds of a new process run code the JIT has not optimised yet
# (tiered compilation, dynamic PGO), which would land in round 1.
echo "Warming up: ${BENCH_WARMUP_SECONDS:-4} s per scenario and pair ..."
for scenario in $scenarios; do
  script_of "$scenario"
  for web in 5080 5081; do
    wrk -t "$threads" -c "$connections" -d "${BENCH_WARMUP_SECONDS:-4}s" "${script[@]}" "http://localhost:$web$(path_of "$scenario")" >/dev/null
  done
done

echo "Measuring: $rounds rounds of $seconds s per scenario and mode, $connections connections ..."
for round in $(seq 1 "$rounds"); do
  for scenario in $scenarios; do
    for mode in traced untraced; do
      if [ "$mode" = traced ]; then web=5080 reco=5090; else web=5081 reco=5091; fi
      script_of "$scenario"
      wait_for_idle
      read -r redis_calls0 redis_cpu0 < <(redis_totals)
      read -r web_bytes0 web_cpu0 _ < <(runtime_totals "$web")
      read -r reco_bytes0 reco_cpu0 _ < <(runtime_totals "$reco" --http2-prior-knowledge)
      dashboard_cpu0=$(dashboard_cpu); dcp_cpu0=$(dcp_cpu)
      out=$(wrk -t "$threads" -c "$connections" -d "${seconds}s" --latency "${script[@]}" "http://localhost:$web$(path_of "$scenario")")
      read -r redis_calls1 redis_cpu1 < <(redis_totals)
      read -r web_bytes1 web_cpu1 _ < <(runtime_totals "$web")
      read -r reco_bytes1 reco_cpu1 _ < <(runtime_totals "$reco" --http2-prior-knowledge)
      dashboard_cpu1=$(dashboard_cpu); dcp_cpu1=$(dcp_cpu)
      echo "$out" >"$results/$scenario-$mode-$round.txt"
      IFS=$'\t' read -r requests p50 p99 errors < <(echo "$out" | wrk_summary)
      printf '%s\t%s\t%d\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\n' "$scenario" "$mode" "$requests" "$seconds" "$p50" "$p99" "$errors" \
        $((redis_calls1 - redis_calls0)) $((redis_cpu1 - redis_cpu0)) $((web_bytes1 - web_bytes0)) $((web_cpu1 - web_cpu0)) \
        $((reco_bytes1 - reco_bytes0)) $((reco_cpu1 - reco_cpu0)) $((dashboard_cpu1 - dashboard_cpu0)) $((dcp_cpu1 - dcp_cpu0)) >>"$raw"
      tail -n 1 "$raw" | awk -F'\t' '{ printf "  round %s %-8s %-8s %8.0f req/s  p50 %6.2f ms  p99 %6.2f ms  errors %d\n", "'"$round"'", $1, $2, $3 / $4, $5, $6, $7 }'
    done
  done
done

# Latency at half load: the untraced fresh and history pages again, each wrk thread sending on a
# fixed schedule (pace.lua) at half the throughput the rounds above measured; channels and
# reco-check too, as controls: the HTTP stack alone, and with the hop to Reco. A pass is one round
# of each, the hop's beside the pages'; one 10 s round's p99 moves with the host (this machine is a
# VM), so several passes, and the tail ratios are the median of the passes' ratios.
half=$results/half-load.tsv
printf 'scenario\tpaced_rps\trequests\tseconds\tp50_ms\tp99_ms\terrors\tweb_gcs\tweb_gc_pause_us\treco_gcs\treco_gc_pause_us\tpass\n' >"$half"
for pass in $(seq 1 "$half_passes"); do
  for scenario in reco-check fresh history channels; do
    case " $scenarios " in *" $scenario "*) ;; *) continue ;; esac
    script_of "$scenario"
    [ ${#script[@]} -gt 0 ] || script=(-s "$bench_dir/pace.lua")
    wait_for_idle
    paced=$(awk -F'\t' -v s="$scenario" '$1 == s && $2 == "untraced" { n += $3; t += $4 } END { if (t > 0) printf "%d", n / t / 2 }' "$raw")
    read -r _ _ web_gcs0 web_pause0 < <(runtime_totals 5081)
    read -r _ _ reco_gcs0 reco_pause0 < <(runtime_totals 5091 --http2-prior-knowledge)
    out=$(BENCH_THREAD_RATE=$(awk -v r="$paced" -v t="$threads" 'BEGIN { printf "%.3f", r / t }') \
      wrk -t "$threads" -c "$connections" -d "${seconds}s" --latency "${script[@]}" "http://localhost:5081$(path_of "$scenario")")
    read -r _ _ web_gcs1 web_pause1 < <(runtime_totals 5081)
    read -r _ _ reco_gcs1 reco_pause1 < <(runtime_totals 5091 --http2-prior-knowledge)
    echo "$out" >"$results/$scenario-half-load-$pass.txt"
    IFS=$'\t' read -r requests p50 p99 errors < <(echo "$out" | wrk_summary)
    printf '%s\t%d\t%d\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\n' "$scenario" "$paced" "$requests" "$seconds" "$p50" "$p99" "$errors" \
      $((web_gcs1 - web_gcs0)) $((web_pause1 - web_pause0)) $((reco_gcs1 - reco_gcs0)) $((reco_pause1 - reco_pause0)) "$pass" >>"$half"
    echo "  half load, pass $pass, $scenario: paced at $paced req/s, $((requests / seconds)) req/s  p50 $p50 ms  p99 $p99 ms  errors $errors"
  done
done

# Pages of 推荐 while the click model trains: the same paced load on the untraced pair, once idle and
# once with the trainer process training beside it (the join and the fit of Ranking:TrainingEvents
# made-up events, as a real training runs them; see /dev/click-model/synthetic-training, here on the
# trainer's port 5092). The target is a p99 within 1.5x of the p99 without a training.
training_tsv=$results/during-training.tsv
printf 'scenario\tpaced_rps\ttraining\trequests\tseconds\tp50_ms\tp99_ms\terrors\ttrainer_cpu_s\n' >"$training_tsv"
# The trainer process (Toutiao.Reco started with "train"): its CPU time says the training did run
# beside the round, and its threads' nice values that it ran below the services.
trainer_pid() { pgrep -f 'Toutiao\.Reco(\.dll)? train' | head -1; }
trainer_cpu_ticks() { local pid; pid=$(trainer_pid); if [ -n "$pid" ]; then awk '{ print $14 + $15 }' "/proc/$pid/stat"; else echo 0; fi; }
case " $scenarios " in *" fresh-recommended "*)
  script_of fresh-recommended
  paced=$(awk -F'\t' '$1 == "fresh-recommended" && $2 == "untraced" { n += $3; t += $4 } END { if (t > 0) printf "%d", n / t / 2 }' "$raw")
  # Alternating pairs of rounds (BENCH_TRAINING_PAIRS, 3): one round of each says little about a p99.
  for _ in $(seq 1 "${BENCH_TRAINING_PAIRS:-3}"); do for training in no yes; do
    wait_for_idle
    trainer=
    if [ "$training" = yes ]; then
      # Trains for longer than the round (about 15 s a training): one after the other until the round ends.
      ( while :; do curl -sf -o /dev/null -X POST "http://localhost:5092/dev/click-model/synthetic-training" || exit 1; done ) &
      trainer=$!
    fi
    cpu0=$(trainer_cpu_ticks)
    out=$(BENCH_THREAD_RATE=$(awk -v r="$paced" -v t="$threads" 'BEGIN { printf "%.3f", r / t }') \
      wrk -t "$threads" -c "$connections" -d "${seconds}s" --latency "${script[@]}" "http://localhost:5081/")
    trainer_cpu=$(awk -v a="$cpu0" -v b="$(trainer_cpu_ticks)" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.1f", (b - a) / hz }')
    if [ -n "$trainer" ]; then
      if ! kill -0 "$trainer" 2>/dev/null; then
        echo "error: the synthetic training on port 5092 failed during the round; see $results/apphost.log" >&2
        exit 1
      fi
      kill -TERM "$trainer" 2>/dev/null; wait "$trainer" 2>/dev/null || true
      echo "  the trainer's threads (nice, policy): $(ps -L -o ni=,cls= -p "$(trainer_pid)" | sort -u | tr -s ' \n' ' ')"
    fi
    echo "$out" >"$results/fresh-recommended-training-$training.txt"
    IFS=$'\t' read -r requests p50 p99 errors < <(echo "$out" | wrk_summary)
    printf 'fresh-recommended\t%d\t%s\t%d\t%s\t%s\t%s\t%d\t%s\n' "$paced" "$training" "$requests" "$seconds" "$p50" "$p99" "$errors" "$trainer_cpu" >>"$training_tsv"
    echo "  fresh-recommended paced at $paced req/s, training $training: $((requests / seconds)) req/s  p50 $p50 ms  p99 $p99 ms  errors $errors  trainer CPU ${trainer_cpu} s"
  done; done
  ;;
esac

table=$results/bench.md
# The targets against the floor the design sets, the hop to Reco (/debug/reco-check), in this run:
# a page's throughput as a share of the hop's (the traced pair, which keeps BENCH_SAMPLE_RATIO of the
# traces), and at half load each page's p99/p50 against the hop's own in the same pass (the median
# over the passes, each pass's in brackets).
ratios() {
  awk -F'\t' -v half="$half" '
    FILENAME != half && FNR > 1 && $2 == "traced" { n[$1] += $3; t[$1] += $4 }
    FILENAME == half && FNR > 1 && $5 > 0 { tail[$1, $12] = $6 / $5; if ($12 > passes) passes = $12 }
    function share(s, target) {
      if (!(s in t) || !("reco-check" in t)) return sprintf("| %s / hop req/s | not measured | >= %.2f | |", s, target)
      r = (n[s] / t[s]) / (n["reco-check"] / t["reco-check"])
      return sprintf("| %s / hop req/s | %.0f / %.0f = **%.2f** | >= %.2f | %s |", s, n[s] / t[s], n["reco-check"] / t["reco-check"], r, target, r >= target ? "met" : "missed")
    }
    function tails(s,    p, k, i, j, v, each) {
      k = 0; each = ""
      for (p = 1; p <= passes; p++) {
        if (!((s, p) in tail) || !(("reco-check", p) in tail)) continue
        v[++k] = tail[s, p] / tail["reco-check", p]
        each = each (k > 1 ? ", " : "") sprintf("%.1f / %.1f", tail[s, p], tail["reco-check", p])
      }
      if (k == 0) return sprintf("| %s p99/p50 / hop p99/p50, half load | not measured | <= 1.50 | |", s)
      for (i = 2; i <= k; i++) for (j = i; j > 1 && v[j - 1] > v[j]; j--) { x = v[j]; v[j] = v[j - 1]; v[j - 1] = x }
      r = (k % 2 ? v[(k + 1) / 2] : (v[k / 2] + v[k / 2 + 1]) / 2)
      return sprintf("| %s p99/p50 / hop p99/p50, half load | **%.2f**, median of %d (%s) | <= 1.50 | %s |", s, r, k, each, r <= 1.5 ? "met" : "missed")
    }
    END {
      print "| target | this run | bound | |"
      print "| --- | ---: | ---: | --- |"
      print share("fresh", 0.35); print share("history", 0.50); print tails("fresh"); print tails("history")
    }' "$raw" "$half"
}
{
  echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)), $(free -g | awk '/Mem:/ { print $2 }') GiB;"
  echo "wrk -t$threads -c$connections, $rounds alternating rounds of $seconds s, ${BENCH_RECO_REPLICAS:-1} Reco and ${BENCH_WEB_REPLICAS:-1} Web replica(s) per pair, the traced pair keeping ${BENCH_SAMPLE_RATIO:-0.01} of the traces${BENCH_APPHOST_ARGS:+, $BENCH_APPHOST_ARGS}; Release; everything on this machine."
  echo
  ratios
  echo
  awk -F'\t' '
    NR > 1 {
      k = $1 SUBSEP $2; keys[k] = 1; n[k] += $3; t[k] += $4; p50[k] += $5; p99[k] += $6; r[k]++
      e[k] += $7; rc[k] += $8; ru[k] += $9; wb[k] += $10; wc[k] += $11; cb[k] += $12; cc[k] += $13; dc[k] += $14; pc[k] += $15
      if (!(($1) in seen)) { seen[$1] = 1; order[++count] = $1 }
    }
    END {
      print "| request | tracing | req/s | of /v1_0/channels | p50 ms | p99 ms | errors | Redis cmds/req | Redis CPU µs/req | Web KB/req | Web CPU µs/req | Reco KB/req | Reco CPU µs/req | dashboard CPU µs/req | DCP CPU µs/req |"
      print "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
      for (i = 1; i <= count; i++) for (j = 1; j <= 2; j++) {
        s = order[i]; m = (j == 1 ? "traced" : "untraced"); k = s SUBSEP m; if (!(k in keys)) continue
        rps = n[k] / t[k]; c = "channels" SUBSEP m; ceiling = (c in keys) ? n[c] / t[c] : 0
        printf "| %s | %s | %.0f | %s | %.2f | %.2f | %d | %.1f | %.0f | %.1f | %.0f | %.1f | %.0f | %.0f | %.0f |\n", s, (m == "traced" ? "exported" : "off"), rps,
          (ceiling > 0 ? sprintf("%.1f %%", 100 * rps / ceiling) : "-"), p50[k] / r[k], p99[k] / r[k], e[k],
          rc[k] / n[k], ru[k] / n[k], wb[k] / n[k] / 1024, 1000 * wc[k] / n[k], cb[k] / n[k] / 1024, 1000 * cc[k] / n[k], dc[k] / n[k], pc[k] / n[k]
      }
    }' "$raw"
  if [ "$(wc -l <"$half")" -gt 1 ]; then
    echo
    echo "At half load (untraced; wrk threads paced at half the req/s above, $half_passes passes of one $seconds s round"
    echo "each; a garbage collection pauses every request in flight in that process):"
    echo
    echo "| pass | request | paced at req/s | req/s | p50 ms | p99 ms | p99 / p50 | errors | Web GCs | Web ms per GC | Reco GCs | Reco ms per GC |"
    echo "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    awk -F'\t' 'NR > 1 { printf "| %d | %s | %d | %.0f | %.2f | %.2f | %.1f | %d | %d | %.1f | %d | %.1f |\n", $12, $1, $2, $3 / $4, $5, $6, ($5 > 0 ? $6 / $5 : 0), $7,
      $8, ($8 > 0 ? $9 / $8 / 1000 : 0), $10, ($10 > 0 ? $11 / $10 / 1000 : 0) }' "$half"
  fi
} >"$table"

if [ "$(wc -l <"$training_tsv")" -gt 2 ]; then
  {
    echo
    echo "推荐 while the click model trains in the trainer process (untraced; paced at half the fresh-recommended req/s above, alternating rounds of $seconds s):"
    echo
    echo "| training beside it | paced at req/s | req/s | p50 ms | p99 ms | errors | trainer CPU s |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
    awk -F'\t' 'function median(a, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
                                              return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
      NR > 1 { printf "| %s | %d | %.0f | %.2f | %.2f | %d | %s |\n", $3, $2, $4 / $5, $6, $7, $8, $9; if ($3 == "no") idle[++ni] = $7; else busy[++nb] = $7 }
      END { if (ni > 0 && nb > 0) { m0 = median(idle, ni); m1 = median(busy, nb)
              printf "\nmedian p99 during training / median p99 without: %.2f / %.2f = %.2f (target <= 1.5)\n", m1, m0, m1 / m0 } }' "$training_tsv"
  } >>"$table"
fi

# The click model's training on a million events, after the load (the AppHost idles beside it).
echo "Training the click model on a million synthetic events ..."
dotnet build Toutiao.Tests -c Release -nologo -v q >/dev/null
training=$(dotnet test Toutiao.Tests -c Release --no-build -nologo --filter "Category=Bench" --logger "console;verbosity=detailed" 2>&1 | grep -o 'click model training:.*' || echo "click model training: failed, see dotnet test Toutiao.Tests --filter Category=Bench")
{ echo; echo "$training"; } >>"$table"
echo
# The three ratios first, then everything measured.
ratios
echo
cat "$table"
echo
echo "Per round: $raw; wrk output and the AppHost log: $results/"
