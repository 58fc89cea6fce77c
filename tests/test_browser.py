"""Every lesson in a real browser: JupyterLab driven by Playwright in headless Chromium.

- Each solution notebook: Run All, every cell run and the kernel idle, no error output, every
  matplotlib figure an image, every ipywidgets output a widget (an explorer is the
  `.nn-explorer` box, not its text fallback), and one control of each explorer redraws it.
- A student notebook: the exercise stubs are shown; the first exercise, typed into its cell,
  passes its visible test; nbgrader's Validate button lists every other graded cell.
- The instructor: the formgrader, opened from JupyterLab's Nbgrader menu, lists the lessons.

The server runs on a temporary copy of the course (so executed outputs never reach the
repository), started through Binder's `start` script. On a failure the test saves a
screenshot and the server log under `test-artifacts/` and names them in its message. The
module reports its wall time and the peak memory of the server, kernels and browser.
"""

from __future__ import annotations

import re
import shutil
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import nbformat
import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

from autograder.config import ROOT, lesson_ids
from tests.support.browser_support import (
    ARTIFACTS,
    JupyterLab,
    ResourceSampler,
    chromium_launch_options,
)

pytestmark = pytest.mark.browser

LESSONS = lesson_ids()
STUDENT_LESSON = "03_broadcasting" if "03_broadcasting" in LESSONS else LESSONS[0]
BINDER_MEMORY_MIB = 2048
# Bounded waits, generous for a loaded two-core machine (a lesson runs in 5-15 s there).
OPEN_MS = 90_000
RUN_MS = 300_000
REDRAW_MS = 90_000
VALIDATE_MS = 300_000

# --------------------------------------------------------------------------- JupyterLab JS

OPEN_NOTEBOOK = """async (path) => {
    const app = window.jupyterapp;
    const widget = await app.commands.execute('docmanager:open', {path});
    await widget.context.ready;
    await widget.sessionContext.ready;
}"""

KERNEL_IDLE = """() => {
    const widget = window.jupyterapp.shell.currentWidget;
    const kernel = widget && widget.sessionContext.session && widget.sessionContext.session.kernel;
    return !!kernel && kernel.status === 'idle';
}"""

# True once nothing is queued or running and the kernel is idle; with `all`, also every code
# cell has an execution count.
EXECUTION_DONE = """(all) => {
    const widget = window.jupyterapp.shell.currentWidget;
    const kernel = widget.sessionContext.session && widget.sessionContext.session.kernel;
    if (!kernel || kernel.status !== 'idle') return false;
    const cells = widget.content.model.cells;
    for (let i = 0; i < cells.length; i++) {
        const cell = cells.get(i);
        if (cell.type !== 'code') continue;
        if (cell.executionState === 'running') return false;
        if (all && cell.executionCount === null) return false;
    }
    const prompts = widget.content.node.querySelectorAll('.jp-InputArea-prompt');
    return !Array.from(prompts).some(p => p.textContent.includes('*'));
}"""

# Per code cell: what the model holds (errors, images, widgets) and what the page shows.
AUDIT = """() => {
    const widget = window.jupyterapp.shell.currentWidget;
    const WIDGET = 'application/vnd.jupyter.widget-view+json';
    const report = [];
    widget.content.widgets.forEach((cell, index) => {
        if (cell.model.type !== 'code') return;
        const outputs = [];
        for (let i = 0; i < cell.model.outputs.length; i++) {
            outputs.push(cell.model.outputs.get(i).toJSON());
        }
        const data = outputs.map(o => o.data || {});
        const area = cell.outputArea.node;
        const outside = el => !el.closest('.jupyter-widgets');
        const shown = Array.from(area.querySelectorAll('pre')).map(p => p.textContent);
        report.push({
            index,
            source: cell.model.sharedModel.getSource().slice(0, 80),
            count: cell.model.executionCount,
            errors: outputs.filter(o => o.output_type === 'error')
                .map(o => `${o.ename}: ${o.evalue}`),
            stderr: outputs.filter(o => o.output_type === 'stream' && o.name === 'stderr')
                .map(o => [].concat(o.text).join('')),
            figures: data.filter(d => d['image/png'] && !d[WIDGET]).length,
            images: Array.from(area.querySelectorAll('img')).filter(outside).length,
            loaded: Array.from(area.querySelectorAll('img'))
                .filter(img => img.complete && img.naturalWidth > 0).length,
            figureText: data.filter(d => !d['image/png'] && !d[WIDGET]
                && /^<Figure size/.test([].concat(d['text/plain'] || '').join(''))).length,
            widgets: data.filter(d => d[WIDGET]).length,
            rendered: area.querySelectorAll('.jp-OutputArea-output > .jupyter-widgets').length,
            fallbacks: data.filter(d => d[WIDGET]).map(d => [].concat(d['text/plain']).join(''))
                .filter(text => shown.includes(text)).length,
            explorers: data.filter(d => d[WIDGET]
                && /^Explorer\\(/.test([].concat(d['text/plain'] || '').join(''))).length,
            explorerBoxes: area.querySelectorAll('.nn-explorer').length,
        });
    });
    return report;
}"""

