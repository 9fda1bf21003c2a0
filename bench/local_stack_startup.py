"""Local stack figures: time from command to ready (stack.json written; median of 3 cold starts) and the
resident memory of the whole stack when idle (VmRSS of the process and any children), plus idle CPU.

Run: .venv/bin/python bench/local_stack_startup.py [--runs 3]
"""

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def tree(pid: int) -> list[int]:
    """pid and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children.get(p, [])
    return out


def rss_kib(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total


def cpu_seconds(pids: list[int]) -> float:
    ticks = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])  # utime + stime
    return ticks / os.sysconf("SC_CLK_TCK")


def one_run(measure_idle: bool) -> tuple[float, dict]:
    with tempfile.TemporaryDirectory() as tmp:
        stack_file = Path(tmp) / "stack.json"
        started = time.monotonic()
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "infra.local_stack",
                "--port",
                "0",
                "--portal-port",
                "0",
                "--stack-file",
                str(stack_file),
            ],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            while not stack_file.exists():
                if proc.poll() is not None or time.monotonic() - started > 60:
                    raise SystemExit("the local stack did not start; run make local to see why")
                time.sleep(0.02)
            ready = time.monotonic() - started
            idle = {}
            if measure_idle:
                time.sleep(3)  # let start-up garbage settle; nothing calls the stack meanwhile
                pids = tree(proc.pid)
                cpu_before = cpu_seconds(pids)
                time.sleep(10)
                idle = {
                    "processes": len(pids),
                    "rss_mib": rss_kib(tree(proc.pid)) / 1024,
                    "idle_cpu_percent": (cpu_seconds(pids) - cpu_before) / 10 * 100,
                }
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(20)
        return ready, idle


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    times, idle = [], {}
    for i in range(args.runs):
        ready, measured = one_run(measure_idle=i == args.runs - 1)
        times.append(ready)
        idle = measured or idle
    print(
        f"ready after: median {statistics.median(times):.2f}s over {args.runs} runs "
        f"({', '.join(f'{t:.2f}s' for t in times)})"
    )
    print(f"idle resident memory: {idle['rss_mib']:.0f} MiB (VmRSS, {idle['processes']} process(es))")
    print(f"idle CPU: {idle['idle_cpu_percent']:.1f}% of one core (SQS long-polling)")


if __name__ == "__main__":
    main()
