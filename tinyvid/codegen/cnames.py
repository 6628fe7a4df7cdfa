"""C identifiers: validate the user's prefix against C's rules and reserved words."""

from __future__ import annotations

import re

from tinyvid.errors import PrefixError

__all__ = ["C_KEYWORDS", "PrefixError", "validate_prefix"]

C_KEYWORDS = frozenset(
    """auto break case char const continue default do double else enum extern float for goto if inline int long
    register restrict return short signed sizeof static struct switch typedef union unsigned void volatile while
    _Bool _Complex _Imaginary _Alignas _Alignof _Atomic _Generic _Noreturn _Static_assert _Thread_local
    alignas alignof bool true false nullptr static_assert thread_local typeof typeof_unqual constexpr
    asm main errno assert offsetof""".split()
)

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def validate_prefix(prefix: str) -> str:
    """Return ``prefix`` if it can start every generated C symbol, else raise."""
    hint = "use a name like `model` or `person_detect`: letters, digits and _, starting with a letter"
    if not isinstance(prefix, str) or not _IDENT.match(prefix):
        raise PrefixError(f"'{prefix}' is not a valid C identifier", hint)
    if prefix in C_KEYWORDS or prefix.lower() in C_KEYWORDS:
        raise PrefixError(f"'{prefix}' is a reserved word in C", hint)
    if prefix.startswith("_") or len(prefix) > 40:
        raise PrefixError(f"'{prefix}' is reserved or too long (identifiers starting with _ are reserved; at most 40 characters)", hint)
    return prefix
