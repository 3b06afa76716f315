#!/usr/bin/env bash
# Fault injection for the hardening of issue #15, loopback only and bounded (about 10 minutes on 2 cores).
# It re-runs the classes of the first pass and prints the table: tried / correct or clear error / silently wrong / lost.
#   KILLS=32 FOLDERS=10 bench/fault-injection.sh
# Everything happens in a temp folder; servers bind 127.0.0.1 on free ports; nothing leaves the machine.
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD
D="$ROOT/bin/deliberate"
LB="$ROOT/bench/fault/Loopback.java"
KILLS=${KILLS:-32}
FOLDERS=${FOLDERS:-8} # kills are spread over about this many run folders
W=$(mktemp -d /tmp/deliberate-faults.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
JAVA="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java"
[ -x "$JAVA" ] || JAVA=java

declare -A TRIED CORRECT WRONG LOST
ORDER=()
record() { # class outcome(correct|wrong|lost) [count]
  local c=$1 o=$2 n=${3:-1}
  [[ -v TRIED[$c] ]] || { ORDER+=("$c"); TRIED[$c]=0; CORRECT[$c]=0; WRONG[$c]=0; LOST[$c]=0; }
  TRIED[$c]=$((TRIED[$c] + n))
  case $o in correct) CORRECT[$c]=$((CORRECT[$c] + n)) ;; wrong) WRONG[$c]=$((WRONG[$c] + n)) ;; lost) LOST[$c]=$((LOST[$c] + n)) ;; esac
}
note() { echo "  $*" >&2; }
expect_fail() { # class pattern command... : exit != 0 and stderr+stdout mention pattern, no stack trace
  local c=$1 pat=$2; shift 2
  local out; out=$("$@" 2>&1); local rc=$?
  if [ $rc -ne 0 ] && grep -q -- "$pat" <<<"$out" && ! grep -q "Exception\|^\s*at " <<<"$out"; then record "$c" correct
  else record "$c" wrong; note "$c: rc=$rc, wanted '$pat': $(head -c 400 <<<"$out")"; fi
}
free_port() { for p in $(shuf -i 20000-60000 -n 20); do (echo >/dev/tcp/127.0.0.1/$p) 2>/dev/null || { echo $p; return; }; done; }
wait_port() { for _ in $(seq 300); do (echo >/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.1; done; return 1; }

echo "building and preparing a tiny model in $W" >&2
"$D" --version >/dev/null || exit 1
"$D" train tokenizer --corpus specworld --vocab 600 --out "$W/tok" >/dev/null 2>&1 || { echo "tokenizer failed" >&2; exit 1; }
# a small model on 16 SFT records: a run is mostly start-up, steps and saves (one a step)
cat > "$W/shape.json" <<'JSON'
{"architectures":["LlamaForCausalLM"],"model_type":"llama","hidden_size":64,"intermediate_size":128,"num_hidden_layers":2,
 "num_attention_heads":4,"num_key_value_heads":2,"vocab_size":600,"max_position_embeddings":256,"rms_norm_eps":1e-5,
 "rope_theta":10000.0,"tie_word_embeddings":false,"eos_token_id":597}
JSON
for i in $(seq 16); do
  echo "{\"messages\":[{\"role\":\"user\",\"content\":\"How do I stop a stuck Vexworm process number $i?\"},{\"role\":\"assistant\",\"content\":\"Send it the halt signal, then check the process list again; repeat $i times if needed.\"}]}"
done > "$W/sft.jsonl"
TRAIN=(train sft --data "$W/sft.jsonl" --val "$W/sft.jsonl" --init "$W/shape.json" --tokenizer "$W/tok" --max-steps 6 --save-every 1 --batch 4 --micro-batch 4)
t0=$(date +%s.%N)
"$D" "${TRAIN[@]}" --out "$W/ref" >/dev/null 2>"$W/ref.err" || { cat "$W/ref.err" >&2; exit 1; }
TREF=$(echo "$(date +%s.%N) - $t0" | bc)
REF_SHA=$(sha256sum "$W/ref/checkpoint/model.safetensors" | cut -d' ' -f1)
REF_LOSS=$(grep -o '"final_loss" *: *[^,]*' "$W/ref/summary.json" | sed 's/.*: *//')
REF_EVAL=$(tr -d ' \n' < "$W/ref/summary.json" | grep -o '"eval":{[^}]*}')
note "reference run: ${TREF}s, final_loss $REF_LOSS"

# ---- kills during training, state swaps and the final save -------------------------------------------------
kills=0; in_save=0; in_final=0
per=$(( (KILLS + FOLDERS - 1) / FOLDERS ))
TARGETS=(state any state final)
# kill -9 PID once the run is at TARGET: a state being written, the final save under way, or anywhere after it began training
kill_at() {
  local pid=$1 out=$2 target=$3 t
  for _ in $(seq 12000); do
    kill -0 "$pid" 2>/dev/null || return 1
    case $target in
      state) compgen -G "$out/state/step-*.tmp-*" >/dev/null && break ;;
      final) [ -e "$out/summary.pending.json" ] && break ;;
      any) [ -s "$out/metrics.jsonl" ] && { sleep "$(echo "scale=2; ($RANDOM % 300) / 100" | bc)"; break; } ;;
    esac
    sleep 0.005
  done
  kill -9 "$pid" 2>/dev/null || return 1
  wait "$pid" 2>/dev/null
  compgen -G "$out/state/step-*.tmp-*" >/dev/null && in_save=$((in_save + 1))
  { [ -e "$out/summary.pending.json" ] || compgen -G "$out/checkpoint.tmp-*" >/dev/null; } && in_final=$((in_final + 1))
  return 0
}
for f in $(seq 100); do
  [ $kills -ge "$KILLS" ] && break
  out="$W/kill$f"; k=0
  while :; do
    "$D" "${TRAIN[@]}" --out "$out" >/dev/null 2>>"$out.err" & pid=$!
    if [ $k -lt $per ] && [ $kills -lt $KILLS ] && kill_at $pid "$out" "${TARGETS[$((k % ${#TARGETS[@]}))]}"; then
      k=$((k + 1)); kills=$((kills + 1)); continue
    fi
    wait $pid; rc=$?
    [ $rc -eq 0 ] && break
    note "kill$f: a rerun failed with $rc: $(tail -3 "$out.err")"; break
  done
  [ $k -eq 0 ] && continue
  # judge the folder: same weights, the measured summary, every step logged once, no orphans
  if [ ! -f "$out/checkpoint/model.safetensors" ] || [ ! -f "$out/summary.json" ]; then record "kill -9 during train/save/final save" lost $k; continue; fi
  sha=$(sha256sum "$out/checkpoint/model.safetensors" | cut -d' ' -f1)
  loss=$(grep -o '"final_loss" *: *[^,]*' "$out/summary.json" | sed 's/.*: *//')
  ev=$(tr -d ' \n' < "$out/summary.json" | grep -o '"eval":{[^}]*}')
  steps=$(grep '"split":"train"' "$out/metrics.jsonl" | grep -o '"step":[0-9]*' | sort | uniq | wc -l)
  lines=$(grep -c '"split":"train"' "$out/metrics.jsonl")
  orphans=$( (ls -a "$out"; ls "$out/state") | grep -c '\.tmp\|\.old-\|pending')
  nstates=$(ls "$out/state" | wc -l)
  if [ "$steps" -lt 6 ]; then record "kill -9 during train/save/final save" lost $k; note "kill$f: $steps of 6 steps logged"
  elif [ "$sha" = "$REF_SHA" ] && [ "$loss" = "$REF_LOSS" ] && [ "$ev" = "$REF_EVAL" ] && [ "$lines" -eq 6 ] && [ "$orphans" -eq 0 ] && [ "$nstates" -eq 1 ]; then
    record "kill -9 during train/save/final save" correct $k
  else record "kill -9 during train/save/final save" wrong $k; note "kill$f: sha ok=$([ "$sha" = "$REF_SHA" ] && echo y), loss $loss vs $REF_LOSS, eval $ev vs $REF_EVAL, lines $lines, orphans $orphans, states $nstates"; fi
  # item 2: a rerun of the finished stage touches nothing
  before=$(sha256sum "$out/summary.json")
  msg=$("$D" "${TRAIN[@]}" --out "$out" 2>&1); rc=$?
  if [ $rc -eq 0 ] && grep -q "already finished" <<<"$msg" && [ "$before" = "$(sha256sum "$out/summary.json")" ]; then record "2 rerun of a finished stage" correct
  else record "2 rerun of a finished stage" wrong; note "rerun: rc=$rc $msg"; fi
