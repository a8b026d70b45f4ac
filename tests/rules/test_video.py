"""Reading an MP4's duration, codec and size from its boxes, and checking caption files."""

from __future__ import annotations

import struct

import pytest

from civicdesk.rules.video import CaptionsError, VideoError, read_captions, read_mp4


def box(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(body), kind) + body


def mvhd(duration: int, timescale: int, *, version: int = 0) -> bytes:
    if version == 1:
        body = bytes([1, 0, 0, 0]) + b"\0" * 16 + struct.pack(">IQ", timescale, duration)
    else:
        body = bytes(4) + b"\0" * 8 + struct.pack(">II", timescale, duration)
    return box(b"mvhd", body + b"\0" * 80)


def tkhd(width: int, height: int) -> bytes:
    return box(b"tkhd", b"\0" * 76 + struct.pack(">II", width << 16, height << 16))


def track(handler: bytes, codec: bytes, width: int = 1280, height: int = 720) -> bytes:
    hdlr = box(b"hdlr", bytes(4) + bytes(4) + handler + b"\0" * 12 + b"video\0")
    stsd = box(b"stsd", bytes(4) + struct.pack(">I", 1) + box(codec, b"\0" * 78))
    minf = box(b"minf", box(b"stbl", stsd))
    return box(b"trak", tkhd(width, height) + box(b"mdia", hdlr + minf))


def mp4(*tracks: bytes, header: bytes | None = None, brand: bytes = b"isom") -> bytes:
    ftyp = box(b"ftyp", brand + bytes(4) + brand + (b"mp41" if brand == b"isom" else brand))
    moov = box(b"moov", (header if header is not None else mvhd(95_000, 1000)) + b"".join(tracks))
    # The media data usually follows; its size-0 box runs to the end of the file.
    return ftyp + moov + struct.pack(">I4s", 0, b"mdat") + b"\0" * 64


def test_duration_codec_and_size_from_the_boxes() -> None:
    info = read_mp4(mp4(track(b"soun", b"mp4a"), track(b"vide", b"avc1", 1920, 1080)))
    assert info.duration_seconds == 95.0
    assert (info.codec, info.codec_name) == ("avc1", "H.264")
    assert (info.width, info.height) == (1920, 1080)


def test_a_64_bit_movie_header() -> None:
    info = read_mp4(mp4(track(b"vide", b"hvc1"), header=mvhd(90_000 * 200, 90_000, version=1)))
    assert info.duration_seconds == 200.0 and info.codec_name == "H.265"


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 40, "ftyp"),
        (mp4(track(b"vide", b"avc1"), brand=b"qt  "), "not an MP4"),
        (mp4(track(b"soun", b"mp4a")), "no video track"),
        (mp4(track(b"vide", b"avc1"), header=b""), "no duration"),
        (mp4(track(b"vide", b"avc1"), header=mvhd(10, 0)), "time scale"),
        (mp4(track(b"vide", b"avc1"))[:60], "runs past"),
    ],
)
def test_what_is_not_a_readable_mp4_says_why(data: bytes, words: str) -> None:
    with pytest.raises(VideoError, match=words):
        read_mp4(data)


def test_webvtt_is_checked_and_kept() -> None:
    captions = read_captions(
        b"WEBVTT\n\nNOTE made by hand\n\n00:00.000 --> 00:02.500\nThe bridge is closed.\n\n"
        b"1\n00:00:02.500 --> 00:00:05.000 align:start\nUse the tunnel.\n"
    )
    assert (captions.format, captions.cues, captions.last_end) == ("vtt", 2, 5.0)
    assert "00:00:02.500 --> 00:00:05.000 align:start\nUse the tunnel." in captions.vtt


def test_subrip_becomes_webvtt() -> None:
    captions = read_captions(
        "\ufeff1\r\n00:00:01,000 --> 00:00:03,200\r\nLe pont est fermé.\r\n\r\n"
        "2\r\n00:00:03,200 --> 00:01:04,000\r\nPrenez le tunnel.\r\n".encode()
    )
    assert captions.format == "srt" and captions.cues == 2 and captions.last_end == 64.0
    assert captions.vtt.startswith("WEBVTT\n\n00:00:01.000 --> 00:00:03.200\nLe pont est fermé.")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (b"\xff\xfe\x00", "UTF-8"),
        (b"WEBVTTX\n\n00:01.000 --> 00:02.000\nHi", "first line"),
        (b"1\n00:00:01,000 -> 00:00:02,000\nHi", "no timing line"),
        (b"1\n00:00:01 --> 00:00:02\nHi", "malformed"),
        (b"1\n00:00:03,000 --> 00:00:02,000\nHi", "ends before"),
        (b"1\n00:00:01,000 --> 00:00:02,000\n", "no text"),
        (b"WEBVTT\n", "no cues"),
    ],
)
def test_a_bad_captions_file_says_why(text: bytes, words: str) -> None:
    with pytest.raises(CaptionsError, match=words):
        read_captions(text)
