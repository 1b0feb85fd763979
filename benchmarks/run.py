"""Benchmark `feeds build` against the targets of issue 7.

Generates a corpus in a temporary folder, then runs each job as a separate process,
alternating them round by round: the naive PyYAML + feedgen script, Hugo (when `hugo` is on
PATH), a cold `feeds build`, a no-change rebuild and a rebuild after 1% of the records were
added, edited or deleted. Prints medians, paired ratios and PASS/FAIL per target.

    python benchmarks/run.py [--records 100000] [--repeat 3] [--json FILE] [--check]
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
sys.path.insert(0, str(HERE))

from generate import generate, record, write_config  # noqa: E402

NOW = "2030-01-01T00:00:00Z"  # every record is in the past: nothing held back as scheduled


@dataclass
class Run:
    """One timed process."""

    job: str
    round: int
    seconds: float
    peak_rss_mb: float
    exit_code: int


def tree_memory_kb(pid: int) -> tuple[int, dict[int, int]]:
    """The resident memory of a process and its descendants now (VmRSS summed), and each
    one's peak so far (VmHWM, which counts only since its exec), from /proc."""
    total, peaks, todo = 0, {}, [pid]
    while todo:
        current = todo.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
            total += int(fields["VmRSS"].split()[0])
            peaks[current] = int(fields["VmHWM"].split()[0])
            children = Path(f"/proc/{current}/task/{current}/children").read_text()
            todo.extend(int(child) for child in children.split())
        except (OSError, ValueError, KeyError):  # gone, or a zombie without memory
            continue
    return total, peaks


def measure(job: str, round_: int, command: list[str], cwd: Path | None = None) -> Run:
    """Run ``command``, timing it. Peak RSS is the larger of the tree's summed resident
    memory and any one process's own peak, both sampled every 50 ms. (``os.wait4``'s
    ``ru_maxrss`` is not used: a child spawned from this process reports this process's
    size when that is larger, as vfork shares it until the exec.)"""
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=errors)
        peak = [0]
        peaks: dict[int, int] = {}
        done = threading.Event()

        def sample() -> None:  # worker processes add up; a short peak shows in VmHWM
            while True:
                total, now = tree_memory_kb(process.pid)
                peak[0] = max(peak[0], total)
                peaks.update(now)
                if done.wait(0.05):
                    return

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status = os.waitpid(process.pid, 0)
        seconds = time.perf_counter() - start
        done.set()
        sampler.join()
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            errors.seek(0)
            message = errors.read().decode("utf-8", "replace").strip()[-2000:]
            print(f"  {job}: exit {process.returncode}: {message}", file=sys.stderr)
    rss_mb = max(peak[0], *peaks.values(), 0) / 1024
    return Run(job, round_, seconds, rss_mb, process.returncode)


def hugo_site(folder: Path, records: Path, public: Path) -> None:
    """A minimal Hugo site over the same records: per-topic RSS of the newest 50 published."""
    (folder / "layouts" / "_default").mkdir(parents=True, exist_ok=True)
    (folder / "hugo.toml").write_text(
        f"""baseURL = "https://feeds.example.org/"
title = "Benchmark Feeds"
contentDir = {json.dumps(str(records))}
publishDir = {json.dumps(str(public))}
ignoreErrors = ["error-disable-taxonomy"]
disableKinds = ["taxonomy", "section", "sitemap", "robotsTXT", "404"]
[taxonomies]
  topic = "topics"
[outputs]
  home = ["RSS"]
  term = ["RSS"]
  page = []
[services.rss]
  limit = 50
[frontmatter]
  date = ["publishedDateTime", ":default"]
[[cascade]]
  [cascade._build]
    render = "never"
  [cascade._target]
    kind = "page"
""",
        encoding="utf-8",
    )
    (folder / "layouts" / "_default" / "rss.xml").write_text(
        """{{- $all := cond .IsHome .Site.RegularPages .Pages -}}
{{- $pages := first 50 (where $all "Params.published" "!=" false) -}}
{{- printf "<?xml version=\\"1.0\\" encoding=\\"utf-8\\"?>" | safeHTML }}
<rss version="2.0"><channel><title>{{ .Title }}</title><link>{{ .Permalink }}</link>
{{- range $pages }}
<item><title>{{ .Title }}</title><link>{{ .Params.webUrl }}</link>
<guid>{{ .Params.originalUrl }}</guid><description>{{ .Params.excerpt }}</description>
<pubDate>{{ .Date.Format "Mon, 02 Jan 2006 15:04:05 -0700" }}</pubDate></item>
{{- end }}
</channel></rss>
""",
        encoding="utf-8",
    )


