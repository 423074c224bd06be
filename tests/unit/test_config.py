"""workshop.config: layered env files, source tracking, typed accessors, writing .env."""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from workshop.config import Settings, set_local_value  # noqa: E402
from workshop.errors import ConfigError  # noqa: E402

DIGEST = "a" * 64


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def root(tmp_path):
    """A repository with envs/defaults.env and one profile, envs/offline.env."""
    write(tmp_path / "envs" / "defaults.env", "WORKSHOP_PROFILE=\nA=defaults\nB=defaults\nC=defaults\nD=defaults\n")
    write(tmp_path / "envs" / "offline.env", "B=offline\nC=offline\nD=offline\n")
    return tmp_path


def load(root, text=None, **environ):
    """Settings from ``root``, with ``text`` (if given) as the root .env and ``environ`` as the environment."""
    if text is not None:
        write(root / ".env", text)
    return Settings.load(root=root, environ=environ)


def settings_with(root, **values):
    """Settings whose environment holds ``values`` (defaults.env from the ``root`` fixture)."""
    return Settings.load(root=root, environ=values)


def assert_one_line_naming(error: ConfigError, *words: str) -> None:
    message = str(error)
    assert "\n" not in message
    for word in words:
        assert word in message


# -- layers and precedence ------------------------------------------------------------------


def test_precedence_is_defaults_then_profile_then_dotenv_then_environment(root):
    settings = load(root, "WORKSHOP_PROFILE=offline\nC=local\nD=local\n", D="environ")
    assert [settings.raw(n).value for n in "ABCD"] == ["defaults", "offline", "local", "environ"]


def test_source_names_the_file_or_environment(root):
    settings = load(root, "WORKSHOP_PROFILE=offline\nC=local\nD=local\n", D="environ")
    assert [settings.source(n) for n in "ABCD"] == ["envs/defaults.env", "envs/offline.env", ".env", "environment"]


def test_env_files_are_defaults_profile_dotenv_in_that_order(root):
    settings = load(root, "WORKSHOP_PROFILE=offline\n")
    assert settings.env_files == [root / "envs/defaults.env", root / "envs/offline.env", root / ".env"]


def test_env_files_without_profile_or_dotenv_is_only_defaults(root):
    settings = load(root)
    assert settings.env_files == [root / "envs/defaults.env"]
    assert settings.profile == ""
    assert settings.raw("B").value == "defaults"


def test_profile_selected_by_environment(root):
    settings = load(root, WORKSHOP_PROFILE="offline")
    assert settings.profile == "offline"
    assert settings.source("B") == "envs/offline.env"


def test_profile_selected_by_defaults_file(root):
    write(root / "envs" / "defaults.env", "WORKSHOP_PROFILE=offline\nB=defaults\n")
    settings = load(root)
    assert settings.raw("B").value == "offline"
    assert settings.env_files == [root / "envs/defaults.env", root / "envs/offline.env"]


def test_empty_profile_in_environment_overrides_dotenv_profile(root):
    settings = load(root, "WORKSHOP_PROFILE=offline\n", WORKSHOP_PROFILE="")
    assert settings.profile == ""
    assert settings.raw("B").value == "defaults"
    assert settings.env_files == [root / "envs/defaults.env", root / ".env"]


def test_environment_adds_no_names(root):
    settings = load(root, "E=local\n", UNRELATED="x")
    assert settings.names() == ["WORKSHOP_PROFILE", "A", "B", "C", "D", "E"]


def test_unset_required_name_is_a_one_line_error(root):
    with pytest.raises(ConfigError) as caught:
        load(root).raw("NOPE")
    assert_one_line_naming(caught.value, "NOPE", ".env")


def test_unset_optional_name_is_none(root):
    assert load(root).raw("NOPE", required=False) is None


# -- load errors ----------------------------------------------------------------------------


def test_unknown_profile_names_the_variable_its_source_and_known_profiles(root):
    write(root / "envs" / "ci.env", "")
    with pytest.raises(ConfigError) as caught:
        load(root, "WORKSHOP_PROFILE=nope\n")
    assert_one_line_naming(caught.value, "WORKSHOP_PROFILE", "'nope'", "(from .env)", "ci, offline")
    assert "defaults" not in str(caught.value)


