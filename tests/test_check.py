"""``python -m sim.check``: every problem at once, with line and field; a calendar if sound."""

from __future__ import annotations

from pathlib import Path

import pytest
from factories import run_module

from sim.check import main
from sim.planfile import PlanErrors, load

ROOT = Path(__file__).resolve().parents[1]
PLANS = ROOT / "configs" / "plans"


def check(path: Path, capsys) -> tuple[int, str, str]:
    code = main([str(path)])
    out, err = capsys.readouterr()
    return code, out, err


def tree(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def test_a_sound_plan_prints_its_calendar(capsys):
    code, out, err = check(PLANS / "layered.yaml", capsys)
    assert code == 0 and err == ""
    plan = load(PLANS / "layered.yaml")
    lines = out.splitlines()
    days = [line for line in lines if line.startswith("day ")]
    assert len(days) == plan.params.days  # one block per day
    assert "opening ceremony" in out and "sharing session" in out and "limited-time offer" in out
    assert "price 599 CNY (anchor 1299)" in out
    assert "switched off: shills (line " in out
    assert "shills" not in out.split("\n\n", 1)[1].split("days that")[0]  # not in the days
    assert out.rstrip().endswith("the plan is sound")


def test_capacity_flags_follow_the_team(tmp_path: Path, capsys):
    text = "days: 3\ncalendar:\n  - {what: care, day: 1, at: 10, every_days: 1, to: {top: 50}}\n"
    (tmp_path / "small.yaml").write_text("team: {people: 1, care_per_person_per_day: 40}\n" + text)
    (tmp_path / "big.yaml").write_text("team: {people: 2, care_per_person_per_day: 40}\n" + text)
    code, out, _ = check(tmp_path / "small.yaml", capsys)
    assert code == 0
    assert out.count("OVER CAPACITY") == 3 and "up to 50 conversations" in out
    code, out, _ = check(tmp_path / "big.yaml", capsys)
    assert code == 0 and "OVER CAPACITY" not in out
    assert "no day exceeds the team's capacity" in out


def test_staff_minutes_count_against_the_day(tmp_path: Path, capsys):
    path = tmp_path / "p.yaml"
    path.write_text(
        "days: 2\nteam: {people: 1, minutes_per_person_per_day: 100}\ncalendar:\n"
        "  - {what: opening ceremony, day: 1, at: 20}\n"  # 90 minutes
        "  - {what: live lesson, day: 2, at: 20, minutes: 120}\n"
    )
    code, out, _ = check(path, capsys)
    assert code == 0
    assert "90/100 min" in out and "120/100 min  OVER CAPACITY" in out
    # a group task is done in every group; a lesson once; care per conversation
    path.write_text(
        "days: 1\ncommunity: {members: 100, groups: 2}\n"
        "team: {people: 1, minutes_per_person_per_day: 1000}\ncalendar:\n"
        "  - {what: opening ceremony, day: 1, at: 20}\n"
        "  - {what: live lesson, day: 1, at: 19, minutes: 50}\n"
        "  - {what: care, day: 1, at: 9, minutes: 4, to: {top: 5}}\n"
    )
    code, out, _ = check(path, capsys)
    assert code == 0
    assert "up to 10 care, 40 min" in out and "180 min" in out
    assert f"total: 10/30 care, {180 + 50 + 40}/1000 min" in out


# Hand-made malformed plans: (text, [(line, field, words the message must hold)]).
MALFORMED = [
    ("calendar:\n  - what: broadcst\n", [(2, "calendar[0].what", "did you mean 'broadcast'")]),
    ("comunity: {members: 50}\n", [(1, "comunity", "did you mean 'community'")]),
    ("days: 10\ncalendar:\n  - {what: notice, day: 11}\n", [(3, "calendar[0].day", "1 to 10")]),
    ("calendar:\n  - {what: notice, at: '20:30'}\n", [(2, "calendar[0].at", "20:00")]),
    ("calendar:\n  - {what: notice, at: [8, 8]}\n", [(2, "calendar[0].at", "twice")]),
    ("calendar:\n  - {what: notice, at: 24}\n", [(2, "calendar[0].at", "0-23")]),
    (
        "calendar:\n  - {what: notice, when: shils}\nswitches: {shills: false}\n",
        [(2, "calendar[0].when", "did you mean 'shills'")],
    ),
    ("calendar:\n  - {what: notice, to: everybody}\n", [(2, "calendar[0].to", "everyone")]),
    (
        "calendar:\n  - what: care\n    to: {layers: [core, periphery]}\n",
        [(3, "calendar[0].to.layers[1]", "peripheral")],
    ),
    (
        "calendar:\n  - what: care\n    to: {by: influense}\n",
        [(3, "calendar[0].to.by", "influence")],
    ),
    (
        "calendar:\n  - {what: care, to: {stage_from: 4, stage_to: 2}}\n",
        [(2, "calendar[0].to.stage_from", "above")],
    ),
    (
        "calendar:\n  - {what: care, to: {members: [x1]}}\n",
        [(2, "calendar[0].to.members", "edge list")],
    ),
    (
        "calendar:\n  - {what: opening ceremony, price: 5}\n",
        [(2, "calendar[0].price", "setting of offer")],
    ),
    ("calendar:\n  - {what: limited-time offer, quota: -1}\n", [(2, "calendar[0].quota", "range")]),
    (
        "calendar:\n  - {what: limited-time offer, announce: loud}\n",
        [(2, "calendar[0].announce", "group, private")],
    ),
    (
        "calendar:\n  - what: limited-time offer\n    ladder: [{after_hours: 1, prize: 5}]\n",
        [(3, "calendar[0].ladder[0].prize", "did you mean 'price'")],
    ),
    ("calendar:\n  - {what: notice, until_day: 5}\n", [(2, "calendar[0].until_day", "every_days")]),
    ("calendar:\n  - {day: 3}\n", [(2, "calendar[0]", "what")]),
    ("calendar:\n  - 42\n", [(2, "calendar[0]", "not a calendar entry")]),
    ("calendar: {what: notice}\n", [(1, "calendar", "list")]),
    ("community: {core_share: 0.5}\n", [(1, "community.core_share", "sum to 1")]),
    ("community: {members: 10, groups: 9}\n", [(1, "community.groups", "at most 5")]),
    (
        "community: {members: 100, group_size: 10, groups: 3}\n",
        [(1, "community.groups", "at least 10")],
    ),
    ("community: {edge_list: nowhere.csv}\n", [(1, "community.edge_list", "no such file")]),
    ("community: {ties: smal world}\n", [(1, "community.ties", "small world")]),
    (
        "community: {members: 9000, ties: everyone knows everyone}\n",
        [(1, "community.ties", "clustered")],
    ),
    ("team: {people: two}\n", [(1, "team.people", "whole number")]),
    ("team: {people: 2.5}\n", [(1, "team.people", "whole number")]),
    ("product: {list_price: .nan}\n", [(1, "product.list_price", "finite")]),
    ("product: {list_price: .inf}\n", [(1, "product.list_price", "finite")]),
    ("product: {list_price: 1e300}\n", [(1, "product.list_price", "too large")]),
    ("product: {list_price: 99999999999999999999999}\n", [(1, "product.list_price", "too large")]),
    (
        "product: {on_sale_outside_offers: maybe}\n",
        [(1, "product.on_sale_outside_offers", "true or false")],
    ),
    ("1: x\n", [(1, "", "not text")]),
    ("? [a, b]\n: x\n", [(1, "", "not text")]),
    ("days: 3\ndays: 4\n", [(2, "days", "twice")]),
    ("base: &b {days: 3}\n<<: *b\n", [(2, "", "merge")]),
    ("days: !!binary aGVsbG8=\n", [(1, "days", "binary")]),
    ("days: [1, 2\n", [(2, "", "not valid YAML")]),  # found at the end of the text
    ("", [(0, "", "empty")]),
    ("- a\n- b\n", [(1, "", "not a plan")]),
    ("just text\n", [(1, "", "not a plan")]),
]


@pytest.mark.parametrize(("text", "expected"), MALFORMED, ids=range(len(MALFORMED)))
def test_malformed_plans_are_reported(tmp_path: Path, capsys, text, expected):
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    before = tree(tmp_path)
    code, out, err = check(path, capsys)
    assert code == 2
    assert out == "" and "Traceback" not in err
    assert tree(tmp_path) == before  # nothing written
    errors = [line for line in err.splitlines() if line.startswith("error: ")]
    assert errors and err.rstrip().endswith("nothing was run")
    with pytest.raises(PlanErrors) as caught:
        load(path)
    problems = caught.value.problems
    for line, field, words in expected:
        found = [p for p in problems if p.field == field and p.line == line]
        assert found, f"no problem at line {line}, field {field!r}: {problems}"
        assert any(words in str(p) for p in found), [str(p) for p in found]
    assert len(errors) == len(problems)


def test_every_problem_is_reported_at_once(tmp_path: Path):
    lines = [
        "days: 10",
        "comunity: {}",
        "team: {people: -1, currency: EUR}",
        "product: {list_price: 0}",
        "calendar:",
        "  - {what: broadcst}",
        "  - {what: notice, at: 25}",
        "  - {what: care, to: {by: nobody}}",
        "  - {what: notice, day: 40}",
    ]
    path = tmp_path / "many.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(PlanErrors) as caught:
        load(path)
    got = [(p.line, p.field) for p in caught.value.problems]
    assert got == [
        (2, "comunity"),
        (3, "team.people"),
        (4, "product.list_price"),
        (6, "calendar[0].what"),
        (7, "calendar[1].at"),
        (8, "calendar[2].to.by"),
        (9, "calendar[3].day"),
    ]


def test_alias_bombs_and_deep_nesting_are_refused_quickly(tmp_path: Path, capsys):
    bomb = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        bomb.append(
            f"{'abcdefghij'[i]}: &{'abcdefghij'[i]} "
            + str([f"*{'abcdefghij'[i - 1]}"] * 10).replace("'", "")
        )
    cases = {
        "bomb.yaml": "\n".join(bomb) + "\n",
        "deep.yaml": "days: " + "[" * 50 + "]" * 50 + "\n",
        "deeper.yaml": "days: " + "[" * 5000 + "]" * 5000 + "\n",
        "big.yaml": "name: x\n" + "# padding\n" * 40000,
    }
    for name, text in cases.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        code, _, err = check(path, capsys)
        assert code == 2, name
        assert "Traceback" not in err and err.count("error: ") == 1, (name, err)


def test_escape_sequences_never_reach_the_terminal(tmp_path: Path, capsys):
    path = tmp_path / "esc.yaml"
    path.write_text(
        'calendar:\n  - {what: "\\e[31mnotice\\e]0;pwned\\a", day: 1}\n'
        'team: {currency: "\\e[2J", people: "\\e[5m' + "x" * 500 + '"}\n'
        'product: {name: "\\u202egnp.exe"}\n',
        encoding="utf-8",
    )
    code, out, err = check(path, capsys)
    assert code == 2
    assert "\x1b" not in err and "\x07" not in err and "\u202e" not in err
    assert max(len(line) for line in err.splitlines()) < 1000  # values cut to an excerpt
    ok = tmp_path / "ok.yaml"
    ok.write_text(
        'team: {currency: "\\e[2JEUR"}\nproduct: {name: "\\e[31mpen"}\n'
        'calendar:\n  - {what: notice, note: "\\e[1mbold"}\n',
        encoding="utf-8",
    )
    code, out, err = check(ok, capsys)
    assert code == 0 and "\x1b" not in out


def test_usage_and_missing_files(tmp_path: Path, capsys):
    assert main([]) == 2
    assert "usage" in capsys.readouterr().err
    assert main(["-h"]) == 0
    code, _, err = check(tmp_path / "nope.yaml", capsys)
    assert code == 2 and "no such file" in err
    code, _, err = check(tmp_path, capsys)  # a folder
    assert code == 2 and "no such file" in err
    (tmp_path / "latin1.yaml").write_bytes("name: caf\xe9\n".encode("latin-1"))
    code, _, err = check(tmp_path / "latin1.yaml", capsys)
    assert code == 2 and "UTF-8" in err


def test_the_command_line(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("calendar:\n  - what: broadcst\n  - what: notice\n    day: 0\n")
    before = tree(tmp_path)
    result = run_module("sim.check", str(bad), cwd=tmp_path, timeout=60)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("error: ") == 2 and "Traceback" not in result.stderr
    # the file is named as the user would (relative to the working folder)
    assert "error: bad.yaml:2: calendar[0].what: unknown touchpoint 'broadcst'" in result.stderr
    assert "did you mean 'broadcast'?" in result.stderr
    assert tree(tmp_path) == before
    good = run_module("sim.check", "configs/plans/busy-operator.yaml", cwd=ROOT, timeout=60)
    assert good.returncode == 0 and "day   1" in good.stdout and good.stderr == ""
