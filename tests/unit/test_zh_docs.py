"""The Simplified Chinese documents: each links to its English twin and back, shows the English
one's commands and expected output byte for byte (so the English README replay proves them
too), and uses the glossary's terms, never a variant the glossary rules out."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

from readmes import code_blocks  # noqa: E402

GLOSSARY = ROOT / "docs" / "glossary.zh-CN.md"
ENGLISH = [ROOT / "README.md", ROOT / "docs" / "tutorial.md", *sorted((ROOT / "examples").glob("*/README.md"))]
PAIRS = [(english, english.with_name(english.stem + ".zh-CN.md")) for english in ENGLISH]
CHINESE = [chinese for _, chinese in PAIRS]
CATALOG = ROOT / "workshop" / "locale" / "zh_CN" / "LC_MESSAGES" / "workshop.po"
IDS = [str(english.relative_to(ROOT)) for english, _ in PAIRS]


def glossary() -> list[tuple[str, list[str], list[str]]]:
    """(English, Chinese terms, ruled-out variants) for each row of the glossary's table."""
    rows = []
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 4 or cells[0] in ("English", "") or set(cells[0]) <= {"-"}:
            continue
        terms = [term.strip() for term in cells[1].split("/") if term.strip()]
        wrong = [variant.strip() for variant in re.split("[、,]", cells[2]) if variant.strip()]
        rows.append((cells[0], terms, wrong))
    return rows


def chinese_text() -> str:
    """Everything written in Chinese but the glossary: the documents and the tour's catalog."""
    return "\n".join(path.read_text(encoding="utf-8") for path in [*CHINESE, CATALOG])


def test_every_english_document_has_its_chinese_twin():
    folders = {path.parent for path in (ROOT / "examples").glob("*/example.py")}
    assert {english.parent for english in ENGLISH[2:]} == folders  # every example's folder has its README
    assert [chinese for chinese in CHINESE if not chinese.is_file()] == []


@pytest.mark.parametrize(("english", "chinese"), PAIRS, ids=IDS)
def test_each_document_links_to_its_twin_near_the_top(english, chinese):
    english_head = "\n".join(english.read_text(encoding="utf-8").splitlines()[:4])
    chinese_head = "\n".join(chinese.read_text(encoding="utf-8").splitlines()[:4])
    assert f"]({chinese.name})" in english_head, f"{english.name} does not link to {chinese.name}"
    assert f"]({english.name})" in chinese_head, f"{chinese.name} does not link to {english.name}"


@pytest.mark.parametrize(("english", "chinese"), PAIRS, ids=IDS)
def test_the_chinese_code_blocks_are_the_english_ones_byte_for_byte(english, chinese):
    english_blocks = [(language, lines) for _, language, lines in code_blocks(english)]
    chinese_blocks = [(language, lines) for _, language, lines in code_blocks(chinese)]
    assert english_blocks, f"{english.name} has no code block"
    assert chinese_blocks == english_blocks


def test_the_glossary_has_the_terms_of_dockers_own_chinese_documentation():
    terms = {term for _, found, _ in glossary() for term in found}
    assert {"容器", "镜像", "卷", "网络", "服务", "节点", "集群", "滚动更新", "回滚"} <= terms


@pytest.mark.parametrize(("english", "terms", "wrong"), glossary(), ids=[row[0] for row in glossary()])
def test_the_documents_use_each_glossary_term_and_none_of_its_wrong_variants(english, terms, wrong):
    text = chinese_text()
    assert [term for term in terms if term not in text] == [], f"{english}: term not used in any Chinese document"
    assert [variant for variant in wrong if variant in text] == [], f"{english}: a ruled-out variant is used"
