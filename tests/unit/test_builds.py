"""workshop.builds: a build's log summarised in one line per build, kept whole for a failure;
and copy_output showing a build quietly, verbosely, or whole when it fails."""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from workshop.builds import BuildLog, builds_are_verbose, shown_image, verbose_builds  # noqa: E402
from workshop.console import captured  # noqa: E402
from workshop.output import copy_output  # noqa: E402

# what `docker compose build curl` printed on this machine (BuildKit, plain progress), shortened
CURL_BUILD = """\
#0 building with "default" instance using docker driver

#1 [curl internal] load build definition from Dockerfile
#1 transferring dockerfile: 1.61kB done
#1 DONE 0.0s

#4 [curl 1/4] FROM docker.io/docker-workshop/debian:bookworm
#4 CACHED

#5 [curl 2/4] RUN apt-get update && apt-get install -y curl
#5 0.213 Get:1 http://deb.debian.org/debian bookworm InRelease [151 kB]
#5 3.581 Selecting previously unselected package libssl3:amd64.\r
#5 DONE 8.7s

#6 [curl 3/4] RUN useradd --uid 10001 fetcher
#6 CACHED

#7 [curl 4/4] WORKDIR /data
#7 CACHED

#8 [curl] exporting to image
#8 exporting layers 0.1s done
#8 naming to docker.io/library/test-curl:1.0 done
#8 DONE 0.1s
"""


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def read(text: str, clock: Clock | None = None, advance: float = 0.0) -> tuple[list[str], list[str], list[str]]:
    """Feed ``text`` line by line: (the log kept at the end, the lines shown as they are, the summaries)."""
    clock = clock or Clock()
    log = BuildLog(clock=clock)
    shown, summaries = [], []
    for line in text.splitlines(keepends=True):
        clock.now += advance
        is_build, done = log.feed(line)
        summaries += done
        if not is_build:
            shown.append(line.rstrip("\n"))
    kept = list(log.log)
    return kept, shown, summaries + log.finish()


def test_one_line_per_build_says_what_how_long_and_how_much_was_cached():
    log, shown, summaries = read(CURL_BUILD, advance=0.5)
    assert shown == []  # every line is the build's
    assert summaries == ["built test-curl:1.0 in 12.0s (3 steps: 1 run, 2 cached)"]  # 24 lines, 0.5 s apart


def test_a_build_printed_in_one_burst_is_timed_from_the_start_of_the_output():
    # Compose may print a quick build's whole log at its end: the wait began with the command
    clock = Clock()
    log = BuildLog(clock=clock)
    clock.now += 0.7
    summaries = [summary for line in CURL_BUILD.splitlines(keepends=True) for summary in log.feed(line)[1]]
    assert summaries == ["built test-curl:1.0 in 0.7s (3 steps: 1 run, 2 cached)"]


def test_an_image_named_twice_is_named_once():
    # BuildKit's plain progress may print a step's status twice: "naming to X", then "naming to X done"
    text = CURL_BUILD.replace("#8 naming to", "#8 naming to docker.io/library/test-curl:1.0\n#8 naming to")
    _, _, summaries = read(text)
    assert summaries == ["built test-curl:1.0 in 0.0s (3 steps: 1 run, 2 cached)"]


def test_a_build_all_from_the_cache_says_so():
    text = CURL_BUILD.replace("#5 0.213 Get:1 http://deb.debian.org/debian bookworm InRelease [151 kB]\n", "")
    text = text.replace("#5 3.581 Selecting previously unselected package libssl3:amd64.\r\n", "")
    text = text.replace("#5 DONE 8.7s", "#5 CACHED")
    _, _, summaries = read(text)
    assert summaries == ["built test-curl:1.0 in 0.0s (3 steps, all cached)"]


def test_the_summary_comes_when_the_image_is_named_not_at_the_end_of_the_output():
    # compose up: the build, then the containers; the build's line comes before theirs
    text = CURL_BUILD + " Container demo-app-1  Started\n"
    log = BuildLog(clock=Clock())
    order = []
    for line in text.splitlines(keepends=True):
        is_build, done = log.feed(line)
        order += [f"summary: {each}" for each in done] + ([] if is_build else [line.strip()])
    assert order == ["summary: built test-curl:1.0 in 0.0s (3 steps: 1 run, 2 cached)", "Container demo-app-1  Started"]
    assert log.finish() == []  # said once


