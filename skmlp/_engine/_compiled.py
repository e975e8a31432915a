"""Calling compiled functions fast: trace once, quietly, then go straight to
the graph, with Grappler's meta-optimizer run once.

Before a function's first run, TensorFlow optimises its graph with Grappler's
passes, twice over by default: for the small graphs of a training loop, the
second round found nothing that changed a fit's speed (A/B runs, iris and
digits), and cost 10-20 ms of every configuration's first fit. The calls
here run with the caller's options but one round
(``RewriterConfig.meta_optimizer_iterations = ONE``), set for the calling
thread for the duration of the call (TensorFlow's per-thread
``function_call_options``, as its own ``function_executor_type`` sets them)
and put back after it: nobody else's functions see them. Where that private
API is missing, the calls run with the caller's options.
"""

import contextlib

from .._tf import quiet_stderr, tf

#: TensorFlow's private flat call of a concrete function (guarded below).
FLAT_CALL = "_call_flat"

try:  # TensorFlow's per-thread options of function calls (private)
    from tensorflow.core.protobuf import config_pb2, rewriter_config_pb2
    from tensorflow.python.eager import context as _context

    _ONE = rewriter_config_pb2.RewriterConfig.ONE
    _DEFAULT = rewriter_config_pb2.RewriterConfig.DEFAULT_NUM_ITERS
    _context.FunctionCallOptions  # noqa: B018 (present?)
except (ImportError, AttributeError):  # pragma: no cover - another TensorFlow
    _context = None

#: The caller's options (executor, serialized ConfigProto) -> ours.
_OPTIONS = {}


def _one_round(options, key):
    """``options`` (a ``FunctionCallOptions``) with one round of Grappler,
    unless the caller chose a number of rounds; kept under ``key``."""
    config = config_pb2.ConfigProto()
    if options.config_proto_serialized:
        config.ParseFromString(options.config_proto_serialized)
    rewrite = config.graph_options.rewrite_options
    if rewrite.meta_optimizer_iterations == _DEFAULT:
        rewrite.meta_optimizer_iterations = _ONE
    ours = _OPTIONS[key] = _context.FunctionCallOptions(options.executor_type, config)
    return ours


@contextlib.contextmanager
def one_round():
    """Calls of compiled functions in this block run one round of Grappler
    (see the module's docstring)."""
    if _context is None:
        yield
        return
    ctx = _context.context()
    saved = ctx.function_call_options
    try:
        key = (saved.executor_type, saved.config_proto_serialized)
        ctx.function_call_options = _OPTIONS.get(key) or _one_round(saved, key)
    except (AttributeError, TypeError, ValueError):  # another TensorFlow
        yield
        return
    try:
        yield
    finally:
        ctx.function_call_options = saved


def quiet_first_call(function):
    """A fast caller of ``function`` (a ``tf.function`` with an input
    signature), traced on the first call with the C++ log held back (where
    TensorFlow optimises the graph, its optimiser logs lines such as "Not
    handling type DT_DOUBLE").

    Later calls go straight to the traced graph (the concrete function's
    flat call, with the arguments converted to the signature's dtypes):
    ``tf.function``'s signature matching, and even a concrete function's
    binding of its arguments, cost 0.2-1 ms a call, more than a small fit's
    epoch or an L-BFGS evaluation. The flat call is TensorFlow's private
    API; where it is missing or changed, the public call serves.
    """
    dtypes = [spec.dtype for spec in tf.nest.flatten(function.input_signature)]
    state = {}

    def call(*args):
        concrete = state.get("concrete")
        if concrete is None:
            with quiet_stderr(), one_round():
                concrete = function.get_concrete_function()
                result = concrete(*args)
            state["concrete"] = concrete
            state["flat"] = getattr(concrete, FLAT_CALL, None)
            return result
        flat = state["flat"]
        with one_round():
            if flat is None:  # a TensorFlow without it: the public call
                return concrete(*args)
            tensors = [
                a if isinstance(a, tf.Tensor) and a.dtype == d else tf.constant(a, d)
                for a, d in zip(args, dtypes, strict=True)
            ]
            try:
                return flat(tensors, concrete.captured_inputs)
            except TypeError:  # its private signature changed: the public call
                state["flat"] = None
                return concrete(*args)

    return call


def bind_variant(body, variant):
    """``body`` with its trace-time ``variant`` bound (a plain function of the
    tensors: what ``tf.function``'s input signature describes)."""

    def bound(*tensors):
        return body(*tensors, variant=variant)

    return bound
