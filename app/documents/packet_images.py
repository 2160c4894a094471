"""An image attachment as a page of the agenda packet, without re-encoding it when its format allows: a JPEG as it
is (DCTDecode), an 8-bit non-interlaced PNG's compressed data as it is (FlateDecode with the PNG predictor); any
other PNG (alpha, 16-bit, interlaced) decoded once, losslessly."""

import io
import struct
import zlib

import pikepdf
from pikepdf import Array, Dictionary, Name

#: US Letter, the page an image attachment is put on (landscape for a wide picture), and its margin.
LETTER = (612.0, 792.0)
MARGIN = 36.0


def image_info(kind: str, data: bytes) -> dict:
    """Width, height and how to embed the picture without decoding it when its format allows."""
    if kind == "jpeg":
        from PIL import Image

        with Image.open(io.BytesIO(data)) as image:
            if image.format != "JPEG":
                raise ValueError("not a JPEG")
            colors = {"L": 1, "RGB": 3, "CMYK": 4}.get(image.mode)
            if colors is None:
                raise ValueError(f"colour mode {image.mode}")
            return {"width": image.width, "height": image.height, "colors": colors, "cmyk_adobe": "adobe" in image.info}
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise ValueError("not a PNG")
    width, height, depth, color, _compression, _filter, interlace = struct.unpack(">IIBBBBB", data[16:29])
    if width == 0 or height == 0:
        raise ValueError("an empty picture")
    return {"width": width, "height": height, "depth": depth, "color": color, "interlace": interlace}


def _png_chunks(data: bytes):
    position = 8
    while position + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        yield kind, data[position + 8 : position + 8 + length]
        position += 12 + length


def _image_xobject(out: pikepdf.Pdf, kind: str, data: bytes) -> tuple[pikepdf.Stream, int, int]:
    """The picture as an image XObject. A JPEG goes in as it is (DCTDecode); a plain 8-bit PNG's compressed data
    goes in as it is (FlateDecode with the PNG predictor); any other PNG is decoded once, losslessly."""
    info = image_info(kind, data)
    width, height = info["width"], info["height"]
    if kind == "jpeg":
        space = {1: Name.DeviceGray, 3: Name.DeviceRGB, 4: Name.DeviceCMYK}[info["colors"]]
        image = pikepdf.Stream(out, data)
        image.Filter = Name.DCTDecode
        if info["colors"] == 4 and info["cmyk_adobe"]:
            image.Decode = Array([1, 0, 1, 0, 1, 0, 1, 0])  # Adobe's inverted CMYK JPEGs
    elif info["depth"] == 8 and info["interlace"] == 0 and info["color"] in (0, 2, 3):
        chunks = list(_png_chunks(data))
        colors = {0: 1, 2: 3, 3: 1}[info["color"]]
        image = pikepdf.Stream(out, b"".join(body for name, body in chunks if name == b"IDAT"))
        image.Filter = Name.FlateDecode
        image.DecodeParms = Dictionary(Predictor=15, Colors=colors, BitsPerComponent=8, Columns=width)
        if info["color"] == 3:
            palette = next((body for name, body in chunks if name == b"PLTE"), b"")
            space = Array([Name.Indexed, Name.DeviceRGB, len(palette) // 3 - 1, pikepdf.Stream(out, palette)])
        else:
            space = Name.DeviceGray if colors == 1 else Name.DeviceRGB
    else:
        from PIL import Image

        with Image.open(io.BytesIO(data)) as picture:
            picture.load()
            alpha = picture.getchannel("A") if "A" in picture.getbands() else None
            plain = picture.convert("L" if picture.mode in ("L", "LA", "I", "I;16") else "RGB")
        image = pikepdf.Stream(out, zlib.compress(plain.tobytes(), 6))
        image.Filter = Name.FlateDecode
        space = Name.DeviceGray if plain.mode == "L" else Name.DeviceRGB
        if alpha is not None:
            mask = pikepdf.Stream(out, zlib.compress(alpha.tobytes(), 6))
            _set(mask, Type=Name.XObject, Subtype=Name.Image, Width=width, Height=height)
            _set(mask, ColorSpace=Name.DeviceGray, BitsPerComponent=8, Filter=Name.FlateDecode)
            image.SMask = mask
    _set(image, Type=Name.XObject, Subtype=Name.Image, Width=width, Height=height, BitsPerComponent=8)
    image.ColorSpace = space
    return image, width, height


def _set(stream: pikepdf.Stream, **values) -> None:
    for key, value in values.items():
        stream[Name("/" + key)] = value


def image_page(out: pikepdf.Pdf, kind: str, data: bytes) -> pikepdf.Page:
    image, width, height = _image_xobject(out, kind, data)
    page_w, page_h = (LETTER[1], LETTER[0]) if width > height else LETTER
    scale = min((page_w - 2 * MARGIN) / width, (page_h - 2 * MARGIN) / height)
    w, h = width * scale, height * scale
    x, y = (page_w - w) / 2, (page_h - h) / 2
    content = f"/Figure <</MCID 0>> BDC q {w:.2f} 0 0 {h:.2f} {x:.2f} {y:.2f} cm /Im0 Do Q EMC".encode()
    page = pikepdf.Page(
        Dictionary(
            Type=Name.Page,
            MediaBox=Array([0, 0, page_w, page_h]),
            Resources=Dictionary(XObject=Dictionary(Im0=image)),
            Contents=pikepdf.Stream(out, content),
            Tabs=Name.S,
        )
    )
    out.pages.append(page)
    return out.pages[-1]
