"""People's accounts in the gateway: domain.py (the rules, pure), handlers.py (the use cases),
store.py (SQLite and MongoDB), provider.py (the nameko dependency)."""
