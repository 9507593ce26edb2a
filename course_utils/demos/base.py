"""The demo framework: one widget base class, one renderer, updates that coalesce.

Every live demo of the course is a :class:`Demo`. It builds its matplotlib figure once (in the
course style, at the presenter scale when that is on), and a control change only updates the
artists that change and sends the new picture (:class:`course_utils.plotting.Renderer`) to an
``ipywidgets.Image``. Nothing needs an interactive matplotlib backend.

Latest value wins. In a Jupyter kernel, a control's callback only asks for a new picture and
returns; one worker thread per demo computes and draws it from the controls' values *at that
moment*. While it works, further changes (a dragged slider sends dozens) collapse into one
more picture of the latest state, so the picture never falls behind the hand. Outside a kernel
(tests, scripts) the same work runs at once, in the callback, so a test can set
``demo.control.value`` and read the artists on the next line.

A demo displays as its widget, and its mime bundle also carries the current picture as a
plain image: a saved notebook, its HTML export and nbviewer show the demo's state instead of
``VBox(...)``.

Subclasses implement :meth:`Demo.build` (make the artists and controls, return the rows of
controls) and :meth:`Demo.compute` (set the artists from the controls); a long computation
(training) overrides :meth:`Demo.work` and checks :meth:`Demo.superseded` between chunks.
"""

from __future__ import annotations

import base64
import contextlib
import html
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from ..plotting import Renderer, course_style, new_figure, presenter_scale

if TYPE_CHECKING:
    import ipywidgets
    from matplotlib.artist import Artist

__all__ = ["Demo", "LatestWins", "in_kernel", "PRESENTER_CSS"]

#: widget styles at the presenter scale: no text of a demo below 18 px, controls to match
PRESENTER_CSS = """<style>
.course-demo { --jp-widgets-font-size: 18px; --jp-ui-font-size1: 18px; --jp-widgets-inline-height: 36px;
               --jp-widgets-inline-label-width: 140px; --jp-widgets-slider-handle-size: 20px; font-size: 18px; }
.course-demo .widget-label, .course-demo .widget-html-content, .course-demo .widget-label-basic,
.course-demo button, .course-demo select, .course-demo input, .course-demo .widget-readout
  { font-size: 18px; }
.course-demo .widget-html-content { line-height: 1.35; }
</style>"""

#: every demo (tidy layout, both scales)
BASE_CSS = """<style>
.course-demo .course-status .widget-html-content { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.course-demo .course-error .widget-html-content { color: #c92a2a; white-space: pre-wrap; }
.course-demo .course-status2 .widget-html-content { height: 2.7em; overflow: hidden; line-height: 1.35; }
</style>"""


def in_kernel() -> bool:
    """Whether this code runs inside a Jupyter kernel.

    Returns
    -------
    bool
        True inside a running kernel (JupyterLab, Voila, nbclient), False in plain Python.
    """
    kernel_base = sys.modules.get("ipykernel.kernelbase")
    return bool(kernel_base is not None and kernel_base.Kernel.initialized())


class LatestWins:
    """Run ``work()`` for the latest request only: requests made while it runs collapse into one more run.

    ``threaded``: run in a worker thread (in a kernel) or at once in the caller (tests, scripts).
    ``on_error(exc_text)`` receives the traceback of a failed run; the next request runs again.
    """

    def __init__(self, work: Callable[[], object], on_error: Callable[[str], object], threaded: bool) -> None:
        self._work = work
        self._on_error = on_error
        self._threaded = threaded
        self._lock = threading.Lock()
        self._pending = False
        self._running = False
        self._idle = threading.Event()
        self._idle.set()

    def request(self) -> None:
        """Ask for a run: in the caller when not threaded, else in a worker thread (started if none runs)."""
        with self._lock:
            self._pending = True
            if self._running:
                return
            self._running = True
            self._idle.clear()
        if self._threaded:
            threading.Thread(target=self._run, name="course-demo", daemon=True).start()
        else:
            self._run()

    @property
    def threaded(self) -> bool:
        """Whether runs happen in a worker thread (in a kernel) rather than in the caller."""
        return self._threaded

    def superseded(self) -> bool:
        """Whether a newer request is waiting (a long run should stop and let it start).

        Returns
        -------
        bool
            True when :meth:`request` was called since the current run started.
        """
        return self._pending

    def wait(self, timeout: float | None = None) -> bool:
        """Block until no run is going on or waiting.

        Parameters
        ----------
        timeout : float or None
            Seconds to wait at most; ``None``: no limit.

        Returns
        -------
        bool
            True when idle, False when the timeout passed first.
        """
        return self._idle.wait(timeout)

    def _run(self) -> None:
        while True:
            with self._lock:
                if not self._pending:
                    self._running = False
                    self._idle.set()
                    return
                self._pending = False
            try:
                self._work()
            except Exception:  # shown in the demo, and the demo keeps working
                self._on_error(traceback.format_exc())


