"""Example 5: scale out. Example 4's stack on a Docker Swarm whose nodes are containers on your
engine (as kind does for Kubernetes): your own engine never enters swarm mode, and `clean`
removes the whole cluster.

The cluster: SWARM_NODES node containers (a Docker engine each; the first is the manager) on a
bridge network of their own, and a registry container every node pulls from. The stack: the
app (SWARM_REPLICAS replicas, no virtual IP: ``endpoint_mode: dnsrr``), Redis (one replica,
pinned to the node that keeps its volume) and a proxy (haproxy) that finds the replicas
through the swarm's DNS and is published on the manager, which maps it to
SWARM_BIND:SWARM_PORT. The host drives the manager's engine through a socket in a folder of
ours, never through a TCP port.

This module only assembles the two task collections, ``swarm`` and ``stack``; each concern has
its module beside it:

- ``settings``: the settings and the fixed values; ``names``: what things are called and where
  they are (the manager's engine, the registry, the stack's URL);
- ``cluster``: the cluster as a task reads it (once); ``nodes``: making its nodes;
  ``registry``: its registry and pushes; ``lifecycle``: the ``swarm.up/nodes/stop/down`` tasks;
- ``stack``: the stack made swarm-ready and deployed (``stack.deploy``, ``stack.rm``);
  ``watch``: its tasks read and waited on; ``observe``: ``stack.ps/logs/hit``;
- ``rollout``: ``stack.scale/update/rollback``; ``failure``: ``swarm.drain/activate/kill``;
- ``tour``: its tour step; ``panel``: what `invoke dashboard` shows and offers.
"""

from __future__ import annotations

from invoke import Collection

from examples.swarm.cluster import condition, exists, is_up
from examples.swarm.failure import activate, drain, kill
from examples.swarm.lifecycle import down, nodes, stop, swarm_data, up
from examples.swarm.observe import hit, logs, ps
from examples.swarm.panel import STACK_PANEL, SWARM_PANEL
from examples.swarm.rollout import rollback, scale, update
from examples.swarm.settings import COMPOSE_FILE, EXAMPLE, SETTINGS, STACK_FILE
from examples.swarm.stack import deploy, rm
from examples.swarm.tour import STEP
from workshop.example import Example, Service

swarm = Example(
    name=EXAMPLE,
    collection=Collection("swarm", up, nodes, stop, down, drain, activate, kill),
    settings=SETTINGS,
    compose_files=(COMPOSE_FILE, STACK_FILE),
    service=Service(
        start="swarm.up", stop="swarm.stop", is_up=is_up, exists=exists, purge=("swarm.down", {"volumes": True})
    ),
    condition=condition,
    data=swarm_data,
    panel=SWARM_PANEL,
    tour=STEP,
)
stack = Example(
    name="stack",
    collection=Collection("stack", deploy, ps, logs, hit, scale, update, rollback, rm),
    panel=STACK_PANEL,
)
