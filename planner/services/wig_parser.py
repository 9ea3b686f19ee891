"""Turns a WIG sentence ("from X to Y by DATE") into its structure.

One parser for the embedded plan and for a planner typing a new goal, so both get the same reading.
The planner can correct anything it found. The rules, in order:

1. Deadline: the last "Month YYYY" in the sentence (end of that month), else "by YYYY" (June 30 of that
   year: the end of that school year). "between Month YYYY and Month YYYY" also gives the start.
2. A "from X to Y" pair (or "X to Y" with a %, or "Y% ... from X%") gives baseline and target; the
   direction comes from comparing them, not from the verb ("increase the schools with a decline in
   referrals from 89 to 98" is an increase).
3. A relative change with no pair ("reduces requests by 50%", "by at least 1 unit") is measured as the
   change achieved: baseline 0, target the change, increasing.
4. A lone target ("100% of students", "to engage 2,500 families") gives the target; the baseline stays
   empty for the planner to fill in.
5. A sentence with none of these is a milestone goal (done / not done).
Numbers inside names, grades, ranges and durations ("2024-29", "9th-12th", "O365", "within 30 days")
are never taken for baseline or target.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from planner.model.plan import Direction, WigKind

MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9,
    "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}
_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
MONTH_YEAR = re.compile(_MONTH + r"\s+(?P<year>(?:19|20)\d{2})\b", re.IGNORECASE)
BARE_YEAR = re.compile(r"\b(?:by|in|through|until)\s+(?P<year>(?:19|20)\d{2})\b(?!\s*[-–/]\s*\d)", re.IGNORECASE)
BETWEEN = re.compile(r"\bbetween\s+" + _MONTH.replace("month", "m1") + r"\s+(?P<y1>(?:19|20)\d{2})\s+and\s+",
                     re.IGNORECASE)

# A quantity: 2,500 | 17.5K | 23.35% | 0. Not part of a word (O365), an ordinal (9th), a range (K-8).
def _num(tag: str) -> str:
    return (r"(?<![\w.\-/])(?:approximately\s+|about\s+|nearly\s+)?"
            rf"(?P<{tag}>\d{{1,3}}(?:,\d{{3}})+|\d+(?:\.\d+)?)(?P<{tag}k>\s?[kKmM]\b)?(?P<{tag}p>\s?%)?"
            r"(?![\w\-/]|\.\d)")


# The gap between X and "to" in "from X ... to Y": words (units) or "in Month YYYY" (a baseline date).
_GAP = r"(?P<gap>(?:\s+(?!to\b)[A-Za-z'’]+){0,4}?(?:\s+in\s+M+)?)"
FROM_TO = re.compile(r"\b(?P<from>from\s+)?" + _num("a") + _GAP + r"\s+to\s+" + _num("b"), re.IGNORECASE)
TARGET_BEFORE_FROM = re.compile(r"(?P<b>\d+(?:\.\d+)?)\s?%[^%]*?\bfrom\s+(?P<a>\d+(?:\.\d+)?)\s?%", re.IGNORECASE)
RELATIVE = re.compile(r"\bby\s+(?:at\s+least\s+)?(?P<n>\d+(?:\.\d+)?)\s?(?P<what>%|units?\b)", re.IGNORECASE)
LONE_PERCENT = re.compile(r"(?<![\w.])(?P<n>\d+(?:\.\d+)?)\s?%", re.IGNORECASE)
LONE_COUNT = re.compile(
    r"\b(?:engage|reach|serve|enroll|train|hire|recruit|add|to)\s+(?P<n>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?\s?[kK]\b)"
    r"\s+(?P<unit>[a-z]+)", re.IGNORECASE)
DECREASE_VERBS = re.compile(r"^\s*(decrease|reduce|lower|cut|minimi[sz]e|eliminate)\b", re.IGNORECASE)
RELATIVE_DECREASE = re.compile(r"\b(decrease|decreases|reduce|reduces|reduced|lower|lowers|cut|cuts)\b",
                               re.IGNORECASE)
UNIT_STOP = {"by", "in", "within", "for", "of", "to", "at", "through", "on", "from", "and", "or", "the",
             "a", "an", "per", "with", "that", "who", "between", "before", "after", "during", "until"}


@dataclass(frozen=True)
class ParsedWig:
    kind: WigKind
    baseline: float | None
    target: float | None
    unit: str | None
    direction: Direction
    start: date | None
    deadline: date | None
    relative_change: float | None = None  # percent, relative to a baseline still to be measured

    def describe(self) -> str:
        """The structure as a planner reads it: "102 → 154 approved partners by 30 Jun 2025 (increase)"."""
        by = f" by {self.deadline:%d %b %Y}" if self.deadline else " (no deadline found)"
        if self.kind is WigKind.MILESTONE:
            return f"Milestone: done or not done{by}"
        unit = self.unit or ""
        sep = "" if unit.startswith("%") else " "
        target = "?" if self.target is None else format_number(self.target)
        if self.relative_change is not None and self.baseline is None:
            return (f"{self.relative_change:+g}% from a baseline still to be measured (the first value logged)"
                    f"{by} ({self.direction.value})")
        if self.direction is Direction.MAINTAIN:
            return f"keep at or above {target}{sep if unit else ''}{unit}{by} (maintain)"
        base = "?" if self.baseline is None else format_number(self.baseline)
        return f"{base} → {target}{sep if unit else ''}{unit}{by} ({self.direction.value})"


def format_number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}".rstrip("0").rstrip(".")


def _number(digits: str, suffix: str | None) -> float:
    value = float(digits.replace(",", ""))
    if suffix:
        value *= {"k": 1_000, "m": 1_000_000}[suffix.strip().lower()]
    return value


MAINTAIN = re.compile(r"\b(maintain|sustain|keep)\b", re.IGNORECASE)


def _end_of_month(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def parse_deadline(sentence: str) -> date | None:
    """The last date the sentence names: a month (to its last day) or a bare school year (to June 30)."""
    found: list[tuple[int, date]] = [
        (m.start(), _end_of_month(int(m["year"]), MONTHS[m["month"].lower()])) for m in MONTH_YEAR.finditer(sentence)]
    found += [(m.start("year"), date(int(m["year"]), 6, 30)) for m in BARE_YEAR.finditer(sentence)]
    return max(found)[1] if found else None


def parse_start(sentence: str) -> date | None:
    found = BETWEEN.search(sentence)
    if found:
        return date(int(found["y1"]), MONTHS[found["m1"].lower()], 1)
    return None


def _unit_after(text: str) -> str | None:
    words: list[str] = []
    tokens = text.split()
    if tokens[:2] == ["or", "more"]:
        tokens = tokens[2:]
    for token in tokens:
        word = token.strip(",.;:()")
        if not word or word.lower() in UNIT_STOP or not re.fullmatch(r"[A-Za-z'’\-]+", word):
            break
        words.append(word)
        if len(words) == 3 or token != word:  # stop at punctuation
            break
    return " ".join(words) or None


def _clean_sentence(sentence: str) -> str:
    return re.sub(r"\s+", " ", sentence).strip()


@dataclass(frozen=True)
class Quantity:
    """One of several quantities a goal names, with the measure it is about."""

    measure: str
    baseline: float
    target: float
    percent: bool


def parse_quantities(sentence: str, measures: list[str]) -> list[Quantity]:
    """Every "from X to Y" of a goal that names two or more, each given to the measure named nearest before
    it ("… FAM-S from 69% … to 80% … The FAM-D … from 69% … to 75%"). One quantity, or one a measure
    cannot be found for, gives nothing: the goal's own baseline and target say it."""
    text = _clean_sentence(sentence)
    scrubbed = MONTH_YEAR.sub(lambda m: "M" * len(m.group(0)), text)
    scrubbed = BARE_YEAR.sub(lambda m: m.group(0)[: m.start("year") - m.start()] + "Y" * 4, scrubbed)
    pairs = [m for m in FROM_TO.finditer(scrubbed) if m["ap"] or m["bp"] or m["from"]]
    if len(pairs) < 2:
        return []
    found = []
    for pair in pairs:
        before = scrubbed[: pair.start()].lower()
        named = max(((before.rfind(name.lower()), name) for name in measures), default=(-1, ""))
        if named[0] < 0:
            return []
        found.append(Quantity(named[1], _number(pair["a"], pair["ak"]), _number(pair["b"], pair["bk"]),
                              bool(pair["ap"] or pair["bp"])))
    return found if len({q.measure for q in found}) == len(found) else []


