"""The HTML report of a run: read its output directory, build one self-contained right-to-left page."""
import os

from pipeline.report.page import build_report
from pipeline.report.run import ReportError, Run, load_run

__all__ = ["ReportError", "Run", "build_report", "load_run", "write_report"]


def write_report(out_dir: str, html_path: str) -> Run:
    """Read the run in ``out_dir`` and write its report to ``html_path`` (atomically); return the run."""
    run = load_run(out_dir)
    text = build_report(run)
    parent = os.path.dirname(os.path.abspath(html_path))
    os.makedirs(parent, exist_ok=True)
    tmp = html_path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, html_path)
    return run
