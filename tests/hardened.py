"""The hardening rule, read from `docker inspect` of a real container: what every container the
workshop starts must have (workshop/hardening.py), unless it carries the label of an exemption
declared there. tests/conftest.py applies it to every container a test leaves for its cleanup."""

from __future__ import annotations

from workshop.hardening import EXEMPT_KEY, EXEMPTIONS


def started_by_an_example(container, label_prefix: str, examples: set[str]) -> bool:
    """True when ``container`` carries the example label of one of ``examples``: the workshop
    started it (a container a test starts itself, such as a stand-in server, names no example)."""
    return (container.config.labels or {}).get(f"{label_prefix}.example") in examples


def problems(container, label_prefix: str) -> list[str]:
    """What ``container`` (a python-on-whales Container) lacks of the rule, one phrase each."""
    labels = container.config.labels or {}
    exemption = labels.get(f"{label_prefix}.{EXEMPT_KEY}")
    if exemption is not None:
        declared = {each.key for each in EXEMPTIONS}
        return [] if exemption in declared else [f"its exemption {exemption!r} is not declared in EXEMPTIONS"]
    config, host = container.config, container.host_config
    found = []
    user = (config.user or "").split(":")[0]
    if not (user.isdigit() and user != "0"):
        found.append(f"user {config.user!r} is not a numeric non-root user")
    if not host.readonly_rootfs:
        found.append("its root filesystem is writable")
    if not any(option.startswith("no-new-privileges") for option in host.security_opt or []):
        found.append("no no-new-privileges")
    if "ALL" not in (host.cap_drop or []) or host.cap_add:
        found.append(f"capabilities not all dropped (drop {host.cap_drop}, add {host.cap_add})")
    for limit in ("memory", "nano_cpus", "pids_limit"):
        if not getattr(host, limit) or getattr(host, limit) < 0:
            found.append(f"no {limit} limit")
    return found


def unhardened(containers, label_prefix: str, examples: set[str]) -> list[str]:
    """One line per container of ``containers`` an example of ``examples`` started that breaks
    the rule, naming what it lacks."""
    return [
        f"{container.name}: {'; '.join(found)}"
        for container in containers
        if started_by_an_example(container, label_prefix, examples) and (found := problems(container, label_prefix))
    ]
