"""``python -m sim.check PLAN``: check an operator's plan file and show it as a calendar.

Every problem in the file is reported at once on stderr, one ``error:`` line each, with
the file, line, field, what is allowed and a suggestion where one is obvious; the exit code
is then 2. A sound plan is printed day by day (what happens, to whom, staff minutes and
care against the team's capacity), with warnings, and the exit code is 0. Nothing is
written. The format is described in ``docs/plan-format.md``.
"""

from __future__ import annotations

import os
import sys

from sim.planfile import PlanErrors, load
from sim.planfile.calendar import render
from sim.planfile.problems import clean

USAGE = "usage: python -m sim.check PLAN.yaml   (see docs/plan-format.md)"


def main(argv: list[str] | None = None) -> int:
    """Check the plan named in ``argv`` and print its calendar.

    Args:
        argv: the command-line arguments (default ``sys.argv[1:]``).

    Returns:
        0 when the plan is sound, 2 when it has problems or the arguments are wrong.
    """
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or args[0] in ("-h", "--help"):
        print(USAGE, file=sys.stdout if args[:1] in (["-h"], ["--help"]) else sys.stderr)
        return 0 if args[:1] in (["-h"], ["--help"]) else 2
    try:
        plan = load(args[0])
    except PlanErrors as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        count = len(exc.problems)
        print(f"{count} problem{'s' * (count != 1)} found; nothing was run", file=sys.stderr)
        return 2
    try:
        print(render(plan))
        for warning in plan.warnings:
            print(f"warning: {clean(warning, 300)}")
        print(f"{plan.source}: the plan is sound")
        sys.stdout.flush()
    except BrokenPipeError:  # the reader stopped early (e.g. `| head`): not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
