"""The training step replayed from a CUDA graph (``cuda_graphs=True``).

One mini-batch of the paper's phases is a few hundred small kernels. With networks of
the paper's size the GPU runs them faster than Python launches them, so an epoch on a
fast GPU is bound by the host. ``GraphedStep`` captures the whole step once (forward and
backward passes, both optimizers' updates) and replays it for every later mini-batch of
the same shape, after copying the batch into the graph's input buffers.

What capture needs, and how the loop keeps it true:

- no host synchronisation and no Python branch on data inside the step: the loop's step
  branches only on its settings (λ, γ, noise levels, precision, loss);
- optimizer states that exist before capture and stay where they are: the first
  full-size batches of a call run eagerly (real training steps, on a side stream as
  PyTorch's CUDA-graph guide asks), a graph lives for one ``fit_loop`` call only, and
  restoring a snapshot during the call drops it;
- those settings and the optimizers' hyper-parameters (learning rates included) are
  baked into the graph, so a change that a callback makes (a scheduler, a λ schedule)
  makes a new capture;
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

# One side stream per GPU for the whole process, for the warm-up steps and the captures:
# cuBLAS keeps a workspace (tens of MiB) for every stream it has run on, so a new stream
# per fit would leak one per fit.
_STREAMS = {}
# One capture at a time in the process (PyTorch's rule), whatever the threads.
_CAPTURE_LOCK = threading.Lock()


def _side_stream(index):
    with _CAPTURE_LOCK:
        if index not in _STREAMS:
            _STREAMS[index] = torch.cuda.Stream(device=index)
        return _STREAMS[index]


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


def _signature(tensors):
    return tuple((tuple(t.shape), t.dtype) for t in tensors)


def _clone(batch):
    """Return a copy of the batch with fresh tensors: the graph's input buffers."""
    out = {}
    for key, value in batch.items():
        if isinstance(value, dict):
            out[key] = _clone(value)
        else:
            out[key] = None if value is None else value.detach().clone()
    return out


