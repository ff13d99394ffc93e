"""The dict store: one process's library in Python dicts (LIBRARY_STORE=memory)."""
from .tables import MemoryStore
from .uow import MemoryUnitOfWork

__all__ = ["MemoryStore", "MemoryUnitOfWork"]
