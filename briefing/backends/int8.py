"""Int8 (per-channel) CPU writer from a GGUF causal LM (qwen2 architecture).

Used by `backends.transformers.Int8Writer`. torch, transformers and gguf are imported inside
the functions so that importing this module stays instant.

Kernels (measured on Qwen2.5-Coder-1.5B, 2-core CPU, benchmarks/RESULTS.md): torch's dynamic
quantisation (int8 activations, one 7-bit range per tensor) decodes fastest but broke the
answer format and gave entailment scores that changed with the batch; "weight-only" (int8
weights, bfloat16 activations for decoding, float32 sgemm on dequantized weights for prefill)
writes what float32 writes at about a third of its memory; "row-scaled" multiplies with
fbgemm, each row's activations quantised on their own (the same in any batch): prompts read
about 1.8x and answers written about 1.4x faster than weight-only. The profile chooses
(`int8_kernel`).

Pipeline:

* `convert_gguf_to_int8` reads the GGUF file tensor by tensor (plain file reads, no mmap, so the
  file never counts towards RSS), dequantizes each tensor in row chunks with the `gguf` package,
  quantizes every Linear weight (lm_head included) to int8 with one scale per output row
  (exactly what `torch.ao.quantization.quantize_dynamic` with `per_channel_dynamic_qconfig`
  produces), and streams the result into a safetensors file. The float32 model never exists.
* `load_int8_cache` builds the model skeleton on the meta device, reads the safetensors file with
  plain reads (no pickle, no mmap) and puts in `torch.ao.nn.quantized.dynamic.Linear` modules.
  The token embedding stays float (bfloat16 by default, cast to float32 on lookup).
* `load_quantized_writer` = convert once if needed, then load.
* `generate` (batched, greedy, left padding, stop strings) and `entailment_probabilities`.

Nothing here runs remote code: the config and tokenizer come from the GGUF metadata through
transformers' own GGUF support (`trust_remote_code=False`).
"""

from __future__ import annotations

import collections
import concurrent.futures
import json
import os
import struct
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from briefing.backends.weights import new_folder

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import torch

FORMAT = "briefing-int8-per-channel-v1"
WEIGHTS_FILE = "model.safetensors"
STAMP_FILE = "source.json"

# GGUF (llama.cpp) tensor names -> transformers Qwen2/Llama names.
_GLOBAL_NAMES = {
    "token_embd.weight": "model.embed_tokens.weight",
    "output_norm.weight": "model.norm.weight",
    "output.weight": "lm_head.weight",
}
_BLOCK_NAMES = {
    "attn_norm.weight": "input_layernorm.weight",
    "ffn_norm.weight": "post_attention_layernorm.weight",
    "attn_q.weight": "self_attn.q_proj.weight",
    "attn_q.bias": "self_attn.q_proj.bias",
    "attn_k.weight": "self_attn.k_proj.weight",
    "attn_k.bias": "self_attn.k_proj.bias",
    "attn_v.weight": "self_attn.v_proj.weight",
    "attn_v.bias": "self_attn.v_proj.bias",
    "attn_output.weight": "self_attn.o_proj.weight",
    "ffn_gate.weight": "mlp.gate_proj.weight",
    "ffn_up.weight": "mlp.up_proj.weight",
    "ffn_down.weight": "mlp.down_proj.weight",
}
_LINEAR_SUFFIXES = (
    "q_proj.weight", "k_proj.weight", "v_proj.weight", "o_proj.weight",
    "gate_proj.weight", "up_proj.weight", "down_proj.weight",
)  # fmt: skip
_SUPPORTED_ARCHITECTURES = ("qwen2", "llama")  # llama would need the q/k un-permutation: refused

_ST_DTYPES = {"I8": 1, "I64": 8, "F64": 8, "F32": 4, "BF16": 2, "F16": 2}


# --------------------------------------------------------------------------- small helpers


def hf_name(gguf_name: str) -> str:
    """The transformers parameter name for a GGUF tensor name (qwen2 layout)."""
    if gguf_name in _GLOBAL_NAMES:
        return _GLOBAL_NAMES[gguf_name]
    parts = gguf_name.split(".", 2)
    if len(parts) == 3 and parts[0] == "blk" and parts[2] in _BLOCK_NAMES:
        return f"model.layers.{int(parts[1])}.{_BLOCK_NAMES[parts[2]]}"
    raise ValueError(f"unexpected GGUF tensor {gguf_name!r}")


def _is_linear_weight(name: str) -> bool:
    return name == "lm_head.weight" or name.endswith(_LINEAR_SUFFIXES)


def _torch_dtype(code: str) -> torch.dtype:
    import torch

    return {
        "I8": torch.int8, "I64": torch.int64, "F64": torch.float64,
        "F32": torch.float32, "BF16": torch.bfloat16, "F16": torch.float16,
    }[code]  # fmt: skip


def _st_code(dtype: torch.dtype) -> str:
    import torch

    return {
        torch.int8: "I8", torch.int64: "I64", torch.float64: "F64",
        torch.float32: "F32", torch.bfloat16: "BF16", torch.float16: "F16",
    }[dtype]  # fmt: skip


