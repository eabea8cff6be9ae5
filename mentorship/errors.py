"""The two ways an operation can say no; the CLI maps them to exit statuses 1 and 2."""


class Refused(Exception):
    """A rule, a permission or capacity says no (exit status 1). The message is one sentence.

    `audit` is what the audit log records; give it when the message names a person.
    """

    def __init__(self, message: str, *, audit: str | None = None) -> None:
        super().__init__(message)
        self.audit_summary = audit or message


class PermissionDenied(Refused):
    """The acting account's role does not allow this."""


class UnusableInput(Exception):
    """The input cannot be used at all (exit status 2). The message is one sentence."""
