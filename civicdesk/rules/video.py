"""Reading what the platforms' video limits need from an MP4 file, and checking captions.

An MP4 (ISO base media file) is a tree of boxes: ``size`` (4 bytes), ``type`` (4 bytes), then
the body; a size of 1 means a 64-bit size follows, 0 means "to the end of the file". The
movie header (``moov/mvhd``) holds the duration and its time scale; each track's header
(``tkhd``) its width and height; its handler (``mdia/hdlr``) says whether it is video, and its
sample description (``mdia/minf/stbl/stsd``) names the codec (``avc1`` is H.264, ``hvc1``
H.265). No decoder is needed, and nothing here reads more than the box headers it walks.

Captions come as WebVTT or SubRip (SRT) text; both are checked cue by cue and SubRip is turned
into WebVTT, the format the platforms take.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass

# Boxes that only hold other boxes, on the way to the ones read here.
_CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl"}
_BRANDS = {b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4V "}
CODEC_NAMES = {
    "avc1": "H.264",
    "avc3": "H.264",
    "hvc1": "H.265",
    "hev1": "H.265",
    "vp09": "VP9",
    "av01": "AV1",
    "mp4v": "MPEG-4 Part 2",
}
# A caption file larger than this is not a caption file.
MAX_CAPTION_BYTES = 512 * 1024


class VideoError(ValueError):
    """The file is not an MP4 video these rules can read; the message says why."""


@dataclass(frozen=True, slots=True)
class VideoInfo:
    duration_seconds: float
    codec: str  # the sample entry's four characters: "avc1", "hvc1", ...
    width: int
    height: int

    @property
    def codec_name(self) -> str:
        return CODEC_NAMES.get(self.codec, self.codec)


def _boxes(data: bytes, start: int, end: int) -> list[tuple[bytes, int, int]]:
    """(type, body start, body end) of each box between ``start`` and ``end``."""
    found = []
    offset = start
    while offset + 8 <= end:
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        header = 8
        if size == 1:
            if offset + 16 > end:
                raise VideoError("a box's 64-bit size is cut off")
            size = struct.unpack(">Q", data[offset + 8 : offset + 16])[0]
            header = 16
        elif size == 0:
            size = end - offset
        if size < header or offset + size > end:
            raise VideoError(f"the box {kind.decode('latin-1')!r} runs past its container")
        found.append((kind, offset + header, offset + size))
        offset += size
    return found


def _find(data: bytes, start: int, end: int, *path: bytes) -> list[tuple[int, int]]:
    """Every box at ``path`` below the span, as (body start, body end)."""
    spans = [(start, end)]
    for kind in path:
        spans = [(s, e) for a, b in spans for k, s, e in _boxes(data, a, b) if k == kind]
    return spans


def read_mp4(data: bytes) -> VideoInfo:
    """Duration, codec and picture size of an MP4 video; VideoError when it is none."""
    if data[4:8] != b"ftyp":
        raise VideoError("the file does not start as an MP4 file does (no ftyp box)")
    top = _boxes(data, 0, len(data))
    _, fstart, fend = top[0]
    brands = {data[fstart : fstart + 4]} | {data[i : i + 4] for i in range(fstart + 8, fend - 3, 4)}
    if not brands & _BRANDS:
        raise VideoError("the file is not an MP4 video (QuickTime and others are not)")
    moov = [(s, e) for k, s, e in top if k == b"moov"]
    if not moov:
        raise VideoError("the file has no movie header (moov): it may be cut off")
    mstart, mend = moov[0]
    mvhd = _find(data, mstart, mend, b"mvhd")
    if not mvhd:
        raise VideoError("the movie header has no duration (mvhd)")
    duration = _mvhd_seconds(data, *mvhd[0])
    for tstart, tend in _find(data, mstart, mend, b"trak"):
        handler = _find(data, tstart, tend, b"mdia", b"hdlr")
        if not handler or data[handler[0][0] + 8 : handler[0][0] + 12] != b"vide":
            continue
        width, height = _tkhd_size(data, tstart, tend)
        stsd = _find(data, tstart, tend, b"mdia", b"minf", b"stbl", b"stsd")
        if not stsd:
            raise VideoError("the video track does not say its codec (stsd)")
        sstart, send = stsd[0]
        entries = _boxes(data, sstart + 8, send)
        if not entries:
            raise VideoError("the video track has no sample description")
        codec = entries[0][0].decode("latin-1")
        return VideoInfo(duration_seconds=duration, codec=codec, width=width, height=height)
    raise VideoError("the file has no video track")


def _mvhd_seconds(data: bytes, start: int, end: int) -> float:
    version = data[start]
    if version == 1:
        if end - start < 32:
            raise VideoError("the movie header is cut off")
        timescale, duration = struct.unpack(">IQ", data[start + 20 : start + 32])
    else:
        if end - start < 20:
            raise VideoError("the movie header is cut off")
        timescale, duration = struct.unpack(">II", data[start + 12 : start + 20])
    if timescale == 0:
        raise VideoError("the movie header's time scale is zero")
    return duration / timescale


def _tkhd_size(data: bytes, start: int, end: int) -> tuple[int, int]:
    found = _find(data, start, end, b"tkhd")
    if not found:
        return 0, 0
    hstart, hend = found[0]
    # Width and height are the header's last 8 bytes, as 16.16 fixed-point numbers.
    if hend - hstart < 84:
        return 0, 0
    width, height = struct.unpack(">II", data[hend - 8 : hend])
    return width >> 16, height >> 16


# Captions

_TIME = r"(?:(\d{1,3}):)?([0-5]\d):([0-5]\d)[.,](\d{3})"
_CUE_TIMING = re.compile(rf"^{_TIME}\s+-->\s+{_TIME}(?:\s+.*)?$")


class CaptionsError(ValueError):
    """The captions file is neither WebVTT nor SubRip, or a cue in it is wrong."""


@dataclass(frozen=True, slots=True)
class Captions:
    format: str  # "vtt" or "srt", as it came
    cues: int
    # The captions as WebVTT, the format the platforms take.
    vtt: str
    # When the last cue ends, in seconds.
    last_end: float


def _seconds(groups: tuple[str | None, ...]) -> float:
    hours, minutes, seconds, millis = groups
    return (
        int(hours or 0) * 3600
        + int(minutes or 0) * 60
        + int(seconds or 0)
        + int(millis or 0) / 1000
    )


def read_captions(data: bytes) -> Captions:
    """Check a WebVTT or SubRip file cue by cue; CaptionsError names the first fault."""
    if len(data) > MAX_CAPTION_BYTES:
        raise CaptionsError("the captions file is larger than 512 kB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CaptionsError("the captions file is not UTF-8 text") from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    is_vtt = text.startswith("WEBVTT")
    if is_vtt and not re.match(r"WEBVTT(?:[ \t].*)?(?:\n|$)", text):
        raise CaptionsError("the first line must be WEBVTT")
    blocks = [b for b in re.split(r"\n{2,}", text.strip()) if b.strip()]
    if is_vtt:
        blocks = blocks[1:]  # the header block
    cues = 0
    last_end = 0.0
    out = ["WEBVTT", ""]
    for number, block in enumerate(blocks, start=1):
        lines = block.split("\n")
        if is_vtt and lines[0].startswith(("NOTE", "STYLE", "REGION")):
            out += [block, ""]
            continue
        timing = next((i for i, line in enumerate(lines[:2]) if "-->" in line), None)
        if timing is None:
            raise CaptionsError(f"cue {number} has no timing line (00:00:01.000 --> ...)")
        match = _CUE_TIMING.match(lines[timing].strip())
        if match is None:
            raise CaptionsError(f"cue {number}'s timing line is malformed: {lines[timing][:60]!r}")
        start, end = _seconds(match.groups()[:4]), _seconds(match.groups()[4:8])
        if end <= start:
            raise CaptionsError(f"cue {number} ends before it starts")
        words = [line for line in lines[timing + 1 :] if line.strip()]
        if not words:
            raise CaptionsError(f"cue {number} has no text")
        cues += 1
        last_end = max(last_end, end)
        timing_line = lines[timing].strip()
        if not is_vtt:
            timing_line = timing_line.replace(",", ".")
        out += [timing_line, *words, ""]
    if cues == 0:
        raise CaptionsError("the captions file has no cues")
    return Captions(
        format="vtt" if is_vtt else "srt", cues=cues, vtt="\n".join(out), last_end=last_end
    )


def _srt_time(groups: tuple[str | None, ...]) -> str:
    hours, minutes, seconds, millis = groups
    return (
        f"{int(hours or 0):02d}:{int(minutes or 0):02d}:{int(seconds or 0):02d},{millis or '000'}"
    )


def webvtt(captions: str) -> str:
    """Captions as WebVTT (the form they are kept in), checked again: SubRip is turned into
    WebVTT, and CaptionsError names a fault (for platforms that take WebVTT only)."""
    return read_captions(captions.encode("utf-8")).vtt


def subrip(captions: str) -> str:
    """WebVTT captions as SubRip (numbered cues, comma before the milliseconds), for
    platforms that take SubRip only; notes, styles and cue settings are left out."""
    vtt = webvtt(captions)
    cues: list[str] = []
    for block in re.split(r"\n{2,}", vtt.strip())[1:]:
        lines = block.split("\n")
        timing = next((i for i, line in enumerate(lines[:2]) if "-->" in line), None)
        if timing is None:
            continue  # NOTE, STYLE, REGION
        match = _CUE_TIMING.match(lines[timing].strip())
        if match is None:
            continue
        start, end = _srt_time(match.groups()[:4]), _srt_time(match.groups()[4:8])
        cues.append(f"{len(cues) + 1}\n{start} --> {end}\n" + "\n".join(lines[timing + 1 :]))
    return "\n\n".join(cues) + "\n"
