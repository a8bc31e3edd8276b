"""The generator fingerprint rule pack: which metadata field, holding what, betrays which generation tool.

Data, not code: every rule names the fields it reads (``png:<keyword>`` for a PNG text chunk,
``exif:<Tag>`` for an EXIF field, ``xmp:<prefix>:<Property>`` for an XMP property), the
patterns that must all match the field's text, and patterns whose named groups become evidence.
Rules are tried in order, so a more specific rule (Forge, Fooocus) comes before the general one
(AUTOMATIC1111) that would also match; the first rule that matches a field claims it.
"""

from __future__ import annotations

from dataclasses import dataclass

RULE_PACK = "clearmark-fingerprints"
RULE_PACK_VERSION = "2026.11.1"


@dataclass(frozen=True)
class FingerprintRule:
    """One tool's marker: where it appears, what it looks like, how sure a match makes us."""

    rule_id: str
    tool: str
    fields: tuple[str, ...]
    patterns: tuple[str, ...]
    confidence: float
    captures: tuple[str, ...] = ()
    description: str = ""


# Where generators put their parameters outside PNG text chunks.
_PARAMETER_FIELDS = ("png:parameters", "exif:UserComment", "xmp:exif:UserComment")
_A1111_CORE = (r"Steps: \d+", r"Sampler: [^,\n]+")
_A1111_CAPTURES = (
    r"Steps: (?P<steps>\d+)",
    r"Sampler: (?P<sampler>[^,\n]+)",
    r"Model hash: (?P<model_hash>[0-9a-fA-F]{8,12})",
    r"Model: (?P<model>[^,\n]+)",
    r"Version: (?P<version>[^,\n]+)",
    r"(?P<negative_prompt>Negative prompt:)",
)
_COMFY_CAPTURES = (r'"ckpt_name"\s*:\s*"(?P<model>[^"]{1,200})"', r'"class_type"\s*:\s*"(?P<first_node>[^"]{1,80})"')
_MIDJOURNEY_FLAGS = r"(?<!\w)--(?:v|version|ar|aspect|niji|style|stylize|s|q|quality|chaos|c|seed|weird|w|tile|raw)\b"

FINGERPRINT_RULES: tuple[FingerprintRule, ...] = (
    FingerprintRule(
        "fooocus.scheme",
        "fooocus",
        ("png:fooocus_scheme",),
        (r"^\s*(?:fooocus|a1111)\s*$",),
        0.95,
        (r"(?P<scheme>fooocus|a1111)",),
        "Fooocus names the metadata scheme it wrote in a fooocus_scheme chunk",
    ),
    FingerprintRule(
        "fooocus.parameters",
        "fooocus",
        _PARAMETER_FIELDS,
        (r"(?i)\"version\"\s*:\s*\"Fooocus|Version: Fooocus|\"metadata_scheme\"\s*:\s*\"fooocus\"",),
        0.95,
        (r"(?i)(?P<version>Fooocus v?[\d.]+)", r'"base_model"\s*:\s*"(?P<model>[^"]{1,200})"'),
        "Fooocus parameters (its JSON scheme, or the A1111 scheme with a Fooocus version)",
    ),
    FingerprintRule(
        "forge.parameters",
        "forge",
        _PARAMETER_FIELDS,
        (*_A1111_CORE, r"Version: f\d+\.\d+"),
        0.95,
        _A1111_CAPTURES,
        "Stable Diffusion WebUI Forge: the A1111 parameter text with a Forge version (f…)",
    ),
    FingerprintRule(
        "a1111.parameters",
        "automatic1111",
        _PARAMETER_FIELDS,
        _A1111_CORE,
        0.95,
        _A1111_CAPTURES,
        "AUTOMATIC1111 (and compatible UIs): prompt, 'Negative prompt:', 'Steps: …, Sampler: …, Model hash: …'",
    ),
    FingerprintRule(
        "comfyui.prompt",
        "comfyui",
        ("png:prompt", "exif:Model", "exif:Make", "exif:ImageDescription"),
        (r"^\s*(?:prompt:\s*)?\{", r'"class_type"\s*:\s*"'),
        0.95,
        _COMFY_CAPTURES,
        "ComfyUI's API prompt graph (JSON nodes with class_type); in WebP EXIF as 'prompt:{…}'",
    ),
    FingerprintRule(
        "comfyui.workflow",
        "comfyui",
        ("png:workflow", "exif:Make", "exif:ImageDescription", "exif:Model"),
        (r"^\s*(?:workflow:\s*)?\{", r'"nodes"\s*:\s*\[', r'"links"\s*:'),
        0.95,
        (r'"type"\s*:\s*"(?P<first_node>[^"]{1,80})"',),
        "ComfyUI's UI workflow (JSON nodes and links); in WebP EXIF as 'workflow:{…}'",
    ),
    FingerprintRule(
        "invokeai.metadata",
        "invokeai",
        ("png:invokeai_metadata", "png:invokeai_graph", "png:invokeai_workflow"),
        (r"^\s*\{",),
        0.95,
        (r'"app_version"\s*:\s*"(?P<version>[^"]{1,40})"', r'"model_name"\s*:\s*"(?P<model>[^"]{1,200})"'),
        "InvokeAI 3+ metadata, graph or workflow JSON",
    ),
    FingerprintRule(
        "invokeai.sd_metadata",
        "invokeai",
        ("png:sd-metadata",),
        (r"^\s*\{", r'"(?:app_id|app_version|image)"\s*:'),
        0.95,
        (r'"app_version"\s*:\s*"(?P<version>[^"]{1,40})"', r'"model_weights"\s*:\s*"(?P<model>[^"]{1,200})"'),
        "InvokeAI 2 sd-metadata JSON",
    ),
    FingerprintRule(
        "invokeai.dream",
        "invokeai",
        ("png:Dream",),
        (r"(?<!\S)-s\s?\d+", r"(?<!\S)-S\s?\d+"),
        0.9,
        (r"(?<!\S)-S\s?(?P<seed>\d+)", r"(?<!\S)-A\s?(?P<sampler>\S+)"),
        "InvokeAI/lstein 'dream' command line: prompt -s steps -S seed …",
    ),
    FingerprintRule(
        "novelai.software",
        "novelai",
        ("png:Software",),
        (r"^\s*NovelAI\s*$",),
        0.95,
        (),
        "NovelAI sets the PNG Software chunk to 'NovelAI'",
    ),
    FingerprintRule(
        "novelai.source",
        "novelai",
        ("png:Source",),
        (r"^\s*(?:NovelAI Diffusion|Stable Diffusion)\b.*\b[0-9A-F]{8}\s*$",),
        0.9,
        (r"^\s*(?P<model>.+?)\s*$",),
        "NovelAI's Source chunk: model family and an 8-hex-digit model hash",
    ),
    FingerprintRule(
        "novelai.comment",
        "novelai",
        ("png:Comment", "stealth:Comment"),
        (r"^\s*\{", r'"uc"\s*:', r'"(?:steps|sampler|scale)"\s*:'),
        0.9,
        (r'"sampler"\s*:\s*"(?P<sampler>[^"]{1,60})"', r'"steps"\s*:\s*(?P<steps>\d+)'),
        "NovelAI's Comment chunk: generation JSON with 'uc' (its negative prompt) and sampler settings",
    ),
    FingerprintRule(
        "midjourney.description",
        "midjourney",
        ("png:Description", "exif:ImageDescription", "xmp:dc:description"),
        (r"Job ID:\s*[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}", _MIDJOURNEY_FLAGS),
        0.95,
        (r"Job ID:\s*(?P<job_id>[0-9a-fA-F-]{36})", r"--(?:v|version)\s+(?P<version>[\d.]+)"),
        "Midjourney's description: the prompt with its --v/--ar flags and 'Job ID: <uuid>'",
    ),
    FingerprintRule(
        "grok.exif_signature",
        "grok",
        ("exif:ImageDescription", "exif:UserComment"),
        (r"^\s*Signature:\s*[A-Za-z0-9+/=]{24,}\s*$",),
        0.9,
        (r"Signature:\s*(?P<signature>[A-Za-z0-9+/=]{8})",),
        "Grok Imagine (xAI) JPEGs: EXIF ImageDescription 'Signature: <base64>' beside an Artist id",
    ),
)