def parse_wig(sentence: str, *, default_start: date | None = None) -> ParsedWig:
    """Parse a WIG sentence. Never raises: what it cannot read stays empty, and the goal is a milestone."""
    text = _clean_sentence(sentence)
    deadline = parse_deadline(text)
    start = parse_start(text) or default_start
    # Dates are not quantities: blank them out (keeping offsets) before looking for numbers.
    scrubbed = MONTH_YEAR.sub(lambda m: "M" * len(m.group(0)), text)
    scrubbed = BARE_YEAR.sub(lambda m: m.group(0)[: m.start("year") - m.start()] + "Y" * 4, scrubbed)

    pair = FROM_TO.search(scrubbed)
    if pair and (pair["ap"] or pair["bp"] or pair["from"]):
        baseline = _number(pair["a"], pair["ak"])
        target = _number(pair["b"], pair["bk"])
        percent = bool(pair["ap"] or pair["bp"])
        unit = "%" if percent else (_unit_after(scrubbed[pair.end():]) or _unit_after(pair["gap"]))
        return ParsedWig(
            WigKind.PERCENT if percent else WigKind.NUMBER, baseline, target, unit,
            Direction.DECREASE if target < baseline else Direction.INCREASE, start, deadline)

    reverse = TARGET_BEFORE_FROM.search(scrubbed)
    if reverse:
        baseline, target = float(reverse["a"]), float(reverse["b"])
        return ParsedWig(WigKind.PERCENT, baseline, target, "%",
                         Direction.DECREASE if target < baseline else Direction.INCREASE, start, deadline)

    relative = RELATIVE.search(scrubbed)
    if relative:
        change = float(relative["n"])
        falling = bool(RELATIVE_DECREASE.search(scrubbed[: relative.start()]))
        if relative["what"] == "%":  # relative to a baseline still to be measured: the first value logged
            return ParsedWig(WigKind.NUMBER, None, None, _unit_after(scrubbed[relative.end():]) or None,
                             Direction.DECREASE if falling else Direction.INCREASE, start, deadline,
                             relative_change=-change if falling else change)
        unit = "unit decrease" if falling else "unit increase"
        return ParsedWig(WigKind.NUMBER, 0.0, change, unit, Direction.INCREASE, start, deadline)

    direction = Direction.DECREASE if DECREASE_VERBS.search(text) else Direction.INCREASE
    if MAINTAIN.search(text):
        direction = Direction.MAINTAIN  # a level to keep, not a distance to travel: no baseline
    lone = LONE_PERCENT.search(scrubbed)
    if lone:
        return ParsedWig(WigKind.PERCENT, None, float(lone["n"]), "%", direction, start, deadline)
    count = LONE_COUNT.search(scrubbed)
    if count:
        digits = count["n"].strip()
        suffix = digits[-1] if digits[-1] in "kK" else None
        value = _number(digits.rstrip("kK").strip(), suffix)
        return ParsedWig(WigKind.NUMBER, None, value, count["unit"], direction, start, deadline)

    return ParsedWig(WigKind.MILESTONE, None, None, None, Direction.INCREASE, start, deadline)


