"""Size bounds for the template sandbox: what a template may ask of Python's C code.

The watchdog stops pure-Python loops, but one C call cannot be interrupted: `(10**64)**64**64`,
`'x'|center(500000000)` or `'%0500000000d' % 1` each hold the GIL (and gigabytes) for as long as
they like, freezing every thread of the process. So every way a template reaches such a call is
checked here *before* the call, from its operands: powers and products of integers by the bit
length of their result, repetition by the length of its result, `%`/`str.format` by the widths and
precisions of their specs, the padding and repeating filters and string methods by their width or
estimated result, `range` by its length. Printing is bounded too: only plain values (text,
numbers, dates, lists of them) are printed, never a Python object's repr (addresses included).

Staff-edited templates are also checked in a child process with CPU and memory limits before
they are used (`compose.isolation`); these bounds keep the renders that follow, in the planner and
the web, from meeting the same bombs with data the check did not see.
"""

from __future__ import annotations

import functools
import itertools
import re
import string
from collections.abc import Callable, Iterable
from datetime import date, datetime
from types import BuiltinFunctionType, BuiltinMethodType
from typing import Any

from jinja2 import Undefined, pass_environment, pass_eval_context
from jinja2.exceptions import SecurityError

MAX_WIDTH = 10_000  # padding, wrap and format widths and precisions (the output's own cap)
MAX_VALUE = 100_000  # characters of a string any one bounded operation may make
MAX_ITEMS = 10_000  # range lengths, repetitions of a list, batch sizes
MAX_INT_BITS = 16_384  # ~4,900 digits: more than Python prints (4,300), computed in ~µs


class LimitError(SecurityError):
    """A template asked for more than the bounds allow; `code` names the family for the UI."""

    def __init__(self, message: str, code: str = "too_big"):
        super().__init__(message)
        self.code = code


def _too_big(what: str) -> LimitError:
    return LimitError(f"{what} would be too big")


# -- operators ----------------------------------------------------------------------------------
def _weight(value: Any) -> int:
    """Roughly the characters `value` prints as (a list counts its items' own weights)."""
    if isinstance(value, str | bytes):
        return len(value)
    if isinstance(value, list | tuple):
        return sum(_weight(v) for v in value) + 2 * len(value)
    return 24


def check_structure(value: Any) -> None:
    """Before a list, tuple or dict is turned into text (its repr, in C): `ns.x = [ns.x, ns.x]`
    forty times is a tiny structure whose repr is 2**40 long. Walks at most MAX_ITEMS nodes."""
    if not isinstance(value, list | tuple | dict):
        return
    stack, nodes, size = [value], 0, 0
    while stack:
        item = stack.pop()
        nodes += 1
        if nodes > MAX_ITEMS:
            raise _too_big("the list")
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
        else:
            size += len(item) if isinstance(item, str) else 8
            if size > MAX_VALUE:
                raise _too_big("the text of the list")


def check_power(base: Any, exponent: Any) -> None:
    if type(exponent) is int or type(exponent) is bool:  # noqa: E721 (bool is an int too)
        if isinstance(base, int) and exponent > 0 and abs(base) > 1 and \
                base.bit_length() * exponent > MAX_INT_BITS:
            raise _too_big("the power")


def check_product(left: Any, right: Any) -> None:
    if isinstance(left, int) and isinstance(right, int):
        if left.bit_length() + right.bit_length() > MAX_INT_BITS:
            raise _too_big("the product")
        return
    for seq, times in ((left, right), (right, left)):
        if isinstance(seq, str | bytes | list | tuple) and isinstance(times, int):
            if times > MAX_ITEMS or _weight(seq) * times > MAX_WIDTH:
                raise _too_big("the repeated text")


# %-formatting: %[(key)][flags][width][.precision][length]type
_PERCENT = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d*))?[hlL]?.", re.S)


def check_percent(fmt: str) -> None:
    if "%" not in fmt:
        return
    for match in _PERCENT.finditer(fmt):
        for number in match.groups():
            if number == "*":
                raise LimitError("'*' widths are not allowed in % formatting", "unsafe")
            if number and int(number) > MAX_WIDTH:
                raise _too_big("a % format width")


_FORMAT_PARSER = string.Formatter()
_DIGITS = re.compile(r"\d+")


def check_format_spec(fmt: str) -> None:
    """`'{:>500000000}'.format(1)`: the widths in str.format's specs."""
    try:
        fields = list(_FORMAT_PARSER.parse(fmt))
    except ValueError:
        return  # str.format raises the same error itself
    for _literal, _field, spec, _conversion in fields:
        if not spec:
            continue
        if "{" in spec:
            raise LimitError("nested {} in a format spec are not allowed", "unsafe")
        if any(int(n) > MAX_WIDTH for n in _DIGITS.findall(spec)):
            raise _too_big("a format width")


