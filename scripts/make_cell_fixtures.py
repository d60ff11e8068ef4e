"""Writes the fixtures of the cells added after `spiking_cells.json`, in its case format
(scripts/fixture_cases.py), into crates/ngclearn/tests/fixtures/ngclearn-3.1.1:

- `raf_cells.json`: RAFCell (resonate-and-fire) driven by given currents, the reference of
  `tests/parity_raf_cells.rs`: both integrators, the default damping and frequency
  (products by -1 and 10) and others (the fused multiply-adds XLA forms then differ),
  products by 1 (omega = 1, dampen_factor = 1), resets to other values, a batch of 2, a
  reset mid-run and the deprecated argument names.
- `hodgkin_huxley_cells.json`: HodgkinHuxleyCell driven by given currents, the reference of
  `tests/parity_hodgkin_huxley_cells.rs`: Euler, midpoint and RK-4, other conductances and
  reversal potentials, a membrane resistance other than 1, spike_reset, a reset mid-run, and
  RK-4 with tau_v other than 1.

Usage (a Python 3.12 with `pip install ngclearn==3.1.1 jax==0.12.0.1`):
    python scripts/make_cell_fixtures.py [OUT_DIR]"""
import json, os, sys
import numpy as np
from ngclearn.components import HodgkinHuxleyCell, RAFCell
from fixture_cases import cell_case

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "crates", "ngclearn", "tests", "fixtures", "ngclearn-3.1.1")
rng = np.random.default_rng(2001)
TR = ["v", "w", "s", "tols"]


def j_in(steps, b, n, lo, hi):
    return rng.uniform(lo, hi, size=(steps, b, n)).astype(np.float32)


cases = {}
cases["raf_defaults"] = cell_case(RAFCell, dict(), 6, 1, 401, 0.1, 300, {"j": j_in(300, 1, 6, 0., 40.)}, TR)
cases["raf_damped_other"] = cell_case(
    RAFCell, dict(tau_v=2., tau_w=3., thr=0.8, omega=7., dampen_factor=-0.7, resist_v=1.3, v_reset=-0.2,
                  w_reset=0.1, v0=0.05, w0=-0.05), 6, 1, 402, 0.1, 300, {"j": j_in(300, 1, 6, -5., 30.)}, TR)
cases["raf_midpoint_defaults"] = cell_case(RAFCell, dict(integration_type="midpoint"), 6, 1, 403, 0.1, 300,
                                           {"j": j_in(300, 1, 6, 0., 40.)}, TR)
cases["raf_rk2_other_batch"] = cell_case(
    RAFCell, dict(tau_v=1.5, tau_w=2.5, thr=0.6, omega=5.5, dampen_factor=-0.3, resist_v=0.7, integration_type="rk2"),
    5, 2, 404, 0.1, 300, {"j": j_in(300, 2, 5, -10., 50.)}, TR, reset_at=150)
cases["raf_products_by_one"] = cell_case(
    RAFCell, dict(omega=1., dampen_factor=1., thr=2., tau_w=0.5), 6, 1, 405, 0.1, 200,
    {"j": j_in(200, 1, 6, -20., 20.)}, TR, note="omega = 1 and b = 1: XLA drops both products")
cases["raf_omega_one_damped"] = cell_case(
    RAFCell, dict(omega=1., dampen_factor=-0.5, resist_v=2.), 6, 1, 406, 0.1, 200, {"j": j_in(200, 1, 6, 0., 10.)}, TR)
cases["raf_deprecated_names"] = cell_case(
    RAFCell, dict(tau_m=2., resist_m=1.5, b=-0.8, omega=6.), 4, 1, 407, 0.1, 200, {"j": j_in(200, 1, 4, 0., 30.)}, TR,
    note="tau_m, resist_m and b are ngclearn's deprecated names of tau_v, resist_v and dampen_factor")



def write(name, what, cases):
    spikes = {k: int(np.asarray(c["trace"]["s"]).sum()) for k, c in cases.items()}
    with open(os.path.join(out, name), "w") as f:
        json.dump({"description": what + " (each case: kwargs, inputs per step, the trace after each step; "
                                         "t = k * dt)",
                   "generator": "ngclearn 3.1.1 / ngcsimlib 3.1.1 / jax 0.12.0.1, float32, CPU",
                   "cases": cases}, f)
    print(name, spikes)


write("raf_cells.json", "RAFCell driven by given currents", cases)

# HodgkinHuxleyCell: no batch_size (ngclearn fixes it at 1); its own generator, so that
# the RAF cases above stay as they were.
rng = np.random.default_rng(1952)
HH = ["v", "n", "m", "h", "s", "tols"]
hh = {}
hh["hh_euler_defaults"] = cell_case(HodgkinHuxleyCell, dict(tau_v=1.), 6, 1, 501, 0.01, 400,
                                    {"j": j_in(400, 1, 6, 0., 20.)}, HH, batch_kw=False)
hh["hh_midpoint_other"] = cell_case(
    HodgkinHuxleyCell, dict(tau_v=1.5, resist_m=1.3, v_Na=110., v_K=-30., v_L=10., g_Na=110., g_K=6., g_L=0.25, thr=5.,
                            integration_type="midpoint"), 6, 1, 502, 0.01, 400, {"j": j_in(400, 1, 6, 0., 25.)}, HH,
    batch_kw=False, reset_at=200)
hh["hh_rk4"] = cell_case(HodgkinHuxleyCell, dict(tau_v=1., integration_type="rk4"), 6, 1, 503, 0.01, 400,
                         {"j": j_in(400, 1, 6, 0., 20.)}, HH, batch_kw=False)
hh["hh_spike_reset_resist"] = cell_case(
    HodgkinHuxleyCell, dict(tau_v=1.2, resist_m=0.8, spike_reset=True, v_reset=-5.), 6, 1, 504, 0.01, 400,
    {"j": j_in(400, 1, 6, 5., 30.)}, HH, batch_kw=False)
hh["hh_heun_steps_by_euler"] = cell_case(HodgkinHuxleyCell, dict(tau_v=2., integration_type="heun"), 4, 1, 505, 0.02,
                                         300, {"j": j_in(300, 1, 4, 0., 15.)}, HH, batch_kw=False)
hh["hh_rk4_tau_resist"] = cell_case(
    HodgkinHuxleyCell, dict(tau_v=2.5, resist_m=1.3, integration_type="rk4"), 6, 1, 506, 0.01, 400,
    {"j": j_in(400, 1, 6, 0., 25.)}, HH, batch_kw=False, reset_at=200)
hh["hh_rk4_spike_reset_tau"] = cell_case(
    HodgkinHuxleyCell, dict(tau_v=0.8, spike_reset=True, v_reset=-3., integration_type="rk4"), 6, 1, 507, 0.01, 400,
    {"j": j_in(400, 1, 6, 5., 30.)}, HH, batch_kw=False)
write("hodgkin_huxley_cells.json", "HodgkinHuxleyCell driven by given currents", hh)
