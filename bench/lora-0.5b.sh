#!/usr/bin/env bash
# Full fine-tuning vs LoRA r=16 all-linear, with and without activation checkpointing, at Qwen2.5-0.5B's shape
# (random weights), batch 4×512: one process per configuration so each peak RSS is its own.
# Usage: bench/lora-0.5b.sh [RUNS]   (heap per run: DELIBERATE_JAVA_OPTS, default -Xmx15g)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-2}"
export DELIBERATE_JAVA_OPTS="${DELIBERATE_JAVA_OPTS:--Xmx15g}"
uptime
for args in "" "--checkpointing" "--lora r=16,alpha=32,targets=all-linear" "--lora r=16,alpha=32,targets=all-linear --checkpointing"; do
  # shellcheck disable=SC2086
  bin/deliberate bench engine --shape 0.5b --runs "$runs" $args
  uptime
done
