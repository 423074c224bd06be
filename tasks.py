"""The task collection: `invoke --list` shows it. This file only assembles: every example
lives in its own folder (examples/*/example.py) and plugs in with one line below; the
workshop's own tasks live in workshop/."""

from examples.compose.example import compose
from examples.curl.example import curl
from examples.hello.example import daemon, hello
from examples.nginx.example import nginx
from examples.swarm.example import stack, swarm
from workshop.catalog import catalog
from workshop.dashboard.task import dashboard
from workshop.doctor import doctor
from workshop.everything import down, up
from workshop.example import Workshop
from workshop.generate import settings
from workshop.inventory import clean, status
from workshop.provision import setup
from workshop.testing import lint, test
from workshop.tour import tour

shop = Workshop.of(
    hello,
    daemon,
    nginx,
    curl,
    compose,
    swarm,
    stack,
)
ns = shop.collection(setup, test, lint, doctor, status, clean, tour, up, down, settings, catalog, dashboard)
