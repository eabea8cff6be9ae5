"""The two ways an operation can say no; the CLI maps them to exit statuses 1 and 2."""


class Refused(Exception):
    """A rule, a permission or capacity says no (exit status 1). The message is one sentence."""


class UnusableInput(Exception):
    """The input cannot be used at all (exit status 2). The message is one sentence."""
