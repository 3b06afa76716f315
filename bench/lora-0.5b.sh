#!/usr/bin/env bash
# Full fine-tuning vs LoRA r=16 all-linear, with and without activation checkpointing, at Qwen2.5-0.5B's shape
# (random weights), batch 4×512: one process per configuration so each peak RSS is its own.
# Usage: bench/lora-0.5b.sh [RUNS]   (heap: -Xmx5g for LoRA + checkpointing, to show it fits; -Xmx15g for the others)
set -uo pipefail
cd "$(dirname "$0")/.."
runs="${1:-2}"
uptime
for args in "--lora r=16,alpha=32,targets=all-linear --checkpointing" "--lora r=16,alpha=32,targets=all-linear" "" "--checkpointing"; do
  case "$args" in --lora*--checkpointing) heap=-Xmx5g ;; *) heap=-Xmx15g ;; esac
  # shellcheck disable=SC2086
  DELIBERATE_JAVA_OPTS="$heap" bin/deliberate bench engine --shape 0.5b --runs "$runs" $args || echo "failed: $args ($heap)"
  uptime
done
