"""Drive the demos in a real browser (a Playwright page): find every control, operate it, time the picture.

Used by the browser tests (``tests/test_browser.py``) and the latency benchmark
(``benchmarks/bench_browser.py``); nothing here runs in a kernel. A demo on a page is its
``.course-demo`` element (the widget of :class:`course_utils.demos.base.Demo`).

Latency is measured in the page, as a lecturer sees it: from the input event (``keydown`` or
``pointerdown``, captured on ``document``) to the ``load`` event of the demo's new picture.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

__all__ = [
    "CHROMIUM_ARGS",
    "INSTRUMENT_JS",
    "Action",
    "demo_actions",
    "is_enabled",
    "perform",
    "latencies",
    "picture_src",
    "text_sizes",
    "fits_in_view",
    "run_all_in_lab",
]

#: headless Chromium as root with no network: without the background-networking flags it keeps
#: trying Google's hosts (see FIELD-NOTES); used by the browser tests, the hub test and the benchmark
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

#: installs ``window.__lat``: input times, picture load times, and input-to-picture samples
INSTRUMENT_JS = """() => {
  if (window.__lat) return;
  const lat = window.__lat = {t0: null, inputs: [], loads: [], samples: []};
  const mark = (e) => { lat.t0 = e.timeStamp; lat.inputs.push(e.timeStamp); };
  document.addEventListener('keydown', mark, true);
  document.addEventListener('pointerdown', mark, true);
  document.addEventListener('load', (e) => {
    const t = e.target;
    if (t && t.tagName === 'IMG' && t.closest && t.closest('.course-demo')) {
      lat.loads.push(e.timeStamp);
      if (lat.t0 !== null) { lat.samples.push(e.timeStamp - lat.t0); lat.t0 = null; }
    }
  }, true);
}"""


@dataclass
class Action:
    """One thing a lecturer can do to a demo: ``kind`` and the index of the control of that kind."""

    kind: str  # "slider", "toggle", "dropdown", "checkbox", "button", "text"
    index: int
    label: str


_SELECTORS = {
    "slider": ".widget-slider",
    "toggle": ".widget-toggle-buttons",
    "dropdown": ".widget-dropdown",
    "checkbox": ".widget-checkbox",
    "button": "button.jupyter-button:not(.widget-toggle-button)",
    "text": ".widget-text",
}


def demo_actions(demo: Locator) -> list[Action]:
    """Every control of a demo on the page.

    Parameters
    ----------
    demo : playwright.sync_api.Locator
        The demo's ``.course-demo`` element.

    Returns
    -------
    list of Action
        Sliders first, then toggles, dropdowns, check boxes, buttons and text boxes, each kind in
        page order; ``label`` is the control's first line of text (or its kind).
    """
    actions = []
    for kind, selector in _SELECTORS.items():
        controls = demo.locator(selector)
        for k in range(controls.count()):
            label = controls.nth(k).inner_text().strip().splitlines()
            actions.append(Action(kind, k, label[0] if label else kind))
    return actions


def _control(demo, action):
    return demo.locator(_SELECTORS[action.kind]).nth(action.index)


def is_enabled(demo: Locator, action: Action) -> bool:
    """Whether a lecturer could operate the control now.

    Parameters
    ----------
    demo : playwright.sync_api.Locator
        The demo's ``.course-demo`` element.
    action : Action
        One of :func:`demo_actions`.

    Returns
    -------
    bool
        False for a disabled control, a slider whose range is a single value, or a toggle
        without an inactive button.
    """
    control = _control(demo, action)
    if action.kind == "slider":  # a slider with a single value cannot be moved either
        handle = control.locator(".noUi-handle")
        single = handle.get_attribute("aria-valuemin") == handle.get_attribute("aria-valuemax")
        return control.locator(".noUi-target[disabled]").count() == 0 and not single
    if action.kind in ("dropdown", "text", "checkbox"):
        return not control.locator("select, input").first.is_disabled()
    if action.kind == "toggle":
        return control.locator("button:not(.mod-active)").first.is_enabled()
    return control.is_enabled()


def perform(page: Page, demo: Locator, action: Action, text: str | None = None) -> None:
    """Operate the control once, with the keyboard or a click, as a lecturer would.

    A slider moves one step (right, or left at its maximum), a toggle or dropdown picks another
    option, a check box or button is clicked, a text box gets ``text`` and Enter.

    Parameters
    ----------
    page : playwright.sync_api.Page
        The page (for the keyboard).
    demo : playwright.sync_api.Locator
        The demo's ``.course-demo`` element.
    action : Action
        One of :func:`demo_actions`.
    text : str or None
        What to type into a text box; ``None`` submits its current text again.
    """
    control = _control(demo, action)
    control.scroll_into_view_if_needed()
    if action.kind == "slider":
        handle = control.locator(".noUi-handle")
        handle.focus()
        now = float(handle.get_attribute("aria-valuenow"))
        low = float(handle.get_attribute("aria-valuemin"))
        page.keyboard.press("ArrowRight" if now <= low else "ArrowLeft")
    elif action.kind == "toggle":
        control.locator("button:not(.mod-active)").first.click()
    elif action.kind == "dropdown":  # pick the next option (the first after the last), as with a mouse
        select = control.locator("select")
        index = select.evaluate("s => (s.selectedIndex + 1) % s.options.length")
        select.dispatch_event("pointerdown")  # the input event the latency is measured from
        select.select_option(index=index)
    elif action.kind == "checkbox":
        control.locator("input").click()
    elif action.kind == "button":
        control.click()
    elif action.kind == "text":
        box = control.locator("input")
        box.fill(text if text is not None else box.input_value())
        box.press("Enter")
    else:  # pragma: no cover - the kinds are fixed above
        raise ValueError(f"action.kind: unknown kind {action.kind!r}")


def picture_src(demo: Locator) -> str:
    """The demo's current picture.

    Parameters
    ----------
    demo : playwright.sync_api.Locator
        The demo's ``.course-demo`` element.

    Returns
    -------
    str
        The ``src`` of its first image (a data or blob URL), ``""`` when it has none.
    """
    return demo.locator("img").first.get_attribute("src") or ""


def latencies(page: Page) -> dict:
    """The page's latency measurements so far (after :data:`INSTRUMENT_JS` was evaluated in it).

    Parameters
    ----------
    page : playwright.sync_api.Page
        The page.

    Returns
    -------
    dict
        ``inputs`` and ``loads`` (event times, ms) and ``samples`` (input to picture load, ms).
    """
    return page.evaluate("() => window.__lat")


def text_sizes(demo: Locator) -> list:
    """The font sizes of the demo's visible texts and controls (not the picture).

    Parameters
    ----------
    demo : playwright.sync_api.Locator
        The demo's ``.course-demo`` element.

    Returns
    -------
    list of [float, str]
        ``[font size in px, text]`` per visible text (its first 40 characters) and per input,
        select and button (its tag name).
    """
    return demo.evaluate("""(root) => {
      const out = [];
      const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
      while (walker.nextNode()) {
        const node = walker.currentNode, text = node.textContent.trim(), el = node.parentElement;
        if (!text || !el || el.closest('style')) continue;
        const r = el.getBoundingClientRect();
        if (r.width === 0 || r.height === 0) continue;
        out.push([parseFloat(getComputedStyle(el).fontSize), text.slice(0, 40)]);
      }
      for (const el of root.querySelectorAll('input, select, button')) {
        const r = el.getBoundingClientRect();
        if (r.width && r.height) out.push([parseFloat(getComputedStyle(el).fontSize), el.tagName]);
      }
      return out;
    }""")


def fits_in_view(demo: Locator) -> dict:
    """The demo's box against the visible part of its scrolling container (or the window).

    Parameters
    ----------
    demo : playwright.sync_api.Locator
        The demo's ``.course-demo`` element.

    Returns
    -------
    dict
        ``height``, ``width`` (the demo), ``view_height``, ``view_width`` (px) and ``picture``:
        ``[natural width, natural height, shown width, shown height]`` of its image, or None.
    """
    return demo.evaluate("""(root) => {
      let box = null;
      for (let el = root.parentElement; el; el = el.parentElement) {
        const s = getComputedStyle(el);
        if (/(auto|scroll)/.test(s.overflowY) && el.clientHeight < el.scrollHeight) { box = el; break; }
      }
      const r = root.getBoundingClientRect();
      const img = root.querySelector('img');
      const view = box ? box.getBoundingClientRect()
                       : {top: 0, bottom: window.innerHeight, left: 0, right: window.innerWidth};
      return {height: r.height, width: r.width, view_height: view.bottom - view.top,
              view_width: view.right - view.left,
              picture: img ? [img.naturalWidth, img.naturalHeight, img.width, img.height] : null};
    }""")


def run_all_in_lab(page: Page, base: str, token: str, path: str, timeout_ms: int = 120_000) -> None:
    """Open a notebook in JupyterLab (fresh workspace), Run All once its kernel is idle, wait for every cell.

    Closes the left side bar first, as a lecturer would on a projector.

    Parameters
    ----------
    page : playwright.sync_api.Page
        The browser page.
    base : str
        The server's URL, e.g. ``"http://127.0.0.1:8888"``.
    token : str
        The server's token.
    path : str
        The notebook, relative to the server's root.
    timeout_ms : int, default 120000
        How long to wait for the idle kernel, and for all cells to finish.
    """
    page.goto(f"{base}/lab/tree/{path}?reset&token={token}")
    idle = page.locator(".jp-StatusBar-TextItem", has_text="| Idle").first
    try:  # a loaded 2-core machine once took over 60 s to show a fresh kernel as idle
        idle.wait_for(timeout=timeout_ms)
    except Exception:
        page.reload()
        idle.wait_for(timeout=timeout_ms)
    if page.locator("#jp-left-stack:visible").count():
        page.keyboard.press("Control+b")
    started = """() => [...document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')]
                        .some(p => /\\[(\\*|\\d+)\\]/.test(p.textContent))"""
    for attempt in range(4):  # a Run All sent before the kernel connection is ready is dropped: retry
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_text("Run All Cells", exact=True).click()
        try:
            page.wait_for_function(started, timeout=10_000)
            break
        except Exception:
            if attempt == 3:
                raise
    page.wait_for_function(
        """() => {
            const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')];
            return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
        }""",
        timeout=timeout_ms,
    )
