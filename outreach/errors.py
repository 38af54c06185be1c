"""The one base class of the errors a person reads.

Every layer raises its own error class (QueueError, TemplateError, PeriodError …) with a message
written for the person who asked: one plain sentence saying what is wrong and, where it helps, how
to put it right. They all derive from `OutreachError`, so a face can catch "anything the person
should read" in one clause instead of listing every class, and keep a true bug (any other
exception) apart from it.

`exit_code` is what the command line exits with when such an error ends a command: 1 unless the
class says otherwise (2 for a usage or configuration problem, as command-line tools do).
"""

from __future__ import annotations


class OutreachError(Exception):
    """An error whose message is written for a person; never carries a secret."""

    exit_code: int = 1
