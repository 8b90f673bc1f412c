#!/usr/bin/env bash
# Starts a single-node Slurm 22.05 (Debian 12) with 2 fake GPUs and slurmrestd with JWT auth, as root,
# without systemd. Idempotent: when everything it started is still up, it only refreshes the token.
#
#   scripts/slurm/start.sh                    install (first run), configure, start, wait until ready
#   source /var/lib/mlpc-slurm/slurm.env      SLURMRESTD_URL, SLURM_JWT (root, 24 h), SLURM_USER_NAME,
#                                             SLURM_API_VERSION, SLURM_JWT_KEY_FILE, MLPC_SLURM_PARTITION
#   scripts/slurm/stop.sh                     stops it again
#
# Settings (environment): MLPC_SLURM_ADDR (127.0.0.1:6820), MLPC_SLURM_GPUS (2), MLPC_SLURM_CPUS (nproc, may
# exceed the real cores), MLPC_SLURM_CGROUP (1: cgroup v1 memory enforcement, so jobs over --mem end
# OUT_OF_MEMORY), MLPC_SLURM_STATE (/var/lib/mlpc-slurm: everything this script owns lives there).
set -euo pipefail
ADDR=${MLPC_SLURM_ADDR:-127.0.0.1:6820}
STATE=${MLPC_SLURM_STATE:-/var/lib/mlpc-slurm}
GPUS=${MLPC_SLURM_GPUS:-2}
CPUS=${MLPC_SLURM_CPUS:-$(( $(nproc) < 4 ? 4 : $(nproc) ))}
CGROUP=${MLPC_SLURM_CGROUP:-1}
ENV_FILE=$STATE/slurm.env
H=$(hostname -s)
t0=$(date +%s.%N)
elapsed() { awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}'; }
[ "$(id -u)" = 0 ] || { echo "start.sh: must run as root (it installs packages and starts daemons)" >&2; exit 2; }

alive() { local p; p=$(cat "$STATE/run/$1.pid" 2>/dev/null) && kill -0 "$p" 2>/dev/null; }
write_env() {
  local token
  token=$(SLURM_CONF=$STATE/etc/slurm.conf scontrol token username=root lifespan=86400 | sed 's/^SLURM_JWT=//')
  cat > "$ENV_FILE.tmp" <<EOF
export SLURMRESTD_URL=http://$ADDR
export SLURM_API_VERSION=v0.0.38
export SLURM_JWT=$token
export SLURM_USER_NAME=root
export SLURM_JWT_KEY_FILE=$STATE/spool/ctld/jwt_hs256.key
export SLURM_CONF=$STATE/etc/slurm.conf
export MLPC_SLURM_PARTITION=debug
EOF
  mv "$ENV_FILE.tmp" "$ENV_FILE"
  echo "$token"
}
ping_code() { curl -s -o /dev/null -w '%{http_code}' -H "X-SLURM-USER-NAME: root" -H "X-SLURM-USER-TOKEN: $1" "http://$ADDR/slurm/v0.0.38/ping" || true; }

# 0. second run: everything up -> refresh the token and stop here
if alive slurmctld && alive slurmd && alive slurmrestd && [ -s "$ENV_FILE" ]; then
  token=$(write_env)
  if [ "$(ping_code "$token")" = 200 ]; then
    echo "slurm already running ($(elapsed) s); env in $ENV_FILE"; exit 0
  fi
  echo "start.sh: daemons up but slurmrestd does not answer; restarting" >&2
fi
"$(dirname "${BASH_SOURCE[0]}")/stop.sh" >/dev/null 2>&1 || true

# 1. packages (about 7 s on a fresh machine)
if ! command -v slurmrestd >/dev/null || ! [ -e /usr/lib/x86_64-linux-gnu/slurm-wlm/auth_jwt.so ] || ! command -v curl >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  # other apt clients on the machine hold the locks for a while: wait for them instead of failing
  for i in $(seq 60); do apt-get update -qq -o DPkg::Lock::Timeout=10 && break; [ "$i" = 60 ] && exit 1; sleep 5; done
  apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=600 -o Dpkg::Options::=--force-confold \
    slurm-wlm slurmctld slurmd slurmrestd slurm-client munge slurm-wlm-jwt-plugin curl >/dev/null
fi

