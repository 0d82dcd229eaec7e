"""Text quality beyond single scorers: controlled degradations and evaluation by construction."""
