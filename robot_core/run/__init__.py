"""Running cases: a file into the queue (``ingest``), a run (``session``), the queue's
``worker``, the ``runner`` of one case, and what each step does (``steps``)."""
