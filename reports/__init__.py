"""Report builder: results -> self-contained claims.html + results.json (stdlib only).

reports.files reads and writes results on disk, reports.page renders the page, reports.merge merges shards,
reports.baseline writes the reviewed expected verdicts; the results schema is harness.results."""

from pathlib import Path

# Where a claims run writes its page, results and figures by default, relative to the repository root:
# under build/, which git ignores, so that running the claims never changes the source tree.
REPORT_DIR = Path("build") / "claims-report"

from .files import load_results, read_results_file, write_report  # noqa: E402
from .page import render_html, verdict_counts  # noqa: E402

__all__ = ["REPORT_DIR", "render_html", "write_report", "load_results", "read_results_file", "merge_results",
           "verdict_counts"]


def __getattr__(name: str):
    # Imported lazily so that `python -m reports.merge` does not find reports.merge
    # already in sys.modules (which makes runpy warn).
    if name == "merge_results":
        from .merge import merge_results

        return merge_results
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
