"""The wrong values, derived from the declarations: for each declared setting, every value its
check refuses (``workshop.kinds``: each kind declares them, with words of its error line), tried
against the tasks that read it. Used by tests/unit/test_bad_input.py (every case, in this
process) and tests/integration/test_validation_first.py (one case per task, against the real
engine). A new example's settings get their cases from their declarations: nothing here names one.

The tasks that read a setting, from the declarations:

- a task its ``used_by`` names (``hello.shell``, ``setup``, ``dashboard``);
- the entry task (``Example.entry_task``) of the example that declares it (the other examples
  its ``used_by`` names may read it later: example 5 builds example 4's app when it deploys);
  for a setting of the workshop's own, of each example its ``used_by`` names;
- a limit of ``workshop/hardening.py``: the entry of each example declaring a container of
  that kind (``Example.containers``); any other setting of the workshop's own (``used_by``
  empty): every example's entry, and ``status`` and ``clean``;
- ``tour`` and ``up``, which check the settings of every example they start before the first;
- a host port (``Setting.bind``) also refuses another host port's default ("both publish").

Each wrong value goes to one of those tasks in turn, and each task gets at least one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from workshop.example import Workshop
from workshop.hardening import ONE_OFF, SERVICE, limit_names
from workshop.kinds import Refusal, refusals
from workshop.settings import Setting


@dataclass(frozen=True)
class Bad:
    setting: str
    value: str
    task: str
    words: tuple[str, ...] = field(default=())


def bad(setting: str, value: str, task: str, *words: str):
    return pytest.param(Bad(setting, value, task, words), id=f"{setting}={value!r}@{task}")


#: how many of its kind's wrong values each setting tries (more when more tasks read it)
PER_SETTING = 3
#: the workshop's own tasks that read only its own settings
OPERATING = ("status", "clean")
#: checks whose declarations (examples/swarm) name no wrong values yet: theirs, by setting
UNDECLARED: dict[str, tuple[Refusal, ...]] = {
    "SWARM_MANAGER": (
        ("http://manager:2375", "not an engine URL", "tcp://"),
        ("tcp://", "not an engine URL"),
        ("my swarm", "neither a docker context name nor an engine URL"),
        ("-context", "neither a docker context name nor an engine URL"),
        ("ftp://manager", "not an engine URL"),
    ),
    "SWARM_REGISTRY": (
        ("https://reg.lan:5000", "not a registry address", "host[:port]"),
        ("reg.lan:5000/Upper", "not a registry address"),
    ),
}
#: further tasks that read a setting through the same check as its entry task (today's coverage
#: of tasks beyond the entries: a new example needs no line here)
ALSO = [
    ("DAEMON_NAME", "daemon.logs"),
    ("NGINX_NAME", "nginx.down"),
    ("HELLO_IMAGE", "hello.shell"),
    ("CURL_IMAGE", "curl.build"),
    ("CURL_VERSION", "curl.build"),
    *((name, "compose.build") for name in ("WORKSHOP_COMPOSE_FILE", "APP_IMAGE", "PYTHON_IMAGE", "BIND_PORT")),
    ("BUILD_CA_BUNDLE", "compose.build"),
    *((name, "compose.dev") for name in ("APP_WORKERS", "APP_PORT", "STACK_WAIT", "WORKSHOP_COMPOSE_FILE")),
    *((name, "stack.deploy") for name in ("SWARM_STACK", "SWARM_REPLICAS", "SWARM_MANAGER", "SWARM_REGISTRY")),
    *(("SWARM_MANAGER", task) for task in ("stack.ps", "swarm.nodes", "stack.logs", "stack.rollback")),
    ("SWARM_REGISTRY", "stack.update"),
]
#: rules of one task rather than of a setting's check
SPECIAL = [bad("SWARM_REGISTRY", "reg.lan:5000", "swarm.up", "only for a swarm of yours")]


def wrong_values(setting: Setting) -> list[Refusal]:
    """What ``setting``'s check declares it refuses."""
    return list(refusals(setting.check)) or list(UNDECLARED.get(setting.name, ()))


def clash(setting: Setting, shop: Workshop) -> list[Refusal]:
    """For a host port, another host port's default on the same address: both would publish it."""
    if not setting.bind:
        return []
    other = next(s for s in shop.registry.host_ports() if s.name != setting.name and s.default != setting.default)
    return [(other.default, "both publish")]


def readers(setting: Setting, shop: Workshop) -> list[str]:
    """The tasks that read ``setting`` before they do anything (see the module's docstring)."""
    tasks = set(shop.root.task_names) if shop.root is not None else set()
    examples = {example.name: example for example in shop.examples}
    owner = next((example for example in shop.examples if setting in example.settings), None)
    found = [user for user in setting.used_by if user in tasks]
    if owner is not None and owner.name in setting.used_by:
        found.append(owner.entry_task())
    else:
        found += [examples[user].entry_task() for user in setting.used_by if user in examples]
    kinds = [kind for kind in (ONE_OFF, SERVICE) if setting.name in limit_names(kind)]
    if kinds:
        found += [e.entry_task() for e in shop.examples if any(c.kind in kinds for c in e.containers)]
    elif not setting.used_by:
        found += [example.entry_task() for example in shop.examples if example.settings] + list(OPERATING)
    if any(example.tour and setting.name in shop.settings_of(example) for example in shop.examples):
        found.append("tour")
    if any(setting.name in shop.settings_of(example) for example, _ in shop.services()):
        found.append("up")
    return list(dict.fromkeys(found))


def paired(setting: Setting, wrong: list[Refusal], tasks: list[str]) -> list:
    """Each wrong value at one of ``tasks`` in turn, every task getting at least one."""
    count = max(len(wrong), len(tasks))
    return [
        bad(setting.name, wrong[i % len(wrong)][0], tasks[i % len(tasks)], *wrong[i % len(wrong)][1:])
        for i in range(count)
    ]


def cases(shop: Workshop) -> list:
    """The whole table for ``shop``: each setting tries PER_SETTING of its kind's wrong values
    (the next ones of that kind: settings of one kind share them out, and what is left over
    goes to the kind's last setting), and the further readers and special rules."""
    found, cursor, last = [], {}, {}
    for setting in shop.registry:
        declared, tasks = wrong_values(setting), readers(setting, shop)
        if not declared or not tasks:
            continue
        kind = tuple(declared)
        start = cursor.get(kind, 0)
        count = max(len(tasks), min(len(declared), PER_SETTING))
        wrong = [declared[(start + i) % len(declared)] for i in range(count)]
        cursor[kind], last[kind] = start + count, (setting, tasks)
        found += paired(setting, wrong + clash(setting, shop), tasks)
    for kind, used in cursor.items():
        setting, tasks = last[kind]
        if used < len(kind):
            found += paired(setting, list(kind[used:]), tasks[:1])
    for name, task in ALSO:
        value, *words = wrong_values(shop.registry[name])[0]
        found.append(bad(name, value, task, *words))
    return found + SPECIAL


def _cases() -> list:
    import tasks

    return cases(tasks.shop)


CASES = _cases()
