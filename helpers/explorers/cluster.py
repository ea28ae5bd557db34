"""Explorers for notebook 05 (multi-GPU systems, small clusters): wiring only; formulas live in helpers.cluster."""

from __future__ import annotations

import html
import math

import ipywidgets as W
import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.patches import Rectangle
from matplotlib.ticker import NullLocator

from .. import cluster as CL
from .. import gpus as G
from ..plotting import PALETTE, log_axis, new_figure
from ..widgets import Explorer, parse_number, register

CNN_NAMES = {"alexnet": "AlexNet", "vgg16": "VGG-16", "resnet50": "ResNet-50"}
MESSAGE_BYTES = np.logspace(0, 10, 241)  # 1 byte to 10 GB
MAX_LINES = 6
HIGHLIGHT, QUIET = PALETTE[3], "#888888"


def model_options() -> list[tuple[str, str]]:
    """(label, key) pairs for a model drop-down: name and parameter count."""
    out = []
    for key in CL.models():
        name = CNN_NAMES.get(key) or CL.model_name(key)
        params = CL.parameter_count(key)
        size = f"{params / 1e9:g}B" if params >= 1e9 else f"{params / 1e6:.0f}M"
        out.append((f"{name} ({size} parameters)", key))
    return out


def _log_axes(ax) -> None:
    """Log-log axes with SI labels and no minor ticks (ten decades of minor ticks cost most of a render)."""
    log_axis(ax)
    ax.xaxis.set_minor_locator(NullLocator())
    ax.yaxis.set_minor_locator(NullLocator())


def _names(family: str) -> list[str]:
    return [lk.name for lk in CL.links(family)]


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:,.3g} ms" if seconds >= 1e-3 else f"{seconds * 1e6:,.3g} µs"


def _bytes(n: float) -> str:
    for factor, unit in ((1e9, "GB"), (1e6, "MB"), (1e3, "kB")):
        if n >= factor:
            return f"{n / factor:,.3g} {unit}"
    return f"{n:,.0f} B"


# ---- 1. topology builder ----------------------------------------------------------------------------------

COLUMNS, BOX_W, BOX_H, STEP_X, STEP_Y = 4, 1.7, 1.1, 2.2, 1.7


