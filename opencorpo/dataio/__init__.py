"""Data in and out: imports, exports, Excel templates, connectors and the OData feed."""
