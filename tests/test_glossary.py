"""The course glossary `solutions/GLOSSARY.md` and the Chinese terms of the lessons.

The glossary fixes one Chinese term per concept. Every lesson that gives a Chinese term for
one of its English terms, in the lesson's `## Glossary` table or as an `English (中文)` pair
in its text (`**forward propagation** (前向传播)`), must give the glossary's term.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import nbformat
import pytest

from autograder.config import ROOT, lesson_ids
from tests.support.lesson_audit import CJK

GLOSSARY = ROOT / "solutions" / "GLOSSARY.md"
LESSONS = lesson_ids()
# Fixed by issue 11: English name in the glossary -> the one Chinese term.
ISSUE_TERMS = {
    "forward propagation": "前向传播",
    "rank-1 array": "一维数组",
    "dying ReLU": "死亡 ReLU",
    "stride": "步幅",
    "generalized delta rule": "广义 δ 规则",
}

LINK = re.compile(r"\[(\d\d)\]\(((\d\d_[a-z0-9_]+)/\3\.ipynb)\)")
PARENTHETICAL = re.compile(r"\s*[(（][^()（）]*[)）]")
CJK_PAREN = re.compile(r"[(（]([^()（）\n]*[\u4e00-\u9fff][^()（）\n]*)[)）]")
LEADING_FILLER = re.compile(r"^(?:(?:on|the|a|an)\s+)+")
ENGLISH_SPLIT = re.compile(r"\s*(?:,|/)\s*")
CHINESE_SPLIT = re.compile(r"\s*[,，/、;；]\s*")


@dataclass(frozen=True)
class Term:
    """One row of the course glossary."""

    english: str  # the English cell: a name, maybe other names in parentheses
    chinese: str
    meaning: str
    lessons: tuple[str, ...]  # the linked lesson ids

    @property
    def names(self) -> list[str]:
        """`forward propagation (forward pass)` -> ['forward propagation', 'forward pass']."""
        main = PARENTHETICAL.sub("", self.english).strip()
        others = re.findall(r"[(（]([^()（）]*)[)）]", self.english)
        return [main] + [n for group in others for n in ENGLISH_SPLIT.split(group) if n]


def _cells(row: str) -> list[str]:
    return [cell.strip() for cell in row.strip().strip("|").split("|")]


def _tables(markdown: str) -> list[list[list[str]]]:
    """The markdown tables of a text, each a list of rows of cells (separator rows dropped)."""
    tables, current = [], []
    for line in markdown.splitlines() + [""]:
        if line.lstrip().startswith("|"):
            if not re.fullmatch(r"[\s|:-]+", line):
                current.append(_cells(line))
        elif current:
            tables.append(current)
            current = []
    return tables


def read_glossary(text: str) -> list[Term]:
    """The rows of the course glossary's table."""
    (table,) = [t for t in _tables(text) if t and "中文" in t[0]]
    assert table[0] == ["English", "中文", "meaning", "lesson"], table[0]
    terms = []
    for row in table[1:]:
        assert len(row) == 4, f"a glossary row needs 4 cells: {row}"
        english, chinese, meaning, lessons = row
        ids = tuple(m.group(3) for m in LINK.finditer(lessons))
        assert ids and LINK.sub("", lessons).strip(" ,") == "", f"bad lesson links: {row}"
        terms.append(Term(english, chinese, meaning, ids))
    return terms


def normal(text: str) -> str:
    """Lower case, markdown emphasis and code marks dropped, whitespace collapsed."""
    text = re.sub(r"[*`_]", "", text).lower()
    return " ".join(text.split())


def variants(name: str) -> set[str]:
    """A name and its plurals: `hidden layer` -> hidden layers, `order of ...` -> orders of ..."""
    name = normal(name)
    first, _, rest = name.partition(" ")
    forms = {name, name + "s", name + "es"}
    if rest:
        forms.add(f"{first}s {rest}")
    return forms


def chinese_key(term: str) -> str:
    """Compare Chinese terms without their spacing (`S 型函数` is `S型函数`)."""
    return "".join(term.split())


class Glossary:
    """The course glossary, looked up by any English name (or plural) of a concept."""

    def __init__(self, terms: list[Term]):
        self.terms = terms
        self.by_name: dict[str, Term] = {}
        for term in terms:
            for name in term.names:
                for form in variants(name):
                    self.by_name.setdefault(form, term)

    def exact(self, english: str) -> Term | None:
        return self.by_name.get(LEADING_FILLER.sub("", normal(english)))

    def ending(self, text: str) -> str | None:
        """The longest glossary name (or plural) that ends `text` at a word boundary."""
        text = normal(text)
        found = [
            form
            for form in self.by_name
            if text.endswith(form) and (len(text) == len(form) or not _word(text[-len(form) - 1]))
        ]
        return max(found, key=len) if found else None


