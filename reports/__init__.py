"""Report builder: results dict -> self-contained claims.html + results.json (stdlib only)."""

from pathlib import Path

from .build import load_results, render_html, verdict_counts, write_report

__all__ = ["REPORT_DIR", "render_html", "write_report", "load_results", "merge_results", "verdict_counts"]

# Where a claims run writes its page, results and figures by default, relative to the repository root:
# under build/, which git ignores, so that running the claims never changes the source tree.
REPORT_DIR = Path("build") / "claims-report"


def __getattr__(name: str):
    # Imported lazily so that `python -m reports.merge` does not find reports.merge
    # already in sys.modules (which makes runpy warn).
    if name == "merge_results":
        from .merge import merge_results

        return merge_results
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