done
note "kills: $kills, of which $in_save left a state being written and $in_final a final save under way"

# ---- the other items ---------------------------------------------------------------------------------------
CK="$W/ref/checkpoint"
# 3: safetensors that load silently with wrong weights, NaN weights, a shard index pointing outside
for kind in overlap gap duplicate nan; do
  bad="$W/bad-$kind"; cp -r "$CK" "$bad"
  "$JAVA" "$LB" corrupt "$bad/model.safetensors" $kind >/dev/null
  case $kind in overlap) pat="overlaps" ;; gap) pat="belong to no tensor" ;; duplicate) pat="named twice" ;; nan) pat="non-finite" ;; esac
  expect_fail "3 malformed or non-finite safetensors" "$pat" "$D" train sft --text specworld --model "$bad" --max-steps 1 --out "$W/o-$kind"
  [ $kind != nan ] && expect_fail "3 malformed or non-finite safetensors" "$pat" "$D" serve --model "$bad" --port 0
done
esc="$W/bad-escape"; cp -r "$CK" "$esc"; mv "$esc/model.safetensors" "$W/outside.safetensors"
names=$(head -c 100000 "$W/outside.safetensors" | tail -c +9 | grep -ao '"[a-z_.0-9]*":{"dtype"' | sed 's/:{"dtype"//' | paste -sd, | sed 's/,/:"..\/outside.safetensors",/g; s/$/:"..\/outside.safetensors"/')
echo "{\"weight_map\":{$names}}" > "$esc/model.safetensors.index.json"
expect_fail "3 malformed or non-finite safetensors" "outside the checkpoint folder" "$D" serve --model "$esc" --port 0

