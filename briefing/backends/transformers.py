"""The transformers backend: the summarisation model and the embedder run in this process.

torch and transformers are imported inside the functions that need them so that
`briefing --help` stays instant. Loading never runs remote code and never unpickles weights:
GGUF is dequantized by transformers, everything else must be safetensors.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from briefing.backends.base import Say, StoppedForTime
from briefing.backends.weights import (
    cache_root,
    converted_gguf,
    ensure_weights,
    pull,
    quiet_transformers,
)
from briefing.config import Profile
from briefing.errors import ModelNotReady

log = logging.getLogger(__name__)


def _LoopStop(prompt_length: int, window: int = 20):
    """Stops generation once the last `window` tokens already occurred in this answer: small
    models fall into loops that repeat a sentence until the token limit, which only costs time
    (the verifier drops the repeats anyway)."""
    from transformers import StoppingCriteria

    from briefing.backends.int8 import ends_in_loop

    class LoopStop(StoppingCriteria):
        def __call__(self, input_ids, scores, **kwargs):
            return ends_in_loop(input_ids[0, prompt_length:].tolist(), window)

    return LoopStop()


def _TimeStop(max_seconds: float):
    """Stops generation once `max_seconds` have passed since it was made (checked after each
    decoding step), noting that it did: transformers' own `max_time` does not say."""
    import time

    from transformers import StoppingCriteria

    deadline = time.perf_counter() + max_seconds

    class TimeStop(StoppingCriteria):
        fired = False

        def __call__(self, input_ids, scores, **kwargs):
            if time.perf_counter() >= deadline:
                self.fired = True
            return self.fired

    return TimeStop()


class TransformersGenerator:
    """A causal LM with a chat template, greedy decoding (the same evidence gives the same text)."""

    def __init__(self, name: str, folder: Path, profile: Profile):
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        quiet_transformers()
        settings = profile.generation
        if settings.threads:
            torch.set_num_threads(settings.threads)
        self.name = name
        self.settings = settings
        self.tokenizer = AutoTokenizer.from_pretrained(folder)
        # float32: on CPUs without native bf16, float32 prefill is several times faster.
        self.model = AutoModelForCausalLM.from_pretrained(
            folder, dtype=torch.float32, use_safetensors=True, trust_remote_code=False
        )
        self.model.eval()
        if self.tokenizer.chat_template is None:
            raise ModelNotReady(f"profile {name!r}: the tokenizer has no chat template")

    @property
    def context_length(self) -> int | None:
        return getattr(self.model.config, "max_position_embeddings", None)

    def prompt_tokens(self, messages: list[dict[str, str]]) -> int:
        return len(self.tokenizer.apply_chat_template(messages, add_generation_prompt=True))

    def generate(
        self,
        messages: list[dict[str, str]],
        copy_from: str = "",
        max_new_tokens: int | None = None,
        max_seconds: float | None = None,
    ) -> str:
        import torch

        inputs = self.tokenizer.apply_chat_template(
            messages, add_generation_prompt=True, return_tensors="pt", return_dict=True
        )
        stops = [_LoopStop(inputs["input_ids"].shape[1])]
        timer = _TimeStop(max_seconds) if max_seconds is not None else None
        if timer is not None:
            stops.append(timer)
        processors = None
        if copy_from and self.settings.copy_only:
            processors = [self._copy_only(copy_from)]
        elif copy_from and self.settings.copy_bias:
            processors = [self._copy_bias(copy_from)]
        with torch.inference_mode():
            output = self.model.generate(
                **inputs,
                max_new_tokens=max_new_tokens or self.settings.max_new_tokens,
                stopping_criteria=stops,
                do_sample=False,
                repetition_penalty=self.settings.repetition_penalty,
                logits_processor=processors,
                pad_token_id=self.tokenizer.pad_token_id or self.tokenizer.eos_token_id,
            )
        new_tokens = output[0][inputs["input_ids"].shape[1] :]
        text = self.tokenizer.decode(new_tokens, skip_special_tokens=True).strip()
        return StoppedForTime(text) if timer is not None and timer.fired else text

    # Words a sentence needs besides the sources' own: joiners, punctuation, the answer form.
    CONNECTIVES = (
        ". , ; : ' \" ( ) - the a an and or but of in on at to for by from with after before "
        "was were is are has have had will would said says that which who its their his her "
        "also as than more about The A In On After Headline Summary \n"
    )

    def _copy_only(self, source: str):
        """A logits processor that lets the model write only the source's own tokens, in the
        source's order (each step: a token that occurs after the last one copied), or end.

        A small model that cannot write recombines words into relations the source never states
        ("Moore was fired." where an agent fired at Moore); deleting words but never reordering
        them keeps each clause as the source has it, and the verifier still checks the result.
        """
        import torch
        from transformers import LogitsProcessor

        # no leading space: an answer's first token is written without one
        source_ids = self.tokenizer(source.strip(), add_special_tokens=False)["input_ids"]
        ends = {
            i for i in (self.tokenizer.eos_token_id, self.tokenizer.pad_token_id) if i is not None
        }
        im_end = self.tokenizer.convert_tokens_to_ids("<|im_end|>")
        if isinstance(im_end, int) and im_end != self.tokenizer.unk_token_id:
            ends.add(im_end)
        ends_list = sorted(ends)

        class CopyOnly(LogitsProcessor):
            def __init__(self) -> None:
                self.prompt_length: int | None = None
                self.positions: list[int] = []

            def __call__(self, input_ids, scores):
                if self.prompt_length is None:
                    self.prompt_length = input_ids.shape[1]
                    self.positions = [-1] * input_ids.shape[0]
                elif input_ids.shape[1] > self.prompt_length:
                    for row in range(input_ids.shape[0]):
                        last = int(input_ids[row, -1])
                        after = self.positions[row] + 1
                        self.positions[row] = next(
                            (j for j in range(after, len(source_ids)) if source_ids[j] == last),
                            len(source_ids),
                        )
                mask = torch.full_like(scores, float("-inf"))
                for row in range(scores.shape[0]):
                    allowed = sorted(set(source_ids[self.positions[row] + 1 :])) + ends_list
                    allowed = [i for i in allowed if i < scores.shape[1]]
                    mask[row, allowed] = 0.0
                return scores + mask

        return CopyOnly()

    def _copy_bias(self, source: str):
        """A logits processor that favours the tokens of the source text.

        Small models invent names and numbers freely; adding a constant to the logits of tokens
        that occur in the evidence makes them rephrase the sources instead (on the bundled
        examples and seeds, SmolLM2-135M's share of sentences passing verification rose from 6
        of 27 to 21 of 27 with a bias of 6). Other tokens stay possible, only less likely.
        """
        import torch
        from transformers import LogitsProcessor

        ids: set[int] = set()
        for text in (source, " " + source, self.CONNECTIVES, " " + self.CONNECTIVES):
            ids.update(self.tokenizer(text, add_special_tokens=False)["input_ids"])
        if self.tokenizer.eos_token_id is not None:
            ids.add(self.tokenizer.eos_token_id)
        bias = torch.zeros(len(self.tokenizer))
        bias[sorted(i for i in ids if i < len(bias))] = self.settings.copy_bias

        class CopyBias(LogitsProcessor):
            def __call__(self, input_ids, scores):
                width = min(scores.shape[-1], bias.shape[0])
                scores[:, :width] += bias[:width]
                return scores

        return CopyBias()