# 2. users, folders, keys (all under $STATE except munge's own key and socket)
id slurmrest >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin slurmrest
mkdir -p "$STATE"/{etc,run,log,spool/ctld,spool/d} /run/munge /etc/munge
chown munge:munge /run/munge; chmod 0755 /run/munge
[ -s /etc/munge/munge.key ] || dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 2>/dev/null
chown munge:munge /etc/munge/munge.key; chmod 0400 /etc/munge/munge.key
rm -rf "$STATE"/spool/ctld/* "$STATE"/spool/d/*       # clean state on every (re)start
chown slurm:slurm "$STATE"/spool/ctld "$STATE"/log "$STATE"/run
chmod 0755 "$STATE" "$STATE"/etc
dd if=/dev/urandom of="$STATE"/spool/ctld/jwt_hs256.key bs=32 count=1 2>/dev/null
chown slurm:slurm "$STATE"/spool/ctld/jwt_hs256.key; chmod 0600 "$STATE"/spool/ctld/jwt_hs256.key

# 3. fake GPUs: gres/gpu needs File= entries that are devices; clones of /dev/null do
GRES_NODE=""; GRES_TYPES=""
if [ "$GPUS" -gt 0 ]; then
  mkdir -p /dev/fakegpu
  for ((i = 0; i < GPUS; i++)); do [ -e /dev/fakegpu/gpu$i ] || mknod /dev/fakegpu/gpu$i c 1 3; done
  GRES_NODE="Gres=gpu:$GPUS"; GRES_TYPES="GresTypes=gpu"
  printf 'AutoDetect=off\nNodeName=%s Name=gpu File=/dev/fakegpu/gpu[0-%d]\n' "$H" $((GPUS - 1)) > "$STATE"/etc/gres.conf
else
  rm -f "$STATE"/etc/gres.conf
fi
if [ "$CGROUP" = 1 ] && [ -d /sys/fs/cgroup/memory ]; then
  PROCTRACK=proctrack/cgroup; TASK=task/cgroup,task/affinity; SELP=CR_Core_Memory
  printf 'CgroupPlugin=cgroup/v1\nConstrainCores=yes\nConstrainRAMSpace=yes\nConstrainSwapSpace=yes\nAllowedSwapSpace=0\nConstrainDevices=no\n' > "$STATE"/etc/cgroup.conf
else
  PROCTRACK=proctrack/linuxproc; TASK=task/none; SELP=CR_Core; rm -f "$STATE"/etc/cgroup.conf
fi
MEM=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 * 9 / 10 ))
cat > "$STATE"/etc/slurm.conf <<EOF
ClusterName=mlpc
SlurmctldHost=$H(127.0.0.1)
SlurmUser=slurm
SlurmdUser=root
AuthType=auth/munge
CryptoType=crypto/munge
AuthAltTypes=auth/jwt
AuthAltParameters=jwt_key=$STATE/spool/ctld/jwt_hs256.key
StateSaveLocation=$STATE/spool/ctld
SlurmdSpoolDir=$STATE/spool/d
SlurmctldPidFile=$STATE/run/slurmctld.pid
SlurmdPidFile=$STATE/run/slurmd.pid
SlurmctldLogFile=$STATE/log/slurmctld.log
SlurmdLogFile=$STATE/log/slurmd.log
SlurmctldPort=6817
SlurmdPort=6818
ProctrackType=$PROCTRACK
TaskPlugin=$TASK
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
SelectType=select/cons_tres
SelectTypeParameters=$SELP
MpiDefault=none
SlurmdParameters=config_overrides
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
KillWait=2
OverTimeLimit=0
MinJobAge=300
MaxArraySize=1001
MaxJobCount=20000
DefMemPerCPU=500
$GRES_TYPES
NodeName=$H NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$MEM $GRES_NODE State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$STATE/etc/slurm.conf

# 4. daemons (each daemonizes and writes its pid file; slurmctld exits 0 even when the daemon dies)
munge -n 2>/dev/null | unmunge >/dev/null 2>&1 || runuser -u munge -- /usr/sbin/munged
for _ in $(seq 50); do [ -S /run/munge/munge.socket.2 ] && break; sleep 0.1; done
/usr/sbin/slurmctld -f "$SLURM_CONF"
/usr/sbin/slurmd -f "$SLURM_CONF"
fail() { echo "start.sh: $1" >&2; tail -n 20 "$STATE"/log/slurmctld.log "$STATE"/log/slurmd.log >&2 || true; exit 1; }
st=none
for i in $(seq 150); do
  for d in slurmctld slurmd; do alive $d || [ "$i" -lt 10 ] || fail "$d died"; done
  st=$(timeout 5 sinfo -h -n "$H" -o %T 2>/dev/null || true)
  [ "$st" = idle ] && break; sleep 0.2
done
[ "$st" = idle ] || { scontrol show node "$H" >&2 || true; fail "node state: $st"; }

# slurmrestd refuses uid 0: -u drops to an unprivileged user after binding. Only the openapi
# plugins (the dbv0.0.3x ones are fatal without slurmdbd). SLURM_JWT=daemon: use each request's JWT.
cd /
SLURM_JWT=daemon nohup /usr/sbin/slurmrestd -f "$SLURM_CONF" -u slurmrest -a rest_auth/jwt \
  -s openapi/v0.0.36,openapi/v0.0.37,openapi/v0.0.38 "$ADDR" >"$STATE"/log/slurmrestd.log 2>&1 </dev/null &
echo $! > "$STATE"/run/slurmrestd.pid

# 5. token, readiness
token=$(write_env)
code=000
for _ in $(seq 100); do code=$(ping_code "$token"); [ "$code" = 200 ] && break; sleep 0.1; done
[ "$code" = 200 ] || { cat "$STATE"/log/slurmrestd.log >&2; fail "slurmrestd not ready (HTTP $code)"; }
echo "slurm ready in $(elapsed) s; env in $ENV_FILE"
