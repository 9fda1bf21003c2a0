"""The books: every change to money goes through here (docs/money.md, "The books").

- `ledger`: accounts, the kinds of journal entry that move money between them, posting and folding (pure);
- `work`: the unit of work: load a context, decide a change, settle it into one write, commit it;
- `dynamo`, `memory`: the two repositories that commit a write (DynamoDB; memory, for the fast tests).
"""

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shared.books.dynamo import DynamoRepository


@cache
def repository() -> "DynamoRepository":
    """The process's DynamoDB repository (built on first use)."""
    from shared.books.dynamo import DynamoRepository

    return DynamoRepository()
