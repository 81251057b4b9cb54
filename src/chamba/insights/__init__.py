"""Labour-market insights: demand, funnels, impact, fairness."""
