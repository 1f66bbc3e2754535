"""The neutral core: an integration defined here, in a few lines, runs through the same runner, job and store."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_integration.errors import IntegrationError, PermissionDenied
from aws_integration.graph.model import Entity, Relationship
from aws_integration.integrations.base import Integration
from aws_integration.jobs.history import format_runs
from aws_integration.jobs.run import InstanceRun, Job, TargetPlan
from aws_integration.integrations.aws.registry import default_registry
from aws_integration.steps.declarations import EntityDecl, RawItem, RelationshipDecl, Transform
from aws_integration.steps.registry import StepRegistry
from aws_integration.steps.runner import StepRunner, Target
from aws_integration.store import SqliteStore
from aws_integration.store.migrations import BASE_SCHEMA, MIGRATIONS, arn_region

SHELF = EntityDecl("library_shelf", ("Group",), "A shelf.", owned_by_account=False)
BOOK = EntityDecl("library_book", ("Resource",), "A book.", owned_by_account=False)
SHELF_HAS_BOOK = RelationshipDecl(SHELF.type, "HAS", BOOK.type)


@dataclass(frozen=True)
class ShelfStep:
    """The tiny integration's step type: a name in its catalogue, and a transform."""

    id: str
    name: str
    listing: str
    entities: tuple[EntityDecl, ...]
    transform: Transform
    relationships: tuple[RelationshipDecl, ...] = ()
    depends_on: tuple[str, ...] = ()

    @property
    def group(self) -> str:
        return self.listing

    @property
    def all_relationships(self) -> tuple[RelationshipDecl, ...]:
        return self.relationships


def _shelf(raw: RawItem, context: Any) -> Iterator[Entity]:
    yield Entity(f"shelf:{raw['id']}", SHELF.type, SHELF.classes, raw["id"], {"floor": raw["floor"]})


def _book(raw: RawItem, context: Any) -> Iterator[Entity | Relationship]:
    yield Entity(f"book:{raw['isbn']}", BOOK.type, BOOK.classes, raw["title"], {"isbn": raw["isbn"]})
    yield Relationship(f"shelf:{raw['shelf']}", SHELF.type, "HAS", f"book:{raw['isbn']}", BOOK.type)


STEPS = (ShelfStep("shelves", "Shelves", "shelves", (SHELF,), _shelf),
         ShelfStep("books", "Books", "books", (BOOK,), _book, (SHELF_HAS_BOOK,), depends_on=("shelves",)))


class _Unit:
    def __init__(self, rows: list[RawItem], refused: bool) -> None:
        self._rows, self._refused = rows, refused
        self.context, self.api_calls, self.retries, self.longest_chain = None, 1, 0, 1
        self.allowed_actions: set[str] = set()

    async def items(self) -> AsyncIterator[RawItem]:
        if self._refused:
            raise PermissionDenied("GET /books", "forbidden", "the library")
        for row in self._rows:
            yield row


class Library(Target):
    integration = "library"
    system = "the library"

    def __init__(self, catalogue: Mapping[str, list[RawItem]], refused: frozenset[str] = frozenset()) -> None:
        self.id, self.name = "main-library", "Main library"
        self._catalogue, self._refused = catalogue, refused

    def scopes(self, step: Any = None) -> set[str]:
        return {""}

    async def unit_scopes(self, step: Any) -> list[str | None]:
        return [None]

    def unit(self, step: Any, scope: str | None, dependencies: Mapping[str, list[tuple[Any, RawItem]]]) -> _Unit:
        return _Unit(self._catalogue[step.listing], step.listing in self._refused)


@dataclass(frozen=True)
class LibraryInstance:
    name: str
    catalogue: Mapping[str, list[RawItem]]
    refused: frozenset[str] = frozenset()
    integration: str = "library"


async def _run_library(job: Job, instance: LibraryInstance) -> InstanceRun:
    target = Library(instance.catalogue, instance.refused)
    plan = TargetPlan("library", target.id, target.name, source=lambda report: f"library:{instance.name}",
                      collect=lambda sink: StepRunner(StepRegistry(STEPS), target, sink).run(),
                      known_source=f"library:{instance.name}")
    return InstanceRun(instance.name, [await job.run_target(instance, plan)])


@dataclass(frozen=True)
class LibraryDiagnosis:
    refused: frozenset[str]

    @property
    def all_ready(self) -> bool:
        return not self.refused

    def to_dict(self) -> dict[str, Any]:
        return {"refused": sorted(self.refused)}

    def format(self) -> str:
        return "refused: " + (", ".join(sorted(self.refused)) or "nothing")


