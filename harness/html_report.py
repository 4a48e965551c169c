"""The HTML report's command line and entry points (the page itself: ``harness.report_html``).

``python -m harness.html_report REPORT.json OUT.html`` renders a saved JSON report
(``--claims-report``) as one self-contained HTML page. ``require``, ``render``, ``write`` and
``ReportDependencyError`` are those of ``harness.report_html``, importable from here too.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from harness.report_html import (
    INSTALL_HINT,
    KINDS,
    VERDICTS,
    ReportDependencyError,
    render,
    require,
    write,
)

__all__ = ["INSTALL_HINT", "KINDS", "VERDICTS", "ReportDependencyError", "main", "render",
           "require", "write"]


def main(argv: list[str] | None = None) -> int:
    """``python -m harness.html_report REPORT.json OUT.html``."""
    parser = argparse.ArgumentParser(
        prog="python -m harness.html_report",
        description="Render a saved JSON claims report (--claims-report) as one HTML page.")
    parser.add_argument("report", help="the JSON report")
    parser.add_argument("out", help="the HTML file to write")
    args = parser.parse_args(argv)
    try:
        data = json.loads(Path(args.report).read_text(encoding="utf-8"))
        write(args.out, data)
    except (OSError, json.JSONDecodeError, ReportDependencyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"claims HTML report written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
