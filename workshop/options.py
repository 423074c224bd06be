"""Numeric options that refuse a word in one line: ``--tail abc`` is ``error: --tail='abc' is not
a whole number``, exit 1, not a traceback. Kept apart from workshop.cli so that the cached task
listing (workshop.listing) builds the same options without importing the rest of the workshop."""

from __future__ import annotations

from typing import Any

from invoke.exceptions import ParseError
from invoke.parser import Argument


class CheckedArgument(Argument):
    """An option whose value is converted (int, float): a bad value is one line, not a traceback."""

    def set_value(self, value: Any, cast: bool = True) -> None:
        try:
            super().set_value(value, cast)
        except ValueError:
            what = "a whole number" if self.kind is int else "a number"
            raise ParseError(f"error: --{self.name}={value!r} is not {what}; give e.g. --{self.name} 10") from None


def option(**fields: Any) -> Argument:
    """An option made with invoke's documented constructor (``names``, ``kind``, ``default``,
    ``help``, ...): a CheckedArgument when its kind is a number."""
    return (CheckedArgument if fields.get("kind") in (int, float) else Argument)(**fields)


def fields_of(argument: Argument) -> dict[str, Any]:
    """What makes ``argument``: the constructor's fields, as ``option`` takes them."""
    return {
        "names": tuple(argument.names),
        "kind": argument.kind,
        "default": argument.default,
        "help": argument.help,
        "positional": argument.positional,
        "optional": argument.optional,
        "incrementable": argument.incrementable,
        "attr_name": argument.attr_name,
    }


def checked(argument: Argument) -> Argument:
    """The same option as ``argument``, a CheckedArgument when its kind is a number."""
    if argument.kind not in (int, float) or isinstance(argument, CheckedArgument):
        return argument
    return option(**fields_of(argument))