def _is_setting(key, value):
    return key != "params" and not torch.is_tensor(value)


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
        device = torch.device(net.device)
        index = torch.cuda.current_device() if device.index is None else device.index
        self.device = torch.device("cuda", index)
        self.stream = _side_stream(index)
        self.graph = None
        self.inputs = None
        self.outputs = None
        self.signature = None
        self.settings = None
        self.n_warmup = 0
        self.disabled = False
        # The R1 penalty's weight in the replayed step (lazy R1: interval·γ on the steps
        # that compute it, 0 on the others), set before every replay.
        self.r1_scale = torch.zeros((), device=self.device)
        set_capturable(net, True)
        for optimizer in (net.optimizer_, net.optimizer_discriminator_):
            # Stepping a capturable optimizer outside a capture (warm-up, odd-sized
            # batches) makes torch warn once per optimizer: on purpose here.
            optimizer._warned_capturable_if_run_uncaptured = True

    def _drop_graph(self):
        self.graph = self.inputs = self.outputs = None

    def close(self):
        """Free the graph and its buffers, and clear the optimizers' capturable flag."""
        self._drop_graph()
        set_capturable(self.net, False)

    def invalidate(self):
        """Drop the graph: the tensors it captured (weights, optimizer states) were replaced.

        Called when the net restores a snapshot or loads a state during the call; the
        next full-size batch captures anew.
        """
        self._drop_graph()
        set_capturable(self.net, True)

    def _settings(self):
        """Everything the captured step bakes in besides the tensors: recapture on change.

        The optimizers' hyper-parameters (fused Adam takes them as Python numbers), the
        loop's weights and noise levels, and the identity of the optimizers.
        """
        net = self.net
        groups = tuple(
            (id(opt), *((k, v) for k, v in group.items() if _is_setting(k, v)))
            for opt in (net.optimizer_, net.optimizer_discriminator_)
            for group in opt.param_groups
        )
        loop = (
            net.adversarial_weight,
            net.gradient_penalty,
            net.input_noise,
            net.discriminator_noise,
            net.precision,
            net.reconstruction_loss,
            net.neighbor_weight,
            net.category_balance,
            net.gradient_penalty_interval,
            net.adversarial_update,
        )
        return groups, loop

    def _eager(self, batch, fit_params, *, side_stream=False):
        if not side_stream:
            return self.net.train_step(batch, **fit_params)
        # PyTorch's warm-up pattern: the side stream waits for the work queued so far,
        # and the main stream waits for the side stream's, also when the step fails.
        main = torch.cuda.current_stream(self.device)
        self.stream.wait_stream(main)
        try:
            with torch.cuda.stream(self.stream):
                return self.net.train_step(batch, **fit_params)
        finally:
            main.wait_stream(self.stream)

    def _capture(self, batch, fit_params):
        self._drop_graph()  # free an older graph first
        inputs = _clone(batch)
        graph = torch.cuda.CUDAGraph()
        for generator in (self.net.noise_generator_, self.net.discriminator_generator_):
            if generator.device.type == "cuda":
                graph.register_generator_state(generator)
        # On the net's GPU, whichever is current; thread_local: another thread training
        # eagerly during the capture (a threaded grid search) may still allocate memory.
        # The outer stream context puts the thread back on its stream even if the
        # capture fails.
        with (
            _CAPTURE_LOCK,
            torch.cuda.device(self.device),
            torch.cuda.stream(self.stream),
            warnings.catch_warnings(record=True) as caught,
        ):
            warnings.simplefilter("always")
            with torch.cuda.graph(graph, stream=self.stream, capture_error_mode="thread_local"):
                outputs = self.net.train_step(inputs, **fit_params)
        for warning in caught:
            if "graph is empty" in str(warning.message).lower():
                # Kernels went to another stream than the captured one: replays would
                # do nothing.
                raise RuntimeError(f"the captured graph is empty ({warning.message})")
            warnings.warn_explicit(
                warning.message, warning.category, warning.filename, warning.lineno
            )
        # The input buffers are kept flat, in the order _tensors gives a batch's tensors.
        self.graph, self.inputs, self.outputs = graph, _tensors(inputs), outputs
        self.settings = self._settings()

    def _give_up(self, exc):
        """Train on without graphs for the rest of the call, after a failed capture."""
        self.disabled = True
        self._drop_graph()
        with _CAPTURE_LOCK:  # a stream whose capture failed may be unusable: use a new one
            _STREAMS.pop(self.device.index, None)
        warnings.warn(
            f"Capturing the training step in a CUDA graph failed ({type(exc).__name__}: "
            f"{exc}); training goes on without cuda_graphs for the rest of this call.",
            RuntimeWarning,
            stacklevel=2,
        )

    def __call__(self, batch, **fit_params):
        tensors = _tensors(batch)
        signature = _signature(tensors)
        if self.signature is None:
            self.signature = signature  # the first batch of a call has the full size
        if self.disabled or signature != self.signature:
            return self._eager(batch, fit_params)
        if self.n_warmup < WARMUP_STEPS:
            self.n_warmup += 1
            return self._eager(batch, fit_params, side_stream=True)
        if self.graph is None or self._settings() != self.settings:
            try:
                self._capture(batch, fit_params)
            except Exception as exc:  # noqa: BLE001 - any failure: fall back to eager
                self._give_up(exc)
                return self._eager(batch, fit_params)
        with torch.no_grad():
            for buffer, value in zip(self.inputs, tensors, strict=True):
                buffer.copy_(value, non_blocking=True)
            net = self.net
            due = net.gradient_penalty > 0 and net.r1_due()
            self.r1_scale.fill_(
                net.gradient_penalty * net.gradient_penalty_interval if due else 0.0
            )
        self.graph.replay()
        # Copies: the next replay overwrites the graph's outputs, and callbacks may keep
        # what on_batch_end gives them.
        return {key: value.clone() for key, value in self.outputs.items()}
