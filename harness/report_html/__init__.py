"""The HTML report: one self-contained page of a run's verdicts, with a drawing of each decision.

``render(report)`` turns the dict the JSON report holds (``--claims-report``) into one HTML
file that opens from disk and loads nothing (its Content-Security-Policy forbids every
network resource): a header with the run's settings and totals, a table of every claim
(unexpected verdicts and errors first) filtered by subject, kind and verdict with a little
inline JavaScript, and per claim its statement, source, reading and evidence:

* statistical: the sequential decision drawn (estimate and interval at each look against the
  target and the band target ± minimal effect, and where and why it stopped);
* exact: the largest discrepancy against its tolerance, on a log scale;
* refuted: the counterexample (small arrays as tables, laws by family and parameters), its
  numbers and the replay command with a copy button; existential: the witness;
* the claim stating the corrected form of a refuted one, linked.

Drawings are matplotlib figures inlined as SVG (the ``report`` extra: ``pip install -e
'.[report]'``). This package imports without matplotlib; :func:`render` without it raises
:class:`ReportDependencyError`. Fields a report lacks (older engines) are left out.

Modules, one idea each: ``page`` (the page around the table, the matplotlib dependency),
``claims`` (one claim's row and evidence; the order of claims), ``drawings`` (matplotlib
figures as inline SVG), ``values`` (numbers, arrays and laws made readable), ``assets`` (the
HTML template, style sheet and script). ``python -m harness.html_report REPORT.json OUT.html``
renders a saved JSON report.
"""

from harness.report_html.page import (
    INSTALL_HINT,
    KINDS,
    VERDICTS,
    ReportDependencyError,
    render,
    require,
    write,
)

__all__ = ["INSTALL_HINT", "KINDS", "VERDICTS", "ReportDependencyError", "render", "require",
           "write"]
