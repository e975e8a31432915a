"""The gallery's order: the chapter's (sphinx-gallery's ``within_subsection_order``).

sphinx-gallery orders examples by their number of code lines unless told
otherwise; a reader of chapter 10 expects its order. An example missing from
the list comes after the listed ones, by file name.
"""

CHAPTER = [
    "plot_perceptron.py",
    "plot_fashion_mnist.py",
    "plot_regression.py",
    "plot_functional_api.py",
    "plot_subclassing_api.py",
    "plot_saving.py",
    "plot_callbacks.py",
    "plot_tensorboard.py",
    "plot_tuning.py",
    "plot_bayesian_tuning.py",
    "plot_learning_rate_finder.py",
    "plot_pipeline_validation.py",
]


class ChapterOrder:
    """Sort key: the example's place in ``CHAPTER``, then its file name."""

    def __init__(self, src_dir):
        self.src_dir = src_dir

    def __call__(self, filename):
        place = CHAPTER.index(filename) if filename in CHAPTER else len(CHAPTER)
        return place, filename

    def __repr__(self):
        return "ChapterOrder"
