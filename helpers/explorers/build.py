"""Explorers for notebook 04 (a full hardware guide): wiring only; formulas live in helpers.build."""

from __future__ import annotations

import html
from functools import cache

import ipywidgets as W
import numpy as np

from .. import build as B
from .. import gpus as G
from .. import machine
from ..plotting import PALETTE, log_axis, new_figure
from ..widgets import Explorer, parse_number, register

BUILD_GPUS = ("GeForce RTX 3090", "GeForce RTX 4090", "GeForce RTX 5090", "GeForce RTX 4080",
              "GeForce RTX 3060 12GB", "RTX 6000 Ada Generation")


TRAINING_CURVE = "qwertyforce_tf32"  # the measured training curve reaching lowest (230 W of a 390 W stock card)


@register("build.configurator")
def configurator_explorer(gpu: str = "GeForce RTX 4090", count: int = 2) -> Explorer:
    """GPU model and count, power limit, CPU and other parts -> PSU size, wall power, yearly electricity cost."""
    controls = {
        "gpu": W.Dropdown(options=BUILD_GPUS, value=gpu, description="GPU"),
        "count": W.IntSlider(count, min=1, max=8, description="GPUs"),
        "limit": W.FloatSlider(1.0, min=0.5, max=1.0, step=0.01, description="limit/stock", readout_format=".0%"),
        "cpu_w": W.Text("170", description="CPU W"),
        "other_w": W.Text("60", description="other W"),
        "tier": W.Dropdown(options=B.PSU_TIERS, value="Gold", description="80 PLUS"),
        "region": W.ToggleButtons(options=["US", "EU"], value="US", description="circuit"),
        "utilisation": W.FloatSlider(0.5, min=0, max=1, step=0.05, description="busy", readout_format=".0%"),
    }
    parsers = {"cpu_w": lambda t: parse_number(t, "CPU watts", minimum=0, maximum=1000),
               "other_w": lambda t: parse_number(t, "other watts", minimum=0, maximum=2000)}
    fig, ax = new_figure(figsize=(9.5, 3.8))
    parts = ("GPUs", "CPU", "other", "PSU losses")
    colors = (PALETTE[0], PALETTE[1], PALETTE[2], PALETTE[7])
    bars = [ax.barh([0], [0], left=[0], color=c, label=p, height=0.5)[0] for p, c in zip(parts, colors)]
    circuit = ax.axvline(0, color=PALETTE[3], linestyle="--", linewidth=2.5, label="circuit limit (continuous)")
    psu = ax.axvline(0, color=PALETTE[4], linestyle=":", linewidth=2.5, label="PSU rating to buy")
    ax.set_yticks([])
    ax.set_xlabel("watts")
    ax.legend(loc="upper center", ncols=3, fontsize=10, bbox_to_anchor=(0.5, -0.25))

    def draw(v):
        g = G.gpu(v["gpu"])
        gpu_w = g.tdp_w * v["limit"]
        dc = gpu_w * v["count"] + v["cpu_w"] + v["other_w"]
        # the PSU is sized on stock board power: a power limit is lost at reboot unless a service sets it again,
        # does not apply while the machine boots and does not cap millisecond spikes
        rating = B.psu_watts([g.tdp_w] * v["count"], v["cpu_w"], v["other_w"])
        wall = B.wall_watts(dc, rating, v["tier"])
        left = 0.0
        for bar, width in zip(bars, (gpu_w * v["count"], v["cpu_w"], v["other_w"], wall - dc)):
            bar.set_x(left)
            bar.set_width(width)
            left += width
        limit = B.circuit_limit_w(v["region"])
        circuit.set_xdata([limit, limit])
        psu.set_xdata([rating, rating])
        ax.set_xlim(0, max(wall, limit, rating) * 1.1)
        low, _ = B.stock_share_range(TRAINING_CURVE)
        if v["limit"] >= low - 1e-9:
            perf = f"about {B.speed_at_stock_share(v['limit'], TRAINING_CURVE):.0%}"
        else:
            perf = f"not measured (the curve starts at {low:.0%} of stock power)"
        proxy = "" if v["gpu"] == "GeForce RTX 3090" else f"; a proxy for the {v['gpu'].replace('GeForce ', '')}"
        price = B.electricity_price("US average (residential)" if v["region"] == "US" else "EU average (households)")
        cost = B.electricity_cost(wall, 24, v["utilisation"], price)
        currency = "$" if v["region"] == "US" else "€"
        warnings = []
        if wall > limit:
            warnings.append(f"the wall draw exceeds the {limit:.0f} W continuous limit of one circuit: "
                            "lower the power limit, use fewer GPUs or a second circuit")
        if v["count"] > 4:
            warnings.append("more than 4 cards rarely fit one consumer board (slot spacing, lanes): "
                            "use risers, water cooling or a server chassis")
        if v["count"] > 1 and g.tdp_w >= 350:
            warnings.append("open-air coolers of stacked hot cards blow on each other: power-limit them; a free "
                            "slot between cards works for two, but four spaced cards need more slots than a "
                            "desktop case has (risers, water blocks or a server chassis)")
        warn = "".join(f"<li>{html.escape(w)}</li>" for w in warnings)
        eff_note = (" PSU losses use the 80 PLUS 115 V figures; on 230 V a unit is a point or two more efficient."
                    if v["region"] == "EU" else "")
        return (f"DC load {dc:,.0f} W at this limit; buy a PSU of at least <b>{rating:,.0f} W</b>, sized on the "
                f"stock {g.tdp_w:.0f} W per card (a limit resets at reboot and does not cap spikes); wall draw "
                f"{wall:,.0f} W; about <b>{currency}{cost:,.0f} a year</b> at {currency}{price:.2f}/kWh and "
                f"{v['utilisation']:.0%} use. Training speed kept at {v['limit']:.0%} of stock board power: "
                f"{perf} (ViT-B training in TF32 on an RTX 3090 with a 390 W stock limit{proxy}).{eff_note}"
                f"{'<ul>' + warn + '</ul>' if warn else ''}")

    return Explorer("build.configurator", controls, fig, draw, parsers=parsers,
                    artists={"bars": bars, "circuit": circuit, "psu": psu})


