"""Multi-GPU machines and small clusters: link speeds, the alpha-beta model, all-reduce, GPUDirect RDMA, and real
MPI measurements on this machine (ping-pong and all-reduce).

Conventions:

* **GB/s** means 1e9 bytes per second of payload (after line encoding), **per direction**. Links are full duplex;
  vendors' "bidirectional" figures (NVIDIA's 900 GB/s for an H100) are twice the per-direction rate
  (``interconnects.csv`` has both columns). A :class:`Link` always carries the per-direction figure.
* **Alpha-beta model**: moving ``n`` bytes over a link takes ``alpha + n / B`` seconds, with ``alpha`` the link's
  small-message latency (``latency_us`` in the table, software included) and ``B`` its bandwidth in bytes/s.
* **All-reduce** of ``n`` bytes over ``p`` workers (every worker ends with the sum of everyone's ``n`` bytes):
  ring ``2(p-1)(alpha + n/(pB))``; tree = pipelined double binary tree (NCCL's tree): two trees each carry half
  the message in ``k`` chunks, ``2(L - 1 + k)(alpha + n/(kB))`` with ``L = ceil(log2 p)`` and the best ``k``;
  naive tree (binomial reduce then broadcast of the whole message, no pipelining) ``2 L (alpha + n/B)``;
  parameter server on one of the workers ``2 (alpha + (p-1) n/B)`` (everyone sends to it, it sends back).
  One worker needs no communication (0 s). Times are lower bounds: no congestion, no compute for the sums.
* Sizes are bytes, times seconds, latencies in the table microseconds (``_us``); units are in the names.

Everything here is numpy only, except :func:`measure_transfer` and :func:`measure_allreduce`, which run the MPI
jobs ``helpers/jobs/pingpong.py`` and ``helpers/jobs/allreduce.py`` through :mod:`helpers.mpirun` (real MPI
processes, one per pretend GPU; the same jobs run on a cluster with a hostfile).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import checks, mpirun
from .data import load_table
from .gpus import BYTES_PER_VALUE

FAMILIES = ("pcie", "nvlink", "infiniband", "ethernet")
ALGORITHMS = ("ring", "tree", "naive_tree", "parameter_server")
ENCODINGS = {"8b/10b": 8 / 10, "128b/130b": 128 / 130, "64b/66b": 64 / 66, "242B/256B": 242 / 256}
GRADIENT_BYTES = {k: BYTES_PER_VALUE[k] for k in ("fp32", "fp16", "bf16")}  # gradient formats
CNN_MODELS = ("alexnet", "vgg16", "resnet50")
MAX_MESSAGE_BYTES = 64 * 2**20  # one message at most 64 MiB
MAX_SIZES = 32  # message sizes per measurement
MAX_REPEATS = 50
MAX_MOVED_BYTES = 512 * 2**20  # bytes moved by one measurement, both directions, all repeats
MAX_RANKS = mpirun.MAX_RANKS  # processes of one measurement
TIMEOUT_S = 120.0  # a whole measurement (MPI start-up included) that takes longer is stopped


# ---- argument checks --------------------------------------------------------------------------------------

def _bytes_scalar(n_bytes, name: str = "n_bytes") -> float:
    a = checks.array(n_bytes, name, ndim=(0, 1), non_negative=True)
    if a.ndim != 0:
        raise ValueError(f"{name} must be one number of bytes, got {n_bytes!r}")
    return float(a)


def _out(a: np.ndarray):
    return float(a) if a.ndim == 0 else a


# ---- links ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Link:
    """One link: per-direction payload bandwidth (GB/s) and small-message latency (microseconds)."""

    name: str
    family: str
    bandwidth_gbs: float
    latency_us: float
    year: int | None = None
    latency_kind: str = "custom"  # what latency_us measures (see interconnects.csv)

    @property
    def alpha_s(self) -> float:
        """Latency in seconds (the alpha of the alpha-beta model)."""
        return self.latency_us * 1e-6

    @property
    def bytes_per_s(self) -> float:
        """Bandwidth in bytes per second (1 / beta)."""
        return self.bandwidth_gbs * 1e9


def _check_link(value, name: str = "link") -> Link:
    if not isinstance(value, Link):
        raise ValueError(f"{name} must be a Link (from link(), links() or custom_link()), got {value!r}")
    return value


def _row_link(r) -> Link:
    return Link(r.name, r.family, r.per_direction_gbs, r.latency_us, r.year, r.latency_kind)


def links(family: str | None = None) -> list[Link]:
    """Every link in ``interconnects.csv`` (table order), or those of one ``family``
    (``pcie``, ``nvlink``, ``infiniband``, ``ethernet``)."""
    if family is not None:
        checks.choice(family, "family", FAMILIES)
    return [_row_link(r) for r in load_table("interconnects") if family is None or r.family == family]


def link(name: str) -> Link:
    """One link by its exact name in ``interconnects.csv``, e.g. ``link("PCIe 3.0 x16")``."""
    names = [r.name for r in load_table("interconnects")]
    if not isinstance(name, str) or name not in names:
        raise ValueError(f"no link named {name!r} in interconnects.csv; names are {names}")
    return _row_link(load_table("interconnects").get(name))


def custom_link(name: str, bandwidth_gbs: float, latency_us: float) -> Link:
    """A link not in the table (a measured one, or a what-if): per-direction GB/s and latency in microseconds."""
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"name must be a non-empty text, got {name!r}")
    return Link(name, "custom", checks.positive(bandwidth_gbs, "bandwidth_gbs"),
                checks.non_negative(latency_us, "latency_us"))


NETWORK_FAMILIES = ("infiniband", "ethernet")


def gpu_to_gpu_link(lk: Link) -> Link:
    """``lk`` with its latency put on the GPU-to-GPU footing of the PCIe and NVLink rows.

    The table's network latencies are measured between two network cards (or two hosts' sockets) from host
    memory; the PCIe and NVLink latencies are the cost of one GPU copy call. A message from a GPU in one machine
    to a GPU in another pays both, so a network row gets the GPU copy call of ``PCIe 3.0 x16`` (5 µs, low
    confidence) added; bandwidth unchanged. PCIe and NVLink rows are returned as they are.

    Examples
    --------
    >>> gpu_to_gpu_link(link("InfiniBand QDR 4x")).latency_us  # 1.3 us adapter to adapter + 5 us GPU copy call
    6.3
    """
    lk = _check_link(lk, "lk")
    if lk.family not in NETWORK_FAMILIES:
        return lk
    call = link("PCIe 3.0 x16").latency_us
    return Link(f"{lk.name}, GPU to GPU", lk.family, lk.bandwidth_gbs, lk.latency_us + call, lk.year,
                f"{lk.latency_kind} + gpu copy call")


def payload_gbs(transfer_rate_gts: float, lanes: int, encoding: str) -> float:
    """Per-direction payload GB/s of ``lanes`` lanes signalling at ``transfer_rate_gts`` gigatransfers (line
    bits) per second each, after line ``encoding`` (``8b/10b``, ``128b/130b``, ``64b/66b`` or ``242B/256B``):
    rate x lanes x efficiency / 8. Example: PCIe 3.0 x16 = 8 x 16 x 128/130 / 8 = 15.75 GB/s."""
    rate = checks.positive(transfer_rate_gts, "transfer_rate_gts")
    lanes = checks.whole(lanes, "lanes", 1, 1024)
    return rate * lanes * ENCODINGS[checks.choice(encoding, "encoding", ENCODINGS)] / 8


def line_code(name: str):
    """The row of ``line_codes.csv`` for a link: its per-lane line rate, lanes and encoding."""
    table = load_table("line_codes")
    names = [r.name for r in table]
    if not isinstance(name, str) or name not in names:
        raise ValueError(f"no link named {name!r} in line_codes.csv; names are {names}")
    return table.get(name)


# ---- the alpha-beta model ---------------------------------------------------------------------------------

def p2p_time_s(n_bytes, link: Link):
    """Seconds to send ``n_bytes`` (a number or an array) once over ``link``: ``alpha + n / B``."""
    lk = _check_link(link)
    return _out(lk.alpha_s + checks.array(n_bytes, "n_bytes", ndim=(0, 1), non_negative=True) / lk.bytes_per_s)


def effective_bandwidth_gbs(n_bytes, link: Link):
    """Achieved GB/s when sending ``n_bytes`` (> 0): ``n / p2p_time``. Approaches the link's bandwidth for
    large messages; far below it for messages smaller than :func:`half_bandwidth_bytes`."""
    lk = _check_link(link)
    n = checks.array(n_bytes, "n_bytes", ndim=(0, 1), non_negative=True)
    if np.any(n <= 0):
        raise ValueError(f"n_bytes must be above 0, got {n_bytes!r}")
    return _out(n / (lk.alpha_s + n / lk.bytes_per_s) / 1e9)


def half_bandwidth_bytes(link: Link) -> float:
    """The message size (bytes) that reaches half the link's bandwidth: ``n_half = alpha x B``. Smaller messages
    are latency-bound, larger ones bandwidth-bound."""
    lk = _check_link(link)
    return lk.alpha_s * lk.bytes_per_s


# ---- all-reduce -------------------------------------------------------------------------------------------

def _double_tree_s(n: np.ndarray, p: int, a: float, b: float) -> np.ndarray:
    """Pipelined double binary tree: ``2(L - 1 + k)(a + n/(k b))`` at the best chunk count ``k >= 1``."""
    levels = math.ceil(math.log2(p))
    if a == 0:  # no latency: infinitely many chunks, only the bandwidth term is left
        return 2 * n / b
    k = np.maximum(1.0, np.sqrt((levels - 1) * n / (b * a)))
    return 2 * (levels - 1 + k) * (a + n / (k * b))


def allreduce_time_s(n_bytes, n_workers: int, link: Link, algorithm: str = "ring"):
    """Seconds to all-reduce ``n_bytes`` (number or array) over ``n_workers`` connected by ``link``.

    ``ring``: reduce-scatter then all-gather, ``2(p-1)`` steps of ``n/p`` bytes; bandwidth-optimal.
    ``tree``: NCCL's pipelined double binary tree. Two binary trees, each carrying half of the message; every
    worker is an inner node in one tree and a leaf in the other, so each link is busy in only one of them. The
    message is cut into ``k`` chunks that stream up (reduce) and back down (broadcast): a step costs
    ``alpha + n/(kB)`` (an inner node receives a chunk from each of its two children) and the pipeline takes
    ``L - 1 + k`` steps each way, ``L = ceil(log2 p)``. With the best ``k`` (treated as a real number, at least 1)
    the time is ``2 (sqrt((L-1) alpha) + sqrt(n/B))^2``: about ``2L alpha`` for tiny messages and ``2n/B`` for
    large ones, a bandwidth term that does not grow with ``p``.
    ``naive_tree``: binomial-tree reduce then broadcast of the whole message, no pipelining:
    ``2 ceil(log2 p) (alpha + n/B)``; its bandwidth term grows with ``log p``.
    ``parameter_server``: one worker collects everyone's ``n`` bytes and sends the sum back; its link carries
    ``(p-1) n`` each way. Conventions in the module docstring.

    Examples
    --------
    >>> lk = custom_link("no latency", 10, 0)
    >>> allreduce_time_s(1e9, 64, lk, "naive_tree"), allreduce_time_s(1e9, 64, lk, "tree")  # 2*6*0.1 s vs 2*0.1 s
    (1.2000000000000002, 0.2)
    """
    lk = _check_link(link)
    n = checks.array(n_bytes, "n_bytes", ndim=(0, 1), non_negative=True)
    p = checks.whole(n_workers, "n_workers", 1, 10**7)
    algorithm = checks.choice(algorithm, "algorithm", ALGORITHMS)
    a, b = lk.alpha_s, lk.bytes_per_s
    if p == 1:
        t = n * 0.0
    elif algorithm == "ring":
        t = 2 * (p - 1) * (a + n / (p * b))
    elif algorithm == "tree":
        t = _double_tree_s(n, p, a, b)
    elif algorithm == "naive_tree":
        t = 2 * math.ceil(math.log2(p)) * (a + n / b)
    else:
        t = 2 * (a + (p - 1) * n / b)
    return _out(t)


def ring_tree_crossover_bytes(n_workers: int, link: Link, tree: str = "tree") -> float:
    """Message size (bytes) below which the ``tree`` all-reduce (``tree``, the pipelined double binary tree, or
    ``naive_tree``) beats the ring on ``link`` (0 if it never does).

    The tree minus the ring grows with the message size, so they cross once at most. For the naive tree both
    times are linear in the size: ``alpha B (2(p-1) - 2L) / (2L - 2(p-1)/p)`` with ``L = ceil(log2 p)``. For the
    pipelined tree the crossing is found by bisection (relative precision 1e-9)."""
    lk = _check_link(link)
    p = checks.whole(n_workers, "n_workers", 2, 10**7)
    checks.choice(tree, "tree", ("tree", "naive_tree"))
    levels = math.ceil(math.log2(p))
    if tree == "naive_tree":
        numerator = 2 * (p - 1) - 2 * levels
        return max(0.0, lk.alpha_s * lk.bytes_per_s * numerator / (2 * levels - 2 * (p - 1) / p))

    def gap(n: float) -> float:  # tree minus ring
        return allreduce_time_s(n, p, lk, "tree") - allreduce_time_s(n, p, lk, "ring")

    if lk.alpha_s == 0 or gap(0.0) >= 0:
        return 0.0
    low, high = 0.0, max(1.0, lk.alpha_s * lk.bytes_per_s)
    while gap(high) < 0:
        low, high = high, high * 2
    while high - low > 1e-9 * high:
        mid = (low + high) / 2
        low, high = (mid, high) if gap(mid) < 0 else (low, mid)
    return (low + high) / 2


def hierarchical_allreduce_stages_s(n_bytes: float, nodes: int, gpus_per_node: int, intra_link: Link,
                                    inter_link: Link, nics_per_node: int = 1) -> dict[str, float]:
    """Seconds of each stage of a hierarchical all-reduce of ``n_bytes`` per GPU.

    ``intra``: ring reduce-scatter and all-gather among the ``gpus_per_node`` GPUs of a node over
    ``intra_link``: ``2(g-1)(alpha + n/(g B))``. ``inter``: the node's ``n`` reduced bytes all-reduced by a
    ring across ``nodes`` nodes over ``inter_link``, spread over ``min(nics_per_node, gpus_per_node)`` NICs in
    parallel: ``2(N-1)(alpha + n/(N k B))``. One node is a plain ring over its GPUs; one GPU per node a plain
    ring over the nodes.

    Returns
    -------
    dict
        ``intra`` and ``inter``: seconds of the two stages.

    Examples
    --------
    >>> fast, slow = custom_link("fast", 100, 0), custom_link("slow", 10, 0)
    >>> hierarchical_allreduce_stages_s(1e9, 2, 4, fast, slow)  # 2*3 * 1 GB/(4 * 100 GB/s); 2*1 * 1 GB/(2 * 10 GB/s)
    {'intra': 0.015, 'inter': 0.1}
    """
    n = _bytes_scalar(n_bytes)
    big_n = checks.whole(nodes, "nodes", 1, 10**6)
    g = checks.whole(gpus_per_node, "gpus_per_node", 1, 1024)
    intra, inter = _check_link(intra_link, "intra_link"), _check_link(inter_link, "inter_link")
    k = min(checks.whole(nics_per_node, "nics_per_node", 1, 1024), g)
    intra_s = 2 * (g - 1) * (intra.alpha_s + n / (g * intra.bytes_per_s)) if g > 1 else 0.0
    inter_s = 2 * (big_n - 1) * (inter.alpha_s + n / (big_n * k * inter.bytes_per_s)) if big_n > 1 else 0.0
    return {"intra": intra_s, "inter": inter_s}


def hierarchical_allreduce_time_s(n_bytes: float, nodes: int, gpus_per_node: int, intra_link: Link,
                                  inter_link: Link, nics_per_node: int = 1) -> float:
    """Seconds of a hierarchical all-reduce (inside each node, then across nodes, then inside again): the sum of
    :func:`hierarchical_allreduce_stages_s`."""
    return sum(hierarchical_allreduce_stages_s(n_bytes, nodes, gpus_per_node, intra_link, inter_link,
                                               nics_per_node).values())


# ---- inside the box: PCIe switches, root complexes, sockets (nvidia-smi topo -m) --------------------------

TOPO_CODES = {
    "NV": "a bonded set of NVLinks, GPU to GPU",
    "PIX": "at most one PCIe bridge: both sit under the same PCIe switch",
    "PXB": "several PCIe bridges (switches), without the CPU's host bridge",
    "PHB": "through a PCIe host bridge, the root complex inside the CPU",
    "NODE": "between two host bridges of the same CPU socket (NUMA node)",
    "SYS": "across the link between the two CPU sockets (QPI/UPI)",
}


def topo_code_kind(code: str) -> str:
    """The kind of an ``nvidia-smi topo -m`` cell: ``NV``, ``PIX``, ``PXB``, ``PHB``, ``NODE`` or ``SYS``
    (``NV4`` and ``NV12`` are both ``NV``)."""
    if not isinstance(code, str):
        raise ValueError(f"code must be an nvidia-smi topo -m code such as 'PIX', got {code!r}")
    if code.startswith("NV"):
        if not code[2:].isdigit():
            raise ValueError(f"code must be NV followed by the number of links (NV4, NV12), got {code!r}")
        return "NV"
    return checks.choice(code, "code", [k for k in TOPO_CODES if k != "NV"])


def gpu_pair_route(code: str, p2p_capable: bool = True) -> dict:
    """How a copy between two GPUs whose ``nvidia-smi topo -m`` cell is ``code`` travels.

    Peer-to-peer (P2P: one GPU writes straight into the other's memory) works over NVLink and over PCIe when both
    GPUs hang off the same CPU socket (``PIX``, ``PXB``, ``PHB``, ``NODE``); through the root complex it depends on
    the chipset. Across sockets (``SYS``) CUDA generally refuses P2P, and cards without P2P (recent GeForce cards:
    ``nvidia-smi topo -p2p`` reports two RTX 5090s as "GNS", GPU not supported; ``p2p_capable=False``) never get
    it: the copy is then staged, GPU to host memory and host memory to GPU, two PCIe copies.

    Returns
    -------
    dict
        ``p2p`` (bool), ``hops`` (how many copies: 1 or 2), ``route`` (a sentence).
    """
    kind = topo_code_kind(code)
    checks.flag(p2p_capable, "p2p_capable")
    if kind == "NV":
        return {"p2p": True, "hops": 1, "route": "peer to peer over NVLink"}
    if not p2p_capable:
        return {"p2p": False, "hops": 2, "route": "staged through host memory: this card has no P2P"}
    if kind == "SYS":
        return {"p2p": False, "hops": 2, "route": "staged through host memory: no P2P across CPU sockets"}
    where = {"PIX": "inside one PCIe switch", "PXB": "through PCIe switches", "PHB": "through the CPU's root complex",
             "NODE": "between root complexes of one socket"}[kind]
    return {"p2p": True, "hops": 1, "route": f"peer to peer over PCIe, {where}"}


def gpu_pair_copy_time_s(n_bytes, code: str, pcie: Link, p2p_capable: bool = True, nvlink: Link | None = None):
    """Seconds to copy ``n_bytes`` between two GPUs of one machine whose ``nvidia-smi topo -m`` cell is ``code``:
    one ``alpha + n/B`` over ``pcie`` (or ``nvlink`` for an ``NV#`` cell) when P2P works, two PCIe copies one
    after the other when the copy is staged through host memory (see :func:`gpu_pair_route`). Shared links,
    slower P2P through a root complex and the socket link's own bandwidth are left out.

    Examples
    --------
    >>> pcie = custom_link("PCIe", 10, 0)
    >>> gpu_pair_copy_time_s(1e9, "PIX", pcie), gpu_pair_copy_time_s(1e9, "SYS", pcie)
    (0.1, 0.2)
    """
    route = gpu_pair_route(code, p2p_capable)
    lk = _check_link(pcie, "pcie")
    if topo_code_kind(code) == "NV":
        if nvlink is None:
            raise ValueError("an NV# cell needs the nvlink link")
        lk = _check_link(nvlink, "nvlink")
    return _out(route["hops"] * checks.array(p2p_time_s(n_bytes, lk), "n_bytes", ndim=(0, 1)))


def nic_gpu_rdma(code: str) -> str:
    """What GPUDirect RDMA can do between a network card and a GPU whose ``nvidia-smi topo -m`` cell is ``code``:
    ``best`` when they share a PCIe switch (``PIX``, ``PXB``: the NIC reads GPU memory without touching the CPU);
    ``possible`` through the CPU's root complex (``PHB``, ``NODE``: supported on many chipsets, often slower);
    ``staged`` across sockets (``SYS``: the data goes through host memory, the 2014 detour)."""
    kind = topo_code_kind(code)
    if kind == "NV":
        raise ValueError(f"code {code!r} joins two GPUs, not a network card and a GPU")
    return {"PIX": "best", "PXB": "best", "PHB": "possible", "NODE": "possible", "SYS": "staged"}[kind]


def place_nic(devices: list[str], matrix: list[list[str]], nic: str, beside: str) -> list[list[str]]:
    """A copy of ``matrix`` with the network card ``nic`` moved under the PCIe switch of GPU ``beside``: the card
    then meets every GPU where ``beside`` does (``PIX`` with ``beside`` itself, ``SYS`` across the sockets).

    Examples
    --------
    >>> place_nic(["GPU0", "GPU1", "NIC"], [["X", "SYS", "PHB"], ["SYS", "X", "SYS"], ["PHB", "SYS", "X"]],
    ...           "NIC", "GPU1")[2]
    ['SYS', 'PIX', 'X']
    """
    if nic not in devices or beside not in devices or nic == beside:
        raise ValueError(f"nic and beside must be two different devices of {devices}, got {nic!r} and {beside!r}")
    i, g = devices.index(nic), devices.index(beside)
    out = [list(row) for row in matrix]
    for j in range(len(devices)):
        if j == i:
            continue
        code = "PIX" if j == g else matrix[g][j]
        out[i][j] = out[j][i] = code
    return out


def topo_matrix(table: str = "topo_example") -> tuple[list[str], list[list[str]]]:
    """The devices and the symmetric matrix of ``nvidia-smi topo -m`` codes (``X`` on the diagonal) stored as
    pairs in ``table`` (default: ``topo_example.csv``, an 8-GPU PCIe server with one InfiniBand card)."""
    if table != "topo_example":
        raise ValueError(f"table must be 'topo_example', got {table!r}")
    rows = list(load_table(table))
    devices = list(dict.fromkeys([d for r in rows for d in (r.a, r.b)]))
    index = {d: i for i, d in enumerate(devices)}
    matrix = [["X"] * len(devices) for _ in devices]
    for r in rows:
        matrix[index[r.a]][index[r.b]] = matrix[index[r.b]][index[r.a]] = r.code
    return devices, matrix


# ---- crossing machines: GPUDirect RDMA or staging through host memory -------------------------------------

def internode_copy_hops_s(n_bytes: float, pcie: Link, network: Link, rdma: bool = True,
                          chunk_bytes: float | None = None) -> dict[str, float]:
    """Seconds of each hop of a GPU-to-GPU copy of ``n_bytes`` between two machines.

    With GPUDirect RDMA (``rdma=True``) the NIC reads the GPU's memory over PCIe while it sends, so there is one
    hop at the slower of the two links: ``alpha_net + n / min(B_pcie, B_net)``. Without it the data is staged:
    GPU to host memory over PCIe, host to host over the network, host memory to GPU over PCIe, each hop
    ``alpha + n/B``. ``chunk_bytes`` (staging only) pipelines the copy in chunks: the hops then overlap and
    the total (see :func:`internode_copy_time_s`) approaches ``n`` over the slowest link.

    Returns
    -------
    dict
        Seconds of each hop, by a readable hop name, in the order the data travels.

    Examples
    --------
    >>> pcie, net = custom_link("PCIe", 16, 0), custom_link("network", 10, 0)
    >>> internode_copy_hops_s(1e9, pcie, net)  # RDMA: one hop at the slower 10 GB/s
    {'network (NIC reads GPU memory)': 0.1}
    >>> list(internode_copy_hops_s(1e9, pcie, net, rdma=False).values())  # staged: 1/16 s, 1/10 s, 1/16 s
    [0.0625, 0.1, 0.0625]
    """
    n = _bytes_scalar(n_bytes)
    pcie, network = _check_link(pcie, "pcie"), _check_link(network, "network")
    checks.flag(rdma, "rdma")
    if chunk_bytes is not None:
        checks.positive(chunk_bytes, "chunk_bytes")
    if rdma:
        return {"network (NIC reads GPU memory)": network.alpha_s + n / min(pcie.bytes_per_s, network.bytes_per_s)}
    return {"GPU to host (PCIe)": p2p_time_s(n, pcie), "host to host (network)": p2p_time_s(n, network),
            "host to GPU (PCIe)": p2p_time_s(n, pcie)}


def internode_copy_time_s(n_bytes: float, pcie: Link, network: Link, rdma: bool = True,
                          chunk_bytes: float | None = None) -> float:
    """Total seconds of the copy in :func:`internode_copy_hops_s`. Pipelined staging with ``k`` chunks of
    ``n/k`` bytes takes the three hop times of one chunk plus ``(k-1)`` times the slowest of them."""
    hops = internode_copy_hops_s(n_bytes, pcie, network, rdma, chunk_bytes)
    if rdma or chunk_bytes is None:
        return sum(hops.values())
    n = float(n_bytes)
    k = max(1, math.ceil(n / float(chunk_bytes)))
    chunk = n / k
    stage = [p2p_time_s(chunk, pcie), p2p_time_s(chunk, network), p2p_time_s(chunk, pcie)]
    return sum(stage) + (k - 1) * max(stage)


# ---- models and data-parallel speed-up --------------------------------------------------------------------

def models() -> list[str]:
    """Model names whose gradient size :func:`gradient_bytes` knows: the CNNs of ``conv_architectures.csv``
    and the language models of ``cluster_models.csv``."""
    return [*CNN_MODELS, *(r.key for r in load_table("cluster_models"))]


def model_name(model: str) -> str:
    """The display name of a language model in ``cluster_models.csv`` (for the CNNs, the key itself)."""
    checks.choice(model, "model", models())
    return model if model in CNN_MODELS else load_table("cluster_models").get(model).name


def parameter_count(model: str) -> float:
    """Parameters of ``model``: counted layer by layer for CNNs (helpers.convolution.network_cost), from
    ``cluster_models.csv`` for language models."""
    checks.choice(model, "model", models())
    if model in CNN_MODELS:
        from .convolution import network_cost  # imported on first use: it brings in scipy.fft

        return float(network_cost(model).params)
    return float(load_table("cluster_models").get(model).params)


def gradient_bytes(model: str, dtype: str = "fp32") -> float:
    """Bytes of one full gradient of ``model`` (one value per parameter) in ``dtype`` (fp32, fp16 or bf16)."""
    return parameter_count(model) * GRADIENT_BYTES[checks.choice(dtype, "dtype", GRADIENT_BYTES)]


def training_state_gb(model: str) -> float:
    """GB of training state one data-parallel worker holds for ``model``: weights, gradients and Adam's states in
    mixed precision, 16 bytes per parameter (:func:`helpers.gpus.training_memory_gb`), activations not counted.
    Plain data parallelism keeps a full copy on every GPU, so this must fit one GPU's memory.

    Examples
    --------
    >>> training_state_gb("llama2_7b")  # 7e9 x 16 bytes
    112.0
    """
    from .gpus import training_memory_gb

    return training_memory_gb(parameter_count(model), "adam-mixed")


def _combine(compute_s: float, comm_s, overlap: bool):
    return np.maximum(compute_s, comm_s) if overlap else compute_s + comm_s


def data_parallel_speedup(n_workers, compute_s: float, n_bytes: float, link: Link, algorithm: str = "ring",
                          overlap: bool = False):
    """Throughput of ``n_workers`` data-parallel workers relative to one (weak scaling: each worker keeps its
    batch): ``p T_compute / T_step`` with ``T_step = T_compute + T_allreduce`` (or their maximum if the
    all-reduce fully ``overlap``\\ s the backward pass). ``n_workers`` may be an array."""
    compute = checks.positive(compute_s, "compute_s")
    checks.flag(overlap, "overlap")
    workers = np.atleast_1d(np.asarray(n_workers, dtype=object))
    if workers.ndim != 1 or workers.size == 0:
        raise ValueError(f"n_workers must be a whole number or a 1-D list of them, got {n_workers!r}")
    ps = [checks.whole(p, "n_workers", 1, 10**7) for p in workers]
    comm = np.array([allreduce_time_s(n_bytes, p, link, algorithm) for p in ps])
    speedup = np.array(ps) * compute / _combine(compute, comm, overlap)
    return float(speedup[0]) if np.ndim(n_workers) == 0 else speedup


def cluster_speedup(compute_s: float, n_bytes: float, nodes: int, gpus_per_node: int, intra_link: Link,
                    inter_link: Link, nics_per_node: int = 1, overlap: bool = False) -> float:
    """Speed-up of ``nodes x gpus_per_node`` GPUs over one, with the hierarchical all-reduce of ``n_bytes``
    per step (see :func:`data_parallel_speedup` for the convention)."""
    compute = checks.positive(compute_s, "compute_s")
    checks.flag(overlap, "overlap")
    comm = hierarchical_allreduce_time_s(n_bytes, nodes, gpus_per_node, intra_link, inter_link, nics_per_node)
    return float(nodes * gpus_per_node * compute / _combine(compute, comm, overlap))


NVLINK_DOMAINS = {8: "one 8-GPU server (HGX/DGX)", 72: "one GB200 NVL72 rack (NVLink 5 only)"}


def nvlink_domain_speedup(n_workers, compute_s: float, n_bytes: float, nvlink: Link, network: Link,
                          domain_gpus: int = 8, overlap: bool = False):
    """Speed-up of ``n_workers`` GPUs over one when NVLink joins only the GPUs of one NVLink domain
    (``domain_gpus``: 8 in an HGX/DGX server, 72 in a GB200 NVL72 rack, which needs NVLink 5) and ``network``
    joins the domains, one network card per GPU. Up to one domain it is a plain ring over ``nvlink``; beyond,
    the hierarchical all-reduce of :func:`hierarchical_allreduce_time_s` over ``ceil(p / domain)`` domains of
    ``domain_gpus`` GPUs. ``n_workers`` may be an array (see :func:`data_parallel_speedup` for the convention).

    Examples
    --------
    >>> fast, net = custom_link("fast", 100, 0), custom_link("net", 10, 0)
    >>> nvlink_domain_speedup([8, 16], 1.0, 1e9, fast, net)  # 8: ring 2*7/8 * 10 ms; 16: + 2*1/2 * 1 GB/(8 * 10 GB/s)
    array([ 7.86240786, 15.53398058])
    """
    compute = checks.positive(compute_s, "compute_s")
    checks.flag(overlap, "overlap")
    nv, net = _check_link(nvlink, "nvlink"), _check_link(network, "network")
    d = checks.choice(domain_gpus, "domain_gpus", NVLINK_DOMAINS)
    if d == 72 and nv.name != "NVLink 5 (B200)":
        raise ValueError(f"domain_gpus 72 (GB200 NVL72) needs NVLink 5 (B200), got {nv.name}")
    n = _bytes_scalar(n_bytes)
    workers = np.atleast_1d(np.asarray(n_workers, dtype=object))
    if workers.ndim != 1 or workers.size == 0:
        raise ValueError(f"n_workers must be a whole number or a 1-D list of them, got {n_workers!r}")
    ps = [checks.whole(p, "n_workers", 1, 10**7) for p in workers]
    comm = np.array([allreduce_time_s(n, p, nv, "ring") if p <= d else
                     hierarchical_allreduce_time_s(n, math.ceil(p / d), d, nv, net, d) for p in ps])
    speedup = np.array(ps) * compute / _combine(compute, comm, overlap)
    return float(speedup[0]) if np.ndim(n_workers) == 0 else speedup


def min_tokens_per_gpu(gpu_flops: float, link: Link, gradient_bytes_per_param: float = 2.0,
                       flops_per_param_token: float = 6.0) -> float:
    """Smallest batch per GPU, in tokens (or samples), for which one step's computation takes at least as long as
    its gradient all-reduce, so that overlapping can hide the network completely.

    A dense model of ``P`` parameters spends ``flops_per_param_token x P`` FLOP per token in training (6: forward
    2, backward 4), so ``b`` tokens take ``6 P b / C`` seconds on a GPU doing ``gpu_flops`` (C) per second. A ring
    all-reduce of ``gradient_bytes_per_param x P`` bytes moves about twice that over each GPU's ``link`` (W bytes/s,
    latency ignored, many GPUs). ``P`` cancels: ``b >= 2 g C / (6 W)``. The faster the GPU and the slower its link,
    the larger the batch each GPU needs, which caps how far data parallelism spreads a fixed global batch.

    Examples
    --------
    >>> round(min_tokens_per_gpu(1e15, custom_link("400G", 50, 0)))  # 2 * 2 * 1e15 / (6 * 50e9)
    13333
    """
    c = checks.positive(gpu_flops, "gpu_flops")
    lk = _check_link(link)
    g = checks.positive(gradient_bytes_per_param, "gradient_bytes_per_param")
    f = checks.positive(flops_per_param_token, "flops_per_param_token")
    return 2 * g * c / (f * lk.bytes_per_s)


def max_gradient_bytes(target_speedup: float, n_workers: int, compute_s: float, link: Link,
                       algorithm: str = "ring") -> float:
    """Largest gradient (bytes) for which ``n_workers`` still reach ``target_speedup`` (no overlap): the
    all-reduce time is linear in the bytes, so solve ``p T_c / (T_c + a + b n) = S`` for ``n``."""
    p = checks.whole(n_workers, "n_workers", 2, 10**7)
    compute = checks.positive(compute_s, "compute_s")
    target = checks.positive(target_speedup, "target_speedup")
    if target > p:
        raise ValueError(f"target_speedup must be at most n_workers ({p}), got {target}")
    a = allreduce_time_s(0.0, p, link, algorithm)
    b = allreduce_time_s(1.0, p, link, algorithm) - a
    n = (p * compute / target - compute - a) / b
    if n < 0:
        raise ValueError(f"target_speedup {target} is out of reach even for an empty gradient (latency alone)")
    return float(n)


# ---- fitting alpha and beta -------------------------------------------------------------------------------

@dataclass(frozen=True)
class AlphaBetaFit:
    """A fitted ``t = alpha + beta n``: ``alpha_s`` seconds, ``beta_s_per_byte`` seconds per byte."""

    alpha_s: float
    beta_s_per_byte: float

    @property
    def bandwidth_gbs(self) -> float:
        return 1 / self.beta_s_per_byte / 1e9

    @property
    def latency_us(self) -> float:
        return self.alpha_s * 1e6

    def predict_s(self, n_bytes):
        """Modelled seconds for ``n_bytes`` (number or array)."""
        n = checks.array(n_bytes, "n_bytes", ndim=(0, 1), non_negative=True)
        return _out(self.alpha_s + self.beta_s_per_byte * n)

    def as_link(self, name: str = "fitted") -> Link:
        """The fit as a :class:`Link` (latency in microseconds, per-direction GB/s)."""
        return custom_link(name, self.bandwidth_gbs, self.latency_us)


def _series(values, name: str) -> np.ndarray:
    if isinstance(values, (str, bytes)) or values is None:
        raise ValueError(f"{name} must be a 1-D list of numbers, got {values!r}")
    try:
        a = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a 1-D list of numbers, got {values!r}") from None
    if a.ndim != 1:
        raise ValueError(f"{name} must be a 1-D list of numbers, got shape {a.shape}")
    if not np.all(np.isfinite(a)) or np.any(a <= 0):
        raise ValueError(f"{name} must be finite and above 0, got {values!r}")
    return a


def _nonnegative_lstsq(design: np.ndarray, target: np.ndarray) -> tuple[float, float]:
    """Least squares with two non-negative coefficients: the free solution if both are >= 0, otherwise the
    better of the two one-coefficient fits (for two unknowns this is the exact constrained optimum)."""
    (c0, c1), *_ = np.linalg.lstsq(design, target, rcond=None)
    if c0 >= 0 and c1 >= 0:
        return float(c0), float(c1)
    candidates = []
    for j in (0, 1):
        col = design[:, j]
        c = max(0.0, float(col @ target / (col @ col)))
        coef = (c, 0.0) if j == 0 else (0.0, c)
        candidates.append((float(np.sum((design @ np.array(coef) - target) ** 2)), coef))
    return min(candidates)[1]


def fit_alpha_beta(sizes, times) -> AlphaBetaFit:
    """Least-squares fit of ``t = alpha + beta n`` to measured message ``sizes`` (bytes) and ``times``
    (seconds), with ``alpha, beta >= 0``. Each point is weighted by ``1/t`` (relative errors), so the
    small, latency-bound messages count as much as the large, bandwidth-bound ones."""
    n, t = _series(sizes, "sizes"), _series(times, "times")
    if n.size != t.size:
        raise ValueError(f"sizes and times must have the same length, got {n.size} and {t.size}")
    if np.unique(n).size < 2:
        raise ValueError("sizes must hold at least two different message sizes")
    scale = n.max()  # keep the two columns of the system of comparable size
    alpha, beta_scaled = _nonnegative_lstsq(np.column_stack([1 / t, n / scale / t]), np.ones_like(t))
    if beta_scaled <= 1e-9 * t.max():  # the largest message adds (next to) nothing: no bandwidth to see
        raise ValueError("times do not grow with the message size, so no bandwidth can be fitted")
    return AlphaBetaFit(float(alpha), float(beta_scaled / scale))


# ---- real MPI measurements on this machine --------------------------------------------------------------

@dataclass(frozen=True)
class TransferMeasurement:
    """One-way transfer times between two MPI ranks (the ping-pong job).

    ``times_s`` is the median over ``repeats`` of half a round trip per message size (bytes in ``sizes``);
    ``min_times_s`` the fastest. ``verified`` says every echoed message came back byte for byte identical."""

    method: str
    sizes: np.ndarray
    times_s: np.ndarray
    min_times_s: np.ndarray
    repeats: int
    verified: bool


def default_message_sizes(largest_bytes: int = 4 * 2**20, count: int = 10) -> np.ndarray:
    """``count`` message sizes spaced evenly on a log scale from 64 bytes to ``largest_bytes`` (whole bytes)."""
    largest = checks.whole(largest_bytes, "largest_bytes", 128, MAX_MESSAGE_BYTES)
    count = checks.whole(count, "count", 2, MAX_SIZES)
    return np.unique(np.geomspace(64, largest, count).round().astype(np.int64))


def _message_sizes(sizes) -> np.ndarray:
    if isinstance(sizes, (str, bytes)) or sizes is None or np.ndim(sizes) != 1:
        raise ValueError(f"sizes must be a 1-D list of message sizes in bytes, got {sizes!r}")
    found = []
    for s in sizes:
        if isinstance(s, (bool, np.bool_)) or not isinstance(s, (int, np.integer)):
            raise ValueError(f"sizes must be whole numbers of bytes, got {s!r}")
        if not 1 <= s <= MAX_MESSAGE_BYTES:
            raise ValueError(f"sizes must be from 1 to {MAX_MESSAGE_BYTES} bytes (64 MiB), got {s}")
        found.append(int(s))
    if not 1 <= len(found) <= MAX_SIZES:
        raise ValueError(f"sizes must hold 1 to {MAX_SIZES} message sizes, got {len(found)}")
    return np.array(found, dtype=np.int64)


def _check_volume(size_list: np.ndarray, repeats: int, copies: int) -> None:
    moved = copies * (repeats + 1) * int(size_list.sum())
    if moved > MAX_MOVED_BYTES:
        raise ValueError(f"sizes x repeats would move {moved / 2**20:.0f} MiB; keep it under "
                         f"{MAX_MOVED_BYTES // 2**20} MiB (fewer repeats or smaller sizes)")


def measure_transfer(sizes, repeats: int = 5, seed: int = 0) -> TransferMeasurement:
    """Measure one-way transfer times between two MPI processes on this machine (``helpers/jobs/pingpong.py``).

    For each message size (bytes, at most 64 MiB each and 32 sizes) rank 0 sends a message of seeded random bytes
    to rank 1, which sends it straight back (``MPI_Send``/``MPI_Recv``); half the round trip is the one-way time.
    Each size gets 3 warm-up round trips, then ``repeats`` timed ones. MPI start-up is not in the times. Typically
    under a second in total; a :class:`helpers.mpirun.MPIRunError` (a ``ValueError``) explains any failure.
    """
    size_list = _message_sizes(sizes)
    repeats = checks.whole(repeats, "repeats", 1, MAX_REPEATS)
    seed = checks.whole(seed, "seed", 0)
    _check_volume(size_list, repeats, 2)
    r = mpirun.run_job("pingpong", 2, {"sizes": size_list.tolist(), "repeats": repeats, "seed": seed},
                       timeout_s=TIMEOUT_S)
    return TransferMeasurement("MPI ping-pong", r["sizes"], r["times_s"], r["min_times_s"], repeats,
                               bool(r["verified"]))


@dataclass(frozen=True)
class AllreduceMeasurement:
    """Seconds per all-reduce of ``sizes`` bytes over ``ranks`` MPI processes, three ways (the all-reduce job):
    ``ring_s`` (ring written with Sendrecv), ``naive_s`` (gather to rank 0, sum, broadcast), ``mpi_s``
    (``MPI_Allreduce``). Each is the mean over ``repeats``, on the slowest rank. ``sums_agree`` says the three
    gave exactly the same sum (whole-number inputs, so the order of the additions does not matter)."""

    ranks: int
    sizes: np.ndarray
    ring_s: np.ndarray
    naive_s: np.ndarray
    mpi_s: np.ndarray
    repeats: int
    sums_agree: bool


def measure_allreduce(sizes, n_ranks: int = 2, repeats: int = 5, seed: int = 0) -> AllreduceMeasurement:
    """Time the three all-reduces of ``helpers/jobs/allreduce.py`` on ``n_ranks`` (1-8) MPI processes for each
    message size (bytes of float64, rounded down to whole values; at most 64 MiB each and 32 sizes). More ranks
    than cores work, slower: waiting ranks then share the cores with working ones."""
    size_list = _message_sizes(sizes)
    p = checks.whole(n_ranks, "n_ranks", 1, MAX_RANKS)
    if size_list.min() < 8:
        raise ValueError(f"sizes must be at least 8 bytes (one float64 value), got {int(size_list.min())}")
    repeats = checks.whole(repeats, "repeats", 1, MAX_REPEATS)
    seed = checks.whole(seed, "seed", 0)
    _check_volume(size_list, repeats, 3 * p)
    r = mpirun.run_job("allreduce", p, {"sizes": size_list.tolist(), "repeats": repeats, "seed": seed},
                       timeout_s=TIMEOUT_S)
    agree = np.array_equal(r["ring_sum"], r["mpi_sum"]) and np.array_equal(r["naive_sum"], r["mpi_sum"])
    return AllreduceMeasurement(p, r["sizes"], r["ring_s"], r["naive_s"], r["mpi_s"], repeats, bool(agree))
