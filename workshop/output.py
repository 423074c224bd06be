"""Copying what docker streams (a container's output, a build's progress, logs) to our
stdout and stderr as it comes, without the docker CLI's own noise; a build is one line unless
builds are verbose (``workshop.builds``)."""

from __future__ import annotations

from collections.abc import Iterable

from workshop.builds import BuildLog, builds_are_verbose
from workshop.console import write
from workshop.errors import interrupted

#: what Compose prints on every build where buildx is missing, which is expected here: builds
#: go through `docker compose build` on purpose (`invoke doctor` reports buildx for information)
COMPOSE_NOISE = (b"configured to build using Bake, but buildx isn't installed",)


def _is_cli_noise(chunk: bytes, after_cli_error: bool) -> bool:
    """The docker CLI's own error lines (we report those as one line), not the container's output:
    `docker: ...`, then its hint (`Run 'docker run --help'...`; a 20.10 CLI: `See 'docker run --help'.`)."""
    return chunk.startswith(b"docker: ") or (
        after_cli_error and (not chunk.strip() or chunk.startswith((b"Run 'docker ", b"See 'docker ")))
    )


def copy_output(
    output: Iterable[tuple[str, bytes]],
    hide_cli_errors: bool = False,
    show_stderr: bool = True,
    progress: bool = False,
) -> None:
    """Copy streamed (source, line) pairs to our stdout/stderr as they arrive.

    With ``hide_cli_errors``, lines the docker CLI prints about its own failure are dropped:
    the caller turns the resulting exception into one clear line instead; with
    ``show_stderr=False`` all stderr is held back for the caller to report. With ``progress``,
    everything is progress and goes to stderr, keeping stdout for results; a build's log in it
    is one line per build unless builds are verbose (workshop.builds), and the whole log when
    the command fails.
    """
    after_cli_error = False
    builds = BuildLog() if progress else None
    try:
        for source, chunk in output:
            if source == "stderr" and not show_stderr:
                continue  # kept by python-on-whales for the exception, reported by the caller
            if progress and any(noise in chunk for noise in COMPOSE_NOISE):
                continue
            if hide_cli_errors and source == "stderr" and _is_cli_noise(chunk, after_cli_error):
                after_cli_error = True
                continue
            if builds is not None and not show_build_line(builds, chunk):
                continue
            write("stdout" if source == "stdout" and not progress else "stderr", chunk)
    except Exception as exc:
        if builds is not None and builds.log and not (builds_are_verbose() or builds.shown or interrupted(exc)):
            show_whole_log(builds)  # then the caller's one-line error
        raise
    if builds is not None:
        for line in builds.finish():
            write("stderr", f"{line}\n".encode())


def show_build_line(builds: BuildLog, chunk: bytes) -> bool:
    """Feed one line of progress output to ``builds``, writing any build summary it completes;
    True if the line itself is to be shown (not a build's, or builds are verbose). Once a step
    has failed, the whole log so far is shown, and every line after it."""
    is_build, summaries = builds.feed(chunk.decode(errors="replace"))
    for line in summaries:
        write("stderr", f"{line}\n".encode())
    if builds_are_verbose() or builds.shown:
        return True
    if builds.failed:
        show_whole_log(builds)  # this line included
        return False
    return not is_build


def show_whole_log(builds: BuildLog) -> None:
    """Write the build log kept so far to stderr (once)."""
    builds.shown = True
    write("stderr", "".join(f"{line}\n" for line in builds.log).encode())


def copy_until_interrupted(output: Iterable[tuple[str, bytes]]) -> None:
    """copy_output, ended quietly by Ctrl-C (how a --follow is meant to end), whether Python or
    the docker CLI (exit 130) gets the signal first."""
    try:
        copy_output(output)
    except KeyboardInterrupt:
        return
    except Exception as exc:
        if not interrupted(exc):
            raise