class Demo:
    """Base class of the live demos: figure, controls, the picture, coalesced updates.

    Class attributes: ``figsize`` (inches; at the presenter's 100 dpi, 11 x 4.2 inches are
    1100 x 420 px, which leaves room for two rows of controls on a 1280x720 projector) and
    ``image_format`` (``"jpeg"``, fast to encode and crisp enough for text; ``"png"`` works too).

    Attributes for tests and subclasses: ``fig``, ``image`` (the ``ipywidgets.Image``),
    ``widget`` (what is displayed), ``controls`` (every widget that changes the picture),
    ``renders`` (pictures sent so far), ``error`` (an HTML widget that shows a failed update).
    """

    figsize = (11.0, 4.2)
    image_format = "jpeg"
    #: one line for the presenter's list of demos
    summary = ""

    def __init__(self) -> None:
        import ipywidgets as widgets

        self.presenter = presenter_scale()
        self.fig = new_figure(self.figsize)
        width = round(self.fig.get_figwidth() * self.fig.dpi)
        # shown at its own size (never stretched: the text would grow, the picture no longer fit)
        self.image = widgets.Image(
            format=self.image_format, layout=widgets.Layout(width=f"{width}px", max_width="100%", height="auto")
        )
        self.error = widgets.HTML("")
        self.error.add_class("course-error")
        self.controls = []
        self.renders = 0
        self._held, self._missed = 0, False
        self.state_lock = threading.RLock()
        self._updates = LatestWins(self.work, self._show_error, threaded=in_kernel())
        with course_style():
            rows = self.build()
        self.renderer = Renderer(self.fig, self.dynamic_artists(), self.image_format)
        css = BASE_CSS + (PRESENTER_CSS if self.presenter else "")
        self.widget = widgets.VBox([widgets.HTML(css), *rows, self.image, self.error])
        self.widget.add_class("course-demo")
        self.refresh()

    # -- for subclasses --------------------------------------------------------------------
    def build(self) -> list[ipywidgets.Widget]:  # pragma: no cover - every demo overrides it
        """Make the artists and the controls (call :meth:`watch` on them).

        Returns
        -------
        list of ipywidgets.Widget
            The rows of controls, shown above the picture in this order.
        """
        raise NotImplementedError

    def compute(self) -> None:  # pragma: no cover - every demo overrides it
        """Set the artists (and text widgets) from the controls' current values."""
        raise NotImplementedError

    def dynamic_artists(self) -> list[Artist] | None:
        """The artists that :meth:`compute` changes, for blitting (see :class:`~course_utils.plotting.Renderer`).

        Returns
        -------
        list of matplotlib artists, or None
            Drawn in this order over a cached background; ``None`` (the default) redraws everything.
        """
        return None

    def work(self) -> None:
        """One update: :meth:`compute`, then send the picture. Runs in the worker thread in a kernel."""
        with self.state_lock, course_style():
            self.compute()
        self.render()

    # -- the machinery ---------------------------------------------------------------------
    def watch(self, *controls: ipywidgets.ValueWidget) -> None:
        """Redraw when any of ``controls`` changes value (coalesced: the latest value wins).

        Parameters
        ----------
        *controls : ipywidgets.ValueWidget
            Sliders, dropdowns, ...; they are added to :attr:`controls`.
        """
        for control in controls:
            control.observe(self._on_change, names="value")
            self.controls.append(control)

    def _on_change(self, _change=None) -> None:
        if self._held:
            self._missed = True
        else:
            self.request()

    @contextlib.contextmanager
    def hold_updates(self) -> Iterator[Demo]:
        """Change several controls at once: one picture at the end instead of one per control.

        Yields
        ------
        Demo
            This demo; control changes inside the ``with`` block make one picture when it ends.
        """
        self._held += 1
        try:
            yield self
        finally:
            self._held -= 1
            if not self._held and self._missed:
                self._missed = False
                self.request()

    def request(self) -> None:
        """Ask for a new picture of the current state (at once outside a kernel)."""
        self._updates.request()

    def superseded(self) -> bool:
        """Whether a newer change waits: a long :meth:`work` should return and let it run.

        Returns
        -------
        bool
            True when a control changed since the current update started.
        """
        return self._updates.superseded()

    def wait(self, timeout: float | None = 30.0) -> bool:
        """Wait until the latest requested picture has been sent (for scripts and kernel-side tests).

        Parameters
        ----------
        timeout : float or None, default 30.0
            Seconds to wait at most; ``None``: no limit.

        Returns
        -------
        bool
            True when every requested picture was sent, False when the timeout passed first.
        """
        return self._updates.wait(timeout)

    def refresh(self) -> None:
        """Compute and render now, in the caller's thread."""
        self.work()

    def render(self) -> bytes:
        """Draw the figure and send the picture to :attr:`image`.

        Returns
        -------
        bytes
            The picture sent (JPEG or PNG, :attr:`image_format`).
        """
        picture = self.renderer.picture()
        self.image.value = picture
        self.renders += 1
        if self.error.value:
            self.error.value = ""
        return picture

    def _show_error(self, text: str) -> None:
        print(text, file=sys.stderr)
        self.error.value = f"<pre>{html.escape(text.strip().splitlines()[-1])}</pre>"

    # -- display ---------------------------------------------------------------------------
    def _repr_mimebundle_(self, include=None, exclude=None):
        """The live widget, plus its current picture as a plain image for saved and exported notebooks."""
        bundle = dict(self.widget._repr_mimebundle_(include=include, exclude=exclude) or {})
        mime = "image/png" if self.image_format == "png" else "image/jpeg"
        bundle[mime] = base64.b64encode(self.image.value).decode("ascii")
        bundle["text/plain"] = f"<{type(self).__name__}: a live demo; run the notebook to use its controls>"
        return bundle

    def show(self) -> None:
        """Display the demo (in a notebook); harmless without a front end."""
        try:
            from IPython.display import display
        except ImportError:  # pragma: no cover - IPython comes with ipykernel
            return
        display(self)
