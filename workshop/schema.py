"""Every setting the workshop reads and how it is checked, in one table.

Tasks validate the settings they use as they read them; `invoke setup` and `invoke doctor`
check them all at once with `problems`.
"""

from __future__ import annotations

from typing import Callable

from workshop.config import Settings
from workshop.errors import ConfigError

Check = Callable[[Settings, str], object]


def _fsync_policy(settings: Settings, name: str) -> str:
    setting = settings.raw(name)
    if setting.value not in ("always", "everysec", "no"):
        raise setting.fail("is not an fsync policy", "use always (no acknowledged write lost), everysec or no")
    return setting.value


def _in_range(low: float, high: float) -> Check:
    return lambda settings, name: settings.number(name, low, high)


def _whole(low: int, high: int) -> Check:
    return lambda settings, name: settings.integer(name, low, high)


def _text(settings: Settings, name: str) -> str:
    return settings.text(name)


def _optional_text(settings: Settings, name: str) -> str:
    return settings.text(name, allow_empty=True)


SETTINGS: dict[str, Check] = {
    "WORKSHOP_PROFILE": _optional_text,  # checked (and applied) when the layers are loaded
    "WORKSHOP_PROJECT": Settings.project,
    "WORKSHOP_LABEL_PREFIX": Settings.label_prefix,
    "WORKSHOP_COMPOSE_FILE": Settings.file,
    "BASE_IMAGE": Settings.image,
    "HELLO_IMAGE": Settings.image,
    "HELLO_MESSAGE": _text,
    "HELLO_SHELL": _text,
    "DAEMON_IMAGE": Settings.image,
    "DAEMON_NAME": Settings.container_name,
    "DAEMON_MESSAGE": _text,
    "DAEMON_INTERVAL": _in_range(0.1, 3600),
    "NGINX_IMAGE": Settings.image,
    "NGINX_NAME": Settings.container_name,
    "NGINX_BIND": Settings.address,
    "NGINX_PORT": Settings.port,
    "NGINX_HTML_DIR": Settings.directory,
    "NGINX_WAIT": _in_range(1, 600),
    "CURL_IMAGE": Settings.image,
    "CURL_VERSION": Settings.tag,
    "SITE_URL": Settings.url,
    "CURL_RESULTS_DIR": _text,
    "APP_IMAGE": Settings.image,
    "PYTHON_IMAGE": Settings.image,
    "APP_BIND": Settings.address,
    "APP_PORT": Settings.port,
    "BIND_PORT": Settings.port,
    "GUNICORN_WORKERS": _whole(1, 64),
    "GUNICORN_THREADS": _whole(1, 256),
    "REDIS_IMAGE": Settings.image,
    "REDIS_PORT": Settings.port,
    "REDIS_APPENDFSYNC": _fsync_policy,
    "STACK_WAIT": _in_range(5, 3600),
    "BUILD_CA_BUNDLE": Settings.file,
    "STANDIN_NGINX_IMAGE": Settings.image,
    "STANDIN_REDIS_IMAGE": Settings.image,
    "STANDIN_PYTHON_IMAGE": Settings.image,
    "OFFLINE_DEBIAN_SUITE": Settings.tag,
    "OFFLINE_DEBIAN_MIRROR": Settings.url,
}

#: host ports the examples publish: (port setting, bind setting)
HOST_PORTS = [("NGINX_PORT", "NGINX_BIND"), ("APP_PORT", "APP_BIND")]


def read(settings: Settings, name: str):
    """The value of ``name``, checked as the table says (ranges live here only)."""
    return SETTINGS[name](settings, name)


def problems(settings: Settings) -> list[str]:
    """One line per setting that fails its check (empty when all is well)."""
    found = []
    for name, check in SETTINGS.items():
        try:
            check(settings, name)
        except ConfigError as error:
            found.append(str(error))
    return found


def validate_all(settings: Settings) -> None:
    """Raise the first problem, as tasks do."""
    for name, check in SETTINGS.items():
        check(settings, name)
