"""The kinds of setting: each check a declaration names, with the wrong values it refuses.

A ``Kind`` is a check (``check(settings, name)`` returns the value or raises ConfigError) that
also declares wrong values it refuses, each with words its one-line error says. The bad-input
tests (tests/bad_values.py) try every refusal of every declared setting against the tasks that
read it, so a new example's settings get their cases from their declarations: an example's own
check is a ``Kind`` too (``Kind(my_check, refuses=(("bad", "is not ..."),))``).

``Settings``' own accessors (``Settings.image``, ``Settings.project``, ...) are known here by
the function itself, so a declaration may name either the accessor or the kind.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from workshop.config import Settings

Check = Callable[[Settings, str], Any]
#: a wrong value, then words its error line says
Refusal = tuple[str, ...]

NOT_AN_IMAGE = "not a valid image reference"
EMPTY = "is empty"
WHOLE = "not a whole number"
RANGE = "out of range"
NUMBER = "not a number"
NOT_IP = "not an IP address"
NOT_URL = "not a valid http(s) URL"
NOT_TAG = "not a valid image tag"
NOT_FILE = "not an existing file"
NOT_FOLDER = "not an existing folder"


@dataclass(frozen=True)
class Kind:
    """A check and the wrong values it refuses (``refuses``: value, then words of the error).

    ``folder``: the value is a folder the tasks write into (the tests give each test its own)."""

    check: Check
    refuses: tuple[Refusal, ...]
    folder: bool = False

    def __call__(self, settings: Settings, name: str) -> Any:
        return self.check(settings, name)


image = Kind(
    Settings.image,
    (
        ("Not/Valid", NOT_AN_IMAGE),
        ("", EMPTY),
        ("ubuntu:", NOT_AN_IMAGE),
        ("UBUNTU", NOT_AN_IMAGE),
        ("ubuntu:24.04:extra", NOT_AN_IMAGE),
        ("nginx@sha256:1234", NOT_AN_IMAGE),
        ("python:3.12 slim", NOT_AN_IMAGE),
        ("Counter:latest", NOT_AN_IMAGE),
        ("a b", NOT_AN_IMAGE),
        *((value, NOT_AN_IMAGE) for value in ("Ubuntu:Latest", "nginx:", "Redis", "redis:7 alpine", "Test-Curl")),
        *((value, NOT_AN_IMAGE) for value in ("python standin", "Nginx:standin", "Node:Latest", "proxy image")),
    ),
)
port = Kind(
    Settings.port,
    (
        ("-1", RANGE),
        ("65536", RANGE),
        ("8080.5", WHOLE),
        ("0", RANGE),
        ("five thousand", WHOLE),
        ("80a", WHOLE),
        ("99999", RANGE),
        ("70000", RANGE),
        *((value, WHOLE) for value in ("abc", "http", "six-three-seven-nine")),
    ),
)
address = Kind(
    Settings.address,
    (
        ("localhost", NOT_IP),
        ("256.0.0.1", NOT_IP),
        ("192.0.2.1", "not an address of this machine"),
        ("127.0.0.1:5000", NOT_IP),
        ("", NOT_IP),
        ("localhost:80", NOT_IP),
    ),
)
url = Kind(
    Settings.url,
    (
        ("file:///etc/passwd", NOT_URL),
        ("https:///no-host", NOT_URL),
        ("", NOT_URL),
        ("http://example.com:99999/", NOT_URL),
        ("ftp://example.com/", NOT_URL),
        ("example.com", NOT_URL),
        ("http://", NOT_URL),
        ("javascript:alert(1)", NOT_URL),
        ("ftp://deb.debian.org/debian", NOT_URL),
        ("deb.debian.org/debian", NOT_URL),
    ),
)
tag = Kind(Settings.tag, (("1.0 beta", NOT_TAG), (".1", NOT_TAG), ("", NOT_TAG), ("book worm", NOT_TAG)))
container_name = Kind(
    Settings.container_name,
    tuple(
        (value, "not a valid container name") for value in ("/daemon", "", "test nginx", "_nginx", "bad name!", "-bad")
    ),
)
existing_file = Kind(
    Settings.file,
    (
        ("/no/such/docker-compose.yml", NOT_FILE),
        ("examples", NOT_FILE),
        ("", EMPTY),
        ("/no/such/bundle.pem", NOT_FILE),
    ),
)
directory = Kind(
    Settings.directory,
    (
        ("README.md", NOT_FOLDER),
        ("/no/such/html", NOT_FOLDER),
        ("", EMPTY),
        ("/no/such/folder", NOT_FOLDER),
    ),
)
project = Kind(
    Settings.project,
    tuple((value, "not a valid project name") for value in ("Bad Project", "-dash-first", "", "My Stack")),
)
label_prefix = Kind(
    Settings.label_prefix,
    tuple((value, "not a valid label prefix") for value in ("Io.Docker-Workshop", "io..workshop", "-bad-", "Bad")),
)

#: Settings' accessors, by the function itself (a declaration naming ``Settings.project`` directly)
ACCESSORS = {kind.check: kind for kind in (image, port, address, url, tag, container_name, existing_file,
                                           directory, project, label_prefix)}  # fmt: skip


def _number(value: float) -> str:
    """``value`` as a setting would hold it: ``3601``, ``0.09``."""
    return str(int(value)) if float(value).is_integer() else repr(value)


def whole(low: int, high: int) -> Kind:
    """A whole number within [low, high]."""
    return Kind(
        lambda settings, name: settings.integer(name, low, high),
        ((str(low - 1), RANGE), (str(high + 1), RANGE), ("2.5", WHOLE), ("three", WHOLE), ("four", WHOLE)),
    )


def decimal(low: float, high: float) -> Kind:
    """A decimal number within [low, high]."""
    below = low / 2 if low > 0 else low - 1
    return Kind(
        lambda settings, name: settings.number(name, low, high),
        (
            (_number(high + 1), RANGE),
            (_number(below), RANGE),
            ("nan", RANGE),
            ("soon", NUMBER),
            ("1s", NUMBER),
            *((value, NUMBER) for value in ("30s", "forever", "a while", "two")),
        ),
    )


def _text(settings: Settings, name: str) -> str:
    return settings.text(name)


#: any non-empty text
text = Kind(_text, (("", EMPTY), ("   ", EMPTY), ("  ", EMPTY)))


def optional_text(settings: Settings, name: str) -> str:
    """Any text, empty allowed (it refuses nothing)."""
    return settings.text(name, allow_empty=True)


def one_of(*choices: str, meaning: str, fix: str) -> Kind:
    """One of ``choices``, exactly (so not in another case, nor empty)."""

    def check(settings: Settings, name: str) -> str:
        value = settings.raw(name)
        if value.value not in choices:
            raise value.fail(f"is not {meaning}", fix)
        return value.value

    wrong = [choices[0].upper(), choices[-1].capitalize(), "", "sometimes", "no"]
    return Kind(check, tuple((value, f"not {meaning}") for value in dict.fromkeys(wrong) if value not in choices))


def refusals(check: Check) -> tuple[Refusal, ...]:
    """The wrong values ``check`` declares it refuses (none for a plain function)."""
    kind = check if isinstance(check, Kind) else ACCESSORS.get(check)
    return kind.refuses if kind is not None else ()


def is_folder(check: Check) -> bool:
    """True for a kind whose value is a folder the tasks write into."""
    return isinstance(check, Kind) and check.folder
