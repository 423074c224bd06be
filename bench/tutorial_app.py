"""The tutorial's way of serving the hit counter, for comparison only (bench/compose_stack.py):
Flask's development server started by app.run(), debug mode on, as the tutorial runs it.
Never use this outside the benchmark: the debugger executes code sent to it."""

import os

from flask import Flask
from redis import Redis

app = Flask(__name__)
redis = Redis(host=os.environ.get("REDIS_HOST", "localhost"), port=int(os.environ.get("REDIS_PORT", "6379")))


@app.route("/")
def hello():
    count = redis.incr("hits")
    return f"Hello from Redis! I have been seen {count} times."


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=int(os.environ["BIND_PORT"]), debug=True)
