"""The README's hardening tables, generated from the one definition (workshop/hardening.py): the
exceptions from ``EXEMPTIONS``, and the CIS Docker Benchmark's container checks (section 5, v1.5
numbering, as docker-bench-security automates them) with one column per container the examples
declare (``Example.containers``). `invoke settings --write` writes them between their markers
in README.md; a unit test fails while they are out of date.

A cell is what the rule makes of the check for that container: "pass" where the definition
meets it, "host" where the machine decides, "manual" where no tool can tell, "gap: ..." or
"n/a: ..." with the reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from workshop.hardening import CAP_DROP, EXEMPTIONS, ONE_OFF, READ_ONLY, SECURITY_OPT, Container

BEGIN = "<!-- hardening tables: generated from workshop/hardening.py by `invoke settings --write` -->"
END = "<!-- end of the hardening tables -->"

Cell = Callable[[Container], str]


def always(text: str) -> Cell:
    """The same cell for every container."""
    return lambda container: text


def holds(condition: bool) -> Cell:
    """``pass`` while the one definition meets the check (for every container it hardens)."""
    return always("pass" if condition else "gap: workshop/hardening.py")


def restart(container: Container) -> str:
    """5.14 asks for `on-failure:5`; a long-running container keeps its own policy, on purpose."""
    if container.kind == ONE_OFF:
        return "n/a: one-off"
    return f"gap: `{container.restart}`" if container.restart else "gap: no restart policy"


def health(container: Container) -> str:
    """5.26: a healthcheck on every long-running container."""
    if container.kind == ONE_OFF:
        return "n/a: one-off"
    return "pass" if container.healthcheck else "gap: no healthcheck"


def bridge(container: Container) -> str:
    """5.29: off Docker's default bridge (the tutorial's plain `docker run` stays on it)."""
    return "gap: default bridge" if container.default_bridge else "pass"


PASS, NEVER_EXEC = always("pass"), always("manual: tasks never exec")
ROWS: tuple[tuple[str, Cell], ...] = (
    ("5.1 AppArmor profile", always("host")),
    ("5.2 SELinux options ¹", always("host")),
    ("5.3 capabilities restricted", holds(CAP_DROP == ("ALL",))),
    ("5.4 not privileged", PASS),
    ("5.5 no sensitive host dirs mounted", PASS),
    ("5.6 no sshd", PASS),
    ("5.7 no privileged host ports", PASS),
    ("5.8 only needed ports open", PASS),
    ("5.9 host network not shared", PASS),
    ("5.10 memory limited", PASS),
    ("5.11 CPU shares set ²", always("gap: `--cpus` only")),
    ("5.12 read-only root filesystem", holds(READ_ONLY)),
    ("5.13 ports bound to one interface", PASS),
    ("5.14 restart `on-failure:5` ³", restart),
    ("5.15, 5.16 host PID and IPC namespaces not shared", PASS),
    ("5.17 no host devices", PASS),
    ("5.18 default ulimits", PASS),
    ("5.19 mount propagation not shared", PASS),
    ("5.20 host UTS namespace not shared", PASS),
    ("5.21 default seccomp profile", PASS),
    ("5.22, 5.23 no `exec` with `--privileged` or `--user=root`", NEVER_EXEC),
    ("5.24 cgroup not overridden", PASS),
    ("5.25 no new privileges", holds(any(opt.startswith("no-new-privileges") for opt in SECURITY_OPT))),
    ("5.26 healthcheck", health),
    ("5.27 latest images", always("manual")),
    ("5.28 PIDs limit", PASS),
    ("5.29 not on the default bridge ⁴", bridge),
    ("5.30 host user namespace not shared", PASS),
    ("5.31 Docker socket not mounted", PASS),
)


def exemptions() -> str:
    """The README's list of exceptions, one line each: what and why."""
    return "".join(f"- **{exemption.what}**: {exemption.why}\n" for exemption in EXEMPTIONS)


def cis_table(containers: Iterable[Container]) -> str:
    """The CIS section 5 table: a row per check, a column per container."""
    columns = list(containers)
    rows = [
        "| check | " + " | ".join(c.name for c in columns) + " |",
        "|---|" + "---|" * len(columns),
    ]
    rows += [f"| {check} | " + " | ".join(cell(c) for c in columns) + " |" for check, cell in ROWS]
    return "\n".join(rows) + "\n"


def tables(containers: Iterable[Container]) -> str:
    """What goes between the markers: the exceptions, then the CIS table."""
    return (
        "The exceptions, each on purpose (`EXEMPTIONS` in [`workshop/hardening.py`](workshop/hardening.py),\n"
        "with the reason; a container started as one carries its label):\n\n"
        + exemptions()
        + "\n**CIS Docker Benchmark (v1.5 numbering), section 5 container runtime checks**, for every\n"
        "container an example declares (`Example.containers`), as docker-bench-security automates\n"
        'them (CIS v1.6 inserts a swarm check as 5.1, so its later numbers are one higher); "host"\n'
        "depends on your machine (see below).\n\n" + cis_table(containers)
    )


def with_tables(readme: str, containers: Iterable[Container]) -> str:
    """``readme`` with the text between the hardening markers replaced (unchanged without them)."""
    if BEGIN not in readme:
        return readme
    begin, end = readme.index(BEGIN) + len(BEGIN), readme.index(END)
    return readme[:begin] + "\n" + tables(containers) + readme[end:]
