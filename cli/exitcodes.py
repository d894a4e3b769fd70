"""Exit codes (DESIGN §4)."""

OK = 0
ERROR = 1
USAGE = 2
INCOMPLETE = 3  # completed, but some sources could not be read
GATE = 4  # a policy gate tripped, e.g. --fail-on new-shadow
