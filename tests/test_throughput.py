"""The writer's token counts and timings, as the run facts carry them."""

from briefing.backends.int8 import Generation
from briefing.backends.transformers import Int8Writer


def writer_with(stats: list[Generation]) -> Int8Writer:
    writer = object.__new__(Int8Writer)  # no weights: only the bookkeeping is tested
    writer.stats, writer.judged, writer.judge_seconds = stats, 3, 1.5
    return writer


def test_a_batch_counts_its_seconds_once_and_every_rows_tokens():
    # two prompts decoded together share the batch's timings; a third ran alone
    batch = {"batch_size": 2, "prefill_seconds": 2.0, "decode_seconds": 4.0, "decode_steps": 40}
    stats = [
        Generation("a", 100, 40, "eos", **batch),
        Generation("b", 80, 30, "eos", **batch),
        Generation("c", 60, 20, "length", 1, 1.0, 4.0, 20),
    ]
    figures = writer_with(stats).throughput_data()
    assert figures["prompt_tokens"] == 240 and figures["prefill_s"] == 3.0
    assert figures["prefill_tok_s"] == 80.0
    assert figures["new_tokens"] == 90 and figures["decode_s"] == 8.0
    assert figures["decode_tok_s"] == 11.25 and figures["batches"] == 2
    assert figures["entailment_questions"] == 3
    line = writer_with(stats).throughput()
    assert "read 240 prompt tokens in 3.0 s (80.0 tok/s)" in line
    assert "wrote 90 tokens in 8.0 s (11.2 tok/s over 2 batch(es))" in line


def test_no_generation_gives_zero_rates_not_an_error():
    figures = writer_with([]).throughput_data()
    assert figures["prefill_tok_s"] == 0.0 and figures["decode_tok_s"] == 0.0


def test_a_batch_stopped_at_once_reports_no_rate():
    stats = [Generation("", 500, 1, "time", 4, 50.0, 0.0004, 0)]
    assert writer_with(stats).throughput_data()["decode_tok_s"] == 0.0