@cache
def measured_decode() -> machine.DecodeMeasurement:
    """This machine's repeated measurement of the ImageNet training transform on an ImageNet-sized JPEG: decode,
    RandomResizedCrop to 224, flip, normalise; median of 5 runs of 30 images, with the load average (cached)."""
    return machine.measure_imagenet_decode()


def measured_decode_rate() -> tuple[float, int]:
    """This machine's measured (median images/s per core, JPEG bytes), from :func:`measured_decode`."""
    m = measured_decode()
    return m.images_per_s, m.jpeg_bytes


@register("build.pipeline")
def pipeline_explorer(storage: str = "HDD (7200 rpm)") -> Explorer:
    """Which input-pipeline stage limits training: storage, CPU decoding, PCIe or the GPU."""
    per_core, jpeg_bytes = measured_decode_rate()
    reference = B.hardware_fact("decode_rate_reference_per_core")
    storages = B.storage_names()
    controls = {
        "storage": W.Dropdown(options=storages, value=storage, description="storage"),
        "sample_kb": W.Text(f"{jpeg_bytes / 1e3:.0f}", description="sample KB"),
        "cores": W.IntSlider(8, min=1, max=64, description="CPU cores"),
        "gpu_rate": W.Text("2000", description="GPU img/s"),
        "per_core": W.Text(f"{reference:g}", description="img/s/core"),
        "access": W.ToggleButtons(options=[("shuffled files", "random"), ("sequential shards", "sequential")],
                                  value="random", description="reads"),
        "epoch": W.ToggleButtons(options=[("first", 1), ("later", 2)], value=1, description="epoch"),
        "dataset_gb": W.Text("138", description="data GB"),
        "cache_gb": W.IntSlider(32, min=0, max=512, step=8, description="RAM cache GB"),
    }

    def parse_rate(text):
        if str(text).strip().lower() in ("measured", ""):
            return per_core
        return parse_number(text, "images per second per core", minimum=0.1, maximum=1e6)

    parsers = {"sample_kb": lambda t: parse_number(t, "sample size (KB)", minimum=0.1, maximum=1e6),
               "gpu_rate": lambda t: parse_number(t, "GPU images per second", minimum=1, maximum=1e7),
               "per_core": parse_rate,
               "dataset_gb": lambda t: parse_number(t, "data set size (GB)", minimum=0.001, maximum=1e6)}
    fig, ax = new_figure(figsize=(9.5, 3.6))
    bars = ax.barh(np.arange(4), np.ones(4), color=PALETTE[5])
    ax.invert_yaxis()
    log_axis(ax, "x")
    ax.set_xlabel("samples per second the stage can deliver")

    def draw(v):
        hit = B.page_cache_hit_fraction(v["dataset_gb"], v["cache_gb"], v["epoch"])
        stages = B.pipeline_stages(v["storage"], v["sample_kb"] * 1e3, v["per_core"], v["cores"], v["gpu_rate"],
                                   access=v["access"], cached_fraction=hit)
        slow = B.bottleneck(stages)
        finite = [s.samples_per_s for s in stages if np.isfinite(s.samples_per_s)]
        top = max(finite) * 3
        for bar, s in zip(bars, stages):
            bar.set_width(min(s.samples_per_s, top))
            bar.set_color(PALETTE[3] if s is slow else PALETTE[5])
        ax.set_yticks(np.arange(4), [s.name for s in stages])
        ax.set_xlim(min(finite) / 3, top)
        cache = (f"page cache serves {hit:.0%} of the reads" if hit < 1
                 else "the whole data set is in the page cache: the drive is not read")
        need = B.cores_needed(v["gpu_rate"], v["per_core"])
        return (f"Bottleneck: <b>{html.escape(slow.name)}</b> at {slow.samples_per_s:,.0f} samples/s ({cache}). "
                "Keeping the "
                f"GPU busy needs about <b>{need} cores</b> for decoding at {v['per_core']:.0f} images/s per core "
                f"(default: the dated reference rate of {reference:g} per core, hardware_facts.csv; yours, measured "
                f"on this machine: {per_core:.0f} for a {jpeg_bytes / 1e3:.0f} KB 500×375 JPEG, decode + "
                "random-resized crop to 224 + flip + normalise; type <i>measured</i> or another rate).")

    return Explorer("build.pipeline", controls, fig, draw, parsers=parsers, artists={"bars": bars})