def _gguf_stamp(gguf_path: Path, embedding_dtype: str) -> dict[str, Any]:
    st = gguf_path.stat()
    return {
        "format": FORMAT,
        "gguf": str(gguf_path.resolve()),
        "size": st.st_size,
        "mtime": st.st_mtime,
        "embedding_dtype": embedding_dtype,
    }


def cache_is_current(gguf_path: str | os.PathLike, cache_dir: str | os.PathLike,
                     embedding_dtype: str = "bfloat16") -> bool:  # fmt: skip
    """True when `cache_dir` holds a finished conversion of exactly this GGUF file."""
    marker = Path(cache_dir) / STAMP_FILE
    try:
        return json.loads(marker.read_text()) == _gguf_stamp(Path(gguf_path), embedding_dtype)
    except (OSError, ValueError):
        return False


# --------------------------------------------------------------------------- safetensors I/O
# Own streaming writer/reader for the (simple, documented) safetensors layout: 8-byte
# little-endian header length, JSON header, raw little-endian tensor bytes. The writer streams
# tensors as they are produced (the header is computed up front from the shapes); the reader
# uses plain reads into fresh buffers, so neither pickles nor maps the file. Files written
# here open with `safetensors.safe_open` as usual.


class _SafetensorsStreamWriter:
    def __init__(self, path: Path, plan: list[tuple[str, str, tuple[int, ...]]],
                 metadata: dict[str, str]):  # fmt: skip
        header: dict[str, Any] = {"__metadata__": metadata}
        offset = 0
        self._expected: list[tuple[str, int]] = []
        for name, code, shape in plan:
            nbytes = _ST_DTYPES[code]
            for dim in shape:
                nbytes *= dim
            header[name] = {
                "dtype": code,
                "shape": list(shape),
                "data_offsets": [offset, offset + nbytes],
            }
            self._expected.append((name, nbytes))
            offset += nbytes
        raw = json.dumps(header, separators=(",", ":")).encode()
        raw += b" " * (-len(raw) % 8)
        self._file = open(path, "wb")  # noqa: SIM115 (closed in close())
        self._file.write(struct.pack("<Q", len(raw)))
        self._file.write(raw)
        self._next = 0

    def write(self, name: str, tensor: torch.Tensor) -> None:
        expected_name, nbytes = self._expected[self._next]
        if name != expected_name:
            raise RuntimeError(f"safetensors stream: expected {expected_name}, got {name}")
        flat = tensor.detach().contiguous().reshape(-1).view(__import__("torch").uint8)
        if flat.numel() != nbytes:
            raise RuntimeError(f"safetensors stream: {name} has {flat.numel()} bytes, not {nbytes}")
        self._file.write(flat.numpy().data)
        self._next += 1

    def close(self) -> None:
        if self._next != len(self._expected):
            raise RuntimeError("safetensors stream: not every planned tensor was written")
        self._file.close()


class SafetensorsReader:
    """Tensors of a safetensors file read one at a time on request, with plain file reads into
    fresh buffers: no pickle, no mmap (so only the tensors still alive count towards RSS)."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self._file = open(self.path, "rb", buffering=0)  # noqa: SIM115 (closed in close())
        (length,) = struct.unpack("<Q", self._file.read(8))
        header = json.loads(self._file.read(length))
        self.metadata: dict[str, str] = header.pop("__metadata__", None) or {}
        self.header: dict[str, Any] = header
        self._base = 8 + length
        size = self.path.stat().st_size
        for name, info in header.items():
            if info["dtype"] not in _ST_DTYPES or self._base + info["data_offsets"][1] > size:
                raise ValueError(f"{self.path}: bad or truncated entry {name!r}")

    def keys(self) -> list[str]:
        return list(self.header)

    def get(self, name: str) -> torch.Tensor:
        import torch

        info = self.header[name]
        begin, end = info["data_offsets"]
        buf = torch.empty(end - begin, dtype=torch.uint8)
        view = buf.numpy().data
        got = 0
        while got < len(view):
            n = os.preadv(self._file.fileno(), [view[got:]], self._base + begin + got)
            if not n:
                raise ValueError(f"{self.path}: truncated at tensor {name}")
            got += n
        return buf.view(_torch_dtype(info["dtype"])).reshape(info["shape"])

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> SafetensorsReader:  # noqa: PYI034
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_safetensors(path: str | os.PathLike) -> dict[str, torch.Tensor]:
    """All tensors of a safetensors file (plain reads, no pickle, no mmap)."""
    with SafetensorsReader(path) as reader:
        return {name: reader.get(name) for name in reader.header}


# --------------------------------------------------------------------------- conversion


def _read_gguf_rows(f, tensor, start: int, stop: int) -> np.ndarray:
    """Raw rows [start, stop) of a GGUF tensor, by plain reads (tensor.data is a memmap view;
    only its shape and dtype are used, so the mapping is never touched)."""
    import numpy as np

    shape = tensor.data.shape
    dtype = tensor.data.dtype
    row_items = int(np.prod(shape[1:])) if len(shape) > 1 else 1
    if len(shape) == 1:
        start, stop = 0, shape[0]
    row_bytes = row_items * dtype.itemsize
    buf = np.empty((stop - start) * row_items, dtype=dtype)
    f.seek(tensor.data_offset + start * row_bytes)
    f.readinto(buf.data.cast("B"))
    return buf.reshape((stop - start, *shape[1:]) if len(shape) > 1 else shape)


def _dequantize_rows(f, tensor, start: int, stop: int) -> np.ndarray:
    import numpy as np
    from gguf.quants import dequantize

    raw = _read_gguf_rows(f, tensor, start, stop)
    return np.ascontiguousarray(dequantize(raw, tensor.tensor_type), dtype=np.float32)


def _quantize_rows(weight: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Per-row symmetric int8 as (int8 rows, float64 scales, int64 zero points), computed exactly
    as `quantize_dynamic(..., {nn.Linear: per_channel_dynamic_qconfig})` does
    (PerChannelMinMaxObserver + quantize_per_channel; tested bit-identical). Rows are
    independent, so chunks of rows give the same result as the whole matrix."""
    import torch

    with warnings.catch_warnings():  # torch deprecates quantized tensors (pytorch#184982)
        warnings.simplefilter("ignore")
        from torch.ao.quantization.observer import PerChannelMinMaxObserver

        observer = PerChannelMinMaxObserver(ch_axis=0, dtype=torch.qint8,
                                            qscheme=torch.per_channel_symmetric)  # fmt: skip
        observer(weight)
        scales, zero_points = observer.calculate_qparams()
        q = torch.quantize_per_channel(weight, scales.to(torch.double),
                                       zero_points.to(torch.int64), 0, torch.qint8)  # fmt: skip
        return q.int_repr(), q.q_per_channel_scales(), q.q_per_channel_zero_points()


