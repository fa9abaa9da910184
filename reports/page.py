"""The claims page: one self-contained HTML file (inline CSS, figures embedded once each, no JavaScript) from
typed results (harness.results). Plain standard library.

Every string taken from the results is passed through :func:`html.escape`; figure data is checked to be
base64 before it is embedded as a ``data:`` URI.
"""

from __future__ import annotations

import base64
import binascii
import html
import json
import math
import re
from collections import Counter
from datetime import datetime
from typing import Any, Iterable

from harness.results import ClaimResult, Results, Session, json_safe, read_claim, read_results

PAGE_TITLE = "Deep-learning claims \u2014 verification report"

VERDICTS = ("holds", "refuted", "inconclusive", "error", "smoke", "skipped")
UNEXPECTED_OUTCOMES = ("failed", "xpassed")  # failed: the verdict changed from the baseline
CLAIM_ORDER = re.compile(r"C(\d+)")
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
        return json.dumps(json_safe(value), ensure_ascii=False, sort_keys=False)
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


def is_unexpected(record: ClaimResult) -> bool:
    """A surprise: the verdict differs from what the suite expected."""
    return record.outcome in UNEXPECTED_OUTCOMES


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


def _claims(results_or_claims: Results | dict | Iterable[ClaimResult | dict]) -> list[ClaimResult]:
    """The typed records of a results dict or Results, or of an iterable of records (read once when plain)."""
    if isinstance(results_or_claims, (Results, dict)):
        return read_results(results_or_claims).claims
    return [c if isinstance(c, ClaimResult) else read_claim(c, f"claim {i}") for i, c in enumerate(results_or_claims)]


def verdict_counts(results_or_claims: dict | Iterable[dict]) -> dict[str, int]:
    """Counts per verdict (holds/refuted/error/skipped) plus ``unexpected`` and ``total``."""
    claims = _claims(results_or_claims)
    counter = Counter(str(c.verdict or "error") for c in claims)
    counts = {v: counter.pop(v, 0) for v in VERDICTS}
    counts.update(sorted(counter.items()))  # any unknown verdict keeps its own count
    counts["unexpected"] = sum(1 for c in claims if is_unexpected(c))
    counts["total"] = len(claims)
    return counts


def _count_parts(claims: list[ClaimResult]) -> list[tuple[str, str]]:
    """(css class, text) pieces for the one-line summary."""
    cnt = Counter(str(c.verdict or "error") for c in claims)
    changed = sum(1 for c in claims if is_unexpected(c))
    parts = [(v, f"{cnt[v]} {v}") for v in VERDICTS if cnt[v]]
    parts += [("other", f"{cnt[k]} {k}") for k in sorted(cnt) if k not in VERDICTS]
    if changed:
        parts.append(("unexpected", f"{changed} CHANGED from the baseline"))
    return parts


def count_line(results_or_claims: dict | Iterable[dict]) -> str:
    """Plain-text summary, e.g. ``7 hold · 3 refuted (as expected) · 1 error``."""
    claims = _claims(results_or_claims)
    if not claims:
        return "No claims ran"
    return " \u00b7 ".join(text for _, text in _count_parts(claims)) + f" ({len(claims)} total)"


