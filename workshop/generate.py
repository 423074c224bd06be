"""What is made from the setting declarations, and ``invoke settings``.

Three kinds of file carry the declared defaults, all generated here: ``envs/defaults.env``
(the lowest configuration layer), the settings table of ``README.md`` and ``README.zh-CN.md``
(between their markers; README.md's hardening tables too, workshop/cis.py), and the
``${NAME:-default}`` fallbacks of every compose file an example drives (so a plain
``docker compose up`` agrees with the tasks). ``invoke settings --write`` rewrites them; a unit
test fails while any is out of date.

A default derived from the project name (``Setting.per_project``) is no line of
``envs/defaults.env`` (a line there would be the value of every project): a comment says the
rule. In a compose file it is the rule in compose's own words where compose can say it
(``${APP_IMAGE:-${WORKSHOP_PROJECT:-docker-workshop}/counter:latest}``), else the default
project's value; the tasks hand compose each derived value anyway (Settings.compose_env_files).
"""

from __future__ import annotations

import re
from pathlib import Path

from workshop import cis
from workshop.cli import Ctx, say, task
from workshop.config import DEFAULTS_NAME, ENVS_DIR_NAME, PROJECT_VAR
from workshop.display import table
from workshop.errors import ConfigError
from workshop.example import Workshop, assembled
from workshop.hardening import SETTINGS as LIMITS
from workshop.hardening import compose_block
from workshop.settings import CORE, Setting

TABLE_BEGIN = "<!-- settings table: generated from the declarations by `invoke settings --write` -->"
TABLE_END = "<!-- end of the settings table -->"
README_NAMES = ("README.md", "README.zh-CN.md")
#: ``${NAME:-fallback}``, the fallback holding at most one ``${...}`` of its own
_FALLBACK = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*):-((?:\$\{[^{}]*\}|[^{}])*)\}")

HEADER = """\
# Committed defaults: the lowest configuration layer. Generated from the setting declarations
# (workshop/settings.py and examples/*/example.py) by `invoke settings --write`: edit those,
# not this file. Override any value in an untracked .env at the repository root, or in the
# environment (precedence, lowest first: this file, envs/$WORKSHOP_PROFILE.env, .env,
# environment). The same files feed docker compose. README.md "Configuration" lists them all.
# Names two projects must not share (images, container names) are derived from
# WORKSHOP_PROJECT when no layer sets them: those appear below as comments only.
"""


def groups(shop: Workshop) -> list[tuple[str, tuple[Setting, ...]]]:
    """(heading, settings) in declaration order: the workshop's own, then each example's."""
    found = [("the workshop", CORE), ("every container's limits", LIMITS)]
    found += [(f"example {example.name}", example.settings) for example in shop.examples if example.settings]
    return found


def home(shop: Workshop) -> str:
    """The default project's name."""
    return shop.registry[PROJECT_VAR].default


def per_project(setting: Setting, shop: Workshop) -> str:
    """A derived default in words: ``test-nginx in project docker-workshop, <WORKSHOP_PROJECT>-nginx in any other``."""
    other = setting.per_project.format(project=f"<{PROJECT_VAR}>")
    return f"{setting.default or '(empty)'} in project {home(shop)}, {other} in any other"


def defaults_env(shop: Workshop) -> str:
    """The text of envs/defaults.env."""
    lines = [HEADER]
    for heading, settings in groups(shop):
        lines.append(f"\n# -- {heading} --\n")
        for setting in settings:
            if setting.per_project:
                rule = f"# {setting.name}: {per_project(setting, shop)} (derived; set it to override)"
                lines.append(f"# {setting.help}\n{rule}\n")
            else:
                lines.append(f"# {setting.help}\n{setting.name}={setting.default}\n")
    return "".join(lines)


def used_by(setting: Setting) -> str:
    """Who reads a setting, for the table."""
    return ", ".join(setting.used_by) or "every task"


