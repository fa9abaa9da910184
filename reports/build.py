"""The old home of the report builder, kept so that `from reports.build import ...` goes on working: results
on disk are reports.files, the HTML view reports.page, the results schema harness.results."""
from harness.results import atomic_write, json_safe as sanitize  # noqa: F401
from .files import FIGURES_DIR, load_results, read_figures, read_results_file, write_report  # noqa: F401
from .page import (PAGE_TITLE, count_line, group_claims, is_unexpected, render_html, valid_base64,  # noqa: F401
                   verdict_counts, version_warnings)
