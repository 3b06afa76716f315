#!/usr/bin/env bash
# Full fine-tuning vs LoRA r=16 all-linear, with and without activation checkpointing, at Qwen2.5-0.5B's shape
# (random weights), batch 4×512: one process per configuration so each peak RSS is its own.
# Usage: bench/lora-0.5b.sh [RUNS] [all|bf16]
#   all (default): those four, then LoRA + checkpointing on a bf16 base (--base-dtype bf16)
#   bf16: LoRA + checkpointing on an fp32 base, then on a bf16 base (5g heap each), then the bf16 base in a 4g heap
# (heap: -Xmx5g for LoRA + checkpointing, to show it fits; -Xmx15g for the others)
set -uo pipefail
cd "$(dirname "$0")/.."
runs="${1:-2}"
which="${2:-all}"
lora="--lora r=16,alpha=32,targets=all-linear"
case "$which" in
  all) configs=("5g|$lora --checkpointing" "15g|$lora" "15g|" "15g|--checkpointing" "5g|$lora --checkpointing --base-dtype bf16") ;;
  bf16) configs=("5g|$lora --checkpointing" "5g|$lora --checkpointing --base-dtype bf16" "4g|$lora --checkpointing --base-dtype bf16") ;;
  *) echo "usage: $0 [RUNS] [all|bf16]" >&2; exit 2 ;;
esac
uptime
for c in "${configs[@]}"; do
  heap="-Xmx${c%%|*}" args="${c#*|}"
  echo "== $args ($heap)"
  # shellcheck disable=SC2086
  DELIBERATE_JAVA_OPTS="$heap" bin/deliberate bench engine --shape 0.5b --runs "$runs" $args || echo "failed: $args ($heap)"
  uptime
done
