"""robot: declarative RPA for back-office data entry into legacy web and desktop systems."""

__version__ = "0.1.0"
