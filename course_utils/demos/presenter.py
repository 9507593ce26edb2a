"""Lecture mode: the notebooks that ``python3 course.py present`` serves through Voila.

:func:`write_presenter_notebooks` writes, into a folder of its own, a page listing the demos
(``index.ipynb``), one notebook per demo (just the demo, at the presenter scale) and copies of
the lecture notebooks that hold demos (whole lectures, code hidden by Voila). Everything is
generated from :data:`course_utils.demos.DEMOS`, so the list and the demos never disagree.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from . import DEMOS, DemoEntry

__all__ = ["write_presenter_notebooks", "demo_notebook_name", "PAGE_CSS"]

#: page styles of the presenter view: no text below 18 px, little chrome around the demo
PAGE_CSS = """<style>
body, .jp-RenderedHTMLCommon, .jp-RenderedMarkdown { font-size: 20px; }
.jp-RenderedHTMLCommon h1 { font-size: 30px; margin: 4px 0; }
.jp-RenderedHTMLCommon h2 { font-size: 26px; margin: 4px 0; }
.jp-RenderedHTMLCommon td, .jp-RenderedHTMLCommon th { font-size: 20px; padding: 6px 10px; }
.jp-OutputArea-output pre { font-size: 18px; }
#rendered_cells { padding-top: 4px; }
.jp-Cell { padding: 2px 4px; }
</style>"""


def demo_notebook_name(entry: DemoEntry) -> str:
    """The file name of one demo's page.

    Parameters
    ----------
    entry : DemoEntry
        One of :data:`course_utils.demos.DEMOS`.

    Returns
    -------
    str
        The lecture's number and the demo's title, e.g. ``"03 Worked example, step by step.ipynb"``.
    """
    title = re.sub(r"[^A-Za-z0-9 ,-]", "", entry.title).strip()
    return f"{entry.notebook[:2]} {title}.ipynb"


def _notebook(cells) -> dict:
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def _markdown(text: str, cell_id: str) -> dict:
    return {"cell_type": "markdown", "id": cell_id, "metadata": {}, "source": text}


def _code(text: str, cell_id: str) -> dict:
    return {"cell_type": "code", "id": cell_id, "metadata": {}, "execution_count": None, "outputs": [], "source": text}


def write_presenter_notebooks(folder: str | Path, lectures_dir: str | Path) -> Path:
    """Write the presenter's pages: the list of demos, one page per demo, the lectures that hold one.

    Parameters
    ----------
    folder : str or Path
        Where to write (created if needed).
    lectures_dir : str or Path
        The course's ``notebooks/`` folder; the lectures that hold a demo are copied into
        ``folder/lectures/``.

    Returns
    -------
    Path
        The path of ``folder/index.ipynb``, the list of demos.
    """
    folder, lectures_dir = Path(folder), Path(lectures_dir)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "lectures").mkdir(exist_ok=True)
    rows, pages = [], {}
    for k, entry in enumerate(DEMOS):
        name = demo_notebook_name(entry)
        pages[entry.name] = name
        cells = [
            _markdown(f"{PAGE_CSS}\n\n**{entry.title}** &nbsp; ([all demos](index.ipynb))", f"title-{k}"),
            _code(
                "from course_utils.demos import presenter_mode, "
                + entry.name
                + "\npresenter_mode()\n"
                + f"demo = {entry.name}()\ndemo.show()",
                f"demo-{k}",
            ),
        ]
        (folder / name).write_text(json.dumps(_notebook(cells), indent=1))
        lecture = lectures_dir / entry.notebook
        if lecture.exists():
            shutil.copy(lecture, folder / "lectures" / entry.notebook)
        rows.append(
            f"| [{entry.title}]({name.replace(' ', '%20')}) | {entry.show} | "
            f"[{entry.notebook[:-6]}](lectures/{entry.notebook}) |"
        )
    table = "\n".join(["| demo | worth showing | whole lecture (code hidden) |", "|---|---|---|", *rows])
    index = _notebook(
        [
            _markdown(
                f"{PAGE_CSS}\n\n# The course's live demos\n\nOne click opens a demo on its own page, "
                "at the projector scale.\n\n" + table,
                "index",
            )
        ]
    )
    path = folder / "index.ipynb"
    path.write_text(json.dumps(index, indent=1))
    (folder / "demos.json").write_text(json.dumps(pages, indent=1))  # demo name -> page, for `present NAME`
    return path