def _model_files_from_gguf(gguf_path: Path, out: Path) -> None:
    """config.json, generation_config.json and tokenizer files derived from the GGUF metadata."""
    from transformers import AutoConfig, AutoTokenizer, GenerationConfig

    folder, name = str(gguf_path.parent), gguf_path.name
    config = AutoConfig.from_pretrained(folder, gguf_file=name, trust_remote_code=False)
    if getattr(config, "quantization_config", None) is not None:
        del config.quantization_config
    config.tie_word_embeddings = False  # set again in convert when output.weight is absent
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name, trust_remote_code=False)
    config.save_pretrained(out)
    tokenizer.save_pretrained(out)
    eos = [tokenizer.convert_tokens_to_ids(t) for t in ("<|im_end|>", "<|endoftext|>")]
    eos = [i for i in eos if isinstance(i, int) and i != tokenizer.unk_token_id]
    if config.eos_token_id is not None and config.eos_token_id not in eos:
        eos.insert(0, config.eos_token_id)
    GenerationConfig(
        bos_token_id=config.bos_token_id,
        eos_token_id=eos or config.eos_token_id,
        pad_token_id=tokenizer.pad_token_id if tokenizer.pad_token_id is not None else eos[-1],
        do_sample=False,
    ).save_pretrained(out)


def convert_gguf_to_int8(
    gguf_path: str | os.PathLike,
    cache_dir: str | os.PathLike,
    *,
    embedding_dtype: str = "bfloat16",
    chunk_rows: int = 8192,
    say: Callable[[str], None] = lambda message: None,
) -> Path:
    """Convert a GGUF causal LM into `cache_dir` (int8 per-channel Linear weights + float rest).

    Streams tensor by tensor: peak extra memory is about one chunk of `chunk_rows` float32 rows
    plus one int8 matrix. Writes into a temporary folder and renames it into place, so an
    interrupted conversion never leaves a half cache. Returns `cache_dir`.
    """
    import torch
    from gguf import GGUFReader

    gguf_path = Path(gguf_path)
    cache_dir = Path(cache_dir)
    if embedding_dtype not in ("bfloat16", "float32"):
        raise ValueError("embedding_dtype must be 'bfloat16' or 'float32'")
    reader = GGUFReader(str(gguf_path))
    arch_field = reader.fields["general.architecture"]
    arch = bytes(arch_field.parts[arch_field.data[0]]).decode()
    if arch != "qwen2":
        raise ValueError(f"{gguf_path.name}: architecture {arch!r} is not supported (qwen2 only)")
    tensors = {t.name: t for t in reader.tensors}
    tied = "output.weight" not in tensors

    # The plan: every output tensor with dtype and shape, in file order.
    plan: list[tuple[str, str, tuple[int, ...]]] = []
    jobs: list[tuple[str, str]] = []  # (gguf name, hf name)
    order = list(tensors)
    if tied:
        order.append("token_embd.weight#lm_head")
    for gname in order:
        t = tensors[gname.split("#")[0]]
        name = "lm_head.weight" if gname.endswith("#lm_head") else hf_name(gname)
        rows = int(t.shape[-1]) if len(t.shape) > 1 else int(t.shape[0])
        cols = int(t.shape[0]) if len(t.shape) > 1 else 0
        if _is_linear_weight(name):
            plan += [(name, "I8", (rows, cols)), (name + "_scale", "F64", (rows,)),
                     (name + "_zero_point", "I64", (rows,))]  # fmt: skip
        elif name == "model.embed_tokens.weight":
            plan.append((name, "BF16" if embedding_dtype == "bfloat16" else "F32", (rows, cols)))
        else:
            plan.append((name, "F32", (rows, cols) if cols else (rows,)))
        jobs.append((gname, name))

    with new_folder(cache_dir) as tmp:
        _model_files_from_gguf(gguf_path, tmp)
        if tied:
            config = json.loads((tmp / "config.json").read_text())
            config["tie_word_embeddings"] = False  # lm_head gets its own int8 copy
            (tmp / "config.json").write_text(json.dumps(config, indent=2))
        writer = _SafetensorsStreamWriter(tmp / WEIGHTS_FILE, plan, {"format": FORMAT})
        started = time.perf_counter()
        with open(gguf_path, "rb", buffering=0) as f:
            for index, (gname, name) in enumerate(jobs):
                t = tensors[gname.split("#")[0]]
                rows = int(t.shape[-1]) if len(t.shape) > 1 else int(t.shape[0])
                if len(t.shape) == 1:
                    writer.write(name, torch.from_numpy(_dequantize_rows(f, t, 0, rows)))
                    continue
                pieces: list[list[torch.Tensor]] = []
                for start in range(0, rows, chunk_rows):
                    w = torch.from_numpy(
                        _dequantize_rows(f, t, start, min(rows, start + chunk_rows))
                    )
                    if _is_linear_weight(name):
                        pieces.append(list(_quantize_rows(w)))
                    elif embedding_dtype == "bfloat16":
                        pieces.append([w.to(torch.bfloat16)])
                    else:
                        pieces.append([w])
                    del w
                parts = [torch.cat(p) if len(p) > 1 else p[0] for p in zip(*pieces, strict=True)]
                del pieces
                if _is_linear_weight(name):
                    writer.write(name, parts[0])
                    writer.write(name + "_scale", parts[1].to(torch.float64))
                    writer.write(name + "_zero_point", parts[2].to(torch.int64))
                else:
                    writer.write(name, parts[0])
                del parts
                if index % 50 == 0:
                    say(
                        f"converted {index + 1}/{len(jobs)} tensors "
                        f"({time.perf_counter() - started:.0f} s)"
                    )
        writer.close()
        (tmp / STAMP_FILE).write_text(json.dumps(_gguf_stamp(gguf_path, embedding_dtype)))
    return cache_dir