def _word(char: str) -> bool:
    return char.isalnum() or char == "-"


@dataclass(frozen=True)
class Pair:
    """A Chinese term a lesson gives for an English one, and where."""

    where: str
    english: str
    chinese: str


def table_pairs(markdown: str, where: str) -> list[Pair]:
    """The (English, 中文) rows of the tables with a 中文 column (a lesson's glossary)."""
    pairs = []
    for table in _tables(markdown):
        header = table[0]
        if not any("中文" in cell for cell in header):
            continue
        zh = next(i for i, cell in enumerate(header) if "中文" in cell)
        en = next((i for i, cell in enumerate(header) if "english" in cell.lower()), 0)
        for row in table[1:]:
            english = ENGLISH_SPLIT.split(PARENTHETICAL.sub("", row[en]).strip())
            chinese = CHINESE_SPLIT.split(PARENTHETICAL.sub("", row[zh]).strip())
            if len(english) != len(chinese):  # `neuron, unit` | `神经元（单元）`
                english, chinese = english[:1], chinese[:1]
            pairs += [Pair(where, e, c) for e, c in zip(english, chinese, strict=True)]
    return pairs


def _without_term_tables(markdown: str) -> str:
    """The text with the lines of 中文-column tables removed (`table_pairs` reads those)."""
    lines = []
    for block in re.split(r"(\n(?:\|[^\n]*(?:\n|$))+)", markdown):
        rows = [line for line in block.splitlines() if line.startswith("|")]
        if not (rows and "中文" in rows[0]):
            lines.append(block)
    return "".join(lines)


def text_pairs(markdown: str, where: str, glossary: Glossary) -> list[Pair]:
    """The `English (中文)` pairs of a text whose English is a glossary name.

    The English is the bold phrase just before the parenthesis (`**cost** (代价)`), the bold
    phrase holding it (`**cost (代价)**`), an English name inside it (`(the recall, 召回率)`),
    or else the longest glossary name that ends the text before it (`Logistic regression
    (逻辑回归, ...)`).
    """
    pairs = []
    text = _without_term_tables(markdown)
    for match in CJK_PAREN.finditer(text):
        before = text[: match.start()].split("\n\n")[-1]
        parts = CHINESE_SPLIT.split(match.group(1).strip())
        chinese = next(p for p in parts if CJK.search(p))
        english_inside = [p for p in parts if not CJK.search(p) and glossary.exact(p)]
        stripped = before.rstrip()
        if before.count("**") % 2:  # inside a bold phrase
            phrase = before.rsplit("**", 1)[1]
        elif stripped.endswith("**"):
            phrase = stripped[:-2].rsplit("**", 1)[-1]
        else:
            phrase = glossary.ending(" ".join(stripped.split()[-6:])) or ""
        if not glossary.exact(phrase) and english_inside:
            phrase = english_inside[0]
        if glossary.exact(phrase):
            pairs.append(Pair(where, normal(phrase), chinese))
    return pairs


def markdown_cells(lesson: str) -> dict[int, str]:
    """Index -> source of the markdown cells of a lesson's solution notebook."""
    nb = nbformat.read(ROOT / "solutions" / lesson / f"{lesson}.ipynb", as_version=4)
    return {i: cell.source for i, cell in enumerate(nb.cells) if cell.cell_type == "markdown"}


def glossary_cell(lesson: str) -> str:
    """The lesson's `## Glossary` cell (there is exactly one)."""
    (cell,) = [text for text in markdown_cells(lesson).values() if "## Glossary" in text]
    return cell


def lesson_pairs(lesson: str, glossary: Glossary) -> list[Pair]:
    """Every Chinese term the lesson's solution notebook gives, in tables and in text."""
    pairs = []
    for index, text in markdown_cells(lesson).items():
        where = f"{lesson}, cell {index}"
        pairs += table_pairs(text, where) + text_pairs(text, where, glossary)
    return pairs


def mismatches(pairs: list[Pair], glossary: Glossary) -> list[str]:
    """The pairs whose Chinese term is not the glossary's for their English term."""
    wrong = []
    for pair in pairs:
        term = glossary.exact(pair.english)
        if term and chinese_key(pair.chinese) != chinese_key(term.chinese):
            wrong.append(
                f"{pair.where}: {pair.english!r} is {pair.chinese}; "
                f"the course glossary says {term.chinese}"
            )
    return wrong


