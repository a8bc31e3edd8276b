"""Producer codes seen in real GB 45438 labels, as data: which service a label's ContentProducer names.

A producer code as the big Chinese services write it is ``001`` + ``1`` + the 18-character Unified
Social Credit Code (USCC) of the registering company + a 5-digit product suffix, e.g. Doubao's
``001191110102MACQD9K64010000`` and Jimeng's ``00119144030008867405X210001`` (both read from real
outputs, see ``tests/fixtures/generators/README.md``). The USCC names the company, so a table keyed
by USCC names the service whatever product suffix it uses.

Only codes found in public files are listed. Source of every row:
wiltodelta/remove-ai-watermarks (Apache-2.0), ``src/remove_ai_watermarks/watermark_registry.py`` at
commit f52e40ae245db73600c2cbbf9214e6a597d36598 (``tc260_producer_codes`` of each visible mark, which
that project harvested from the producers' own outputs); Doubao and Jimeng also confirmed by the
real files in ``tests/fixtures/generators``.
"""

from __future__ import annotations

from dataclasses import dataclass

PRODUCER_TABLE_VERSION = "2026.12.1"
_PREFIX = "0011"
_USCC_LENGTH = 18


@dataclass(frozen=True)
class KnownProducer:
    """A service whose GB 45438 labels carry this company's USCC in ContentProducer."""

    tool: str
    name: str
    company_code: str


KNOWN_PRODUCERS: tuple[KnownProducer, ...] = (
    KnownProducer("doubao", "ByteDance Doubao (豆包)", "91110102MACQD9K640"),
    KnownProducer("jimeng", "ByteDance Jimeng / Dreamina (即梦)", "9144030008867405X2"),
    KnownProducer("qwen", "Alibaba Qwen (千问)", "91440101MA9Y9T4H7A"),
    KnownProducer("kling", "Kuaishou Kling (可灵)", "91110108335469089C"),
    KnownProducer("tencent", "Tencent (元宝 Yuanbao, 混元 Hunyuan)", "91440300708461136T"),
    KnownProducer("baidu", "Baidu (百度, ERNIE/Wenxin)", "91110000802100433B"),
    KnownProducer("liblib", "LibLibAI", "91110105MACJ6K1C8A"),
    KnownProducer("runninghub", "RunningHub", "91340100MAEB4N8H76"),
)
# Bare names some producers write instead of a code (same source: Doubao's "doubao").
BARE_NAMES: dict[str, str] = {"doubao": "doubao", "runninghub": "runninghub"}

_BY_USCC = {producer.company_code: producer for producer in KNOWN_PRODUCERS}
_BY_TOOL = {producer.tool: producer for producer in KNOWN_PRODUCERS}


def company_code(producer_code: str) -> str:
    """The USCC inside a ``0011<USCC><suffix>`` producer code; the code itself when it has another shape."""
    code = producer_code.strip()
    if code.startswith(_PREFIX) and len(code) >= len(_PREFIX) + _USCC_LENGTH:
        return code[len(_PREFIX) : len(_PREFIX) + _USCC_LENGTH]
    return code


def producer_for(producer_code: str) -> KnownProducer | None:
    """The known service a ContentProducer value names, or None."""
    found = _BY_USCC.get(company_code(producer_code))
    if found is not None:
        return found
    tool = BARE_NAMES.get(producer_code.strip().lower())
    return _BY_TOOL.get(tool) if tool else None
