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
COMPOSE = (ROOT / "docker-compose.yml").read_text()


def test_every_image_setup_checks_has_a_default():
    assert set(IMAGE_SETTINGS) <= set(DEFAULTS)


def test_the_offline_profile_only_names_images_setup_can_make():
    makeable = {OFFLINE["BASE_IMAGE"]} | {DEFAULTS[f"STANDIN_{setting}"] for setting in STANDIN_SERVICES}
    assert set(OFFLINE) <= set(IMAGE_SETTINGS)
    assert set(OFFLINE.values()) <= makeable


def test_each_stand_in_is_a_compose_service_building_the_name_the_profile_uses():
    for setting, service in STANDIN_SERVICES.items():
        assert OFFLINE[setting] == DEFAULTS[f"STANDIN_{setting}"]
        assert f"\n  {service}:\n" in COMPOSE
        assert f"${{STANDIN_{setting}:?" in COMPOSE


def test_every_compose_variable_has_a_default():
    import re

    used = set(re.findall(r"\$\{([A-Z_]+)", COMPOSE))
    assert used <= set(DEFAULTS), used - set(DEFAULTS)
