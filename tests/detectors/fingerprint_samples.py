"""Files carrying generator fingerprints, written with Pillow (PngInfo, Image.Exif, XMP), plus ordinary ones."""

from __future__ import annotations

import io
import json

import numpy as np
from PIL import Image, PngImagePlugin

from clearmark.media.formats.png import make_chunk

A1111_PARAMETERS = (
    "a photo of a cat sitting on a windowsill, masterpiece\n"
    "Negative prompt: blurry, lowres, watermark\n"
    "Steps: 20, Sampler: DPM++ 2M Karras, CFG scale: 7, Seed: 1234567890, Size: 512x512, "
    "Model hash: 6ce0161689, Model: v1-5-pruned-emaonly, Version: v1.6.0"
)
FORGE_PARAMETERS = A1111_PARAMETERS.replace("Version: v1.6.0", "Version: f2.0.1v1.10.1-previous-313-g8a042934")
FOOOCUS_A1111_PARAMETERS = A1111_PARAMETERS.replace("Version: v1.6.0", "Version: Fooocus v2.5.5")
FOOOCUS_JSON = json.dumps(
    {
        "adm_guidance": "(1.5, 0.8, 0.3)",
        "base_model": "juggernautXL_v8Rundiffusion.safetensors",
        "full_prompt": ["a cat"],
        "guidance_scale": 4,
        "metadata_scheme": "fooocus",
        "performance": "Speed",
        "prompt": "a cat",
        "sampler": "dpmpp_2m_sde_gpu",
        "steps": 30,
        "version": "Fooocus v2.5.5",
    }
)
COMFY_PROMPT = json.dumps(
    {
        "3": {"inputs": {"seed": 1, "steps": 20, "cfg": 8, "model": ["4", 0]}, "class_type": "KSampler"},
        "4": {"inputs": {"ckpt_name": "sd_xl_base_1.0.safetensors"}, "class_type": "CheckpointLoaderSimple"},
        "9": {"inputs": {"filename_prefix": "ComfyUI", "images": ["8", 0]}, "class_type": "SaveImage"},
    }
)
COMFY_WORKFLOW = json.dumps(
    {
        "last_node_id": 9,
        "last_link_id": 9,
        "nodes": [{"id": 3, "type": "KSampler", "pos": [863, 186]}, {"id": 9, "type": "SaveImage"}],
        "links": [[1, 4, 0, 3, 0, "MODEL"]],
        "version": 0.4,
    }
)
INVOKE_METADATA = json.dumps(
    {
        "generation_mode": "txt2img",
        "positive_prompt": "a cat",
        "model": {"model_name": "sd-1.5"},
        "app_version": "3.4.0",
    }
)
INVOKE_SD_METADATA = json.dumps(
    {
        "model": "stable diffusion",
        "model_weights": "stable-diffusion-1.5",
        "app_id": "invoke-ai/InvokeAI",
        "app_version": "2.3.5",
        "image": {"prompt": [{"prompt": "a cat", "weight": 1}], "steps": 50},
    }
)
INVOKE_DREAM = '"a cat on a sofa" -s 50 -S 2837374 -W 512 -H 512 -C 7.5 -A k_lms'
NOVELAI_COMMENT = json.dumps(
    {
        "prompt": "1girl, scenery",
        "steps": 28,
        "height": 1216,
        "width": 832,
        "scale": 5.0,
        "seed": 12345,
        "sampler": "k_euler_ancestral",
        "uc": "lowres, bad anatomy",
        "request_type": "PromptGenerateRequest",
    }
)
MIDJOURNEY_DESCRIPTION = (
    "a castle floating in the clouds, golden hour --ar 16:9 --v 6.1 Job ID: 7a1b2c3d-1234-4abc-9def-0123456789ab"
)


def pixels(width: int = 64, height: int = 48, mode: str = "RGB", seed: int = 11) -> Image.Image:
    """A deterministic noisy image."""
    channels = len(mode)
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (height, width, channels), dtype=np.uint8), mode)


def png_with(chunks: list[tuple[str, str, str]], image: Image.Image | None = None, **params: object) -> bytes:
    """A PNG with text chunks written by Pillow's PngInfo: (type, keyword, text) with type tEXt/zTXt/iTXt."""
    info = PngImagePlugin.PngInfo()
    for kind, keyword, text in chunks:
        if kind == "iTXt":
            info.add_itxt(keyword, text)
        else:
            info.add_text(keyword, text, zip=kind == "zTXt")
    out = io.BytesIO()
    (image or pixels()).save(out, format="PNG", pnginfo=info, **params)
    return out.getvalue()


def append_before_iend(data: bytes, kind: bytes, body: bytes) -> bytes:
    """A PNG with one more chunk placed after the image data, right before IEND."""
    at = data.rindex(b"IEND") - 4
    return data[:at] + make_chunk(kind, body) + data[at:]


def exif_bytes(ifd0: dict[int, str | bytes] | None = None, exif_ifd: dict[int, str | bytes] | None = None) -> bytes:
    """A TIFF block written by Pillow's Image.Exif."""
    exif = Image.Exif()
    for tag, value in (ifd0 or {}).items():
        exif[tag] = value
    if exif_ifd:
        sub = exif.get_ifd(0x8769)
        for tag, value in exif_ifd.items():
            sub[tag] = value
    return exif.tobytes()


def unicode_comment(text: str) -> bytes:
    """An EXIF UserComment in the UNICODE charset, as A1111 and Fooocus write it (piexif's helper)."""
    return b"UNICODE\x00" + text.encode("utf-16-be")


def save(fmt: str, image: Image.Image | None = None, **params: object) -> bytes:
    out = io.BytesIO()
    (image or pixels()).save(out, format={"jpeg": "JPEG", "png": "PNG", "webp": "WEBP"}[fmt], **params)
    return out.getvalue()


def xmp(properties: str) -> bytes:
    """An XMP packet with the given rdf:Description attributes."""
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" '
        'xmlns:tiff="http://ns.adobe.com/tiff/1.0/" '
        'xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/" '
        f"{properties}/></rdf:RDF></x:xmpmeta>"
        '<?xpacket end="w"?>'
    ).encode()
