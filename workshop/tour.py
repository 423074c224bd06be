"""``invoke tour``: the tutorial from the first container to the last example, every result checked.

Each example with a tour step says what it teaches; then, for each of its commands, the tour
shows the tutorial's docker command and the ``invoke`` command that does the same here, runs
that task (in this process, its output shown), checks the result and prints ``✓ what was
verified``. The first failure stops the tour with one line naming the step. At the end, or
after a failure (or Ctrl-C), everything the tour started is removed again unless ``--keep``;
what was already there before the tour is left as it was, and data volumes (the hit count)
are always kept.

The narrative (headings, lessons, the tutorial's lines, the checks' ``✓`` lines, the cleanup
and closing words) is in the language ``WORKSHOP_LANG`` or the locale picks (workshop/i18n.py);
the tasks' own output and one-line errors stay English.
"""

from __future__ import annotations

import re
import sys
from typing import Any

from workshop.cli import INTERRUPTED, VERBOSE_HELP, Ctx, Ran, run_task, say, task, typed
from workshop.errors import ConfigError, WorkshopError, describe
from workshop.example import CheckFailed, Example, Move, assembled
from workshop.i18n import language, speaking, tr

PLACEHOLDER = re.compile(r"\{([A-Z][A-Z0-9_]*)\}")


def filled(c: Ctx, options: dict[str, Any]) -> dict[str, Any]:
    """The options with ``{SETTING}`` placeholders replaced by the settings' values."""
    return {
        key: PLACEHOLDER.sub(lambda m: str(c.get(m.group(1))), value) if isinstance(value, str) else value
        for key, value in options.items()
    }


def show_and_run(c: Ctx, name: str, options: dict[str, Any], note: str = "") -> Ran:
    """Print ``$ invoke NAME OPTIONS`` (settings filled in), then run it with its output shown.

    ``note`` is shown translated, its ``{option}`` placeholders filled with the options."""
    options = filled(c, options)
    say(f"$ {typed(name, options)}" + (f"    # {tr(note).format(**options)}" if note else ""))
    return run_task(c, name, echo=True, **options)


def walk(c: Ctx, number: int, total: int, example: Example, noted: dict) -> int:
    """Run one step: heading, lesson, then each move and its check. Return the number of checks passed."""
    step = example.tour
    assert step is not None
    where = f"tour step {number}/{total} ({example.name})"
    say(
        "\n"
        + tr("=== Step {number}/{total}: {name}, {title} ===").format(
            number=number, total=total, name=example.name, title=tr(step.title)
        )
    )
    say(tr(step.teaches))
    for move in step.moves:
        say("\n" + tr("tutorial: {command}").format(command=tr(move.tutorial)))
        ran = show_and_run(c, move.task, move.options, move.note)
        if ran.code == INTERRUPTED:  # Ctrl-C reached the step's task first: the tour ends as interrupted
            raise KeyboardInterrupt
        if not ran.ok:
            raise WorkshopError(f"{where} failed: `{ran.command}`: {ran.error}")
        say(f"✓ {verify(c, where, move, ran, noted)}")
    return len(step.moves)


def verify(c: Ctx, where: str, move: Move, ran: Ran, noted: dict) -> str:
    """The move's check, its failures in one line."""
    try:
        return move.check(Ctx.wrap(c), ran, noted)
    except CheckFailed as failed:
        raise WorkshopError(
            f"{where}: {failed} after `{ran.command}`; `invoke doctor` checks the engine and settings"
        ) from None
    except Exception as exc:
        if describe(exc) is None:
            raise
        raise WorkshopError(f"{where}: checking `{ran.command}` failed: {describe(exc)}") from None


def present(c: Ctx, example: Example) -> bool:
    """True if what the example's step makes is there now."""
    step = example.tour
    try:
        return bool(step and step.present and step.present(Ctx.wrap(c)))
    except ConfigError:
        return False  # named by a wrong setting: its step says so when it runs