STEP_TIMES_MS = np.logspace(-1, 3, 120)


@register("build.pcie")
def pcie_explorer(generation: str = "3.0") -> Explorer:
    """PCIe generation, lanes, batch size and the GPU's speed (which sets the step time): when x8 against x16
    matters, at the link's peak or at what pinned and pageable copies reach."""
    pinned, pageable = B.hardware_fact("pcie_pinned_efficiency"), B.hardware_fact("pcie_pageable_efficiency")
    controls = {
        "generation": W.Dropdown(options=B.pcie_generations(), value=generation, description="PCIe"),
        "batch": W.IntSlider(32, min=1, max=1024, description="batch"),
        "dtype_bytes": W.ToggleButtons(options=[("uint8", 1), ("fp16", 2), ("fp32", 4)], value=4,
                                       description="values"),
        "gpu_rate": W.Text("160", description="GPU img/s"),
        "copy": W.ToggleButtons(options=[("peak", 1.0), (f"pinned {pinned:.0%}", pinned),
                                         (f"pageable {pageable:.0%}", pageable)], value=1.0, description="copy"),
        "prefetch": W.Checkbox(False, description="prefetch (overlap with compute)"),
    }
    parsers = {"gpu_rate": lambda t: parse_number(t, "GPU images per second", minimum=0.01, maximum=1e7)}
    fig, ax = new_figure(figsize=(9.5, 4.2))
    lines = {lanes: ax.plot([], [], label=f"x{lanes}")[0] for lanes in (16, 8, 4)}
    marker = ax.axvline(200, color=PALETTE[7], linestyle=":", label="your step time (batch / GPU speed)")
    log_axis(ax)
    ax.set_xlabel("training step time (ms)")
    ax.set_ylabel("extra time for the copy (share of step)")
    ax.legend(loc="upper right")

    def draw(v):
        n_bytes = B.batch_bytes(v["batch"], bytes_per_value=v["dtype_bytes"])
        step = B.step_time_s(v["batch"], v["gpu_rate"])
        shares = {}
        for lanes, line in lines.items():
            t = B.pcie_transfer_time_s(n_bytes, v["generation"], lanes, v["copy"])
            y = np.array([B.transfer_overhead(t, s / 1e3, v["prefetch"]) for s in STEP_TIMES_MS])
            visible = y > 0
            line.set_data(STEP_TIMES_MS[visible], y[visible])
            shares[lanes] = (t, B.transfer_overhead(t, step, v["prefetch"]))
        marker.set_xdata([step * 1e3] * 2)
        ax.set_xlim(STEP_TIMES_MS[0], STEP_TIMES_MS[-1])
        ax.set_ylim(1e-4, 100)
        parts = ", ".join(f"x{lanes}: {t * 1e3:.2f} ms copy, +{s:.1%}" for lanes, (t, s) in shares.items())
        return (f"Batch of {n_bytes / 1e6:.1f} MB over PCIe {v['generation']} at {v['copy']:.0%} of peak; step "
                f"{step * 1e3:,.1f} ms ({v['batch']} images at {v['gpu_rate']:,.0f} images/s). At your step time: "
                f"{parts}.")

    return Explorer("build.pcie", controls, fig, draw, parsers=parsers,
                    artists={"lines": lines, "marker": marker})


