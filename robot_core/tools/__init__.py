"""Tools for bot authors beside the runtime: ``capture`` cuts image templates off the screen."""
