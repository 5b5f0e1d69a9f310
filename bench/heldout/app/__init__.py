"""A legacy-style 犬の登録 web app the project has not seen (its own SQLite database)."""
