"""The audit log: who (person and organisation) did what, when, to what, the before and after,
and why - one record per act done through the gateway (its API or its dashboard forms)."""
