"""What the file knows about workbook exchanges: for every row that went out or came in, the values as they
were at that exchange (as a hash) and where an imported row came from. A later import compares the file,
the database and this base to tell a change from a conflict."""

from __future__ import annotations

import uuid as uuid_mod
from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from planner.model.base import Base, Record


class ExchangeState(Record, Base):
    __tablename__ = "exchange_state"

    row_uuid: Mapped[uuid_mod.UUID] = mapped_column(unique=True)
    table_name: Mapped[str] = mapped_column(String(40))
    base_hash: Mapped[str] = mapped_column(String(64))
    source_file: Mapped[str] = mapped_column(Text, default="")
    source_department: Mapped[str] = mapped_column(Text, default="")
    source_exported_at: Mapped[datetime | None]
    imported_at: Mapped[datetime | None]
