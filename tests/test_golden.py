"""Results do not change unless we mean them to: a comparison, a sweep and its collection, and
two templates' forecasts, run through the real command line, give the same tables and
summaries byte for byte as the recorded ones in ``tests/golden/digests.json`` (creation times,
the git commit and a forecast's wall time aside).

A refactor must leave this test passing untouched. A change that is meant to move the numbers
(a new default, a new mechanism) regenerates the record in the same commit, says so in
``CHANGELOG.md``, and the commit message says why::

    .venv/bin/python tests/test_golden.py --update
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd

RECORD = Path(__file__).parent / "golden" / "digests.json"
COMMON = ["population.members=120", "replicates=2", "seed=5"]
COMMANDS = {
    "compare": ["-m", "sim.compare", *COMMON],
    "sweep": ["-m", "sim", "-m", "strategy=sop,layered", "purchase.herd=0,1.5", *COMMON],
}
# Operators' forecasts of two templates that use what the default comparison barely does:
# referral tasks, several groups and new ones opened for newcomers, private offers, care.
FORECAST = ["-m", "sim.forecast", "replicates=3", "n_jobs=1", "progress=false", "care.top=0"]
for _template in ("fission-group", "experience-officers"):
    _plan = Path(__file__).resolve().parents[1] / "configs" / "plans" / f"{_template}.yaml"
    COMMANDS[_template] = [*FORECAST, f"plan={_plan}", "seed=5"]
# creation times, the commit, and how long a forecast took
VOLATILE = re.compile(rb'\s*"(created|git_commit)": "[^"]*",?\n|,?\n\s*"wall_seconds": [0-9.e+-]+')


def _normalised(path: Path, root: Path) -> bytes:
    """The bytes of a result file that must not change: JSON without its time stamp and commit,
    parquet as the CSV of its frame (parquet's own bytes carry library versions), and the
    folder the results were written to named ``<root>``."""
    if path.suffix == ".parquet":
        return pd.read_parquet(path).to_csv(index=False).encode()
    data = path.read_bytes().replace(str(root).encode(), b"<root>")
    if path.suffix == ".json":
        data = VOLATILE.sub(b"\n", data)
    return data


def produce(root: Path) -> dict[str, str]:
    """Run the commands into ``root`` and return ``{relative path: sha256}`` of the results."""
    root.mkdir(parents=True, exist_ok=True)
    for name, args in COMMANDS.items():
        key = "hydra.sweep.dir" if "-m" in args[2:] else "hydra.run.dir"
        command = [sys.executable, *args, f"{key}={root / name}"]
        subprocess.run(command, check=True, capture_output=True)
    subprocess.run(
        [sys.executable, "-m", "sim.collect", str(root / "sweep")], check=True, capture_output=True
    )
    digests = {}
    for path in sorted(root.rglob("*")):
        skipped = {".png", ".yaml", ".log", ".html"}  # figures, configs, logs, pages of the above
        if path.is_dir() or ".hydra" in path.parts or path.suffix in skipped:
            continue
        digest = hashlib.sha256(_normalised(path, root)).hexdigest()
        digests[path.relative_to(root).as_posix()] = digest
    return digests


def test_results_match_the_record(tmp_path):
    recorded = json.loads(RECORD.read_text())
    got = produce(tmp_path)
    changed = sorted(k for k in recorded if got.get(k) != recorded[k])
    added = sorted(set(got) - set(recorded))
    assert not changed and not added, f"changed: {changed}; not in the record: {added}"


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        sys.exit("usage: tests/test_golden.py --update")
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        RECORD.parent.mkdir(exist_ok=True)
        RECORD.write_text(json.dumps(produce(Path(tmp)), indent=1, sort_keys=True) + "\n")
    print(f"wrote {RECORD}")
