"""Two projects side by side: the images and container names a project makes derive from
WORKSHOP_PROJECT (the default project keeps the tutorial's), a value set in a file or the
environment still wins, compose is handed the derived values, and every fix hint names the
place a value really comes from."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import tasks  # noqa: E402
from workshop.config import DERIVED, ENVIRONMENT, Settings, read_env_file  # noqa: E402
from workshop.engine import Project  # noqa: E402
from workshop.errors import ConfigError  # noqa: E402
from workshop.settings import Setting, text  # noqa: E402

REGISTRY = tasks.shop.registry
PER_PROJECT = [setting.name for setting in REGISTRY if setting.per_project]
TUTORIAL = {
    "NGINX_NAME": "test-nginx",
    "DAEMON_NAME": "daemon",
    "CURL_IMAGE": "test-curl",
    "CURL_RESULTS_DIR": "examples/curl/vol",
    "APP_IMAGE": "docker-workshop/counter:latest",
    "SWARM_NODE_IMAGE": "docker-workshop/swarm-node:latest",
    "SWARM_REGISTRY_IMAGE": "docker-workshop/swarm-registry:latest",
    "SWARM_PROXY_IMAGE": "docker-workshop/swarm-proxy:latest",
}


@pytest.fixture
def local(tmp_path):
    """An empty local env file in place of the repository's .env (so yours plays no part)."""
    path = tmp_path / "local.env"
    path.write_text("")
    return path


def load(local: Path, text: str = "", **environ: str) -> Settings:
    """The settings with ``text`` as the local env file and ``environ`` as the environment."""
    local.write_text(text)
    return Settings.load(
        root=ROOT, environ={"WORKSHOP_ENV_FILE": str(local), "WORKSHOP_PROFILE": "", **environ}, registry=REGISTRY
    )


def values(settings: Settings) -> dict[str, str]:
    return {name: settings.raw(name).value for name in PER_PROJECT}


# -- the derivation -----------------------------------------------------------------------------


def test_every_name_a_project_makes_is_derived_from_the_project():
    assert sorted(PER_PROJECT) == sorted(TUTORIAL)


def test_the_default_project_keeps_the_tutorials_names(local):
    settings = load(local)
    assert values(settings) == TUTORIAL
    assert {settings.raw(name).source for name in PER_PROJECT} == {DERIVED}


def test_another_project_gets_names_of_its_own(local):
    assert values(load(local, WORKSHOP_PROJECT="second")) == {
        "NGINX_NAME": "second-nginx",
        "DAEMON_NAME": "second-daemon",
        "CURL_IMAGE": "second-curl",
        "CURL_RESULTS_DIR": "examples/curl/vol-second",
        "APP_IMAGE": "second/counter:latest",
        "SWARM_NODE_IMAGE": "second/swarm-node:latest",
        "SWARM_REGISTRY_IMAGE": "second/swarm-registry:latest",
        "SWARM_PROXY_IMAGE": "second/swarm-proxy:latest",
    }


def test_the_swarm_images_of_two_projects_never_share_a_name(local):
    names = [
        {load(local, WORKSHOP_PROJECT=project).get(f"SWARM_{kind}_IMAGE") for kind in ("NODE", "REGISTRY", "PROXY")}
        for project in ("docker-workshop", "second", "third")
    ]
    assert all(len(each) == 3 for each in names)
    assert not (names[0] & names[1] or names[0] & names[2] or names[1] & names[2])


@pytest.mark.parametrize("project", ["second", "wstest-1a2b3c4d-9f8e7d", "a", "x__y", "a--b"])
def test_a_projects_derived_values_pass_their_checks_and_differ_from_the_default_projects(local, project):
    settings = load(local, WORKSHOP_PROJECT=project)
    assert REGISTRY.problems(settings) == []
    ours = values(settings)
    assert all(ours[name] != TUTORIAL[name] for name in PER_PROJECT)


def test_the_project_may_come_from_the_local_file(local):
    settings = load(local, "WORKSHOP_PROJECT=second\n")
    assert settings.get("NGINX_NAME") == "second-nginx"
    assert settings.raw("NGINX_NAME").source == DERIVED


def test_a_value_set_in_a_file_or_the_environment_still_wins(local):
    settings = load(local, "NGINX_NAME=from-file\n", WORKSHOP_PROJECT="second", APP_IMAGE="mine:1")
    assert settings.get("NGINX_NAME") == "from-file" and settings.raw("NGINX_NAME").source == str(local)
    assert settings.get("APP_IMAGE") == "mine:1" and settings.raw("APP_IMAGE").source == ENVIRONMENT
    assert settings.get("CURL_IMAGE") == "second-curl"


def test_a_derived_value_that_fails_its_check_names_the_project(local):
    settings = load(local, WORKSHOP_PROJECT="trailing-")
    with pytest.raises(ConfigError) as caught:
        settings.get("APP_IMAGE")
    message = str(caught.value)
    assert message.startswith("APP_IMAGE='trailing-/counter:latest' (derived from WORKSHOP_PROJECT) is not a valid")
    assert message.endswith("or choose another WORKSHOP_PROJECT") and "\n" not in message


def test_a_wrong_project_name_is_reported_as_itself(local):
    with pytest.raises(ConfigError, match=r"^WORKSHOP_PROJECT='Second' \(from environment\) is not a valid project"):
        load(local, WORKSHOP_PROJECT="Second").get("NGINX_NAME")