def topology_layout(nodes: int, gpus: int) -> dict[str, np.ndarray]:
    """Positions for the drawing: node boxes (outline segments), GPUs, node hubs, the switch, and the edges."""
    rows = math.ceil(nodes / COLUMNS)
    cols = min(nodes, COLUMNS)
    boxes, gpu_xy, hubs, intra = [], [], [], []
    for i in range(nodes):
        x0, y0 = (i % COLUMNS) * STEP_X, (rows - 1 - i // COLUMNS) * STEP_Y
        corners = [(x0, y0), (x0 + BOX_W, y0), (x0 + BOX_W, y0 + BOX_H), (x0, y0 + BOX_H), (x0, y0)]
        boxes += [corners[j: j + 2] for j in range(4)]
        hub = (x0 + BOX_W / 2, y0 + BOX_H / 2)
        hubs.append(hub)
        for j in range(gpus):
            row, col = divmod(j, 4)
            xy = (x0 + BOX_W * (col + 0.5) / 4, y0 + (0.2 if row == 0 else BOX_H - 0.2))
            gpu_xy.append(xy)
            intra.append([xy, hub])
    switch = (((cols - 1) * STEP_X + BOX_W) / 2, rows * STEP_Y + 0.1)
    inter = [[hub, switch] for hub in hubs] if nodes > 1 else []
    return {"boxes": np.array(boxes).reshape(-1, 2, 2), "gpus": np.array(gpu_xy).reshape(-1, 2),
            "hubs": np.array(hubs).reshape(-1, 2),
            "switch": np.array([switch] if nodes > 1 else []).reshape(-1, 2),
            "intra": np.array(intra).reshape(-1, 2, 2), "inter": np.array(inter).reshape(-1, 2, 2),
            "xlim": (-0.4, (cols - 1) * STEP_X + BOX_W + 0.4), "ylim": (-0.4, rows * STEP_Y + 0.5)}


@register("cluster.topology")
def topology_explorer(nodes: int = 3, gpus_per_node: int = 4, intra: str = "PCIe 3.0 x16",
                      inter: str = "InfiniBand QDR 4x", model: str = "resnet50") -> Explorer:
    """Nodes x GPUs per node with an intra-node and an inter-node link: the drawn topology with the bottleneck
    stage highlighted, and the time to all-reduce a model's gradients (hierarchical ring)."""
    controls = {
        "nodes": W.IntSlider(nodes, min=1, max=16, description="nodes"),
        "gpus": W.IntSlider(gpus_per_node, min=1, max=8, description="GPUs/node"),
        "nics": W.IntSlider(1, min=1, max=8, description="NICs/node"),
        "intra": W.Dropdown(options=_names("pcie") + _names("nvlink"), value=intra, description="in a node"),
        "inter": W.Dropdown(options=_names("infiniband") + _names("ethernet"), value=inter,
                            description="between"),
        "model": W.Dropdown(options=model_options(), value=model, description="model"),
        "dtype": W.ToggleButtons(options=["fp32", "fp16"], value="fp32", description="gradients"),
    }
    fig, (ax, bx) = new_figure(1, 2, figsize=(11, 4.6), gridspec_kw={"width_ratios": [2.2, 1]})
    boxes = LineCollection([], colors="#444444", linewidths=1.2)
    intra_lines = LineCollection([], colors=PALETTE[0], linewidths=1.5)
    inter_lines = LineCollection([], colors=PALETTE[2], linewidths=1.5)
    for collection in (boxes, intra_lines, inter_lines):
        ax.add_collection(collection)
    gpu_dots = ax.scatter([], [], marker="s", s=70, color=PALETTE[1], zorder=3, label="GPU")
    hub_dots = ax.scatter([], [], marker="o", s=40, color="#444444", zorder=3)
    switch_dot = ax.scatter([], [], marker="D", s=120, color="#444444", zorder=3, label="network switch")
    ax.set_axis_off()
    stage_bars = bx.barh([1, 0], [0, 0], color=[PALETTE[0], PALETTE[2]])
    bx.set_yticks([1, 0], ["in a node", "between nodes"])
    bx.set_xlabel("all-reduce time (ms)")

    def draw(v):
        n_bytes = CL.gradient_bytes(v["model"], v["dtype"])
        intra_link, inter_link = CL.link(v["intra"]), CL.link(v["inter"])
        stages = CL.hierarchical_allreduce_stages_s(n_bytes, v["nodes"], v["gpus"], intra_link, inter_link,
                                                    v["nics"])
        total = stages["intra"] + stages["inter"]
        lay = topology_layout(v["nodes"], v["gpus"])
        boxes.set_segments(list(lay["boxes"]))
        intra_lines.set_segments(list(lay["intra"]))
        inter_lines.set_segments(list(lay["inter"]))
        gpu_dots.set_offsets(lay["gpus"])
        hub_dots.set_offsets(lay["hubs"])
        switch_dot.set_offsets(lay["switch"])
        slow = max(stages, key=stages.get) if total > 0 else None
        for stage, lines, bar, colour in (("intra", intra_lines, stage_bars[0], PALETTE[0]),
                                          ("inter", inter_lines, stage_bars[1], PALETTE[2])):
            lines.set_color(HIGHLIGHT if stage == slow else colour)
            lines.set_linewidth(4 if stage == slow else 1.5)
            bar.set_width(stages[stage] * 1e3)
            bar.set_color(HIGHLIGHT if stage == slow else colour)
        ax.set_xlim(*lay["xlim"])
        ax.set_ylim(*lay["ylim"])
        bx.set_xlim(0, max(total * 1e3, 1e-6) * 1.1)
        gpus_total = v["nodes"] * v["gpus"]
        ax.set_title(f"{gpus_total} GPUs: {v['nodes']} × {v['gpus']}", fontsize=12)
        if slow is None:
            return "One GPU: nothing to all-reduce."
        where = {"intra": f"inside the nodes ({v['intra']})", "inter": f"between the nodes ({v['inter']})"}[slow]
        return (f"All-reduce of {_bytes(n_bytes)} of {v['dtype']} gradients: <b>{_ms(total)}</b> "
                f"(inside nodes {_ms(stages['intra'])}, between nodes {_ms(stages['inter'])}). "
                f"Bottleneck, in red: {html.escape(where)}.")

    return Explorer("cluster.topology", controls, fig, draw,
                    artists={"intra": intra_lines, "inter": inter_lines, "gpus": gpu_dots, "bars": stage_bars})


# ---- 2. message-size sweep -------------------------------------------------------------------------------

DEFAULT_SWEEP = ("PCIe 3.0 x16", "NVLink 4 (H100)", "InfiniBand QDR 4x", "10 GbE")


@register("cluster.message_sweep")
def message_sweep_explorer(names: tuple[str, ...] = DEFAULT_SWEEP, message: str = "1e6") -> Explorer:
    """Alpha-beta time (or achieved bandwidth) against message size for several links, with the latency-bound
    region of the first link shaded and each link's half-bandwidth size marked."""
    controls = {
        "links": W.SelectMultiple(options=[lk.name for lk in CL.links()], value=tuple(names), rows=6,
                                  description="links"),
        "view": W.ToggleButtons(options=["time", "achieved bandwidth"], value="time", description="show"),
        "footing": W.ToggleButtons(options=["GPU to GPU", "as listed"], value="GPU to GPU", description="latency"),
        "message": W.Text(message, description="message (B)"),
    }
    parsers = {"message": lambda t: parse_number(t, "message size in bytes", minimum=1, maximum=1e10)}
    fig, ax = new_figure(figsize=(9.5, 5))
    lines = [ax.plot([], [], color=PALETTE[i], linewidth=2.2)[0] for i in range(MAX_LINES)]
    halves = ax.scatter([], [], marker="o", s=60, facecolor="white", edgecolor="black", zorder=4,
                        label="half bandwidth (n½ = α·B)")
    shade = ax.axvspan(MESSAGE_BYTES[0], MESSAGE_BYTES[1], color=PALETTE[5], alpha=0.15)
    chosen = ax.axvline(1e6, color="black", linestyle="--", linewidth=1.2)
    _log_axes(ax)
    ax.set_xlim(MESSAGE_BYTES[0], MESSAGE_BYTES[-1])
    ax.set_xlabel("message size (bytes)")
    state: dict = {}

    def draw(v):
        picked = [CL.link(n) for n in v["links"]]
        if v["footing"] == "GPU to GPU":
            picked = [CL.gpu_to_gpu_link(lk) for lk in picked]
        if not picked:
            raise ValueError("choose at least one link (ctrl- or cmd-click to select several)")
        if len(picked) > MAX_LINES:
            raise ValueError(f"choose at most {MAX_LINES} links at once")
        as_time = v["view"] == "time"
        ys, points = [], []
        for i, line in enumerate(lines):
            if i < len(picked):
                lk = picked[i]
                y = CL.p2p_time_s(MESSAGE_BYTES, lk) if as_time else CL.effective_bandwidth_gbs(MESSAGE_BYTES, lk)
                line.set_data(MESSAGE_BYTES, y)
                line.set_label(lk.name)
                line.set_visible(True)
                ys.append(y)
                half = CL.half_bandwidth_bytes(lk)
                if MESSAGE_BYTES[0] <= half <= MESSAGE_BYTES[-1]:
                    y_half = CL.p2p_time_s(half, lk) if as_time else lk.bandwidth_gbs / 2
                    points.append((half, y_half))
            else:
                line.set_data([], [])
                line.set_label("_hidden")
                line.set_visible(False)
        halves.set_offsets(np.array(points).reshape(-1, 2))
        first_half = min(max(CL.half_bandwidth_bytes(picked[0]), MESSAGE_BYTES[0]), MESSAGE_BYTES[-1])
        shade.set_x(MESSAGE_BYTES[0])
        shade.set_width(first_half - MESSAGE_BYTES[0])
        chosen.set_xdata([v["message"], v["message"]])
        low, high = min(y.min() for y in ys), max(y.max() for y in ys)
        ax.set_ylim(low / 2, high * 2)
        ax.set_ylabel("one-way time (s)" if as_time else "achieved GB/s")
        ax.set_title(f"shaded: latency-bound on {picked[0].name}", fontsize=12)
        legend_key = (tuple(v["links"]), as_time, v["footing"])
        if legend_key != state.get("legend"):
            ax.legend(handles=[*lines[: len(picked)], halves], loc="upper left" if as_time else "lower right",
                      fontsize=9)
            state["legend"] = legend_key
        rows = []
        for lk in picked:
            t = CL.p2p_time_s(v["message"], lk)
            regime = "latency-bound" if v["message"] < CL.half_bandwidth_bytes(lk) else "bandwidth-bound"
            share = CL.effective_bandwidth_gbs(v["message"], lk) / lk.bandwidth_gbs
            rows.append(f"<li>{html.escape(lk.name)}: {_ms(t)}, {share:.0%} of its bandwidth ({regime}); "
                        f"latency {lk.latency_us:g} µs = {html.escape(lk.latency_kind)}</li>")
        return f"A {_bytes(v['message'])} message:<ul>{''.join(rows)}</ul>"

    return Explorer("cluster.message_sweep", controls, fig, draw, parsers=parsers,
                    artists={"lines": lines, "halves": halves, "shade": shade, "chosen": chosen})


# ---- 3. measured vs modelled -----------------------------------------------------------------------------

LARGEST_OPTIONS = [("64 kB", 2**16), ("256 kB", 2**18), ("1 MB", 2**20), ("4 MB", 2**22)]


@register("cluster.transfer")
def transfer_explorer(largest: int = 2**22, repeats: int = 10, compare: str = "10 GbE") -> Explorer:
    """Ping-pong between two MPI processes on this machine (``helpers/jobs/pingpong.py``, about a second), fit
    alpha and beta, and draw measurement, fit and a link from the table together. Measurements are kept per
    setting."""
    controls = {
        "largest": W.Dropdown(options=LARGEST_OPTIONS, value=largest, description="largest"),
        "repeats": W.IntSlider(repeats, min=5, max=30, step=5, description="repeats", continuous_update=False),
        "compare": W.Dropdown(options=[lk.name for lk in CL.links()], value=compare, description="compare"),
    }
    fig, ax = new_figure(figsize=(9.5, 5))
    measured = ax.scatter([], [], s=45, color=PALETTE[0], zorder=3, label="measured (median)")
    fastest = ax.scatter([], [], s=20, marker="_", color=PALETTE[0], zorder=3, label="fastest of the repeats")
    fit_line, = ax.plot([], [], color=PALETTE[3], label="fitted α + n/B")
    ref_line, = ax.plot([], [], color=PALETTE[2], linestyle="--", label="table link")
    _log_axes(ax)
    ax.set_xlabel("message size (bytes)")
    ax.set_ylabel("one-way time (s)")
    cache: dict[tuple, tuple] = {}
    state: dict = {}

    def measure(largest: int, repeats: int):
        key = (largest, repeats)
        if key not in cache:
            try:
                m = CL.measure_transfer(CL.default_message_sizes(largest, 10), repeats=repeats, seed=0)
            except (OSError, RuntimeError) as err:  # TimeoutError included: the machine, not the input
                raise ValueError(f"the measurement failed on this machine ({err})") from None
            cache[key] = (m, CL.fit_alpha_beta(m.sizes, m.times_s))
        return cache[key]

    def draw(v):
        m, fit = measure(v["largest"], v["repeats"])
        ref = CL.link(v["compare"])
        x = np.geomspace(m.sizes.min(), m.sizes.max(), 100)
        measured.set_offsets(np.column_stack([m.sizes, m.times_s]))
        fastest.set_offsets(np.column_stack([m.sizes, m.min_times_s]))
        fit_line.set_data(x, fit.predict_s(x))
        ref_line.set_data(x, CL.p2p_time_s(x, ref))
        ref_line.set_label(ref.name)
        ys = np.concatenate([m.times_s, m.min_times_s, fit.predict_s(x), CL.p2p_time_s(x, ref)])
        ax.set_xlim(x[0] / 1.5, x[-1] * 1.5)
        ax.set_ylim(ys.min() / 2, ys.max() * 2)
        if v["compare"] != state.get("legend"):
            ax.legend(loc="upper left", fontsize=9)
            state["legend"] = v["compare"]
        ax.set_title("this machine: two MPI processes, ping-pong", fontsize=12)
        check = "every echoed message came back intact" if m.verified else "SOME MESSAGES CAME BACK CHANGED"
        return (f"Fit: α = <b>{fit.latency_us:,.3g} µs</b>, B = <b>{fit.bandwidth_gbs:,.3g} GB/s</b>, "
                f"n½ = {_bytes(fit.alpha_s / fit.beta_s_per_byte)}. {html.escape(ref.name)}: α = "
                f"{ref.latency_us:g} µs, B = {ref.bandwidth_gbs:g} GB/s. {m.repeats} repeats of "
                f"{len(m.sizes)} sizes; {check}.")

    return Explorer("cluster.transfer", controls, fig, draw,
                    artists={"measured": measured, "fit": fit_line, "reference": ref_line})


# ---- 4. Ethernet vs InfiniBand vs NVLink ------------------------------------------------------------------

WORKERS = np.unique(np.geomspace(1, 1024, 41).round().astype(int))
GPU_MEMORY_GB = G.gpu("H100 SXM").memory_gb  # the memory a plain data-parallel copy must fit in


@register("cluster.networks")
def networks_explorer(model: str = "vgg16", gpus: int = 64) -> Explorer:
    """Scaling efficiency of data-parallel training against the number of GPUs when every GPU talks over one
    Ethernet or InfiniBand link (an all-reduce of the model's gradients every step), and when NVLink joins the GPUs
    of one NVLink domain (8 or 72 GPUs) with the InfiniBand link between domains (hierarchical ring). Warns when
    the model's training state does not fit one GPU (then plain data parallelism is impossible)."""
    controls = {
        "model": W.Dropdown(options=model_options(), value=model, description="model"),
        "gpus": W.IntSlider(gpus, min=2, max=1024, description="GPUs"),
        "ethernet": W.Dropdown(options=_names("ethernet"), value="25 GbE", description="Ethernet"),
        "infiniband": W.Dropdown(options=_names("infiniband"), value="InfiniBand EDR 4x",
                                 description="InfiniBand"),
        "nvlink": W.Dropdown(options=_names("nvlink"), value="NVLink 2 (V100)", description="NVLink"),
        "domain": W.Dropdown(options=[(f"{d} GPUs: {text}", d) for d, text in CL.NVLINK_DOMAINS.items()],
                             value=8, description="NVLink domain"),
        "algorithm": W.ToggleButtons(options=list(CL.ALGORITHMS), value="ring", description="all-reduce"),
        "compute": W.Text("0.2", description="compute s"),
        "overlap": W.Checkbox(False, description="overlap with backward pass"),
    }
    parsers = {"compute": lambda t: parse_number(t, "compute time per step (s)", minimum=1e-6, maximum=1e4)}
    fig, ax = new_figure(figsize=(9.5, 5))
    curves = {k: ax.plot([], [], color=PALETTE[i], label=k)[0]
              for i, k in enumerate(("ethernet", "infiniband", "nvlink"))}
    marks = ax.scatter([1, 1, 1], [1, 1, 1], s=70, color=[PALETTE[0], PALETTE[1], PALETTE[2]], zorder=4,
                       edgecolor="black")
    chosen = ax.axvline(gpus, color="black", linestyle="--", linewidth=1)
    edge = ax.axvline(8, color=PALETTE[2], linestyle=":", linewidth=1.5)  # the NVLink domain's edge
    log_axis(ax, "x")
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xlim(WORKERS[0], WORKERS[-1] * 1.2)
    ax.set_ylim(0, 105)
    ax.set_xlabel("GPUs (one network card each)")
    ax.set_ylabel("scaling efficiency (%)")
    state: dict = {}

    def draw(v):
        n_bytes = CL.gradient_bytes(v["model"])
        found = []
        network = CL.link(v["infiniband"])
        for key, line in curves.items():
            lk = CL.link(v[key])
            if key == "nvlink":
                def speedup(p, lk=lk):
                    return CL.nvlink_domain_speedup(p, v["compute"], n_bytes, lk, network, v["domain"], v["overlap"])
                label = f"{lk.name} in {v['domain']}-GPU domains, {network.name} between (ring)"
            else:
                def speedup(p, lk=lk):
                    return CL.data_parallel_speedup(p, v["compute"], n_bytes, lk, v["algorithm"], v["overlap"])
                label = lk.name
            y = speedup(WORKERS)
            line.set_data(WORKERS, 100 * y / WORKERS)
            line.set_label(label)
            found.append((label, speedup(v["gpus"])))
        marks.set_offsets(np.array([[v["gpus"], 100 * s / v["gpus"]] for _, s in found]))
        chosen.set_xdata([v["gpus"], v["gpus"]])
        edge.set_xdata([v["domain"], v["domain"]])
        legend_key = (*(v[k] for k in curves), v["domain"])
        if legend_key != state.get("legend"):
            ax.legend(handles=[*curves.values()], loc="lower left", fontsize=9)
            state["legend"] = legend_key
        ax.set_title(f"{_bytes(n_bytes)} of fp32 gradients per step, {v['algorithm']} all-reduce over the networks",
                     fontsize=12)
        items = "".join(f"<li>{html.escape(label)}: {s:,.3g}× faster than one GPU "
                        f"({s / v['gpus']:.0%} efficiency)</li>" for label, s in found)
        state_gb, memory_gb = CL.training_state_gb(v["model"]), GPU_MEMORY_GB
        warning = ("" if state_gb <= memory_gb else
                   f"<b>Warning:</b> {html.escape(CL.model_name(v['model']))} needs about {state_gb:,.0f} GB of "
                   f"training state (weights, gradients, Adam in mixed precision), more than the {memory_gb:g} GB "
                   "of one H100: plain data parallelism, a full copy per GPU, cannot train it. These curves only "
                   "show its gradient traffic; notebook 07 (model parallelism, sharded states) shows how it is "
                   "really trained.<br>")
        return f"{warning}{v['gpus']} GPUs, {v['compute']:g} s of compute per step:<ul>{items}</ul>"

    return Explorer("cluster.networks", controls, fig, draw, parsers=parsers,
                    artists={"curves": curves, "marks": marks, "edge": edge})


# ---- 5. inside the box: a real nvidia-smi topo -m matrix, read cell by cell ------------------------------------

TOPO_SHADE = {"X": 0, "NV": 1, "PIX": 2, "PXB": 3, "NODE": 4, "PHB": 4, "SYS": 6}  # darker = farther apart
COPY_SIZES = [("1 MB", 1e6), ("100 MB", 1e8), ("1 GB", 1e9)]


@register("cluster.box")
def box_explorer(a: str = "GPU0", b: str = "GPU4", pcie: str = "PCIe 3.0 x16") -> Explorer:
    """An 8-GPU PCIe server's ``nvidia-smi topo -m`` matrix (helpers/data/topo_example.csv): pick two devices and
    read their cell (path, P2P or staging, GPUDirect RDMA for the network card); the bars give the modelled time
    to copy a message from the first GPU to every other GPU."""
    devices, matrix = CL.topo_matrix()
    gpus = [d for d in devices if d.startswith("GPU")]
    controls = {
        "a": W.Dropdown(options=devices, value=a, description="device A"),
        "b": W.Dropdown(options=devices, value=b, description="device B"),
        "cards": W.ToggleButtons(options=["P2P allowed", "GeForce (no P2P)"], value="P2P allowed",
                                 description="GPUs"),
        "pcie": W.Dropdown(options=_names("pcie"), value=pcie, description="PCIe"),
        "size": W.Dropdown(options=COPY_SIZES, value=1e8, description="copy"),
        "nic": W.Dropdown(options=[("as stored: socket 0's root complex", "stored")]
                          + [(f"under {g}'s PCIe switch", g) for g in gpus[::2]], value="stored",
                          description="NIC placed"),
    }
    stored = matrix
    fig, (ax, bx) = new_figure(1, 2, figsize=(11, 4.8), gridspec_kw={"width_ratios": [1.1, 1]})
    def shades(m):
        return np.array([[TOPO_SHADE[CL.topo_code_kind(c) if c != "X" else "X"] for c in row] for row in m])

    image = ax.imshow(shades(matrix), cmap="Greys", vmin=-1, vmax=9)
    labels = [[ax.text(j, i, "", ha="center", va="center", fontsize=8) for j in range(len(devices))]
              for i in range(len(devices))]
    ax.set_xticks(range(len(devices)), [d.replace("mlx4_0", "NIC") for d in devices], fontsize=8)
    ax.set_yticks(range(len(devices)), [d.replace("mlx4_0", "NIC") for d in devices], fontsize=8)
    ax.set_title("nvidia-smi topo -m (8-GPU PCIe server, 2017)", fontsize=11)
    frame = Rectangle((-0.5, -0.5), 1, 1, fill=False, edgecolor=HIGHLIGHT, linewidth=3)
    ax.add_patch(frame)
    bars = bx.barh(range(len(gpus)), [0] * len(gpus), color=PALETTE[0])
    bx.set_yticks(range(len(gpus)), gpus)
    bx.invert_yaxis()
    bx.set_xlabel("modelled copy time (ms)")

    def draw(v):
        matrix = stored if v["nic"] == "stored" else CL.place_nic(devices, stored, "mlx4_0", v["nic"])
        shade = shades(matrix)
        image.set_data(shade)
        for i, row in enumerate(matrix):
            for j, code in enumerate(row):
                labels[i][j].set_text(code)
                labels[i][j].set_color("white" if shade[i, j] >= 5 else "black")
        ia, ib = devices.index(v["a"]), devices.index(v["b"])
        frame.set_xy((ib - 0.5, ia - 0.5))
        p2p = v["cards"] == "P2P allowed"
        lk = CL.link(v["pcie"])
        source = v["a"] if v["a"] in gpus else "GPU0"
        times = []
        for k, g in enumerate(gpus):
            code = matrix[devices.index(source)][devices.index(g)]
            if code == "X":
                t, staged = 0.0, False
            else:
                t = CL.gpu_pair_copy_time_s(v["size"], code, lk, p2p)
                staged = not CL.gpu_pair_route(code, p2p)["p2p"]
            times.append(t)
            bars[k].set_width(t * 1e3)
            bars[k].set_color(HIGHLIGHT if staged else PALETTE[0])
        bx.set_xlim(0, max(times) * 1e3 * 1.15)
        bx.set_title(f"{_bytes(v['size'])} from {source} (red: staged through host memory)", fontsize=11)
        code = matrix[ia][ib]
        if code == "X":
            return f"{v['a']} with itself: pick two different devices."
        kind = CL.topo_code_kind(code)
        meaning = html.escape(CL.TOPO_CODES[kind])
        if "mlx4_0" in (v["a"], v["b"]):
            other = v["b"] if v["a"] == "mlx4_0" else v["a"]
            rdma = CL.nic_gpu_rdma(code)
            verdict = {"best": "GPUDirect RDMA at its best: the card reads the GPU's memory inside the switch",
                       "possible": "GPUDirect RDMA possible through the CPU's root complex, often slower",
                       "staged": "No useful GPUDirect RDMA: the data goes through host memory, the 2014 detour"}[rdma]
            return f"<b>{code}</b> between the network card and {other}: {meaning}. {verdict}."
        if v["a"] not in gpus or v["b"] not in gpus:
            return f"<b>{code}</b>: {meaning}."
        route = CL.gpu_pair_route(code, p2p)
        t = CL.gpu_pair_copy_time_s(v["size"], code, lk, p2p)
        return (f"<b>{code}</b> between {v['a']} and {v['b']}: {meaning}. Copy: {route['route']}, "
                f"{route['hops']} PCIe cop{'y' if route['hops'] == 1 else 'ies'}: <b>{_ms(t)}</b> for "
                f"{_bytes(v['size'])} ({v['size'] / t / 1e9:,.3g} GB/s) over {html.escape(lk.name)}.")

    return Explorer("cluster.box", controls, fig, draw, artists={"frame": frame, "bars": bars, "image": image,
                                                                "labels": labels})
