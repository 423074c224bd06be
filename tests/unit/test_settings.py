"""The setting declarations: each declared once, the files made from them up to date, the
offline profile within what setup can build, cross-setting rules, and the compose files
interpolating only declared settings of the examples that drive them."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import tasks  # noqa: E402
from workshop.composefile import interpolated  # noqa: E402
from workshop.config import Settings, read_env_file  # noqa: E402
from workshop.errors import ConfigError  # noqa: E402
from workshop.generate import defaults_env, outdated, settings_table, with_fallbacks  # noqa: E402

SHOP = tasks.shop
REGISTRY = SHOP.registry
DEFAULTS = read_env_file(ROOT / "envs" / "defaults.env", ROOT)
DECLARED = set(REGISTRY.settings)
PER_PROJECT = [setting for setting in REGISTRY if setting.per_project]
OFFLINE = read_env_file(ROOT / "envs" / "offline.env", ROOT)


def settings(**environ) -> Settings:
    return Settings.load(root=ROOT, environ={"WORKSHOP_PROFILE": "", **environ}, registry=REGISTRY)


def test_the_generated_files_are_up_to_date():
    stale = [str(path.relative_to(ROOT)) for path in outdated(SHOP, ROOT)]
    assert stale == [], f"out of date: {stale}; run `invoke settings --write`"


def test_defaults_env_holds_every_declared_default_and_nothing_else():
    """A default derived from the project name is no line there: it would be every project's."""
    assert {setting.name: setting.default for setting in REGISTRY if not setting.per_project} == DEFAULTS
    assert PER_PROJECT, "the images and container names a project makes derive from WORKSHOP_PROJECT"


def test_every_setting_has_a_help_line_and_a_default_that_passes_its_check():
    for setting in REGISTRY:
        assert setting.help.strip() and "\n" not in setting.help, setting.name
    assert REGISTRY.problems(settings()) == []


def test_the_readme_table_lists_every_setting_once():
    table = settings_table(SHOP)
    for setting in REGISTRY:
        assert table.count(f"| `{setting.name}` |") == 1, setting.name
    assert table in (ROOT / "README.md").read_text(encoding="utf-8")


def test_defaults_env_puts_each_help_line_above_its_setting():
    text = defaults_env(SHOP)
    for setting in REGISTRY:
        if setting.per_project:
            assert f"# {setting.help}\n# {setting.name}: {setting.default} in project docker-workshop, " in text
        else:
            assert f"# {setting.help}\n{setting.name}={setting.default}\n" in text


def test_a_fallback_is_rewritten_to_the_declared_default():
    assert (
        with_fallbacks("x: ${CURL_VERSION:-old}", SHOP) == f"x: ${{CURL_VERSION:-{REGISTRY['CURL_VERSION'].default}}}"
    )
    assert with_fallbacks("x: ${NOT_DECLARED:-kept}", SHOP) == "x: ${NOT_DECLARED:-kept}"


def test_a_derived_default_falls_back_to_its_rule_where_compose_can_say_it():
    """`{project}/counter:latest` in compose's words; `test-curl` only for the default project,
    which compose cannot tell: the default project's value (the tasks hand compose the rest)."""
    nested = "image: ${APP_IMAGE:-${WORKSHOP_PROJECT:-docker-workshop}/counter:latest}"
    assert with_fallbacks("image: ${APP_IMAGE:-old}", SHOP) == nested
    assert with_fallbacks(nested, SHOP) == nested
    assert with_fallbacks("image: ${APP_IMAGE:-${WORKSHOP_PROJECT:-x}/old}:1", SHOP) == nested + ":1"
    assert (
        with_fallbacks("image: ${CURL_IMAGE:-old}:${CURL_VERSION:-1}", SHOP)
        == "image: ${CURL_IMAGE:-test-curl}:${CURL_VERSION:-1.0}"
    )


@pytest.mark.parametrize("example", SHOP.examples, ids=lambda e: e.name)
def test_an_examples_compose_files_interpolate_only_declared_settings_with_fallbacks(example):
    for name in example.compose_files:
        text = (ROOT / name).read_text(encoding="utf-8")
        used = interpolated(text)
        assert set(used) <= DECLARED, f"{name}: undeclared {set(used) - DECLARED}"
        body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
        bare = re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", body)
        assert bare == [], f"{name}: no fallback for {bare}"
        assert ":?" not in body  # a plain `docker compose up` must not need our env files


