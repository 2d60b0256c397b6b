"""Where and how torch runs: device choice, CPU threads, denormals, float32 input."""

from __future__ import annotations

import gc
import os
import traceback
from contextlib import contextmanager

import numpy as np
import scipy.sparse as sp
import torch

# Rows of every forward pass at inference, per device type. Every pass sees exactly this
# many rows: the last block of an input is padded with zero rows. BLAS libraries (MKL,
# cuBLAS) choose their kernel, its thread partition and so the order in which a dot
# product is summed from the shapes of the matrices, and for small ones also from where
# the data lie in memory. A row encoded alone and the same row encoded among 1000 others
# would then round differently. With one shape, and every block copied into the same
# aligned buffer, a row's output does not depend on how many rows come with it, where,
# or in what order. 256 rows keep a 256-wide layer's activations in the CPU's cache (as
# fast per row as larger blocks, measured); a GPU wants larger blocks. The built-in
# networks' linear layers (``_networks.Linear``) were checked position-independent at
# 256 rows under every CPU kernel set: recheck them before changing the CPU's block.
INFERENCE_BLOCK = {"cpu": 256, "cuda": 4096}


def inference_block(device):
    """Return the number of rows of every forward pass at inference on ``device``."""
    return INFERENCE_BLOCK.get(torch.device(device).type, INFERENCE_BLOCK["cuda"])


def resolve_device(device):
    """Turn ``"auto"``, a string or a ``torch.device`` into a usable ``torch.device``."""
    if isinstance(device, str) and device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(
            f"device={device!r} is not a device torch knows; use 'auto', 'cpu', "
            "'cuda' or 'cuda:<index>'."
        ) from exc
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r} was asked for but CUDA is not available on this machine; "
            "use device='auto' (CUDA when present, else CPU) or device='cpu'."
        )
    return resolved


def _n_threads(n_jobs):
    if n_jobs is None:
        return None
    if n_jobs < 0:
        return max(1, (os.cpu_count() or 1) + 1 + n_jobs)
    return n_jobs


@contextmanager
def torch_runtime(n_jobs=None, flush_denormal=True):
    """Run torch with ``n_jobs`` CPU threads and (for training) denormals flushed.

    Flushing denormals keeps Adam's decaying moments of rarely-updated weights (pixels
    that are always zero) from slowing later epochs down on CPU. torch has no
    getter for that flag, so it is switched back to torch's default (off) on exit.
    Inference leaves the flag alone: it is process-wide, and calls from several threads
    would switch it under each other.
    """
    n_threads = _n_threads(n_jobs)
    previous = torch.get_num_threads()
    if n_threads is not None and n_threads != previous:
        torch.set_num_threads(n_threads)
    flushed = flush_denormal and torch.set_flush_denormal(True)
    try:
        yield
    finally:
        if flushed:
            torch.set_flush_denormal(False)
        if n_threads is not None and n_threads != previous:
            torch.set_num_threads(previous)


def as_float32(X, name="X"):
    """Cast validated finite data to float32 and reject values that overflow the cast.

    A CSR matrix stays sparse: only its stored values are cast (the result shares the
    index arrays of X, which nothing writes to).
    """
    if sp.issparse(X):
        data = as_float32(X.data, name)
        return sp.csr_matrix((data, X.indices, X.indptr), shape=X.shape)
    with np.errstate(over="ignore", invalid="ignore"):
        X32 = np.asarray(X, dtype=np.float32)
    # X was checked finite before the cast, so only an overflow can make it infinite.
    if X32.dtype != getattr(X, "dtype", None) and not np.isfinite(X32).all():
        raise ValueError(
            f"Input {name} contains values too large for float32 (|value| > 3.4e38): "
            "they become infinity after the cast that the networks need. Scale the "
            "data first, e.g. with sklearn.preprocessing.StandardScaler."
        )
    if not X32.flags.writeable or not X32.flags.c_contiguous:
        # torch.from_numpy needs a writeable, C-ordered buffer; copy only then.
        X32 = np.array(X32, dtype=np.float32, order="C")
    return X32


def to_tensor(X32, device):
    """Wrap a float32 array as a tensor on ``device`` (shares memory on CPU, never written)."""
    return torch.from_numpy(X32).to(device)


def dense_rows(X32, rows, device):
    """Rows of a float32 array or CSR matrix as a dense tensor on ``device``.

    Sparse rows are densified here, a mini-batch or a chunk at a time, never the whole
    matrix; on CUDA they travel through pinned memory without blocking the host.
    """
    block = X32[rows]
    if sp.issparse(block):
        block = block.toarray()
    tensor = torch.from_numpy(np.ascontiguousarray(block))
    if device.type == "cuda":
        return tensor.pin_memory().to(device, non_blocking=True)
    return tensor.to(device)


@torch.inference_mode()
def apply_in_blocks(fn, X32, device, n_out, block):
    """``fn`` over blocks of exactly ``block`` rows of X; returns float32 NumPy.

    X is a float32 array or CSR matrix. Each block is copied into the same device
    buffer, the last one padded with zero rows, so that ``fn`` (the networks) always
    runs on one shape (see ``INFERENCE_BLOCK``). Only one block at a time lives on the
    device, so X may be larger than its memory.
    """
    n = X32.shape[0]
    out = np.empty((n, n_out), dtype=np.float32)
    buffer = torch.zeros((block, X32.shape[1]), device=device)
    for start in range(0, n, block):
        rows = dense_rows(X32, slice(start, start + block), device)
        m = rows.shape[0]
        buffer[:m].copy_(rows)
        if m < block:
            buffer[m:].zero_()
        out[start : start + m] = fn(buffer)[:m].float().cpu().numpy()
    return out


def free_device_memory(exc):
    """Release what a failed call held on the device.

    The exception's traceback keeps the finished frames' tensors alive (the batch, the
    activations, a half-built network) for as long as the caller keeps the exception;
    clearing those frames and torch's cache hands the memory back to the device.
    """
    traceback.clear_frames(exc.__traceback__)
    gc.collect()
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        torch.cuda.empty_cache()
