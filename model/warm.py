"""Importing this module readies the worker pool's forkserver: it exits with its command, and every
compiled kernel is loaded (from numba's cache, or compiled: ``model.sim.warm_up``).

Only the worker pool's forkserver imports it, first of its preloads (``model.pool.PRELOAD``):

- :func:`model.pool.exit_with_parent` starts before anything heavy, so a command killed while
  its forkserver is still importing (seconds; a minute when numba compiles) takes the server
  with it instead of leaving it to finish the imports, holding the terminal's pipes;
- the workers forked from the server start with numba loaded and the kernels ready instead of
  paying 1–2 s each on their first run.

Nothing else should import it: elsewhere kernels load on first use.
"""

from model.pool import exit_with_parent

exit_with_parent()

from model.sim import warm_up  # noqa: E402 - after the watch starts

warm_up()