def feed_files(folder: Path) -> list[str]:
    """The published files under ``folder``, relative; dot-files (a lock, a state) are not."""
    return sorted(
        str(path.relative_to(folder))
        for path in folder.rglob("*")
        if path.is_file()
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
    )


def snapshot(folder: Path) -> dict[str, int]:
    """Each feed file's mtime: a rewritten file gets a new one."""
    return {name: (folder / name).stat().st_mtime_ns for name in feed_files(folder)}


def same_tree(left: Path, right: Path) -> bool:
    """The same feed files with the same bytes under both folders."""
    names, other = feed_files(left), feed_files(right)
    if names != other:
        return False
    match, mismatch, errors = filecmp.cmpfiles(left, right, names, shallow=False)
    return not mismatch and not errors


class Corpus:
    """The generated records and the 1% change applied to them (and undone)."""

    def __init__(self, folder: Path, records: int, seed: int) -> None:
        self.folder = folder
        self.paths = generate(folder, records, seed)
        self.records = records
        self.backup = folder.parent / "backup"
        self.changes: list[tuple[str, Path]] = []

    def change(self, seed: int) -> int:
        """Add, edit and delete 1% of the records (a third each); returns how many."""
        rng = random.Random(seed)
        count = max(3, self.records // 100)
        chosen = rng.sample(self.paths, 2 * (count // 3))
        edited, deleted = chosen[: count // 3], chosen[count // 3 :]
        self.backup.mkdir(exist_ok=True)
        for index, path in enumerate(edited):
            backup = self.backup / f"edit-{index}"
            shutil.copy2(path, backup)
            text = path.read_text(encoding="utf-8")
            path.write_text(text.replace('title: "', 'title: "Updated: ', 1), encoding="utf-8")
            self.changes.append(("edit", path))
        for index, path in enumerate(deleted):
            path.rename(self.backup / f"delete-{index}")
            self.changes.append(("delete", path))
        weights = [1.0] * 50
        for number in range(count - len(chosen)):
            relative, text = record(rng, self.records + 10_000_000 + number, weights)
            path = self.folder / "added" / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            self.changes.append(("add", path))
        return count

    def restore(self) -> None:
        edits = deletes = 0
        for kind, path in self.changes:
            if kind == "edit":
                shutil.copy2(self.backup / f"edit-{edits}", path)
                edits += 1
            elif kind == "delete":
                (self.backup / f"delete-{deletes}").rename(path)
                deletes += 1
        shutil.rmtree(self.folder / "added", ignore_errors=True)
        shutil.rmtree(self.backup, ignore_errors=True)
        self.changes = []


def feeds_supports(option: str) -> bool:
    help_text = subprocess.run(
        [sys.executable, "-m", "feeds", "build", "--help"],
        capture_output=True,
        text=True,
        cwd=PROJECT,
        check=False,
    ).stdout
    return option in help_text


def compile_package() -> None:
    """Byte-compile feeds as an installed package is (pip compiles at install): with
    PYTHONDONTWRITEBYTECODE set, an editable install would compile every module at every
    run, tens of milliseconds that no user's cron job pays."""
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(PROJECT / "feeds")],
        stdout=subprocess.DEVNULL,
        check=True,
    )


def clear(*folders: Path) -> None:
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, help="write every run and the summary here")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target fails")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument(
        "--skip-baselines",
        action="store_true",
        help="time feeds alone, without naive and Hugo (at 1,000,000 records Hugo needs ~20 GB)",
    )
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="feeds-bench-"))
    print(f"generating {args.records} records in {work} …", flush=True)
    corpus = Corpus(work / "records", args.records, args.seed)
    # Two configs in separate folders, so each has its own default cache beside it.
    main_dir, check_dir = work / "main", work / "check"
    write_config(main_dir / "feeds.yaml", corpus.folder, main_dir / "public")
    write_config(check_dir / "feeds.yaml", corpus.folder, check_dir / "public")
    no_cache = feeds_supports("--no-cache")
    compile_package()
    hugo = None if args.skip_baselines else shutil.which("hugo")
    if hugo:
        hugo_site(work / "hugo", corpus.folder, work / "hugo" / "public")
    elif not args.skip_baselines:
        print("hugo is not on PATH: Hugo skipped (apt-get install hugo)")

    def feeds(config_dir: Path, *extra: str) -> list[str]:
        config = str(config_dir / "feeds.yaml")
        return [sys.executable, "-m", "feeds", "build", "--config", config, "--now", NOW, "-q"]

    def cold_command(config_dir: Path) -> list[str]:
        return feeds(config_dir) + (["--no-cache"] if no_cache else [])

    runs: list[Run] = []
    rewritten: list[int] = []
    equal_after_change: bool | None = None
    for round_ in range(args.repeat):
        print(f"round {round_ + 1}/{args.repeat}", flush=True)
        if not args.skip_baselines:
            clear(work / "naive")
            runs.append(
                measure(
                    "naive",
                    round_,
                    [
                        sys.executable,
                        str(HERE / "naive.py"),
                        str(corpus.folder),
                        str(work / "naive"),
                    ],
                )
            )
        if hugo and not args.skip_baselines:
            clear(work / "hugo" / "public", work / "hugo" / "resources")
            runs.append(measure("hugo", round_, [hugo, "--quiet"], cwd=work / "hugo"))
        clear(main_dir / "public", main_dir / ".feeds-cache")
        runs.append(measure("cold", round_, cold_command(main_dir), cwd=PROJECT))
        if no_cache:  # the cold run wrote no cache: fill it, untimed
            measure("prime", round_, feeds(main_dir), cwd=PROJECT)
        before = snapshot(main_dir / "public")
        runs.append(measure("no-change", round_, feeds(main_dir), cwd=PROJECT))
        after = snapshot(main_dir / "public")
        rewritten.append(sum(after.get(name) != mtime for name, mtime in before.items()))
        changed = corpus.change(args.seed * 1000 + round_)
        runs.append(measure("1%-change", round_, feeds(main_dir), cwd=PROJECT))
        if round_ == 0:  # the changed build's feeds must equal a cold build's on the same files
            clear(check_dir / "public", check_dir / ".feeds-cache")
            measure("check", round_, cold_command(check_dir), cwd=PROJECT)
            equal_after_change = same_tree(main_dir / "public", check_dir / "public")
        corpus.restore()
        for run in runs[-5:]:
            if run.round == round_:
                print(f"  {run.job:10} {run.seconds:8.2f} s {run.peak_rss_mb:8.0f} MB")
        print(f"  ({changed} records changed; {rewritten[-1]} feeds rewritten by no-change)")

    summary = summarize(runs, args.records)
    targets = check_targets(summary, rewritten, equal_after_change, hugo is not None, args.records)
    print_report(summary, targets, args.records, no_cache)
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "records": args.records,
                    "repeat": args.repeat,
                    "machine": machine(),
                    "no_cache_option": no_cache,
                    "runs": [asdict(run) for run in runs],
                    "summary": summary,
                    "rewritten_by_no_change": rewritten,
                    "targets": targets,
                },
                indent=2,
            )
            + "\n",
            encoding="utf-8",
        )
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    failed = [t for t in targets if t["pass"] is False]
    return 1 if args.check and failed else 0


