"""How well Companion reads replies: the labelled corpus, per language and category (issue 14).

    .venv/bin/python bench/understanding.py [--dir tests/data/replies] [--misses]

Each line of ``<dir>/*.jsonl`` is ``{"text", "lang", "expects", "expected": {"keyword",
"answer", "appointment", "signals", "urgent"}, "category"}``; ``category`` is "benign",
"answer", "keyword", "appointment" or a Signal value. Prints, per language and per
category: urgent recall and precision, signal recall, false alarms (a benign text
with an urgent flag or any signal), and how often answers and keywords are read right.
The goals (docs/understanding.md) are checked by tests/test_understanding_goals.py.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from companion.messaging.understanding import Expects, read  # noqa: E402

DEFAULT_DIR = Path(__file__).resolve().parent.parent / "tests" / "data" / "replies"
PLAIN = ("answer", "keyword", "appointment")


@dataclass
class Tally:
    urgent_expected: int = 0
    urgent_caught: int = 0
    urgent_flagged: int = 0
    urgent_flagged_right: int = 0
    signal_expected: int = 0
    signal_caught: int = 0
    benign: int = 0
    false_alarms: int = 0
    plain: int = 0
    plain_right: int = 0
    rows: int = 0
    misses: list[str] = field(default_factory=list)

    @staticmethod
    def ratio(n: int, d: int) -> float | None:
        return n / d if d else None

    @property
    def urgent_recall(self) -> float | None:
        return self.ratio(self.urgent_caught, self.urgent_expected)

    @property
    def urgent_precision(self) -> float | None:
        return self.ratio(self.urgent_flagged_right, self.urgent_flagged)

    @property
    def signal_recall(self) -> float | None:
        return self.ratio(self.signal_caught, self.signal_expected)

    @property
    def alarm_rate(self) -> float | None:
        return self.ratio(self.false_alarms, self.benign)

    @property
    def plain_accuracy(self) -> float | None:
        return self.ratio(self.plain_right, self.plain)


def load(directory: Path) -> list[dict]:
    rows = []
    for path in sorted(directory.glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                row = json.loads(line)
                row["_where"] = f"{path.name}:{number}"
                rows.append(row)
    return rows


def score(rows: list[dict]) -> dict[str, dict[str, Tally]]:
    """{"language": {lang: Tally}, "category": {category: Tally}, "all": {"all": Tally}}."""
    out: dict[str, dict[str, Tally]] = {
        "language": defaultdict(Tally),
        "category": defaultdict(Tally),
        "all": defaultdict(Tally),
    }
    for row in rows:
        expected = row["expected"]
        reading = read(row["text"], row.get("lang", ""), Expects.from_json(row.get("expects")))
        got = reading.as_json()
        tallies = (
            out["language"][row.get("lang", "?")],
            out["category"][row.get("category", "?")],
            out["all"]["all"],
        )
        wrong = []
        want_signals = set(expected.get("signals") or [])
        for t in tallies:
            t.rows += 1
            if expected.get("urgent"):
                t.urgent_expected += 1
                t.urgent_caught += got["urgent"]
            if got["urgent"]:
                t.urgent_flagged += 1
                t.urgent_flagged_right += bool(expected.get("urgent"))
            t.signal_expected += len(want_signals)
            t.signal_caught += len(want_signals & set(got["signals"]))
            if row.get("category") == "benign":
                t.benign += 1
                t.false_alarms += bool(got["urgent"] or got["signals"])
            if row.get("category") in PLAIN:
                t.plain += 1
                t.plain_right += all(got[k] == expected.get(k) for k in PLAIN)
        if expected.get("urgent") and not got["urgent"]:
            wrong.append("urgent missed")
        if row.get("category") == "benign" and (got["urgent"] or got["signals"]):
            wrong.append("false alarm")
        if row.get("category") in PLAIN and not all(got[k] == expected.get(k) for k in PLAIN):
            wrong.append("misread")
        if want_signals - set(got["signals"]):
            wrong.append("signal missed")
        if wrong:
            tallies[0].misses.append(
                f"{row['_where']} {', '.join(wrong)}: {row['text']!r} "
                f"expected {json.dumps({k: expected.get(k) for k in (*PLAIN, 'signals')})} "
                f"got {json.dumps({k: got[k] for k in (*PLAIN, 'signals')})}"
            )
    return out


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def table(title: str, tallies: dict[str, Tally]) -> str:
    lines = [
        f"| {title} | rows | urgent recall | urgent precision | signal recall "
        "| false alarms (benign) | answers+keywords right |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name in sorted(tallies):
        t = tallies[name]
        lines.append(
            f"| {name} | {t.rows} | {_pct(t.urgent_recall)} ({t.urgent_caught}/{t.urgent_expected})"
            f" | {_pct(t.urgent_precision)} | {_pct(t.signal_recall)}"
            f" | {_pct(t.alarm_rate)} ({t.false_alarms}/{t.benign})"
            f" | {_pct(t.plain_accuracy)} ({t.plain_right}/{t.plain}) |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="folder of *.jsonl files")
    parser.add_argument("--misses", action="store_true", help="list every misread line")
    args = parser.parse_args(argv)
    rows = load(args.dir)
    if not rows:
        print(f"no corpus lines in {args.dir}", file=sys.stderr)
        return 1
    scored = score(rows)
    print(table("language", scored["language"]))
    print()
    print(table("category", scored["category"]))
    print()
    print(table("all", scored["all"]))
    if args.misses:
        print()
        for tally in scored["language"].values():
            for miss in tally.misses:
                print(miss)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
