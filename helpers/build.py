"""Building a deep-learning machine: power and PSU, electricity, PCIe transfers, the input pipeline, cloud or own.

Conventions: power in watts (W) of DC load unless named ``wall``; energy prices per kWh in the currency the
caller uses; bandwidths in GB/s (1e9 bytes/s) per direction; sample and batch sizes in bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import checks
from .data import load_table

HOURS_PER_YEAR = 24 * 365




# ---- power -------------------------------------------------------------------------------------

def psu_watts(gpu_w: list[float], cpu_w: float, other_w: float = 50, margin: float = 0.1) -> float:
    """PSU rating to buy (W): the summed DC load of GPUs, CPU and the rest, plus a safety ``margin``
    (0.1 = 10 %) for transient spikes and ageing.

    This is the article's rule: CPU + GPUs, about 10 % more for the other parts (here ``other_w``), then
    another 10 % (``margin``); its example, 4 x 250 W + 150 W + 100 W = 1,250 W -> 1,375 W, buy 1,400 W.
    """
    if not isinstance(gpu_w, (list, tuple, np.ndarray)):
        raise ValueError(f"gpu_w must be a list of GPU powers in W, got {gpu_w!r}")
    if len(gpu_w) > 16:
        raise ValueError(f"gpu_w holds at most 16 GPUs, got {len(gpu_w)}")
    load = sum(checks.non_negative(w, "GPU power in gpu_w") for w in gpu_w) + checks.non_negative(cpu_w, "cpu_w") \
        + checks.non_negative(other_w, "other_w")
    if checks.non_negative(margin, "margin") > 2:
        raise ValueError(f"margin must be at most 2 (200 %), got {margin}")
    return load * (1 + margin)


PSU_TIERS = ("Bronze", "Gold", "Platinum", "Titanium")


def psu_efficiency(tier: str, load_fraction: float) -> float:
    """Efficiency of an 80 PLUS ``tier`` PSU at ``load_fraction`` of its rating (linear between the
    certified load points; held constant beyond them)."""
    rows = sorted(load_table("psu_efficiency").where(tier=tier), key=lambda r: r.load_percent)
    if not rows:
        raise ValueError(f"tier must be one of {PSU_TIERS}, got {tier!r}")
    load = checks.non_negative(load_fraction, "load_fraction")
    if load > 1.5:
        raise ValueError(f"load_fraction above 1.5 overloads the PSU, got {load}")
    return float(np.interp(load * 100, [r.load_percent for r in rows], [r.efficiency for r in rows]))


def wall_watts(dc_w: float, psu_rating_w: float, tier: str = "Gold") -> float:
    """Power drawn from the wall socket (W) for a DC load ``dc_w`` on a PSU of ``psu_rating_w``."""
    dc = checks.non_negative(dc_w, "dc_w")
    rating = checks.positive(psu_rating_w, "psu_rating_w")
    if dc > rating:
        raise ValueError(f"the load of {dc:.0f} W exceeds the PSU rating of {rating:.0f} W")
    return dc / psu_efficiency(tier, dc / rating)


def circuit_limit_w(region: str = "US", continuous: bool = True) -> float:
    """Household circuit limit (W) for ``region`` "US" (120 V 15 A) or "EU" (230 V 16 A)."""
    if region not in ("US", "EU"):
        raise ValueError(f"region must be 'US' or 'EU', got {region!r}")
    key = f"{region.lower()}_circuit_{'continuous' if checks.flag(continuous, 'continuous') else 'peak'}_w"
    return load_table("hardware_facts").get(key).value


def power_limited_performance(power_fraction: float, series: str = "puget_tf") -> float:
    """Relative throughput at ``power_fraction`` of the reference power limit, interpolated linearly between
    the measured points of ``series`` in ``power_limit.csv`` (extrapolation below the lowest point is refused)."""
    rows = sorted(load_table("power_limit").where(series=series), key=lambda r: r.power_w)
    if not rows:
        raise ValueError(f"unknown power-limit series {series!r}")
    frac = checks.positive(power_fraction, "power_fraction")
    xs = [r.power_w / r.relative_to_w for r in rows]
    if frac < xs[0] - 1e-9 or frac > 1 + 1e-9:
        raise ValueError(f"power_fraction must be between {xs[0]:.2f} (lowest measured) and 1, got {frac:.2f}")
    return float(np.interp(frac, xs, [r.relative_performance for r in rows]))


def electricity_cost(watts: float, hours_per_day: float = 24, utilisation: float = 1.0,
                     price_per_kwh: float = 0.16, years: float = 1.0) -> float:
    """Cost of running ``watts`` (wall power) for ``hours_per_day`` at ``utilisation`` over ``years``."""
    w = checks.non_negative(watts, "watts")
    hours = checks.non_negative(hours_per_day, "hours_per_day")
    if hours > 24:
        raise ValueError(f"hours_per_day must be at most 24, got {hours}")
    u = checks.fraction(utilisation, "utilisation")
    price = checks.non_negative(price_per_kwh, "price_per_kwh")
    yrs = checks.non_negative(years, "years")
    return w / 1000 * hours * 365 * yrs * u * price


# ---- PCIe ----------------------------------------------------------------------------------------

def pcie_generations() -> list[str]:
    """PCIe generations in ``interconnects.csv``, e.g. ['1.0', ..., '6.0']."""
    rows = [r for r in load_table("interconnects") if r.family == "pcie"]
    return [f"{float(r.generation):.1f}" for r in sorted(rows, key=lambda r: float(r.generation))]


def pcie_gbs(generation: str | float, lanes: int) -> float:
    """Per-direction bandwidth (GB/s) of a PCIe link of ``generation`` with ``lanes`` lanes."""
    if isinstance(lanes, bool) or lanes not in (1, 2, 4, 8, 16):
        raise ValueError(f"lanes must be 1, 2, 4, 8 or 16, got {lanes!r}")
    try:
        if isinstance(generation, bool):
            raise TypeError
        gen = float(generation)
    except (TypeError, ValueError):
        raise ValueError(f"generation must be one of {pcie_generations()}, got {generation!r}") from None
    for r in load_table("interconnects"):
        if r.family == "pcie" and float(r.generation) == gen:
            return r.per_direction_gbs / r.lanes * lanes
    raise ValueError(f"generation must be one of {pcie_generations()}, got {generation!r}")


def batch_bytes(batch: int, channels: int = 3, height: int = 224, width: int = 224,
                bytes_per_value: float = 4) -> float:
    """Bytes of a batch of images (batch x channels x height x width values)."""
    dims = [checks.whole(v, n)
            for v, n in ((batch, "batch"), (channels, "channels"), (height, "height"), (width, "width"))]
    return float(np.prod(dims, dtype=float)) * checks.positive(bytes_per_value, "bytes_per_value")


def pcie_transfer_time_s(n_bytes: float, generation: str | float, lanes: int, efficiency: float = 1.0) -> float:
    """Seconds to move ``n_bytes`` host-to-device at ``efficiency`` of the link's peak bandwidth."""
    eff = checks.fraction(efficiency, "efficiency")
    if eff == 0:
        raise ValueError("efficiency must be above 0")
    return checks.non_negative(n_bytes, "n_bytes") / (pcie_gbs(generation, lanes) * 1e9 * eff)