@register("build.cloud_vs_own")
def cloud_explorer() -> Explorer:
    """Cumulative cost of owning a GPU machine against renting, and the break-even month."""
    controls = {
        "purchase": W.Text("3000", description="buy $"),
        "power_w": W.Text("650", description="wall W"),
        "price_kwh": W.Text(f"{B.electricity_price('US average (residential)'):g}", description="$/kWh"),
        "cloud_rate": W.Text(f"{B.default_cloud_rate():g}", description="cloud $/h"),
        "hours": W.IntSlider(200, min=0, max=720, step=10, description="hours/month"),
        "resale": W.FloatSlider(0.3, min=0, max=0.8, step=0.05, description="resale", readout_format=".0%"),
        "sell_after": W.IntSlider(60, min=1, max=60, description="sell after (months)"),
        "idle_w": W.Text(f"{B.hardware_fact('desktop_idle_w'):g}", description="idle W"),
        "left_on": W.Checkbox(True, description="left on all month (idles when not training)"),
    }
    parsers = {
        "purchase": lambda t: parse_number(t, "purchase price", minimum=0, maximum=1e7),
        "power_w": lambda t: parse_number(t, "wall power", minimum=0, maximum=1e5),
        "price_kwh": lambda t: parse_number(t, "electricity price", minimum=0, maximum=10),
        "cloud_rate": lambda t: parse_number(t, "cloud price per hour", minimum=0.001, maximum=1e4),
        "idle_w": lambda t: parse_number(t, "idle power", minimum=0, maximum=1e5),
    }
    fig, ax = new_figure(figsize=(9.5, 4.2))
    own_line, = ax.plot([], [], label="own (purchase + electricity; resale when sold)")
    cloud_line, = ax.plot([], [], label="cloud")
    even = ax.axvline(np.nan, color=PALETTE[7], linestyle=":", label="break-even")
    ax.set_xlabel("months")
    ax.set_ylabel("cumulative cost ($)")
    ax.legend(loc="upper left")

    def draw(v):
        on = 730 if v["left_on"] else v["hours"]
        m, own, cloud, month = B.cloud_vs_own_at_end(v["purchase"], v["power_w"], v["price_kwh"], v["cloud_rate"],
                                                    v["hours"], v["sell_after"], v["resale"], v["idle_w"], on)
        own_line.set_data(m, own)
        cloud_line.set_data(m, cloud)
        even.set_xdata([month if month is not None else np.nan] * 2)
        even.set_visible(month is not None)
        ax.set_xlim(0, 60)
        ax.set_ylim(0, max(own.max(), cloud.max()) * 1.1 + 1)
        when = (f"owning is cheaper from month <b>{month}</b>" if month is not None
                else f"renting stays cheaper until you sell at month {v['sell_after']}")
        end = own[-1] - cloud[-1]
        total = (f"after {v['sell_after']} months, with the resale, owning has cost ${abs(end):,.0f} "
                 f"{'more' if end > 0 else 'less'} than renting")
        return (f"At {v['hours']} hours a month {when}; {total}. Defaults: a "
                "one-GPU RTX 4090 desktop against renting one RTX 4090 on demand (a dated example price); "
                "edit both.")

    return Explorer("build.cloud_vs_own", controls, fig, draw, parsers=parsers,
                    artists={"own": own_line, "cloud": cloud_line, "even": even})


