"""One-line meanings of the columns ``python -m sim.collect`` writes, by file.

``COLLECT_FIELD_DOCS[file][field]``, for ``runs.parquet``, ``daily.parquet``,
``report/comparison.csv`` and ``report/failed.csv``. The swept parameters' columns are
documented by the pattern ``{swept key}``; the columns copied from a job's ``replicates.csv``
and ``daily.csv`` keep their meaning there (``FIELD_DOCS``). ``collect_field_doc`` resolves
all of them.
"""

from __future__ import annotations

from collections.abc import Iterable

from sim.outputs.fields import COMPARED_FIELDS, field_doc

SWEPT = "{swept key}"
FROM_REPLICATES = "{replicates.csv column}"
FROM_DAILY = "{daily.csv column}"

_JOB = {
    "job": "the job's directory name in the sweep directory (e.g. 3_layered)",
    "job_num": "Hydra's job number (hydra.job.num)",
    SWEPT: (
        "the job's value of a swept parameter, one column per swept key, named by the key "
        "(e.g. purchase.herd), parsed as Hydra parses the override"
    ),
    "seed": "the job's seed (summary.json); replicate i of jobs with equal seeds is paired",
}

RUNS_FIELDS: dict[str, str] = {
    **_JOB,
    "replicate": "replicate campaign (0-based)",
    FROM_REPLICATES: "every other column of the job's replicates.csv, with its meaning there",
}

DAILY_PARQUET_FIELDS: dict[str, str] = {
    **_JOB,
    FROM_DAILY: "every other column of the job's daily.csv (replicate, day, ...), as there",
}

COMPARISON_FIELDS: dict[str, str] = {
    "job": _JOB["job"],
    "job_num": _JOB["job_num"],
    SWEPT: _JOB[SWEPT],
    **COMPARED_FIELDS,
}

FAILED_FIELDS: dict[str, str] = {
    "job": _JOB["job"],
    "job_num": _JOB["job_num"],
    "overrides": "the job's overrides (.hydra/overrides.yaml), separated by spaces",
    "error_type": "the exception's class (error.json; CollectError: its files cannot be read)",
    "message": "the error message, on one line",
}

COLLECT_FIELD_DOCS: dict[str, dict[str, str]] = {
    "runs.parquet": RUNS_FIELDS,
    "daily.parquet": DAILY_PARQUET_FIELDS,
    "report/comparison.csv": COMPARISON_FIELDS,
    "report/failed.csv": FAILED_FIELDS,
}

_SOURCES = {
    FROM_REPLICATES: "replicates.csv",
    FROM_DAILY: "daily.csv",
}


def collect_field_doc(file: str, name: str, swept: Iterable[str] = ()) -> str:
    """Meaning of column ``name`` of ``file`` (a key of ``COLLECT_FIELD_DOCS``).

    Args:
        file: ``runs.parquet``, ``daily.parquet``, ``report/comparison.csv`` or
            ``report/failed.csv``.
        name: the column.
        swept: the sweep's swept keys (their columns are documented by ``{swept key}``).

    Raises:
        KeyError: if the column is not documented.
    """
    docs = COLLECT_FIELD_DOCS[file]
    if name in docs:
        return docs[name]
    if name in set(swept) and SWEPT in docs:
        return docs[SWEPT]
    for pattern, source in _SOURCES.items():
        if pattern in docs:
            try:
                return field_doc(source, name)
            except KeyError:
                pass
    raise KeyError(f"{file}: no documentation for {name!r}")