def summarize(runs: list[Run], records: int) -> dict[str, dict[str, float]]:
    """Median seconds and peak RSS per job, and paired (same-round) ratios."""
    jobs: dict[str, list[Run]] = {}
    for run in runs:
        jobs.setdefault(run.job, []).append(run)
    summary: dict[str, dict[str, float]] = {}
    for job, mine in jobs.items():
        summary[job] = {
            "median_s": statistics.median(r.seconds for r in mine),
            "min_s": min(r.seconds for r in mine),
            "max_s": max(r.seconds for r in mine),
            "peak_rss_mb": max(r.peak_rss_mb for r in mine),
            "us_per_record": statistics.median(r.seconds for r in mine) / records * 1e6,
            "failures": sum(r.exit_code != 0 for r in mine),
        }
    by_round = {(r.job, r.round): r.seconds for r in runs}
    rounds = sorted({r.round for r in runs})
    for job in summary:
        for base in ("naive", "cold", "hugo"):
            pairs = [
                by_round[(job, n)] / by_round[(base, n)]
                for n in rounds
                if (job, n) in by_round and (base, n) in by_round
            ]
            if pairs:
                summary[job][f"vs_{base}"] = statistics.median(pairs)
    return summary


def check_targets(
    summary: dict[str, dict[str, float]],
    rewritten: list[int],
    equal_after_change: bool | None,
    have_hugo: bool,
    records: int,
) -> list[dict[str, Any]]:
    cold = summary["cold"]
    naive = cold.get("vs_naive")
    # Issue 7: at most 250 MB at 100,000 records, under 1 GB at 1,000,000.
    memory = 250 if records <= 100_000 else 1000
    jobs = ("cold", "no-change", "1%-change")
    peak = max(summary[j]["peak_rss_mb"] for j in jobs)
    targets: list[dict[str, Any]] = [
        {
            "target": "cold <= 1/2 naive",
            "value": naive,
            "pass": naive <= 0.5 if naive is not None else None,
        },
        {
            "target": "cold <= 1/3 Hugo",
            "value": cold.get("vs_hugo"),
            "pass": cold["vs_hugo"] <= 1 / 3 if have_hugo else None,
        },
        {
            "target": "no-change <= 1/20 cold",
            "value": summary["no-change"]["vs_cold"],
            "pass": summary["no-change"]["vs_cold"] <= 1 / 20,
        },
        {
            "target": "no-change rewrites no feed",
            "value": max(rewritten),
            "pass": not any(rewritten),
        },
        {
            "target": "1%-change <= 1/10 cold",
            "value": summary["1%-change"]["vs_cold"],
            "pass": summary["1%-change"]["vs_cold"] <= 1 / 10,
        },
        {
            "target": "1%-change feeds == cold feeds",
            "value": equal_after_change,
            "pass": equal_after_change,
        },
        {"target": f"peak RSS <= {memory} MB", "value": peak, "pass": peak <= memory},
        {
            "target": "every feeds run exits 0",
            "value": sum(summary[j]["failures"] for j in ("cold", "no-change", "1%-change")),
            "pass": not any(summary[j]["failures"] for j in ("cold", "no-change", "1%-change")),
        },
    ]
    return targets