# --------------------------------------------------------------------------- loading


def _float_embedding(weight: torch.Tensor):
    """An nn.Embedding stand-in that stores `weight` (e.g. bfloat16) as a buffer and returns
    float32 rows; as a buffer it does not change `model.dtype`."""
    import torch

    class FloatEmbedding(torch.nn.Module):
        weight: torch.Tensor

        def __init__(self, w: torch.Tensor):
            super().__init__()
            self.register_buffer("weight", w, persistent=False)
            self.num_embeddings, self.embedding_dim = w.shape
            self.padding_idx = None

        def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
            return torch.nn.functional.embedding(input_ids, self.weight).to(torch.float32)

    return FloatEmbedding(weight)


_MODULE_CLASSES: dict[str, type] = {}


def _module_classes() -> dict[str, type]:
    """The Linear replacements, defined on first use (torch is imported lazily)."""
    if _MODULE_CLASSES:
        return _MODULE_CLASSES
    import torch
    from torch.ao.nn.quantized.dynamic import Linear as DynamicLinear

    class Int8DynamicLinear(DynamicLinear):
        """torch's dynamic int8 Linear (fbgemm/x86), with the activation range choosable:
        stock `quantize_dynamic` modules always pass reduce_range=True (7-bit activations)."""

        reduce_range = True

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.ops.quantized.linear_dynamic(
                x, self._packed_params._packed_params, reduce_range=self.reduce_range
            )

        def _get_name(self) -> str:
            return "Int8DynamicLinear"

    class Int8WeightOnlyLinear(torch.nn.Module):
        """int8 weights with per-row scales and float activations (no activation quantisation).

        Few rows (decoding): torch._weight_int8pack_mm with bfloat16 activations (its AVX2
        kernel; the float32 variant is scalar and ~10x slower). Many rows (prefill): the weight
        is dequantized to float32 for this call and multiplied with MKL sgemm."""

        dequantize_from_rows = 64
        weight: torch.Tensor
        scales: torch.Tensor
        scales_bf16: torch.Tensor
        bias: torch.Tensor | None

        def __init__(self, weight: torch.Tensor, scales: torch.Tensor, bias: torch.Tensor | None):
            super().__init__()
            self.out_features, self.in_features = weight.shape
            self.register_buffer("weight", weight.contiguous(), persistent=False)
            self.register_buffer("scales", scales.to(torch.float32), persistent=False)
            self.register_buffer("scales_bf16", scales.to(torch.bfloat16), persistent=False)
            self.register_buffer("bias", None if bias is None else bias.float(), persistent=False)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            shape = x.shape
            rows = x.reshape(-1, shape[-1])
            if rows.shape[0] >= self.dequantize_from_rows:
                w = self.weight.to(torch.float32).mul_(self.scales[:, None])
                return torch.nn.functional.linear(x, w, self.bias)
            y = torch._weight_int8pack_mm(rows.to(torch.bfloat16), self.weight,
                                          self.scales_bf16).to(torch.float32)  # fmt: skip
            if self.bias is not None:
                y = y + self.bias
            return y.reshape(*shape[:-1], self.out_features)

        def extra_repr(self) -> str:
            return f"in_features={self.in_features}, out_features={self.out_features}, int8 per-row"

    class Int8RowScaledLinear(torch.nn.Module):
        """int8 weights times activations quantised per row to 7 bits (fbgemm's dynamic int8
        GEMM, which reads int8 weights faster than `_weight_int8pack_mm` does).

        fbgemm quantises a call's whole input with one range. Each row is scaled to a largest
        magnitude of 1 first, and an anchor row holding -1 and 1 is appended, so that range is
        always [-1, 1]: every row is quantised on its own, the same in any batch (a one-range
        input broke the answer format and moved entailment scores with the batch). Outputs are
        scaled back by each row's magnitude. Prompts (many rows) go the same way: unpacking the
        weight to multiply in float32 cost more than the multiplication."""

        def __init__(self, weight: torch.Tensor, scales: torch.Tensor, bias: torch.Tensor | None):
            super().__init__()
            self.out_features, self.in_features = weight.shape
            with warnings.catch_warnings():  # torch deprecates quantized tensors (pytorch#184982)
                warnings.simplefilter("ignore")
                q = torch._make_per_channel_quantized_tensor(
                    weight.contiguous(), scales.to(torch.double),
                    torch.zeros(self.out_features, dtype=torch.int64), 0,
                )  # fmt: skip
                self._packed = torch.ops.quantized.linear_prepack(q, None)
            self.register_buffer("bias", None if bias is None else bias.float(), persistent=False)
            anchor = torch.zeros(1, self.in_features)
            anchor[0, 0], anchor[0, -1] = -1.0, 1.0
            self.register_buffer("anchor", anchor, persistent=False)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            shape = x.shape
            rows = x.reshape(-1, shape[-1]).float()
            magnitude = rows.abs().amax(dim=1, keepdim=True).clamp_min(1e-12)
            scaled = torch.cat([rows / magnitude, self.anchor])
            # 7-bit activations (reduce_range): on AVX2 without VNNI, fbgemm sums pairs of
            # 8-bit products in 16 bits, which saturate with the full range (8% error measured)
            y = torch.ops.quantized.linear_dynamic(scaled, self._packed, reduce_range=True)
            y = y[:-1] * magnitude
            if self.bias is not None:
                y = y + self.bias
            return y.reshape(*shape[:-1], self.out_features)

        def extra_repr(self) -> str:
            return (
                f"in_features={self.in_features}, out_features={self.out_features}, "
                "int8 per-row weights and activations"
            )

    _MODULE_CLASSES.update(
        dynamic=Int8DynamicLinear, weight_only=Int8WeightOnlyLinear, row_scaled=Int8RowScaledLinear
    )
    return _MODULE_CLASSES


