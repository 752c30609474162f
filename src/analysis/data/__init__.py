"""The data path: loading a log into DuckDB with its checks, cleaning with a quarantine, the customer
summary (DuckDB or another engine), the opportunity and contract tables, the data chapter's
description. Imports no model (synthetic logs with known truth are in ``analysis.models.simulate``)."""
