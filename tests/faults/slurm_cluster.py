"""A one-node Slurm cluster on loopback for the tests (Debian's slurmctld, slurmd, munge).

Everything it writes lives in a temporary directory (munge socket, Slurm state, spool, logs,
pid files) except the config, which Slurm only reads from ``/etc/slurm/slurm.conf``: that file
is written on start and removed on stop (a config that was there before is restored).  Every
daemon started is stopped by its own process id.  Needs root (the daemons run as root).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SLURM_CONF = Path("/etc/slurm/slurm.conf")
DAEMONS = ("munged", "slurmctld", "slurmd", "sinfo", "srun", "sbatch", "squeue")


def missing_requirements() -> str | None:
    """Why a cluster cannot be started here, or None."""
    if os.geteuid() != 0:
        return "the Slurm daemons need root"
    absent = [name for name in DAEMONS if shutil.which(name) is None]
    if absent:
        return f"not installed: {', '.join(absent)} (Debian: slurmctld slurmd munge slurm-client)"
    if not Path("/etc/munge/munge.key").is_file():
        return "no munge key at /etc/munge/munge.key"
    return None


def first_job_id() -> int:
    """A first job id this cluster does not share with an earlier one on this machine.

    MPICH names its shared-memory segment (/dev/shm/mpich_shm_*) after the Slurm job and step
    and leaves it behind; a fresh test cluster numbering its jobs from 1 again gave its MPI job
    the name of an earlier run's segment, and MPI_Init failed (a truncated message in the
    address exchange) or hung."""
    return 1000 + (int(time.time() * 10) + os.getpid()) % 60_000_000


def _config(root: Path, node: str, cpus: int, memory_mb: int) -> str:
    return f"""# glassy-li test cluster (tests/faults/slurm_cluster.py; removed when it stops)
FirstJobId={first_job_id()}
ClusterName=glassyli-test
SlurmctldHost={node}(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket={root}/munge.socket
CredType=cred/munge
StateSaveLocation={root}/state
SlurmdSpoolDir={root}/spool
SlurmctldPidFile={root}/slurmctld.pid
SlurmdPidFile={root}/slurmd.pid
SlurmctldLogFile={root}/slurmctld.log
SlurmdLogFile={root}/slurmd.log
SlurmctldPort=16817
SlurmdPort=16818
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
MpiDefault=none
ReturnToService=2
SchedulerType=sched/backfill
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
InactiveLimit=0
KillWait=5
MinJobAge=300
NodeName={node} NodeAddr=127.0.0.1 CPUs={cpus} RealMemory={memory_mb} State=UNKNOWN
PartitionName=test Nodes={node} Default=YES MaxTime=INFINITE State=UP
"""


def _wait_for(condition, timeout_s: float, what: str, log: Path | None = None) -> None:
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if condition():
            return
        time.sleep(0.5)
    tail = log.read_text()[-2000:] if log is not None and log.exists() else ""
    raise RuntimeError(f"timed out after {timeout_s} s waiting for {what}\n{tail}")


def _pid(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _stop(pid: int | None, timeout_s: float = 15.0) -> None:
    if pid is None:
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


@contextmanager
def one_node_slurm(root: Path, cpus: int = 2, memory_mb: int = 4000) -> Iterator[dict]:
    """Start munged, slurmctld and slurmd; yield facts about the cluster; stop them all."""
    root.mkdir(parents=True, exist_ok=True)
    os.chmod(root, 0o700)
    for sub in ("state", "spool"):
        (root / sub).mkdir(exist_ok=True)
    node = socket.gethostname().split(".")[0]
    previous = SLURM_CONF.read_bytes() if SLURM_CONF.exists() else None
    pids: dict[str, int | None] = {}
    try:
        subprocess.run(
            [
                "munged", "--force", f"--socket={root}/munge.socket",
                f"--pid-file={root}/munged.pid", f"--log-file={root}/munged.log",
                f"--seed-file={root}/munged.seed",
            ],
            check=True, capture_output=True, text=True, timeout=30,
        )
        pids["munged"] = _pid(root / "munged.pid")
        SLURM_CONF.parent.mkdir(parents=True, exist_ok=True)
        SLURM_CONF.write_text(_config(root, node, cpus, memory_mb))
        subprocess.run(["slurmctld", "-c"], check=True, capture_output=True, text=True,
                       timeout=30)  # -c: clear old state
        _wait_for(lambda: _pid(root / "slurmctld.pid") is not None, 30, "slurmctld",
                  root / "slurmctld.log")
        pids["slurmctld"] = _pid(root / "slurmctld.pid")
        subprocess.run(["slurmd"], check=True, capture_output=True, text=True, timeout=30)
        _wait_for(lambda: _pid(root / "slurmd.pid") is not None, 30, "slurmd",
                  root / "slurmd.log")
        pids["slurmd"] = _pid(root / "slurmd.pid")

        def node_idle() -> bool:
            out = subprocess.run(["sinfo", "-h", "-N", "-o", "%T"], capture_output=True,
                                 text=True, timeout=30, check=False).stdout
            return "idle" in out

        _wait_for(node_idle, 60, "the node to become idle", root / "slurmctld.log")
        yield {"node": node, "cpus": cpus, "root": root, "pids": dict(pids)}
    finally:
        if pids.get("slurmctld"):  # a failed test may leave jobs: cancel them, steps and all
            subprocess.run(["scancel", "--full", "--user", "root"], capture_output=True,
                           timeout=30, check=False)
            with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
                _wait_for(lambda: not subprocess.run(
                    ["squeue", "-h"], capture_output=True, text=True, timeout=30,
                    check=False).stdout.strip(), 30, "the cancelled jobs to end")
        for name in ("slurmd", "slurmctld", "munged"):
            _stop(pids.get(name))
        if previous is None:
            SLURM_CONF.unlink(missing_ok=True)
        else:
            SLURM_CONF.write_bytes(previous)
