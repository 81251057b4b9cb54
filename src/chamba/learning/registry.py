"""The model registry: versioned model folders and a serving pointer written atomically.

Layout under ``<data_dir>/models/``::

    <version>/model.pt         the weights (a torch state dict; loaded with weights_only)
    <version>/metadata.json    version, created, dataset snapshot id, features,
                               hyper-parameters, metrics, weights sha256, code version
    serving.json               {"kind": "jobs", "current": version | null,
                                "promoted_at": iso | null, "stack": [previous versions...],
                                "history": [{"action", "version", "from", "at", "reason",
                                             "forced", "ndcg@10"}...]}

``serving.json`` is replaced atomically (write a temporary file, fsync, ``os.replace``), so a
reader sees the old or the new pointer, never half of one; :class:`~chamba.learning.serving.
ServingRanker` watches its modification time.

**Promotion guard.** :meth:`ModelRegistry.promote` refuses a model whose held-out NDCG@10 is
below the serving model's: the candidate's ``metrics["compared"][serving_version]`` when the
training run evaluated both on the same test split, else the serving model's own recorded
``metrics["ndcg@10"]``. ``force=True`` promotes anyway and records ``forced: true`` and the
reason in the history (and logs a warning). **Rollback** returns to the version served before
the current one (or to the rule-based scorer when there was none).

**Erased people.** ``metadata.json`` names the dataset snapshot a model was trained on
(``dataset.id``). When a person erases their data, :meth:`ModelRegistry.mark_trained_on_erased`
marks every model trained on a snapshot that held them (and every model whose snapshot is gone
or unknown, which cannot be shown not to) with ``trained_on_erased_data``. Such a model is
never promoted again, not even forced (:class:`~chamba.learning.errors.TrainedOnErasedData`),
rollback skips it, and while one serves, the guard lets any clean model replace it whatever
its metrics; the next ``chamba train`` (the weekly retraining job) builds its dataset from the
database, where the person no longer is.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import secrets
import subprocess
import tempfile
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import chamba
from chamba.errors import Conflict
from chamba.learning.errors import (
    ModelNotFound,
    NothingToRollBack,
    PromotionRefused,
    TrainedOnErasedData,
)

if TYPE_CHECKING:  # heavy (torch) or upward imports, made where they are used
    from chamba.events.schemas import ModelPromoted
    from chamba.learning.ranker import TrainedRanker

log = logging.getLogger(__name__)

POINTER: Final = "serving.json"
WEIGHTS: Final = "model.pt"
METADATA: Final = "metadata.json"
GUARD_METRIC: Final = "ndcg@10"
ERASED_MARK: Final = "trained_on_erased_data"
_VERSION_RE: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,80}$")


def code_version() -> str:
    """``chamba.__version__`` plus the git commit when the code runs from a checkout."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"],
            capture_output=True, text=True, timeout=5, check=False,
            cwd=Path(__file__).resolve().parent,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return f"{chamba.__version__}+{commit}" if commit else chamba.__version__