def binop(operator: str, left: Any, right: Any) -> Any:
    """`**`, `*`, `%` and `+` as the sandbox intercepts them."""
    if operator == "+":
        if isinstance(left, str | list | tuple) and isinstance(right, str | list | tuple) and \
                len(left) + len(right) > MAX_VALUE:
            raise _too_big("the sum")
        return left + right
    if operator == "**":
        check_power(left, right)
        return left**right
    if operator == "*":
        check_product(left, right)
        return left * right
    if isinstance(left, str):  # "%"
        check_percent(left)
        for value in right if isinstance(right, tuple) else (right,):
            check_structure(value)
        return checked_size(left % right)
    return left % right


def checked_size(result: Any) -> Any:
    """A text one step made, refused beyond MAX_VALUE (a step grows text by a bounded factor,
    so no text in a render gets far past it)."""
    if type(result) is str and len(result) > MAX_VALUE:
        raise _too_big("the text")
    return result


def concat(values: tuple[Any, ...]) -> str:
    """`a ~ b ~ c`: at most MAX_VALUE characters."""
    for value in values:
        check_structure(value)
    texts = [v if type(v) is str else str(v) for v in values]
    if sum(map(len, texts)) > MAX_VALUE:
        raise _too_big("the joined text")
    return "".join(texts)


# -- string methods called from a template (`'x'.center(10**9)`) -------------------------------
def _width(_s: Any, width: Any = 0, *_rest: Any) -> None:
    if isinstance(width, int) and width > MAX_WIDTH:
        raise _too_big("the width")


def _expandtabs(s: Any, tabsize: Any = 8) -> None:
    if isinstance(tabsize, int) and tabsize * (s.count("\t") + 1) > MAX_VALUE:
        raise _too_big("the text")


def _replace(s: Any, old: Any, new: Any, count: Any = -1) -> None:
    found = len(s) + 1 if not old else s.count(old)
    if isinstance(count, int) and count >= 0:
        found = min(found, count)
    if len(s) + found * (len(new) - len(old)) > MAX_VALUE:
        raise _too_big("the replaced text")


def _join(sep: Any, items: Any) -> None:
    # A generator's items come from bounded ranges and lists; only known sizes are added up.
    if isinstance(items, list | tuple):
        for item in items:
            check_structure(item)
    if isinstance(items, list | tuple) and \
            len(sep) * len(items) + sum(_weight(i) for i in items) > MAX_VALUE:
        raise _too_big("the joined text")


def _translate(s: Any, table: Any) -> None:
    if isinstance(table, dict):
        longest = max((len(v) for v in table.values() if isinstance(v, str)), default=1)
        if len(s) * longest > MAX_VALUE:
            raise _too_big("the translated text")


_METHOD_CHECKS: dict[str, Callable[..., None]] = {
    "center": _width, "ljust": _width, "rjust": _width, "zfill": _width,
    "expandtabs": _expandtabs, "replace": _replace, "join": _join, "translate": _translate,
}


