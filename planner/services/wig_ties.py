"""What a WIG can be tied to: the district strategies of its plan, for the WIG form's Strategy picker.

A department's own goal (a Department Plans Index entry) is tied to the strategy it serves by its
`strategy_id`; the picker offers every strategy of the plan under its pillar, searchable by code and words.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from planner.model import Pillar, Priority, Strategy
from planner.services.plan_nodes import Kind, NodeKey
from planner.services.projects import CarryChoice

NO_STRATEGY = "(no strategy)"


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def strategy_label(code: str | None, priority_code: str) -> str:
    """A strategy as the picker names it: its code, or its priority's when the source lost the code."""
    return code or f"{priority_code} (no code)"


def strategy_choices(session: Session, plan_id: int) -> list[CarryChoice]:
    """The plan's strategies under their pillars (headings, key None), each with its whole statement in
    `path` for the tooltip and the search. One query of columns: the form asks on every WIG it shows, and
    at ten times the district a query a pillar and an object a strategy held the window half a second."""
    found: list[CarryChoice] = []
    rows = session.execute(
        select(Pillar.id, Pillar.code, Pillar.name, Strategy.id, Strategy.code, Strategy.statement, Priority.code)
        .select_from(Pillar)
        .outerjoin(Priority, Priority.pillar_id == Pillar.id)
        .outerjoin(Strategy, Strategy.priority_id == Priority.id)
        .where(Pillar.plan_id == plan_id)
        .order_by(Pillar.position, Pillar.id, Priority.position, Strategy.position))
    pillar_now = None
    for pillar_id, pillar_code, pillar_name, strategy_id, strategy_code, statement, priority_code in rows:
        if pillar_id != pillar_now:
            pillar_now = pillar_id
            heading = f"{pillar_code} {pillar_name}".strip()
            found.append(CarryChoice(None, heading, 0, heading))
        if strategy_id is None:
            continue
        code = strategy_label(strategy_code, priority_code)
        found.append(CarryChoice(NodeKey(Kind.STRATEGY, strategy_id), f"{code}: {_short(statement, 80)}", 1,
                                 f"Strategy {code}: {' '.join(statement.split())}"))
    return found
