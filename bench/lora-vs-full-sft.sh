#!/usr/bin/env bash
# LoRA vs full SFT of the demo's base student (issue #16): stage (d') CoT SFT re-run with the CLI at the demo's settings
# (150 steps, batch 8, micro-batch 4, warmup 0.1, min-lr 0.1, no weight decay, clip 1, 640 tokens), then the held-out
# val-cot loss (last eval line of metrics.jsonl) and `eval` on 40 held-out SpecWorld prompts.
# Usage: bench/lora-vs-full-sft.sh DEMO_DIR OUT   (DEMO_DIR: a finished `deliberate demo --preset tiny --seed 1` folder)
set -euo pipefail
cd "$(dirname "$0")/.."
demo=$(cd "$1" && pwd); out=$(mkdir -p "$2" && cd "$2" && pwd)
bin=$PWD/bin/deliberate
uptime
run() { # name lr [--lora SPEC]
  local name=$1 lr=$2; shift 2
  rm -rf "$out/$name"
  "$bin" train sft --model "$demo/base/checkpoint" --data "$demo/data/deliberative/sft.jsonl" --val "$demo/data/corpus/val-cot.jsonl" \
    --out "$out/$name" --max-steps 150 --batch 8 --micro-batch 4 --warmup-ratio 0.1 --min-lr-ratio 0.1 --weight-decay 0 \
    --max-grad-norm 1 --max-seq-len 640 --seed 1 --eval-every 50 --lr "$lr" "$@" > "$out/$name.log" 2>&1
  local model="$out/$name/checkpoint"; [ -d "$out/$name/adapter" ] && model="$out/$name/adapter"
  (cd "$demo" && "$bin" eval --model "$model" --bench specworld-test --world data/world --attacks none,seen,held-out \
    --max-tokens 384 --limit 40 --seed 1 --out "$out/eval-$name" > "$out/eval-$name.log" 2>&1)
  echo "$name lr=$lr $* val-cot $(grep -h '"split":"eval"' "$out/$name/metrics.jsonl" | tail -1 | grep -o '"loss":[0-9.]*')"
}
run full 3e-3
run full-lr5 5e-3
run lora16 3e-3 --lora r=16,alpha=32,targets=all-linear
run lora16-save 3e-3 --lora r=16,alpha=32,targets=all-linear,save=embed_tokens
run lora16-save-lr5 5e-3 --lora r=16,alpha=32,targets=all-linear,save=embed_tokens
uptime
