"""Strategy: goals, OKRs, KPIs, initiatives, risks and implementation plans."""
