"""The task collection: `invoke --list` shows it. This file only assembles; every task lives
with its example (examples/*/tasks.py) or, for the workshop as a whole, in workshop/."""

from invoke import Collection

from examples.hello.tasks import daemon, hello
from workshop.provision import setup
from workshop.testing import test

ns = Collection()
ns.add_task(setup)
ns.add_task(test)
ns.add_collection(hello)
ns.add_collection(daemon)