def settings_table(shop: Workshop) -> str:
    """The README's settings table (markdown)."""
    rows = ["| variable | default | used by | meaning |", "|---|---|---|---|"]
    for _, settings in groups(shop):
        for setting in settings:
            default = f"`{setting.default}`" if setting.default else "(empty)"
            if setting.per_project:
                other = setting.per_project.format(project=f"<{PROJECT_VAR}>")
                default = f"{default}; in another project `{other}`"
            meaning = setting.help.replace("|", "\\|")
            rows.append(f"| `{setting.name}` | {default} | {used_by(setting)} | {meaning} |")
    return "\n".join(rows) + "\n"


def with_table(readme: str, shop: Workshop) -> str:
    """``readme`` with the text between the table markers replaced."""
    begin, end = readme.index(TABLE_BEGIN) + len(TABLE_BEGIN), readme.index(TABLE_END)
    return readme[:begin] + "\n" + settings_table(shop) + readme[end:]


def fallback(setting: Setting, shop: Workshop) -> str:
    """What a compose file falls back to for ``setting``: its declared default, or for a default
    that follows one rule in every project, the rule in compose's words (nested ``${...}``)."""
    rule = setting.per_project
    if rule and rule.format(project=home(shop)) == setting.default:
        return rule.format(project=f"${{{PROJECT_VAR}:-{home(shop)}}}")
    return setting.default


def with_fallbacks(text: str, shop: Workshop) -> str:
    """A compose file's text with every ``${NAME:-...}`` fallback set to NAME's declared default."""
    registry = shop.registry

    def replace(match: re.Match) -> str:
        name = match.group(1)
        return f"${{{name}:-{fallback(registry[name], shop)}}}" if name in registry else match.group(0)

    return _FALLBACK.sub(replace, text)


HARDENING_BEGIN = "# -- generated from workshop/hardening.py by `invoke settings --write`: do not edit --\n"
HARDENING_END = "# -- end of the generated part --\n"


def with_hardening(text: str) -> str:
    """A compose file's text with its generated ``x-hardening`` block (if it has the markers) rewritten."""
    if HARDENING_BEGIN not in text:
        return text
    begin, end = text.index(HARDENING_BEGIN) + len(HARDENING_BEGIN), text.index(HARDENING_END)
    return text[:begin] + compose_block() + text[end:]


def generated(shop: Workshop, root: Path) -> dict[Path, str]:
    """Every generated file and the text it should have."""
    files = {root / ENVS_DIR_NAME / DEFAULTS_NAME: defaults_env(shop)}
    for name in README_NAMES:  # the Chinese README carries the same table
        readme = root / name
        if readme.is_file():
            containers = [container for example in shop.examples for container in example.containers]
            files[readme] = cis.with_tables(with_table(readme.read_text(encoding="utf-8"), shop), containers)
    for name in dict.fromkeys(shop.compose_files()):
        path = root / name
        files[path] = with_fallbacks(with_hardening(path.read_text(encoding="utf-8")), shop)
    return files


def outdated(shop: Workshop, root: Path) -> list[Path]:
    """The generated files whose text differs from what the declarations make."""
    return [
        path
        for path, text in generated(shop, root).items()
        if not path.is_file() or path.read_text(encoding="utf-8") != text
    ]


@task(help={"write": "rewrite envs/defaults.env, the README's table and the compose fallbacks from the declarations"})
def settings(c: Ctx, write=False):
    """Every setting: its value, where it comes from, whether it passes its check (`--write`: regenerate files)."""
    root = c.settings.root
    if write:
        changed = outdated(assembled(c), root)
        for path, text in generated(assembled(c), root).items():
            if path in changed:
                path.write_text(text, encoding="utf-8")
                say(f"rewrote {c.settings.shown(path)}")
        if not changed:
            say("every generated file is up to date; nothing changed")
        return
    rows = []
    for setting in c.registry:
        raw = c.settings.raw(setting.name, required=False)
        try:
            c.get(setting.name)
            verdict = "ok"
        except ConfigError as error:
            verdict = f"✗ {error}".replace(f"{setting.name}={raw.value!r} ({raw.origin}) " if raw else "", "")
        rows.append((setting.name, raw.value if raw else "", raw.source if raw else "-", verdict))
    say(table(("NAME", "VALUE", "FROM", "CHECK"), rows))
