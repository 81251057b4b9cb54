"""Pydantic I/O of the taxonomy: reads, search hits and import reports."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from chamba.vocab import SkillType


class SkillRead(BaseModel):
    """A skill as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    label_es: str
    label_en: str
    synonyms_es: list[str] = Field(default_factory=list)
    synonyms_en: list[str] = Field(default_factory=list)
    sector: str | None = None
    type: SkillType
    esco_uri: str | None = None
    source: str = "catalogue"
    reuse_level: str | None = None


class OccupationRead(BaseModel):
    """An occupation with the ids of its essential and optional skills."""

    id: str
    isco_code: str | None = None
    label_es: str
    label_en: str
    synonyms_es: list[str] = Field(default_factory=list)
    synonyms_en: list[str] = Field(default_factory=list)
    esco_uri: str | None = None
    source: str = "catalogue"
    essential_skills: list[str] = Field(default_factory=list)
    optional_skills: list[str] = Field(default_factory=list)


class SearchHit(BaseModel):
    """One autocomplete suggestion, best first.

    ``label`` is in the requested language; ``matched`` is the normalised label or synonym
    that matched; ``tier`` is 0 (exact label) .. 5 (words spread over several names).
    """

    id: str
    label: str
    label_es: str
    label_en: str
    matched: str
    tier: int


class CatalogueReport(BaseModel):
    """What :func:`chamba.taxonomy.catalogue.load_catalogue` changed."""

    skills_created: int = 0
    skills_updated: int = 0
    skills_unchanged: int = 0
    skills_merged: int = 0
    occupations_created: int = 0
    occupations_updated: int = 0
    occupations_unchanged: int = 0
    occupations_merged: int = 0
    relations_created: int = 0
    relations_updated: int = 0
    relations_deleted: int = 0

    @property
    def changed(self) -> bool:
        """True when the load wrote anything."""
        return any(
            (
                self.skills_created,
                self.skills_updated,
                self.skills_merged,
                self.occupations_created,
                self.occupations_updated,
                self.occupations_merged,
                self.relations_created,
                self.relations_updated,
                self.relations_deleted,
            )
        )

    def summary(self) -> str:
        """One line for people (CLI, logs)."""
        return (
            f"skills: {self.skills_created} created, {self.skills_updated} updated, "
            f"{self.skills_unchanged} unchanged, {self.skills_merged} merged; "
            f"occupations: {self.occupations_created} created, {self.occupations_updated} "
            f"updated, {self.occupations_unchanged} unchanged; relations: "
            f"{self.relations_created} created, {self.relations_updated} updated, "
            f"{self.relations_deleted} deleted"
        )


class EscoReport(BaseModel):
    """What :func:`chamba.taxonomy.esco.import_esco` did.

    ``*_linked`` counts ESCO concepts whose URI belongs to a catalogue row (that row is kept and
    enriched, no duplicate is made); ``relations_imported`` counts distinct valid
    occupation-skill pairs in the file, ``relations_skipped`` the rows pointing at concepts that
    are neither imported nor already stored.
    """

    languages: list[str] = Field(default_factory=list)
    languages_ignored: list[str] = Field(default_factory=list)
    skills_created: int = 0
    skills_updated: int = 0
    skills_unchanged: int = 0
    skills_linked: int = 0
    skills_skipped: int = 0
    occupations_created: int = 0
    occupations_updated: int = 0
    occupations_unchanged: int = 0
    occupations_linked: int = 0
    occupations_skipped: int = 0
    isco_groups: int = 0
    relations_imported: int = 0
    relations_created: int = 0
    relations_updated: int = 0
    relations_deleted: int = 0
    relations_skipped: int = 0
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        """True when the import wrote anything."""
        return any(
            (
                self.skills_created,
                self.skills_updated,
                self.occupations_created,
                self.occupations_updated,
                self.relations_created,
                self.relations_updated,
                self.relations_deleted,
            )
        )

    def summary(self) -> str:
        """One line for people (CLI, logs)."""
        ignored = (
            f" (ignored: {', '.join(self.languages_ignored)})" if self.languages_ignored else ""
        )
        return (
            f"ESCO {'+'.join(self.languages)}{ignored} in {self.seconds:.1f} s - skills: "
            f"{self.skills_created} created, {self.skills_updated} updated, "
            f"{self.skills_linked} linked to the catalogue, {self.skills_skipped} skipped; "
            f"occupations: {self.occupations_created} created, {self.occupations_updated} "
            f"updated, {self.occupations_linked} linked; relations: {self.relations_imported} "
            f"imported ({self.relations_created} new), {self.relations_skipped} skipped"
        )


# -- search hits (GET /skills, GET /occupations) ------------------------------------------


class SkillItem(BaseModel):
    id: str
    label: str
    label_es: str
    label_en: str
    esco_uri: str | None
    sector: str | None
    type: str
    matched: str


class OccupationItem(BaseModel):
    id: str
    label: str
    label_es: str
    label_en: str
    esco_uri: str | None
    isco_code: str | None
    matched: str


class SkillPage(BaseModel):
    items: list[SkillItem]


class OccupationPage(BaseModel):
    items: list[OccupationItem]
