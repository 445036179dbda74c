"""ZIP bombs for the upload tests: an honest one (it declares what it unpacks to) and a lying one
(its local and central headers declare a few bytes for a member that unpacks to far more)."""
from __future__ import annotations

import io
import struct
import zipfile

XLSX_PARTS = ("[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels")


def zip_bomb(member: str, unpacked_mb: int, declare: int | None = None,
             others: tuple[str, ...] = XLSX_PARTS) -> bytes:
    """A ZIP whose ``member`` is ``unpacked_mb`` MB of zeros (about 1 KB per MB once deflated);
    with ``declare``, its headers say it unpacks to ``declare`` bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in others:
            if name != member:
                archive.writestr(name, b"<a/>")
        with archive.open(member, "w") as sink:
            chunk = b"\0" * 2**20
            for _ in range(unpacked_mb):
                sink.write(chunk)
    data = bytearray(out.getvalue())
    if declare is not None:
        name = member.encode()
        for signature, name_length_at, name_at, size_at in ((b"PK\x03\x04", 26, 30, 22),
                                                            (b"PK\x01\x02", 28, 46, 24)):
            at = data.find(signature)
            while at >= 0:
                length = struct.unpack_from("<H", data, at + name_length_at)[0]
                if bytes(data[at + name_at:at + name_at + length]) == name:
                    struct.pack_into("<I", data, at + size_at, declare)
                at = data.find(signature, at + 4)
    return bytes(data)