def _int8_linear(qweight: torch.Tensor, scales: torch.Tensor, zero_points: torch.Tensor,
                 bias: torch.Tensor | None, kernel: str = "weight-only"):  # fmt: skip
    """A Linear replacement around int8 rows and their scales.

    kernel "dynamic": torch dynamic quantisation (int8 activations, 7-bit range as stock),
    "dynamic-8bit": the same with the full 8-bit activation range, "weight-only": float
    (bfloat16) activations times int8 weights, "row-scaled": activations quantised per row
    (7 bits) times int8 weights, by fbgemm. The dynamic module is built 1x1 and then given
    the real weight: its constructor would otherwise allocate and pack a full-size dummy."""
    import torch

    classes = _module_classes()
    if kernel in ("weight-only", "row-scaled"):
        if bool((zero_points != 0).any()):
            raise ValueError(f"{kernel} kernel needs symmetric (zero-point 0) weights")
        kind = "weight_only" if kernel == "weight-only" else "row_scaled"
        return classes[kind](qweight, scales.float(), bias)
    out_features, in_features = qweight.shape
    with warnings.catch_warnings():  # torch deprecates quantized tensors (pytorch#184982)
        warnings.simplefilter("ignore")
        q = torch._make_per_channel_quantized_tensor(qweight, scales.to(torch.double),
                                                     zero_points.to(torch.int64), 0)  # fmt: skip
        module = classes["dynamic"](1, 1, bias_=bias is not None, dtype=torch.qint8)
        module.set_weight_bias(q, bias)
    module.in_features, module.out_features = in_features, out_features
    if kernel == "dynamic-8bit":
        module.reduce_range = False
    elif kernel != "dynamic":
        raise ValueError(f"unknown kernel {kernel!r}")
    return module


