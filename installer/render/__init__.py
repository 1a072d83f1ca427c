"""Files generated from the product file and the schema: a product's install.sh and
uninstall.sh (``scripts``, from the templates beside it) and its TELEMETRY.md
(``telemetry_doc``)."""
