"""The README's hardening tables (workshop/cis.py): a column per container the examples declare,
a cell per check, the exceptions from EXEMPTIONS; README.md holds what they make
(tests/unit/test_settings.py fails while any generated file is stale)."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import tasks  # noqa: E402
from workshop import cis  # noqa: E402
from workshop.hardening import EXEMPTIONS, ONE_OFF, SERVICE, Container  # noqa: E402

DECLARED = [container for example in tasks.shop.examples for container in example.containers]


def test_every_container_an_example_declares_has_a_column_and_every_check_a_cell():
    lines = cis.cis_table(DECLARED).splitlines()
    assert lines[0] == "| check | " + " | ".join(c.name for c in DECLARED) + " |"
    assert len(lines) == 2 + len(cis.ROWS)
    for line in lines[2:]:
        assert line.count(" | ") == len(DECLARED), line


def test_a_new_container_gets_its_column_from_its_declaration():
    mine = Container("mine.run", ONE_OFF)
    served = Container("mine", SERVICE, healthcheck=True, restart="always")
    table = {row.split(" | ")[0]: row for row in cis.cis_table([mine, served]).splitlines()[2:]}
    assert table["| 5.26 healthcheck"].endswith("| n/a: one-off | pass |")
    assert table["| 5.14 restart `on-failure:5` ³"].endswith("| n/a: one-off | gap: `always` |")
    assert table["| 5.29 not on the default bridge ⁴"].endswith("| pass | pass |")


def test_the_readme_shows_every_exemption_and_every_declared_container():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index(cis.BEGIN) : readme.index(cis.END)]
    assert all(f"- **{exemption.what}**: " in section for exemption in EXEMPTIONS)
    assert cis.cis_table(DECLARED) in section
