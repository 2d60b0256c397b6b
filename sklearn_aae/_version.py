"""The package version, and the format of the state that pickling writes."""

__version__ = "0.1.0"

#: Bumped whenever the pickled state of an estimator changes in a way that older code
#: cannot read; loading checks it and refuses a format it does not know.
STATE_FORMAT = 3