def check_call(obj: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Before the sandbox calls `obj(*args, **kwargs)`: bound string methods that make text."""
    if type(obj) is BuiltinMethodType or type(obj) is BuiltinFunctionType:  # noqa: E721
        owner = getattr(obj, "__self__", None)
        if isinstance(owner, str | bytes):
            check = _METHOD_CHECKS.get(obj.__name__)
            if check is not None:
                check(owner, *args, *kwargs.values())


# -- filters ------------------------------------------------------------------------------------
def bounded_filters(base: dict[str, Callable[..., Any]]) -> dict[str, Callable[..., Any]]:
    """Jinja's filters with their width and count arguments bounded (the rest unchanged), less
    the HTML-only ones that print Python structures (`tojson`, `pprint`)."""
    center, indent, wordwrap = base["center"], base["indent"], base["wordwrap"]
    truncate, fmt, replace = base["truncate"], base["format"], base["replace"]
    join, batch, slice_ = base["join"], base["batch"], base["slice"]

    def do_center(value: Any, width: int = 80) -> str:
        _width(value, width)
        return center(value, width)

    def do_indent(s: Any, width: int | str = 4, first: bool = False, blank: bool = False) -> str:
        lines = str(s).count("\n") + 1
        step = width if isinstance(width, int) else len(str(width))
        if step > MAX_WIDTH or len(str(s)) + lines * max(step, 0) > MAX_VALUE:
            raise _too_big("the indented text")
        return indent(s, width, first, blank)

    @pass_environment
    def do_wordwrap(env: Any, s: Any, width: int = 79, break_long_words: bool = True,
                    wrapstring: str | None = None, break_on_hyphens: bool = True) -> str:
        _width(s, width)
        if wrapstring is not None and isinstance(width, int) and width > 0 and \
                len(str(s)) + (len(str(s)) // width + 1) * len(str(wrapstring)) > MAX_VALUE:
            raise _too_big("the wrapped text")
        return wordwrap(env, s, width, break_long_words, wrapstring, break_on_hyphens)

    @pass_environment
    def do_truncate(env: Any, s: Any, length: int = 255, killwords: bool = False,
                    end: str = "...", leeway: int | None = None) -> str:
        # A length beyond any text the sandbox allows truncates nothing: the same as the cap.
        if isinstance(length, int) and length > MAX_VALUE:
            length = MAX_VALUE
        return truncate(env, s, length, killwords, end, leeway)

    def do_format(value: Any, *args: Any, **kwargs: Any) -> str:
        check_percent(str(value))
        return fmt(value, *args, **kwargs)

    @pass_eval_context
    def do_replace(eval_ctx: Any, s: Any, old: Any, new: Any, count: int | None = None) -> str:
        _replace(str(s), str(old), str(new), -1 if count is None else count)
        return replace(eval_ctx, s, old, new, count)

    @pass_eval_context
    def do_join(eval_ctx: Any, value: Iterable[Any], d: str = "",
                attribute: str | int | None = None) -> str:
        items = value if type(value) is list or type(value) is tuple else _take(value)  # noqa: E721
        for item in items:
            if type(item) is not str:
                check_structure(item)
        if len(items) <= 16 and len(d) <= 100:
            # The usual hashtags: adding up the sizes first would cost more than the join, and
            # 16 texts of a bounded size make a bounded result, checked after.
            return checked_size(join(eval_ctx, items, d, attribute))
        if attribute is None:
            _join(str(d), items)
        return checked_size(join(eval_ctx, items, d, attribute))

    def do_batch(value: Any, linecount: int, fill_with: Any = None) -> Any:
        if isinstance(linecount, int) and linecount > MAX_ITEMS:
            raise _too_big("the batch")
        return batch(value, linecount, fill_with)

    def do_slice(value: Any, slices: int, fill_with: Any = None) -> Any:
        if isinstance(slices, int) and slices > MAX_ITEMS:
            raise _too_big("the number of slices")
        return slice_(value, slices, fill_with)

    bounded = dict(base)
    for unsafe in ("tojson", "pprint"):
        bounded.pop(unsafe, None)
    bounded.update(center=do_center, indent=do_indent, wordwrap=do_wordwrap,
                   truncate=do_truncate, format=do_format, replace=do_replace, join=do_join,
                   batch=do_batch, slice=do_slice)
    for name in bounded:
        if name not in _TAKES_LISTS:
            bounded[name] = _size_checked(bounded[name])
    return bounded


# Jinja's filters that take a list and do not turn it into text (or are bounded above); every
# other one has its arguments checked before (`|upper` on a list is its repr) and its text after
# (escaping, a list's repr: several times the input).
_TAKES_LISTS = frozenset({
    "length", "count", "first", "last", "select", "reject", "selectattr", "rejectattr", "map",
    "sort", "dictsort", "unique", "reverse", "list", "sum", "min", "max", "random", "groupby",
    "items", "default", "d", "attr", "abs", "int", "float", "round", "filesizeformat",
    "join", "batch", "slice",  # bounded above
})


def _size_checked(func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(func)  # keeps Jinja's pass_context/pass_eval_context mark
    def bounded(*args: Any, **kwargs: Any) -> Any:
        for value in args:
            check_structure(value)
        return checked_size(func(*args, **kwargs))

    return bounded


def _take(items: Iterable[Any]) -> list[Any]:
    out = list(itertools.islice(items, MAX_ITEMS + 1))
    if len(out) > MAX_ITEMS:
        raise _too_big("the list")
    return out


def bounded_range(*args: int) -> range:
    """`range`, at most MAX_ITEMS long (the sandbox's own cap is 100,000)."""
    numbers = range(*args)
    if len(numbers) > MAX_ITEMS:
        raise _too_big("the range")
    return numbers


# -- printing -----------------------------------------------------------------------------------
_PRINTABLE = frozenset({str, int, float, bool, type(None)})


def _plain(value: Any) -> bool:
    kind = type(value)
    if kind in _PRINTABLE or isinstance(value, str | int | float | date | datetime):
        return True
    if kind is list or kind is tuple:
        return all(_plain(v) for v in value)
    if kind is dict:
        return all(_plain(k) and _plain(v) for k, v in value.items())
    return False


@pass_eval_context
def finalize(_eval_ctx: Any, value: Any) -> Any:
    """Every printed value: plain data only, never a Python object's repr. (Taking the eval
    context also keeps Jinja from folding printed expressions at compile time, outside the
    watchdog: it cannot call this then.)"""
    if type(value) in _PRINTABLE or isinstance(value, Undefined):
        return value
    check_structure(value)
    if _plain(value):
        return value
    raise LimitError(f"a {type(value).__name__} cannot be printed; print text or numbers",
                     "not_printable")


# What a repr looks like when it gets into text another way (`|string`, `~`, '%s' % x): the
# last check on the rendered text.
_REPR = re.compile(r"<(?:function|built-in|bound method|method|generator|class|module|"
                   r"Macro|Namespace|LoopContext|TemplateReference|Cycler|Joiner|[\w.]+ object)"
                   r"[\s'>]|\bat 0x[0-9a-fA-F]{4,}")


def shows_repr(text: str) -> bool:
    return ("<" in text or "0x" in text) and _REPR.search(text) is not None
