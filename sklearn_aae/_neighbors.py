"""The neighbour graph: which training rows are near each other, and a loss that keeps them near.

With ``neighbor_weight > 0`` every estimator adds a graph term to its reconstruction
phase, the loss of UMAP (McInnes et al., 2018) in the parametric form of Sainburg et al.
(2021): the codes of neighbouring rows attract, the codes of random pairs repel. This
module owns both halves; the training loop (``_training.py``) only calls them.

1. ``NeighborGraph.build``: once per fit, the k nearest neighbours of every training row
   (exact, in blocks on the training device, or approximate with pynndescent for large
   n), turned into UMAP's symmetric fuzzy membership weights: a sparse matrix with
   O(n·k) entries, never an n x n one.
2. ``NeighborGraph.sample``: per epoch, one neighbour for every row, drawn with
   probability proportional to the edge weights, on the device from a seeded generator.
3. ``neighbor_loss``: UMAP's fuzzy cross-entropy between the graph and the codes, with
   q(d) = 1 / (1 + a·d^(2b)) on the distance d of two codes scaled by ``code_scale``
   (for 2-D codes; by code_scale·sqrt(2/d) for d-dimensional ones),
   and ``n_negatives`` repelling pairs per edge taken from the same mini-batch.
4. ``merge_by_modularity`` and ``modularity``: after training, ``AAEClusterer`` merges
   its categories into clusters along the graph, and scores its clusters on it.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import scipy.sparse as sp
import torch
from scipy.optimize import curve_fit

from ._losses import weighted_mean
from ._runtime import dense_rows

#: UMAP's default n_neighbors-independent settings: the target spread of the
#: embedding and the distance below which neighbours may sit together.
SPREAD = 1.0
MIN_DIST = 0.1

# The binary search of a row's bandwidth stops within this much of its target.
_BANDWIDTH_TOLERANCE = 1e-5
# A row's bandwidth is at least this fraction of its mean neighbour distance.
_MIN_BANDWIDTH_SCALE = 1e-3

# Rows of X whose distances to all rows are computed at once (exact search): a block of
# 1024 x 60 000 float32 distances is 245 MB.
_KNN_BLOCK = 1024
# Above this many rows the exact search gives way to pynndescent when it is installed.
APPROXIMATE_FROM = 20_000


#: The graph term's weight in the loop per unit of ``neighbor_weight``, so that
#: ``neighbor_weight=1`` is the recommended strength. Measured on digits at 2
#: components (100 epochs): a weight of 0.3 in the loop scores as high with an SVC on
#: the codes as 1.0 (0.893 and 0.895), with the reconstruction error 1.07 times the
#: plain model's instead of 1.36 and the codes closer to the prior (MMD² 0.0076
#: instead of 0.0115); 0.1 scores lower (0.882).
WEIGHT_UNIT = 0.3

#: Weight of the categories' balance in ``category_agreement_loss``, for a model whose
#: labelled rows anchor its categories (``AAEClassifier``; also the cluster heads of
#: ``AAEClusterHeadTransformer``, whose graph term is off by default and for which no
#: other weight was measured).
BALANCE = 2.0

#: The default for ``AAEClusterer(category_balance=...)``, whose categories nothing else
#: anchors. Measured with twice as many categories as clusters on all digits (pixels /
#: 16), majority-label accuracy of the merged clusters: 0.910 against 0.874 for 2.0 on
#: seeds 0-9, 0.909 against 0.884 on seeds 10-19 (1.25: 0.902, 0.889; 1.5: 0.897); at 0.5
#: every seed put nearly all rows in one category, so it is not lowered further.
CLUSTER_BALANCE = 1.0

#: The graph term's fixed settings (``neighbor_loss``'s keyword arguments besides a, b).
CODE_SCALE = 3.0
N_NEGATIVES = 5
REPULSION = 1.0


@functools.cache
def neighbor_loss_settings():
    """Return the keyword arguments of ``neighbor_loss`` that the estimators train with."""
    a, b = find_ab_params(SPREAD, MIN_DIST)
    return {
        "a": a,
        "b": b,
        "code_scale": CODE_SCALE,
        "n_negatives": N_NEGATIVES,
        "repulsion": REPULSION,
    }


def find_ab_params(spread=SPREAD, min_dist=MIN_DIST):
    """Fit ``a, b`` of q(d) = 1 / (1 + a·d^(2b)) to UMAP's offset exponential.

    The target is 1 below ``min_dist`` and exp(-(d - min_dist) / spread) above it,
    on [0, 3·spread]; ``spread=1, min_dist=0.1`` give a ≈ 1.58, b ≈ 0.90.
    """

    def curve(d, a, b):
        return 1.0 / (1.0 + a * d ** (2 * b))

    d = np.linspace(0, 3 * spread, 300)
    target = np.where(d < min_dist, 1.0, np.exp(-(d - min_dist) / spread))
    (a, b), _ = curve_fit(curve, d, target)
    return float(a), float(b)


def _exact_knn(X32, n_neighbors, device):
    """Find each row's ``n_neighbors`` nearest other rows exactly: indices, distances.

    Distances are ranked in blocks of rows on ``device`` (``|q|² - 2 q·x + |x|²``),
    then the chosen ones recomputed from the differences, which the expansion would
    round poorly for close rows.
    """
    k = min(n_neighbors + 1, X32.shape[0])  # + the row itself
    return _drop_self(_rank_exactly(X32, k, device), X32)


def _rank_exactly(X32, k, device, queries=None):
    """Return the ``k`` rows of dense X nearest to each query row (itself included).

    ``queries`` are row indices (all rows by default), ranked in blocks on ``device``.
    """
    n = X32.shape[0]
    X = dense_rows(X32, slice(0, n), device)
    sq_norms = (X * X).sum(dim=1)
    queries = np.arange(n) if queries is None else np.asarray(queries)
    indices = np.empty((len(queries), k), dtype=np.int64)
    for start in range(0, len(queries), _KNN_BLOCK):
        block = torch.from_numpy(queries[start : start + _KNN_BLOCK]).to(X.device)
        q = X[block]
        d2 = sq_norms[block, None] - 2 * q @ X.T + sq_norms[None, :]
        top = torch.topk(d2, k, largest=False).indices
        indices[start : start + len(block)] = top.cpu().numpy()
    return indices


def _self_mask(indices):
    """Mark each row's own entry in its neighbour list, one per row.

    A row whose own index is missing (duplicates of it ranked first) gives up its last,
    farthest entry instead.
    """
    is_self = indices == np.arange(indices.shape[0])[:, None]
    is_self[~is_self.any(axis=1), -1] = True
    return is_self


def _drop_self(indices, X):
    """Remove each row from its own neighbour list, keep ``k - 1`` neighbours, sorted.

    The distances are recomputed from the rows' differences, a block of rows at a time,
    so that memory stays O(n·k) plus one block (never n x k x n_features at once).
    """
    n, k = indices.shape
    others = indices[~_self_mask(indices)].reshape(n, k - 1)
    dist = np.empty(others.shape)
    for start in range(0, n, _KNN_BLOCK):
        part = slice(start, start + _KNN_BLOCK)
        diff = X[others[part]] - X[part, None, :]
        dist[part] = np.sqrt(np.einsum("ijk,ijk->ij", diff, diff, dtype=np.float64))
    order = np.argsort(dist, axis=1, kind="stable")
    return np.take_along_axis(others, order, 1), np.take_along_axis(dist, order, 1)


def _approximate_knn(X32, n_neighbors, random_state):
    """Approximate k nearest neighbours with pynndescent (the optional extra ``graph``)."""
    from pynndescent import NNDescent

    index = NNDescent(
        X32,
        n_neighbors=n_neighbors + 1,
        metric="euclidean",
        random_state=random_state,
        low_memory=True,
        n_jobs=1,
        verbose=False,
    )
    indices = np.array(index.neighbor_graph[0], dtype=np.int64)
    missing = (indices < 0).any(axis=1)  # pynndescent marks neighbours it did not find -1
    if missing.any():
        indices[missing] = _rank_exactly(
            X32, indices.shape[1], torch.device("cpu"), np.flatnonzero(missing)
        )
    return _drop_self(indices, X32)


def _sparse_knn(X32, n_neighbors):
    """Exact k nearest neighbours of a CSR matrix (scikit-learn's brute force)."""
    from sklearn.neighbors import NearestNeighbors

    k = min(n_neighbors + 1, X32.shape[0])
    nn = NearestNeighbors(n_neighbors=k, algorithm="brute").fit(X32)
    distances, indices = nn.kneighbors(X32)
    keep = ~_self_mask(indices)
    n = X32.shape[0]
    return indices[keep].reshape(n, k - 1), distances[keep].reshape(n, k - 1)


def nearest_neighbors(X32, n_neighbors, device, random_state=None, method="auto"):
    """Return ``(indices, distances)`` of each row's nearest other rows, shape (n, k).

    ``method``: "exact" ranks all rows in blocks on ``device``; "approximate" uses
    pynndescent; "auto" is exact up to ``APPROXIMATE_FROM`` rows (or on a GPU, or when
    pynndescent is missing) and approximate beyond. A CSR matrix uses scikit-learn's
    exact search, which works on it without densifying.
    """
    if sp.issparse(X32):
        return _sparse_knn(X32, n_neighbors)
    if method == "auto":
        method = "exact"
        if X32.shape[0] > APPROXIMATE_FROM and torch.device(device).type == "cpu":
            try:
                import pynndescent  # noqa: F401

                method = "approximate"
            except ImportError:
                pass
    if method == "approximate":
        return _approximate_knn(X32, n_neighbors, random_state)
    return _exact_knn(X32, n_neighbors, torch.device(device))


def fuzzy_weights(distances):
    """UMAP's membership strength of each row's edges to its neighbours (directed).

    ``distances`` (n, k) holds each row's distances to its k nearest other rows, sorted.
    Row i's weights are exp(-(d - rho_i) / sigma_i), where rho_i is the distance to its
    nearest neighbour and sigma_i is found by binary search so that the weights sum to
    log2(k + 1) (UMAP counts the row itself among its n_neighbors).
    """
    distances = np.asarray(distances, dtype=np.float64)
    n, k = distances.shape
    target = math.log2(k + 1)
    positive = np.where(distances > 0, distances, np.inf)
    rho = positive.min(axis=1)
    rho[~np.isfinite(rho)] = 0.0
    excess = np.maximum(distances - rho[:, None], 0.0)
    lo = np.zeros(n)
    hi = np.full(n, np.inf)
    sigma = np.ones(n)
    for _ in range(64):
        total = np.exp(-excess / sigma[:, None]).sum(axis=1)
        if np.all(np.abs(total - target) < _BANDWIDTH_TOLERANCE):
            break
        too_big = total > target
        hi = np.where(too_big, sigma, hi)
        lo = np.where(too_big, lo, sigma)
        sigma = np.where(np.isinf(hi), sigma * 2, (lo + hi) / 2)
    mean = distances.mean(axis=1)
    floor = _MIN_BANDWIDTH_SCALE * np.where(rho > 0, mean, distances.mean())
    sigma = np.maximum(sigma, floor)
    sigma[sigma == 0] = 1.0  # all neighbours at distance 0: every weight is 1
    return np.exp(-excess / sigma[:, None])


def symmetric_graph(indices, weights, n):
    """Return the fuzzy union W + Wᵀ - W∘Wᵀ of the directed graph as a CSR matrix."""
    rows = np.repeat(np.arange(n), indices.shape[1])
    W = sp.csr_matrix((weights.ravel(), (rows, indices.ravel())), shape=(n, n))
    W.sum_duplicates()
    Wt = W.T.tocsr()
    graph = (W + Wt - W.multiply(Wt)).tocsr()
    graph.eliminate_zeros()
    graph.sort_indices()
    return graph


def fuzzy_graph(X32, n_neighbors, device, random_state=None):
    """UMAP's fuzzy k-nearest-neighbour graph of the rows of X, a symmetric CSR matrix.

    ``n_neighbors`` counts the row itself, as in UMAP: each row is joined to its
    ``n_neighbors - 1`` nearest other rows (fewer if X has fewer rows).
    """
    n = X32.shape[0]
    others = min(n_neighbors - 1, n - 1)
    indices, distances = nearest_neighbors(X32, others, device, random_state)
    return symmetric_graph(indices, fuzzy_weights(distances), n)


def merge_by_modularity(affinity, n_groups, resolution=1.0):
    """Merge k items into ``n_groups`` groups, greedily by modularity; the group of each.

    ``affinity`` (k, k) is symmetric and non-negative: the total edge weight between two
    items (an item's diagonal, the weight inside it). The pair whose union raises the
    modularity most, 2 (e_ij - γ a_i a_j) with e the affinity over its total, a its row
    sums and γ the ``resolution``, is joined first (Clauset, Newman and Moore, 2004;
    γ as Reichardt and Bornholdt, 2006: above 1 it favours groups of even weight), until
    ``n_groups`` remain. Groups are numbered by their smallest item.
    """
    e = np.array(affinity, dtype=np.float64)  # a copy: merged in place below
    if e.sum() > 0:
        e /= e.sum()
    members = [[i] for i in range(e.shape[0])]
    while len(members) > n_groups:
        a = e.sum(axis=1)
        gain = e - resolution * np.outer(a, a)
        np.fill_diagonal(gain, -np.inf)
        i, j = sorted(np.unravel_index(np.argmax(gain), gain.shape))
        e[i] += e[j]
        e[:, i] += e[:, j]
        e = np.delete(np.delete(e, j, axis=0), j, axis=1)
        members[i] += members.pop(j)
    group = np.empty(sum(len(m) for m in members), dtype=np.intp)
    for g, items in enumerate(members):
        group[items] = g
    return group


def modularity(affinity, group):
    """Newman's modularity of a grouping of k items: the sum over groups of e_gg - a_g².

    ``affinity`` (k, k) as in :func:`merge_by_modularity`; ``group`` (k,) holds each
    item's group. e_gg is the share of the total weight inside group g and a_g the share
    of the weight at its items. 0 when the affinity has no weight.
    """
    e = np.asarray(affinity, dtype=np.float64)
    total = e.sum()
    if total <= 0:
        return 0.0
    one_hot = np.eye(int(np.max(group)) + 1)[group]
    between = one_hot.T @ e @ one_hot / total  # weight from group to group
    return float(np.trace(between) - np.sum(between.sum(axis=1) ** 2))


class NeighborGraph:
    """The fuzzy k-nearest-neighbour graph of one fit's rows, on the training device.

    ``indptr``, ``indices`` (CSR structure) and ``cumulative`` (each row's edge weights
    normalised and accumulated, offset by the row's index so that one ``searchsorted``
    over the whole array samples every row at once) are device tensors.
    """

    def __init__(self, graph, device):
        graph = graph.tocsr()
        self.n_rows = graph.shape[0]
        self.n_edges = graph.nnz
        device = torch.device(device)
        degree = np.diff(graph.indptr)
        if (degree == 0).any():
            raise ValueError("every row needs at least one neighbour in the graph")
        row_of_edge = np.repeat(np.arange(self.n_rows), degree)
        totals = np.add.reduceat(graph.data.astype(np.float64), graph.indptr[:-1])
        within = np.cumsum(graph.data.astype(np.float64))
        start = np.concatenate([[0.0], np.cumsum(totals)[:-1]])
        fraction = (within - start[row_of_edge]) / totals[row_of_edge]
        fraction[graph.indptr[1:] - 1] = 1.0  # exactly 1 at each row's last edge
        self.cumulative = torch.from_numpy(row_of_edge + fraction).to(device)
        self.indices = torch.from_numpy(graph.indices.astype(np.int64)).to(device)
        self.indptr = torch.from_numpy(graph.indptr.astype(np.int64)).to(device)

    @classmethod
    def build(cls, X32, n_neighbors, device, random_state=None):
        """Build the graph of the rows of X (float32 array or CSR matrix).

        ``n_neighbors`` counts the row itself, as in UMAP: each row is joined to its
        ``n_neighbors - 1`` nearest other rows (fewer if X has fewer rows).
        """
        n = X32.shape[0]
        if n < 2:
            raise ValueError(
                f"The neighbour graph needs at least 2 samples, got n_samples = {n}. Fit "
                "with more samples or with neighbor_weight=0."
            )
        return cls(fuzzy_graph(X32, n_neighbors, device, random_state), device)

    def sample(self, rows, generator):
        """One neighbour of each of ``rows`` (device int64 tensor), drawn by edge weight."""
        u = torch.rand(rows.shape, generator=generator, device=rows.device, dtype=torch.float64)
        edge = torch.searchsorted(self.cumulative, rows.to(torch.float64) + u)
        # Rounding can land on the next row's first edge: clamp into the row's own range.
        edge = torch.minimum(torch.maximum(edge, self.indptr[rows]), self.indptr[rows + 1] - 1)
        return self.indices[edge]


def neighbor_loss(z, z_neighbors, a, b, *, code_scale, n_negatives, repulsion=1.0, weights=None):
    """UMAP's fuzzy cross-entropy for a mini-batch of edges (mean per edge).

    Row i of ``z`` and of ``z_neighbors`` are the codes of an edge's two ends: they
    attract, -log q(d). Each code of ``z`` is also paired with ``n_negatives`` codes of
    other rows of ``z_neighbors`` (the batch rolled by 1, 2, ... rows, i.e. random rows,
    since batches are shuffled), which repel, -log(1 - q(d)), weighted by ``repulsion``.
    Distances are measured on the codes times ``code_scale`` · sqrt(2 / d) for codes of
    d dimensions: UMAP's kernel expects embeddings spread over tens of units, codes that
    follow a standard prior over a few, and two draws of a d-dimensional standard prior
    lie sqrt(2·d) apart on average, so that the kernel sees prior-spread codes alike in
    any dimension (``code_scale`` is the factor of 2-D codes). At 8 components on
    digits, keeping the 2-D factor put the codes at MMD² 0.15-0.18 from the prior, the
    discriminator winning; the scaled factor at 0.042-0.044, with an SVC on the codes
    as accurate or more (``bench_neighbors.py --parts prior --prior-components 8``).
    ``weights`` (the rows' sample weights) weigh each row's terms.
    """
    eps = 1e-4
    scale2 = code_scale * code_scale * 2 / z.shape[1]

    def ad2b(z_other):  # a·d^(2b) from the scaled squared distance
        d2 = scale2 * (z - z_other).pow(2).sum(dim=1)
        return a * d2.clamp_min(eps).pow(b)

    per_row = torch.log1p(ad2b(z_neighbors))  # -log q
    n = z.shape[0]
    for shift in range(1, min(n_negatives, n - 1) + 1):
        neg = ad2b(z_neighbors.roll(shift, dims=0))
        per_row = per_row + repulsion * (torch.log1p(neg) - torch.log(neg))  # -log(1 - q)
    return weighted_mean(per_row, weights)


def category_agreement_loss(logits, logits_neighbors, weights=None, *, balance=BALANCE):
    """-log of the probability that a row and its graph neighbour share a category.

    For models with a categorical code: with q(y|x) and q(y|x') the softmax of the two
    rows' logits, Σ_k q(k|x)·q(k|x') is the probability that both fall in the same
    category (as in SCAN, Van Gansbeke et al., 2020). Alone, it is best met by putting
    every row in one category; ``balance`` times log K minus the entropy of the batch's
    mean q(y|x) (0 when the categories are used evenly) keeps them in use, as SCAN's
    entropy term does.
    """
    p = torch.softmax(logits, dim=1)
    same = (p * torch.softmax(logits_neighbors, dim=1)).sum(dim=1)
    agreement = weighted_mean(-torch.log(same.clamp_min(1e-8)), weights)
    mean = p.mean(dim=0)
    entropy = -(mean * torch.log(mean.clamp_min(1e-8))).sum()
    return agreement + balance * (math.log(p.shape[1]) - entropy)
