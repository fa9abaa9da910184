"""Render the claims results into one self-contained HTML page and a results.json.

Plain standard library only (no pytest, no torch): the report can be rebuilt from a
results.json anywhere, e.g. after merging shards with ``python -m reports.merge``.

Every string taken from the results is passed through :func:`html.escape`; figure
data is checked to be base64 before it is embedded as a ``data:`` URI.
"""

from __future__ import annotations

import base64
import binascii
import html
import json
import math
import os
import re
import tempfile
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable

__all__ = [
    "PAGE_TITLE",
    "render_html",
    "write_report",
    "load_results",
    "sanitize",
    "verdict_counts",
    "count_line",
    "is_unexpected",
]

PAGE_TITLE = "Deep-learning claims \u2014 verification report"

VERDICTS = ("holds", "refuted", "error", "skipped")
UNEXPECTED_OUTCOMES = ("failed", "xpassed")
DASH = "\u2013"

_B64_RE = re.compile(r"[A-Za-z0-9+/]*={0,2}")


# --------------------------------------------------------------------------- helpers


def _e(value: Any) -> str:
    """Escape any value for HTML text or a quoted attribute."""
    if value is None:
        return ""
    if not isinstance(value, str):
        value = _fmt(value)
    return html.escape(value, quote=True)


def _fmt(value: Any) -> str:
    """A compact, human-readable text for a JSON-ish value (not yet escaped)."""
    if value is None:
        return "\u2013"
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, int):
        return str(value)
    try:
        return json.dumps(sanitize(value), ensure_ascii=False, sort_keys=False)
    except (TypeError, ValueError):
        return str(value)


def _fmt_duration(seconds: Any) -> str:
    if isinstance(seconds, str):
        return seconds
    if not isinstance(seconds, (int, float)) or isinstance(seconds, bool):
        return "\u2013"
    s = float(seconds)
    if not math.isfinite(s):
        return _fmt(s)
    if s < 60:
        return f"{s:.1f} s"
    if s < 3600:
        m, r = divmod(int(round(s)), 60)
        return f"{m} min {r:02d} s"
    h, r = divmod(int(round(s)), 3600)
    return f"{h} h {r // 60:02d} min"


def _fmt_seeds(seeds: Any) -> str:
    """``[0,1,2,3,4]`` -> ``0–4 (5 seeds)``; otherwise a comma list."""
    if not isinstance(seeds, (list, tuple)):
        return _fmt(seeds) if seeds is not None else "\u2013"
    if not seeds:
        return "none"
    ints = all(isinstance(s, int) and not isinstance(s, bool) for s in seeds)
    if ints and len(seeds) >= 3 and list(seeds) == list(range(seeds[0], seeds[0] + len(seeds))):
        return f"{seeds[0]}\u2013{seeds[-1]} ({len(seeds)} seeds)"
    return ", ".join(_fmt(s) for s in seeds)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-")[:60] or "x"


def _anchor(index: int, record: dict) -> str:
    return f"c{index}-{_slug(str(record.get('claim') or 'claim'))}"


def _label(record: dict) -> str:
    claim = str(record.get("claim") or record.get("nodeid") or "?")
    variant = record.get("variant")
    return f"{claim}[{variant}]" if variant else claim


def is_unexpected(record: dict) -> bool:
    """A surprise: the verdict differs from what the suite expected."""
    return record.get("outcome") in UNEXPECTED_OUTCOMES


def valid_base64(data: Any) -> bool:
    """True when ``data`` is a non-empty, well-formed standard base64 string."""
    if not isinstance(data, str):
        return False
    compact = "".join(data.split())
    if not compact or len(compact) % 4 or not _B64_RE.fullmatch(compact):
        return False
    try:
        base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


# --------------------------------------------------------------------------- data