def test_default_for_is_the_declared_default_in_the_default_project_only():
    setting = Setting("X_NAME", "tutorial", text, "a name", per_project="{project}-x")
    assert setting.default_for("docker-workshop", "docker-workshop") == "tutorial"
    assert setting.default_for("other", "docker-workshop") == "other-x"
    assert Setting("Y", "same", text, "everywhere").default_for("other", "docker-workshop") == "same"
    with pytest.raises(ValueError, match="per_project"):
        Setting("Z", "z", text, "no placeholder", per_project="fixed")


# -- what compose is handed ---------------------------------------------------------------------


def test_compose_gets_each_derived_value_no_layer_sets_in_a_file_before_the_env_files(local):
    settings = load(local, "DAEMON_NAME=mine\n", WORKSHOP_PROJECT="second", CURL_IMAGE="yours")
    first, *rest = settings.compose_env_files()
    assert rest == settings.env_files
    derived = read_env_file(first, ROOT)
    assert derived["APP_IMAGE"] == "second/counter:latest" and derived["NGINX_NAME"] == "second-nginx"
    assert "CURL_IMAGE" not in derived and "DAEMON_NAME" not in derived  # set in a layer: compose reads those
    assert set(derived) == set(PER_PROJECT) - {"CURL_IMAGE", "DAEMON_NAME"}


def test_with_every_derived_value_set_compose_gets_the_env_files_only(local):
    every = "".join(f"{name}=x{index}\n" for index, name in enumerate(PER_PROJECT))
    settings = load(local, every)
    assert settings.compose_env_files() == settings.env_files


# -- fix hints name where the value really comes from -------------------------------------------


def test_a_value_from_the_local_file_is_changed_there(local):
    assert load(local, "NGINX_PORT=8081\n").where("NGINX_PORT") == f"in {local}"
    assert Settings.load(root=ROOT, environ={}, registry=REGISTRY).local == ".env"


def test_a_value_from_the_environment_is_changed_there():
    settings = Settings.load(root=ROOT, environ={"WORKSHOP_ENV_FILE": "/nonexistent.env", "NGINX_PORT": "9"})
    assert settings.where("NGINX_PORT") == "in the environment (it overrides /nonexistent.env)"


def test_a_second_project_is_told_to_use_the_environment(local):
    settings = load(local, "NGINX_PORT=8081\n", WORKSHOP_PROJECT="second")
    assert settings.where("NGINX_PORT") == (
        f"in the environment, as WORKSHOP_PROJECT=second is (every project reads the same {local})"
    )
    assert settings.where("NGINX_NAME").startswith("in the environment, as WORKSHOP_PROJECT=second is")


def test_the_environment_naming_the_files_project_is_no_second_project(local):
    assert load(local, "WORKSHOP_PROJECT=mine\n", WORKSHOP_PROJECT="mine").where("NGINX_PORT") == f"in {local}"
    assert load(local, WORKSHOP_PROJECT="docker-workshop").where("NGINX_PORT") == f"in {local}"


def test_a_clash_names_where_each_port_is_set(local):
    with pytest.raises(ConfigError) as caught:
        load(local, "NGINX_PORT=5000\n", APP_PORT="5000").get("NGINX_PORT")
    message = str(caught.value)
    assert message.endswith(
        f"choose another NGINX_PORT in {local}, or APP_PORT in the environment (it overrides {local})"
    )
    with pytest.raises(ConfigError) as caught:
        load(local, WORKSHOP_PROJECT="second", NGINX_PORT="5000", APP_PORT="5000").get("APP_PORT")
    assert str(caught.value).endswith(
        f"choose another APP_PORT or NGINX_PORT in the environment (it overrides {local})"
    )


def test_a_project_names_where_its_settings_come_from(local):
    settings = load(local, WORKSHOP_PROJECT="second")
    assert Project("second", "io.x", settings).where("NGINX_NAME").startswith("in the environment")
    assert Project("second", "io.x").where("NGINX_NAME") == "in .env"
    assert Project("second", "io.x", settings) == Project("second", "io.x")  # settings are no part of identity


def test_invoke_settings_shows_a_derived_value_and_its_source(local):
    environ = {
        "WORKSHOP_ENV_FILE": str(local),
        "WORKSHOP_PROJECT": "second",
        "PATH": "/usr/bin:/bin",
        "HOME": str(local.parent),
    }
    shown = subprocess.run(
        [sys.executable, "-m", "invoke", "settings"], cwd=ROOT, env=environ, capture_output=True, text=True, check=True
    ).stdout
    row = next(line for line in shown.splitlines() if line.startswith("NGINX_NAME "))
    assert row.split() == ["NGINX_NAME", "second-nginx", "derived", "from", "WORKSHOP_PROJECT", "ok"]


def test_another_projects_results_folder_is_ignored_by_git():
    """CURL_RESULTS_DIR of another project is a folder beside example 3's own: git leaves it out."""
    path = ROOT / "examples" / "curl" / "vol-second" / "results"
    assert subprocess.run(["git", "check-ignore", "-q", str(path)], cwd=ROOT).returncode == 0
    assert subprocess.run(["git", "check-ignore", "-q", "examples/curl/example.py"], cwd=ROOT).returncode == 1


def test_two_tasks_of_one_name_in_one_command_both_run():
    """`invoke compose.up nginx.up` (README "Two projects side by side") runs both: invoke
    drops a call equal to one before it, and two `up` tasks are not equal."""
    from invoke import Call

    from workshop.listing import described

    real = tasks.shop.root
    for ns in (real, tasks.listing.listed(described(real))):  # assembled, and from the saved listing
        assert ns["compose.up"] != ns["nginx.up"] and Call(ns["compose.up"]) != Call(ns["nginx.up"])
        assert ns["nginx.up"] == ns["nginx.up"] and len({ns["compose.up"], ns["nginx.up"], ns["nginx.up"]}) == 2
