"""Records to files and files to records: form definitions, Excel/PDF writers, import. No Qt."""
