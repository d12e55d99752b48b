"""The offline provider's output reads as content a person can follow and agrees with its
input, through the course builder's three stages: the outline's questions are numbered on
the topic, an answer is about its question, and the quiz keeps the outline's title and
counts the questions it was built from."""

from __future__ import annotations

import json

from orchable.worker.providers.offline import synthesise
from support.workers import ROOT


def test_the_offline_provider_writes_content_that_agrees_with_its_input():
    definition = json.loads((ROOT / "seeds/pipelines/course_builder.json").read_text())
    schemas = {stage["key"]: stage["output_schema"] for stage in definition["stages"]}

    outline = synthesise(schemas["outline"], {"topic": "owls"})
    assert outline["title"] == "Title on owls."
    assert [q["text"] for q in outline["questions"]] == [
        "Question 1 on owls.",
        "Question 2 on owls.",
        "Question 3 on owls.",
    ]

    second = {"item": outline["questions"][1], "item_index": 1, "topic": "owls"}
    question = synthesise(schemas["question"], second)
    assert question["question"] == "Question 2 on owls."
    assert question["answer"] == "Answer on Question 2 on owls."
    assert question["distractors"][0] == "Distractor 1 on Question 2 on owls."

    for count in (2, 3, 5):
        quiz = synthesise(
            schemas["quiz"],
            {"topic": "owls", "title": outline["title"], "questions": [question] * count},
        )
        assert quiz == {"title": "Title on owls.", "question_count": count}
