"""The pipeline shapes a chaos run can drive (`--shape`), each defined here only: its
stages in order (every shape is a line: each stage leads to the next), and from them the
pipeline JSON for upsert_orchestrator and what the checks need to know (the final stage,
the splits and merges, which stages wait for a person, how many tasks an input makes).

Every prompt starts with a tag, `[<stage> <n>/<i>/<j>...]`: the input's number `n`, then
the stage's `tag` keys read from the task's input (its branch indexes), so the fake
server's request log names the task each request was for (accounting.py). The input's
`n` reaches every stage by input_mapping. Every output is a JSON object (the checks
compare a 1:1 child's input with its parent's output by containment).

- split-merge (the default): outline -> item (1:N) -> merge (N:1).
- chain: outline -> draft -> review -> final, 1:1 hand-offs only.
- nested: outline -> section (1:N) -> item (1:N of each section) -> section_merge (N:1,
  per section) -> merge (N:1, per input): a split inside a split, merged twice
  (upsert_orchestrator keeps a stack of open splits; each N:1 closes the innermost).
- approval: outline -> item (1:N) -> merge (N:1) -> publish, where outline, item and merge
  wait in `generated` for a person (requires_approval); the run's approver (approver.py)
  approves them, some with an edited output (a split's list of another length, empty
  included), or rejects a seeded share (regenerate, or fail for good).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

Schema = dict[str, Any]


@dataclass(frozen=True)
class Stage:
    key: str
    body: str  # the template after the tag
    output: Schema  # its output_schema (the fake answers with a value that fits it)
    tag: tuple[str, ...] = ()  # input keys after n in the prompt's tag: its branch indexes
    cardinality: str = "1:1"
    split_path: str | None = None
    merge_path: str | None = None
    mapping: dict[str, str] = field(default_factory=lambda: {"n": "input.n"})
    requires_approval: bool = False

    @property
    def template(self) -> str:
        tag = "".join("/{{" + key + "}}" for key in ("n", *self.tag))[1:]
        return f"[{self.key} {tag}] {self.body}"


@dataclass(frozen=True)
class Merge:
    """An N:1 stage: it closes the split of `split`, whose tasks are children of a task of
    `source`; it fires once every branch completed `branch_end` (the stage before it), as
    a child of the source task."""

    stage: str
    branch_end: str
    split: str
    source: str


@dataclass(frozen=True)
class Shape:
    name: str
    summary: str  # for the run's first line, e.g. "outline -> 2 items -> merge"
    output_noun: str  # what the final stage's output is called in the checks' lines
    stages: tuple[Stage, ...]  # in order, each leading to the next; the first is the entry

    @property
    def entry(self) -> str:
        return self.stages[0].key

    @property
    def final(self) -> str:
        return self.stages[-1].key

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(s.key for s in self.stages)

    @property
    def approval_stages(self) -> tuple[str, ...]:
        return tuple(s.key for s in self.stages if s.requires_approval)

    @property
    def splits(self) -> tuple[str, ...]:
        return tuple(s.key for s in self.stages if s.cardinality == "1:N")

    def stage(self, key: str) -> Stage | None:
        return next((s for s in self.stages if s.key == key), None)

    def split_path_after(self, key: str) -> str | None:
        """The split_path of the 1:N stage that follows stage `key`, if one does."""
        return next(
            (c.split_path for p, c in self.edges() if p.key == key and c.cardinality == "1:N"),
            None,
        )

    def edges(self) -> list[tuple[Stage, Stage]]:
        """(stage, the stage it leads to), in order."""
        return list(pairwise(self.stages))

    def merges(self) -> list[Merge]:
        """Each N:1 stage with the split it closes (the innermost one open), as
        upsert_orchestrator pairs them."""
        open_splits: list[tuple[str, str]] = []  # (split stage, its source stage)
        found: list[Merge] = []
        for before, stage in self.edges():
            if stage.cardinality == "1:N":
                open_splits.append((stage.key, before.key))
            elif stage.cardinality == "N:1":
                split, source = open_splits.pop()
                found.append(Merge(stage.key, before.key, split, source))
        return found

    def tasks_per_input(self, fanout: int) -> int:
        """Tasks one input makes when nothing fails."""
        width, total = 1, 0
        for stage in self.stages:
            if stage.cardinality == "1:N":
                width *= fanout
            elif stage.cardinality == "N:1":
                width //= fanout
            total += width
        return total

    def definition(
        self, name: str, owner: str, ai_settings: dict[str, Any], max_retries: int
    ) -> dict[str, Any]:
        """The pipeline JSON for upsert_orchestrator."""
        stages: list[dict[str, Any]] = []
        for stage, after in zip(self.stages, [*self.keys[1:], None], strict=True):
            entry: dict[str, Any] = {"key": stage.key, "template": stage.template}
            if stage.cardinality != "1:1":
                entry["cardinality"] = stage.cardinality
            if stage.split_path:
                entry["split_path"] = stage.split_path
            if stage.merge_path:
                entry["merge_path"] = stage.merge_path
            if stage is not self.stages[0] and stage.mapping:
                entry["input_mapping"] = stage.mapping
            if stage.requires_approval:
                entry["requires_approval"] = True
            entry.update(ai_settings=ai_settings, output_schema=stage.output)
            entry["max_retries"] = max_retries
            if after:
                entry["next"] = [after]
            stages.append(entry)
        return {"name": name, "owner_id": owner, "entry": self.entry, "stages": stages}


def _text_field(name: str) -> Schema:
    return {"type": "object", "required": [name], "properties": {name: {"type": "string"}}}


def _listing(name: str, fanout: int) -> Schema:
    """An object whose `name` is an array of exactly `fanout` {"text"} objects (the fake
    answers with minItems elements)."""
    return {
        "type": "object",
        "required": [name],
        "properties": {
            name: {
                "type": "array",
                "minItems": fanout,
                "maxItems": fanout,
                "items": _text_field("text"),
            }
        },
    }


def _split_merge(fanout: int) -> Shape:
    return Shape(
        "split-merge",
        f"outline -> {fanout} items -> merge",
        "merged output",
        (
            Stage("outline", "List points on topic {{n}}.", _listing("points", fanout)),
            Stage(
                "item",
                "Expand: {{item.text}}",
                _text_field("answer"),
                tag=("item_index",),
                cardinality="1:N",
                split_path="points",
            ),
            Stage(
                "merge",
                "Merge: {{answers}}",
                _text_field("summary"),
                cardinality="N:1",
                merge_path="answers",
            ),
        ),
    )


def _chain(fanout: int) -> Shape:
    del fanout  # no split
    return Shape(
        "chain",
        "outline -> draft -> review -> final",
        "final output",
        (
            Stage("outline", "Write about topic {{n}}.", _text_field("text")),
            Stage("draft", "Draft from: {{text}}", _text_field("text")),
            Stage("review", "Review: {{text}}", _text_field("text")),
            Stage("final", "Finish: {{text}}", _text_field("summary")),
        ),
    )


def _nested(fanout: int) -> Shape:
    return Shape(
        "nested",
        f"outline -> {fanout} sections -> {fanout} items each -> section_merge -> merge",
        "merged output",
        (
            Stage("outline", "List sections on topic {{n}}.", _listing("sections", fanout)),
            Stage(
                "section",
                "List points of: {{item.text}}",
                _listing("points", fanout),
                tag=("item_index",),
                cardinality="1:N",
                split_path="sections",
            ),
            Stage(
                "item",
                "Expand: {{item.text}}",
                _text_field("answer"),
                tag=("s", "item_index"),
                cardinality="1:N",
                split_path="points",
                # Read from the parent, a section: its own branch index.
                mapping={"n": "input.n", "s": "input.item_index"},
            ),
            Stage(
                "section_merge",
                "Merge the section: {{answers}}",
                _text_field("summary"),
                tag=("s",),
                cardinality="N:1",
                merge_path="answers",
                # A merge's mapping reads the split task's input: here the section's.
                mapping={"n": "input.n", "s": "input.item_index"},
            ),
            Stage(
                "merge",
                "Merge the sections: {{sections}}",
                _text_field("summary"),
                cardinality="N:1",
                merge_path="sections",
            ),
        ),
    )


def _approval(fanout: int) -> Shape:
    return Shape(
        "approval",
        f"outline (approved) -> {fanout} items (approved) -> merge (approved) -> publish",
        "published output",
        (
            Stage(
                "outline",
                "List points on topic {{n}}.",
                _listing("points", fanout),
                requires_approval=True,
            ),
            Stage(
                "item",
                "Expand: {{item.text}}",
                _text_field("answer"),
                tag=("item_index",),
                cardinality="1:N",
                split_path="points",
                requires_approval=True,
            ),
            Stage(
                "merge",
                "Merge: {{answers}}",
                _text_field("summary"),
                cardinality="N:1",
                merge_path="answers",
                requires_approval=True,
            ),
            Stage("publish", "Publish: {{summary}}", _text_field("text")),
        ),
    )


BUILDERS = {
    "split-merge": _split_merge,
    "chain": _chain,
    "nested": _nested,
    "approval": _approval,
}
NAMES = tuple(BUILDERS)


def build(name: str, fanout: int) -> Shape:
    return BUILDERS[name](fanout)