# Fields naming the software that wrote the file; matched against GENERATOR_NAMES, word-bounded.
SOFTWARE_FIELDS = (
    "png:Software",
    "exif:Software",
    "exif:Make",
    "exif:Model",
    "xmp:xmp:CreatorTool",
    "xmp:tiff:Software",
    "xmp:xmpMM:softwareAgent",
)
# (tool, name pattern). Word boundaries are added around each pattern: "Imagen" never matches
# "Imagenomic". Photo editors (Photoshop, Lightroom, GIMP, Capture One …) are not generators and
# are deliberately absent; Adobe's generative features are recognised by "Firefly".
GENERATOR_NAMES: tuple[tuple[str, str], ...] = (
    ("novelai", r"NovelAI"),
    ("comfyui", r"ComfyUI"),
    ("automatic1111", r"AUTOMATIC1111|stable-diffusion-webui"),
    ("invokeai", r"InvokeAI"),
    ("fooocus", r"Fooocus"),
    ("midjourney", r"Midjourney"),
    ("dalle", r"DALL[-·‐ ]?E(?:[- ]?[23])?|OpenAI\s+(?:Image|DALL)"),
    ("gpt_image", r"gpt-image-\d"),
    ("firefly", r"(?:Adobe\s+)?Firefly"),
    ("imagen", r"Imagen(?:\s*\d)?"),
    ("stable_diffusion", r"Stable\s*Diffusion|SDXL|DreamStudio|Stability\s*AI"),
    ("flux", r"FLUX\.1|Black\s+Forest\s+Labs"),
    ("leonardo", r"Leonardo\.?\s?Ai"),
    ("ideogram", r"Ideogram"),
    ("playground", r"Playground\s*(?:AI|v\d)"),
    ("bing_image_creator", r"Bing\s+Image\s+Creator|Microsoft\s+Designer|Copilot\s+Designer"),
    ("draw_things", r"Draw\s+Things"),
    ("diffusionbee", r"DiffusionBee"),
    ("sdnext", r"SD\.Next"),
    ("krea", r"Krea(?:\s*AI)?"),
    ("runway", r"Runway(?:ML)?\s*(?:Gen|AI)"),
    ("kolors", r"Kolors"),
    ("hunyuan", r"Hunyuan(?:[- ]?DiT|Image)?|混元"),
    ("doubao", r"Doubao|豆包"),
    ("jimeng", r"Jimeng|即梦"),
    ("tongyi_wanxiang", r"Tongyi\s*Wanxiang|通义万相"),
    ("wenxin_yige", r"Wenxin\s*Yige|文心一格"),
    ("kling", r"Kling\s*AI|可灵"),
    ("grok", r"Grok(?:\s*Imagine)?|xAI\s+Aurora"),
    ("chatgpt", r"ChatGPT|OpenAI[- ]API"),
    ("meta_ai", r"Meta\s+AI|Imagine\s+with\s+Meta"),
    ("galaxy_ai", r"Galaxy\s+AI"),
)