@register("build.power_limit")
def power_limit_explorer() -> Explorer:
    """Measured speed against power limit in absolute watts: training benchmarks, a game benchmark and a stress
    test, kept apart; each series keeps its own 100 % point, named in the legend."""
    controls = {
        "watts": W.IntSlider(280, min=200, max=480, step=5, description="power limit W"),
        "show_stress": W.Checkbox(True, description="show the gpu-burn stress test (not training)"),
    }
    fig, ax = new_figure(figsize=(9.5, 5.4))
    styles = {"training": ("-", "o"), "games": ("--", "s"), "stress": (":", "x")}
    lines = {}
    for i, name in enumerate(B.power_limit_series()):
        kind = next(k for k in styles if name in B.power_limit_series(k))
        x, y, stock = B.power_limit_watts_curve(name)
        ref = x[-1]  # every series' highest measured point is its 100 % point
        line, marker = styles[kind]
        lines[name] = ax.plot(x, y, linestyle=line, marker=marker, color=PALETTE[i % len(PALETTE)],
                              label=f"{B.power_limit_label(name)}; 100% = {ref:.0f} W, stock {stock:.0f} W")[0]
    marker = ax.axvline(280, color=PALETTE[7], linestyle=":", label="your power limit")
    ax.set_xlim(200, 500)
    ax.set_ylim(0.6, 1.02)
    ax.set_xlabel("power limit (W of board power)")
    ax.set_ylabel("speed kept (share of the series' 100% point)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncols=2, fontsize=7)

    def draw(v):
        marker.set_xdata([v["watts"]] * 2)
        for name, line in lines.items():
            if name in B.power_limit_series("stress"):
                line.set_visible(v["show_stress"])
        parts = []
        for name in B.power_limit_series():
            x, _, stock = B.power_limit_watts_curve(name)
            if x[0] - 1e-9 <= v["watts"] <= x[-1] + 1e-9:
                speed = B.power_limited_performance(v["watts"] / x[-1], name)  # every series peaks at its 100 % point
                parts.append(f"{html.escape(name)}: {speed:.0%} "
                             f"({v['watts'] / stock:.0%} of its {stock:.0f} W stock)")
            else:
                parts.append(f"{html.escape(name)}: not measured at {v['watts']} W")
        return (f"Speed kept at {v['watts']} W (linear between measured points, each relative to its own 100% "
                "point): " + "; ".join(parts)
                + ". Training curves are what a training run sees; the stress test is a sustained worst case.")

    return Explorer("build.power_limit", controls, fig, draw, artists={"lines": lines, "marker": marker})


@register("build.cooling")
def cooling_explorer() -> Explorer:
    """Stacked GPUs: fan type, spacing, power limit and room temperature -> each card's temperature and speed."""
    controls = {
        "cards": W.IntSlider(4, min=1, max=8, description="GPUs"),
        "gap": W.IntSlider(0, min=0, max=3, description="free slots between"),
        "fan": W.ToggleButtons(options=B.FAN_TYPES, value="open-air", description="cooler"),
        "limit": W.FloatSlider(1.0, min=0.5, max=1.0, step=0.05, description="power limit", readout_format=".0%"),
        "ambient": W.IntSlider(25, min=10, max=45, description="room °C"),
        "card_w": W.IntSlider(350, min=250, max=600, step=25, description="card W (stock)"),
    }
    fig, (ax_t, ax_s) = new_figure(1, 2, figsize=(9.5, 3.8))
    slots = np.arange(1, 9)
    temp_bars = ax_t.bar(slots, np.zeros(8), color=PALETTE[3])
    limit_c = B.cooling_limit_c()
    ax_t.axhline(limit_c, color=PALETTE[7], linestyle="--", label=f"throttle limit {limit_c:g} °C")
    ax_t.set_ylim(0, 100)
    ax_t.set_xlabel("card (top to bottom)")
    ax_t.set_ylabel("°C")
    ax_t.legend(loc="lower right", fontsize=9)
    speed_bars = ax_s.bar(slots, np.zeros(8), color=PALETTE[5])
    ax_s.axhline(1.0, color=PALETTE[7], linestyle=":")
    ax_s.set_ylim(0, 1.1)
    ax_s.set_xlabel("card (top to bottom)")
    ax_s.set_ylabel("speed (share of full power, cool)")
    for ax in (ax_t, ax_s):
        ax.set_xticks(slots)

    def draw(v):
        temps, speed = B.cooling_speeds(v["cards"], v["gap"], v["fan"], v["limit"], v["ambient"], v["card_w"])
        for i in range(8):
            shown = i < v["cards"]
            temp_bars[i].set_height(temps[i] if shown else 0)
            speed_bars[i].set_height(speed[i] if shown else 0)
            temp_bars[i].set_visible(shown)
            speed_bars[i].set_visible(shown)
        for ax in (ax_t, ax_s):
            ax.set_xlim(0.4, v["cards"] + 0.6)
        low, _ = B.stock_share_range()
        below = B.cooling_power_shares(v["cards"], v["gap"], v["fan"], v["limit"], v["ambient"], v["card_w"]) < low
        guess = (f" {int(below.sum())} card(s) throttle below {low:.0%} of stock power, the curve's lowest "
                 "measured point: their speed is an extrapolation (proportional to power), not a measurement."
                 if below.any() else "")
        return (f"Average speed <b>{speed.mean():.0%}</b> of a cool card at full power; hottest card "
                f"{temps.max():.0f} °C, slowest {speed.min():.0%}.{guess} A toy model: its parameters are course "
                "assumptions calibrated to the article's ranges (cooling_model.csv), not measurements.")

    return Explorer("build.cooling", controls, fig, draw,
                    artists={"temps": list(temp_bars), "speeds": list(speed_bars)})
