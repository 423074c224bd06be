"""What a learner sees of an image build: one line per build by default (what was built, how
long it took, how much came from the cache), the whole log with ``--verbose`` or when a build
fails.

Every build's output passes through ``BuildLog`` (``workshop.engine.copy_output`` with
``progress=True`` feeds it); whether the whole log is shown is decided here only, by
``verbose_builds``, which a task with a ``--verbose`` option enters. Both of Docker's build
outputs are read: BuildKit's plain progress (``#5 [app 2/4] RUN ...``, ``#5 CACHED``,
``#8 naming to ...``) and the classic builder's (``Step 2/4 : RUN ...``, ``---> Using cache``).
Any other line (Compose's ``Container ... Started``) is not the build's and passes through.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

#: the help of every `--verbose` option of a task that builds images
VERBOSE_HELP = "show every build's whole log (default: one line per build; the whole log only if it fails)"

_VERBOSE: ContextVar[bool] = ContextVar("workshop_verbose_builds", default=False)


@contextmanager
def verbose_builds(verbose: bool) -> Iterator[None]:
    """Inside the block, builds show their whole log when ``verbose`` (a task's --verbose)."""
    token = _VERBOSE.set(verbose or _VERBOSE.get())  # a task run by a verbose tour stays verbose
    try:
        yield
    finally:
        _VERBOSE.reset(token)


def builds_are_verbose() -> bool:
    """True inside ``verbose_builds(True)``."""
    return _VERBOSE.get()


# BuildKit, plain progress
_STEP = re.compile(r"#(\d+) \[(?P<target>[^\]]*)\] (?P<what>.*)")
_CACHED = re.compile(r"#(\d+) CACHED\s*$")
_OVER = re.compile(r"#(\d+) (?:DONE|ERROR)\b")
_ERROR = re.compile(r"#\d+ ERROR\b|(?:ERROR: |target \S+: )?failed to solve")
_NAMING = re.compile(r"#(\d+) naming to (?P<image>\S+)")
_BUILDKIT = re.compile(r"#\d+(?: |$)")
_SESSION = re.compile(r"#0 building with ")  # BuildKit begins a new build session
_NUMBERED = re.compile(r"\d+/\d+")
# BuildKit's excerpt of a failed step and of its Dockerfile, printed once the build failed
_FAILURE = re.compile(
    r"-{6,}$| > \[|\d+\.\d+ |Dockerfile:\d+$|\s*(?:>>>)?\s*\d+ \| |(?:ERROR: |target \S+: )?failed to solve"
)
# Compose's line when a service's build is over
_BUILT = re.compile(r"\s*(?:Image\s+)?(?P<service>\S+)\s+Built\s*$")
# the classic builder
_CLASSIC_STEP = re.compile(r"Step \d+/\d+ : (?P<what>.*)")
_CLASSIC_TAGGED = re.compile(r"Successfully tagged (?P<image>\S+)")
_CLASSIC = ("Sending build context", " ---> ", "Removing intermediate container", "Successfully built")


def shown_image(name: str) -> str:
    """An image name as the user wrote it: ``docker.io/library/test-curl:1.0`` is ``test-curl:1.0``."""
    for prefix in ("docker.io/library/", "docker.io/"):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


@dataclass
class Build:
    """One image being built: its steps (FROM left out) and whether each came from the cache."""

    service: str
    began: float
    steps: dict[str, bool] = field(default_factory=dict)  # step id -> cached
    images: list[str] = field(default_factory=list)

    def summary(self, now: float) -> str:
        """One line: what was built, how long it took, how much came from the cache."""
        what = ", ".join(self.images) or f"the image of service {self.service}"
        line = f"built {what} in {now - self.began:.1f}s"
        total, cached = len(self.steps), sum(self.steps.values())
        if total == 0:
            return line
        plural = "" if total == 1 else "s"
        if cached == total:
            return f"{line} ({total} step{plural}, all cached)"
        return f"{line} ({total} step{plural}: {total - cached} run, {cached} cached)"


@dataclass
class BuildLog:
    """Reads build output line by line: keeps the build's lines (the whole log, for a failure)
    and turns each finished build into one summary line."""

    clock: Callable[[], float] = time.monotonic
    #: time the first build from the output's start: right for one command (Compose may print a
    #: quick build's log in one burst at its end), not for a stream that waits first (compose watch)
    timed_from_start: bool = True
    log: list[str] = field(default_factory=list)
    builds: dict[str, Build] = field(default_factory=dict)  # by service ("" when unnamed)
    service_of: dict[str, str] = field(default_factory=dict)  # BuildKit's #N -> its service
    exporting: dict[str, str] = field(default_factory=dict)  # BuildKit's #N naming an image -> its service
    since: float | None = None  # when the build going on began
    failed: bool = False  # a step failed: the whole log is for the reader now
    shown: bool = False  # the whole log has been shown (after a failure)
    _classic_step: str = ""

    def __post_init__(self) -> None:
        self.since = self.clock() if self.timed_from_start else None

    def now(self) -> float:
        """The clock's time (monotonic seconds)."""
        return self.clock()

    def build(self, service: str) -> Build:
        """The build of ``service``; builds that run side by side all count from the log's first line."""
        if service not in self.builds:
            self.builds[service] = Build(service, self.now() if self.since is None else self.since)
        return self.builds[service]

    def feed(self, line: str) -> tuple[bool, list[str]]:
        """Read one line. Return (whether it belongs to a build log, summary lines to show now).

        A BuildKit build is summarised when the step that names its image is over; Compose's
        ``SERVICE Built`` comes through another pipe, in no reliable order, and is only dropped.
        """
        text = line.rstrip("\r\n")
        if _BUILT.fullmatch(text):
            return True, []
        if _SESSION.match(text) and (self.failed or (self.log and not self.builds)):
            self.forget()  # a new build (compose watch rebuilding), after one that ended or failed
        if self.read_buildkit(text) or self.read_classic(text) or (self.log and _FAILURE.match(text)):
            self.log.append(text)
            self.failed = self.failed or _ERROR.match(text) is not None
            if self.since is None:
                self.since = self.now()
            over = _OVER.match(text)
            number = text.split(" ", 1)[0]
            if over and number in self.exporting:
                return True, self.finish(self.exporting[number])
            return True, []
        if not text.strip() and self.log:
            return True, []  # the blank lines between BuildKit's blocks
        return False, []

    def read_buildkit(self, text: str) -> bool:
        """Take in a BuildKit line; False if it is not one."""
        if not _BUILDKIT.match(text):
            return False
        step = _STEP.fullmatch(text)
        if step:
            # [app internal], [app 2/4], [app dependencies 2/3] (a stage), [app]: the service comes first
            words = step.group("target").split()
            numbered = bool(words) and _NUMBERED.fullmatch(words[-1]) is not None
            service = words[0] if words and not _NUMBERED.fullmatch(words[0]) and words[0] != "internal" else ""
            number = text.split(" ", 1)[0]
            self.service_of[number] = service
            build = self.build(service)
            if numbered and not step.group("what").startswith("FROM "):
                build.steps.setdefault(number, False)
            return True
        cached, naming = _CACHED.match(text), _NAMING.match(text)
        if cached or naming:
            number = text.split(" ", 1)[0]
            service = self.service_of.get(number, "")
            build = self.build(service)
            if cached and number in build.steps:
                build.steps[number] = True
            if naming and shown_image(naming.group("image")) not in build.images:  # "naming to X", then "... done"
                build.images.append(shown_image(naming.group("image")))
            if naming:
                self.exporting[number] = service
        return True

    def read_classic(self, text: str) -> bool:
        """Take in a line of the classic builder; False if it is not one."""
        step = _CLASSIC_STEP.match(text)
        if step:
            self._classic_step = f"classic-{len(self.log)}"
            if not step.group("what").upper().startswith("FROM "):
                self.build("").steps[self._classic_step] = False
            return True
        tagged = _CLASSIC_TAGGED.match(text)
        if tagged:
            self.build("").images.append(shown_image(tagged.group("image")))
            return True
        if text.startswith(" ---> Using cache") and self._classic_step in self.build("").steps:
            self.build("").steps[self._classic_step] = True
        return text.startswith(_CLASSIC)

    def finish(self, service: str | None = None) -> list[str]:
        """Summaries of the builds that are over: ``service``'s, or (None) every one not yet
        summarised that built something. A later build of the same service (compose watch
        rebuilding it) gets a line of its own."""
        names = [service] if service is not None else list(self.builds)
        lines = []
        for name in names:
            build = self.builds.pop(name, None)
            if build is not None and (service is not None or build.steps or build.images):
                lines.append(build.summary(self.now()))
        if not self.builds:
            self.forget()  # its log, and its step numbers, which the next build uses again
        return lines

    def forget(self) -> None:
        """Start afresh: no build going on, no log kept."""
        self.builds.clear()
        self.log.clear()
        self.service_of.clear()
        self.exporting.clear()
        self.since, self.failed, self.shown = None, False, False
