"""Interactive explorers for the lessons: controls (ipywidgets) that redraw a matplotlib figure.

    from utils.widgets import explorer, log_slider, int_slider

    def draw(fig, learning_rate, hidden):
        ax = fig.subplots()
        ...                                   # draw on ax (or on more Axes of fig)

    explorer(
        draw,
        learning_rate=log_slider("learning rate", -3, 1, 0.1),
        hidden=int_slider("hidden units", 1, 20, 4),
    )

`explorer` draws once at once, then again whenever a control changes. `draw(fig, **values)`
receives a new, empty matplotlib `Figure` (not a pyplot one, so nothing leaks and nothing is
shown twice) and the current value of each control under its keyword. The figure is rendered
to a PNG inside the explorer's `Output`, with whatever `draw` printed above it. Sliders only
report a value when released (`continuous_update=False`), so dragging does not queue dozens
of redraws in the kernel.

Works in JupyterLab and headless (nbclient, nbgrader's autograde) alike: the output is set as
the `Output` widget's state, which needs neither a frontend nor output capture. A draw that
fails on the first call raises in the cell; on a later change the traceback is shown inside
the explorer instead (callbacks have no cell to report to). A `draw` must not display widgets
or call `plt.show()`; run training inside it without a progress bar.

The explorer box carries the CSS class `nn-explorer` (its controls `nn-explorer-controls`,
its output `nn-explorer-output`) for browser tests.
"""

from __future__ import annotations

import base64
import html
import io
import math
import traceback
from collections.abc import Callable, Sequence
from contextlib import redirect_stderr, redirect_stdout
from typing import Any

import ipywidgets as widgets
from matplotlib.figure import Figure

__all__ = [
    "Explorer",
    "checkbox",
    "dropdown",
    "explorer",
    "float_slider",
    "int_slider",
    "log_slider",
]

CSS_CLASS = "nn-explorer"
_STYLE = {"description_width": "initial"}


class Explorer(widgets.VBox):
    """A box of controls above an output that shows `draw(fig, **values)` for their values.

    Build it with `explorer(...)`. `controls` maps each keyword of `draw` to its control
    widget; `output` is the `ipywidgets.Output` showing the figure; `redraw()` draws again.
    """

    def __init__(
        self,
        draw: Callable[..., Any],
        controls: dict[str, widgets.ValueWidget],
        figsize: tuple[float, float] = (6.4, 4.0),
        dpi: int = 100,
        title: str | None = None,
    ) -> None:
        for name, control in controls.items():
            if not isinstance(control, widgets.ValueWidget):
                raise TypeError(
                    f"explorer: control {name!r} must be an ipywidgets control with a value "
                    f"(for example log_slider(...)), got {type(control).__name__}"
                )
        self._draw = draw
        self._controls = dict(controls)
        self._figsize = figsize
        self._dpi = dpi
        self._output = widgets.Output()
        self._output.add_class(f"{CSS_CLASS}-output")
        row = widgets.HBox(
            list(self._controls.values()), layout=widgets.Layout(flex_flow="row wrap")
        )
        row.add_class(f"{CSS_CLASS}-controls")
        header = [widgets.HTML(f"<b>{html.escape(title)}</b>")] if title else []
        super().__init__([*header, row, self._output])
        self.add_class(CSS_CLASS)
        self.redraw()
        for control in self._controls.values():
            control.observe(self._on_change, names="value")

    @property
    def controls(self) -> dict[str, widgets.ValueWidget]:
        """The control widgets, by the keyword under which `draw` receives their values."""
        return dict(self._controls)

    @property
    def output(self) -> widgets.Output:
        """The output widget holding the rendered figure."""
        return self._output

    @property
    def values(self) -> dict[str, Any]:
        """The current value of each control, by keyword."""
        return {name: control.value for name, control in self._controls.items()}

    def redraw(self) -> None:
        """Call `draw` on a new figure with the current values and show the result.

        Exceptions raised by `draw` propagate.
        """
        fig = Figure(figsize=self._figsize, dpi=self._dpi, layout="constrained")
        printed, warned = io.StringIO(), io.StringIO()
        with redirect_stdout(printed), redirect_stderr(warned):
            self._draw(fig, **self.values)
        outputs = [
            _stream(name, text)
            for name, text in (("stdout", printed.getvalue()), ("stderr", warned.getvalue()))
            if text
        ]
        if fig.axes:
            outputs.append(_png_output(fig, self._dpi))
        self._output.outputs = tuple(outputs)

    def _on_change(self, change: dict[str, Any]) -> None:
        """Redraw after a control changed; show a failure inside the explorer."""
        try:
            self.redraw()
        except Exception as exc:  # a callback has no cell to raise into: show it instead
            self._output.outputs = (_error_output(exc),)


