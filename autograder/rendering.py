"""Text and HTML the tool writes, from Jinja2 templates.

Templates live in a `templates/` folder beside the code that fills them
(`authoring/templates/`, `batch/templates/`, `outputs/templates/`). HTML templates escape
every value; a name missing from the context is an error, not an empty string. The
`number` filter formats a score.
"""

from __future__ import annotations

import functools
import typing as t

import jinja2


def number(value: float) -> str:
    """A score as people write it: 4, 2.5, 0.333333 (Python's `g` format)."""
    return f"{value:g}"


@functools.cache
def _environment(package: str) -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader(package, "templates"),
        # templates are named `*.html.j2`: select_autoescape(["html"]) alone would miss them
        autoescape=jinja2.select_autoescape(["html", "html.j2"]),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["number"] = number
    return environment


def render(package: str, template: str, **context: t.Any) -> str:
    """Fill `template` of `package`'s `templates/` folder (e.g. "autograder.outputs")."""
    return _environment(package).get_template(template).render(**context)
