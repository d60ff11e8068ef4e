"""What the digits examples share: the palette of their figures, the options every one
of them takes, and scikit-learn's digits (or a message saying how to install it)."""
import argparse
import sys

#: Okabe & Ito's colour-blind-safe palette.
OKABE_ITO = {"orange": "#E69F00", "sky": "#56B4E9", "green": "#009E73", "blue": "#0072B2",
             "vermillion": "#D55E00", "purple": "#CC79A7", "grey": "#999999"}


def base_parser(doc):
    """A parser described by the first paragraph of `doc`, with `--engine`."""
    ap = argparse.ArgumentParser(
        description=doc.split("\n\n")[0].replace("\n", " "),
        epilog="Needs scikit-learn for the digits (pip install scikit-learn) and, for the figures, matplotlib.",
    )
    ap.add_argument("--engine", default="ngclearn_rs", choices=["ngclearn_rs", "ngclearn"],
                    help="the simulator: this package, or ngclearn 3.1.1 itself (needs JAX) (default: %(default)s)")
    return ap


def load_digits_or_exit(script):
    """scikit-learn's digits, or an exit saying how to install it."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        sys.exit(f"{script} learns scikit-learn's bundled 8x8 digits, and scikit-learn is not "
                 "installed: pip install scikit-learn")
    return load_digits()
