"""The training step replayed from a CUDA graph (``cuda_graphs=True``).

One mini-batch of the paper's phases is a few hundred small kernels. With networks of
the paper's size the GPU runs them faster than Python launches them, so an epoch on a
fast GPU is bound by the host. ``GraphedStep`` captures the whole step once (forward and
backward passes, both optimizers' updates) and replays it for every later mini-batch of
the same shape, after copying the batch into the graph's input buffers.

What capture needs, and how the loop keeps it true:

- no host synchronisation and no Python branch on data inside the step: the loop's step
  branches only on hyper-parameters, which are fixed for one ``fit_loop`` call;
- optimizer states that exist before capture and stay where they are: the first
  full-size batches of a call run eagerly (real training steps, on a side stream as
  PyTorch's CUDA-graph guide asks), and a graph lives for one ``fit_loop`` call only,
  because restoring a snapshot replaces the states;
- learning rates are baked into the graph, so a change (a scheduler callback) makes a
  new capture;
- random draws inside the step (``input_noise``, ``discriminator_noise``, Gaussian and
  universal encoders) use generators registered with the graph: each replay draws fresh
  numbers.

Batches of another shape (an epoch's last, smaller one) run eagerly.
"""

from __future__ import annotations

import threading
import warnings

import torch

#: Full-size batches run eagerly at the start of every fit call before the capture.
WARMUP_STEPS = 3

# One warm-up stream per device for the whole process: cuBLAS keeps a workspace (tens of
# MiB) for every stream it has run on, so a new stream per fit would leak one per fit.
_STREAMS = {}
# One capture at a time in the process (PyTorch's rule), whatever the threads.
_CAPTURE_LOCK = threading.Lock()


def _side_stream(device):
    with _CAPTURE_LOCK:
        if device not in _STREAMS:
            _STREAMS[device] = torch.cuda.Stream(device)
        return _STREAMS[device]


def _tensors(batch):
    """Return the batch's tensors in a fixed order (nested dicts flattened, None skipped)."""
    out = []
    for key in sorted(batch):
        value = batch[key]
        if isinstance(value, dict):
            out += _tensors(value)
        elif value is not None:
            out.append(value)
    return out


def _signature(batch):
    return tuple((tuple(t.shape), t.dtype) for t in _tensors(batch))


def _clone(batch):
    """Return a copy of the batch with fresh tensors: the graph's input buffers."""
    out = {}
    for key, value in batch.items():
        if isinstance(value, dict):
            out[key] = _clone(value)
        else:
            out[key] = None if value is None else value.detach().clone()
    return out


def set_capturable(net, flag):
    """Mark both optimizers' parameter groups as (not) captured in a graph.

    PyTorch refuses to capture an optimizer step unless ``capturable`` is set; the
    fused Adam these nets use keeps its step counts on the device either way, so the
    flag changes no arithmetic. It is cleared after every fit call so that saved
    optimizer states load anywhere, CPU included.
    """
    for optimizer in (net.optimizer_, net.optimizer_discriminator_):
        for group in optimizer.param_groups:
            group["capturable"] = flag


class GraphedStep:
    """Replaces ``net.train_step`` for one ``fit_loop`` call on a CUDA device."""

    def __init__(self, net):
        self.net = net
        self.device = torch.device(net.device)
        self.stream = _side_stream(self.device)
        self.graph = None
        self.inputs = None
        self.outputs = None
        self.signature = None
        self.learning_rates = None
        self.n_warmup = 0
        set_capturable(net, True)

    def close(self):
        """Free the graph and its buffers, and clear the optimizers' capturable flag."""
        self.graph = self.inputs = self.outputs = None
        set_capturable(self.net, False)

    def _learning_rates(self):
        return tuple(
            group["lr"]
            for opt in (self.net.optimizer_, self.net.optimizer_discriminator_)
            for group in opt.param_groups
        )

    def _eager(self, batch, fit_params, *, side_stream=False):
        # An optimizer marked capturable warns when it steps outside a capture: here it
        # does so on purpose (warm-up and odd-sized batches).
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*capturable=True.*")
            if not side_stream:
                return self.net.train_step(batch, **fit_params)
            self.stream.wait_stream(torch.cuda.current_stream(self.device))
            with torch.cuda.stream(self.stream):
                out = self.net.train_step(batch, **fit_params)
            # Tensors made on the side stream are used on the main one next: wait for it
            # (a few times per fit call only).
            torch.cuda.synchronize(self.device)
            return out

    def _capture(self, batch, fit_params):
        self.graph = self.inputs = self.outputs = None  # free an older graph first
        inputs = _clone(batch)
        graph = torch.cuda.CUDAGraph()
        for generator in (self.net.noise_generator_, self.net.discriminator_generator_):
            if generator.device.type == "cuda":
                graph.register_generator_state(generator)
        # thread_local: another thread training eagerly during the capture (a threaded
        # grid search) may still allocate memory; its work is not captured.
        with _CAPTURE_LOCK, torch.cuda.graph(graph, capture_error_mode="thread_local"):
            outputs = self.net.train_step(inputs, **fit_params)
        self.graph, self.inputs, self.outputs = graph, inputs, outputs
        self.learning_rates = self._learning_rates()

    def __call__(self, batch, **fit_params):
        signature = _signature(batch)
        if self.signature is None:
            self.signature = signature  # the first batch of a call has the full size
        if signature != self.signature:
            return self._eager(batch, fit_params)
        if self.n_warmup < WARMUP_STEPS:
            self.n_warmup += 1
            return self._eager(batch, fit_params, side_stream=True)
        if self.graph is None or self._learning_rates() != self.learning_rates:
            self._capture(batch, fit_params)
        with torch.no_grad():
            for buffer, value in zip(_tensors(self.inputs), _tensors(batch), strict=True):
                buffer.copy_(value, non_blocking=True)
        self.graph.replay()
        return self.outputs
