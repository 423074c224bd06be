"""gunicorn settings, from the environment (BIND_PORT as in the tutorial)."""

import os

bind = f"0.0.0.0:{os.environ.get('BIND_PORT', '5000')}"
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
keepalive = 5
accesslog = None  # one line per request costs throughput; errors still go to stderr
errorlog = "-"
# the container's filesystem may be small; heartbeat files belong in memory
worker_tmp_dir = "/dev/shm"
# no control socket: it would live under $HOME, which the app's user does not have (and the
# workshop never uses gunicorn's control interface)
control_socket_disable = True
