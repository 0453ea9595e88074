"""One home per notebook: its experiments, derivations, figures and explorer."""