def _as_number(value: object) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(str(value).replace(",", "")) if not isinstance(value, (int, float)) else float(value)
    except ValueError:
        return None


def disagreements(sentence: str, values: dict[str, object], *, default_start: date | None = None) -> list[str]:
    """Where a WIG's baseline, target, change or deadline differ from what its sentence says, in words: a
    warning beside the form's fields, never a refusal (the planner may have corrected the reading on
    purpose). Only what the sentence states is compared: a sentence with no "from" says nothing of a
    baseline. `values` are the WIG's fields by name (baseline, target, relative_change, deadline)."""
    parsed = parse_wig(sentence, default_start=default_start)
    found: list[str] = []
    if parsed.kind is not WigKind.MILESTONE:
        for name, label, said in (("baseline", "Baseline", parsed.baseline), ("target", "Target", parsed.target),
                                  ("relative_change", "Change from the baseline", parsed.relative_change)):
            if said is None:
                continue
            have = _as_number(values.get(name))
            if have is None or abs(have - said) > 1e-9:
                shown = "empty" if have is None else format_number(have)
                found.append(f"{label} is {shown}, but the goal as written says {format_number(said)}.")
    deadline = values.get("deadline")
    if parsed.deadline is not None and deadline != parsed.deadline:
        shown = f"{deadline:%d %b %Y}" if isinstance(deadline, date) else "empty"
        found.append(f"Deadline is {shown}, but the goal as written says {parsed.deadline:%d %b %Y}.")
    return found