def test_the_log_of_a_build_going_on_is_kept_whole_and_forgotten_once_it_is_over():
    log, _, _ = read(CURL_BUILD.removesuffix("#8 DONE 0.1s\n"))
    assert log[0] == '#0 building with "default" instance using docker driver'
    assert "#5 3.581 Selecting previously unselected package libssl3:amd64." in log  # \r\n ends a line too
    assert log[-1] == "#8 naming to docker.io/library/test-curl:1.0 done" and "" not in log
    over, _, _ = read(CURL_BUILD)
    assert over == []  # a later failure (a container that does not start) is not the build's


def test_builds_side_by_side_each_get_their_line():
    text = """\
#3 [redis-standin 2/3] RUN apt-get install redis-server
#4 [python-standin 2/2] RUN apt-get install python3
#3 CACHED
#5 [redis-standin 3/3] WORKDIR /data
#5 CACHED
#4 DONE 7.3s
#6 [python-standin] exporting to image
#6 naming to docker.io/docker-workshop/python:standin done
#6 DONE 0.3s
#7 [redis-standin] exporting to image
#7 naming to docker.io/docker-workshop/redis:standin done
#7 DONE 0.0s
 redis-standin  Built
 python-standin  Built
"""
    _, shown, summaries = read(text)
    assert shown == []
    assert summaries == [
        "built docker-workshop/python:standin in 0.0s (1 step: 1 run, 0 cached)",
        "built docker-workshop/redis:standin in 0.0s (2 steps, all cached)",
    ]


def test_the_stages_of_a_multi_stage_build_are_one_build():
    text = """\
#1 [app internal] load build definition from Dockerfile
#4 [app dependencies 1/3] FROM docker.io/docker-workshop/python:standin
#5 [app dependencies 2/3] RUN python -m venv /venv
#5 CACHED
#6 [app dependencies 3/3] RUN pip install -r requirements.txt
#6 CACHED
#7 [app stage-1 2/4] COPY --from=dependencies /venv /venv
#7 DONE 0.2s
#8 [app] exporting to image
#8 naming to docker.io/library/counter:latest done
#8 DONE 0.1s
"""
    _, shown, summaries = read(text)
    assert shown == []
    assert summaries == ["built counter:latest in 0.0s (3 steps: 1 run, 2 cached)"]


def test_each_rebuild_gets_its_own_line_timed_from_its_own_start():
    # compose watch rebuilding the app twice, minutes apart, in one stream
    clock = Clock()
    log = BuildLog(clock=clock, timed_from_start=False)
    summaries = []
    for _ in range(2):
        clock.now += 300  # idle: watching
        for line in CURL_BUILD.splitlines(keepends=True):
            clock.now += 1
            summaries += log.feed(line)[1]
    assert summaries == ["built test-curl:1.0 in 23.0s (3 steps: 1 run, 2 cached)"] * 2
    assert log.finish() == []


def test_the_classic_builder_is_summarised_too():
    text = """\
Sending build context to Docker daemon  2.048kB
Step 1/3 : FROM debian:bookworm
 ---> 1234567890ab
Step 2/3 : RUN apt-get update
 ---> Using cache
 ---> 234567890abc
Step 3/3 : WORKDIR /data
 ---> Running in 34567890abcd
Removing intermediate container 34567890abcd
 ---> 4567890abcde
Successfully built 4567890abcde
Successfully tagged test-curl:1.0
"""
    _, shown, summaries = read(text)
    assert shown == []
    assert summaries == ["built test-curl:1.0 in 0.0s (2 steps: 1 run, 1 cached)"]


def test_buildkits_excerpt_of_a_failure_belongs_to_the_log():
    text = """\
#5 [curl 2/4] RUN apt-get update
#5 0.274 runc run failed: exec: "/bin/sh": stat /bin/sh: no such file or directory
#5 ERROR: executor failed running [/bin/sh -c apt-get update]: exit code: 1
------
 > [curl 2/4] RUN apt-get update:
0.274 runc run failed: exec: "/bin/sh": stat /bin/sh: no such file or directory
------
Dockerfile:8
--------------------
   7 |     ARG BASE_IMAGE
   8 | >>> RUN apt-get update
--------------------
failed to solve: executor failed running [/bin/sh -c apt-get update]: exit code: 1
"""
    log, shown, _ = read(text)
    assert shown == []
    assert log[-1].startswith("failed to solve:")


