#!/usr/bin/env python3
"""Writes the committed files of the malformed-input corpus (tests/malformed/).

Run from anywhere: `python3 tests/malformed/make_corpus.py`. The output is deterministic (gzip
mtime 0, fixed pseudo-random bytes), so re-running it leaves `git status` clean. The expectations
live in `cases.tsv` next to this script (written by hand, checked by
`crates/store/tests/store/malformed.rs`); cases too big to commit are built by that test and are
listed in `cases.tsv` with origin `gen`.

Every trajectory here is a small NV SWE-Zero-style row (the `nvidia/SWE-Zero-openhands-trajectories`
schema: instance_id, repo, license, trajectory_id, trajectory[{role, content, tool_calls,
tool_call_id, name}], model_patch, dataset) modelled on the real row in
shared/fixtures/real/swe-zero-nvidia, or a record taken from the other real fixtures.
"""

import gzip
import json
import os
import random
import struct
import subprocess
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
REAL = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared", "fixtures", "real"))

SYSTEM = (
    "You are OpenHands agent, a helpful AI assistant that can interact with a computer to solve tasks.\n\n"
    "<ROLE>\nYour primary role is to assist users by executing commands, modifying code, and solving "
    "technical problems effectively.\n</ROLE>"
)


def nv_row(instance_id, n=1, trajectory_id=None, issue=None, observation=None):
    """A valid NV SWE-Zero-style row as a dict (keys in the order the dataset writes them)."""
    owner, rest = instance_id.split("__")
    name = rest.rsplit("-", 1)[0]
    ws = f"/workspace/{owner}__{name}__1.0"
    issue = issue or f"`{name}.utils.parse_config` drops keys whose value is an empty list (run {n})"
    grep_out = observation or (
        f"{name}/utils.py:41:def parse_config(raw):\n{name}/utils.py:57:    return {{k: v for k, v in raw.items() if v}}\n"
        "[The command completed with exit code 0.]"
    )
    patch = (
        f"diff --git a/{name}/utils.py b/{name}/utils.py\n"
        f"--- a/{name}/utils.py\n+++ b/{name}/utils.py\n"
        "@@ -54,4 +54,4 @@ def parse_config(raw):\n"
        "     if raw is None:\n         return {}\n"
        "-    return {k: v for k, v in raw.items() if v}\n"
        "+    return {k: v for k, v in raw.items() if v is not None}\n"
    )
    traj = [
        {"role": "system", "content": SYSTEM},
        {
            "role": "user",
            "content": f"<uploaded_files>\n{ws}\n</uploaded_files>\n\nI've uploaded a python code repository in the "
            f"directory {owner}__{name}__1.0. Consider the following issue description:\n\n"
            f"<issue_description>\n{issue}\n</issue_description>\n\nCan you help me implement the necessary changes?",
        },
        {
            "role": "assistant",
            "content": "Let me find where the configuration is parsed.",
            "tool_calls": [
                {
                    "id": f"toolu_{n:02d}a",
                    "type": "function",
                    "function": {
                        "name": "execute_bash",
                        "arguments": json.dumps({"command": f"cd {ws} && grep -rn 'def parse_config\\|return {{k' {name}/"}),
                    },
                }
            ],
        },
        {"role": "tool", "content": grep_out, "tool_call_id": f"toolu_{n:02d}a", "name": "execute_bash"},
        {
            "role": "assistant",
            "content": "The comprehension drops falsy values; only None should be dropped.",
            "tool_calls": [
                {
                    "id": f"toolu_{n:02d}b",
                    "type": "function",
                    "function": {
                        "name": "str_replace_editor",
                        "arguments": json.dumps(
                            {
                                "command": "str_replace",
                                "path": f"{ws}/{name}/utils.py",
                                "old_str": "    return {k: v for k, v in raw.items() if v}",
                                "new_str": "    return {k: v for k, v in raw.items() if v is not None}",
                            }
                        ),
                    },
                }
            ],
        },
        {
            "role": "tool",
            "content": f"The file {ws}/{name}/utils.py has been edited. Here's the result of running `cat -n` on a snippet:\n"
            "    56\t        return {}\n    57\t    return {k: v for k, v in raw.items() if v is not None}",
            "tool_call_id": f"toolu_{n:02d}b",
            "name": "str_replace_editor",
        },
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                {
                    "id": f"toolu_{n:02d}c",
                    "type": "function",
                    "function": {"name": "finish", "arguments": json.dumps({"message": "Empty lists are kept now."})},
                }
            ],
        },
    ]
    return {
        "instance_id": instance_id,
        "repo": f"{owner}/{name}",
        "license": "BSD-3-Clause",
        "trajectory_id": trajectory_id or f"9f1c{n:04d}-7a2e-4b1d-a3c5-0e{n:010d}",
        "trajectory": traj,
        "model_patch": patch,
        "dataset": "SWE-Gym/SWE-Gym",
    }


