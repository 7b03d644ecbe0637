"""The int8 writer backend: conversion, the safetensors stream, the kernels, the cache stamp.
The real model runs in tests/test_e2e.py (the writer profile) and benchmarks."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest
import torch

from briefing.backends import int8 as w

GGUF = (
    Path.home()
    / ".cache/briefing/models/qwen2.5-coder-1.5b/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
)


def test_hf_names() -> None:
    assert w.hf_name("token_embd.weight") == "model.embed_tokens.weight"
    assert w.hf_name("output.weight") == "lm_head.weight"
    assert w.hf_name("blk.3.attn_q.bias") == "model.layers.3.self_attn.q_proj.bias"
    assert w.hf_name("blk.27.ffn_down.weight") == "model.layers.27.mlp.down_proj.weight"
    assert w.hf_name("blk.0.attn_norm.weight") == "model.layers.0.input_layernorm.weight"
    with pytest.raises(ValueError):
        w.hf_name("blk.0.something.weight")
    assert w._is_linear_weight("lm_head.weight")
    assert not w._is_linear_weight("model.norm.weight")


def test_safetensors_stream_roundtrip(tmp_path: Path) -> None:
    from safetensors import safe_open

    tensors = {
        "a": torch.randint(-128, 127, (3, 5), dtype=torch.int8),
        "b": torch.randn(7, dtype=torch.float64),
        "c": torch.randn(2, 3).to(torch.bfloat16),
        "d": torch.arange(4, dtype=torch.int64),
        "e": torch.randn(4, 4),
    }
    plan = [(k, w._st_code(v.dtype), tuple(v.shape)) for k, v in tensors.items()]
    writer = w._SafetensorsStreamWriter(tmp_path / "x.safetensors", plan, {"format": "t"})
    for k, v in tensors.items():
        writer.write(k, v)
    writer.close()
    back = w.read_safetensors(tmp_path / "x.safetensors")
    with safe_open(str(tmp_path / "x.safetensors"), "pt") as f:  # valid for the real library too
        assert f.metadata() == {"format": "t"}
        for k, v in tensors.items():
            assert torch.equal(back[k], v)
            assert torch.equal(f.get_tensor(k), v)


def test_stream_writer_refuses_wrong_order(tmp_path: Path) -> None:
    writer = w._SafetensorsStreamWriter(
        tmp_path / "x.safetensors", [("a", "F32", (2,)), ("b", "F32", (2,))], {}
    )
    with pytest.raises(RuntimeError):
        writer.write("b", torch.zeros(2))


def test_reader_rejects_truncated(tmp_path: Path) -> None:
    writer = w._SafetensorsStreamWriter(tmp_path / "x.safetensors", [("a", "F32", (1000,))], {})
    writer.write("a", torch.zeros(1000))
    writer.close()
    data = (tmp_path / "x.safetensors").read_bytes()
    (tmp_path / "x.safetensors").write_bytes(data[:-10])
    with pytest.raises(ValueError):
        w.SafetensorsReader(tmp_path / "x.safetensors")


def _reference_dynamic(linear: torch.nn.Linear) -> torch.nn.Module:
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return quantize_dynamic(
            torch.nn.Sequential(linear),
            {torch.nn.Linear: per_channel_dynamic_qconfig},
            dtype=torch.qint8,
        )[0]


def test_quantize_rows_is_quantize_dynamic_per_channel() -> None:
    torch.manual_seed(0)
    linear = torch.nn.Linear(64, 48)
    ref = _reference_dynamic(linear).weight()
    q, scales, zps = w._quantize_rows(linear.weight.detach())
    assert torch.equal(q, ref.int_repr())
    assert torch.equal(scales, ref.q_per_channel_scales())
    assert torch.equal(zps, ref.q_per_channel_zero_points())
    # chunked rows give the same result
    parts = [w._quantize_rows(linear.weight.detach()[i : i + 16]) for i in range(0, 48, 16)]
    assert torch.equal(torch.cat([p[0] for p in parts]), q)


def test_dynamic_kernel_matches_stock_module() -> None:
    torch.manual_seed(1)
    linear = torch.nn.Linear(64, 32)
    q, scales, zps = w._quantize_rows(linear.weight.detach())
    mine = w._int8_linear(q, scales, zps, linear.bias.detach(), kernel="dynamic")
    stock = _reference_dynamic(linear)
    x = torch.randn(2, 5, 64)
    assert torch.equal(mine(x), stock(x))
    assert (mine.in_features, mine.out_features) == (64, 32)


@pytest.mark.parametrize("rows", [1, 3, 200])
def test_weight_only_kernel_close_to_float(rows: int) -> None:
    torch.manual_seed(2)
    linear = torch.nn.Linear(128, 96)
    q, scales, zps = w._quantize_rows(linear.weight.detach())
    module = w._int8_linear(q, scales, zps, linear.bias.detach(), kernel="weight-only")
    dequantized = q.float() * scales.float()[:, None]
    x = torch.randn(1, rows, 128)
    expected = torch.nn.functional.linear(x, dequantized, linear.bias.detach())
    got = module(x)
    assert got.shape == expected.shape and got.dtype == torch.float32
    assert ((got - expected).norm() / expected.norm()).item() < 1e-2


@pytest.mark.parametrize("rows", [1, 3, 200])
def test_row_scaled_kernel_close_to_float(rows: int) -> None:
    torch.manual_seed(3)
    linear = torch.nn.Linear(128, 96)
    q, scales, zps = w._quantize_rows(linear.weight.detach())
    module = w._int8_linear(q, scales, zps, linear.bias.detach(), kernel="row-scaled")
    dequantized = q.float() * scales.float()[:, None]
    x = torch.randn(1, rows, 128)
    expected = torch.nn.functional.linear(x, dequantized, linear.bias.detach())
    got = module(x)
    assert got.shape == expected.shape and got.dtype == torch.float32
    # 8-bit rows: the row's largest value sets the step (an outlier channel coarsens the rest)
    assert ((got - expected).norm() / expected.norm()).item() < 2e-2


def test_row_scaled_kernel_quantises_each_row_alone() -> None:
    """A row's output does not depend on the rows decoded beside it (one activation range
    for the whole batch moved entailment scores by up to 0.63 with the batch)."""
    torch.manual_seed(4)
    linear = torch.nn.Linear(64, 32)
    q, scales, zps = w._quantize_rows(linear.weight.detach())
    module = w._int8_linear(q, scales, zps, linear.bias.detach(), kernel="row-scaled")
    row = torch.randn(1, 64)
    loud = torch.randn(3, 64) * 50
    loud[:, 0] = -400  # a batch whose range is far wider than the row's own
    alone = module(row)
    beside = module(torch.cat([row, loud]))[:1]
    assert torch.equal(alone, beside)


def test_float_embedding_returns_float32() -> None:
    weight = torch.randn(10, 4).to(torch.bfloat16)
    emb = w._float_embedding(weight)
    out = emb(torch.tensor([[1, 2, 3]]))
    assert out.dtype == torch.float32 and torch.equal(out[0, 0], weight[1].float())
    assert not list(emb.parameters())  # a buffer: does not change model.dtype


def test_repeats_and_batches() -> None:
    assert w.ends_in_loop([1, 2, 3, 1, 2, 3], 3)
    assert not w.ends_in_loop([1, 2, 3, 4, 5, 6], 3)
    assert not w.ends_in_loop([1, 2, 1, 2], 0)
    batches = w._length_batches([5, 1, 9, 3, 7], 2)
    assert batches == [[1, 3], [0, 4], [2]]


def test_cache_is_current(tmp_path: Path) -> None:
    gguf = tmp_path / "m.gguf"
    gguf.write_bytes(b"x")
    assert not w.cache_is_current(gguf, tmp_path / "cache")
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / w.STAMP_FILE).write_text(json.dumps(w._gguf_stamp(gguf, "bfloat16")))
    assert w.cache_is_current(gguf, tmp_path / "cache")
    assert not w.cache_is_current(gguf, tmp_path / "cache", "float32")


def test_module_import_is_light() -> None:
    import subprocess
    import sys

    code = (
        "import sys; import briefing.backends.int8; "
        "print('torch' in sys.modules, 'transformers' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["False", "False"]


def test_an_answer_kept_from_ending_until_its_check_passes() -> None:
    class Tokenizer:
        def decode(self, ids, skip_special_tokens=True):
            return " ".join(str(int(i)) for i in ids)

    eos = 0
    state = w._RowState(3)
    asked: list[str] = []

    def two_tokens(text: str) -> bool:
        asked.append(text)
        return len(text.split()) >= 2

    hold = w._hold_end(state, Tokenizer(), 1, {eos}, [two_tokens, None, two_tokens])
    ids = torch.tensor([[9, 5], [9, 5], [9, 5]])  # prompt width 1, one new token each
    scores = torch.tensor([[5.0, 1.0, 0.0], [5.0, 1.0, 0.0], [0.0, 5.0, 1.0]])
    out = hold(ids, scores.clone())
    assert out[0, eos] == -float("inf") and out[0].argmax() == 1  # held: one token is too few
    assert out[1, eos] == 5.0  # no check: the row ends where the model ends it
    assert torch.equal(out[2], scores[2])  # EOS not its best token: the check is not asked
    assert asked == ["5"] and state.held == [1, 0, 0]
    longer = torch.tensor([[9, 5, 6]])
    state = w._RowState(1)
    hold = w._hold_end(state, Tokenizer(), 1, {eos}, [two_tokens])
    assert hold(longer, torch.tensor([[5.0, 1.0]]))[0, eos] == 5.0  # two tokens: it may end


def test_an_answer_is_held_at_most_hold_tokens() -> None:
    class Tokenizer:
        def decode(self, ids, skip_special_tokens=True):
            return "x"

    state = w._RowState(1)
    hold = w._hold_end(state, Tokenizer(), 0, {0}, [lambda text: False])
    scores = torch.tensor([[5.0, 1.0]])
    assert hold(torch.zeros((1, 3), dtype=torch.long), scores.clone())[0, 0] == -float("inf")
    late = torch.zeros((1, 3 + w.HOLD_TOKENS), dtype=torch.long)
    assert hold(late, scores.clone())[0, 0] == 5.0