def transfer_overhead(transfer_s: float, step_s: float, prefetch: bool) -> float:
    """Share of extra time a transfer adds to a training step: without prefetching the GPU waits for the whole
    transfer (t / step); with prefetching it overlaps the previous step and costs only what sticks out."""
    t, step = checks.non_negative(transfer_s, "transfer_s"), checks.positive(step_s, "step_s")
    return max(0.0, t - step) / step if checks.flag(prefetch, "prefetch") else t / step


# ---- input pipeline ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Stage:
    name: str
    samples_per_s: float


def storage_names() -> list[str]:
    """The storage types of ``storage.csv``, in table order."""
    return [r.storage for r in load_table("storage")]


def storage_read_mbs(storage: str, optimistic: bool = False) -> float:
    """Sequential read throughput (MB/s) of a storage type from ``storage.csv`` (low end unless optimistic)."""
    try:
        row = load_table("storage").get(storage)
    except KeyError:
        raise ValueError(f"storage must be one of {storage_names()}, got {storage!r}") from None
    return row.read_mbs_high if checks.flag(optimistic, "optimistic") else row.read_mbs_low


def pipeline_stages(storage: str, sample_bytes: float, decode_per_core: float, cores: int,
                    gpu_samples_per_s: float, pcie_generation: str = "4.0", lanes: int = 16,
                    decoded_bytes: float = 224 * 224 * 3, access: str = "random",
                    cached_fraction: float = 0.0) -> list[Stage]:
    """Samples per second each stage of an input pipeline can deliver: read (by ``access`` pattern, with
    ``cached_fraction`` of the samples served from the page cache, see :func:`storage_samples_per_s`),
    decode+augment on ``cores``, PCIe copy of the decoded sample (uint8) and the GPU's training speed."""
    sample = checks.positive(sample_bytes, "sample_bytes")
    per_core = checks.positive(decode_per_core, "decode_per_core")
    checks.whole(cores, "cores", 1, 256)
    return [
        Stage("storage read", storage_samples_per_s(storage, sample, access, cached_fraction)),
        Stage(f"decode + augment ({cores} cores)", per_core * cores),
        Stage("PCIe copy", pcie_gbs(pcie_generation, lanes) * 1e9 / checks.positive(decoded_bytes, "decoded_bytes")),
        Stage("GPU training", checks.positive(gpu_samples_per_s, "gpu_samples_per_s")),
    ]


