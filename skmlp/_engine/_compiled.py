"""Calling compiled functions fast: trace once, quietly, then go straight to
the graph."""

from .._tf import quiet_stderr, tf

#: TensorFlow's private flat call of a concrete function (guarded below).
FLAT_CALL = "_call_flat"


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
            with quiet_stderr():
                concrete = function.get_concrete_function()
                result = concrete(*args)
            state["concrete"] = concrete
            state["flat"] = getattr(concrete, FLAT_CALL, None)
            return result
        flat = state["flat"]
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
