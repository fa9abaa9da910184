"""Results on disk: read a results.json once into typed results (harness.results), write results.json, the
page and the figures beside them. Plain standard library: a report can be rebuilt from a results.json
anywhere, e.g. after merging shards with ``python -m reports.merge``."""

from __future__ import annotations

import base64
import copy
import json
import os
import re
from pathlib import Path

from harness.results import Results, ResultsError, atomic_write, read_results
from .page import render_html, valid_base64

# Where a claims run writes its page, results and figures by default, relative to the repository root:
# under build/, which git ignores, so that running the claims never changes the source tree.
REPORT_DIR = Path("build") / "claims-report"

FIGURES_DIR = "figures"
_SHA_RE = re.compile(r"[0-9a-f]{64}")


def write_report(results: Results | dict, out_dir: str | os.PathLike,
                 figures: dict[str, str] | None = None) -> tuple[Path, Path]:
    """Write ``out_dir/claims.html``, ``out_dir/results.json`` and each figure once as
    ``out_dir/figures/<sha256>.png``, all atomically. results.json names figures by hash (no image data);
    the page embeds each distinct figure once. `figures` maps sha256 to base64 PNG; figures not given are
    read from ``out_dir/figures`` (a rebuild from results.json). `results` is read (checked) once here.

    Non-finite floats are stored as the strings "nan"/"inf"/"-inf" so the JSON is strict.
    Returns ``(html_path, json_path)``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    figures = dict(figures or {})
    typed = copy.deepcopy(read_results(results))  # figures' image data is moved out below: not the caller's
    for rec in typed.claims:  # image data never goes into results.json
        for fig in rec.figures:
            data = fig.pop("png_base64", None)
            if data and fig.get("sha256"):
                figures.setdefault(str(fig["sha256"]), data)
            if fig.get("sha256"):
                fig["file"] = f"{FIGURES_DIR}/{fig['sha256']}.png"
    figure_dir = out / FIGURES_DIR
    needed = {str(f.get("sha256")) for rec in typed.claims for f in rec.figures}
    for sha in needed - set(figures):
        path = figure_dir / f"{sha}.png"
        if _SHA_RE.fullmatch(sha) and path.is_file():
            figures[sha] = base64.b64encode(path.read_bytes()).decode("ascii")
    if figures:
        figure_dir.mkdir(exist_ok=True)
    for sha, data in figures.items():
        path = figure_dir / f"{sha}.png"
        if _SHA_RE.fullmatch(sha) and valid_base64(data) and not path.exists():
            atomic_write(path, base64.b64decode("".join(data.split())))
    payload = json.dumps(typed.to_json(), indent=1, allow_nan=False, ensure_ascii=False) + "\n"
    page = render_html(typed, figures)
    html_path, json_path = out / "claims.html", out / "results.json"
    atomic_write(json_path, payload)
    atomic_write(html_path, page)
    for stale in figure_dir.glob("*.png") if figure_dir.is_dir() else ():  # figures of an older report
        if _SHA_RE.fullmatch(stale.stem) and stale.stem not in needed:
            stale.unlink(missing_ok=True)
    return html_path, json_path


def read_figures(results_path: str | os.PathLike) -> dict[str, str]:
    """The figures stored beside a results.json (sha256 -> base64), for rebuilding or merging reports."""
    directory = Path(results_path).parent / FIGURES_DIR
    if not directory.is_dir():
        return {}
    return {p.stem: base64.b64encode(p.read_bytes()).decode("ascii") for p in directory.glob("*.png")
            if _SHA_RE.fullmatch(p.stem)}


def read_results_file(path: str | os.PathLike) -> Results:
    """A results.json read and checked once; ValueError (ResultsError) naming the file and the field."""
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ResultsError(f"{p}: not a results file (invalid JSON: {exc})") from None
    return read_results(data, str(p))


def load_results(path: str | os.PathLike) -> dict:
    """A results.json as plain data, checked by the same reading (read_results_file) as everything else."""
    return read_results_file(path).to_json()
