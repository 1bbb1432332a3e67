"""Render one plotly figure to PNG in this process and exit: the child side of `exports.png_bytes`.

Reads the figure's plotly JSON on stdin, takes the width and height in pixels as its two arguments, and writes the
PNG bytes to stdout. It runs in
its own process group so the parent can kill it when kaleido does not answer
(plotly/Kaleido#441: `to_image` can wait forever).
"""

from __future__ import annotations

import sys


def main() -> int:
    """Read the request on stdin, write the PNG on stdout; a failure is one line on stderr and exit code 1."""
    try:
        import plotly.io as pio

        width, height = (int(arg) for arg in sys.argv[1:3])
        fig = pio.from_json(sys.stdin.buffer.read().decode(), skip_invalid=True)
        image = pio.to_image(fig, format="png", width=width, height=height)
    except Exception as exc:  # noqa: BLE001 - the parent reports it as an ExportError
        print(f"{type(exc).__name__}: {exc}".splitlines()[0], file=sys.stderr)
        return 1
    sys.stdout.buffer.write(image)
    return 0


if __name__ == "__main__":
    sys.exit(main())