# 4: a key named for one endpoint goes nowhere else; openai: takes OPENAI_API_KEY only
HP=$(free_port); "$JAVA" "$LB" hung "$HP" "$W/hung.log" >/dev/null & PIDS+=($!); wait_port "$HP"
expect_fail "4 key scoping" "name the endpoint it is for" env LOCAL_KEY=local-secret "$D" eval --model "http://127.0.0.1:$HP/v1#m" \
  --judge "http://127.0.0.2:9/v1#j" --api-key-env LOCAL_KEY --bench specworld-test --limit 1 --out "$W/e4"
: > "$W/hung.log"
env OPENAI_API_KEY=sk-openai-only LOCAL_KEY=local-secret OPENAI_BASE_URL="http://127.0.0.1:$HP/v1" timeout 60 "$D" eval --model openai:gpt-x \
  --api-key-env LOCAL_KEY --bench specworld-test --limit 1 --request-timeout 1 --retries 0 --total-timeout 2 --no-cache --out "$W/e4b" >/dev/null 2>&1
if grep -q "Bearer sk-openai-only" "$W/hung.log" && ! grep -q "local-secret" "$W/hung.log"; then record "4 key scoping" correct; else record "4 key scoping" wrong; note "openai: sent $(grep -ai authorization "$W/hung.log" | head -2)"; fi

# 10: a hung upstream is cut at the total deadline
t0=$(date +%s)
out=$(timeout 120 "$D" eval --model "http://127.0.0.1:$HP/v1#m" --bench specworld-test --limit 1 --request-timeout 2 --retries 10 --total-timeout 5 --no-cache --out "$W/e10" 2>&1); rc=$?
dt=$(( $(date +%s) - t0 ))
if [ $rc -ne 0 ] && [ $dt -lt 40 ] && grep -q "total deadline\|gave up" <<<"$out"; then record "10 hung upstream (bounded)" correct; else record "10 hung upstream (bounded)" wrong; note "hung: rc=$rc in ${dt}s: $(tail -c 300 <<<"$out")"; fi
note "hung upstream: eval gave up after ${dt}s (10 retries allowed, --total-timeout 5)"

# 8, 9: integers never wrap; --default-max-tokens checked at start
# (generate reads run files; its limit is an int)
printf 'limit: 4294967297\n' > "$W/wrap.yaml"
expect_fail "8 integer ranges in --config and flags" "outside the range" "$D" generate deliberative --config "$W/wrap.yaml" --out "$W/o8"
printf 'limit: 4294968296\n' > "$W/wrap2.yaml"
expect_fail "8 integer ranges in --config and flags" "outside the range" "$D" generate deliberative --config "$W/wrap2.yaml" --out "$W/o8b"
expect_fail "8 integer ranges in --config and flags" "is not an int" "$D" "${TRAIN[@]}" --max-steps 4294967297 --out "$W/o8c"
for v in 0 -1 40000 4294968296; do expect_fail "9 --default-max-tokens at start" "default-max-tokens" "$D" serve --model world:teacher --port 0 --default-max-tokens $v; done