def folder_of(example) -> Path:
    """The folder of the module that defines an example's tasks."""
    body = next(iter(example.collection.tasks.values())).body
    return Path(sys.modules[body.__module__].__file__).parent


@pytest.mark.parametrize("example", SHOP.examples, ids=lambda e: e.name)
def test_an_example_reads_only_settings_declared_for_it_or_for_everyone(example):
    """Every setting name an example's code mentions is declared as used by it (or by all)."""
    folder = folder_of(example)
    code = "\n".join(path.read_text(encoding="utf-8") for path in folder.glob("*.py"))
    mentioned = set(re.findall(r'"([A-Z][A-Z0-9_]+)"', code)) & DECLARED
    mine = [e for e in SHOP.examples if folder_of(e) == folder]  # a folder may hold two (hello, daemon)
    for name in mentioned:
        setting = REGISTRY[name]
        declared = not setting.used_by or "setup" in setting.used_by or any(e.uses(setting) for e in mine)
        assert declared, f"{folder.name} reads {name}, declared for {sorted(setting.used_by)}"


def test_the_offline_profile_only_names_images_setup_can_make():
    makeable = {OFFLINE["BASE_IMAGE"]} | {DEFAULTS[standin.name_setting] for standin in SHOP.standins()}
    images = {name: value for name, value in OFFLINE.items() if name.endswith("_IMAGE")}
    assert set(images) <= set(SHOP.image_settings())
    assert set(images.values()) <= makeable
    assert set(OFFLINE) - set(images) == {"BUILD_CA_BUNDLE"}


def test_each_stand_in_is_a_service_of_its_compose_file_building_the_name_the_profile_uses():
    for standin in SHOP.standins():
        assert OFFLINE[standin.setting] == DEFAULTS[standin.name_setting]
        text = (ROOT / standin.compose_file).read_text(encoding="utf-8")
        assert f"\n  {standin.service}:\n" in text, standin.service
        assert f"${{{standin.name_setting}:-" in text


def test_a_setting_declared_twice_is_refused():
    from workshop.settings import Registry

    with pytest.raises(ValueError, match="declared twice"):
        Registry.of([[REGISTRY["APP_PORT"]], [REGISTRY["APP_PORT"]]])


# -- cross-setting rule: one address and port published by two examples -------------------------


def test_two_examples_on_one_address_and_port_fail_naming_both_settings():
    shared = settings(NGINX_PORT="5000", APP_PORT="5000")
    for name, other in (("NGINX_PORT", "APP_PORT"), ("APP_PORT", "NGINX_PORT")):
        with pytest.raises(ConfigError) as caught:
            shared.get(name)
        message = str(caught.value)
        assert f"{name}='5000' (from environment)" in message and f"{other}='5000' (from environment)" in message
        assert "both publish 127.0.0.1:5000" in message and "\n" not in message


def test_a_wildcard_bind_clashes_with_loopback_on_the_same_port():
    with pytest.raises(ConfigError, match="both publish"):
        settings(NGINX_PORT="5000", APP_PORT="5000", NGINX_BIND="0.0.0.0").get("APP_PORT")


def test_different_ports_do_not_clash_and_a_wrong_other_port_is_left_to_its_own_example():
    assert settings(NGINX_PORT="5001").get("NGINX_PORT") == 5001
    assert settings(APP_PORT="abc").get("NGINX_PORT") == 8080


# -- a task reads only what it uses ---------------------------------------------------------


def test_a_wrong_setting_does_not_stop_reading_an_unrelated_one():
    broken = settings(NGINX_PORT="abc", DAEMON_INTERVAL="soon")
    assert broken.get("APP_PORT") == 5000
    assert broken.get("WORKSHOP_PROJECT") == "docker-workshop"
    with pytest.raises(ConfigError, match="NGINX_PORT"):
        broken.get("NGINX_PORT")


def test_problems_lists_every_wrong_setting_on_its_own_line():
    found = REGISTRY.problems(settings(NGINX_PORT="abc", DAEMON_INTERVAL="soon", REDIS_PORT="x"))
    assert [line.split("=")[0] for line in found] == ["DAEMON_INTERVAL", "NGINX_PORT", "REDIS_PORT"]


def test_an_undeclared_name_is_a_programming_error():
    with pytest.raises(KeyError):
        settings().get("NO_SUCH_SETTING")
