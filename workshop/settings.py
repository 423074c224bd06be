"""Declaring settings: each setting is declared once, with its default, its check, one line of
help and the examples that use it.

The workshop's own settings are declared here; each example declares its own next to its
tasks (``examples/*/example.py``). From the declarations come ``envs/defaults.env``, the
README's settings table and every ``${VAR:-default}`` fallback in the compose files
(``invoke settings --write``; a unit test fails when they are out of date).

Names the engine holds one of (an image a project builds, a container name) are not one fixed
default: their declaration gives a template (``per_project="{project}-nginx"``), so each project
gets its own and two projects never take each other's; the default project keeps the declared
default (the tutorial's names: ``test-nginx``, ``daemon``, ``test-curl``). A value set in a file
or in the environment still wins.

A task validates only what it reads: ``Settings.get(NAME)`` runs NAME's declared check, and
for a host port also the cross-setting rule below (two examples may not publish one address
and port).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from workshop import kinds
from workshop.config import Settings
from workshop.errors import ConfigError
from workshop.i18n import check_language
from workshop.kinds import Check, Kind

#: the kinds a declaration names (workshop.kinds: each check with the wrong values it refuses)
image, port, address, url, tag = kinds.image, kinds.port, kinds.address, kinds.url, kinds.tag
container_name, existing_file, directory = kinds.container_name, kinds.existing_file, kinds.directory
whole, decimal, text, optional_text, one_of = kinds.whole, kinds.decimal, kinds.text, kinds.optional_text, kinds.one_of


@dataclass(frozen=True)
class Setting:
    """One setting: its name, default, check, help line and who uses it.

    ``used_by`` names examples (``nginx``) or single tasks (``nginx.up``); empty means the
    workshop itself (every task may read it). ``bind`` marks a host port: the setting that
    holds the address it is published on. ``per_project``, for a name that two projects must
    not share, is the default of a project other than the default one, ``{project}`` standing
    for WORKSHOP_PROJECT; ``default`` is then the default project's.
    """

    name: str
    default: str
    check: Check
    help: str
    used_by: tuple[str, ...] = ()
    bind: str | None = None
    per_project: str = ""

    def __post_init__(self) -> None:
        if self.per_project and "{project}" not in self.per_project:
            raise ValueError(f"setting {self.name}: per_project must contain {{project}}")

    def read(self, settings: Settings) -> Any:
        """The value, checked."""
        return self.check(settings, self.name)

    def default_for(self, project: str, default_project: str) -> str:
        """The default in ``project``: the declared one in the default project (and for a setting
        that is the same in every project), else ``per_project`` with the project's name."""
        if not self.per_project or project == default_project:
            return self.default
        return self.per_project.format(project=project)


# -- the workshop's own settings --------------------------------------------------------------

#: WORKSHOP_PROFILE is read, and checked, as the configuration loads (workshop.config)
PROFILE = Kind(optional_text, (("nosuch", "names no profile", "offline"), ("Offline!", "not a profile name")))
LANGUAGE = Kind(
    check_language, tuple((value, "not a language of the tour", "en, zh-CN") for value in ("fr", "zh_CN", ""))
)