class TransformersEmbedder:
    """Sentence embeddings: mean of the last hidden states over real tokens, unit length."""

    def __init__(self, name: str, folder: Path, profile: Profile, batch_size: int = 32):
        from transformers import AutoModel, AutoTokenizer

        quiet_transformers()
        self.name = name
        self.max_length = profile.max_length
        self.batch_size = batch_size
        self.tokenizer = AutoTokenizer.from_pretrained(folder)
        self.model = AutoModel.from_pretrained(
            folder, use_safetensors=True, trust_remote_code=False
        )
        self.model.eval()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        import torch

        dim = self.model.config.hidden_size
        if not texts:
            return np.zeros((0, dim), dtype=np.float32)
        # Batches of texts of similar length: a batch is padded to its longest text, so mixed
        # lengths waste most of the work on padding. Rows go back in the order asked.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        result = np.zeros((len(texts), dim), dtype=np.float32)
        with torch.inference_mode():
            for start in range(0, len(order), self.batch_size):
                chosen = order[start : start + self.batch_size]
                batch = self.tokenizer(
                    [texts[i] for i in chosen],
                    padding=True,
                    truncation=True,
                    max_length=self.max_length,
                    return_tensors="pt",
                )
                hidden = self.model(**batch).last_hidden_state
                mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                pooled = torch.nn.functional.normalize(pooled, dim=-1)
                result[chosen] = pooled.numpy()
        return result