def test_lines_that_are_not_a_build_pass_through():
    text = " Network demo_default  Created\n\n Container demo-redis-1  Healthy\n------\n"
    log, shown, summaries = read(text)
    assert shown == [" Network demo_default  Created", "", " Container demo-redis-1  Healthy", "------"]
    assert summaries == [] and log == []


@pytest.mark.parametrize(
    "name, shown",
    [
        ("docker.io/library/test-curl:1.0", "test-curl:1.0"),
        ("docker.io/docker-workshop/nginx:standin", "docker-workshop/nginx:standin"),
        ("127.0.0.1:5051/counter:abc", "127.0.0.1:5051/counter:abc"),
    ],
)
def test_image_names_read_as_the_user_wrote_them(name, shown):
    assert shown_image(name) == shown


def test_verbose_is_off_by_default_and_stays_on_inside_a_verbose_caller():
    assert not builds_are_verbose()
    with verbose_builds(True), verbose_builds(False):  # a task run by `tour --verbose`, without the option
        assert builds_are_verbose()
    assert not builds_are_verbose()


def stream(text: str, fail: bool = False):
    """(source, line) pairs as python-on-whales streams them, raising its exception at the end if ``fail``."""
    for line in text.splitlines(keepends=True):
        yield "stdout", line.encode()
    if fail:
        from python_on_whales.exceptions import DockerException

        raise DockerException(["docker", "compose", "build"], 1, b"", b"failed to solve: exit code: 1")


def copied(text: str, fail: bool = False) -> tuple[str, str]:
    """What copy_output(progress=True) writes to (stdout, stderr) for ``text``."""
    with captured() as capture:
        try:
            copy_output(stream(text, fail), progress=True)
        except Exception as exc:
            assert type(exc).__name__ == "DockerException"
    return capture.text("stdout"), capture.text("stderr")


def test_copy_output_shows_a_build_as_one_line():
    stdout, stderr = copied(CURL_BUILD)
    assert stdout == ""
    assert stderr.splitlines() == [line for line in stderr.splitlines() if line.startswith("built test-curl:1.0 in ")]
    assert len(stderr.splitlines()) == 1


def test_copy_output_shows_the_whole_log_when_verbose():
    with verbose_builds(True):
        _, stderr = copied(CURL_BUILD)
    assert "#5 0.213 Get:1 http://deb.debian.org/debian bookworm InRelease [151 kB]" in stderr
    assert "built test-curl:1.0 in " in stderr


def test_copy_output_shows_the_whole_log_when_the_build_fails():
    failing = CURL_BUILD.split("#6 ")[0] + "#6 [curl 3/4] RUN useradd --uid 10001 fetcher\n#6 ERROR: exit code: 1\n"
    _, stderr = copied(failing, fail=True)
    lines = stderr.splitlines()
    assert lines[0] == '#0 building with "default" instance using docker driver'
    assert lines[-1] == "#6 ERROR: exit code: 1"
    assert not any(line.startswith("built ") for line in lines)
    assert stderr.count("#0 building with") == 1  # shown once, not again when the exception comes


def test_a_failed_rebuild_in_a_stream_that_goes_on_shows_its_log_and_what_follows():
    # compose watch: a rebuild fails, and watch carries on with the same output
    from workshop.output import show_build_line

    failing = CURL_BUILD.split("#6 ")[0] + "#6 [curl 3/4] RUN useradd\n#6 ERROR: exit code: 1\n------\n"
    log = BuildLog()
    with captured() as capture:
        shown = [line for line in failing.splitlines(keepends=True) if show_build_line(log, line.encode())]
    assert capture.text("stderr").splitlines()[-1] == "#6 ERROR: exit code: 1"
    assert shown == ["------\n"]  # after the failure, every line as it comes
    # the next rebuild (its Dockerfile fixed) is one line again
    with captured() as capture:
        shown = [line for line in CURL_BUILD.splitlines(keepends=True) if show_build_line(log, line.encode())]
    assert shown == []
    assert capture.text("stderr").startswith("built test-curl:1.0 in ")