@pytest.fixture(scope="module")
def glossary() -> Glossary:
    assert GLOSSARY.is_file(), "the course glossary solutions/GLOSSARY.md is missing"
    return Glossary(read_glossary(GLOSSARY.read_text(encoding="utf-8")))


def test_glossary_is_sorted_with_one_chinese_term_per_concept(glossary):
    english = [term.english.lower() for term in glossary.terms]
    assert english == sorted(english), "rows sorted by English term"
    assert len(glossary.terms) >= 100
    names = [form for term in glossary.terms for name in term.names for form in {normal(name)}]
    assert len(names) == len(set(names)), "an English name belongs to one concept"
    for term in glossary.terms:
        assert CJK.search(term.chinese), term
        assert not re.search(r"[,，/、;；()（）]", term.chinese), f"one Chinese term: {term}"
        assert term.meaning and "\n" not in term.meaning, term
    chinese = [chinese_key(term.chinese) for term in glossary.terms]
    assert len(chinese) == len(set(chinese)), "one concept per Chinese term"


def test_glossary_uses_the_terms_the_issue_fixes(glossary):
    for english, chinese in ISSUE_TERMS.items():
        term = glossary.exact(english)
        assert term is not None and term.chinese == chinese, (english, term)


def test_glossary_links_lessons_that_use_the_term(glossary):
    """Each linked lesson exists (as released) and names the term in its text."""
    texts = {lesson: normal(" ".join(markdown_cells(lesson).values())) for lesson in LESSONS}
    for term in glossary.terms:
        for lesson in term.lessons:
            assert lesson in LESSONS, f"{term.english}: no lesson {lesson}"
            assert (ROOT / "lessons" / lesson / f"{lesson}.ipynb").is_file()
            assert any(normal(name) in texts[lesson] for name in term.names), (
                f"{term.english}: lesson {lesson} does not mention it"
            )


@pytest.mark.parametrize("lesson", LESSONS)
def test_lesson_gives_the_glossary_chinese_terms(lesson, glossary):
    pairs = lesson_pairs(lesson, glossary)
    assert pairs, "the lesson gives Chinese terms"
    wrong = mismatches(pairs, glossary)
    assert wrong == [], "Chinese terms that differ from solutions/GLOSSARY.md:\n" + "\n".join(wrong)


@pytest.mark.parametrize("lesson", LESSONS)
def test_lesson_glossary_terms_are_in_the_course_glossary(lesson, glossary):
    table = glossary_cell(lesson)
    missing = [p.english for p in table_pairs(table, lesson) if not glossary.exact(p.english)]
    assert missing == [], f"add these terms to solutions/GLOSSARY.md: {missing}"


def test_the_checker_finds_each_form_of_a_mismatch():
    terms = [
        Term("cost", "代价", "J", ("04",)),
        Term("exploding gradient", "梯度爆炸", "up", ("06",)),
        Term("forward propagation (forward pass)", "前向传播", "f", ("04",)),
        Term("gradient", "梯度", "g", ("07",)),
        Term("logistic regression", "逻辑回归", "lr", ("01",)),
        Term("recall", "召回率", "r", ("01",)),
        Term("weight", "权重", "w", ("01",)),
    ]
    glossary = Glossary(terms)
    text = (
        "The **forward pass** (正向传播) and **Forward propagation (正向传播).**\n"
        "**exploding gradients** (梯度爆炸), the **weights** (权值) and the\n"
        "**cost (代价)**. Logistic regression (逻辑回归, lesson 01) and (the recall, 查全率)."
        " A **Lagrangian** (拉格朗日量) is not in the glossary.\n\n"
        "| English | 中文 | meaning |\n| --- | --- | --- |\n"
        "| forward propagation (inference) | 前向计算（推断） | f |\n"
        "| weight, gradient | 权重，梯度 | w |\n"
    )
    pairs = table_pairs(text, "t") + text_pairs(text, "t", glossary)
    assert [(p.english, p.chinese) for p in pairs] == [
        ("forward propagation", "前向计算"),
        ("weight", "权重"),
        ("gradient", "梯度"),
        ("forward pass", "正向传播"),
        ("forward propagation", "正向传播"),
        ("exploding gradients", "梯度爆炸"),
        ("weights", "权值"),
        ("cost", "代价"),
        ("logistic regression", "逻辑回归"),
        ("the recall", "查全率"),
    ]
    assert len(mismatches(pairs, glossary)) == 5
