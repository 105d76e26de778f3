"""The bench harness's own logic that can be wrong: the ledger check, the result records and the JSON shape.
(No timings are asserted anywhere: the numbers are reported by ``make bench``, not tested.)"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from bench import report
from bench.ledger import Ack, highest_acks, lost_answers, read_acks
from bench.seed import blueprint_sections
from bench.storm import percentile


def test_the_ledger_passes_when_every_acknowledged_answer_is_stored():
    acks = [Ack(1, 3, 1, True), Ack(1, 3, 2, False), Ack(2, 1, 5, ["A", "C"])]
    stored = {(1, 3): (2, False), (2, 1): (5, ["C", "A"])}
    assert lost_answers(acks, stored) == []


def test_the_ledger_catches_a_missing_answer():
    acks = [Ack(1, 3, 1, True), Ack(1, 4, 1, "B")]
    problems = lost_answers(acks, {(1, 3): (1, True)})
    assert len(problems) == 1 and "position 4" in problems[0]


def test_the_ledger_catches_an_older_seq_and_a_different_response():
    acks = [Ack(1, 1, 7, True), Ack(1, 2, 3, "A")]
    problems = lost_answers(acks, {(1, 1): (6, True), (1, 2): (3, "B")})
    assert len(problems) == 2
    assert "stored seq 6" in problems[0] and "'B'" in problems[1]


def test_a_newer_stored_answer_than_the_last_acknowledged_one_is_not_a_loss():
    # The client sent seq 9 but its acknowledgement was lost on the way (e.g. an instance died): seq 9 is stored.
    assert lost_answers([Ack(1, 1, 8, True)], {(1, 1): (9, False)}) == []


def test_only_the_highest_acknowledged_seq_per_position_counts():
    best = highest_acks([Ack(1, 1, 2, "A"), Ack(1, 1, 5, "C"), Ack(1, 1, 4, "B")])
    assert best[(1, 1)].seq == 5 and best[(1, 1)].response == "C"


def test_acks_are_read_from_every_journey_process(tmp_path):
    (tmp_path / "acks-1.jsonl").write_text(json.dumps({"attempt_id": 1, "position": 2, "seq": 3,
                                                       "response": True}) + "\n")
    (tmp_path / "acks-2.jsonl").write_text("\n" + json.dumps({"attempt_id": 4, "position": 5, "seq": 6,
                                                              "response": ["A"]}) + "\n")
    assert sorted(read_acks(tmp_path), key=lambda a: a.attempt_id) == [Ack(1, 2, 3, True), Ack(4, 5, 6, ["A"])]


def _wrk(req_s, p99, errors=0, non2xx=0):
    return {"req_s": req_s, "p99_ms": p99, "p50_ms": p99 / 2, "max_ms": p99 * 2, "requests": int(req_s * 5),
            "errors": errors, "non2xx": non2xx}


def test_a_ratio_is_taken_against_the_mean_of_the_two_baselines():
    r = report.ratio_result("autosave", "sqlite", _wrk(1000, 10), _wrk(500, 20), _wrk(3000, 30), min_ratio=0.25,
                            p99_factor=4)
    assert r["baseline"]["req_s"] == 2000 and r["ratio"] == 0.25
    assert r["met"] is True  # 0.25 ≥ 0.25 and p99 20 ≤ 4 × 20
    slower = report.ratio_result("autosave", "sqlite", _wrk(1000, 10), _wrk(500, 81), _wrk(3000, 30),
                                 min_ratio=0.25, p99_factor=4)
    assert slower["met"] is False


def test_errors_fail_a_scenario_whatever_its_speed_and_count_as_harness_failures():
    r = report.ratio_result("verify", "postgresql", _wrk(100, 1), _wrk(100, 1, non2xx=3), _wrk(100, 1),
                            min_ratio=0.1)
    assert r["met"] is False
    assert report.harness_failures([r]) == ["verify (postgresql): 0 errors, 3 non-2xx answers"]
    journey = report.result("journey", "sqlite", req_s=10, p99_ms=20, goal="g", met=False,
                            details={"lost_answers": 2, "errors": 0})
    assert report.harness_failures([journey]) == ["journey (sqlite): 2 acknowledged answers lost"]


def test_the_results_document_has_its_shape_and_is_json():
    results = [report.ratio_result("submit", "sqlite", _wrk(900, 5), _wrk(300, 50), _wrk(1100, 7), min_ratio=0.25),
               report.result("paper draw", "sqlite", req_s=None, p99_ms=None, value_ms=0.4,
                             goal=report.GOALS["paper draw"], met=True, details={"median_ms": 0.4})]
    doc = report.document(results, machine={"cores": 2}, options={"quick": True}, backends=[{"backend": "sqlite"}],
                          started=datetime(2026, 1, 1, tzinfo=UTC), seconds=12.3)
    again = json.loads(json.dumps(doc))
    assert again["format"] == "exam-platform-bench/1"
    assert set(again) == {"format", "started_at", "seconds", "machine", "options", "backends", "results",
                          "harness_failures"}
    for r in again["results"]:
        assert {"scenario", "backend", "req_s", "ratio", "p99_ms", "value_ms", "baseline", "goal", "met",
                "details"} <= set(r)
    assert again["results"][0]["baseline"]["runs"][1]["req_s"] == 1100
    table = report.table(results)
    assert "submit" in table and "paper draw" in table and "0.30" in table


def test_percentiles_and_the_blueprint_split():
    assert percentile([5, 1, 3, 2, 4], 50) == 3
    assert percentile(list(range(1, 101)), 99) == 99
    assert [s["count"] for s in blueprint_sections(100)] == [60, 30, 10]
    assert sum(s["count"] for s in blueprint_sections(7)) == 7
