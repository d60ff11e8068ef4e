"""The engine's warnings, said as Python warnings at the user's line: the first frame
outside this package (where the call that warned was made)."""
import os
import sys
import warnings

_HERE = os.path.dirname(os.path.abspath(__file__))


def warn(message):
    """Issues `message` as a ``UserWarning`` attributed to the caller's own code."""
    level, frame = 2, sys._getframe(1)
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_HERE + os.sep):
        frame = frame.f_back
        level += 1
    warnings.warn(message, UserWarning, stacklevel=level)