def test_unknown_profile_from_environment_names_environment(root):
    with pytest.raises(ConfigError) as caught:
        load(root, WORKSHOP_PROFILE="nope")
    assert_one_line_naming(caught.value, "WORKSHOP_PROFILE", "(from environment)", "offline")


@pytest.mark.parametrize("name", ["Offline", "../offline", "off line", "-x", "offline\n"])
def test_bad_profile_name_is_refused(root, name):
    with pytest.raises(ConfigError) as caught:
        load(root, WORKSHOP_PROFILE=name)
    assert_one_line_naming(caught.value, "WORKSHOP_PROFILE", "(from environment)")


def test_missing_defaults_file_is_an_error(tmp_path):
    with pytest.raises(ConfigError) as caught:
        Settings.load(root=tmp_path, environ={})
    assert_one_line_naming(caught.value, "envs/defaults.env", "missing")


@pytest.mark.parametrize(
    "text, line, shown",
    [("A=1\nB C\n", 2, "'B C'"), ("'x\n", 1, "'x"), ('A="x\ny"\nB C\n', 3, "'B C'")],
)
def test_unparsable_dotenv_line_is_reported_with_file_and_line(root, text, line, shown):
    with pytest.raises(ConfigError) as caught:
        load(root, text)
    assert_one_line_naming(caught.value, f".env:{line}:", shown)


def test_unparsable_defaults_line_is_reported_with_its_path(root):
    write(root / "envs" / "defaults.env", "A=1\n# comment\nB C\n")
    with pytest.raises(ConfigError) as caught:
        load(root)
    assert_one_line_naming(caught.value, "envs/defaults.env:3:", "'B C'")


def test_unparsable_line_after_blank_line_is_reported_at_its_own_line(root):
    write(root / "envs" / "defaults.env", "A=1\n\nB C\n")
    with pytest.raises(ConfigError) as caught:
        load(root)
    assert_one_line_naming(caught.value, "envs/defaults.env:3:", "'B C'")


def test_unparsable_profile_line_is_reported_with_its_path(root):
    write(root / "envs" / "offline.env", "B C\n")
    with pytest.raises(ConfigError) as caught:
        load(root, WORKSHOP_PROFILE="offline")
    assert_one_line_naming(caught.value, "envs/offline.env:1:")


def test_bare_name_in_file_reads_as_empty_value(root):
    assert load(root, "E\n").raw("E").value == ""


# -- typed accessors ------------------------------------------------------------------------


@pytest.mark.parametrize("value, expected", [("1", 1), ("65535", 65535), (" 80 ", 80), ("8080", 8080)])
def test_port_accepts(root, value, expected):
    assert settings_with(root, P=value).port("P") == expected


@pytest.mark.parametrize("value", ["http", "", "80.0", "0", "65536", "-1", "0x50"])
def test_port_refuses(root, value):
    with pytest.raises(ConfigError) as caught:
        settings_with(root, P=value).port("P")
    assert_one_line_naming(caught.value, "P=", "(from environment)", "1 to 65535")


def test_port_refuses_python_digit_separators(root):
    with pytest.raises(ConfigError):
        settings_with(root, P="8_080").port("P")


def test_port_from_file_names_the_file(root):
    with pytest.raises(ConfigError) as caught:
        load(root, "P=80a\n").port("P")
    assert_one_line_naming(caught.value, "P='80a'", "(from .env)", "not a whole number")


@pytest.mark.parametrize(
    "value",
    [
        "ubuntu",
        "ubuntu:24.04",
        "docker-workshop/debian:bookworm",
        "localhost:5000/a/b:1.0",
        f"name@sha256:{DIGEST}",
        f"registry.example.com/team/app:1.2@sha256:{DIGEST}",
        " ubuntu:24.04 ",
    ],
)
def test_image_accepts_valid_references(root, value):
    assert settings_with(root, I=value).image("I") == value.strip()


@pytest.mark.parametrize(
    "value",
    ["UPPER", "a b", "ubuntu:", ":tag", "a//b", "ubuntu:-x", "name@sha256:abc", f"name@sha1:{DIGEST}", "a/", "/a"],
)
def test_image_refuses_invalid_references(root, value):
    with pytest.raises(ConfigError) as caught:
        settings_with(root, I=value).image("I")
    assert_one_line_naming(caught.value, "I=", "(from environment)", "not a valid image reference")


