"""A small BPE tokenizer trained here and a 2-layer random-weight GPT-2, both saved to and loaded from tmp paths."""

from __future__ import annotations

import collections
import dataclasses
import inspect
import json
import os
import pathlib
import re
import typing
import warnings

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def corpus() -> list[str]:
    """English prose from the docstrings of a few standard-library modules (deterministic per Python)."""
    texts = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for module in (json, re, collections, inspect, dataclasses, typing, pathlib):
            texts += [doc for obj in vars(module).values() if isinstance(doc := getattr(obj, "__doc__", None), str)]
    return [t for t in texts if len(t) > 40]


@pytest.fixture(scope="session")
def tokenizer_path(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    tokenizers = pytest.importorskip("tokenizers")
    tokenizer = tokenizers.Tokenizer(tokenizers.models.BPE())
    tokenizer.pre_tokenizer = tokenizers.pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = tokenizers.decoders.ByteLevel()
    trainer = tokenizers.trainers.BpeTrainer(
        vocab_size=1024, initial_alphabet=tokenizers.pre_tokenizers.ByteLevel.alphabet(), show_progress=False
    )
    tokenizer.train_from_iterator(corpus(), trainer)
    path = tmp_path_factory.mktemp("tokenizer") / "tokenizer.json"
    tokenizer.save(str(path))
    return path


@pytest.fixture(scope="session")
def tiny_model_path(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    torch.manual_seed(0)
    config = transformers.GPT2Config(
        vocab_size=1024, n_layer=2, n_head=2, n_embd=64, n_positions=512, bos_token_id=0, eos_token_id=0
    )
    path = tmp_path_factory.mktemp("model")
    transformers.GPT2LMHeadModel(config).save_pretrained(path)
    return path


@pytest.fixture()
def one_thread():
    """Tiny models generate fastest on one thread; the previous setting is restored."""
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
