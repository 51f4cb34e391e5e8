"""Settings for the benchmark's server: the production profile of kbs.settings (DEBUG and demo mode
off, manifest static files, persistent database connections), with static files collected into
var/bench-static instead of the project's staticfiles/ folder. The environment comes from
bench/run.py.
"""

from kbs.settings import *  # noqa: F403
from kbs.settings import BASE_DIR

STATIC_ROOT = BASE_DIR / "var" / "bench-static"
