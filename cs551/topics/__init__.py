"""One home per notebook: ``notebooks/NN_<topic>.ipynb`` is taught by ``cs551.topics.<topic>``.

    learning_vs_optimization   01    initialization             07
    minibatches                02    adaptive_learning_rates    08
    local_quadratic_model      03    newton                     09
    challenges                 04    batch_normalization        10
    sgd                        05    exact_line_search          11
    momentum                   06

A home holds the parts its notebook needs: ``experiments`` (numbers), ``derivations``
(SymPy), ``figures`` and ``explorer``; its ``__init__`` re-exports their public names.
A topic imports the foundation and the shared helpers, never another topic.
"""
