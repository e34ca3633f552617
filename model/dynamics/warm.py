"""Importing this module loads every compiled kernel (from numba's cache, or compiles it).

Only the worker pool's forkserver imports it (``model.pool.PRELOAD``), so the workers forked from
that server start with numba loaded and the kernels ready instead of paying 1–2 s each on their
first run. Nothing else should import it: elsewhere kernels load on first use.
"""

from model.dynamics.kernels import warm_up

warm_up()