CLOSE_EVERYTHING = """async () => {
    const app = window.jupyterapp;
    for (const widget of Array.from(app.shell.widgets('main'))) {
        if (widget.sessionContext) await widget.sessionContext.shutdown();
        widget.dispose();
    }
}"""

# ------------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def resources(request: pytest.FixtureRequest) -> Iterator[ResourceSampler]:
    """Wall time and peak memory of the whole module, reported when it ends."""
    sampler = ResourceSampler()
    sampler.start()
    yield sampler
    figures = sampler.stop()
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():
            reporter.write_line(f"\nbrowser suite: {figures}")


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A temporary copy of the course: solutions, lessons and the nbgrader configuration."""
    copy = tmp_path_factory.mktemp("course")
    for tree in ("solutions", "lessons"):
        shutil.copytree(ROOT / tree, copy / tree)
    shutil.copy2(ROOT / "nbgrader_config.py", copy / "nbgrader_config.py")
    return copy


@pytest.fixture(scope="module")
def lab(
    resources: ResourceSampler, course: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[JupyterLab]:
    """JupyterLab on the course copy, started as Binder starts it, stopped afterwards."""
    server = JupyterLab(
        Path(sys.executable).parent,  # the tests' environment, which holds the runtime too
        course,
        tmp_path_factory.mktemp("jupyter-home"),
        launcher=(str(ROOT / "start"),),
    )
    with server:
        resources.jupyter_pid = server.process.pid if server.process else None
        yield server


@pytest.fixture(scope="module")
def browser(resources: ResourceSampler) -> Iterator[Browser]:
    """Headless Chromium: Debian's where present, else Playwright's own; fails without.

    (Requests `resources` so that the module's clock starts before the browser does.)
    """
    with sync_playwright() as playwright:
        options = chromium_launch_options(playwright.chromium.executable_path)
        chromium = playwright.chromium.launch(**options)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def shared_page(browser: Browser, lab: JupyterLab) -> Iterator[list[Page]]:
    """One JupyterLab page for the module (loading it costs seconds); replaced if it died."""
    pages: list[Page] = []
    yield pages
    for page in pages:
        if not page.is_closed():
            page.close()


@pytest.fixture
def page(shared_page: list[Page], browser: Browser, lab: JupyterLab) -> Iterator[Page]:
    """The module's JupyterLab page, with no document open; closes what a test opened."""
    if not shared_page or shared_page[0].is_closed():
        shared_page[:] = [_open_lab(browser, lab)]
    current = shared_page[0]
    yield current
    if current.is_closed():
        return
    for _ in range(10):  # a dialog a failed test left open
        if not current.locator(".jp-Dialog").count():
            break
        current.keyboard.press("Escape")
        current.wait_for_timeout(200)
    current.evaluate(CLOSE_EVERYTHING)


def _open_lab(browser: Browser, lab: JupyterLab) -> Page:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{lab.url}/lab?token={lab.token}", timeout=OPEN_MS)
    page.wait_for_function("() => !!window.jupyterapp", timeout=OPEN_MS)
    page.evaluate(
        "async () => { await window.jupyterapp.started; await window.jupyterapp.restored; }"
    )
    page.wait_for_selector("#jp-main-dock-panel", timeout=OPEN_MS)
    return page


@contextmanager
def evidence(page: Page, lab: JupyterLab, name: str) -> Iterator[None]:
    """On any failure inside: save a screenshot and the server log, and say where."""
    folder = ARTIFACTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", name)
    shutil.rmtree(folder, ignore_errors=True)  # an earlier run's evidence
    try:
        yield
    except Exception as exc:
        folder.mkdir(parents=True, exist_ok=True)
        saved = [folder / "server.log"]
        saved[0].write_text(lab.log(last=2_000_000))
        if not page.is_closed():
            page.screenshot(path=folder / "screenshot.png")
            saved.append(folder / "screenshot.png")
        where = ", ".join(str(path.relative_to(ROOT)) for path in saved)
        raise AssertionError(f"{exc}\n(saved {where})") from exc


# ---------------------------------------------------------------------------------- steps


def open_notebook(page: Page, path: str) -> None:
    """Open `path` (relative to the server root) and wait for its kernel to be idle."""
    page.evaluate(OPEN_NOTEBOOK, path)
    page.wait_for_function(KERNEL_IDLE, timeout=OPEN_MS)


def run_all(page: Page, every_cell: bool) -> float:
    """Run > Run All Cells; wait until done (with `every_cell`, until every cell has run)."""
    start = time.monotonic()
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_function(EXECUTION_DONE, arg=every_cell, timeout=RUN_MS, polling=250)
    # the kernel can be idle for a moment between two queued cells: confirm a second later
    page.wait_for_timeout(1000)
    page.wait_for_function(EXECUTION_DONE, arg=every_cell, timeout=RUN_MS, polling=250)
    return time.monotonic() - start


def move_control(page: Page, explorer_index: int) -> None:
    """Change the first control of the explorer: a slider, a drop-down or a checkbox."""
    box = page.locator(".nn-explorer").nth(explorer_index)
    control = box.locator(".nn-explorer-controls > *").first
    control.scroll_into_view_if_needed()
    if control.locator("select").count():
        select = control.locator("select")
        current = select.input_value()
        values = select.evaluate("s => Array.from(s.options).map(o => o.value)")
        select.select_option(next(v for v in values if v != current))
    elif control.locator(".noUi-target").count():
        # a tap on the track away from the handle (positions are relative to the track, so
        # Playwright scrolls it into view first)
        track = control.locator(".noUi-target")
        track_box = track.bounding_box()
        handle_box = control.locator(".noUi-handle").first.bounding_box()
        assert track_box and handle_box, "the slider is not displayed"
        handle_at = (handle_box["x"] + handle_box["width"] / 2 - track_box["x"]) / track_box[
            "width"
        ]
        target = 0.2 if handle_at > 0.5 else 0.8
        track.click(position={"x": track_box["width"] * target, "y": track_box["height"] / 2})
    elif control.locator("input[type=checkbox]").count():
        control.locator("input[type=checkbox]").click()
    else:
        raise AssertionError(f"explorer {explorer_index}: no slider, drop-down or checkbox")


# ---------------------------------------------------------------------------------- tests


@pytest.mark.parametrize("lesson", LESSONS)
def test_solution_notebook_runs_and_renders_in_jupyterlab(
    lesson: str, page: Page, lab: JupyterLab, resources: ResourceSampler
):
    with evidence(page, lab, f"solution-{lesson}"):
        open_notebook(page, f"solutions/{lesson}/{lesson}.ipynb")
        seconds = run_all(page, every_cell=True)
        resources.note(f"{lesson} {seconds:.1f} s")
        cells = page.evaluate(AUDIT)
        assert cells, "no code cells shown"
        assert all(cell["count"] for cell in cells), "a code cell did not run"
        errors = [(c["index"], c["source"], c["errors"]) for c in cells if c["errors"]]
        assert not errors, f"error outputs: {errors}"
        stderr = [(c["index"], c["source"], c["stderr"]) for c in cells if c["stderr"]]
        assert not stderr, f"output on stderr: {stderr}"
        figures = sum(c["figures"] for c in cells)
        assert figures, "no matplotlib figure in the lesson"
        for cell in cells:
            where = f"cell {cell['index']} ({cell['source']!r})"
            assert cell["figureText"] == 0, f"{where}: a figure shown as text, not an image"
            assert cell["images"] == cell["figures"], f"{where}: {cell}"
            assert cell["rendered"] == cell["widgets"], f"{where}: widget not rendered: {cell}"
            assert cell["fallbacks"] == 0, f"{where}: a widget shown as its text fallback"
            assert cell["explorerBoxes"] == cell["explorers"], f"{where}: {cell}"
        page.wait_for_function(
            "() => Array.from(document.querySelectorAll('.jp-OutputArea img'))"
            ".every(img => img.complete && img.naturalWidth > 0)",
            timeout=REDRAW_MS,
        )

        explorers = sum(c["explorers"] for c in cells)
        assert explorers >= 1, "every lesson has at least one explorer"
        assert page.locator(".nn-explorer").count() == explorers
        for index in range(explorers):
            output = page.locator(".nn-explorer").nth(index).locator(".nn-explorer-output img")
            before = output.get_attribute("src")
            assert before, f"explorer {index} shows no figure"
            move_control(page, index)
            page.wait_for_function(
                "([box, before]) => {"
                "  const img = box.querySelector('.nn-explorer-output img');"
                "  return !!img && img.src !== before; }",
                arg=[page.locator(".nn-explorer").nth(index).element_handle(), before],
                timeout=REDRAW_MS,
            )


def test_student_fills_in_an_exercise_and_validates(page: Page, lab: JupyterLab, course: Path):
    lesson = STUDENT_LESSON
    student = nbformat.read(course / "lessons" / lesson / f"{lesson}.ipynb", as_version=4)
    solution = nbformat.read(course / "solutions" / lesson / f"{lesson}.ipynb", as_version=4)
    answers = [i for i, cell in enumerate(student.cells) if _nbgrader(cell).get("solution")]
    graded = [i for i, cell in enumerate(student.cells) if _nbgrader(cell).get("grade")]
    code_answers = [i for i in answers if student.cells[i].cell_type == "code"]
    first = code_answers[0]
    test_cell = next(i for i in graded if i > first and student.cells[i].cell_type == "code")
    answer = _solution_code(solution, _nbgrader(student.cells[first])["grade_id"])

    with evidence(page, lab, f"student-{lesson}"):
        open_notebook(page, f"lessons/{lesson}/{lesson}.ipynb")
        for index in code_answers:
            expect(_editor(page, index)).to_contain_text(
                "raise NotImplementedError", timeout=OPEN_MS
            )

        editor = _editor(page, first)
        editor.scroll_into_view_if_needed()
        editor.click()
        page.keyboard.press("Control+A")
        page.keyboard.insert_text(answer)
        page.keyboard.press("Escape")
        typed = page.evaluate(
            "(i) => window.jupyterapp.shell.currentWidget.content.model.cells.get(i)"
            ".sharedModel.getSource()",
            first,
        )
        assert typed == answer, "the answer typed into the editor is not in the notebook"

        run_all(page, every_cell=False)
        audit = {cell["index"]: cell for cell in page.evaluate(AUDIT)}
        assert audit[test_cell]["count"], "the exercise's test cell did not run"
        assert not audit[test_cell]["errors"], f"visible test failed: {audit[test_cell]}"
        assert any(cell["errors"] for cell in audit.values()), (
            "Run All should stop at the next unanswered exercise"
        )

        page.locator(".validate-button").click()
        dialog = page.locator(".jp-Dialog")
        dialog.wait_for(timeout=VALIDATE_MS)
        assert "Validation Results" in dialog.locator(".jp-Dialog-header").inner_text()
        message = page.locator("#validation-message")
        assert "validation-failed" in (message.get_attribute("class") or ""), message.inner_text()
        failed = message.evaluate(
            "m => Array.from(m.querySelectorAll('p'))"
            ".filter(p => p.textContent === 'The following cell failed:')"
            ".map(p => p.parentElement.nextElementSibling.innerText.trim())"
        )
        expected = [student.cells[i].source.strip() for i in graded if i != test_cell]
        assert Counter(failed) == Counter(expected), (
            f"Validate should list every graded cell but the answered exercise's test;"
            f" listed {len(failed)}, expected {len(expected)}"
        )
        dialog.locator(".jp-Dialog-footer button").first.click()


VALIDATE_PRESSES = 30
STALL_SECONDS = 45  # a stalled `interact` cell waits for the per-cell timeout (60 s)


def _explorer_lessons(course: Path) -> list[str]:
    """The lessons whose solution builds an explorer (an `interact`-style widget)."""
    return [
        lesson
        for lesson in lesson_ids(course)
        if "explorer(" in (course / "solutions" / lesson / f"{lesson}.ipynb").read_text()
    ]


def test_validate_does_not_stall_on_the_lessons_with_explorers(
    page: Page, lab: JupyterLab, course: Path
):
    """Issue 11, section 10: nbgrader's Validate button, through the course's
    nbgrader_config.py, waits for replies in short slices; pressed 30 times over the lessons
    with explorers, every validation passes, none waiting for a cell's timeout."""
    lessons = _explorer_lessons(course)
    assert len(lessons) >= 5
    presses = [lessons[i % len(lessons)] for i in range(VALIDATE_PRESSES)]
    seconds: list[float] = []
    with evidence(page, lab, "validate-30"):
        for lesson in sorted(set(presses), key=presses.index):
            open_notebook(page, f"solutions/{lesson}/{lesson}.ipynb")
            for _ in range(presses.count(lesson)):
                start = time.monotonic()
                page.locator(".validate-button").click()
                dialog = page.locator(".jp-Dialog")
                dialog.wait_for(timeout=VALIDATE_MS)
                seconds.append(time.monotonic() - start)
                message = page.locator("#validation-message")
                assert "validation-success" in (message.get_attribute("class") or ""), (
                    f"{lesson}: {message.inner_text()[:2000]}"
                )
                dialog.locator(".jp-Dialog-footer button").first.click()
                dialog.wait_for(state="detached", timeout=OPEN_MS)
            page.evaluate("() => window.jupyterapp.commands.execute('application:close-all')")
    assert len(seconds) == VALIDATE_PRESSES
    slow = [round(s, 1) for s in seconds if s > STALL_SECONDS]
    assert slow == [], f"validations that waited like a stall: {slow}; all: {seconds}"


def test_formgrader_lists_the_lessons(page: Page, lab: JupyterLab, course: Path):
    with evidence(page, lab, "formgrader"):
        page.get_by_role("menuitem", name="Nbgrader").click()
        page.get_by_role("menuitem", name="Formgrader").click()
        frame = page.frame_locator("iframe").first
        for lesson in lesson_ids(course):
            link = frame.get_by_role("link", name=lesson, exact=True)
            link.wait_for(timeout=OPEN_MS)
            assert link.is_visible(), f"{lesson} is not listed in the formgrader"


def test_the_course_stays_within_binder_memory(resources: ResourceSampler):
    """Run last in this module: the server and its kernels never needed Binder's 2 GB."""
    assert resources.samples, "no memory samples were taken"
    assert resources.peak_jupyter_mib < BINDER_MEMORY_MIB, str(resources)


def _editor(page: Page, index: int) -> Locator:
    """The CodeMirror editor of the notebook's cell `index`."""
    return page.locator(f'.jp-Notebook .jp-Cell[data-windowed-list-index="{index}"] .cm-content')


def _nbgrader(cell: nbformat.NotebookNode) -> dict:
    return cell.metadata.get("nbgrader", {})


def _solution_code(notebook: nbformat.NotebookNode, grade_id: str) -> str:
    """The solution of the answer cell `grade_id`, without nbgrader's marker lines."""
    source = next(c.source for c in notebook.cells if _nbgrader(c).get("grade_id") == grade_id)
    markers = ("### BEGIN SOLUTION", "### END SOLUTION")
    return "\n".join(line for line in source.splitlines() if line.strip() not in markers)
