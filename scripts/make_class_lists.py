"""Writes the list of component classes into the READMEs (README.md and
crates/ngclearn-py/README.md), between their markers, from the engine's one list of
classes (`with_classes!`, through the Python package's `_core.classes()`), and the
package README's list of ngclearn 3.1.1's classes that are not here yet, so that no
README lists the classes by hand.

    python scripts/make_class_lists.py            # rewrites the lists
    python scripts/make_class_lists.py --check    # exit 1 if a list is stale

Needs ngclearn_rs installed (pip install ./crates/ngclearn-py); nothing else.
crates/ngclearn-py/tests/test_class_lists.py fails when a committed list is stale.
"""

import argparse
import json
import os
import sys
import textwrap

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
READMES = [os.path.join(ROOT, "README.md"), os.path.join(ROOT, "crates", "ngclearn-py", "README.md")]
BEGIN = (
    "<!-- The list of classes: made by scripts/make_class_lists.py from the engine's one list\n"
    "     of classes; do not edit it by hand (tests/test_class_lists.py checks it). -->"
)
END = "<!-- End of the list of classes. -->"
NOT_HERE_BEGIN = "<!-- ngclearn's classes not here: made by scripts/make_class_lists.py. -->"
NOT_HERE_END = "<!-- End of ngclearn's classes not here. -->"

#: ngclearn 3.1.1's component classes (`ngclearn.components`, its base `JaxComponent`
#: aside): a fixed release, so a list here; tests/test_readme.py checks it against
#: ngclearn itself where it is installed.
NGCLEARN_3_1_1 = [
    "AdExCell", "AlphaSynapse", "BCMSynapse", "BernoulliCell", "BernoulliErrorCell", "ConvSynapse",
    "DeconvSynapse", "DenseSynapse", "DoubleExpSynapse", "EventSTDPSynapse", "ExpKernel", "ExpSTDPSynapse",
    "ExponentialSynapse", "FitzhughNagumoCell", "GaussianErrorCell", "HebbianConvSynapse",
    "HebbianDeconvSynapse", "HebbianPatchedSynapse", "HebbianSynapse", "HodgkinHuxleyCell", "IFCell",
    "IzhikevichCell", "LIFCell", "LaplacianErrorCell", "LatencyCell", "LeakyNoiseCell", "MSTDPETSynapse",
    "PatchedSynapse", "PhasorCell", "PoissonCell", "QuadLIFCell", "RAFCell", "REINFORCESynapse", "RateCell",
    "RetinalGanglionCell", "RewardErrorCell", "SLIFCell", "SOMSynapse", "STDPSynapse", "STPDenseSynapse",
    "StaticConvSynapse", "StaticDeconvSynapse", "StaticPatchedSynapse", "StaticSynapse",
    "TraceSTDPConvSynapse", "TraceSTDPDeconvSynapse", "TraceSTDPSynapse", "VarTrace", "WTASCell",
]


def render():
    """The list, markers included."""
    from ngclearn_rs import _core

    families = {}
    for name in _core.classes():
        path = json.loads(_core.schema(name))["module_path"]  # ngclearn.components.<family>.<module>.<Class>
        family = path.split(".")[1:-2]
        families.setdefault(".".join(family), []).append(name)
    n = sum(len(v) for v in families.values())
    lines = [
        BEGIN,
        f"The {n} classes, at ngclearn 3.1.1's module paths (`ngclearn_rs.components...` in",
        "Python, as `ngclearn.components...` in ngclearn; `ngc list`):",
        "",
    ]
    for family in sorted(families):
        item = f"- `{family}`: " + ", ".join(f"`{c}`" for c in sorted(families[family]))
        lines += textwrap.wrap(item, 88, subsequent_indent="  ", break_on_hyphens=False)
    lines.append(END)
    return "\n".join(lines)


def render_not_here():
    """ngclearn 3.1.1's classes the engine does not have, markers included."""
    from ngclearn_rs import _core

    missing = sorted(set(NGCLEARN_3_1_1) - set(_core.classes()))
    text = "Not here yet (ngclearn 3.1.1 has them; the engine does not): " + (
        ", ".join(f"`{c}`" for c in missing) + "." if missing else "none."
    )
    return "\n".join([NOT_HERE_BEGIN, *textwrap.wrap(text, 88, break_on_hyphens=False), NOT_HERE_END])


def update(text, block, begin=BEGIN, end_marker=END, required=True):
    """``text`` with the part between the markers replaced by ``block``."""
    start, end = text.find(begin), text.find(end_marker)
    if start < 0 or end < start:
        if required:
            raise ValueError("the markers of the list of classes are missing")
        return text
    return text[:start] + block + text[end + len(end_marker):]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a list is stale, write nothing")
    args = parser.parse_args(argv)
    block, not_here, stale = render(), render_not_here(), []
    for path in READMES:
        with open(path) as f:
            text = f.read()
        fresh = update(text, block)
        fresh = update(fresh, not_here, NOT_HERE_BEGIN, NOT_HERE_END, required=False)
        if fresh == text:
            continue
        stale.append(os.path.relpath(path, ROOT))
        if not args.check:
            with open(path, "w") as f:
                f.write(fresh)
    if args.check and stale:
        print(f"stale list of classes in {', '.join(stale)}: run python scripts/make_class_lists.py",
              file=sys.stderr)
        return 1
    print(f"rewrote {', '.join(stale)}" if stale and not args.check else "the lists of classes are up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