def line(obj):
    """One JSONL line as the dataset writes it (compact, UTF-8, no ASCII escaping)."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def row(i, **kw):
    return line(nv_row(f"pallets__click-{1000 + i}", n=i, **kw))


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def jsonl(lines, end=b"\n"):
    return b"".join(l + end for l in lines)


def gz(data):
    return gzip.compress(data, compresslevel=9, mtime=0)


def zst(data):
    return subprocess.run(["zstd", "-q", "-19", "-c", "--no-check"], input=data, stdout=subprocess.PIPE, check=True).stdout


def mutate(i, fn):
    r = nv_row(f"pallets__click-{1000 + i}", n=i)
    fn(r)
    return line(r)


def noisy_row(i, size):
    """A row with a hard-to-compress observation of about `size` bytes (for compressed streams)."""
    rng = random.Random(i)
    text = "\n".join(
        " ".join(f"{rng.getrandbits(32):08x}" for _ in range(8)) for _ in range(size // 72)
    )
    return row(i, observation=text + "\n[The command completed with exit code 0.]")


def main():
    for f in os.listdir(HERE):
        if f not in ("make_corpus.py", "cases.tsv", "README.md"):
            os.remove(os.path.join(HERE, f))

    # ---- framing: line ends, BOM, blank lines, truncation, encodings ----
    r1, r2, r3 = row(1), row(2), row(3)
    write("truncated_last_line.jsonl", r1 + b"\n" + r2 + b"\n" + r3[: len(r3) // 2])
    write("truncated_middle_line.jsonl", r1 + b"\n" + r2[: len(r2) * 2 // 3] + b"\n" + r3 + b"\n")
    bad = r2.replace(b"drops keys", b"drops \xff\xfe keys", 1)
    surrogate = r3.replace(b"drops keys", b"drops \xed\xa0\x80 keys", 1)  # a UTF-16 surrogate in UTF-8 (CESU)
    write("invalid_utf8.jsonl", jsonl([r1, bad, surrogate, row(4)]))
    write("valid_row.json", json.dumps(nv_row("pallets__click-1001", n=1), indent=2).encode() + b"\n")
    write("bom.jsonl", b"\xef\xbb\xbf" + jsonl([r1, r2]))
    write("crlf.jsonl", jsonl([r1, r2, r3], end=b"\r\n"))
    write(
        "bom_crlf_pretty.json",
        b"\xef\xbb\xbf" + json.dumps(nv_row("pallets__click-1001", n=1), indent=2).encode().replace(b"\n", b"\r\n") + b"\r\n",
    )
    write("blank_lines.jsonl", b"\n" + r1 + b"\n   \n\t\n" + r2 + b"\n\r\n" + r3 + b"\n\n \t \r\n\n")
    write("only_blank_lines.jsonl", b"\n   \n\t\n\r\n\n")
    write("empty.jsonl", b"")
    write("empty.json", b"")
    write("bom_in_middle.jsonl", jsonl([r1, b"\xef\xbb\xbf" + r2]))
    write("trailing_garbage.jsonl", jsonl([r1, r2 + b" }garbage", r3 + r1, row(4)]))
    write("nan_value.jsonl", jsonl([r1, r2.replace(b'"dataset":', b'"cost":NaN,"dataset":', 1), r3]))
    write("duplicate_keys.jsonl", jsonl([r1, b'{"instance_id":"pallets__click-9999",' + r2[1:]]))
    write("whitespace_padded.jsonl", b"  " + r1 + b"  \n\t" + r2 + b"\t\r\n")
    write("long_lines_mixed_with_short.jsonl", jsonl([noisy_row(1, 100_000), row(2), noisy_row(3, 60_000)]))

    # ---- NUL bytes and binary content ----
    nul = r2.replace(b"drops keys", b"drops \x00 keys", 1)
    write("nul_byte.jsonl", jsonl([r1, nul, r3]))
    write("nul_escaped.jsonl", jsonl([r1, r2.replace(b"drops keys", b"drops \\u0000 keys", 1)]))
    rng = random.Random(7)
    png = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + struct.pack(">IIBBBBB", 64, 64, 8, 6, 0, 0, 0)
    png += struct.pack(">I", zlib.crc32(png[12:29]) & 0xFFFFFFFF)
    idat = zlib.compress(bytes(rng.getrandbits(8) for _ in range(6000)), 9)
    png += struct.pack(">I", len(idat)) + b"IDAT" + idat + struct.pack(">I", zlib.crc32(b"IDAT" + idat) & 0xFFFFFFFF)
    png += struct.pack(">I", 0) + b"IEND" + struct.pack(">I", zlib.crc32(b"IEND") & 0xFFFFFFFF)
    write("binary_png.jsonl", png)
    write("utf16.jsonl", "\ufeff".encode("utf-16-le") + (r1.decode() + "\r\n" + r2.decode() + "\r\n").encode("utf-16-le"))

    # ---- JSON that is valid but not a record ----
    write("array_of_numbers.jsonl", jsonl([r1, b"[1, 2, 3]", r3]))
    write("bare_scalars.jsonl", jsonl([r1, b'"just a string"', b"42", b"null", b"true", r2]))
    write("unknown_shape.jsonl", jsonl([r1, line({"id": 7, "text": "The movie was great", "label": "positive"}), r2]))
    write("lone_surrogate_escape.jsonl", jsonl([r1, r2.replace(b"drops keys", b"drops \\ud83d keys", 1), r3]))
    write("empty_array.jsonl", jsonl([r1, b"[]", r2]))

    # ---- wrong types inside records ----
    def content_number(r):
        r["trajectory"][2]["content"] = 42

    def arguments_array(r):
        r["trajectory"][2]["tool_calls"][0]["function"]["arguments"] = ["grep", "-rn", "parse_config"]

    def arguments_invalid(r):
        r["trajectory"][2]["tool_calls"][0]["function"]["arguments"] = '{"command": "grep -rn parse_config'

    def arguments_deep(r):
        v = {"leaf": "grep -rn parse_config"}
        for k in range(50):
            v = {"level": k, "inner": [v]}
        r["trajectory"][2]["tool_calls"][0]["function"]["arguments"] = v

    def messages_invalid_string(r):
        r["trajectory"] = json.dumps(r["trajectory"])[:300]

    def messages_valid_string(r):
        r["trajectory"] = json.dumps(r["trajectory"])

    def tool_calls_object(r):
        r["trajectory"][2]["tool_calls"] = r["trajectory"][2]["tool_calls"][0]

    def message_string(r):
        r["trajectory"][3] = "src/utils.py:41:def parse_config(raw):"

    def empty_trajectory(r):
        r["trajectory"] = []

    def instance_id_number(r):
        r["instance_id"] = 1003
        r["repo"] = ["pallets", "click"]

    write("content_number.jsonl", jsonl([r1, mutate(2, content_number), r3]))
    write("arguments_array.jsonl", jsonl([r1, mutate(2, arguments_array)]))
    write("arguments_invalid_json_string.jsonl", jsonl([r1, mutate(2, arguments_invalid)]))
    write("arguments_deep_valid.jsonl", jsonl([mutate(1, arguments_deep), r2]))
    write("messages_invalid_json_string.jsonl", jsonl([r1, mutate(2, messages_invalid_string), r3]))
    write("messages_json_string.jsonl", jsonl([mutate(1, messages_valid_string), r2]))
    write("tool_calls_not_list.jsonl", jsonl([r1, mutate(2, tool_calls_object)]))
    write("message_not_object.jsonl", jsonl([mutate(1, message_string), r2]))
    write("empty_trajectory.jsonl", jsonl([r1, mutate(2, empty_trajectory)]))
    write("envelope_wrong_types.jsonl", jsonl([r1, mutate(3, instance_id_number)]))

    # ---- duplicates ----
    write("duplicate_records.jsonl", jsonl([r1, r2, r1, r3, r2]))
    same_tid = row(2, trajectory_id="9f1c0001-7a2e-4b1d-a3c5-0e0000000001")
    write("duplicate_trajectory_id.jsonl", jsonl([r1, same_tid]))

    # ---- .json files ----
    write("jsonl_in_dot_json.json", jsonl([r1, r2[: len(r2) // 2], r3]))
    write("jsonl_in_dot_json_bad_first_line.json", jsonl([r1[: len(r1) // 2], r2, r3]))
    bad_elem = nv_row("pallets__click-1002", n=2)
    bad_elem["trajectory"] = '[{"role": "user", "content": "unterminated'
    write(
        "array_bad_element.json",
        json.dumps([nv_row("pallets__click-1001", n=1), bad_elem, nv_row("pallets__click-1003", n=3)], indent=1).encode(),
    )
    write(
        "array_non_object_element.json",
        json.dumps([nv_row("pallets__click-1001", n=1), None, nv_row("pallets__click-1003", n=3), "oops"], indent=1).encode(),
    )
    preds = [json.loads(l) for l in open(os.path.join(REAL, "swe-agent", "pydicom__pydicom-1458.all_preds.jsonl"))]
    p = preds[0]
    pdict = {
        "pydicom__pydicom-1458": p,
        "pydicom__pydicom-1459": dict(p, instance_id="pydicom__pydicom-1459"),
        "pydicom__pydicom-1460": dict(p, instance_id="pydicom__pydicom-1460", model_patch=5),
    }
    write("preds.json", json.dumps(pdict, indent=2).encode())
    report = json.load(open(os.path.join(REAL, "mini-swe-agent-swebench", "astropy__astropy-12907.report.json")))
    write("report.json", json.dumps(report, indent=4).encode())
    write("invalid_utf8.json", json.dumps(nv_row("pallets__click-1001"), indent=2).encode().replace(b"drops keys", b"drops \xc3\x28 keys", 1))

    # ---- compressed ----
    write("bad_line.jsonl.gz", gz(jsonl([r1, b'{"instance_id": "pallets__click-1002", "trajectory": [', r3])))
    big = jsonl([noisy_row(i, 40_000) for i in range(1, 5)])
    cgz = gz(big)
    write("truncated.jsonl.gz", cgz[: len(cgz) * 3 // 5])
    write("not_gzip.jsonl.gz", jsonl([r1, r2]))
    write("rows.jsonl.zst", zst(jsonl([r1, r2, b"[1, 2, 3]", r3])))
    czst = zst(big)
    write("truncated.jsonl.zst", czst[: len(czst) * 3 // 5])
    # A gzip member whose text was corrupted but still inflates (stored blocks: level 0): only
    # its checksum tells. Members 1 and 3 are sound.
    r4, r5 = row(4), row(5)
    bad_member = bytearray(gzip.compress(jsonl([r3, r4]), compresslevel=0, mtime=0))
    at = bad_member.find(b"unique") if b"unique" in bad_member else bad_member.find(b"drops keys") + 2
    bad_member[at] ^= 0x01
    write("bad_crc_member.jsonl.gz", gz(jsonl([r1, r2])) + bytes(bad_member) + gz(jsonl([r5])))
    # A zstd frame whose content checksum is wrong, between two sound frames. It is made of raw
    # blocks of 1 KiB (its window) and larger than the decoder's input buffer (128 KiB), so that
    # the decoder hands out its first lines before it reaches the checksum at the frame's end.
    def zst_raw_frame(data, checksum):
        out = struct.pack("<I", 0xFD2FB528) + bytes([0x04, 0x00])  # checksum flag; 1 KiB window
        blocks = [data[i : i + 1024] for i in range(0, len(data), 1024)]
        for k, b in enumerate(blocks):
            last = 1 if k == len(blocks) - 1 else 0
            out += struct.pack("<I", last | (len(b) << 3))[:3] + b  # raw block
        return out + checksum
    def zst_checked(data):
        return subprocess.run(["zstd", "-q", "-19", "-c", "--check"], input=data, stdout=subprocess.PIPE, check=True).stdout
    frame2 = jsonl([noisy_row(i, 40_000) for i in range(2, 7)])
    write("bad_checksum_frame.jsonl.zst", zst_checked(jsonl([r1])) + zst_raw_frame(frame2, b"\0\0\0\0") + zst_checked(jsonl([row(7)])))

    # ---- mixed formats from the real fixtures ----
    ponyc = open(os.path.join(REAL, "openhands", "multi_swe_bench_c_ponyc.patch.jsonl"), "rb").read().split(b"\n")[0]
    smith = json.load(open(os.path.join(REAL, "swe-smith-trajectories", "adp_sample_raw.json")))[1]
    smith["messages"] = smith["messages"][:4]
    chat = json.load(open(os.path.join(REAL, "swe-zero-nvidia", "keras-team__keras-nlp-385.final_request.json")))
    chat["messages"] = chat["messages"][:6]
    mixed = [
        r1,
        open(os.path.join(REAL, "swe-agent", "pydicom__pydicom-1458.all_preds.jsonl"), "rb").read().rstrip(b"\n"),
        ponyc,
        line(smith),
        line(chat),
        line({"resolved_ids": ["pydicom__pydicom-1458"], "unresolved_ids": []}),
    ]
    write("mixed_formats.jsonl", jsonl(mixed))

    # ---- a file that is not Parquet ----
    write("not_parquet.parquet", jsonl([r1]))


if __name__ == "__main__":
    main()
