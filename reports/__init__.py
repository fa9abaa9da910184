"""Report builder: results -> self-contained claims.html + results.json (stdlib only).

reports.files reads and writes results on disk, reports.page renders the page, reports.merge merges shards,
reports.baseline writes the reviewed expected verdicts; the results schema is harness.results."""

from .files import REPORT_DIR, load_results, read_results_file, write_report
from .page import render_html, verdict_counts

__all__ = ["REPORT_DIR", "render_html", "write_report", "load_results", "read_results_file", "merge_results",
           "verdict_counts"]


def __getattr__(name: str):
    # Imported lazily so that `python -m reports.merge` does not find reports.merge
    # already in sys.modules (which makes runpy warn).
    if name == "merge_results":
        from .merge import merge_results

        return merge_results
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
