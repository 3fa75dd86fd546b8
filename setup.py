"""paperscope's build: everything is in pyproject.toml; this file only hands over to setuptools."""
from setuptools import setup

setup()