def bottleneck(stages: list[Stage]) -> Stage:
    """The slowest stage: the pipeline delivers no more than it."""
    if not isinstance(stages, (list, tuple)) or not all(isinstance(s, Stage) for s in stages):
        raise ValueError(f"stages must be a list of Stage (from pipeline_stages()), got {stages!r}")
    if not stages:
        raise ValueError("stages is empty")
    for s in stages:
        if s.samples_per_s != float("inf"):  # a stage served entirely from RAM has no limit of its own
            checks.non_negative(s.samples_per_s, f"samples_per_s of {s.name!r} in stages")
    return min(stages, key=lambda s: s.samples_per_s)


def cores_needed(gpu_samples_per_s: float, decode_per_core: float) -> int:
    """CPU cores that decoding must use to keep up with the GPU."""
    return int(np.ceil(checks.positive(gpu_samples_per_s, "gpu_samples_per_s")
                       / checks.positive(decode_per_core, "decode_per_core")))


# ---- cloud or own --------------------------------------------------------------------------------

def electricity_price(region: str) -> float:
    """Price in $/kWh of a region in ``electricity_prices.csv`` (e.g. "US average (residential)")."""
    table = load_table("electricity_prices")
    try:
        return table.get(region).price_per_kwh
    except KeyError:
        raise ValueError(f"region must be one of {table.column('region')}, got {region!r}") from None


def default_cloud_rate(gpu: str = "GeForce RTX 4090") -> float:
    """Cheapest dated on-demand price per GPU-hour for ``gpu`` in ``gpu_price_notes.csv`` (a dated example)."""
    rows = [r for r in load_table("gpu_price_notes") if r.kind == "cloud_usd_per_gpu_hour" and r.name == gpu]
    if not rows:
        raise ValueError(f"gpu must be a GPU with a cloud price in gpu_price_notes.csv, got {gpu!r}")
    return min(r.value for r in rows)


def cloud_vs_own(purchase_usd: float, power_w: float, price_per_kwh: float, cloud_usd_per_hour: float,
                 hours_per_month: float, months: int = 60, resale_fraction: float = 0.0):
    """Cumulative cost by month of owning (purchase + electricity - resale value if sold that month) and of
    renting in the cloud; returns ``(months array, own cost, cloud cost, break-even month or None)``."""
    buy = checks.non_negative(purchase_usd, "purchase_usd")
    w = checks.non_negative(power_w, "power_w")
    price = checks.non_negative(price_per_kwh, "price_per_kwh")
    rate = checks.positive(cloud_usd_per_hour, "cloud_usd_per_hour")
    hours = checks.non_negative(hours_per_month, "hours_per_month")
    if hours > 744:
        raise ValueError(f"hours_per_month must be at most 744 (a 31-day month), got {hours}")
    resale = checks.fraction(resale_fraction, "resale_fraction")
    m = np.arange(checks.whole(months, "months", 1, 240) + 1)
    own = buy * (1 - resale) + m * hours * w / 1000 * price
    cloud = m * hours * rate
    cheaper = np.nonzero((cloud >= own) & (m > 0))[0]
    return m, own, cloud, (int(cheaper[0]) if cheaper.size else None)


def breakeven_hours(purchase_usd: float, power_w: float, price_per_kwh: float, cloud_usd_per_hour: float) -> float:
    """GPU-hours after which owning is cheaper than renting: purchase / (cloud rate - own electricity per hour);
    infinite when electricity alone costs more than the cloud."""
    margin = checks.positive(cloud_usd_per_hour, "cloud_usd_per_hour") \
        - checks.non_negative(power_w, "power_w") / 1000 \
        * checks.non_negative(price_per_kwh, "price_per_kwh")
    return checks.non_negative(purchase_usd, "purchase_usd") / margin if margin > 0 else float("inf")