class Int8Writer:
    """A writer whose Linear layers run in int8 (per-channel weights, dynamic activations),
    loaded from a cache converted once from its GGUF file (backends/int8.py). It writes several
    stories per call (`generate_many`) and judges entailment from its own yes/no logits."""

    def __init__(self, name: str, gguf: Path, profile: Profile, say: Say = log.info):
        from briefing.backends import int8

        quiet_transformers()
        self.name = name
        self.settings = profile.generation
        cache = cache_root() / "int8" / name
        self.kernel = profile.int8_kernel
        self.model, self.tokenizer = int8.load_quantized_writer(
            gguf, cache, threads=self.settings.threads, kernel=self.kernel, say=say
        )
        self.stats: list[int8.Generation] = []  # every generation of the run, for the log
        self.judged = 0
        self.judge_seconds = 0.0

    @property
    def context_length(self) -> int | None:
        return getattr(self.model.config, "max_position_embeddings", None)

    def prompt_tokens(self, messages: list[dict[str, str]]) -> int:
        return len(self.tokenizer.apply_chat_template(messages, add_generation_prompt=True))

    def generate(
        self,
        messages: list[dict[str, str]],
        copy_from: str = "",
        max_new_tokens: int | None = None,
        max_seconds: float | None = None,
    ) -> str:
        return self.generate_many([(messages, copy_from)], max_new_tokens, max_seconds)[0]

    def generate_many(
        self,
        requests: list[tuple[list[dict[str, str]], str]],
        max_new_tokens: int | None = None,
        max_seconds: float | None = None,
        may_end: Sequence[Callable[[str], bool] | None] | None = None,
    ) -> list[str]:
        """Answers to several prompts, decoded together (one batch per `batch_size`); after
        `max_seconds` for them all, each unfinished answer comes back as StoppedForTime.
        `may_end`, one per request, keeps an answer from ending too soon (int8.generate)."""
        from briefing.backends import int8

        results = int8.generate(
            self.model,
            self.tokenizer,
            [messages for messages, _ in requests],
            max_new_tokens=max_new_tokens or self.settings.max_new_tokens,
            batch_size=self.settings.batch_size,
            repetition_penalty=self.settings.repetition_penalty,
            max_seconds=max_seconds,
            may_end=may_end,
        )
        self.stats += results
        for result in results:
            log.debug(
                "writer: %d prompt tokens, %d new, batch of %d, prefill %.1f s, decode %.1f s (%s%s)",
                result.prompt_tokens,
                result.new_tokens,
                result.batch_size,
                result.prefill_seconds,
                result.decode_seconds,
                result.finish,
                f", kept from ending at {result.held} steps" if result.held else "",
            )
        return [
            StoppedForTime(result.text) if result.finish == "time" else result.text
            for result in results
        ]

    def entailment(self, pairs: Sequence[tuple[str, str]]) -> list[float]:
        import time

        from briefing.backends import int8

        started = time.perf_counter()
        scores = int8.entailment_probabilities(self.model, self.tokenizer, list(pairs))
        self.judge_seconds += time.perf_counter() - started
        self.judged += len(pairs)
        return scores

    def throughput_data(self) -> dict[str, float | int]:
        """Tokens read and written in this run and their seconds (each batch's timings once),
        for the run facts."""
        batches = {
            (r.prefill_seconds, r.decode_seconds, r.decode_steps, r.batch_size): r
            for r in self.stats
        }
        prompt = sum(r.prompt_tokens for r in self.stats)
        new = sum(r.new_tokens for r in self.stats)
        prefill = sum(key[0] for key in batches)
        decode = sum(key[1] for key in batches)
        return {
            "prompt_tokens": prompt,
            "prefill_s": round(prefill, 3),
            "prefill_tok_s": round(prompt / prefill, 2) if prefill >= 0.1 else 0.0,
            "new_tokens": new,
            "decode_s": round(decode, 3),
            # a batch stopped right after its first token decodes nothing worth a rate
            "decode_tok_s": round(new / decode, 2) if decode >= 0.1 else 0.0,
            "batches": len(batches),
            "entailment_questions": self.judged,
            "entailment_s": round(self.judge_seconds, 3),
        }

    def throughput(self) -> str:
        """Tokens read and written in this run, and how fast, for the log."""
        f = self.throughput_data()
        return (
            f"writer: read {f['prompt_tokens']} prompt tokens in {f['prefill_s']:.1f} s "
            f"({f['prefill_tok_s']:.1f} tok/s), wrote {f['new_tokens']} tokens in "
            f"{f['decode_s']:.1f} s ({f['decode_tok_s']:.1f} tok/s over "
            f"{f['batches']} batch(es)); {f['entailment_questions']} entailment question(s) in "
            f"{f['entailment_s']:.1f} s"
        )


def load_generator(
    name: str, profile: Profile, say: Say = log.info, allow_pull: bool = True
) -> TransformersGenerator | Int8Writer:
    folder = ensure_weights(name, profile, say, allow_pull)
    if profile.gguf_file and profile.quantize == "int8":
        return Int8Writer(name, folder / profile.gguf_file, profile, say)
    if profile.gguf_file:
        folder = converted_gguf(name, folder, profile.gguf_file, say)
    return TransformersGenerator(name, folder, profile)


def load_embedder(
    name: str, profile: Profile, say: Say = log.info, allow_pull: bool = True
) -> TransformersEmbedder:
    folder = ensure_weights(name, profile, say, allow_pull)
    return TransformersEmbedder(name, folder, profile)


def check(name: str, profile: Profile) -> None:
    """Nothing to reach: the weights are checked when they are loaded."""


def prepare(name: str, profile: Profile, say: Say = log.info, force: bool = False) -> Path:
    """The profile's weights fetched and checked, and a GGUF file converted once."""
    folder = pull(name, profile, say=say, force=force)
    if profile.gguf_file and profile.quantize == "int8":
        from briefing.backends import int8

        gguf = folder / profile.gguf_file
        cache = cache_root() / "int8" / name
        if force or not int8.cache_is_current(gguf, cache):
            say(f"converting {gguf.name} to an int8 cache (once; later runs load it in seconds)")
            int8.convert_gguf_to_int8(gguf, cache, say=say)
    elif profile.gguf_file:
        converted_gguf(name, folder, profile.gguf_file, say=say)
    return folder
