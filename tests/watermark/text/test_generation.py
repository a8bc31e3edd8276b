"""Generation-time watermark end to end: a local tokenizer and a tiny random model, detection from text alone.

Done-when of issue 6: generated with the processor -> z > 4 at >= 200 tokens scored; unwatermarked text of
the same length stays below the threshold across many seeds (the measured rate is printed with -s).
"""

from __future__ import annotations

import numpy as np
import pytest

from clearmark.watermark.text import TextWatermarkDetector, TextWatermarkKey, watermark_logits_processor

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

KEY = TextWatermarkKey.from_config("provider-secret-from-config")
PROMPT = "The function returns the value of"
NEW_TOKENS = 240


def _generate(model_path, tokenizer_path, batch: int, seed: int, processor=None) -> list[str]:
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(tokenizer_path))
    model = transformers.GPT2LMHeadModel.from_pretrained(model_path, local_files_only=True).eval()
    prompt = torch.tensor([tokenizer.encode(PROMPT).ids] * batch)
    extra = {"logits_processor": transformers.LogitsProcessorList([processor])} if processor is not None else {}
    torch.manual_seed(seed)
    with torch.no_grad():
        out = model.generate(
            prompt,
            attention_mask=torch.ones_like(prompt),
            do_sample=True,
            top_k=0,
            max_new_tokens=NEW_TOKENS,
            min_new_tokens=NEW_TOKENS,
            pad_token_id=0,
            **extra,
        )
    return [tokenizer.decode(row.tolist()) for row in out[:, prompt.shape[1] :]]


def test_watermarked_generation_is_detected_from_text(tiny_model_path, tokenizer_path, one_thread) -> None:
    texts = _generate(tiny_model_path, tokenizer_path, batch=6, seed=1, processor=watermark_logits_processor(KEY))
    detector = TextWatermarkDetector.from_path(tokenizer_path, KEY)
    scores = [detector.score(text) for text in texts]
    print("\nwatermarked z:", [round(s.z_score, 1) for s in scores], "tokens:", [s.tokens_scored for s in scores])
    assert all(s.tokens_scored >= 200 and s.z_score > 4 and s.detected for s in scores)
    wrong_key = TextWatermarkDetector.from_path(tokenizer_path, TextWatermarkKey.from_config("someone-else"))
    assert not any(wrong_key.score(text).detected for text in texts)


def test_unwatermarked_text_stays_below_threshold(tiny_model_path, tokenizer_path, one_thread) -> None:
    from tests.watermark.text.conftest import corpus

    detector = TextWatermarkDetector.from_path(tokenizer_path, KEY)
    texts = _generate(tiny_model_path, tokenizer_path, batch=96, seed=2)
    texts += _generate(tiny_model_path, tokenizer_path, batch=96, seed=3)
    prose = " ".join(corpus())
    texts += [prose[i : i + 1400] for i in range(0, min(len(prose) - 1400, 300 * 1400), 1400)]
    scores = [detector.score(text) for text in texts]
    zs = np.array([s.z_score for s in scores])
    claimed = sum(s.detected for s in scores)
    print(f"\nnull: n={len(zs)} mean={zs.mean():.2f} sd={zs.std():.2f} max={zs.max():.2f} claimed={claimed}")
    assert len(zs) >= 300 and min(s.tokens_scored for s in scores[:192]) >= 200
    assert claimed == 0 and zs.max() < KEY.z_threshold


def test_core_imports_stay_free_of_torch() -> None:
    import subprocess
    import sys

    code = (
        "import sys, clearmark.service.app, clearmark.detectors, clearmark.watermark.text, clearmark.media.documents;"
        "print('torch' in sys.modules or 'transformers' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