def clean_up(c: Ctx, started: list[Example], before: set[str]) -> list[Ran]:
    """Run the cleanup task of every started step whose result is there, last first, except
    what was there before the tour. Return the failed runs."""
    todo = [e for e in reversed(started) if e.tour and e.tour.cleanup and (e.name in before or present(c, e))]
    if not todo:
        return []
    say("\n" + tr("=== Cleaning up what the tour started ==="))
    failed = []
    for example in todo:
        if example.name in before:
            say(tr("{name}: it was there before the tour; left as it was").format(name=example.name))
            continue
        assert example.tour is not None and example.tour.cleanup is not None
        if example.tour.cleanup_note:
            say(tr(example.tour.cleanup_note))
        name, options = example.tour.cleanup
        ran = show_and_run(c, name, options)
        if not ran.ok:
            failed.append(ran)
    network = c.project.network
    if [n for n in c.docker.network.list(filters=c.project.filters()) if n.name == network]:
        say(
            tr("The examples' shared network {network} stays (it costs nothing); `invoke clean` removes it.").format(
                network=network
            )
        )
    return failed


def kept_message(running: list[str], built: list[str]) -> str:
    """What --keep leaves: the examples still running and the images still built."""
    names = ", ".join(running) or tr("nothing")
    if built:
        return tr(
            "--keep: still running: {running}; built: {built} (`invoke status` shows where); "
            "`invoke down` stops them, `invoke clean` removes the rest"
        ).format(running=names, built=", ".join(built))
    return tr(
        "--keep: still running: {running} (`invoke status` shows where); "
        "`invoke down` stops them, `invoke clean` removes the rest"
    ).format(running=names)


def wait_for_enter(number: int, total: int, example: Example) -> None:
    """--step: wait for Enter before the next step; end-of-input ends the tour like Ctrl-C."""
    try:
        input(
            "\n"
            + tr("[Enter] step {number}/{total}: {name}  (Ctrl-C ends the tour) ").format(
                number=number, total=total, name=example.name
            )
        )
    except EOFError:
        raise KeyboardInterrupt from None


@task(
    help={
        "keep": "leave what the tour started running at the end (default: remove what the tour started)",
        "step": "wait for Enter between steps (needs a terminal)",
        "quick": "skip the steps that take a minute or more (the swarm)",
        "verbose": VERBOSE_HELP,
    }
)
def tour(c: Ctx, keep=False, step=False, quick=False, verbose=False):
    """Walk through the whole tutorial, running and checking every command; cleans up after itself."""
    if step and not sys.stdin.isatty():
        raise WorkshopError(
            "--step waits for Enter between steps, but stdin is not a terminal; "
            "run `invoke tour --step` in a terminal, or drop --step"
        )
    spoken = language(c.settings)  # WORKSHOP_LANG, or the locale's
    steps = [e for e in assembled(c).examples if e.tour is not None and not (quick and e.tour.slow)]
    for example in steps:
        c.check(assembled(c).settings_of(example))  # a wrong value stops the tour before its first step
    with speaking(spoken):
        guide(c, steps, keep, step)


def guide(c: Ctx, steps: list[Example], keep: bool, step: bool) -> None:
    """Walk ``steps`` in order, then clean up (unless ``keep``); every failure in one line at the end."""
    before = {e.name for e in steps if e.tour and e.tour.spare_existing and present(c, e)}
    started: list[Example] = []
    failure: WorkshopError | None = None
    checks, noted = 0, dict[str, object]()
    try:
        for number, example in enumerate(steps, 1):
            if step and number > 1:
                wait_for_enter(number, len(steps), example)
            started.append(example)
            checks += walk(c, number, len(steps), example, noted)
        say("\n✓ " + tr("tour complete: {steps} steps, {checks} checks passed").format(steps=len(steps), checks=checks))
    except WorkshopError as exc:
        failure = exc
    finally:  # also after Ctrl-C: leave nothing half-running
        failed = [] if keep else clean_up(c, started, before)
    problems = [str(failure)] if failure else []
    if failed:
        commands = ", ".join(f"`{ran.command}`" for ran in failed)
        problems.append(f"cleanup failed ({failed[0].error}); run {commands} again")
    if problems:
        raise WorkshopError("; ".join(problems))
    if keep:
        kept = [e for e in started if present(c, e)]
        running = [e.name for e in kept if e.service is not None]
        built = [tr("{name}'s image").format(name=e.name) for e in kept if e.service is None]
        say(kept_message(running, built))
