"""The task collection: `invoke --list` shows it. This file only assembles; every task lives
with its example (examples/*/tasks.py) or, for the workshop as a whole, in workshop/."""

from invoke import Collection

from examples.compose.tasks import compose
from examples.curl.tasks import curl
from examples.hello.tasks import daemon, hello
from examples.nginx.tasks import nginx
from workshop.doctor import doctor
from workshop.everything import down, up
from workshop.inventory import clean, status
from workshop.provision import setup
from workshop.testing import test
from workshop.tour import tour

ns = Collection()
ns.add_task(setup)
ns.add_task(test)
ns.add_task(doctor)
ns.add_task(status)
ns.add_task(clean)
ns.add_task(tour)
ns.add_task(up)
ns.add_task(down)
ns.add_collection(hello)
ns.add_collection(daemon)
ns.add_collection(nginx)
ns.add_collection(curl)
ns.add_collection(compose)