def explorer(
    draw: Callable[..., Any],
    *,
    title: str | None = None,
    figsize: tuple[float, float] = (6.4, 4.0),
    **controls: widgets.ValueWidget,
) -> Explorer:
    """An interactive figure: the controls' values are passed to `draw(fig, **values)`.

    `draw` gets a new, empty matplotlib `Figure` of size `figsize` (inches) and one keyword
    per control; it draws on `fig` (for example `ax = fig.subplots()`). `controls` are
    ipywidgets controls (see `log_slider`, `int_slider`, `float_slider`, `dropdown`,
    `checkbox`), named by the keyword `draw` takes; `title` is shown above them.
    Draws once now (exceptions raise) and again on every change of a control.

    Returns the `Explorer` (an `ipywidgets.VBox` with CSS class `nn-explorer`); display it
    by leaving it last in the cell.
    """
    return Explorer(draw, controls, figsize=figsize, title=title)


def _stream(name: str, text: str) -> dict[str, Any]:
    return {"output_type": "stream", "name": name, "text": text}


def _png_output(fig: Figure, dpi: int) -> dict[str, Any]:
    """Render `fig` as a PNG `display_data` output (with a text fallback)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    width, height = fig.get_size_inches() * dpi
    return {
        "output_type": "display_data",
        "data": {
            "image/png": base64.b64encode(buffer.getvalue()).decode("ascii"),
            "text/plain": f"<Figure size {width:g}x{height:g} with {len(fig.axes)} Axes>",
        },
        "metadata": {},
    }


def _error_output(exc: BaseException) -> dict[str, Any]:
    return {
        "output_type": "error",
        "ename": type(exc).__name__,
        "evalue": str(exc),
        "traceback": traceback.format_exception(exc),
    }


# ----------------------------------------------------------------------------- controls


def log_slider(
    description: str,
    min_exp: float,
    max_exp: float,
    value: float,
    base: float = 10.0,
    step: float = 0.1,
) -> widgets.FloatLogSlider:
    """A slider over `base**min_exp .. base**max_exp` on a log scale (learning rates, epsilons).

    `value` is the starting value itself (not its exponent), for example
    `log_slider("learning rate", -4, 0, 0.01)`. `step` is in exponent units.
    """
    if not min_exp < max_exp:
        raise ValueError(f"log_slider: expected min_exp < max_exp, got {min_exp} and {max_exp}")
    if not value > 0 or not min_exp <= math.log(value, base) <= max_exp:
        raise ValueError(
            f"log_slider: value {value} is outside {base:g}**{min_exp} .. {base:g}**{max_exp}"
        )
    return widgets.FloatLogSlider(
        value=value,
        base=base,
        min=min_exp,
        max=max_exp,
        step=step,
        description=description,
        readout_format=".2g",
        continuous_update=False,
        style=_STYLE,
    )


def int_slider(
    description: str, low: int, high: int, value: int | None = None, step: int = 1
) -> widgets.IntSlider:
    """An integer slider over `low .. high` (inclusive) starting at `value` (default `low`)."""
    value = low if value is None else value
    _check_range("int_slider", low, high, value)
    return widgets.IntSlider(
        value=value,
        min=low,
        max=high,
        step=step,
        description=description,
        continuous_update=False,
        style=_STYLE,
    )


def float_slider(
    description: str,
    low: float,
    high: float,
    value: float | None = None,
    step: float | None = None,
) -> widgets.FloatSlider:
    """A slider over `low .. high` starting at `value` (default `low`).

    `step` defaults to a hundredth of the range.
    """
    value = low if value is None else value
    _check_range("float_slider", low, high, value)
    return widgets.FloatSlider(
        value=value,
        min=low,
        max=high,
        step=(high - low) / 100 if step is None else step,
        description=description,
        continuous_update=False,
        style=_STYLE,
    )


def dropdown(description: str, options: Sequence[Any], value: Any = None) -> widgets.Dropdown:
    """A drop-down choice among `options`, starting at `value` (default the first option).

    `options`: a list of values, or of `(label, value)` pairs.
    """
    options = list(options)
    if not options:
        raise ValueError("dropdown: expected at least one option, got none")
    first = options[0][1] if isinstance(options[0], tuple) else options[0]
    return widgets.Dropdown(
        options=options,
        value=first if value is None else value,
        description=description,
        style=_STYLE,
    )


def checkbox(description: str, value: bool = False) -> widgets.Checkbox:
    """An on/off control (for example "show derivative")."""
    return widgets.Checkbox(value=value, description=description, indent=False)


def _check_range(who: str, low: float, high: float, value: float) -> None:
    if not low < high:
        raise ValueError(f"{who}: expected low < high, got {low} and {high}")
    if not low <= value <= high:
        raise ValueError(f"{who}: value {value} is outside {low} .. {high}")