def write_json_atomic(path: Path, doc: Any) -> None:
    """Write JSON to ``path`` atomically (temporary file in the same folder, fsync, replace)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(doc, indent=2, sort_keys=True) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass(frozen=True)
class ModelInfo:
    """One registered version (its ``metadata.json``)."""

    version: str
    created: str
    metadata: dict[str, Any]

    @property
    def dataset_id(self) -> str | None:
        """The id of the dataset snapshot the model was trained on (``None``: not recorded)."""
        value = (self.metadata.get("dataset") or {}).get("id")
        return str(value) if value else None

    @property
    def trained_on_erased_data(self) -> dict[str, Any] | None:
        """``{"marked_at", "erasures", "why"}`` once a person in its training data erased
        their data (see :meth:`ModelRegistry.mark_trained_on_erased`), else ``None``."""
        mark = self.metadata.get(ERASED_MARK)
        return dict(mark) if mark else None

    @property
    def ndcg(self) -> float | None:
        value = self.metadata.get("metrics", {}).get(GUARD_METRIC)
        return float(value) if value is not None else None


class ModelRegistry:
    """Model versions in ``root`` (``<data_dir>/models``) and the serving pointer.

    Example:
        >>> reg = ModelRegistry(settings.data_dir / "models")  # doctest: +SKIP
        >>> version = reg.register(ranker, {"metrics": {"ndcg@10": 0.74}})  # doctest: +SKIP
        >>> reg.promote(version)  # doctest: +SKIP
    """

    def __init__(self, root: Path, kind: str = "jobs") -> None:
        self.root = Path(root)
        self.kind = kind

    @property
    def pointer_path(self) -> Path:
        return self.root / POINTER

    # ------------------------------------------------------------------ versions

    def new_version(self, now: datetime | None = None) -> str:
        """A fresh, sortable version name: ``ranker-YYYYMMDD-HHMMSS-xxxxxx``."""
        now = now or datetime.now(UTC)
        return f"ranker-{now:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"

    def register(
        self, ranker: TrainedRanker, metadata: dict[str, Any], version: str | None = None
    ) -> str:
        """Save a :class:`~chamba.learning.ranker.TrainedRanker` as a new version folder.

        Args:
            ranker: the trained ranker (its ``version`` is replaced by the registered one).
            metadata: dataset id, hyper-parameters, metrics... (merged into ``metadata.json``).
            version: the name to use (default :meth:`new_version`).

        Returns:
            The version name.
        """
        version = version or getattr(ranker, "version", None) or self.new_version()
        if not _VERSION_RE.match(version):
            raise ValueError(f"invalid version name {version!r}")
        folder = self.root / version
        if folder.exists():
            raise Conflict(f"model version {version!r} already exists")
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{version}.", dir=self.root))
        ranker.version = version
        ranker.save_weights(tmp / WEIGHTS)
        doc = {
            "version": version,
            "kind": self.kind,
            "created": datetime.now(UTC).isoformat(),
            "features": list(ranker.features),
            "hyper_parameters": ranker.config.to_dict(),
            "calibration": list(ranker.calibration) if ranker.calibration else None,
            "weights_sha256": file_sha256(tmp / WEIGHTS),
            "code_version": code_version(),
            **metadata,
        }
        doc["version"] = version
        (tmp / METADATA).write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n")
        os.replace(tmp, folder)
        log.info("model registered", extra={"version": version})
        return version

    def info(self, version: str) -> ModelInfo:
        path = self.root / version / METADATA
        if not _VERSION_RE.match(version) or not path.is_file():
            raise ModelNotFound(version)
        doc = json.loads(path.read_text())
        return ModelInfo(version, str(doc.get("created", "")), doc)

    def versions(self) -> list[ModelInfo]:
        """Every registered version, oldest first."""
        if not self.root.is_dir():
            return []
        out = []
        for folder in self.root.iterdir():
            if (
                folder.is_dir()
                and not folder.name.startswith(".")
                and (folder / METADATA).is_file()
            ):
                try:
                    out.append(self.info(folder.name))
                except (ValueError, ModelNotFound):
                    continue
        return sorted(out, key=lambda m: (m.created, m.version))

    def load(self, version: str) -> TrainedRanker:
        """Load a version as a :class:`~chamba.learning.ranker.TrainedRanker`.

        Raises:
            ModelNotFound: no such version.
            ValueError: the weights file is missing, altered or unreadable.
        """
        from chamba.learning.ranker import RankerConfig, TrainedRanker

        meta = self.info(version).metadata
        weights = self.root / version / WEIGHTS
        if not weights.is_file():
            raise ValueError(f"model {version}: {WEIGHTS} is missing")
        expected = meta.get("weights_sha256")
        if expected and file_sha256(weights) != expected:
            raise ValueError(f"model {version}: {WEIGHTS} does not match its checksum")
        try:
            cal = meta.get("calibration")
            return TrainedRanker.load(
                weights, version, RankerConfig.from_dict(meta.get("hyper_parameters", {})),
                tuple(meta["features"]), tuple(cal) if cal else None,
            )  # fmt: skip
        except Exception as exc:  # a corrupt pickle raises many kinds of errors
            raise ValueError(f"model {version}: cannot load {WEIGHTS}: {exc}") from exc

    # ------------------------------------------------------------------ pointer

    def pointer(self) -> dict[str, Any]:
        """The serving pointer (an empty one when none was written)."""
        try:
            doc: dict[str, Any] = json.loads(self.pointer_path.read_text())
        except FileNotFoundError:
            doc = {}
        doc.setdefault("kind", self.kind)
        doc.setdefault("current", None)
        doc.setdefault("promoted_at", None)
        doc.setdefault("stack", [])
        doc.setdefault("history", [])
        return doc

    def serving_version(self) -> str | None:
        current = self.pointer().get("current")
        return str(current) if current else None

    def _serving_ndcg_for(self, candidate: ModelInfo, current: str) -> float | None:
        compared = candidate.metadata.get("metrics", {}).get("compared", {})
        if current in compared and compared[current] is not None:
            return float(compared[current])
        try:
            return self.info(current).ndcg
        except ModelNotFound:
            return None

    def mark_trained_on_erased(
        self, snapshots: Collection[str], datasets: Path | None = None
    ) -> list[str]:
        """After a person erased their data: mark the models trained on one of ``snapshots``
        (the snapshots that held the person), and, when ``datasets`` (the snapshots folder) is
        given, those whose snapshot is not there or not recorded (nothing shows the person was
        not in it). Returns the versions marked now; a marked model counts one more erasure.
        """
        marked: list[str] = []
        now = datetime.now(UTC).isoformat()
        for model in self.versions():
            snapshot = model.dataset_id
            if snapshot is not None and snapshot in snapshots:
                why = "its dataset snapshot held a person who erased their data"
            elif datasets is not None and (
                snapshot is None or not (datasets / snapshot / "arrays.npz").is_file()
            ):
                why = "its dataset snapshot is gone or unknown: it may hold an erased person"
            else:
                continue
            doc = dict(model.metadata)
            mark = dict(doc.get(ERASED_MARK) or {"marked_at": now, "erasures": 0, "why": why})
            mark["erasures"] = int(mark.get("erasures", 0)) + 1
            doc[ERASED_MARK] = mark
            write_json_atomic(self.root / model.version / METADATA, doc)
            marked.append(model.version)
        if marked:
            log.warning("models trained on erased people's data", extra={"versions": marked})
        return marked

    def check_promotion(self, version: str) -> tuple[bool, str]:
        """Would :meth:`promote` accept ``version`` without force? ``(ok, why)``."""
        candidate = self.info(version)
        current = self.serving_version()
        if candidate.trained_on_erased_data:
            return False, f"{version} was trained on data of a person who erased it"
        if current is None:
            return True, "no model is serving yet"
        if current == version:
            return True, f"{version} is already serving"
        try:
            serving_tainted = bool(self.info(current).trained_on_erased_data)
        except ModelNotFound:
            serving_tainted = False
        if serving_tainted:
            return True, f"the serving {current} was trained on data of a person who erased it"
        theirs = self._serving_ndcg_for(candidate, current)
        ours = candidate.ndcg
        if ours is None:
            return False, f"{version} has no held-out {GUARD_METRIC}"
        if theirs is None:
            return True, f"the serving model {current} has no recorded {GUARD_METRIC}"
        if ours + 1e-12 < theirs:
            return False, (
                f"{version} has held-out {GUARD_METRIC} {ours:.4f}, worse than the serving "
                f"{current} ({theirs:.4f})"
            )
        return True, f"{GUARD_METRIC} {ours:.4f} >= {theirs:.4f} of {current}"

    def promote(
        self, version: str, *, force: bool = False, reason: str | None = None
    ) -> dict[str, Any]:
        """Make ``version`` the serving model (see the promotion guard in the module docstring).

        Raises:
            ModelNotFound: no such version.
            TrainedOnErasedData: trained on a person who has since erased their data (even
                with ``force``).
            PromotionRefused: worse than the serving model and not ``force``.
        """
        if self.info(version).trained_on_erased_data:
            raise TrainedOnErasedData(version)
        ok, why = self.check_promotion(version)
        if not ok and not force:
            raise PromotionRefused(f"promotion refused: {why} (use --force --reason to override)")
        doc = self.pointer()
        current = doc["current"]
        now = datetime.now(UTC).isoformat()
        if current == version:
            return doc
        forced = not ok
        if forced:
            log.warning(
                "forced promotion", extra={"version": version, "reason": reason, "why": why}
            )
        doc["stack"] = [*doc["stack"], current] if current else list(doc["stack"])
        doc["current"] = version
        doc["promoted_at"] = now
        doc["history"].append(
            {"action": "promote", "version": version, "from": current, "at": now,
             "forced": forced, "reason": reason or (why if not forced else None),
             GUARD_METRIC: self.info(version).ndcg}
        )  # fmt: skip
        write_json_atomic(self.pointer_path, doc)
        return doc

    def rollback(self, reason: str | None = None) -> dict[str, Any]:
        """Serve the version that served before the current one (rule-based when none);
        versions trained on erased people's data are skipped (and leave the stack).

        Raises:
            NothingToRollBack: no model is serving.
        """
        doc = self.pointer()
        current = doc["current"]
        if current is None:
            raise NothingToRollBack()
        stack = list(doc["stack"])
        previous = None
        while stack:
            candidate = stack.pop()
            try:
                if not self.info(candidate).trained_on_erased_data:
                    previous = candidate
                    break
            except ModelNotFound:
                continue
        doc["stack"] = stack
        now = datetime.now(UTC).isoformat()
        doc["current"] = previous
        doc["promoted_at"] = now
        doc["history"].append(
            {"action": "rollback", "version": previous, "from": current, "at": now,
             "forced": False, "reason": reason}
        )  # fmt: skip
        write_json_atomic(self.pointer_path, doc)
        return doc


def promotion_event(doc: dict[str, Any]) -> ModelPromoted | None:
    """The ``model.promoted`` event for the last promotion or rollback in ``doc`` (or None)."""
    from chamba.events.schemas import ModelPayload, ModelPromoted

    last = doc["history"][-1] if doc.get("history") else None
    if last is None:
        return None
    return ModelPromoted(
        payload=ModelPayload(
            kind=str(doc.get("kind") or "jobs"), version=last.get("version"),
            previous_version=last.get("from"), action=str(last.get("action")),
            forced=bool(last.get("forced")),
        )
    )  # fmt: skip


def announce(engine: Any, doc: dict[str, Any]) -> None:
    """Write a ``model.promoted`` event for the last promotion or rollback in ``doc``.

    The pointer file is the source of truth (serving watches it); the event, in its own
    transaction right after, tells the other processes. Does nothing when ``doc`` has no history.
    """
    from chamba.db import session_scope
    from chamba.events.service import emit

    event = promotion_event(doc)
    if event is None:
        return
    with session_scope(engine) as session:
        emit(session, event)