@pytest.mark.parametrize("value", ["", "   "])
def test_image_refuses_empty(root, value):
    with pytest.raises(ConfigError) as caught:
        settings_with(root, I=value).image("I")
    assert_one_line_naming(caught.value, "I=", "(from environment)", "is empty")


def test_image_refuses_non_ascii_tag(root):
    with pytest.raises(ConfigError):
        settings_with(root, I="ubuntu:café").image("I")


@pytest.mark.parametrize("value", ["daemon", "Daemon_1", "a.b-c", "9"])
def test_container_name_accepts(root, value):
    assert settings_with(root, N=value).container_name("N") == value


@pytest.mark.parametrize("value", ["", "-daemon", ".daemon", "dae mon", "daemon/x", " daemon", "daemon "])
def test_container_name_refuses(root, value):
    with pytest.raises(ConfigError) as caught:
        settings_with(root, N=value).container_name("N")
    assert_one_line_naming(caught.value, "N=", "(from environment)", "not a valid container name")


@pytest.mark.parametrize(
    "accessor, value",
    [("container_name", "daemon\n"), ("project", "docker-workshop\n"), ("label_prefix", "io.docker-workshop\n")],
)
def test_names_refuse_trailing_newline(root, accessor, value):
    with pytest.raises(ConfigError):
        getattr(settings_with(root, V=value), accessor)("V")


@pytest.mark.parametrize("value", ["docker-workshop", "a", "a_b-9", "0x"])
def test_project_accepts(root, value):
    assert settings_with(root, W=value).project("W") == value


@pytest.mark.parametrize("value", ["", "Docker", "-x", "_x", "a.b", "a b"])
def test_project_refuses(root, value):
    with pytest.raises(ConfigError) as caught:
        settings_with(root, W=value).project("W")
    assert_one_line_naming(caught.value, "W=", "(from environment)", "not a valid project name")


@pytest.mark.parametrize("value", ["io.docker-workshop", "com.example.app", "x"])
def test_label_prefix_accepts(root, value):
    assert settings_with(root, L=value).label_prefix("L") == value


@pytest.mark.parametrize("value", ["", "IO.example", "io..example", ".io", "io.", "io_example", "io.example-"])
def test_label_prefix_refuses(root, value):
    with pytest.raises(ConfigError) as caught:
        settings_with(root, L=value).label_prefix("L")
    assert_one_line_naming(caught.value, "L=", "(from environment)", "not a valid label prefix")


def test_directory_relative_is_taken_from_root(root):
    (root / "data").mkdir()
    assert settings_with(root, DIR="data").directory("DIR") == (root / "data").resolve()


def test_directory_absolute_is_kept(root, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    assert settings_with(root, DIR=str(elsewhere)).directory("DIR") == elsewhere.resolve()


@pytest.mark.parametrize(
    "value, problem",
    [("missing", "not an existing folder"), ("envs/defaults.env", "not an existing folder"), (" ", "is empty")],
)
def test_directory_refuses(root, value, problem):
    with pytest.raises(ConfigError) as caught:
        settings_with(root, DIR=value).directory("DIR")
    assert_one_line_naming(caught.value, "DIR=", "(from environment)", problem)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("http://deb.debian.org/debian", "http://deb.debian.org/debian"),
        ("https://example.com/", "https://example.com/"),
        (" http://localhost:8080 ", "http://localhost:8080"),
    ],
)
def test_url_accepts_http_and_https(root, value, expected):
    assert settings_with(root, U=value).url("U") == expected


@pytest.mark.parametrize("value", ["ftp://x", "example.com", "http://", "", "file:///etc/passwd", "https:///path"])
def test_url_refuses(root, value):
    with pytest.raises(ConfigError) as caught:
        settings_with(root, U=value).url("U")
    assert_one_line_naming(caught.value, "U=", "(from environment)", "not a valid http(s) URL")


def test_url_refuses_malformed_ipv6_host_with_config_error(root):
    with pytest.raises(ConfigError):
        settings_with(root, U="http://[::1").url("U")


