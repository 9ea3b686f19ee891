"""Type into a workbook as a person does, through LibreOffice Calc itself, and save it as LibreOffice saves .xlsx.

Run by Debian's /usr/bin/python3 (python3-uno), not by the project's Python: the tests start one headless
soffice listening on a local port and call this script once per workbook with a JSON job on stdin:

    {"port": 2002, "input": "/tmp/a.xlsx", "output": "/tmp/b.xlsx",
     "edits": [{"op": "type", "sheet": "Measurements", "cell": "G5", "text": "45%"},
               {"op": "insert_row", "sheet": "Milestones", "row": 3},
               {"op": "copy_row", "sheet": "Milestones", "from": 2, "to": 9},
               {"op": "unprotect", "sheet": "WIGs"}]}

"type" is what Calc does with what a person types in a cell (setFormula, and the number format Calc recognises
in the text): "45%" becomes 0.45 shown as a percent, "11/1/2024" a date, "4,512.75" a number. Rows are
counted from 1, as Calc shows them.
Prints "saved" on success; any failure is printed and the exit status is 1.
"""

from __future__ import annotations

import json
import os
import sys
import time

import uno  # type: ignore[import-not-found]
from com.sun.star.beans import PropertyValue  # type: ignore[import-not-found]


def _prop(name: str, value: object) -> PropertyValue:
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def _connect(port: int, wait: float = 90.0) -> object:
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.monotonic() + wait
    while True:
        try:
            return resolver.resolve(f"uno:socket,host=127.0.0.1,port={port};urp;StarOffice.ComponentContext")
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def _url(path: str) -> str:
    return uno.systemPathToFileUrl(path)


def _type(doc: object, cell: object, text: str) -> None:
    """What Calc does with text typed into a cell: the value it reads ("45%" is 0.45, "11/1/2024" a date), and
    the number format it recognised in what was typed (percent, date), as the input line sets it."""
    cell.setFormula(text)
    formatter = _SMGR[0].createInstanceWithContext("com.sun.star.util.NumberFormatter", _CTX[0])
    formatter.attachNumberFormatsSupplier(doc)
    try:
        key = formatter.detectNumberFormat(0, text)
    except Exception:
        return  # text, not a number: nothing to format
    kind = doc.NumberFormats.getByKey(key).Type
    if kind & (PERCENT | DATE):
        cell.NumberFormat = key


PERCENT, DATE = 128, 2  # com.sun.star.util.NumberFormat
_SMGR: list[object] = []
_CTX: list[object] = []


def _apply(doc: object, edit: dict) -> None:
    sheet = doc.Sheets.getByName(edit["sheet"])
    op = edit["op"]
    if op == "unprotect":
        sheet.unprotect("")
    elif op == "type":
        _type(doc, sheet.getCellRangeByName(edit["cell"]), edit["text"])
    elif op == "clear":
        sheet.getCellRangeByName(edit["cell"]).setString("")
    elif op == "insert_row":
        sheet.Rows.insertByIndex(edit["row"] - 1, edit.get("count", 1))
    elif op == "copy_row":  # copy a row and paste it into the empty (editable) row below the table
        width = 0
        while sheet.getCellByPosition(width, 0).getString():
            width += 1  # as far as the header goes
        sheet.getCellRangeByPosition(0, edit["to"] - 1, width - 1, edit["to"] - 1).setDataArray(
            sheet.getCellRangeByPosition(0, edit["from"] - 1, width - 1, edit["from"] - 1).getDataArray())
    else:
        raise ValueError(f"unknown edit {op!r}")


def main() -> int:
    job = json.load(sys.stdin)
    ctx = _connect(int(job["port"]))
    _SMGR.append(ctx.ServiceManager)
    _CTX.append(ctx)
    desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    doc = desktop.loadComponentFromURL(_url(job["input"]), "_blank", 0, (_prop("Hidden", True),))
    try:
        for edit in job["edits"]:
            _apply(doc, edit)
        doc.calculateAll()
        doc.storeToURL(_url(job["output"]), (_prop("FilterName", "Calc MS Excel 2007 XML"),))
    finally:
        doc.close(True)
    print("saved")
    return 0


if __name__ == "__main__":
    try:
        status = main()
    except Exception as exc:
        print(f"lo_typing failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        status = 1
    # The UNO bridge's own teardown at interpreter exit now and then ends in a segfault (seen on a loaded
    # machine after "saved", the file written and the document closed): leave without it.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
