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
    `path` for the tooltip and the search."""
    found: list[CarryChoice] = []
    pillars = session.scalars(select(Pillar).where(Pillar.plan_id == plan_id).order_by(Pillar.position)).all()
    for pillar in pillars:
        heading = f"{pillar.code} {pillar.name}".strip()
        found.append(CarryChoice(None, heading, 0, heading))
        rows = session.execute(select(Strategy, Priority.code).join(Priority)
                               .where(Priority.pillar_id == pillar.id)
                               .order_by(Priority.position, Strategy.position)).all()
        for strategy, priority_code in rows:
            code = strategy_label(strategy.code, priority_code)
            found.append(CarryChoice(NodeKey(Kind.STRATEGY, strategy.id),
                                     f"{code}: {_short(strategy.statement, 80)}", 1,
                                     f"Strategy {code}: {' '.join(strategy.statement.split())}"))
    return found
