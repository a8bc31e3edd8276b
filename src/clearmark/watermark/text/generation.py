"""The generation-time half of the text watermark: a logits processor for ``model.generate(...)``.

torch and transformers are imported only when a processor is built (the ``ml`` extra); the core
service never needs them.
"""

from __future__ import annotations

from typing import Any

from clearmark.watermark.text.greenlist import _MASK, TextWatermarkKey, mix32


def watermark_logits_processor(key: TextWatermarkKey) -> Any:
    """A ``transformers.LogitsProcessor`` adding ``key.delta`` to the logits of this step's green tokens.

    Use it as ``model.generate(..., do_sample=True, logits_processor=LogitsProcessorList([processor]))``.
    The green list depends only on the key and the previous token, so the text is detectable with the
    tokenizer and the key alone, whatever device or vocabulary padding generation used.

    Raises:
        ImportError: torch/transformers are not installed (install the ``ml`` extra).
    """
    import torch
    from transformers import LogitsProcessor

    token_seed, context_seed = key.seeds
    limit = key.green_limit
    delta = float(key.delta)

    class GreenListLogitsProcessor(LogitsProcessor):  # type: ignore[misc]
        """Kirchenbauer-style soft watermark with ClearMark's keyed integer-hash green list."""

        def __init__(self) -> None:
            self._token_hash: dict[tuple[int, str], torch.Tensor] = {}
            self.key_id = key.key_id

        def _hashes(self, vocab: int, device: torch.device) -> torch.Tensor:
            cache_key = (vocab, str(device))
            if cache_key not in self._token_hash:
                tokens = torch.arange(vocab, dtype=torch.int64, device=device)
                self._token_hash[cache_key] = mix32((tokens ^ token_seed) & _MASK)
            return self._token_hash[cache_key]

        def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
            if input_ids.shape[-1] < 1:
                return scores
            previous = input_ids[:, -1:].to(torch.int64)
            context_hash = mix32((previous ^ context_seed) & _MASK)
            green = mix32(self._hashes(scores.shape[-1], scores.device)[None, :] ^ context_hash) < limit
            return scores + delta * green.to(scores.dtype)

    return GreenListLogitsProcessor()
