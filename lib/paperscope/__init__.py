"""paperscope: cross-border research collaboration and model adoption in conference papers."""
__version__ = "0.1.0"
