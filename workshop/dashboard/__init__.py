"""`invoke dashboard`: a live page of the workshop (modules: ``task`` starts it, ``server`` serves
it, ``guard`` decides who may talk to it, ``feed`` follows the engines, ``board`` reads what it
shows, ``static/`` is the page itself: no CDN, no build step)."""