@pytest.mark.parametrize("value, expected", [("1", 1.0), ("0.1", 0.1), (" 2.5 ", 2.5), ("3600", 3600.0)])
def test_number_accepts_within_range(root, value, expected):
    assert settings_with(root, X=value).number("X", 0.1, 3600) == expected


@pytest.mark.parametrize(
    "value, problem",
    [
        ("0.05", "out of range"),
        ("3601", "out of range"),
        ("nan", "out of range"),
        ("inf", "out of range"),
        ("fast", "not a number"),
        ("", "not a number"),
    ],
)
def test_number_refuses(root, value, problem):
    with pytest.raises(ConfigError) as caught:
        settings_with(root, X=value).number("X", 0.1, 3600)
    assert_one_line_naming(caught.value, "X=", "(from environment)", problem)


@pytest.mark.parametrize(
    "value, problem", [("4", "out of range"), ("-1", "out of range"), ("1.5", "not a whole number")]
)
def test_integer_refuses(root, value, problem):
    with pytest.raises(ConfigError) as caught:
        settings_with(root, X=value).integer("X", 0, 3)
    assert_one_line_naming(caught.value, "X=", "(from environment)", problem, "from 0 to 3")


def test_integer_accepts_bounds(root):
    assert [settings_with(root, X=v).integer("X", 0, 3) for v in ("0", "3")] == [0, 3]


def test_text_returns_value(root):
    assert load(root, "M=Hello world\n").text("M") == "Hello world"


@pytest.mark.parametrize("value", ["", "   "])
def test_text_refuses_empty(root, value):
    with pytest.raises(ConfigError) as caught:
        settings_with(root, M=value).text("M")
    assert_one_line_naming(caught.value, "M=", "(from environment)", "is empty")


def test_text_allow_empty(root):
    assert settings_with(root, M="").text("M", allow_empty=True) == ""


def test_error_for_value_with_newline_stays_one_line(root):
    with pytest.raises(ConfigError) as caught:
        settings_with(root, P="8\n0").port("P")
    assert_one_line_naming(caught.value, "P='8\\n0'")


# -- set_local_value ------------------------------------------------------------------------


def test_set_local_value_creates_dotenv(tmp_path):
    assert set_local_value(tmp_path, "WORKSHOP_PROFILE", "offline") is True
    assert (tmp_path / ".env").read_text() == "WORKSHOP_PROFILE=offline\n"


def test_set_local_value_second_identical_call_changes_nothing(tmp_path):
    assert set_local_value(tmp_path, "WORKSHOP_PROFILE", "offline") is True
    before = (tmp_path / ".env").read_text()
    assert set_local_value(tmp_path, "WORKSHOP_PROFILE", "offline") is False
    assert (tmp_path / ".env").read_text() == before


def test_set_local_value_preserves_other_lines(tmp_path):
    write(tmp_path / ".env", "# my settings\nA=1\nWORKSHOP_PROFILE=\n\nB='two words'\n")
    assert set_local_value(tmp_path, "WORKSHOP_PROFILE", "offline") is True
    assert (tmp_path / ".env").read_text() == "# my settings\nA=1\nWORKSHOP_PROFILE=offline\n\nB='two words'\n"


def test_set_local_value_appends_new_name(tmp_path):
    write(tmp_path / ".env", "A=1\n")
    assert set_local_value(tmp_path, "B", "2") is True
    assert (tmp_path / ".env").read_text() == "A=1\nB=2\n"


def test_set_local_value_is_read_back_by_load(root):
    set_local_value(root, "WORKSHOP_PROFILE", "offline")
    settings = Settings.load(root=root, environ={})
    assert settings.profile == "offline"
    assert settings.source("WORKSHOP_PROFILE") == ".env"


def test_set_local_value_with_space_round_trips(tmp_path):
    assert set_local_value(tmp_path, "M", "Hello world") is True
    assert set_local_value(tmp_path, "M", "Hello world") is False


def test_set_local_value_with_hash_round_trips(tmp_path):
    assert set_local_value(tmp_path, "M", "a #b") is True
    assert set_local_value(tmp_path, "M", "a #b") is False
