"""What a run leaves behind: the result model (``outcome``), the audit trail (``audit``),
evidence cards (``cards``), the results workbook (``results``) and a batch's export."""
