"""The claims suite's library: data, models, training, metrics, statistics, figures and cache.

Nothing here imports pytest: every function can be used from a notebook.
"""

# Part of every cache key: bump it when a change alters what a finished run contains.
__version__ = "0.1.0"