# smaller items
: > "$W/empty.md"; expect_fail "smaller items" "the spec is empty" "$D" spec lint "$W/empty.md"
printf '## Chemicals\nid: CHEM\nsummary: caf\xe9\n' > "$W/latin1.md"; expect_fail "smaller items" "not valid UTF-8" "$D" spec lint "$W/latin1.md"
{ printf '{"prompt":"'; head -c 21000000 /dev/zero | tr '\0' 'x'; printf '"}\n'; } > "$W/huge.jsonl"
expect_fail "smaller items" "huge.jsonl:1" "$D" eval --model world:teacher --bench "$W/huge.jsonl" --out "$W/e-huge"
{ printf '{"prompt":'; printf '[%.0s' $(seq 3000); printf ']%.0s' $(seq 3000); printf '}\n'; } > "$W/deep.jsonl"
expect_fail "smaller items" "deep.jsonl:1" "$D" eval --model world:teacher --bench "$W/deep.jsonl" --out "$W/e-deep"

# ---- the server: cross-site use, slow connections, load, clients that leave --------------------------------
SP=$(free_port)
"$D" serve --model "$CK" --port "$SP" --max-queue 8 --max-batch 8 >"$W/serve.out" 2>"$W/serve.err" & PIDS+=($!)
wait_port "$SP" || { echo "serve did not start: $(cat "$W/serve.err")" >&2; exit 1; }
NAME=$(grep -o "as '[^']*'" "$W/serve.out" | head -1 | sed "s/as '//; s/'$//")
BODY="{\"model\":\"$NAME\",\"max_tokens\":4,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
check() { local c=$1 want=$2; shift 2; local got; got=$(code "$@"); if [ "$got" = "$want" ]; then record "$c" correct; else record "$c" wrong; note "$c: got $got, want $want"; fi; }
U="http://127.0.0.1:$SP/v1/chat/completions"
check "5 cross-site use" 415 -X POST "$U" -H 'Content-Type: text/plain' -d "$BODY"
check "5 cross-site use" 415 -X POST "$U" -H 'Content-Type: application/x-www-form-urlencoded' -d "$BODY"
check "5 cross-site use" 403 -X POST "$U" -H 'Content-Type: application/json' -H 'Origin: http://evil.example' -d "$BODY"
check "5 cross-site use" 403 -X POST "$U" -H 'Content-Type: application/json' -H "Origin: http://rebind.example:$SP" -d "$BODY"
check "5 cross-site use" 200 -X POST "$U" -H 'Content-Type: application/json' -H "Origin: http://127.0.0.1:$SP" -d "$BODY"
check "smaller items" 400 -X POST "$U" -H 'Content-Type: application/json' -d "${BODY}garbage"
check "smaller items" 400 -X POST "$U" -H 'Content-Type: application/json' -d "${BODY%\}},\"response_format\":{\"type\":\"json_object\"}}"

res=$("$JAVA" "$LB" slow "$SP" 20 30); note "$res"
if grep -q "held_the_whole_30s=0 " <<<"$res" && grep -qE "normal_requests_served=([0-9]+)/\1" <<<"$res"; then record "6 slow connections (20 for 30 s)" correct 20; else record "6 slow connections (20 for 30 s)" wrong 20; fi

res=$("$JAVA" "$LB" load "$SP" 200 "$NAME" 32); note "$res"
if grep -q " other=0 " <<<"$res"; then record "200 concurrent, --max-queue 8" correct 200; else record "200 concurrent, --max-queue 8" wrong 200; fi
LOAD=$res

res=$("$JAVA" "$LB" abandon "$SP" 8 "$NAME"); note "$res"
next=$(grep -o 'next_request_ms=[0-9]*' <<<"$res" | cut -d= -f2); alone=$(grep -o 'alone_ms=[0-9]*' <<<"$res" | cut -d= -f2)
if grep -q "next_request_status=200" <<<"$res" && [ "$next" -le $((alone * 3 + 1000)) ]; then record "1 clients leaving mid-stream (8)" correct 8; else record "1 clients leaving mid-stream (8)" wrong 8; fi
ABANDON=$res

# ---- the table ---------------------------------------------------------------------------------------------
echo
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(nproc) cores; kills: $kills ($in_save in a state write, $in_final in the final save)"
echo "$LOAD"
echo "$ABANDON"
printf '\n| %-42s | %5s | %22s | %14s | %4s |\n' "class" "tried" "correct or clear error" "silently wrong" "lost"
printf '| %-42s | %5s | %22s | %14s | %4s |\n' "---" "---" "---" "---" "---"
tw=0; tl=0
for c in "${ORDER[@]}"; do
  printf '| %-42s | %5d | %22d | %14d | %4d |\n' "$c" "${TRIED[$c]}" "${CORRECT[$c]}" "${WRONG[$c]}" "${LOST[$c]}"
  tw=$((tw + WRONG[$c])); tl=$((tl + LOST[$c]))
done
[ $tw -eq 0 ] && [ $tl -eq 0 ]