def print_report(
    summary: dict[str, dict[str, float]],
    targets: list[dict[str, Any]],
    records: int,
    no_cache: bool,
) -> None:
    print()
    print(
        f"{records} records; {machine()}; cold run {'with' if no_cache else 'without'} --no-cache"
    )
    header = f"{'job':10} {'median s':>9} {'min':>7} {'max':>7} {'µs/rec':>7} {'peak MB':>8}"
    print(header + f" {'/naive':>7} {'/cold':>7} {'/hugo':>7}")
    for job, row in summary.items():
        ratios = "".join(
            f" {row[key]:7.3f}" if key in row else f" {'-':>7}"
            for key in ("vs_naive", "vs_cold", "vs_hugo")
        )
        print(
            f"{job:10} {row['median_s']:9.2f} {row['min_s']:7.2f} {row['max_s']:7.2f}"
            f" {row['us_per_record']:7.0f} {row['peak_rss_mb']:8.0f}{ratios}"
        )
    print()
    for target in targets:
        verdict = {True: "PASS", False: "FAIL", None: "SKIP"}[target["pass"]]
        value = target["value"]
        shown = f"{value:.3f}" if isinstance(value, float) else str(value)
        print(f"{verdict}  {target['target']:32} ({shown})")
    print(
        "note: linear growth: compare µs/rec with a run at another --records "
        "(--skip-baselines at 1,000,000)"
    )


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


if __name__ == "__main__":
    sys.exit(main())