CORE: tuple[Setting, ...] = (
    Setting(
        "WORKSHOP_PROFILE",
        "",
        PROFILE,
        "name of a profile file in `envs/` (empty: none); `invoke setup` sets `offline` when no registry answers",
    ),
    Setting(
        "WORKSHOP_PROJECT",
        "docker-workshop",
        kinds.project,
        "compose project name and the value of our project label",
    ),
    Setting(
        "WORKSHOP_LABEL_PREFIX",
        "io.docker-workshop",
        kinds.label_prefix,
        "label namespace: `<prefix>.project` and `<prefix>.example` mark everything we create",
    ),
    Setting(
        "WORKSHOP_LANG",
        "en",
        LANGUAGE,
        "language of `invoke tour`'s narrative: `en` or `zh-CN`; left at this default, "
        "a `zh_CN.*` LC_ALL, LC_MESSAGES or LANG picks `zh-CN`",
        used_by=("tour",),
    ),
    Setting(
        "DASHBOARD_PORT",
        "8095",
        port,
        "port of `invoke dashboard`'s page, served on 127.0.0.1 only",
        used_by=("dashboard",),
    ),
    Setting(
        "BASE_IMAGE",
        "ubuntu:24.04",
        image,
        "the base every example Dockerfile builds `FROM`",
        used_by=("setup", "curl.build"),
    ),
    Setting(
        "OFFLINE_DEBIAN_SUITE",
        "bookworm",
        tag,
        "Debian release of the offline base image `invoke setup` builds",
        used_by=("setup",),
    ),
    Setting(
        "OFFLINE_DEBIAN_MIRROR",
        "http://deb.debian.org/debian",
        url,
        "where debootstrap fetches it from",
        used_by=("setup",),
    ),
    Setting(
        "DOCKERD_USERLAND_PROXY",
        "true",
        one_of("true", "false", meaning="true or false", fix="set DOCKERD_USERLAND_PROXY to true or false"),
        "the dockerd `invoke setup` starts itself (no systemd): `true` keeps Docker's stock docker-proxy; "
        "`false` lets the kernel forward published ports behind an iptables loopback guard "
        "(example 4's ratio 3.7x -> 5.0x on a quiet host, one round; bench/README.md)",
        used_by=("setup",),
    ),
)


@dataclass
class Registry:
    """Every declared setting, in declaration order, by name."""

    settings: dict[str, Setting] = field(default_factory=dict)

    @classmethod
    def of(cls, groups: Iterable[Iterable[Setting]]) -> Registry:
        """A registry of these declarations; a name declared twice is a bug."""
        registry = cls()
        for group in groups:
            for setting in group:
                if setting.name in registry.settings:
                    raise ValueError(f"setting {setting.name} is declared twice")
                registry.settings[setting.name] = setting
        return registry

    def __contains__(self, name: object) -> bool:
        return name in self.settings

    def __getitem__(self, name: str) -> Setting:
        return self.settings[name]

    def __iter__(self):
        return iter(self.settings.values())

    def host_ports(self) -> list[Setting]:
        """The settings that publish a port on this machine."""
        return [s for s in self if s.bind]

    def checked(self, settings: Settings, name: str) -> Any:
        """``name``'s value, checked by its declaration and, for a host port, by the rule that no
        other example publishes the same address and port (what ``Settings.get`` returns)."""
        declared = self[name]
        value = declared.read(settings)
        if declared.bind:
            clash(settings, self, name)
        return value

    def problems(self, settings: Settings) -> list[str]:
        """One line per setting that fails its check (empty when all is well)."""
        found = []
        for setting in self:
            try:
                settings.get(setting.name)
            except ConfigError as error:
                found.append(str(error))
        return found


def clash(settings: Settings, registry: Registry, name: str) -> None:
    """Refuse a host port another example publishes on the same address (or a wildcard)."""
    mine = registry[name]
    assert mine.bind is not None
    my_port, my_bind = mine.read(settings), settings.get(mine.bind)
    for other in registry.host_ports():
        if other.name == name:
            continue
        try:
            port_, bind = other.read(settings), registry[other.bind or ""].read(settings)
        except ConfigError:
            continue  # reported when the other example reads it
        wildcard = {"0.0.0.0", "::"}
        if port_ == my_port and (bind == my_bind or bind in wildcard or my_bind in wildcard):
            mine_value, other_value = settings.raw(name), settings.raw(other.name)
            mine_where, other_where = settings.where(name), settings.where(other.name)
            choice = (
                f"choose another {name} or {other.name} {mine_where}"
                if mine_where == other_where
                else f"choose another {name} {mine_where}, or {other.name} {other_where}"
            )
            raise ConfigError(
                f"{name}={mine_value.value!r} ({mine_value.origin}) and {other.name}={other_value.value!r} "
                f"({other_value.origin}) both publish {my_bind}:{my_port}; {choice}"
            )