# ---- notebook 04 second edition: storage by access pattern, the page cache ------------------------------

ACCESS_PATTERNS = ("random", "sequential")


def storage_random_reads_per_s(storage: str, optimistic: bool = False) -> float:
    """Random reads per second (IOPS) of a storage type from ``storage.csv`` (low end unless optimistic)."""
    try:
        row = load_table("storage").get(storage)
    except KeyError:
        raise ValueError(f"storage must be one of {storage_names()}, got {storage!r}") from None
    return row.random_reads_per_s_high if checks.flag(optimistic, "optimistic") else row.random_reads_per_s_low


def storage_samples_per_s(storage: str, sample_bytes: float, access: str = "random",
                          cached_fraction: float = 0.0) -> float:
    """Samples per second a drive delivers to a data loader.

    ``access="random"``: each sample is its own file read in shuffled order, so every read pays the drive's
    access time (1 / random reads per second) and then its transfer (sample / sequential bandwidth).
    ``access="sequential"``: samples are packed in large shards read front to back, so only bandwidth counts.
    ``cached_fraction`` of the samples come from the page cache in RAM and never touch the drive, so the drive
    only has to deliver the rest: the rate rises by 1 / (1 - cached_fraction), without limit when all is cached.
    """
    sample = checks.positive(sample_bytes, "sample_bytes")
    access = checks.choice(access, "access", ACCESS_PATTERNS)
    cached = checks.fraction(cached_fraction, "cached_fraction")
    seconds = sample / (storage_read_mbs(storage) * 1e6)
    if access == "random":
        seconds += 1 / storage_random_reads_per_s(storage)
    return float("inf") if cached == 1 else 1 / seconds / (1 - cached)


def page_cache_hit_fraction(dataset_gb: float, cache_gb: float, epoch: int) -> float:
    """Share of samples read from the page cache in ``epoch`` (1 = the first) when ``cache_gb`` of RAM is free
    to cache a ``dataset_gb`` data set read in shuffled order.

    The first epoch reads everything from the drive. Later epochs find the whole data set in RAM if it fits;
    otherwise a shuffled order hits the cached part about ``cache_gb / dataset_gb`` of the time.
    """
    data = checks.positive(dataset_gb, "dataset_gb")
    cache = checks.non_negative(cache_gb, "cache_gb")
    if checks.whole(epoch, "epoch") == 1:
        return 0.0
    return min(1.0, cache / data)


# ---- notebook 04 second edition: power-limit curves ----------------------------------------------------

def power_limit_series(kind: str | None = None) -> list[str]:
    """Series names in ``power_limit.csv`` (of one ``kind``: "training", "stress" or "games"), in table order."""
    rows = load_table("power_limit")
    if kind is not None:
        kind = checks.choice(kind, "kind", ("training", "stress", "games"))
    return list(dict.fromkeys(r.series for r in rows if kind is None or r.kind == kind))


def power_limit_curve(series: str) -> tuple[np.ndarray, np.ndarray]:
    """Measured points of one series: (power as a fraction of its reference, relative performance), by power."""
    rows = sorted(load_table("power_limit").where(series=series), key=lambda r: r.power_w)
    if not rows:
        raise ValueError(f"series must be one of {power_limit_series()}, got {series!r}")
    return (np.array([r.power_w / r.relative_to_w for r in rows]),
            np.array([r.relative_performance for r in rows]))


# ---- notebook 04 second edition: own or rent, with the resale at the end and idle power -----------------