def version_warnings(session: Session) -> list[str]:
    """Warnings for shards that ran with different library versions (a dict value)."""
    out = []
    versions = session.versions
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
body{font:14px/1.45 -apple-system,"Segoe UI",Helvetica,Arial,"PingFang TC","Hiragino Sans TC","Microsoft JhengHei","Noto Sans CJK TC","Noto Sans TC","Source Han Sans TC","PingFang SC","Microsoft YaHei","Noto Sans CJK SC","WenQuanYi Micro Hei",sans-serif;color:#1f2328;margin:0 auto;padding:16px 24px;max-width:1200px}
h1{font-size:22px;margin:0 0 8px}
h2{font-size:18px;margin:24px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
h3{font-size:14px;margin:12px 0 4px}
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
table{border-collapse:collapse;margin:4px 0 8px;font-size:13px}
th,td{border:1px solid var(--line);padding:3px 7px;text-align:left;vertical-align:top}
th{background:var(--bg2);font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums}
td.costliest{font-weight:bold}
table.facts th{width:9em}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;font-weight:600;font-size:12px;white-space:nowrap}
.b-holds{background:var(--holds)}.b-refuted{background:var(--refuted)}.b-inconclusive{background:#8a6d00}.b-error{background:var(--error)}.b-skipped,.b-smoke{background:var(--skipped)}.b-other{background:#444}
.s-supports{color:var(--holds)}.s-against{color:var(--refuted);font-weight:700}.s-undecided,.s-budget{color:#8a6d00}
h4{font-size:13px;margin:10px 0 2px}.tag{border-bottom:1px dotted var(--muted)}ul.quotes{margin:2px 0;font-size:12px}details{margin:8px 0}summary{cursor:pointer;color:var(--muted)}
.unexpected{color:#fff;background:var(--error);font-weight:700;padding:1px 6px;border-radius:3px;white-space:nowrap}
tr.surprise td{background:#fff0f0}
.moved{color:#8a6d00;border:1px solid #8a6d00;padding:0 5px;border-radius:3px;white-space:nowrap;font-size:12px}
.counts{font-size:15px;margin:8px 0}
.counts span{margin-right:2px}
.c-holds{color:var(--holds)}.c-refuted{color:var(--refuted)}.c-inconclusive{color:#8a6d00}.c-error,.c-unexpected{color:var(--error);font-weight:700}.c-skipped{color:var(--skipped)}
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


def _kv_table(pairs: Iterable[tuple[Any, Any]], cls: str = "facts") -> str:
    rows = "".join(f"<tr><th>{_e(k)}</th><td>{_e(_fmt(v))}</td></tr>" for k, v in pairs)
    return f'<table class="{cls}">{rows}</table>' if rows else ""


def _session_html(session: Session) -> str:
    versions = session.versions
    version_text = ", ".join(f"{k} {_fmt(v)}" for k, v in versions.items()) or "\u2013"
    when = session.started or "\u2013"
    if session.finished:
        when = f"{when} \u2192 {session.finished}"
    facts = [
        ("when", when),
        ("profile", session.profile),
        ("device", session.device),
        ("workers", session.workers),
        ("host", session.host),
        ("command", session.command),
        ("duration", _fmt_duration(session.duration_s)),
        ("versions", version_text),
        ("seed bases", session.seed_bases or session.seed_base),
        ("baseline", session.baseline or "none"),
        ("items selected", session.selected),
    ]
    known = {"started", "finished", "profile", "device", "workers", "host", "command", "duration_s", "smoke",
             "versions", "seed_base", "seed_bases", "baseline", "selected", "shards", "warnings", "collection_errors"}
    facts += [(k, v) for k, v in session.extra.items() if k not in known]
    facts = [(k, v) for k, v in facts if v is not None and v != ""]
    out = [_kv_table(facts)]

    shards = session.shards
    if shards:
        rows = []
        for i, sh in enumerate(shards):
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


def _banners_html(session: Session, claims: list[ClaimResult]) -> str:
    out = []
    if session.smoke:
        out.append('<div class="banner bad">SMOKE RUN: every variant ran its full-profile settings for a few steps on '
                   "synthetic data, to show that the code runs. These are not results and no verdict was decided.</div>")
    elif not session.baseline:
        out.append(f'<div class="banner warn">No baseline for profile {_e(session.profile)} on '
                   f'{_e(str(session.device or "cpu").split(":")[0])}: verdicts are shown as measured, without '
                   "comparison and without alarms (write one with <code>python -m reports.baseline</code>).</div>")
    warnings = version_warnings(session)
    extra = session.warnings
    warnings += [str(w) for w in extra if str(w) not in warnings]
    out += [f'<div class="banner warn">\u26a0 {_e(w)}</div>' for w in warnings]
    out.append(_collection_errors_html(session.collection_errors))
    changed = [c for c in claims if is_unexpected(c)]
    errors = [c for c in claims if c.verdict == "error"]
    if changed or errors:
        bits = []
        if changed:
            bits.append(f"{len(changed)} verdict{'s' if len(changed) != 1 else ''} changed from the baseline")
        if errors:
            bits.append(f"{len(errors)} error{'s' if len(errors) != 1 else ''}")
        out.append(f'<div class="banner bad">{_e(" and ".join(bits))}</div>')
    if session.baseline and not session.smoke:
        decided = [c for c in claims if c.verdict in ("holds", "refuted", "inconclusive")]
        moved = [c for c in decided if c.change == "moved"]
        unlisted = [c for c in decided if c.expected is None]
        if moved:
            out.append(f'<div class="banner warn">{len(moved)} verdict{"s" if len(moved) != 1 else ""} moved to or '
                       "from inconclusive at a new seed draw or on another host or versions: sampling or float "
                       "noise, reported, not failed: " + _e("; ".join(
                           f"{_record_label(c)}: {c.expected} \u2192 {c.verdict} ({c.comparison})"
                           for c in moved)) + "</div>")
        if unlisted:
            out.append(f'<div class="banner warn">{len(unlisted)} variant run{"s" if len(unlisted) != 1 else ""} '
                       "had no expected verdict, so nothing was compared: " + _e("; ".join(
                           f"{c.claim}[{_record_label(c)}]".replace("[]", "") + f" ({c.comparison or 'not in the baseline'})"
                           for c in unlisted)) + "</div>")
        if not (changed or errors or moved or unlisted):
            out.append('<div class="banner ok">Every verdict equals the reviewed baseline.</div>')
    return "\n".join(p for p in out if p)


def _collection_errors_html(errors: Any) -> str:
    """Claims modules that failed to import: their claims never ran, so they have no section."""
    if not errors:
        return ""
    out = [f'<div class="banner bad">{len(errors)} claims module{"s" if len(errors) != 1 else ""} failed to '
           "import: their claims did not run</div>"]
    for err in errors:
        out.append(f'<h3>{_e(err.get("nodeid") or "?")}</h3><pre class="error">{_e(err.get("error"))}</pre>')
    return "\n".join(out)


def group_claims(claims: list[ClaimResult]) -> list[tuple[str, list[ClaimResult]]]:
    """Records grouped by claim id, claims in the README's order (C1, C2, …), records in nodeid order."""
    groups: dict[str, list[ClaimResult]] = {}
    for rec in claims:
        groups.setdefault(str(rec.claim or rec.nodeid or "?"), []).append(rec)

    def order(item: tuple[str, list[ClaimResult]]):
        match = CLAIM_ORDER.fullmatch(str(item[1][0].ref or ""))
        return (int(match.group(1)) if match else 10**6, item[0])

    return sorted(groups.items(), key=order)


def _variants(records: list[ClaimResult]) -> list[tuple[str, list[ClaimResult]]]:
    """Records of one claim grouped by variant (one per seed base), in first-seen order."""
    out: dict[str, list[ClaimResult]] = {}
    for rec in records:
        out.setdefault(str(rec.variant or ""), []).append(rec)
    return [(v, sorted(rs, key=lambda r: r.seed_base or 0)) for v, rs in out.items()]


def _sum(records: list[ClaimResult], key: str) -> float | None:
    values = [getattr(r, key) for r in records if isinstance(getattr(r, key), (int, float))]
    return sum(values) if values else None


def _cached_runs(records: list[ClaimResult]) -> str:
    """'cached/total' training runs and measurements of a claim's records: its CPU time is a cold cost
    only when nothing came from the run cache."""
    runs = [run for r in records for run in r.runs]
    return f"{sum(1 for run in runs if run.get('cached') is True)}/{len(runs)}" if runs else DASH


def _summary_html(groups: list[tuple[str, list[ClaimResult]]], anchors: dict[str, str]) -> str:
    rows = []
    cpu = {claim: _sum(records, "cpu_s") or 0.0 for claim, records in groups}
    costliest = max(cpu, key=cpu.get) if any(cpu.values()) else None
    for claim, records in groups:
        counts = Counter(str(r.verdict or "error") for r in records)
        cells = "".join(f'<td class="num c-{v}">{counts[v] or ""}</td>' for v in ("holds", "refuted", "inconclusive", "error"))
        changed = sum(1 for r in records if is_unexpected(r))
        surprise = ' class="surprise"' if changed else ""
        rows.append(
            f'<tr data-claim="{_e(claim)}"{surprise}>'
            f'<td>{_e(records[0].ref)}</td><td><a href="#{anchors[claim]}">{_e(claim)}</a></td>'
            f"<td>{_e(records[0].title)}</td><td class=\"num\">{len(_variants(records))}</td>{cells}"
            f'<td class="num">{changed or ""}</td>'
            + ('<td class="num costliest" title="the costliest claim of this run">' if claim == costliest
               else '<td class="num">') +
            f'{_e(_fmt_duration(_sum(records, "cpu_s")))}</td>'
            f'<td class="num">{_e(_cached_runs(records))}</td>'
            f'<td class="num">{_e(_fmt_duration(_sum(records, "duration_s")))}</td></tr>'
        )
    return (
        '<table id="summary"><tr><th></th><th>claim</th><th>title</th><th>variants</th><th>holds</th><th>refuted</th>'
        "<th>inconclusive</th><th>error</th><th>changed</th><th>CPU time</th><th>runs cached</th><th>wall time</th></tr>"
        + "".join(rows) + "</table>"
    )


def _p(value: Any) -> str:
    return f"{value:.2g}" if isinstance(value, (int, float)) and not isinstance(value, bool) else "\u2013"


def _effect(effect: Any) -> str:
    if not isinstance(effect, dict):
        return "\u2013"
    text = f"{effect.get('name')} {_fmt_num(effect.get('estimate'))}"
    if effect.get("low") is not None and effect.get("high") is not None:
        text += f" [{_fmt_num(effect.get('low'))}, {_fmt_num(effect.get('high'))}]"
    return text


def _fmt_num(value: Any) -> str:
    return f"{value:.3g}" if isinstance(value, (int, float)) and not isinstance(value, bool) else _fmt(value)


def _deciding_check(rec: ClaimResult) -> dict:
    """The check the verdict turns on: one against the sentence, else the weakest, else the first."""
    checks = rec.checks
    for status in ("against", "budget", "undecided"):
        for c in checks:
            if c.get("status") == status:
                return c
    tests = [c for c in checks if isinstance(c.get("p_holm"), (int, float))]
    return max(tests, key=lambda c: c["p_holm"]) if tests else (checks[0] if checks else {})


def _why(rec: ClaimResult) -> str:
    if rec.verdict == "error":
        return (str(rec.error or "")).strip().splitlines()[-1:][0] if rec.error else "error"
    return str(rec.verdict_reason or "")


def _variants_html(records: list[ClaimResult]) -> str:
    variants = _variants(records)
    bases = sorted({r.seed_base or 0 for r in records})
    multi = len(bases) > 1
    head = "<tr><th>variant</th><th>fidelity</th><th>verdict</th>"
    if multi:
        head += "".join(f"<th>seeds from {_e(b)}</th>" for b in bases) + "<th>agree</th>"
    head += "<th>effect (deciding check)</th><th>p (Holm)</th><th>why</th></tr>"
    rows = []
    for variant, recs in variants:
        first = recs[0]
        verdicts = {r.seed_base or 0: r.verdict for r in recs}
        agree = len(set(verdicts.values())) == 1
        shown = first.verdict if agree else "inconclusive"
        check = _deciding_check(first)
        surprise = any(is_unexpected(r) for r in recs)
        changed = "".join(f' <span class="unexpected" title="{_e(r.error)}">CHANGED from '
                          f'{_e(r.expected)}</span>' for r in recs if is_unexpected(r))
        changed += "".join(f' <span class="moved" title="{_e(r.comparison)}: reported, not failed">moved from '
                           f'{_e(r.expected)}</span>' for r in recs if r.change == "moved")
        fidelity = first.fidelity or {}
        deviations = fidelity.get("deviations") or []
        tag = (f'<span class="tag" title="{_e("; ".join(map(str, deviations)))}">{_e(fidelity.get("tag"))}</span>'
               if fidelity.get("tag") else DASH)
        cells = f"<td>{_e(variant)}</td><td>{tag}</td><td>{_badge(shown)}{changed}</td>"
        if multi:
            cells += "".join(f"<td>{_badge(verdicts[b]) if b in verdicts else DASH}</td>" for b in bases)
            cells += f"<td>{'yes' if agree else '<b>no</b>'}</td>"
        cells += (f"<td>{_e(_effect(check.get('effect')))}</td><td class=\"num\">{_e(_p(check.get('p_holm')))}</td>"
                  f"<td>{_e(_why(first))}</td>")
        rows.append(f"<tr{' class=surprise' if surprise else ''}>{cells}</tr>")
    return f'<table class="variants">{head}{"".join(rows)}</table>'


def _record_label(rec: ClaimResult) -> str:
    """A record's name on the page: its variant, and its seed base when that is not 0."""
    seeds = f" (seeds from {rec.seed_base})" if rec.seed_base else ""
    return f"{rec.variant or rec.claim}{seeds}"


def _checks_html(rec: ClaimResult) -> str:
    checks = rec.checks
    if not checks:
        return ""
    rows = []
    for c in checks:
        rows.append(
            f'<tr><td>{_e(c.get("name"))}</td><td>{_e(c.get("method"))}: {_e(c.get("direction"))}</td>'
            f'<td class="num">{_e(c.get("n"))}</td><td>{_e(c.get("statistic"))}</td>'
            f'<td class="num">{_e(_p(c.get("p")))} / {_e(_p(c.get("p_holm")))}</td>'
            f'<td class="num">{_e(_p(c.get("p_opposite")))}</td><td>{_e(_effect(c.get("effect")))}</td>'
            f'<td class="s-{_e(c.get("status"))}">{_e(c.get("status"))}</td><td>{_e(c.get("why"))}'
            f'{"<br><span class=meta>" + _e(c.get("detail")) + "</span>" if c.get("detail") else ""}</td></tr>'
        )
    sentence = f'<p class="meta"><b>sentence:</b> {_e(rec.statement)}</p>' if rec.statement else ""
    return (f"<h4>{_e(_record_label(rec))}</h4>{sentence}{_fidelity_html(rec.fidelity)}{_gates_html(checks)}"
            f"{_budget_html(rec.budget)}{_power_html(checks)}<table class=\"checks\"><tr><th>check</th><th>test: claimed direction</th>"
            "<th>n</th><th>statistic</th><th>p / Holm</th><th>p opposite</th><th>effect [95% CI]</th><th>status</th>"
            "<th>why</th></tr>" + "".join(rows) + "</table>")


def _budget_html(budget: Any) -> str:
    """The answer along the budget (harness.budget.Trace.as_dict()): each check's status and effect at every
    budget read, so a reader sees whether the conclusion depends on how long one trains."""
    if not isinstance(budget, dict) or not budget.get("checks"):
        return ""
    points = [p.get("budget") for p in budget["checks"][0].get("along") or []]
    head = "<tr><th>check \\ budget</th>" + "".join(f'<th class="num">{_e(b)}</th>' for b in points) + "</tr>"
    rows = []
    for check in budget["checks"]:
        cells = "".join(f'<td class="s-{_e(p.get("status"))}" title="{_e(_effect(p.get("effect")))}">'
                        f'{_e(p.get("status"))}<br><span class="meta">{_e(_effect_short(p.get("effect")))}</span></td>'
                        for p in check.get("along") or [])
        rows.append(f"<tr><td>{_e(check.get('name'))}</td>{cells}</tr>")
    if budget.get("stable"):
        said = (f"stable: every check's status is the same at ½, ¾ and all of the budget {_e(budget.get('budget'))} "
                f"(start {_e(budget.get('start'))}, cap {_e(budget.get('cap'))})")
    else:
        said = (f"<b>still moving at the cap</b> {_e(budget.get('cap'))} ({_e(', '.join(budget.get('moving') or []))})"
                f"; the next rung would cost ≈ {_e(budget.get('next_cost_s'))} s of training")
    return (f'<p class="meta"><b>along the budget:</b> {said}</p>'
            f'<table class="strip">{head}{"".join(rows)}</table>')


def _effect_short(effect: Any) -> str:
    if not isinstance(effect, dict) or effect.get("estimate") is None:
        return ""
    text = _fmt_num(effect.get("estimate"))
    if effect.get("low") is not None and effect.get("high") is not None:
        text += f" [{_fmt_num(effect.get('low'))}, {_fmt_num(effect.get('high'))}]"
    return text


def _gates_html(checks: list[dict]) -> str:
    """The convergence evidence: each budget gate the variant's checks require, met or not, with its numbers."""
    gates = {}
    for c in checks:
        for g in c.get("requires") or []:
            if isinstance(g, dict):
                gates.setdefault(str(g.get("label")), g)
    if not gates:
        return ""
    items = "".join(f'<li><b>{"met" if g.get("met") else "NOT met"}</b>: {_e(label)}'
                    f'{" — " + _e(g.get("detail")) if g.get("detail") else ""}</li>' for label, g in gates.items())
    return f'<p class="meta"><b>budget gates</b> (convergence criteria declared with the claim):</p><ul class="gates">{items}</ul>'


def _power_html(checks: list[dict]) -> str:
    """Seeds that would give 80% power at each undecided test's observed effect (harness.stats.seeds_needed)."""
    needed = [f"{_e(c.get('name'))}: {_e(c.get('seeds_needed'))}" for c in checks if c.get("seeds_needed")]
    if not needed:
        return ""
    return ('<p class="meta"><b>power:</b> seeds (or points) that would give 80% power at the observed effect '
            "after Holm — " + "; ".join(needed) + "</p>")


def _fidelity_html(fidelity: Any) -> str:
    """The sentence the variant tests (quoted), its fidelity tag and the deviations from the report's setting."""
    if not isinstance(fidelity, dict):
        return ""
    quotes = "".join(f'<li><q{_lang(q.get("text"))}>{_e(q.get("text"))}</q> <span class="meta">({_e(q.get("report"))} '
                     f'{_e(q.get("section"))})</span></li>' for q in fidelity.get("quotes") or [] if isinstance(q, dict))
    out = [f'<p class="meta"><b>tests</b> ({_e(fidelity.get("tag"))}'
           + (f": {_e(fidelity.get('condition'))}" if fidelity.get("condition") else "") + ")</p>"]
    if quotes:
        out.append(f'<ul class="quotes">{quotes}</ul>')
    deviations = fidelity.get("deviations") or []
    if deviations:
        out.append('<p class="meta"><b>deviations from the report:</b> ' + _e("; ".join(map(str, deviations))) + "</p>")
    if fidelity.get("misattributed"):
        out.append(f'<p class="meta"><b>source caveat:</b> {_e(fidelity.get("misattributed"))}</p>')
    return "".join(out)


CJK = re.compile("[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")


def _lang(text: Any) -> str:
    """' lang="zh-Hant"' for a quote in Chinese (the reports' are Traditional), so that the browser picks a
    CJK font of the page's font stack and its Traditional glyphs; '' otherwise."""
    return ' lang="zh-Hant"' if isinstance(text, str) and CJK.search(text) else ""


def _runs_html(runs: Any) -> str:
    """The runs and measurements a record trained or read, one row per label and seed list (the configs of a
    sweep, the budgets a run was read at and its measurements share a row): how many cache entries, the budgets,
    how many were computed here and how many read from the cache, and the time. results.json keeps every call."""
    if not runs:
        return ""
    groups: dict[tuple, list[dict]] = {}
    for run in runs:
        if isinstance(run, dict):
            groups.setdefault((str(run.get("label")), _fmt_seeds(run.get("seeds"))), []).append(run)
    rows = []
    for (label, seeds), calls in groups.items():
        keys = sorted({str(c.get("key"))[:12] for c in calls})
        key_text = keys[0] if len(keys) == 1 else f"{len(keys)} entries"
        budgets = sorted({c["epochs"] for c in calls if isinstance(c.get("epochs"), int)})
        cached = sum(1 for c in calls if c.get("cached") is True)
        seconds = sum(c["seconds"] for c in calls if isinstance(c.get("seconds"), (int, float)))
        rows.append(f"<tr><td>{_e(label)}</td><td class=\"mono\">{_e(key_text)}</td><td>{_e(seeds)}</td>"
                    f"<td>{_e(', '.join(map(str, budgets)) or DASH)}</td><td>{len(calls) - cached} · {cached}</td>"
                    f"<td class=\"num\">{_e(_fmt_duration(seconds))}</td></tr>")
    return ("<table><tr><th>run</th><th>key</th><th>seeds</th><th>epochs read</th><th>computed here · from the "
            "cache</th><th>time</th></tr>" + "".join(rows) + "</table>")


def _figures_html(records: list[ClaimResult], figures: dict[str, str]) -> str:
    """Each distinct figure of the claim once, captioned with the variants that drew it."""
    seen: dict[str, dict] = {}
    for rec in records:
        for fig in rec.figures:
            key = str(fig.get("sha256") or "")
            entry = seen.setdefault(key, {"title": fig.get("title"), "variants": [], "data": fig.get("png_base64")})
            label = _record_label(rec)
            if label not in entry["variants"]:
                entry["variants"].append(label)
    out = []
    for sha, entry in seen.items():
        title = entry["title"] or "figure"
        data = figures.get(sha) or entry["data"]  # a record built by hand may carry its image inline
        caption = f"{_e(title)}<br><span class=\"meta\">drawn by: {_e(', '.join(entry['variants']))}</span>"
        if valid_base64(data):
            compact = "".join(data.split())
            out.append(f'<figure><img class="figure" src="data:image/png;base64,{compact}" alt="{_e(title)}">'
                       f"<figcaption>{caption}</figcaption></figure>")
        else:
            out.append(f'<p class="note">Figure \u201c{_e(title)}\u201d omitted: its image is missing or not valid '
                       "PNG data.</p>")
    return "<h3>Figures</h3>" + "\n".join(out) if out else ""


def _provenance_html(records: list[ClaimResult]) -> str:
    out = []
    for rec in records:
        parts = [f"<h4>{_e(_record_label(rec))}</h4>", f'<p class="meta mono">{_e(rec.nodeid)}</p>']
        settings = rec.settings
        if settings:
            parts.append(_kv_table(settings.items(), cls="settings"))
        parts.append(
            f"<p><b>Seeds:</b> {_e(_fmt_seeds(rec.seeds))} \u00b7 <b>profile</b> {_e(rec.profile or DASH)}"
            f" \u00b7 <b>device</b> {_e(rec.device or DASH)} \u00b7 <b>worker</b> {_e(rec.worker or DASH)}"
            f" \u00b7 <b>wall</b> {_e(_fmt_duration(rec.duration_s))} \u00b7 <b>CPU</b> "
            f"{_e(_fmt_duration(rec.cpu_s))} \u00b7 started {_e(rec.started or DASH)}</p>")
        notes = rec.notes
        if notes:
            parts.append("<ul>" + "".join(f"<li>{_e(n)}</li>" for n in notes) + "</ul>")
        parts.append(_runs_html(rec.runs))
        out.append("\n".join(p for p in parts if p))
    return "<details><summary>Provenance: settings, seeds, notes, runs</summary>" + "\n".join(out) + "</details>"


def _claim_html(claim: str, records: list[ClaimResult], anchor: str, figures: dict[str, str]) -> str:
    first = records[0]
    ref = f"{first.ref} " if first.ref else ""
    out = [f'<section class="claim" id="{anchor}" data-claim="{_e(claim)}">',
           f"<h2>{_e(ref)}{_e(claim)}" + (f" \u2014 {_e(first.title)}" if first.title else "") + "</h2>"]
    statements = list(dict.fromkeys(str(r.claim_statement or r.statement) for r in records
                                    if r.claim_statement or r.statement))
    for statement in statements[:1]:
        out.append(f'<p class="statement">{_e(statement)}</p>')
    sources = list(dict.fromkeys(str(s) for r in records for s in (r.sources or [])))
    if sources:
        out.append(f'<p class="meta">Sources: {_e("; ".join(sources))}</p>')
    out.append(_variants_html(records))
    errors = [r for r in records if r.error]
    for rec in errors:
        out.append(f'<h4>{_e(rec.variant or claim)}: '
                   f'{"verdict changed" if is_unexpected(rec) else "error"}</h4><pre class="error">{_e(rec.error)}</pre>')
    checks = [_checks_html(r) for r in records]
    if any(checks):
        out.append("<h3>Checks</h3>" + "\n".join(c for c in checks if c))
    out.append(_figures_html(records, figures))
    out.append(_provenance_html(records))
    out.append('<p class="meta"><a href="#summary">back to summary</a></p></section>')
    return "\n".join(p for p in out if p)


def render_html(results: Results | dict, figures: dict[str, str] | None = None) -> str:
    """One self-contained HTML page (inline CSS, figures embedded once each, no JavaScript).
    `figures` maps a figure's sha256 to its base64 PNG."""
    if not isinstance(results, (dict, Results)):
        raise TypeError(f"results must be a dict or Results, not {type(results).__name__}")
    results = read_results(results)  # the one reading: typed and checked (a Results passes through)
    session, claims = results.session, results.claims
    groups = group_claims(claims)
    anchors = {claim: f"c{i}-{_slug(claim)}" for i, (claim, _) in enumerate(groups)}

    body = [f"<h1>{_e(PAGE_TITLE)}</h1>", _banners_html(session, claims)]
    if not claims:
        selected = session.selected
        extra = f" ({_e(selected)} items selected)" if selected is not None else ""
        body.append(f'<div id="summary" class="empty"><b>No claims ran</b>{extra}.</div>')
    else:
        counts = " \u00b7 ".join(f'<span class="c-{cls}">{_e(text)}</span>' for cls, text in _count_parts(claims))
        body.append(f'<p class="counts">{counts} <span class="meta">({len(claims)} variant runs)</span></p>')
        body.append(VERDICT_LEGEND)
        body.append(_summary_html(groups, anchors))
        body.extend(_claim_html(claim, records, anchors[claim], figures or {}) for claim, records in groups)
    body.append("<details><summary>Session: command, host, versions, baseline</summary>"
                + _session_html(session) + "</details>")
    generated = datetime.now().astimezone().isoformat(timespec="seconds")
    body.append(f'<p class="meta">Generated {_e(generated)} by reports.page.</p>')
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>{_e(PAGE_TITLE)}</title>\n<style>\n{_CSS}\n</style>\n</head>\n<body>\n"
        + "\n".join(p for p in body if p)
        + "\n</body>\n</html>\n"
    )


VERDICT_LEGEND = (
    '<p class="meta"><b>holds</b>: every check supports the sentence (one-sided tests significant after Holm, '
    "α = 0.05 per variant; thresholds met; budgets converged). <b>refuted</b>: some check shows the opposite. "
    "<b>inconclusive</b>: neither; the reason and the seeds that would decide it are given.</p>")


