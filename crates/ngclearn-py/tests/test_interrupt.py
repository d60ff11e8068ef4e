"""Long scans release the GIL (other Python threads run meanwhile) and stop on Ctrl-C
with KeyboardInterrupt, leaving the context's state as it was."""

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np

from conftest import fresh
from test_tutorial import ei_circuit

LONG = textwrap.dedent(
    """
    import sys, time, numpy as np
    sys.path.insert(0, %r)
    from test_tutorial import ei_circuit
    ctx, adv, pe, pi, post = ei_circuit("long", n_exc=4000, n_inh=1000, n_post=500)
    before = post.v.get().copy()
    rows = np.array(adv.pack_rows(2_000_000, t=lambda i: (i + 1) * 0.1, dt=0.1))
    print("ready", flush=True)
    t0 = time.perf_counter()
    try:
        adv.scan(rows)
        print("finished")
    except KeyboardInterrupt:
        print("interrupted", round(time.perf_counter() - t0, 3), np.array_equal(post.v.get(), before), flush=True)
    """
)


def test_ctrl_c_stops_a_long_scan_and_keeps_the_state():
    here = os.path.dirname(os.path.abspath(__file__))
    p = subprocess.Popen([sys.executable, "-c", LONG % here], stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "ready"
    time.sleep(1.0)
    sent = time.perf_counter()
    p.send_signal(signal.SIGINT)
    out, _ = p.communicate(timeout=60)
    waited = time.perf_counter() - sent
    words = out.split()
    assert words[0] == "interrupted", out
    assert words[2] == "True", "the state changed"
    assert waited < 5.0, f"took {waited:.1f} s to stop"


def test_a_scan_lets_other_python_threads_run():
    ctx, adv, pe, pi, post = ei_circuit(fresh("gil"), n_exc=4000, n_inh=1000, n_post=500)
    rows = np.array(adv.pack_rows(20000, t=lambda i: (i + 1) * 0.1, dt=0.1))
    ticks = []
    done = threading.Event()

    def count():
        while not done.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.001)

    th = threading.Thread(target=count)
    th.start()
    t0 = time.perf_counter()
    adv.scan(rows)
    t1 = time.perf_counter()
    done.set()
    th.join()
    during = [t for t in ticks if t0 < t < t1]
    # With the GIL held for the whole scan the counter could not run at all.
    assert len(during) >= 10, (t1 - t0, len(during))