def sanitize(obj: Any) -> Any:
    """A strictly JSON-able copy: non-finite floats become "nan"/"inf"/"-inf",
    tuples/sets become lists, keys become strings, numpy-like scalars are unwrapped."""
    if obj is None or isinstance(obj, (str, bool, int)):
        return obj
    if isinstance(obj, float):
        if math.isnan(obj):
            return "nan"
        if math.isinf(obj):
            return "inf" if obj > 0 else "-inf"
        return obj
    if isinstance(obj, dict):
        return {str(k): sanitize(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [sanitize(v) for v in obj]
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    item = getattr(obj, "item", None)  # numpy scalars / 0-d arrays, without importing numpy
    if callable(item):
        try:
            value = item()
        except (TypeError, ValueError):
            value = None
        else:
            if value is not obj and not hasattr(value, "item"):
                return sanitize(value)
    tolist = getattr(obj, "tolist", None)
    if callable(tolist):
        try:
            return sanitize(tolist())
        except (TypeError, ValueError):
            pass
    return str(obj)


def _claims(results: dict) -> list[dict]:
    claims = results.get("claims") or []
    return [c for c in claims if isinstance(c, dict)]


def verdict_counts(results_or_claims: dict | Iterable[dict]) -> dict[str, int]:
    """Counts per verdict (holds/refuted/error/skipped) plus ``unexpected`` and ``total``."""
    claims = (
        _claims(results_or_claims)
        if isinstance(results_or_claims, dict)
        else [c for c in results_or_claims if isinstance(c, dict)]
    )
    counter = Counter(str(c.get("verdict") or "error") for c in claims)
    counts = {v: counter.pop(v, 0) for v in VERDICTS}
    counts.update(sorted(counter.items()))  # any unknown verdict keeps its own count
    counts["unexpected"] = sum(1 for c in claims if is_unexpected(c))
    counts["total"] = len(claims)
    return counts


def _count_parts(claims: list[dict]) -> list[tuple[str, str]]:
    """(css class, text) pieces for the one-line summary."""
    cnt: Counter = Counter()
    for c in claims:
        verdict = str(c.get("verdict") or "error")
        surprise = is_unexpected(c)
        if verdict == "holds":
            cnt["holds!" if surprise else "holds"] += 1
        elif verdict == "refuted":
            cnt["refuted!" if surprise else "refuted"] += 1
        else:
            cnt[verdict] += 1
    parts = []
    if cnt["holds"]:
        parts.append(("holds", f"{cnt['holds']} hold" + ("s" if cnt["holds"] == 1 else "")))
    if cnt["refuted"]:
        parts.append(("refuted", f"{cnt['refuted']} refuted (as expected)"))
    if cnt["holds!"]:
        parts.append(("unexpected", f"{cnt['holds!']} hold UNEXPECTEDLY (expected refuted)"))
    if cnt["refuted!"]:
        parts.append(("unexpected", f"{cnt['refuted!']} refuted UNEXPECTEDLY (expected to hold)"))
    if cnt["error"]:
        parts.append(("error", f"{cnt['error']} error" + ("" if cnt["error"] == 1 else "s")))
    if cnt["skipped"]:
        parts.append(("skipped", f"{cnt['skipped']} skipped"))
    for key in sorted(k for k in cnt if k not in ("holds", "holds!", "refuted", "refuted!", "error", "skipped")):
        parts.append(("other", f"{cnt[key]} {key}"))
    return parts


def count_line(results_or_claims: dict | Iterable[dict]) -> str:
    """Plain-text summary, e.g. ``7 hold · 3 refuted (as expected) · 1 error``."""
    claims = (
        _claims(results_or_claims)
        if isinstance(results_or_claims, dict)
        else [c for c in results_or_claims if isinstance(c, dict)]
    )
    if not claims:
        return "No claims ran"
    return " \u00b7 ".join(text for _, text in _count_parts(claims)) + f" ({len(claims)} total)"


def version_warnings(session: dict) -> list[str]:
    """Warnings for shards that ran with different library versions (a dict value)."""
    out = []
    versions = session.get("versions")
    if isinstance(versions, dict):
        for name, value in versions.items():
            if isinstance(value, dict):
                detail = "; ".join(f"{k} (shards {_fmt(v)})" for k, v in value.items())
                out.append(f"Shards ran with different {name} versions: {detail}")
    return out


# --------------------------------------------------------------------------- HTML

_CSS = """
:root{--holds:#1a7f37;--refuted:#b35900;--error:#c62828;--skipped:#6b7280;--line:#d0d7de;--muted:#57606a;--bg2:#f6f8fa}
*{box-sizing:border-box}
body{font:14px/1.45 -apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:#1f2328;margin:0 auto;padding:16px 24px;max-width:1200px}
h1{font-size:22px;margin:0 0 8px}
h2{font-size:18px;margin:24px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
h3{font-size:14px;margin:12px 0 4px}
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
table{border-collapse:collapse;margin:4px 0 8px;font-size:13px}
th,td{border:1px solid var(--line);padding:3px 7px;text-align:left;vertical-align:top}
th{background:var(--bg2);font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums}
table.facts th{width:9em}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;font-weight:600;font-size:12px;white-space:nowrap}
.b-holds{background:var(--holds)}.b-refuted{background:var(--refuted)}.b-error{background:var(--error)}.b-skipped{background:var(--skipped)}.b-other{background:#444}
.unexpected{color:#fff;background:var(--error);font-weight:700;padding:1px 6px;border-radius:3px;white-space:nowrap}
tr.surprise td{background:#fff0f0}
.counts{font-size:15px;margin:8px 0}
.counts span{margin-right:2px}
.c-holds{color:var(--holds)}.c-refuted{color:var(--refuted)}.c-error,.c-unexpected{color:var(--error);font-weight:700}.c-skipped{color:var(--skipped)}
.banner{padding:8px 12px;border-radius:6px;margin:8px 0;font-weight:600}
.banner.ok{background:#e6f4ea;color:var(--holds)}.banner.bad{background:#fdecea;color:var(--error)}.banner.warn{background:#fff4e5;color:var(--refuted)}
.empty{padding:24px;border:2px dashed var(--line);text-align:center;font-size:16px;color:var(--muted)}
section.claim{border:1px solid var(--line);border-radius:6px;padding:4px 14px 10px;margin:16px 0}
section.claim h2{border:0;margin-top:8px}
.statement{font-size:15px;margin:4px 0}
.meta{color:var(--muted);font-size:12px}
.pass{color:var(--holds);font-weight:700}.fail{color:var(--error);font-weight:700}
pre.error{background:#fdecea;border:1px solid #f5c2c0;padding:8px;white-space:pre-wrap;word-break:break-word;max-height:30em;overflow:auto}
figure{margin:8px 0;display:inline-block;max-width:100%;vertical-align:top}
figure img{max-width:100%;height:auto;border:1px solid var(--line)}
figcaption{font-size:12px;color:var(--muted)}
.note{color:var(--error);font-style:italic}
a{color:#0969da;text-decoration:none}a:hover{text-decoration:underline}
@media print{
 body{max-width:none;padding:0;font-size:11px}
 a{color:inherit}
 .badge,.unexpected,tr.surprise td,th{-webkit-print-color-adjust:exact;print-color-adjust:exact}
 section.claim{break-before:auto;border:0;border-top:1px solid #999;border-radius:0;padding:0}
 table,figure,pre{break-inside:avoid}
 pre.error{max-height:none}
}
""".strip()


def _badge(verdict: Any) -> str:
    v = str(verdict or "error")
    cls = v if v in VERDICTS else "other"
    return f'<span class="badge b-{cls}">{_e(v)}</span>'


def _outcome(record: dict) -> str:
    outcome = _e(record.get("outcome") or "\u2013")
    if is_unexpected(record):
        return f'{outcome} <span class="unexpected" title="the verdict differs from what the suite expected">UNEXPECTED</span>'
    return outcome


def _kv_table(pairs: Iterable[tuple[Any, Any]], cls: str = "facts") -> str:
    rows = "".join(f"<tr><th>{_e(k)}</th><td>{_e(_fmt(v))}</td></tr>" for k, v in pairs)
    return f'<table class="{cls}">{rows}</table>' if rows else ""


def _session_html(session: dict) -> str:
    versions = session.get("versions") if isinstance(session.get("versions"), dict) else {}
    version_text = ", ".join(f"{k} {_fmt(v)}" for k, v in versions.items()) or "\u2013"
    when = session.get("started") or "\u2013"
    if session.get("finished"):
        when = f"{when} \u2192 {session.get('finished')}"
    facts = [
        ("when", when),
        ("profile", session.get("profile")),
        ("device", session.get("device")),
        ("workers", session.get("workers")),
        ("host", session.get("host")),
        ("command", session.get("command")),
        ("duration", _fmt_duration(session.get("duration_s"))),
        ("versions", version_text),
        ("seed base", session.get("seed_base")),
        ("items selected", session.get("selected")),
    ]
    known = {"started", "finished", "profile", "device", "workers", "host", "command", "duration_s",
             "versions", "seed_base", "selected", "shards", "warnings", "collection_errors"}
    facts += [(k, v) for k, v in session.items() if k not in known]
    facts = [(k, v) for k, v in facts if v is not None and v != ""]
    out = [_kv_table(facts)]

    warnings = version_warnings(session)
    extra = session.get("warnings")
    if isinstance(extra, list):
        warnings += [str(w) for w in extra if str(w) not in warnings]
    for w in warnings:
        out.append(f'<div class="banner warn">\u26a0 {_e(w)}</div>')
    out.append(_collection_errors_html(session.get("collection_errors")))

    shards = session.get("shards")
    if isinstance(shards, list) and shards:
        rows = []
        for i, sh in enumerate(shards):
            sh = sh if isinstance(sh, dict) else {}
            v = sh.get("versions") if isinstance(sh.get("versions"), dict) else {}
            rows.append(
                "<tr>"
                f'<td class="num">{i}</td><td>{_e(sh.get("host"))}</td><td>{_e(sh.get("profile"))}</td>'
                f'<td>{_e(sh.get("device"))}</td><td class="num">{_e(sh.get("workers"))}</td>'
                f'<td class="num">{_e(sh.get("selected"))}</td><td>{_e(sh.get("started"))}</td>'
                f'<td class="num">{_e(_fmt_duration(sh.get("duration_s")))}</td><td>{_e(v.get("torch"))}</td>'
                f'<td class="mono">{_e(sh.get("command"))}</td>'
                "</tr>"
            )
        out.append(
            f"<h3>Merged from {len(shards)} shard{'s' if len(shards) != 1 else ''}</h3>"
            "<table><tr><th>#</th><th>host</th><th>profile</th><th>device</th><th>workers</th>"
            "<th>selected</th><th>started</th><th>duration</th><th>torch</th><th>command</th></tr>"
            + "".join(rows) + "</table>"
        )
    return "\n".join(out)


def _collection_errors_html(errors: Any) -> str:
    """Claims modules that failed to import: their claims never ran, so they have no section."""
    if not isinstance(errors, list) or not errors:
        return ""
    out = [f'<div class="banner bad">{len(errors)} claims module{"s" if len(errors) != 1 else ""} failed to '
           "import: their claims did not run</div>"]
    for err in errors:
        err = err if isinstance(err, dict) else {"error": err}
        out.append(f'<h3>{_e(err.get("nodeid") or "?")}</h3><pre class="error">{_e(err.get("error"))}</pre>')
    return "\n".join(out)


def _summary_html(claims: list[dict], anchors: list[str]) -> str:
    parts = _count_parts(claims)
    counts = " \u00b7 ".join(f'<span class="c-{cls}">{_e(text)}</span>' for cls, text in parts)
    n_unexpected = sum(1 for c in claims if is_unexpected(c))
    n_error = sum(1 for c in claims if c.get("verdict") == "error" or c.get("outcome") == "error")
    if n_unexpected or n_error:
        bits = []
        if n_unexpected:
            bits.append(f"{n_unexpected} claim{'s' if n_unexpected != 1 else ''} changed verdict (UNEXPECTED)")
        if n_error:
            bits.append(f"{n_error} error{'s' if n_error != 1 else ''}")
        banner = f'<div class="banner bad">{_e(" and ".join(bits))}</div>'
    else:
        banner = '<div class="banner ok">Every claim behaved as the suite expected.</div>'

    rows = []
    for rec, anchor in zip(claims, anchors):
        cls = ' class="surprise"' if is_unexpected(rec) else ""
        rows.append(
            f"<tr{cls}>"
            f'<td><a href="#{anchor}">{_e(rec.get("claim") or rec.get("nodeid") or "?")}</a></td>'
            f"<td>{_e(rec.get('variant'))}</td>"
            f"<td>{_e(rec.get('title'))}</td>"
            f"<td>{_e(rec.get('expected'))}</td>"
            f"<td>{_badge(rec.get('verdict'))}</td>"
            f"<td>{_outcome(rec)}</td>"
            f'<td class="num">{_e(_fmt_duration(rec.get("duration_s")))}</td>'
            "</tr>"
        )
    table = (
        "<table class=\"summary\"><tr><th>claim</th><th>variant</th><th>title</th><th>expected</th>"
        "<th>verdict</th><th>outcome</th><th>duration</th></tr>" + "".join(rows) + "</table>"
    )
    return f'<h2>Summary</h2>\n<p class="counts">{counts} <span class="meta">({len(claims)} total)</span></p>\n{banner}\n{table}'


def _checks_html(checks: Any) -> str:
    if not isinstance(checks, list) or not checks:
        return "<h3>Checks</h3><p class=\"meta\">No checks recorded.</p>"
    rows = []
    for ch in checks:
        ch = ch if isinstance(ch, dict) else {"name": ch}
        passed = ch.get("passed")
        if passed is True:
            mark = '<span class="pass" title="passed">\u2713</span>'
        elif passed is False:
            mark = '<span class="fail" title="failed">\u2717</span>'
        else:
            mark = "\u2013"
        statistic = ch.get("statistic")
        if statistic is None:
            statistic = ch.get("value")
        rows.append(
            f"<tr><td>{_e(ch.get('name'))}</td><td class=\"num\">{_e(_fmt(statistic))}</td>"
            f"<td class=\"mono\">{_e(ch.get('op'))}</td><td class=\"num\">{_e(_fmt(ch.get('threshold')))}</td>"
            f"<td>{mark}</td><td>{_e(ch.get('detail'))}</td></tr>"
        )
    return (
        "<h3>Checks</h3><table><tr><th>check</th><th>statistic</th><th>op</th><th>threshold</th>"
        "<th>passed</th><th>detail</th></tr>" + "".join(rows) + "</table>"
    )


def _runs_html(runs: Any) -> str:
    if not isinstance(runs, list) or not runs:
        return ""
    rows = []
    for run in runs:
        run = run if isinstance(run, dict) else {"label": run}
        key = run.get("key")
        key_text = str(key)[:12] if key else "\u2013"
        cached = run.get("cached")
        cached_text = "yes" if cached is True else "no" if cached is False else _fmt(cached)
        rows.append(
            f"<tr><td>{_e(run.get('label'))}</td><td class=\"mono\" title=\"{_e(key)}\">{_e(key_text)}</td>"
            f"<td>{_e(_fmt_seeds(run.get('seeds')))}</td><td>{_e(cached_text)}</td>"
            f"<td class=\"num\">{_e(_fmt_duration(run.get('seconds')))}</td></tr>"
        )
    return (
        "<h3>Runs (provenance)</h3><table><tr><th>run</th><th>key</th><th>seeds</th><th>cached</th>"
        "<th>time</th></tr>" + "".join(rows) + "</table>"
    )


def _figures_html(figures: Any) -> str:
    if not isinstance(figures, list) or not figures:
        return ""
    out = []
    for i, fig in enumerate(figures, 1):
        fig = fig if isinstance(fig, dict) else {}
        title = fig.get("title") or f"Figure {i}"
        data = fig.get("png_base64")
        if valid_base64(data):
            compact = "".join(data.split())
            out.append(
                f'<figure><img src="data:image/png;base64,{compact}" alt="{_e(title)}" loading="lazy">'
                f"<figcaption>{_e(title)}</figcaption></figure>"
            )
        else:
            out.append(f'<p class="note">Figure \u201c{_e(title)}\u201d omitted: its image data is not valid base64.</p>')
    return "<h3>Figures</h3>" + "\n".join(out)


def _record_html(rec: dict, anchor: str) -> str:
    out = [f'<section class="claim" id="{anchor}">']
    out.append(
        f"<h2>{_e(rec.get('claim') or '?')}"
        + (f" <span class=\"meta\">[{_e(rec.get('variant'))}]</span>" if rec.get("variant") else "")
        + (f" \u2014 {_e(rec.get('title'))}" if rec.get("title") else "")
        + "</h2>"
    )
    if rec.get("statement"):
        out.append(f'<p class="statement">{_e(rec.get("statement"))}</p>')
    sources = rec.get("sources")
    if isinstance(sources, list) and sources:
        out.append(f'<p class="meta">Sources: {_e("; ".join(_fmt(s) for s in sources))}</p>')
    elif sources:
        out.append(f'<p class="meta">Sources: {_e(sources)}</p>')
    out.append(
        f"<p>expected <b>{_e(rec.get('expected') or DASH)}</b> \u00b7 verdict {_badge(rec.get('verdict'))}"
        f" \u00b7 outcome {_outcome(rec)}</p>"
    )
    if rec.get("xfail_reason"):
        out.append(f'<p class="meta">Expected-failure reason: {_e(rec.get("xfail_reason"))}</p>')
    out.append(f'<p class="meta mono">{_e(rec.get("nodeid"))}</p>')

    settings = rec.get("settings")
    if isinstance(settings, dict) and settings:
        out.append("<h3>Settings</h3>" + _kv_table(settings.items(), cls="settings"))
    out.append(
        f"<p><b>Seeds:</b> {_e(_fmt_seeds(rec.get('seeds')))}"
        f" \u00b7 <b>profile</b> {_e(rec.get('profile') or DASH)}"
        f" \u00b7 <b>device</b> {_e(rec.get('device') or DASH)}"
        f" \u00b7 <b>worker</b> {_e(rec.get('worker') or DASH)}</p>"
    )
    out.append(_checks_html(rec.get("checks")))
    notes = rec.get("notes")
    if isinstance(notes, list) and notes:
        out.append("<h3>Notes</h3><ul>" + "".join(f"<li>{_e(n)}</li>" for n in notes) + "</ul>")
    out.append(_runs_html(rec.get("runs")))
    if rec.get("error"):
        out.append(f'<h3>Error</h3><pre class="error">{_e(rec.get("error"))}</pre>')
    out.append(_figures_html(rec.get("figures")))
    out.append(
        f'<p class="meta">duration {_e(_fmt_duration(rec.get("duration_s")))}'
        f" \u00b7 started {_e(rec.get('started') or DASH)} \u00b7 <a href=\"#summary\">back to summary</a></p>"
    )
    out.append("</section>")
    return "\n".join(p for p in out if p)


def render_html(results: dict) -> str:
    """One self-contained HTML page (inline CSS, no external assets, no JavaScript)."""
    if not isinstance(results, dict):
        raise TypeError(f"results must be a dict, not {type(results).__name__}")
    session = results.get("session") if isinstance(results.get("session"), dict) else {}
    claims = _claims(results)
    anchors = [_anchor(i, rec) for i, rec in enumerate(claims)]

    body = [f"<h1>{_e(PAGE_TITLE)}</h1>", _session_html(session)]
    if not claims:
        selected = session.get("selected")
        extra = f" ({_e(selected)} items selected)" if selected is not None else ""
        why = (" \u2014 claims modules failed to import (above)" if session.get("collection_errors") else
               " \u2014 the selection matched nothing (e.g. <code>-k</code> selected nothing),"
               " or every claim was deselected")
        body.append(f'<div id="summary" class="empty"><b>No claims ran</b>{extra}{why}.</div>')
    else:
        body.append(f'<div id="summary">{_summary_html(claims, anchors)}</div>')
        body.append("<h2>Claims</h2>")
        body.extend(_record_html(rec, a) for rec, a in zip(claims, anchors))
    generated = datetime.now().astimezone().isoformat(timespec="seconds")
    body.append(f'<p class="meta">Generated {_e(generated)} by reports.build.</p>')

    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>{_e(PAGE_TITLE)}</title>\n<style>\n{_CSS}\n</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


# --------------------------------------------------------------------------- files


def _atomic_write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def write_report(results: dict, out_dir: str | os.PathLike) -> tuple[Path, Path]:
    """Write ``out_dir/claims.html`` and ``out_dir/results.json`` atomically.

    Non-finite floats are stored as the strings "nan"/"inf"/"-inf" so the JSON is strict.
    Returns ``(html_path, json_path)``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    clean = sanitize(results)
    payload = json.dumps(clean, indent=1, allow_nan=False, ensure_ascii=False) + "\n"
    page = render_html(clean)
    html_path, json_path = out / "claims.html", out / "results.json"
    _atomic_write(json_path, payload)
    _atomic_write(html_path, page)
    return html_path, json_path


def load_results(path: str | os.PathLike) -> dict:
    """Read a results.json; ValueError when the file is not one."""
    p = Path(path)
    text = p.read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{p}: not a results file (invalid JSON: {exc})") from None
    if not isinstance(data, dict):
        raise ValueError(f"{p}: not a results file (top level is {type(data).__name__}, expected an object)")
    missing = [k for k in ("session", "claims") if k not in data]
    if missing:
        raise ValueError(f"{p}: not a results file (missing {' and '.join(repr(k) for k in missing)})")
    if not isinstance(data["session"], dict) or not isinstance(data["claims"], list):
        raise ValueError(f"{p}: not a results file ('session' must be an object and 'claims' a list)")
    return data
