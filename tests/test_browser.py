"""The report page in a real browser: headless Chromium opens a page written by a tiny claims session;
every figure must decode to a non-empty image and the summary table must list every selected claim.
Skipped, with the reason shown, when no Chromium is on the PATH (Debian: apt-get install chromium).

What the test relies on is the page's contract, nothing else: the summary is <table id="summary"> with
one <tr data-claim="CLAIM_ID"> per claim, and figures are <img class="figure" src="data:image/png;...">."""
from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.claims_suite import load, run_subprocess, write_suite

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

FIGURE_CLAIMS = '''
import matplotlib.pyplot as plt
import pytest

from fixtures import claim


def figure(title):
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1, 2], [2, 0, 1])
    fig.suptitle(title)
    return fig


@claim("two_figures", statement="a claim with two figures", sources=["test"])
@pytest.mark.parametrize("variant", ["a", "b"])
def test_two_figures(variant, record):
    record.figure(figure(f"first {variant}"))
    record.figure(figure(f"second {variant}"))
    record.check("holds", 1.0, ">=", 0.5)


@claim("one_figure", statement="a claim with one figure", sources=["test"])
def test_one_figure(record):
    record.figure(figure("only"))
    record.check("holds", 1.0, ">=", 0.5)


@claim("not_selected", statement="deselected by -k: must not be listed", sources=["test"])
def test_not_selected(record):
    record.check("holds", 1.0, ">=", 0.5)
'''

# Appended to a copy of the page: once it has loaded, decode every figure (lazy ones too) and write what
# the browser saw into the DOM, which --dump-dom prints.
PROBE = '''
<script>
window.addEventListener("load", async () => {
  const images = [...document.images];
  images.forEach(img => { img.loading = "eager"; });
  const seen = await Promise.all(images.map(async img => {
    let error = null;
    try { await img.decode(); } catch (e) { error = String(e); }
    return {figure: img.classList.contains("figure"), alt: img.alt, width: img.naturalWidth,
            height: img.naturalHeight, png: img.src.startsWith("data:image/png;base64,"), error};
  }));
  const rows = [...document.querySelectorAll("table#summary tr[data-claim]")].map(tr => tr.dataset.claim);
  const out = document.createElement("pre");
  out.id = "browser-probe";
  out.textContent = JSON.stringify({images: seen, rows, summary: document.querySelector("table#summary") !== null});
  document.body.appendChild(out);
});
</script>
'''


class PageLacksContract(AssertionError):
    """The page works in the browser but lacks the markup the test reads (id="summary", data-claim,
    class="figure")."""


def browser() -> str | None:
    return next((path for path in map(shutil.which, BROWSERS) if path), None)


def open_headless(executable: str, page: Path, profile: Path) -> dict:
    """What the probe saw when headless Chromium loaded `page`."""
    probed = page.with_name("probed.html")
    probed.write_text(page.read_text() + PROBE)
    for attempt in range(3):  # a cold first start of Chromium on a loaded machine can exit before the page loads
        done = subprocess.run([executable, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                               f"--user-data-dir={profile}-{attempt}", "--window-size=1280,4000",
                               "--virtual-time-budget=10000", "--dump-dom", probed.as_uri()],
                              capture_output=True, text=True, timeout=120)
        found = re.search(r'<pre id="browser-probe">(.*?)</pre>', done.stdout, re.S)
        if found:
            break
    assert found, f"the probe did not report (exit {done.returncode}): {done.stderr[-2000:]}"
    return json.loads(html.unescape(found.group(1)))


def test_the_page_in_a_real_browser(tmp_path):
    executable = browser()
    if executable is None:
        pytest.skip(f"no headless Chromium on the PATH (looked for {', '.join(BROWSERS)}): "
                    f"apt-get install chromium to run this test")
    (tmp_path / "suite").mkdir()
    root = write_suite(tmp_path / "suite", test_fake_figures=FIGURE_CLAIMS)
    done = run_subprocess(root, "claims", "-k", "not not_selected", "--report-dir", "reports", "--no-cache")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    results, _page = load(root / "reports")
    selected = {r["claim"] for r in results["claims"]}
    assert selected == {"two_figures", "one_figure"}
    expected_figures = sum(len(r["figures"]) for r in results["claims"])
    assert expected_figures == 5

    seen = open_headless(executable, root / "reports" / "claims.html", tmp_path / "browser-profile")
    for image in seen["images"]:  # whatever the markup: every image on the page decodes to a non-empty PNG
        assert image["png"] and image["error"] is None and image["width"] > 0 and image["height"] > 0, image
    figures = [image for image in seen["images"] if image["figure"]]
    if not figures or not seen["summary"]:
        raise PageLacksContract(f"{len(seen['images'])} images decode, but {len(figures)} carry class=\"figure\"; "
                                f"table#summary {'found' if seen['summary'] else 'missing'}")
    assert len(figures) == expected_figures, seen["images"]
    assert set(seen["rows"]) == selected, seen["rows"]
