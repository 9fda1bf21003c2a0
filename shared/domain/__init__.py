"""The money and payment rules, pure: no storage, no processor, no AWS (amounts, states, allocations, due dates, limits, autopay, plans)."""
