#!/usr/bin/env bash
# A soak of the arrival-order (metamorphic) money test: TOTAL generated chains in chunks of CHUNK, each chunk
# with its own seed (FIRST_SEED, FIRST_SEED+1, ...), so a failure is replayed with
#   ARRIVAL_ORDER_SCENARIOS=<chunk> ARRIVAL_ORDER_SEED=<seed> npx vitest run test/int/arrival-order.int.test.ts -t generated
# Prints one line per chunk (seed, outcome, seconds) and a summary; exits non-zero if any chunk failed.
# Needs what `npm test` needs (PostgreSQL at DB_URL; it starts Kafka and anvil when they are not running).
set -uo pipefail
cd "$(dirname "$0")/.."

TOTAL=${TOTAL:-2000}
CHUNK=${CHUNK:-100}
FIRST_SEED=${FIRST_SEED:-$(date +%s)}
LOG_DIR=${LOG_DIR:-$(mktemp -d -t arrival-order-soak-XXXX)}
mkdir -p "$LOG_DIR"

echo "arrival-order soak: $TOTAL chains in chunks of $CHUNK, seeds from $FIRST_SEED, logs in $LOG_DIR"
start=$(date +%s)
passed=0
failed_seeds=()
for ((done_chains = 0, seed = FIRST_SEED; done_chains < TOTAL; done_chains += CHUNK, seed++)); do
  chunk_start=$(date +%s)
  if ARRIVAL_ORDER_SCENARIOS=$CHUNK ARRIVAL_ORDER_SEED=$seed ARRIVAL_ORDER_SHRINK=0 \
    npx vitest run test/int/arrival-order.int.test.ts -t generated >"$LOG_DIR/seed-$seed.log" 2>&1; then
    outcome=passed
    passed=$((passed + CHUNK))
  else
    outcome=FAILED
    failed_seeds+=("$seed")
  fi
  echo "seed $seed: $CHUNK chains $outcome in $(($(date +%s) - chunk_start)) s"
done
echo "arrival-order soak: $passed of $TOTAL chains passed in $(($(date +%s) - start)) s; failed seeds: ${failed_seeds[*]:-none}"
[ ${#failed_seeds[@]} -eq 0 ]