def cloud_vs_own_at_end(purchase_usd: float, power_w: float, price_per_kwh: float, cloud_usd_per_hour: float,
                        hours_per_month: float, months: int = 60, resale_fraction: float = 0.0,
                        idle_w: float = 0.0, hours_on_per_month: float = 730):
    """Cumulative cost by month of owning and of renting, with the resale credited when the machine is sold.

    Owning costs the purchase on day one, electricity for ``hours_per_month`` of training at ``power_w`` and
    for the rest of ``hours_on_per_month`` idling at ``idle_w``; selling after ``months`` brings back
    ``resale_fraction`` of the price at that month only. Renting costs ``cloud_usd_per_hour`` per training hour.

    Returns
    -------
    (months array, own cost, cloud cost, break-even month or None)
        The break-even month is the first month at which renting has cost at least as much as owning
        (the resale counts only in the last month, when the machine is sold).
    """
    buy = checks.non_negative(purchase_usd, "purchase_usd")
    w = checks.non_negative(power_w, "power_w")
    idle = checks.non_negative(idle_w, "idle_w")
    price = checks.non_negative(price_per_kwh, "price_per_kwh")
    rate = checks.positive(cloud_usd_per_hour, "cloud_usd_per_hour")
    hours = checks.non_negative(hours_per_month, "hours_per_month")
    on = checks.non_negative(hours_on_per_month, "hours_on_per_month")
    if on > 744:
        raise ValueError(f"hours_on_per_month must be at most 744 (a 31-day month), got {on}")
    if hours > on:
        raise ValueError(f"hours_per_month ({hours}) must be at most hours_on_per_month ({on})")
    resale = checks.fraction(resale_fraction, "resale_fraction")
    m = np.arange(checks.whole(months, "months", 1, 240) + 1)
    per_month = (hours * w + (on - hours) * idle) / 1000 * price
    own = buy + m * per_month
    own[-1] -= buy * resale
    cloud = m * hours * rate
    cheaper = np.nonzero((cloud >= own) & (m > 0))[0]
    return m, own, cloud, (int(cheaper[0]) if cheaper.size else None)


# ---- notebook 04 second edition: RAM, CPU platform, slots ------------------------------------------------

def ram_needed_gb(gpu_memory_gb: list[float]) -> float:
    """The article's RAM rule: at least as much system RAM as the largest GPU's memory (more GPUs need no more)."""
    if not isinstance(gpu_memory_gb, (list, tuple, np.ndarray)) or len(gpu_memory_gb) == 0:
        raise ValueError(f"gpu_memory_gb must be a non-empty list of GPU memory sizes in GB, got {gpu_memory_gb!r}")
    return max(checks.positive(g, "GPU memory in gpu_memory_gb") for g in gpu_memory_gb)


def lanes_per_gpu(gpu_lanes: int, n_gpus: int) -> int:
    """Widest PCIe link (16, 8, 4, 2 or 1 lanes) each of ``n_gpus`` cards gets when ``gpu_lanes`` CPU lanes are
    split evenly between them (slots split in powers of two: x16, x8/x8, x4/x4/x4/x4). 0 when there are
    fewer lanes than cards."""
    lanes = checks.whole(gpu_lanes, "gpu_lanes", 1, 256)
    n = checks.whole(n_gpus, "n_gpus", 1, 16)
    share = lanes // n
    return next((w for w in (16, 8, 4, 2, 1) if w <= share), 0)


def cards_that_fit(slot_positions: list[int], card_slots: int, case_slots: int = 7) -> int:
    """How many cards ``card_slots`` wide fit on a board whose x16 slots sit at ``slot_positions`` (1 = the
    top expansion slot) in a case with ``case_slots`` expansion slots: a card covers its slot and the
    ``card_slots - 1`` below it, so the next card needs a slot at least ``card_slots`` further down."""
    width = checks.whole(card_slots, "card_slots", 1, 5)
    case = checks.whole(case_slots, "case_slots", 1, 16)
    if not isinstance(slot_positions, (list, tuple, np.ndarray)) or len(slot_positions) == 0:
        raise ValueError(f"slot_positions must be a non-empty list of slot numbers, got {slot_positions!r}")
    free, count = 1, 0
    for pos in sorted(checks.whole(p, "slot_positions", 1, 16) for p in slot_positions):
        if pos >= free and pos + width - 1 <= case:
            count += 1
            free = pos + width
    return count


def ddr_bandwidth_gbs(mega_transfers_per_s: float, channels: int = 2) -> float:
    """Peak bandwidth (GB/s) of DDR memory: transfers per second x 8 bytes (a 64-bit channel) x ``channels``;
    DDR5-4800 in two channels gives 4,800e6 x 8 x 2 = 76.8 GB/s."""
    rate = checks.positive(mega_transfers_per_s, "mega_transfers_per_s")
    return rate * 1e6 * 8 * checks.whole(channels, "channels", 1, 16) / 1e9


# ---- notebook 04 second edition: a toy thermal model of stacked GPUs -------------------------------------

FAN_TYPES = ("open-air", "blower", "water")


