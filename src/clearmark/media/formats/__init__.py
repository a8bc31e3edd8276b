"""One module per file format, each registering its spec; importing this package registers them all.

A new format is one module here plus its line below.
"""

from clearmark.media.formats import (  # noqa: F401  (imported for registration)
    avif,
    docx,
    flac,
    gif,
    heif,
    jpeg,
    m4a,
    markdown,
    mkv,
    mov,
    mp3,
    mp4,
    ogg,
    pdf,
    png,
    pptx,
    recognised,
    text,
    tiff,
    wav,
    webm,
    webp,
    xlsx,
)