def _release_free_memory() -> None:
    """Give freed heap memory back to the OS (glibc keeps freed medium blocks otherwise)."""
    import contextlib
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def load_int8_cache(
    cache_dir: str | os.PathLike,
    *,
    attn_implementation: str = "sdpa",
    threads: int | None = None,
    kernel: str = "weight-only",
) -> tuple[Any, Any]:
    """(model, tokenizer) from a folder written by `convert_gguf_to_int8`; no pickle, no remote
    code. The tokenizer pads on the left (for batched generation)."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer, GenerationConfig

    cache_dir = Path(cache_dir)
    if threads:
        torch.set_num_threads(threads)
    stamp = json.loads((cache_dir / STAMP_FILE).read_text())
    if stamp.get("format") != FORMAT:
        raise ValueError(f"{cache_dir}: not a {FORMAT} cache")
    config = AutoConfig.from_pretrained(cache_dir, trust_remote_code=False)
    tokenizer = AutoTokenizer.from_pretrained(cache_dir, trust_remote_code=False)
    tokenizer.padding_side = "left"
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token

    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(
            config, trust_remote_code=False, attn_implementation=attn_implementation,
            dtype=torch.float32,
        )  # fmt: skip
    with SafetensorsReader(cache_dir / WEIGHTS_FILE) as reader:
        pending = set(reader.header)

        def take(name: str) -> torch.Tensor:
            pending.remove(name)
            return reader.get(name)

        # Packing a weight for fbgemm (row-scaled) takes about 20 s for the 1.5B model on one
        # thread: the layers are built on as many threads as torch uses, a few in flight.
        workers = max(1, torch.get_num_threads())
        with concurrent.futures.ThreadPoolExecutor(workers) as pool:
            in_flight: collections.deque = collections.deque()
            for module_name, module in list(model.named_modules()):
                if not isinstance(module, torch.nn.Linear):
                    continue
                has_bias = f"{module_name}.bias" in pending
                if (module.bias is None) == has_bias:
                    raise ValueError(f"{cache_dir}: bias mismatch for {module_name}")
                future = pool.submit(
                    _int8_linear,
                    take(f"{module_name}.weight"),
                    take(f"{module_name}.weight_scale"),
                    take(f"{module_name}.weight_zero_point"),
                    take(f"{module_name}.bias") if has_bias else None,
                    kernel=kernel,
                )
                in_flight.append((module_name, future))
                while len(in_flight) > 2 * workers:
                    done_name, done = in_flight.popleft()
                    model.set_submodule(done_name, done.result())
            for done_name, done in in_flight:
                model.set_submodule(done_name, done.result())
        model.model.embed_tokens = _float_embedding(take("model.embed_tokens.weight"))
        for name in sorted(pending):
            module_name, _, attr = name.rpartition(".")
            owner = model.get_submodule(module_name)
            setattr(owner, attr, torch.nn.Parameter(take(name), requires_grad=False))
    # Non-persistent buffers (rotary inv_freq) were created on meta: rebuild them on CPU.
    for module_name, module in model.named_modules():
        if any(b.is_meta for b in module.buffers(recurse=False)):
            if hasattr(module, "rope_init_fn") or "rotary" in type(module).__name__.lower():
                with torch.device("cpu"):
                    rebuilt = type(module)(config=config)
                model.set_submodule(module_name, rebuilt)
            else:
                raise ValueError(f"meta buffer left in {module_name} ({type(module).__name__})")
    leftovers = [
        n for n, p in list(model.named_parameters()) + list(model.named_buffers()) if p.is_meta
    ]
    if leftovers:
        raise ValueError(f"{cache_dir}: weights missing for {leftovers[:5]}")
    model.generation_config = GenerationConfig.from_pretrained(cache_dir)
    _release_free_memory()
    model.eval()
    model.requires_grad_(False)
    return model, tokenizer


def load_quantized_writer(
    gguf_path: str | os.PathLike,
    cache_dir: str | os.PathLike,
    *,
    threads: int | None = None,
    embedding_dtype: str = "bfloat16",
    attn_implementation: str = "sdpa",
    kernel: str = "weight-only",
    say: Callable[[str], None] = lambda message: None,
) -> tuple[Any, Any]:
    """(model, tokenizer): the GGUF model with every Linear int8 per-channel (dynamic
    quantisation), converted into `cache_dir` on first use and loaded from there afterwards."""
    if not cache_is_current(gguf_path, cache_dir, embedding_dtype):
        say(f"converting {Path(gguf_path).name} to an int8 cache (once)")
        convert_gguf_to_int8(gguf_path, cache_dir, embedding_dtype=embedding_dtype, say=say)
    return load_int8_cache(
        cache_dir, attn_implementation=attn_implementation, threads=threads, kernel=kernel
    )


# --------------------------------------------------------------------------- generation


@dataclass
class Generation:
    """One prompt's answer. Timings are those of the batch the prompt ran in."""

    text: str
    prompt_tokens: int
    new_tokens: int
    finish: str  # "eos", "stop", "loop", "length" or "time" (stopped at its time limit)
    batch_size: int
    prefill_seconds: float
    decode_seconds: float
    decode_steps: int
    held: int = 0  # steps at which its may_end check kept the answer from ending


def _prompt_texts(tokenizer: Any, prompts: Sequence[str | list[dict[str, str]]]) -> list[str]:
    texts = []
    for prompt in prompts:
        if isinstance(prompt, str):
            texts.append(prompt)
        else:
            texts.append(tokenizer.apply_chat_template(prompt, tokenize=False,
                                                       add_generation_prompt=True))  # fmt: skip
    return texts