def cooling_speeds(n_cards: int, gap_slots: int, fan: str, power_fraction: float = 1.0, ambient_c: float = 25.0,
                   card_w: float = 350.0, curve: str = "qwertyforce_tf32",
                   _shares_only: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Steady temperature (C) and speed (share of an unthrottled card at full power) of each of ``n_cards``
    stacked GPUs of ``card_w`` W limited to ``power_fraction``, with ``gap_slots`` free slots between cards.

    A card's intake air is room air, plus the case's rise (``case_c_per_w`` x total heat), plus heat from each
    direct neighbour (``k`` x its watts; ``k`` depends on the fan type and the gap). The card sits ``r`` x its
    watts above its intake. Above ``limit_c`` it lowers its power until it sits at the limit; neighbours then
    heat it less, so the model iterates to a steady state. Speed follows the measured power-limit ``curve``
    (read as a share of the card's own stock power by :func:`speed_at_stock_share`: the curve's card stands in for
    a ``card_w`` card; below the curve's lowest measured point the speed is an extrapolation, proportional to
    power). Parameters: ``cooling_model.csv`` (course assumptions
    calibrated to the article's ranges, not measurements).
    """
    n = checks.whole(n_cards, "n_cards", 1, 8)
    gap = checks.whole(gap_slots, "gap_slots", 0, 4)
    fan = checks.choice(fan, "fan", FAN_TYPES)
    limit_frac = checks.positive(power_fraction, "power_fraction")
    if limit_frac > 1:
        raise ValueError(f"power_fraction must be at most 1, got {limit_frac}")
    ambient = checks.at_least(ambient_c, "ambient_c", -20)
    if ambient > 50:
        raise ValueError(f"ambient_c must be at most 50 C, got {ambient}")
    stock = checks.positive(card_w, "card_w")
    p = load_table("cooling_model")
    limit = p.get("limit_c").value
    if ambient >= limit:
        raise ValueError(f"ambient_c must be below the {limit:g} C limit, got {ambient}")
    key = {"open-air": f"open_air_{min(gap, 2)}", "blower": "blower", "water": "water"}[fan]
    r = p.get("r_open_air" if fan == "open-air" else f"r_{fan}").value
    k = p.get(f"k_{key}").value
    case = p.get("case_c_per_w").value
    stock_share_range(curve)  # checks the curve name
    watts = np.full(n, stock * limit_frac)
    for _ in range(200):
        neighbours = np.zeros(n)
        neighbours[1:] += watts[:-1]
        neighbours[:-1] += watts[1:]
        intake = ambient + case * watts.sum() + k * neighbours
        allowed = np.clip((limit - intake) / r, 0.0, stock * limit_frac)
        if np.allclose(allowed, watts, atol=1e-3):
            break
        watts = 0.5 * watts + 0.5 * allowed  # damped: neighbours and card settle together
    temps = intake + r * watts
    frac = watts / stock  # share of the card's stock board power, the same axis as the curve's stock shares
    if _shares_only:
        return temps, frac
    low, _ = stock_share_range(curve)
    at_low = speed_at_stock_share(low, curve)
    speed = np.array([speed_at_stock_share(f, curve) if f >= low else f * at_low / low for f in frac])
    return temps, speed


def hardware_fact(key: str) -> float:
    """The value of one row of ``hardware_facts.csv`` (e.g. "rtx4090_idle_w")."""
    table = load_table("hardware_facts")
    try:
        return table.get(key).value
    except KeyError:
        raise ValueError(f"key must be one of {table.column('key')}, got {key!r}") from None


def power_limit_label(series: str) -> str:
    """A legend label for a power-limit series: GPU, workload and kind (training, stress or games)."""
    rows = load_table("power_limit").where(series=series)
    if not rows:
        raise ValueError(f"series must be one of {power_limit_series()}, got {series!r}")
    return f"{rows[0].gpu.replace('GeForce ', '')}: {rows[0].workload.split(' (')[0]} [{rows[0].kind}]"


def cooling_limit_c() -> float:
    """The temperature (C) at which the thermal model's cards throttle (``cooling_model.csv``)."""
    return load_table("cooling_model").get("limit_c").value


# ---- notebook 04 second edition, review fixes: power limits against stock power, PSU headroom, slots ------

def power_limit_watts_curve(series: str) -> tuple[np.ndarray, np.ndarray, float]:
    """Measured points of one series in absolute watts: (board power in W, relative performance as reported,
    the tested card's stock board power in W). Every series keeps its own 100 % point (``relative_to_w``)."""
    rows = sorted(load_table("power_limit").where(series=series), key=lambda r: r.power_w)
    if not rows:
        raise ValueError(f"series must be one of {power_limit_series()}, got {series!r}")
    return (np.array([float(r.power_w) for r in rows]), np.array([r.relative_performance for r in rows]),
            float(rows[0].stock_w))


def speed_at_stock_share(stock_fraction: float, series: str = "qwertyforce_tf32") -> float:
    """Speed of a card limited to ``stock_fraction`` of ITS OWN stock board power, relative to the same card at
    stock: the measured curve of ``series`` read at ``stock_fraction`` x ``stock_w`` and divided by its value at
    ``stock_w`` (linear between measured points; outside the measured watts it refuses to guess).

    qwertyforce's RTX 3090 has a 390 W stock limit: 60 % of it is 234 W, where the TF32 curve reads
    0.80 + 4/50 x 0.10 = 0.808 of its 480 W speed; at 390 W it reads 0.972, so the card keeps 0.808 / 0.972 = 83 %.
    """
    watts, perf, stock = power_limit_watts_curve(series)
    frac = checks.positive(stock_fraction, "stock_fraction")
    if not watts[0] <= stock <= watts[-1]:
        raise ValueError(f"series {series!r} was not measured at its card's stock power ({stock:.0f} W)")
    w = frac * stock
    if w < watts[0] - 1e-6 or w > watts[-1] + 1e-6:
        raise ValueError(f"stock_fraction must be between {watts[0] / stock:.2f} and {watts[-1] / stock:.2f} "
                         f"(the measured {watts[0]:.0f}-{watts[-1]:.0f} W of a {stock:.0f} W card), got {frac:.2f}")
    return float(np.interp(w, watts, perf) / np.interp(stock, watts, perf))


def stock_share_range(series: str = "qwertyforce_tf32") -> tuple[float, float]:
    """Lowest and highest measured power of ``series`` as shares of its card's stock board power."""
    watts, _, stock = power_limit_watts_curve(series)
    return float(watts[0] / stock), float(watts[-1] / stock)


def slots_needed(n_cards: int, card_slots: int, gap_slots: int = 0) -> int:
    """Expansion slots a stack of ``n_cards`` cards ``card_slots`` wide occupies with ``gap_slots`` free slots
    between neighbours: n x width + (n - 1) x gap (four 2-slot cards with one free slot between: 11)."""
    n = checks.whole(n_cards, "n_cards", 1, 16)
    return n * checks.whole(card_slots, "card_slots", 1, 5) + (n - 1) * checks.whole(gap_slots, "gap_slots", 0, 4)


def cooling_power_shares(n_cards: int, gap_slots: int, fan: str, power_fraction: float = 1.0,
                         ambient_c: float = 25.0, card_w: float = 350.0) -> np.ndarray:
    """Board power each card of :func:`cooling_speeds` settles at, as a share of its stock ``card_w``
    (below the power-limit curve's lowest measured share the speed there is an extrapolation)."""
    return cooling_speeds(n_cards, gap_slots, fan, power_fraction, ambient_c, card_w, _shares_only=True)[1]


@dataclass(frozen=True)
class GpuLink:
    lanes: int
    generation: str
    via: str  # "CPU" or "chipset" (shares one uplink with the SSDs, network and USB behind the chipset)


def consumer_gpu_links(n_gpus: int, cpu_generation: str = "5.0", chipset_generation: str = "4.0") -> list[GpuLink]:
    """The links ``n_gpus`` cards get on a consumer desktop board (AM5, LGA1700, LGA1851): the CPU's 16 graphics
    lanes feed at most two slots (x16 for one card, x8/x8 where the board supports the split); a third or
    fourth card sits in a slot wired to the chipset, x4 at ``chipset_generation``, sharing the chipset's one
    uplink with everything else behind it."""
    n = checks.whole(n_gpus, "n_gpus", 1, 4)
    for gen, name in ((cpu_generation, "cpu_generation"), (chipset_generation, "chipset_generation")):
        if str(gen) not in pcie_generations():
            raise ValueError(f"{name} must be one of {pcie_generations()}, got {gen!r}")
    cpu = [GpuLink(16, str(cpu_generation), "CPU")] if n == 1 else [GpuLink(8, str(cpu_generation), "CPU")] * 2
    return cpu + [GpuLink(4, str(chipset_generation), "chipset")] * (n - len(cpu))


def ram_today_gb(gpu_memory_gb: list[float], factor: float = 2.0) -> tuple[float, float]:
    """RAM to plan for today's workflows: (floor, comfortable) = (total GPU memory, ``factor`` x total GPU memory).

    The article's rule (:func:`ram_needed_gb`, the largest GPU's memory) stays the minimum for one job per
    machine; data-loader workers (1-3 GB each), pinned buffers, loading checkpoints into RAM and CPU offloading
    (ZeRO-Offload keeps optimizer states in host memory) scale with the total, so build guides plan at least
    the total GPU memory and commonly about twice it."""
    if not isinstance(gpu_memory_gb, (list, tuple, np.ndarray)) or len(gpu_memory_gb) == 0:
        raise ValueError(f"gpu_memory_gb must be a non-empty list of GPU memory sizes in GB, got {gpu_memory_gb!r}")
    total = sum(checks.positive(g, "GPU memory in gpu_memory_gb") for g in gpu_memory_gb)
    return total, total * checks.at_least(factor, "factor", 1)


def build_plan(gpu_w: float, gpu_memory_gb: float, count: int, card_slots: int = 2,
               gpu_samples_per_s: float = 2000, cpu_w: float = 170, other_w: float = 60,
               region: str = "US", tier: str = "Gold") -> list[tuple[str, str]]:
    """A build checklist for ``count`` GPUs of ``gpu_w`` W stock board power and ``gpu_memory_gb`` each, ``card_slots``
    wide, each training at ``gpu_samples_per_s`` images/s: (part, what to buy and why) rows computed with this module's
    rules (platform and links, CPU cores at the dated reference decode rate, RAM, PSU on stock power, wall draw
    against one circuit, cooling and slots)."""
    n = checks.whole(count, "count", 1, 8)
    w, mem = checks.positive(gpu_w, "gpu_w"), checks.positive(gpu_memory_gb, "gpu_memory_gb")
    width = checks.whole(card_slots, "card_slots", 1, 5)
    rate = checks.positive(gpu_samples_per_s, "gpu_samples_per_s")
    cores = cores_needed(rate * n, hardware_fact("decode_rate_reference_per_core"))
    if n <= 2:
        links = ", ".join(f"x{g.lanes}" for g in consumer_gpu_links(n))
        platform = f"consumer desktop (AM5 / LGA1851): {links} from the CPU"
    else:
        platform = ("Threadripper (TRX50) or Threadripper PRO / Xeon W: a consumer board feeds only two slots "
                    "from the CPU")
    floor, comfortable = ram_today_gb([mem] * n)
    rating = psu_watts([w] * n, cpu_w, other_w)
    dc = w * n + checks.non_negative(cpu_w, "cpu_w") + checks.non_negative(other_w, "other_w")
    limit = circuit_limit_w(region)
    wall = wall_watts(dc, rating, tier) if rating >= dc else float("nan")
    circuit = (f"{wall:,.0f} W at the wall at stock power, inside the {limit:,.0f} W of one {region} circuit"
               if wall <= limit else
               f"{wall:,.0f} W at the wall at stock power, above the {limit:,.0f} W of one {region} circuit: "
               "power-limit the cards for the wall (not for the PSU), or use a 20 A / 240 V circuit")
    packed = slots_needed(n, width)
    if n == 1:
        cooling = "air is fine for one card"
    elif w <= 300:
        cooling = "blower (workstation) cards or a power limit; open-air cards need a free slot between them"
    else:
        cooling = "power-limit and space two cards; for four hot cards use water, blowers or risers"
    return [
        ("platform", platform),
        ("CPU", f"about {cores} cores to decode {rate * n:,.0f} images/s on the CPU (fewer with GPU decoding)"),
        ("RAM", f"at least {floor:g} GB (total GPU memory), commonly {comfortable:g} GB"),
        ("PSU", f"at least {rating:,.0f} W ({tier}), sized on stock power; a 12V-2x6 connector per high-power card"),
        ("circuit", circuit),
        ("cooling", cooling),
        ("slots", f"{packed} expansion slots packed, {slots_needed(n, width, 1)} with a free slot between cards"),
    ]


def step_time_s(batch: int, gpu_samples_per_s: float) -> float:
    """Seconds of one training step: ``batch`` samples at the GPU's ``gpu_samples_per_s`` (batch 256 at 2,000
    images/s: 0.128 s). Step time and batch are not independent: a bigger batch takes longer to train on."""
    return checks.whole(batch, "batch") / checks.positive(gpu_samples_per_s, "gpu_samples_per_s")