async def _diagnose_library(instance: LibraryInstance) -> LibraryDiagnosis:
    return LibraryDiagnosis(instance.refused)


LIBRARY = Integration("library", "Library", "library:", lambda: LibraryInstance, lambda: StepRegistry(STEPS),
                      _run_library, _diagnose_library, lambda: "Ask the librarian for a reader's card.")
CATALOGUE = {"shelves": [{"id": "A", "floor": 1}, {"id": "B", "floor": 2}],
             "books": [{"isbn": "978-0", "title": "Dune", "shelf": "A"}, {"isbn": "978-1", "title": "Emma", "shelf": "B"}]}


def test_a_third_integration_runs_through_the_core(tmp_path: Path) -> None:
    with SqliteStore(tmp_path / "graph.sqlite") as store:
        job = Job(default_registry(), store)
        first = asyncio.run(LIBRARY.run(job, LibraryInstance("shelf-scan", CATALOGUE))).accounts[0]
        catalogue = {**CATALOGUE, "books": CATALOGUE["books"][:1]}
        second = asyncio.run(LIBRARY.run(job, LibraryInstance("shelf-scan", catalogue))).accounts[0]
        closed = LibraryInstance("shelf-scan", {**catalogue, "books": []}, frozenset({"books"}))
        refused = asyncio.run(LIBRARY.run(job, closed)).accounts[0]
        books = sorted(entity["displayName"] for entity in store.entities(types=["library_book"]))
        history = store.runs()
        table = format_runs(history)
    assert first.status == "success" and first.summary is not None and first.summary.entities.created == 4
    assert second.summary is not None and second.summary.entities.deleted == 1  # Emma left the catalogue
    assert refused.status == "partial" and refused.report is not None
    [books_step] = [step for step in refused.report.steps if step.step_id == "books"]
    assert books_step.message == "the library denied GET /books"
    assert books == ["Dune"]  # a refused listing keeps what earlier runs stored
    assert {(run.integration, run.target_id, run.target_name, run.source) for run in history} == {
        ("library", "main-library", "Main library", "library:shelf-scan")}
    assert "main-library" in table
    diagnosis = asyncio.run(LIBRARY.diagnose(closed))
    assert not diagnosis.all_ready and diagnosis.format() == "refused: books"


def test_a_run_of_an_integration_that_cannot_start_is_recorded_with_its_target(tmp_path: Path) -> None:
    async def refuse(sink: Any) -> Any:
        raise IntegrationError("the library is closed")

    with SqliteStore(tmp_path / "graph.sqlite") as store:
        plan = TargetPlan("library", "main-library", "Main library", lambda report: "library:x", refuse,
                          known_source="library:x")
        run = asyncio.run(Job(default_registry(), store).run_target(LibraryInstance("x", {}), plan))
        [record] = store.runs()
    assert run.status == "failure" and run.error == "the library is closed"
    assert (record.integration, record.target_id, record.error) == ("library", "main-library", "the library is closed")


def test_a_store_from_before_targets_names_each_run_s_target(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path, isolation_level=None)
    db.executescript(BASE_SCHEMA)
    db.create_function("arn_region", 1, arn_region)
    for version in range(2, 6):
        for statement in MIGRATIONS[version]:
            db.execute(statement)
    db.execute("INSERT INTO meta VALUES ('schema_version', '5')")
    db.executemany("INSERT INTO runs (source, started_at, finished_at, status, summary, report) VALUES (?, 't', 't', ?, "
                   "'{}', ?)", [
                       ("aws:123456789012", "success", '{"accountId": "123456789012", "partition": "aws"}'),
                       ("", "failure", '{"accountId": "210987654321"}'),
                       ("aws:123456789012", "failure", "{}"),
                       ("import:hr", "success", "{}"),
                   ])
    db.close()
    with SqliteStore(path) as store:
        runs = {run.id: run for run in store.runs()}
        columns = store.select("SELECT id, integration, target_id FROM runs ORDER BY id")
    assert [(runs[i].integration, runs[i].target_id) for i in (1, 2, 3, 4)] == [
        ("aws", "123456789012"), ("aws", "210987654321"), ("aws", None), (None, None)]
    assert "accountId" not in runs[1].report and runs[1].report["partition"] == "aws"
    assert columns == [(1, "aws", "123456789012"), (2, "aws", "210987654321"), (3, "aws", None), (4, None, None)]