def _length_batches(lengths: Sequence[int], batch_size: int) -> list[list[int]]:
    """Indices grouped into batches of similar length (less padding)."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    return [order[i : i + batch_size] for i in range(0, len(order), max(1, batch_size))]


def ends_in_loop(tokens: list[int], window: int) -> bool:
    """True when the last `window` tokens already occurred earlier in `tokens`: a model looping."""
    if window <= 0 or len(tokens) < 2 * window:
        return False
    tail = tokens[-window:]
    earlier = tokens[:-window]
    return any(earlier[i : i + window] == tail for i in range(len(earlier) - window + 1))


class _RowState:
    """Per-row bookkeeping of one generate() call."""

    def __init__(self, rows: int):
        self.finish = [""] * rows  # "", "eos", "stop", "loop"
        self.stop_at = [0] * rows  # new tokens kept for each row
        self.held = [0] * rows  # steps at which the row was kept from ending (may_end)
        self.steps = 0
        self.first_token_at: float | None = None


def _watch(state: _RowState, tokenizer: Any, width: int, eos_ids: set[int],
           stop: tuple[str, ...], loop_window: int,
           deadline: float | None = None) -> Any:  # fmt: skip
    """A StoppingCriteria that ends each row at EOS, a stop string or a loop, per row, ends
    every unfinished row once `deadline` (time.perf_counter) has passed, and notes when the
    first new token arrived (end of prefill)."""
    import torch
    from transformers import StoppingCriteria

    class Watch(StoppingCriteria):
        def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor, **kwargs: Any) -> Any:
            now = time.perf_counter()
            if state.first_token_at is None:
                state.first_token_at = now
            state.steps += 1
            late = deadline is not None and now >= deadline
            done = torch.zeros(input_ids.shape[0], dtype=torch.bool)
            for row in range(input_ids.shape[0]):
                if not state.finish[row]:
                    new = input_ids[row, width:].tolist()
                    if new and new[-1] in eos_ids:
                        state.finish[row], state.stop_at[row] = "eos", len(new)
                    elif stop and any(
                        s in tokenizer.decode(new, skip_special_tokens=True) for s in stop
                    ):
                        state.finish[row], state.stop_at[row] = "stop", len(new)
                    elif ends_in_loop(new, loop_window):
                        state.finish[row], state.stop_at[row] = "loop", len(new)
                    elif late:
                        state.finish[row], state.stop_at[row] = "time", len(new)
                done[row] = bool(state.finish[row])
            return done

    return Watch()


# How many tokens an answer may be held from ending (see `may_end`): a model with nothing more
# to say then writes a fragment or a loop, which the verifier rejects anyway.
HOLD_TOKENS = 64


def _hold_end(state: _RowState, tokenizer: Any, width: int, eos_ids: set[int],
              checks: Sequence[Callable[[str], bool] | None]) -> Any:  # fmt: skip
    """A LogitsProcessor that forbids a row's end-of-answer tokens while its check says the
    answer so far may not end (greedy decoding: only asked when EOS is the row's best token),
    for at most HOLD_TOKENS tokens after the first refusal."""
    from transformers import LogitsProcessor

    ends = sorted(eos_ids)
    held_from: list[int | None] = [None] * len(checks)

    class HoldEnd(LogitsProcessor):
        def __call__(self, input_ids: Any, scores: Any) -> Any:
            new_count = input_ids.shape[1] - width
            for row, check in enumerate(checks):
                if check is None or state.finish[row] or int(scores[row].argmax()) not in eos_ids:
                    continue
                first = held_from[row]
                if first is not None and new_count - first >= HOLD_TOKENS:
                    continue
                if not check(tokenizer.decode(input_ids[row, width:], skip_special_tokens=True)):
                    held_from[row] = new_count if first is None else first
                    state.held[row] += 1
                    scores[row, ends] = -float("inf")
            return scores

    return HoldEnd()


def generate(
    model: Any,
    tokenizer: Any,
    prompts: Sequence[str | list[dict[str, str]]],
    *,
    max_new_tokens: int = 200,
    stop: Sequence[str] = (),
    batch_size: int = 4,
    repetition_penalty: float | None = None,
    loop_window: int = 20,
    logits_processor: Any = None,
    max_seconds: float | None = None,
    may_end: Sequence[Callable[[str], bool] | None] | None = None,
    **generate_kwargs: Any,
) -> list[Generation]:
    """Greedy answers, one per prompt (chat messages or ready-made text), in input order.

    Prompts are grouped by length into batches of `batch_size` and left-padded. A row stops at
    an EOS token, at the first of the `stop` strings (the returned text ends before it), when
    its last `loop_window` tokens already occurred in its answer, at `max_new_tokens`, or (every
    row still writing, finish "time") once `max_seconds` have passed since the call began: the
    time limit is checked after each decoding step, so a prefill is never cut short.
    `may_end`, one per prompt (None: no check), is asked with the answer so far whenever the
    model would end it; while it says False the model must go on (at most HOLD_TOKENS more),
    so that a writer asked for two sentences cannot stop after one.
    Prefill time is measured up to the first new token; decode time covers the other steps
    (a finished row keeps riding along in its batch until all rows are done). Extra keyword
    arguments go to `model.generate` (e.g. cache_implementation="static").
    """
    import torch
    from transformers import LogitsProcessorList, StoppingCriteriaList

    texts = _prompt_texts(tokenizer, prompts)
    encoded = [tokenizer(t, add_special_tokens=False)["input_ids"] for t in texts]
    eos = model.generation_config.eos_token_id
    eos_ids = set(eos if isinstance(eos, list) else [eos] if eos is not None else [])
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else next(iter(eos_ids))
    results: list[Generation | None] = [None] * len(texts)
    tokenizer.padding_side = "left"
    deadline = None if max_seconds is None else time.perf_counter() + max_seconds

    for batch in _length_batches([len(e) for e in encoded], batch_size):
        if deadline is not None and time.perf_counter() >= deadline:
            for index in batch:  # the time is up before this batch began: nothing written
                results[index] = Generation("", len(encoded[index]), 0, "time", len(batch),
                                            0.0, 0.0, 0)  # fmt: skip
            continue
        inputs = tokenizer([texts[i] for i in batch], add_special_tokens=False, padding=True,
                           return_tensors="pt")  # fmt: skip
        width = inputs["input_ids"].shape[1]
        n = len(batch)
        state = _RowState(n)
        watch = _watch(state, tokenizer, width, eos_ids, tuple(stop), loop_window, deadline)
        processors = LogitsProcessorList(logits_processor or [])
        checks = [may_end[i] for i in batch] if may_end is not None else []
        if any(check is not None for check in checks):
            processors.append(_hold_end(state, tokenizer, width, eos_ids, checks))
        start = time.perf_counter()
        with torch.inference_mode():
            output = model.generate(
                **inputs,
                max_new_tokens=max_new_tokens,
                do_sample=False,
                repetition_penalty=repetition_penalty,
                stopping_criteria=StoppingCriteriaList([watch]),
                logits_processor=processors,
                pad_token_id=pad_id,
                eos_token_id=sorted(eos_ids) or None,
                **generate_kwargs,
            )
        end = time.perf_counter()
        first = state.first_token_at if state.first_token_at is not None else end
        prefill, decode = first - start, end - first
        finish, stop_at = state.finish, state.stop_at
        for row, index in enumerate(batch):
            new = output[row, width:].tolist()
            if not finish[row]:
                finish[row], stop_at[row] = "length", len(new)
            kept = new[: stop_at[row]]
            text = tokenizer.decode(kept, skip_special_tokens=True)
            if finish[row] == "stop":
                cut = min((text.find(s) for s in stop if s in text), default=len(text))
                text = text[:cut]
            results[index] = Generation(
                text=text.strip(),
                prompt_tokens=int(inputs["attention_mask"][row].sum()),
                new_tokens=len(kept),
                finish=finish[row],
                batch_size=n,
                prefill_seconds=prefill,
                decode_seconds=decode,
                decode_steps=max(0, state.steps - 1),
                held=state.held[row],
            )
    return [r for r in results if r is not None]


# --------------------------------------------------------------------------- entailment

ENTAILMENT_SYSTEM = "You are a careful fact checker for a news desk."
ENTAILMENT_QUESTION = "Do the source lines support every claim of the sentence? Answer Yes or No."


def _answer_token_ids(tokenizer: Any, words: Sequence[str]) -> list[int]:
    ids: set[int] = set()
    for word in words:
        for variant in (word, " " + word):
            encoded = tokenizer(variant, add_special_tokens=False)["input_ids"]
            if len(encoded) == 1:
                ids.add(encoded[0])
    return sorted(ids)


def entailment_messages(premise: str, hypothesis: str) -> list[dict[str, str]]:
    """The chat messages of one yes/no support question."""
    return [
        {"role": "system", "content": ENTAILMENT_SYSTEM},
        {"role": "user",
         "content": f"Source lines:\n{premise}\n\nSentence: {hypothesis}\n\n{ENTAILMENT_QUESTION}"},
    ]  # fmt: skip


def entailment_probabilities(
    model: Any,
    tokenizer: Any,
    pairs: Sequence[tuple[str, str]],
    batch_size: int = 8,
) -> list[float]:
    """For each (premise, hypothesis), P(Yes) / (P(Yes) + P(No)) for the first answer token of
    the chat-templated support question. Batched with left padding; only the last position's
    logits are computed. Yes/No each sum over the variants Yes/yes/YES (and with a leading
    space) that are single tokens."""
    import torch

    if not pairs:
        return []
    yes_ids = _answer_token_ids(tokenizer, ("Yes", "yes", "YES"))
    no_ids = _answer_token_ids(tokenizer, ("No", "no", "NO"))
    texts = _prompt_texts(tokenizer, [entailment_messages(p, h) for p, h in pairs])
    lengths = [len(tokenizer(t, add_special_tokens=False)["input_ids"]) for t in texts]
    tokenizer.padding_side = "left"
    scores = [0.0] * len(texts)
    with torch.inference_mode():
        for batch in _length_batches(lengths, batch_size):
            inputs = tokenizer([texts[i] for i in batch], add_special_tokens=False, padding=True,
                               return_tensors="pt")  # fmt: skip
            logits = model(**inputs, logits_to_keep=1, use_cache=False).logits[:, -1, :].float()
            logp = torch.log_softmax(logits, dim=-1)
            yes = torch.logsumexp(logp[:, yes_ids], dim=-1)
            no = torch.logsumexp(logp[:, no_ids], dim=-1)
            prob = torch.sigmoid(yes - no)
            for row, index in enumerate(batch):
                scores[index] = float(prob[row])
    return scores
