"""Text encoders and skill extraction from free text.

Public API::

    from chamba.nlp import SkillExtractor, get_encoder, EmbeddingCache
"""

from chamba.nlp.encoder import (
    DEFAULT_ENCODER,
    CachedEncoder,
    EmbeddingCache,
    SentenceTransformerEncoder,
    TextEncoder,
    UniversalSentenceEncoder,
    get_encoder,
)
from chamba.nlp.extraction import DEFAULT_THRESHOLD, SkillExtractor
from chamba.nlp.schemas import ExtractedSkill, SkillRecord

__all__ = [
    "DEFAULT_ENCODER",
    "DEFAULT_THRESHOLD",
    "CachedEncoder",
    "EmbeddingCache",
    "ExtractedSkill",
    "SentenceTransformerEncoder",
    "SkillExtractor",
    "SkillRecord",
    "TextEncoder",
    "UniversalSentenceEncoder",
    "get_encoder",
]
