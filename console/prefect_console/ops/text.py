"""Making untrusted text (log messages, run names, parameters) safe to show in a terminal.

A log line is written by whatever code ran in a flow: an escape sequence in it would reach
the operator's terminal (an OSC sequence can rename a tmux pane or write the clipboard), so
escape sequences and other control characters are removed before anything is shown.
"""

from __future__ import annotations

import re

# CSI (ESC [ ... final), OSC (ESC ] ... BEL or ESC \), other ESC-introduced sequences, and
# the 8-bit C1 forms of CSI/OSC.
_ESCAPES = re.compile(
    r"""
    \x1b\[[0-?]*[ -/]*[@-~]              # CSI
    | \x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?  # OSC, terminated or not
    | \x1b[PX^_][^\x1b]*(?:\x1b\\)?       # DCS, SOS, PM, APC strings
    | \x1b[ -/]*[0-~]?                    # two-byte escapes
    | \x9b[0-?]*[ -/]*[@-~]               # 8-bit CSI
    | \x9d[^\x07\x9c]*[\x07\x9c]?         # 8-bit OSC
    """,
    re.VERBOSE,
)
# every C0/C1 control except newline and tab (handled by the callers' choice)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def strip_controls(text: str, *, keep_newlines: bool = True) -> str:
    """`text` without escape sequences or control characters; tabs become spaces."""
    text = _ESCAPES.sub("", text)
    text = _CONTROLS.sub("", text)
    text = text.replace("\t", "    ")
    if not keep_newlines:
        text = text.replace("\n", " ")
    return text


def one_line(text: str) -> str:
    return strip_controls(text, keep_newlines=False)
