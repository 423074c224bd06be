"""The committed env files agree with each other and with setup's lists."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from workshop.config import read_env_file  # noqa: E402
from workshop.provision import IMAGE_SETTINGS, STANDIN_SERVICES  # noqa: E402

DEFAULTS = read_env_file(ROOT / "envs" / "defaults.env", ROOT)
OFFLINE = read_env_file(ROOT / "envs" / "offline.env", ROOT)
# the compose file without its comments (they mention ${VAR:-default} as an example)
COMPOSE = "\n".join(
    line for line in (ROOT / "docker-compose.yml").read_text().splitlines() if not line.lstrip().startswith("#")
)


def test_every_image_setup_checks_has_a_default():
    assert set(IMAGE_SETTINGS) <= set(DEFAULTS)


def test_the_offline_profile_only_names_images_setup_can_make():
    makeable = {OFFLINE["BASE_IMAGE"]} | {DEFAULTS[f"STANDIN_{setting}"] for setting in STANDIN_SERVICES}
    images = {name: value for name, value in OFFLINE.items() if name.endswith("_IMAGE")}
    assert set(images) <= set(IMAGE_SETTINGS)
    assert set(images.values()) <= makeable
    assert set(OFFLINE) - set(images) == {"BUILD_CA_BUNDLE"}


def test_each_stand_in_is_a_compose_service_building_the_name_the_profile_uses():
    for setting, service in STANDIN_SERVICES.items():
        assert OFFLINE[setting] == DEFAULTS[f"STANDIN_{setting}"]
        assert f"\n  {service}:\n" in COMPOSE, service
        assert f"${{STANDIN_{setting}:-" in COMPOSE


def test_every_compose_variable_has_a_default():
    import re

    used = set(re.findall(r"\$\{([A-Z_]+)", COMPOSE))
    assert used <= set(DEFAULTS), used - set(DEFAULTS)


def test_every_fallback_in_the_compose_file_repeats_the_committed_default():
    """`docker compose up` by hand reads no env file of ours: its ${VAR:-default}s must agree."""
    import re

    fallbacks = re.findall(r"\$\{([A-Z_]+):-([^}]*)\}", COMPOSE)
    assert len(fallbacks) > 20
    for name, fallback in fallbacks:
        assert fallback == DEFAULTS[name], f"{name}: compose says {fallback!r}, envs/defaults.env {DEFAULTS[name]!r}"


def test_the_compose_file_has_no_obsolete_version_key_and_no_required_variables():
    assert not any(line.startswith("version:") for line in COMPOSE.splitlines())
    assert ":?" not in COMPOSE  # a plain `docker compose up` must not need our env files


def test_every_committed_setting_has_a_check_and_every_check_a_default():
    from workshop.schema import SETTINGS

    assert set(SETTINGS) == set(DEFAULTS)


def test_the_committed_defaults_pass_every_check():
    from workshop.config import Settings
    from workshop.schema import problems

    assert problems(Settings.load(root=ROOT, environ={"WORKSHOP_PROFILE": ""})) == []
