"""Everything a user reads comes from `content/`, rendered here and only here."""
from .engine import Content, ContentError, Context, Page, Reply, Section

__all__ = ["Content", "ContentError", "Context", "Page", "Reply", "Section"]
