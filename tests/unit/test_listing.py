"""The saved listing of the task collection (workshop.listing): `invoke --list`, `--help` and
completion read it instead of importing the examples, and must show exactly what the assembled
collection would."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from invoke import Collection, Config, Context, Executor
from invoke.exceptions import Exit

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import tasks  # noqa: E402
from workshop.cli import task  # noqa: E402
from workshop.listing import ListedTask, Listing, described, place, sources  # noqa: E402
from workshop.options import fields_of  # noqa: E402

REAL = tasks.shop.root
LISTED = tasks.listing.listed(json.loads(json.dumps(described(REAL))))  # as read back from the file


def options(found) -> list[dict]:
    return [{**fields_of(argument), "class": type(argument).__name__} for argument in found.get_arguments()]


@pytest.mark.parametrize("name", sorted(REAL.task_names))
def test_a_listed_task_has_the_real_ones_help_and_options(name):
    listed, real = LISTED[name], REAL[name]
    assert isinstance(listed, ListedTask)
    assert listed.__doc__ == real.__doc__
    assert options(listed) == options(real)  # names, kinds, defaults, help; numbers refuse words alike


def test_the_listed_collection_has_the_same_names_aliases_and_defaults():
    assert LISTED.task_names == REAL.task_names
    assert {name: each.default for name, each in LISTED.collections.items()} == {
        name: each.default for name, each in REAL.collections.items()
    }
    assert LISTED.__doc__ == REAL.__doc__


def invoke(*args: str, prefix: Path, write: bool = True) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(prefix)
    if not write:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return subprocess.run(
        [sys.executable, "-m", "invoke", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_list_and_help_print_the_same_from_the_listing_as_assembled(tmp_path):
    assembled = [invoke(*args, prefix=tmp_path, write=False) for args in (["--list"], ["--help", "swarm.up"])]
    assert not (Path(str(tmp_path) + str(ROOT)) / "tasks.listing.json").exists()  # not written: no bytecode either
    assert invoke("--list", prefix=tmp_path).returncode == 0  # assembles and saves
    assert (Path(str(tmp_path) + str(ROOT)) / "tasks.listing.json").exists()
    listed = [invoke(*args, prefix=tmp_path) for args in (["--list"], ["--help", "swarm.up"])]
    for before, after in zip(assembled, listed, strict=True):
        assert before.returncode == after.returncode == 0, (before.stderr, after.stderr)
        assert after.stdout == before.stdout and after.stdout.strip()


def test_a_listed_task_runs_the_real_one_with_the_workshops_configuration():
    context = Context(config=Config())
    with pytest.raises(Exit) as refused:
        LISTED["hello.shell"](context)  # the real task's one-line refusal: no terminal here
    assert refused.value.code == 1 and "interactive terminal" in str(refused.value.message)
    assert context.config["workshop"]["shop"].examples is tasks.shop.examples  # what Ctx.assembly reads
    with pytest.raises(Exit) as through_invoke:
        Executor(LISTED, config=Config()).execute(("hello.shell", {}))  # as `invoke hello.shell` runs it
    assert through_invoke.value.code == 1


# -- when the listing is stale -------------------------------------------------------------------


@pytest.fixture()
def tree(tmp_path, monkeypatch):
    """A tasks.py folder of its own, with its two packages; bytecode (and the listing) written."""
    monkeypatch.delenv("PYTHONDONTWRITEBYTECODE", raising=False)
    monkeypatch.setattr(sys, "pycache_prefix", None)
    (tmp_path / "tasks.py").write_text("")
    for package in ("workshop", "examples", "examples/one"):
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / "examples" / "one" / "example.py").write_text("")
    return tmp_path


def counting(calls: list) -> Listing:
    @task(help={"count": "how many"})
    def hello(c, count=1):
        """Say hello."""

    def assemble():
        calls.append(1)
        root = Collection()
        root.add_task(hello)
        return object(), root

    return assemble


@pytest.mark.parametrize(
    "change",
    [
        lambda root: os.utime(root / "examples" / "one" / "example.py", ns=(1, 1)),
        lambda root: (root / "workshop" / "new.py").write_text(""),
        lambda root: (root / "examples" / "one" / "example.py").unlink(),
        lambda root: (root / "tasks.py").write_text("# edited"),
    ],
    ids=["touched", "added", "removed", "edited"],
)
def test_a_changed_source_makes_it_assemble_again(tree, change):
    calls: list = []
    assert not isinstance(Listing(tree, counting(calls)).collection()["hello"], ListedTask)
    assert calls == [1] and (tree / "__pycache__" / "tasks.listing.json").exists()
    assert isinstance(Listing(tree, counting(calls)).collection()["hello"], ListedTask) and calls == [1]
    change(tree)
    assert not isinstance(Listing(tree, counting(calls)).collection()["hello"], ListedTask) and calls == [1, 1]


def test_folders_outside_the_packages_do_not_count(tree):
    (tree / "examples" / "one" / "app").mkdir()  # no __init__.py: never imported by the assembly
    (tree / "examples" / "one" / "app" / "app.py").write_text("")
    assert all("app.py" not in path for path, *_ in sources(tree))
    assert any(path.endswith("example.py") for path, *_ in sources(tree))


def test_nothing_is_written_without_bytecode_and_a_bad_file_is_ignored(tree, monkeypatch):
    calls: list = []
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    Listing(tree, counting(calls)).collection()
    assert not (tree / "__pycache__").exists()
    monkeypatch.delenv("PYTHONDONTWRITEBYTECODE")
    (tree / "__pycache__").mkdir()
    (tree / "__pycache__" / "tasks.listing.json").write_text("{not json")
    assert not isinstance(Listing(tree, counting(calls)).collection()["hello"], ListedTask)
    assert calls == [1, 1] and json.loads((tree / "__pycache__" / "tasks.listing.json").read_text())


def test_under_a_bytecode_prefix_the_listing_goes_there(tree, monkeypatch, tmp_path_factory):
    prefix = tmp_path_factory.mktemp("prefix")
    monkeypatch.setattr(sys, "pycache_prefix", str(prefix))
    assert place(tree) == Path(str(prefix) + str(tree)) / "tasks.listing.json"


def test_listed_tasks_are_equal_by_path_only():
    assert LISTED["nginx.up"] == LISTED["nginx.up"] != LISTED["compose.up"]
    assert len({LISTED["nginx.up"], LISTED["nginx.up"], LISTED["compose.up"]}) == 2
