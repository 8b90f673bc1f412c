#!/usr/bin/env bash
# Stops what scripts/slurm/start.sh started, by pid file: slurmrestd, slurmd, then slurmctld.
# munged is left running (other tools may use it); pass --all to stop it too.
set -u
STATE=${MLPC_SLURM_STATE:-/var/lib/mlpc-slurm}
files=("$STATE/run/slurmrestd.pid" "$STATE/run/slurmd.pid" "$STATE/run/slurmctld.pid")
[ "${1:-}" = --all ] && files+=(/run/munge/munged.pid)
for f in "${files[@]}"; do
  p=$(cat "$f" 2>/dev/null) || continue
  kill "$p" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$p" 2>/dev/null && kill -9 "$p" 2>/dev/null
  rm -f "$f"
done
exit 0
